#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: a closed pipe ends a run cleanly with status 141 (128 + SIGPIPE); a write error on
# standard output is reported, naming it, and ends the run with status 1; a second Ctrl-C
# does not cut the teardown short; a CMD that ignores SIGTERM gets SIGKILL after the grace
# period. Nothing is left in tracefs after any of them.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
LOAD="$PROGS/kpt_sysload"

# trace | head -1: the reader goes away after one line.
"$KPTRACE" trace syscall:clock_nanosleep -- "$LOAD" -n 2000 -s 1000 2>"$WORK/pipe.err" |
	head -1 >"$WORK/pipe.out"
assert_eq "trace | head -1: kptrace's status" "${PIPESTATUS[0]}" 141
assert_eq "trace | head -1: lines read" "$(wc -l <"$WORK/pipe.out")" 1
assert_contains "trace | head -1" "$WORK/pipe.out" "clock_nanosleep entry"
if grep -q error "$WORK/pipe.err"; then
	fail "trace | head -1: errors on stderr: $(cat "$WORK/pipe.err")"
else
	pass "trace | head -1: no error on stderr"
fi
assert_clean "trace | head -1"

# JSON lines to a pipe that closes, with the perf backend.
"$KPTRACE" trace --json --backend perf syscall:clock_nanosleep -- "$LOAD" -n 2000 -s 1000 \
	2>/dev/null | head -2 >"$WORK/pipe.json"
assert_eq "trace --json --backend perf | head -2: kptrace's status" "${PIPESTATUS[0]}" 141
assert_eq "JSON lines read" "$(jq -r .probe "$WORK/pipe.json" | grep -c clock_nanosleep)" 2
assert_clean "trace --backend perf | head"

# A full standard output: while tracing (trace), and in the final report (latency).
"$KPTRACE" trace syscall:clock_nanosleep -- "$LOAD" -n 200 -s 1000 >/dev/full 2>"$WORK/full.err"
assert_eq "trace >/dev/full: exit status" $? 1
assert_contains "trace >/dev/full" "$WORK/full.err" \
	"cannot write to standard output: No space left on device"
assert_clean "trace >/dev/full"
"$KPTRACE" latency syscall:clock_nanosleep -- "$LOAD" -n 3 -s 1000 >/dev/full 2>"$WORK/lat.err"
assert_eq "latency >/dev/full: exit status" $? 1
assert_contains "latency >/dev/full" "$WORK/lat.err" \
	"cannot write to standard output: No space left on device"
assert_clean "latency >/dev/full"

# A second Ctrl-C while kptrace stops: it is told to wait, and the run still ends cleanly.
# The reader sleeps first, so kptrace is held in a write to a full pipe as both arrive.
sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$WORK/int.pid" \
	"$KPTRACE" trace syscall:getppid -- "$LOAD" -t 30 2>"$WORK/int.err" |
	{ sleep 3; cat >/dev/null; } &
for i in $(seq 1 100); do [ -s "$WORK/int.pid" ] && break; sleep 0.05; done
tracer=$(cat "$WORK/int.pid")
wait_for_instance "$tracer" || fail "kptrace did not start tracing"
sleep 0.5
kill -INT "$tracer"
sleep 0.3
kill -INT "$tracer"
wait
assert_contains "two SIGINTs" "$WORK/int.err" "still stopping: the probes and the instance are removed first"
assert_eq "two SIGINTs: errors" "$(grep -c error "$WORK/int.err")" 0
assert_clean "two SIGINTs"

# A CMD that ignores SIGTERM when -d ends tracing: SIGKILL after the grace period, and its
# status (128 + 9) passed on. timeout only guards the suite against a hang.
timeout 60 "$KPTRACE" latency -d 0.5 syscall:clock_nanosleep -- \
	sh -c 'trap "" TERM; while :; do sleep 0.1; done' >/dev/null 2>"$WORK/term.err"
assert_eq "CMD ignoring SIGTERM: exit status" $? 137
assert_contains "CMD ignoring SIGTERM" "$WORK/term.err" "ignored SIGTERM for 2 s: sending SIGKILL"
assert_clean "CMD ignoring SIGTERM"
finish
