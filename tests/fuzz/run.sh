#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every libFuzzer harness of tests/fuzz: first replay its seed corpus and
# the regression inputs (tests/data/malformed), then fuzz for FUZZ_SECONDS
# (default 20) each, one harness at a time. Fails on any crash, leak, timeout
# (over 5 s an input) or memory use over 2 GB. New inputs go to
# BUILDDIR/tests/fuzz/work, crashes to BUILDDIR/tests/fuzz/crash-*.
#   make check runs it briefly; make fuzz FUZZ_SECONDS=3600 runs it longer.
set -u
src=${KPT_SRCDIR:?KPT_SRCDIR is the source tree}
bld=${KPT_BUILDDIR:?KPT_BUILDDIR is the build tree}
secs=${FUZZ_SECONDS:-20}
export LSAN_OPTIONS="suppressions=$src/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
for h in tracedat probe options elf; do
	bin=$bld/tests/fuzz/fuzz_$h
	seeds=$src/tests/fuzz/corpus/$h
	work=$bld/tests/fuzz/work/$h
	dict=$src/tests/fuzz/$h.dict
	args=(-timeout=5 -rss_limit_mb=2048 -close_fd_mask=3
	      "-artifact_prefix=$bld/tests/fuzz/crash-$h-")
	[ -f "$dict" ] && args+=("-dict=$dict")
	mkdir -p "$work"
	# The regression inputs: every file that once broke this parser.
	extra=()
	case $h in
	tracedat) regress=("$src"/tests/data/malformed/*.dat); extra=("$src"/tests/data/malformed) ;;
	probe) regress=("$src"/tests/data/malformed/probe-*.txt) ;;
	options) regress=("$src"/tests/data/malformed/options-*.txt) ;;
	*) regress=() ;;
	esac
	regress+=("$seeds"/*)
	if ! "$bin" "${args[@]}" "${regress[@]}" >"$bld/tests/fuzz/replay-$h.log" 2>&1; then
		echo "fuzz_$h: a seed or regression input fails:"
		tail -40 "$bld/tests/fuzz/replay-$h.log"
		status=1
		continue
	fi
	echo "fuzz_$h: ${#regress[@]} seed and regression inputs replayed cleanly"
	nice "$bin" "${args[@]}" -max_total_time="$secs" -print_final_stats=1 \
		"$work" "$seeds" "${extra[@]}" >"$bld/tests/fuzz/fuzz-$h.log" 2>&1
	rc=$?
	grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+[[:space:]]+DONE' \
		"$bld/tests/fuzz/fuzz-$h.log" | sed "s/^/fuzz_$h: /"
	if [ $rc -ne 0 ]; then
		echo "fuzz_$h: FAILED after fuzzing (exit $rc):"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$bld/tests/fuzz/fuzz-$h.log"
		status=1
	fi
done
exit $status
