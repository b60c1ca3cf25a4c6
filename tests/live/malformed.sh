#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Malformed input (tests/data/malformed: trace files, options and a probe that once
# crashed, hung, blew up or read out of bounds) ends with a clear error naming the input,
# exit status 1 or 2, within 10 seconds and 2 GB, and no crash. The ASan build runs it
# too, where an invalid read, undefined behaviour or a leak is itself a failure.
# Needs neither root nor tracefs: every input is refused before a probe is made.
. "$(dirname "$0")/lib.sh"

DATA=${KPT_SRCDIR:-.}/tests/data/malformed
[ -d "$DATA" ] || hard_error "no $DATA"
# ASan reserves terabytes of address space, so there it limits the heap itself.
if ldd "$KPTRACE" | grep -q libasan; then
	export ASAN_OPTIONS="malloc_limit_mb=2048:allocator_may_return_null=0:detect_leaks=1"
	limit=unlimited
else
	limit=2097152
fi

# expect_refused WHAT TEXT ARGS...: kptrace ARGS ends with status 1 or 2 and says TEXT.
expect_refused() {
	local what=$1 text=$2 status
	shift 2
	(ulimit -v "$limit"; exec timeout -s KILL 10 "$KPTRACE" "$@") >"$WORK/out" 2>"$WORK/err"
	status=$?
	if [ $status -eq 1 ] || [ $status -eq 2 ]; then
		pass "$what: exit status $status"
	else
		fail "$what: exit status $status (137: killed at 10 s or out of memory; >128: a signal)"
		head -20 "$WORK/err"
	fi
	assert_contains "$what" "$WORK/err" "kptrace: error: $text"
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$WORK/err"; then
		fail "$what: sanitizer report"
		head -30 "$WORK/err"
	fi
}

n=0
for f in "$DATA"/*.dat; do
	expect_refused "$(basename "$f")" "$f: " report "$f"
	expect_refused "$(basename "$f") --list" "$f: " report --list "$f"
	expect_refused "$(basename "$f") --libtracecmd" "$f: " report --libtracecmd "$f"
	n=$((n + 1))
done
[ "$n" -ge 22 ] && pass "$n malformed trace files" || fail "only $n malformed trace files"

# The options files hold arguments, one a line, ahead of a file that does not matter.
for f in "$DATA"/options-*.txt; do
	mapfile -t args <"$f"
	expect_refused "$(basename "$f")" "" report "${args[@]}" "$WORK/none.dat"
done
expect_refused "--start inf" "--start 'inf': not a finite time" report --start inf "$WORK/x.dat"
expect_refused "--end nan" "--end 'nan': not a finite time" report --end nan "$WORK/x.dat"
expect_refused "-d inf" "-d 'inf': not a positive duration" latency -d inf syscall:read

for f in "$DATA"/probe-*.txt; do
	expect_refused "$(basename "$f")" "probe '" latency "$(cat "$f")"
done
finish
