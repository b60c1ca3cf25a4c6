#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: a kptrace killed with SIGKILL has its probes and instance removed by its watchdog
# within a second; killed together with its watchdog, it leaves them, and the next run (and
# 'kptrace cleanup') removes them; neither ever touches another tool's probe. SIGTERM ends
# a run cleanly with a report.
. "$(dirname "$0")/lib.sh"
require_root_tracefs

# Another tool's uprobe, in a group of its own: it must survive everything below.
foreign="othertool_$$"
echo "p:$foreign/work $(readlink -f "$PROGS/kpt_sleeper"):0x0" >>"$TRACEFS/uprobe_events" ||
	hard_error "cannot create the foreign probe"
trap 'echo "-:$foreign/work" >>"$TRACEFS/uprobe_events"; rm -rf "$WORK"' EXIT

start_tracer() {
	"$KPTRACE" latency --json "$PROGS/kpt_sleeper:kpt_work" syscall:clock_nanosleep \
		>"$WORK/$1.json" 2>"$WORK/$1.err" &
	tracer=$!
	wait_for_instance $tracer || fail "$1: kptrace did not start tracing"
}

# watchdog_of PID: the watchdog kptrace PID forked.
watchdog_of() { pgrep -P "$1" -x kptrace-watch; }
# ended PID: the process has exited (a zombie waiting for its new parent counts).
ended() { [ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# SIGKILL: the watchdog removes everything within a second.
start_tracer watched
watchdog=$(watchdog_of $tracer)
[ -n "$watchdog" ] || fail "kptrace $tracer has no watchdog process"
kill -KILL $tracer
wait $tracer 2>/dev/null
sleep 1
assert_clean "SIGKILL, one second later"
if ended "$watchdog"; then
	pass "the watchdog exited after its cleanup"
else
	fail "the watchdog $watchdog is still running after its cleanup"
fi

# SIGKILL of kptrace and its watchdog together: nothing can run, so the state stays...
start_tracer killed
kill -KILL "$(watchdog_of $tracer)" $tracer
wait $tracer 2>/dev/null
if grep -q "kptrace_$tracer/" "$TRACEFS/dynamic_events" && [ -d "$TRACEFS/instances/kptrace_$tracer" ]; then
	pass "SIGKILL leaves probes and instance kptrace_$tracer"
else
	fail "SIGKILL left nothing: the test cannot tell whether the next run cleans up"
fi

# ...and the next run removes it before it starts, then ends cleanly itself.
"$KPTRACE" latency --json syscall:clock_nanosleep -- "$PROGS/kpt_sysload" -n 3 -s 1000 >"$WORK/next.json"
assert_eq "next run's count" "$(json_get "$WORK/next.json" '.probes[0].count')" 3
assert_clean "next run after SIGKILL"

# 'kptrace cleanup' does the same on demand.
start_tracer killed2
kill -KILL "$(watchdog_of $tracer)" $tracer
wait $tracer 2>/dev/null
# Two uprobes (entry and return) and the instance; the syscall tracepoints are not ours.
"$KPTRACE" cleanup >"$WORK/cleanup.out"
assert_contains "kptrace cleanup" "$WORK/cleanup.out" "removed 3"
assert_clean "kptrace cleanup"

if grep -q "$foreign/work" "$TRACEFS/dynamic_events"; then
	pass "the foreign probe $foreign/work survived"
else
	fail "the foreign probe $foreign/work was removed"
fi

# SIGTERM: a final report and a clean exit.
start_tracer term
watchdog=$(watchdog_of $tracer)
kill -TERM $tracer
wait $tracer
assert_eq "exit status after SIGTERM" $? 0
if [ -n "$watchdog" ] && ended "$watchdog"; then
	pass "the watchdog ended with its run"
else
	fail "the watchdog '$watchdog' did not end with its run"
fi
assert_eq "stderr after SIGTERM" "$(grep -c watchdog "$WORK/term.err")" 0
assert_eq "report after SIGTERM" "$(json_get "$WORK/term.json" '.probes | length')" 2
assert_clean "after SIGTERM"
finish
