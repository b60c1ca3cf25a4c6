#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: a recording killed with SIGKILL at a random moment loses at most its last second.
# A load with a known rate (about 900 sleeps a second) is recorded with a small buffer, so
# pages are saved often. A second before each kill the parts are copied aside; after it,
# 'record --recover' must make a file that kptrace report and trace-cmd read, that says it
# was cut short, and that holds at least the sleeps of the copy (every page saved a second
# before the kill). The watchdog leaves nothing in tracefs.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
command -v trace-cmd >/dev/null || skip "trace-cmd is not installed"
KILLS=5

# sleeps FILE: the clock_nanosleep spans kptrace report finds in FILE.
sleeps() {
	"$KPTRACE" report --json "$1" 2>/dev/null | jq -r '.probes[0].count // 0'
}

for i in $(seq 1 $KILLS); do
	out=$WORK/rec$i.dat
	"$KPTRACE" record -o "$out" --buffer-size 8 syscall:clock_nanosleep \
		-- "$PROGS/kpt_sysload" -n 1000000 -s 1000 2>"$WORK/rec$i.err" 9>&- &
	tracer=$!
	wait_for_instance $tracer || fail "kill $i: kptrace did not start tracing"
	# 0.5 to 2.5 s into the recording, then a copy of what is saved, a second before.
	sleep "$((RANDOM % 3)).$((RANDOM % 10))"
	sleep 0.5
	cp -r "$out.parts" "$WORK/copy$i.dat.parts"
	sleep 1
	kill -KILL $tracer
	wait $tracer 2>/dev/null
	# The load outlives a killed kptrace (as under perf): end it by its unique arguments.
	pkill -KILL -f "kpt_sysload -n 1000000 -s 1000"
	sleep 1
	assert_clean "kill $i, a second later"

	"$KPTRACE" record --recover "$out" 2>"$WORK/recover$i.err"
	assert_eq "kill $i: --recover exit status" $? 0
	assert_contains "kill $i: --recover" "$WORK/recover$i.err" "Recovered"
	"$KPTRACE" record --recover "$WORK/copy$i.dat" 2>/dev/null ||
		fail "kill $i: the copy of the parts does not recover"
	saved=$(sleeps "$WORK/copy$i.dat")
	kept=$(sleeps "$out")
	if [ "$saved" -gt 0 ] && [ "$kept" -ge "$saved" ]; then
		pass "kill $i: $kept sleeps kept, at least the $saved saved a second before"
	else
		fail "kill $i: $kept sleeps kept, $saved saved a second before the kill"
	fi
	"$KPTRACE" report "$out" >/dev/null 2>"$WORK/report$i.err"
	assert_contains "kill $i: report" "$WORK/report$i.err" "the recording was cut short"
	exits=$(trace-cmd report "$out" 2>/dev/null | grep -c 'sys_exit_clock_nanosleep:')
	if [ "$exits" -ge "$saved" ]; then
		pass "kill $i: trace-cmd reads $exits sleeps"
	else
		fail "kill $i: trace-cmd reads $exits sleeps, fewer than $saved"
	fi
	[ ! -e "$out.parts" ] || fail "kill $i: --recover left $out.parts"
	rm -rf "$out" "$WORK/copy$i.dat"
done
finish
