#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: the tracefs backend's two ways of reading the ring buffers give the same exact
# counts on the benchmark's loads: the splice path (the default) everywhere, and the
# mapped one (KPTRACE_MMAP=1, Linux 6.10+: the buffers are read in place) where
# 'kptrace check' says the kernel maps them. Each run is checked to use the path it
# claims, by its mappings of trace_pipe_raw; nothing is left in tracefs.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
LOAD="$PROGS/kpt_sysload"
FUNCLOOP="$PROGS/kpt_funcloop"
NR_CPUS=$(getconf _NPROCESSORS_CONF)

mapped=$("$KPTRACE" check --json | jq -r '.features.mapped_buffers')
assert_eq "check: the default read path" "$("$KPTRACE" check --json | jq -r .tracefs_read)" splice
"$KPTRACE" check >"$WORK/check.out"
if [ "$mapped" = true ]; then
	assert_contains "check, mappable" "$WORK/check.out" "KPTRACE_MMAP=1 reads them in place"
	assert_eq "check with KPTRACE_MMAP=1: the read path" \
		"$(KPTRACE_MMAP=1 "$KPTRACE" check --json | jq -r .tracefs_read)" mapped
	paths="splice mapped"
else
	assert_contains "check, not mappable" "$WORK/check.out" "splices pages out of trace_pipe_raw"
	echo "note: this kernel does not map trace buffers; only the splice path is tested"
	paths="splice"
fi

# run_path PATH CMD...: CMD with the environment that selects PATH.
run_path() {
	local path=$1
	shift
	if [ "$path" = mapped ]; then KPTRACE_MMAP=1 "$@"; else KPTRACE_MMAP=0 "$@"; fi
}

for path in $paths; do
	# The path in use: a mapped run maps every CPU's meta page and sub-buffers.
	on=0
	[ "$path" = mapped ] && on=1
	KPTRACE_MMAP=$on "$KPTRACE" latency -d 20 syscall:getppid >/dev/null 2>&1 &
	pid=$!
	if wait_for_instance "$pid"; then
		maps=$(grep -c 'trace_pipe_raw' "/proc/$pid/maps")
		if [ "$path" = mapped ]; then
			assert_eq "$path: trace_pipe_raw mappings" "$maps" $((2 * NR_CPUS))
		else
			assert_eq "$path: trace_pipe_raw mappings" "$maps" 0
		fi
	else
		fail "$path: kptrace $pid never turned tracing on"
	fi
	kill -INT "$pid"
	wait "$pid"
	assert_eq "$path: exit status after Ctrl-C" $? 0

	# W1: the highest event rate, every pair counted, nothing lost. The buffer holds
	# the whole run, so that other work on the machine cannot make this test lose
	# records: what is tested is that each path reads every record exactly once
	# (bench/run.sh measures loss with the default buffers).
	out=$WORK/$path-w1.out
	run_path "$path" "$KPTRACE" latency --json --buffer-size 64M syscall:getppid \
		-- "$LOAD" -g 2000000 >"$out"
	grep '^{' "$out" >"$out.json"
	assert_eq "$path: getppid pairs" "$(json_get "$out.json" '.probes[0].count')" 2000000
	assert_eq "$path: getppid unpaired" "$(json_get "$out.json" '[.probes[0].unpaired[]] | add')" 0
	assert_eq "$path: getppid lost" "$(json_get "$out.json" '[.lost[]] | add')" 0

	# Interval reports: records released round by round still add up exactly.
	out=$WORK/$path-interval.out
	run_path "$path" "$KPTRACE" latency --json -i 0.1 --buffer-size 64M syscall:getppid \
		-- "$LOAD" -g 3000000 >"$out"
	grep '^{' "$out" >"$out.json"
	assert_between "$path: interval reports" "$(wc -l <"$out.json")" 2 100000
	assert_eq "$path: interval counts add up" "$(jq -s '[.[].probes[0].count] | add' "$out.json")" 3000000
	assert_eq "$path: interval losses" "$(jq -s '[.[].lost[]] | add' "$out.json")" 0

	# W2: a uprobe and uretprobe pair, a thousand times slower per call.
	out=$WORK/$path-w2.json
	run_path "$path" "$KPTRACE" latency --json "$FUNCLOOP:kpt_func" -- "$FUNCLOOP" -n 20000 |
		grep '^{' >"$out"
	assert_eq "$path: kpt_func pairs" "$(json_get "$out" '.probes[0].count')" 20000
	assert_eq "$path: kpt_func lost" "$(json_get "$out" '[.lost[]] | add')" 0

	# A quiet trace: a few records on a page the kernel is still writing.
	out=$WORK/$path-sleep.json
	run_path "$path" "$KPTRACE" latency --json syscall:clock_nanosleep -- "$LOAD" -n 7 -s 2000 >"$out"
	assert_eq "$path: sleeps" "$(json_get "$out" '.probes[0].count')" 7
	assert_clean "$path"
done
finish
