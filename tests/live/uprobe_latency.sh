#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: uprobe + uretprobe latency of kpt_work() in the test program, whose calls sleep a
# known time. Counts must be exact; each duration must lie between the sleep and the sleep
# plus TOLERANCE_US (scheduling on a loaded 2-CPU machine), PIE and non-PIE, threads and
# recursion; nothing may be left in tracefs, after a normal end or after SIGINT.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
TOLERANCE_US=15000

# check_work OUT COUNT SLEEP_US: the kpt_work probe's figures in a JSON report.
check_work() {
	local out=$1 count=$2 us=$3 probe=".probes[0]"
	assert_eq "$TEST_NAME count" "$(json_get "$out" "$probe.count")" "$count"
	assert_between "min us" "$(json_get "$out" "$probe.min_ns / 1000 | floor")" "$us" $((us + TOLERANCE_US))
	assert_between "max us" "$(json_get "$out" "$probe.max_ns / 1000 | floor")" "$us" $((us + TOLERANCE_US))
	assert_between "p50 us" "$(json_get "$out" "$probe.p50_ns / 1000 | floor")" $((us - us / 64)) $((us + TOLERANCE_US))
	assert_eq "unpaired" "$(json_get "$out" "[$probe.unpaired[]] | add")" 0
}

for prog in kpt_sleeper kpt_sleeper_nopie; do
	out=$WORK/$prog.json
	"$KPTRACE" latency --json "$PROGS/$prog:kpt_work" -- "$PROGS/$prog" -n 10 -s 20000 >"$out"
	assert_eq "$prog: exit status" $? 0
	check_work "$out" 10 20000
	assert_clean "$prog"
done

# Four threads at once, 5 calls each: 20 spans, each paired on its own thread.
out=$WORK/threads.json
"$KPTRACE" latency --json "$PROGS/kpt_sleeper:kpt_work" -- "$PROGS/kpt_sleeper" -n 5 -t 4 -s 10000 >"$out"
check_work "$out" 20 10000

# Recursion 5 deep, 4 ms a level: level d lasts d * 4 ms, so min ~4 ms and max ~20 ms.
out=$WORK/recurse.json
"$KPTRACE" latency --json "$PROGS/kpt_sleeper:kpt_recurse" "$PROGS/kpt_sleeper:kpt_work" \
	-- "$PROGS/kpt_sleeper" -n 2 -r 5 -s 4000 >"$out"
assert_eq "recursion count" "$(json_get "$out" '.probes[0].count')" 5
assert_between "innermost level us" "$(json_get "$out" '.probes[0].min_ns / 1000 | floor')" 4000 $((4000 + TOLERANCE_US))
assert_between "outermost level us" "$(json_get "$out" '.probes[0].max_ns / 1000 | floor')" 20000 $((20000 + TOLERANCE_US))
assert_eq "second probe count" "$(json_get "$out" '.probes[1].count')" 2
assert_eq "recursion unpaired" "$(json_get "$out" '[.probes[].unpaired[]] | add')" 0

# A library function by library name: nanosleep in libc, 10 calls from kpt_sleeper.
out=$WORK/libc.json
"$KPTRACE" latency --json c:nanosleep -- "$PROGS/kpt_sleeper" -n 10 -s 3000 >"$out"
assert_eq "libc nanosleep count" "$(json_get "$out" '.probes[0].count')" 10
assert_clean "normal end"

# kptrace trace: each call's argument (%di: kpt_work's usec) and return value (usec again).
out=$WORK/trace.json
"$KPTRACE" trace --json "$PROGS/kpt_sleeper:kpt_work usec=%di:u32" -- "$PROGS/kpt_sleeper" -n 3 -s 1234 >"$out"
assert_eq "trace: entries with usec=1234" "$(jq -s '[.[] | select(.role == "entry" and .fields.usec == 1234)] | length' "$out")" 3
assert_eq "trace: returns of 1234" "$(jq -s '[.[] | select(.role == "exit" and .fields.ret == 1234)] | length' "$out")" 3
assert_eq "trace: events in all" "$(jq -s length "$out")" 6

# -p PID and SIGINT: attach to a running process, interrupt, and get the final report.
"$PROGS/kpt_sleeper" -n 4000 -s 5000 &
target=$!
"$KPTRACE" latency --json -p $target "$PROGS/kpt_sleeper:kpt_work" >"$WORK/sigint.json" 2>"$WORK/sigint.err" &
tracer=$!
wait_for_instance $tracer || fail "kptrace -p did not start tracing"
sleep 0.5
kill -INT $tracer
wait $tracer
assert_eq "exit status after SIGINT" $? 0
count=$(json_get "$WORK/sigint.json" '.probes[0].count')
assert_between "calls seen in ~0.5 s of 5 ms calls" "$count" 20 110
assert_between "SIGINT min us" "$(json_get "$WORK/sigint.json" '.probes[0].min_ns / 1000 | floor')" 5000 $((5000 + TOLERANCE_US))
kill $target 2>/dev/null
wait $target 2>/dev/null
assert_clean "after SIGINT"
finish
