#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: perf events refused. Root is not bound by perf_event_paranoid, so kpt_noperf runs
# kptrace under a seccomp filter that fails perf_event_open with EACCES. count without
# --backend says so in one line and still counts exactly through tracefs; --backend perf
# fails with the reason and the fix, never runs CMD, and leaves nothing in tracefs.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
LOAD="$PROGS/kpt_sysload"
SLEEPER="$PROGS/kpt_sleeper"
NOPERF="$PROGS/kpt_noperf"

[ -x "$NOPERF" ] || hard_error "$NOPERF is not built"
"$NOPERF" true
status=$?
[ $status -eq 77 ] && skip "seccomp filters cannot be installed here"
assert_eq "kpt_noperf runs its command" $status 0

# count falls back to tracefs: one line on stderr, exact counts.
"$NOPERF" "$KPTRACE" count --json syscall:getppid -- "$LOAD" -g 10000 >"$WORK/out" 2>"$WORK/count.err"
assert_eq "fallback: exit status" $? 0
grep '^{"kptrace"' "$WORK/out" >"$WORK/count.json"	# without kpt_sysload's own line
assert_eq "fallback: lines on stderr" "$(wc -l <"$WORK/count.err")" 1
assert_contains "fallback" "$WORK/count.err" "perf events are refused"
assert_contains "fallback" "$WORK/count.err" "counting tracefs records instead"
assert_eq "fallback: backend" "$(json_get "$WORK/count.json" '.backend')" tracefs
assert_eq "fallback: hits" "$(json_get "$WORK/count.json" '.probes[0].hits')" 10000
assert_eq "fallback: returns" "$(json_get "$WORK/count.json" '.probes[0].returns')" 10000
assert_clean "fallback"

# A uprobe that perf would count through the PMU: tracefs creates it instead.
"$NOPERF" "$KPTRACE" count --json "$SLEEPER:kpt_work" -- "$SLEEPER" -n 3 -s 1000 >"$WORK/uprobe.json" 2>"$WORK/uprobe.err"
assert_eq "uprobe fallback: exit status" $? 0
assert_eq "uprobe fallback: backend" "$(json_get "$WORK/uprobe.json" '.backend')" tracefs
assert_eq "uprobe fallback: hits" "$(json_get "$WORK/uprobe.json" '.probes[0].hits')" 3
assert_clean "uprobe fallback"

# latency's default backend is tracefs: nothing to fall back from, nothing said.
"$NOPERF" "$KPTRACE" latency --json syscall:clock_nanosleep -- "$LOAD" -n 5 -s 1000 >"$WORK/latency.json" 2>"$WORK/latency.err"
assert_eq "latency tracefs: exit status" $? 0
assert_eq "latency tracefs: count" "$(json_get "$WORK/latency.json" '.probes[0].count')" 5
if grep -q perf "$WORK/latency.err"; then fail "latency tracefs mentions perf: $(cat "$WORK/latency.err")"; else pass "latency tracefs says nothing of perf"; fi

# --backend perf asked for: a clear error, exit 1, CMD never runs, nothing left behind.
for cmd in latency count; do
	rm -f "$WORK/ran"
	"$NOPERF" "$KPTRACE" $cmd --backend perf syscall:clock_nanosleep -- sh -c "touch $WORK/ran" >"$WORK/out" 2>"$WORK/err"
	assert_eq "$cmd --backend perf refused: exit status" $? 1
	assert_contains "$cmd refusal" "$WORK/err" "perf events are refused"
	assert_contains "$cmd refusal" "$WORK/err" "Permission denied"
	assert_contains "$cmd refusal" "$WORK/err" "perf_event_paranoid is"
	assert_contains "$cmd refusal" "$WORK/err" "CAP_PERFMON"
	assert_contains "$cmd refusal" "$WORK/err" "--backend tracefs"
	if [ -e "$WORK/ran" ]; then fail "$cmd refusal: CMD ran"; else pass "$cmd refusal: CMD never ran"; fi
	assert_clean "$cmd --backend perf refused"
done
# ... also with a uprobe, whose probes tracefs had created before perf refused.
"$NOPERF" "$KPTRACE" latency --backend perf "$SLEEPER:kpt_work" -- "$SLEEPER" -n 1 >/dev/null 2>"$WORK/err"
assert_eq "uprobe --backend perf refused: exit status" $? 1
assert_clean "uprobe --backend perf refused"
finish
