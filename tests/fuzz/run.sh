#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every libFuzzer harness of tests/fuzz: first replay its seed corpus and
# the regression inputs (tests/data/malformed), then fuzz for FUZZ_SECONDS
# (default 60) each, as many harnesses at a time as there are CPUs (FUZZ_JOBS), niced:
# each still fuzzes its FUZZ_SECONDS of wall time. Fails on any crash, leak,
# undefined behaviour, hang (an input over FUZZ_TIMEOUT, 60 s of wall time: the
# inputs take well under a second of CPU, but a loaded machine stretches wall
# time many times over) or memory use over 2 GB, and
# then prints the sanitizer's report and the input (base64 when under 4 KB), so
# that a CI log alone reproduces the finding. New inputs go to
# BUILDDIR/tests/fuzz/work, crashes to BUILDDIR/tests/fuzz/crash-*.
#   FUZZ_SEED: unset, each harness fuzzes with a fixed seed of its own (make check);
#   "random", with a random one (make fuzz); a number, with that one. Printed either way.
#   FUZZ_HARNESSES: the harnesses to run (default: all), e.g. "tracedat probeset".
#   make check runs it for a minute each; make fuzz FUZZ_SECONDS=3600 runs it longer.
set -u
src=${KPT_SRCDIR:?KPT_SRCDIR is the source tree}
bld=${KPT_BUILDDIR:?KPT_BUILDDIR is the build tree}
secs=${FUZZ_SECONDS:-60}
timeout=${FUZZ_TIMEOUT:-60}
out=$bld/tests/fuzz
export LSAN_OPTIONS="suppressions=$src/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
begin=$(date +%s)

# The fixed seeds of make check: any number, but always the same one.
fixed_seed() {
	case $1 in
	tracedat) echo 1001 ;;
	probe) echo 1002 ;;
	options) echo 1003 ;;
	elf) echo 1004 ;;
	probeset) echo 1005 ;;
	esac
}

# show_input HARNESS FILE: the input that failed, so that it can be rebuilt from the log.
show_input() {
	local h=$1 f=$2 size

	size=$(stat -c %s "$f")
	echo "input $f: $size bytes, sha256 $(sha256sum <"$f" | cut -d' ' -f1)"
	if [ "$size" -lt 4096 ]; then
		echo "input as base64 (base64 -d >input; BUILDDIR/tests/fuzz/fuzz_$h input):"
		base64 "$f"
	fi
}

# cpu_time BIN INPUT: how long one run of INPUT takes, wall and CPU.
cpu_time() {
	local TIMEFORMAT="%R s of wall time, %U s user and %S s system CPU"

	{ time timeout -s KILL 600 "$1" "$2" >/dev/null 2>&1; } 2>&1
}

# report LOG: the sanitizer's or libFuzzer's report, its first 60 lines without ASan's
# shadow byte map.
report() {
	local log=$1 first

	first=$(grep -n -m1 -E '^==[0-9]+==(ERROR|WARNING)|runtime error:|^ERROR: libFuzzer|^==[0-9]+== ERROR: libFuzzer' \
		"$log" | cut -d: -f1)
	if [ -n "$first" ]; then
		echo "--- report (from line $first of $log) ---"
		tail -n +"$first" "$log" | sed '/^Shadow bytes around/,/^==[0-9]*==ABORTING/d' |
			head -60
	else
		echo "--- no sanitizer report; the end of $log ---"
		tail -30 "$log"
	fi
	echo "---"
}

# run_harness HARNESS: replay its inputs, then fuzz it; returns 1 on any failure.
run_harness() {
	local h=$1 bin seeds work dict args extra regress files f log failed seed start rc crash
	local status=0

	bin=$out/fuzz_$h
	seeds=$src/tests/fuzz/corpus/$h
	work=$out/work/$h
	dict=$src/tests/fuzz/$h.dict
	args=(-timeout="$timeout" -rss_limit_mb=2048 -close_fd_mask=3 "-artifact_prefix=$out/crash-$h-")
	[ -f "$dict" ] && args+=("-dict=$dict")
	mkdir -p "$work"
	# The regression inputs: every file that once broke this parser.
	extra=()
	case $h in
	tracedat) regress=("$src"/tests/data/malformed/*.dat); extra=("$src"/tests/data/malformed) ;;
	probe) regress=("$src"/tests/data/malformed/probe-*.txt) ;;
	options) regress=("$src"/tests/data/malformed/options-*.txt) ;;
	probeset) regress=("$src"/tests/data/malformed/probeset-*.events) ;;
	*) regress=() ;;
	esac
	regress+=("$seeds"/*)
	# Only files: a glob that matched nothing stays as it is.
	files=()
	for f in "${regress[@]}"; do
		[ -f "$f" ] && files+=("$f")
	done
	log=$out/replay-$h.log
	if ! "$bin" "${args[@]}" "${files[@]}" >"$log" 2>&1; then
		failed=$(grep '^Running: ' "$log" | tail -1 | sed 's/^Running: //')
		echo "fuzz_$h: FAILED replaying the seed or regression input $failed:"
		report "$log"
		[ -f "$failed" ] && show_input "$h" "$failed"
		return 1
	fi
	echo "fuzz_$h: ${#files[@]} seed and regression inputs replayed cleanly"

	case ${FUZZ_SEED:-} in
	"") seed=$(fixed_seed "$h") ;;
	random) seed=$(( $(od -An -N4 -tu4 /dev/urandom) % 4294967295 + 1 )) ;;
	*) seed=$FUZZ_SEED ;;
	esac
	echo "fuzz_$h: fuzzing ${secs} s with -seed=$seed (FUZZ_SEED=$seed reproduces the run)"
	log=$out/fuzz-$h.log
	start=$(date +%s)
	nice "$bin" "${args[@]}" -seed="$seed" -max_total_time="$secs" -print_final_stats=1 \
		"$work" "$seeds" "${extra[@]}" >"$log" 2>&1
	rc=$?
	grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+[[:space:]]+DONE' "$log" |
		sed "s/^/fuzz_$h: /"
	echo "fuzz_$h: $(( $(date +%s) - start )) s"
	if [ $rc -ne 0 ]; then
		echo "fuzz_$h: FAILED while fuzzing (exit $rc, -seed=$seed):"
		report "$log"
		crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
		if [ -n "$crash" ] && [ -f "$crash" ]; then
			show_input "$h" "$crash"
			echo "reproduce: $bin $crash"
			if grep -q 'ERROR: libFuzzer: timeout' "$log"; then
				echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
				echo "the input alone, again: $(cpu_time "$bin" "$crash")"
			fi
		fi
		status=1
	fi
	return $status
}

# A harness's lines go to its own file while it runs, and are printed in order after.
max_jobs=${FUZZ_JOBS:-$(nproc)}
pids=()
names=()
for h in ${FUZZ_HARNESSES:-tracedat probe options elf probeset}; do
	while [ "$(jobs -rp | wc -l)" -ge "$max_jobs" ]; do
		wait -n
	done
	run_harness "$h" >"$out/run-$h.out" 2>&1 &
	pids+=($!)
	names+=("$h")
done
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || status=1
	cat "$out/run-${names[$i]}.out"
done
echo "run.sh: $(( $(date +%s) - begin )) s in all"
exit $status
