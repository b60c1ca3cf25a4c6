#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: two kptrace sessions at once on the same probes, each following its own command,
# count exactly their own command's calls; each has its own probe group and instance, and
# neither removes the other's, however they end.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
SLEEPER=$(readlink -f "$PROGS/kpt_sleeper")

# wait_for_cmd PID: kptrace PID has released its CMD, which it does once its probes are live
# (with either backend).
wait_for_cmd() {
	local i
	for i in $(seq 1 600); do
		pgrep -P "$1" -x kpt_sleeper >/dev/null && return 0
		sleep 0.05
	done
	return 1
}

for backend in tracefs perf; do
	"$KPTRACE" latency --json --backend $backend "$SLEEPER:kpt_work" syscall:clock_nanosleep \
		-- "$SLEEPER" -n 40 -s 20000 >"$WORK/a.json" 2>"$WORK/a.err" &
	a=$!
	"$KPTRACE" latency --json --backend $backend "$SLEEPER:kpt_work" syscall:clock_nanosleep \
		-- "$SLEEPER" -n 25 -s 30000 >"$WORK/b.json" 2>"$WORK/b.err" &
	b=$!
	# Both are tracing at the same time before either ends.
	wait_for_cmd $a && wait_for_cmd $b ||
		fail "$backend: the two sessions did not trace at once"
	[ -d "$TRACEFS/instances/kptrace_$a" ] && [ -d "$TRACEFS/instances/kptrace_$b" ] &&
		pass "$backend: two instances at once" || fail "$backend: not two instances at once"
	wait $a
	assert_eq "$backend: session A's status" $? 0
	wait $b
	assert_eq "$backend: session B's status" $? 0
	assert_eq "$backend: session A's kpt_work calls" "$(json_get "$WORK/a.json" '.probes[0].count')" 40
	assert_eq "$backend: session A's sleeps" "$(json_get "$WORK/a.json" '.probes[1].count')" 40
	assert_eq "$backend: session B's kpt_work calls" "$(json_get "$WORK/b.json" '.probes[0].count')" 25
	assert_eq "$backend: session B's sleeps" "$(json_get "$WORK/b.json" '.probes[1].count')" 25
	assert_clean "$backend: two sessions"
done

# One session killed with SIGKILL while the other traces: its watchdog removes its own
# probes and instance only, and the other still counts exactly.
"$KPTRACE" latency --json "$SLEEPER:kpt_work" -- "$SLEEPER" -n 60 -s 20000 >"$WORK/c.json" \
	2>/dev/null &
c=$!
"$KPTRACE" latency --json "$SLEEPER:kpt_work" -- "$SLEEPER" -n 200 -s 20000 >/dev/null \
	2>/dev/null &
d=$!
wait_for_instance $c && wait_for_instance $d || fail "the two sessions did not trace at once"
load=$(pgrep -P $d -x kpt_sleeper)
kill -KILL $d
wait $d 2>/dev/null
[ -n "$load" ] && kill -KILL "$load"
sleep 1
if [ ! -d "$TRACEFS/instances/kptrace_$d" ] && ! grep -q "kptrace_$d/" "$TRACEFS/dynamic_events"; then
	pass "the killed session's probes and instance are gone"
else
	fail "the killed session's probes or instance are left"
fi
if [ -d "$TRACEFS/instances/kptrace_$c" ] && grep -q "kptrace_$c/" "$TRACEFS/dynamic_events"; then
	pass "the other session's probes and instance are untouched"
else
	fail "the other session lost its probes or instance"
fi
wait $c
assert_eq "surviving session's status" $? 0
assert_eq "surviving session's kpt_work calls" "$(json_get "$WORK/c.json" '.probes[0].count')" 60
assert_clean "after both"
finish
