#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live soak: kptrace killed at random moments, from set-up to the end, again and again:
# SIGINT, SIGTERM and SIGKILL on latency, trace, record and count with both backends.
# After each kill nothing of kptrace's may be left in tracefs once the run has ended (and,
# for SIGKILL, one second later: the watchdog's job), and the watchdog must have gone.
# Another tool's enabled probe, in its own instance, must come through untouched.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
KILLS=${KPT_SOAK_KILLS:-54}
SLEEPER=$(readlink -f "$PROGS/kpt_sleeper")

# Another tool's probe, enabled in its own instance, under names of this test's own. It is
# on a program nothing here runs or reads: an enabled uprobe writes its breakpoint into
# every mapping of the file, an ELF header at offset 0 too.
foreign="othertool_$$"
echo "p:$foreign/work $(readlink -f "$PROGS/kpt_noperf"):0x0" >>"$TRACEFS/uprobe_events" ||
	hard_error "cannot create the foreign probe"
mkdir "$TRACEFS/instances/$foreign" && echo 1 >"$TRACEFS/instances/$foreign/events/$foreign/work/enable" ||
	hard_error "cannot create and enable the foreign instance"
remove_foreign() {
	echo 0 >"$TRACEFS/instances/$foreign/events/$foreign/work/enable"
	rmdir "$TRACEFS/instances/$foreign"
	echo "-:$foreign/work" >>"$TRACEFS/uprobe_events"
}
trap 'remove_foreign 2>/dev/null; rm -rf "$WORK"' EXIT

# exec_done PID: bash's child has exec'd kptrace. A signal before that would end the child
# in bash, which then runs this script's EXIT trap.
exec_done() {
	local i kptrace
	kptrace=$(readlink -f "$KPTRACE")
	for i in $(seq 1 200); do
		[ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$kptrace" ] && return 0
		sleep 0.01
	done
	return 1
}
ended() { [ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

commands=(latency trace record count)
signals=(INT TERM KILL)
backends=(tracefs perf)
for i in $(seq 1 $KILLS); do
	cmd=${commands[i % 4]}
	sig=${signals[(i / 4) % 3]}
	backend=${backends[(i / 12) % 2]}
	args=(--backend "$backend")
	if [ "$cmd" = record ]; then	# record reads the tracefs buffers only
		backend=tracefs
		args=(-o "$WORK/soak.dat")
	fi
	"$KPTRACE" "$cmd" "${args[@]}" "$SLEEPER:kpt_work" syscall:clock_nanosleep \
		-- "$SLEEPER" -n 1000 -s 2000 >/dev/null 2>"$WORK/soak.err" &
	tracer=$!
	exec_done $tracer || fail "kill $i: kptrace did not start"
	# Anywhere from set-up (0 s) to well into tracing (1.5 s).
	sleep "$((RANDOM % 2)).$((RANDOM % 10))"
	watchdog=$(pgrep -P $tracer -x kptrace-watch)
	load=$(pgrep -P $tracer -x kpt_sleeper)
	kill -$sig $tracer || fail "kill $i: kptrace had ended before the kill: $(cat "$WORK/soak.err")"
	wait $tracer 2>/dev/null
	[ "$sig" = KILL ] && sleep 1
	what="kill $i ($cmd --backend $backend, SIG$sig)"
	before=$failures
	assert_clean "$what"
	[ "$failures" -eq "$before" ] || echo "its stderr: $(cat "$WORK/soak.err")"
	# The tracefs objects must be gone a second after the kill (above); the watchdog
	# process itself exits once it has removed them, which a loaded machine may delay
	# a little: it gets 3 s more.
	for _ in $(seq 1 60); do
		[ -z "$watchdog" ] || ended "$watchdog" && break
		sleep 0.05
	done
	if [ -n "$watchdog" ] && ! ended "$watchdog"; then
		fail "$what: its watchdog $watchdog is still running 4 s after the kill"
	fi
	[ -n "$load" ] && kill -KILL "$load" 2>/dev/null
	rm -rf "$WORK/soak.dat" "$WORK/soak.dat.parts"
done

if [ "$(cat "$TRACEFS/instances/$foreign/events/$foreign/work/enable")" = 1 ] &&
   grep -q "^p:$foreign/work " "$TRACEFS/dynamic_events"; then
	pass "the foreign probe $foreign/work and its instance came through, still enabled"
else
	fail "the foreign probe $foreign/work or its instance was changed"
fi
remove_foreign
finish
