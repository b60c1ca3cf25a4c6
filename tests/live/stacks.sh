#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: stacks. kpt_callchain runs main -> kpt_chain_a -> kpt_chain_b -> kpt_chain_c, and
# kpt_chain_c calls getppid() once, N times. --ustack on a uprobe at kpt_chain_c gives that
# chain by name, innermost first (with -p, and with -- CMD after it exited); --stack on the
# syscall tracepoint gives the kernel's syscall entry frames; --folded lines parse and their
# values add up to the exact count, the same live and from a file recorded with --stack;
# a run killed with its triggers set is cleaned up (by its watchdog, or by 'kptrace cleanup');
# slow --ustack prints each slow call's stack; errors are clear. Nothing is left in
# tracefs.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
CHAIN=$(readlink -f "$PROGS/kpt_callchain")
[ -x "$CHAIN" ] || hard_error "$CHAIN is not built (make check builds it)"
N=40
UPROBE="$CHAIN:kpt_chain_c"

# folded_check WHAT FILE WANT: every line is "frame;...;frame VALUE" and the values add to WANT.
folded_check() {
	local bad sum
	bad=$(grep -cvE '^[^ ;]+(;[^ ;]+)* [0-9]+$' "$2")
	assert_eq "$1: lines that are not 'frame;...;frame VALUE'" "$bad" 0
	sum=$(awk '{ s += $NF } END { print s + 0 }' "$2")
	assert_eq "$1: folded values add up to the count" "$sum" "$3"
}

# --ustack, -- CMD: the process exits before its stacks are read; its frames are named still.
"$KPTRACE" count --ustack --json "$UPROBE" -- "$CHAIN" -n $N >"$WORK/ustack.json" \
	2>"$WORK/ustack.err"
assert_eq "count --ustack: exit status" $? 0
assert_eq "count --ustack: hits" "$(jq '.probes[0].hits' "$WORK/ustack.json")" $N
assert_eq "count --ustack: one stack, with every hit" \
	"$(jq -c '[.stacks[] | .hits]' "$WORK/ustack.json")" "[$N]"
assert_eq "count --ustack: the caller chain, innermost first" \
	"$(jq -c '.stacks[0].stack[0:4]' "$WORK/ustack.json")" \
	'["kpt_chain_c","kpt_chain_b","kpt_chain_a","main"]'
assert_clean "count --ustack -- CMD"

# --ustack -p PID: a process that was running before kptrace started.
coproc CHAINPROC { exec "$CHAIN"; }
chain_pid=$CHAINPROC_PID
"$KPTRACE" latency --ustack --folded=count -p "$chain_pid" "$UPROBE" >"$WORK/ustack_p.txt" \
	2>"$WORK/ustack_p.err" &
kpt=$!
wait_for_instance $kpt || fail "latency --ustack -p never started tracing"
echo $N >&"${CHAINPROC[1]}"
read -r done_line <&"${CHAINPROC[0]}"
assert_eq "kpt_callchain ran the chain" "$done_line" "done $N"
kill -INT $kpt
wait $kpt
assert_eq "latency --ustack -p: exit status" $? 0
exec {CHAINPROC[1]}>&-
wait "$chain_pid"
folded_check "latency --ustack --folded=count -p" "$WORK/ustack_p.txt" $N
assert_contains "latency --ustack -p: folded chain, root first" "$WORK/ustack_p.txt" \
	"main;kpt_chain_a;kpt_chain_b;kpt_chain_c "
assert_clean "latency --ustack -p"

# --stack on a syscall tracepoint: the kernel's syscall entry, outermost first when folded.
"$KPTRACE" count --stack --folded syscall:getppid -- "$CHAIN" -n $N >"$WORK/kstack.txt" \
	2>"$WORK/kstack.err"
assert_eq "count --stack --folded: exit status" $? 0
folded_check "count --stack --folded" "$WORK/kstack.txt" $N
if grep -qE '^entry_SYSCALL_64[a-z_]*;(.*;)?do_syscall_64;' "$WORK/kstack.txt"; then
	pass "count --stack: entry_SYSCALL_64 then do_syscall_64, root first"
else
	fail "count --stack: no syscall entry frames in: $(head -c 600 "$WORK/kstack.txt")"
fi
assert_clean "count --stack"

# latency --stack: one result per stack, with the frames and every span; --folded sums time.
"$KPTRACE" latency --stack --json syscall:getppid -- "$CHAIN" -n $N >"$WORK/lat.json" \
	2>/dev/null
assert_eq "latency --stack: spans" "$(jq '.probes[0].count' "$WORK/lat.json")" $N
assert_eq "latency --stack: spans of the stacks" \
	"$(jq '[.probes[1:][] | .count] | add' "$WORK/lat.json")" $N
assert_eq "latency --stack: a stack result names its frames" \
	"$(jq -r '.probes[1].stack | index("do_syscall_64") != null' "$WORK/lat.json")" true
"$KPTRACE" latency --stack --folded syscall:getppid -- "$CHAIN" -n $N >"$WORK/lat_time.txt" \
	2>/dev/null
assert_eq "latency --folded: lines that are not 'frame;...;frame NANOSECONDS'" \
	"$(grep -cvE '^[^ ;]+(;[^ ;]+)* [0-9]+$' "$WORK/lat_time.txt")" 0
assert_clean "latency --stack"

# slow --ustack: every call over the threshold (here all of them) with its stack under it.
"$KPTRACE" slow --ustack --json -t 0 "$UPROBE" -- "$CHAIN" -n $N >"$WORK/slow.json" \
	2>"$WORK/slow.err"
assert_eq "slow --ustack --json: exit status" $? 0
assert_eq "slow --ustack --json: calls" "$(jq -s length "$WORK/slow.json")" $N
assert_eq "slow --ustack --json: every call's chain, innermost first" \
	"$(jq -s -c '[.[] | .stack[0:4]] | unique' "$WORK/slow.json")" \
	'[["kpt_chain_c","kpt_chain_b","kpt_chain_a","main"]]'
"$KPTRACE" slow --ustack -t 0 "$UPROBE" -- "$CHAIN" -n $N >"$WORK/slow.txt" 2>/dev/null
assert_eq "slow --ustack: exit status" $? 0
assert_eq "slow --ustack: call lines" "$(grep -c ':kpt_chain_c() = ' "$WORK/slow.txt")" $N
assert_eq "slow --ustack: each call's caller under it" \
	"$(grep -A1 ':kpt_chain_c() = ' "$WORK/slow.txt" | grep -c '^    kpt_chain_c$')" $N
assert_eq "slow --ustack: its caller's caller" \
	"$(grep -c '^    kpt_chain_b$' "$WORK/slow.txt")" $N
assert_clean "slow --ustack"

# A recording with --stack, analysed with --input: the same folded stacks as live.
"$KPTRACE" record -o "$WORK/stacks.dat" --stack syscall:getppid -- "$CHAIN" -n $N \
	2>"$WORK/record.err" || fail "record --stack: $(cat "$WORK/record.err")"
assert_clean "record --stack"
"$KPTRACE" count --input "$WORK/stacks.dat" --stack --folded >"$WORK/file.txt" \
	2>"$WORK/file.err"
assert_eq "count --input --stack --folded: exit status" $? 0
assert_eq "folded stacks of the file, as live" "$(cat "$WORK/file.txt")" "$(cat "$WORK/kstack.txt")"
"$KPTRACE" latency --input "$WORK/stacks.dat" --stack --folded=count >"$WORK/file_lat.txt" \
	2>/dev/null
folded_check "latency --input --stack --folded=count" "$WORK/file_lat.txt" $N

# SIGKILL with a stacktrace trigger on a uprobe (the trigger keeps the probe busy until its
# instance is gone): the run's watchdog removes it all; killed with its watchdog, the run
# leaves it all, and 'kptrace cleanup' removes it.
watchdog_of() { pgrep -P "$1" -x kptrace-watch; }
"$KPTRACE" latency --stack "$UPROBE" >/dev/null 2>"$WORK/watched.err" &
kpt=$!
wait_for_instance $kpt || fail "latency --stack on a uprobe never started tracing"
watchdog=$(watchdog_of $kpt)
[ -n "$watchdog" ] || fail "kptrace $kpt has no watchdog process"
kill -KILL $kpt
wait $kpt 2>/dev/null
i=0; while [ $i -lt 100 ] && kill -0 "$watchdog" 2>/dev/null &&
	[ "$(awk '{ print $3 }' "/proc/$watchdog/stat" 2>/dev/null)" != Z ]; do
	sleep 0.1; i=$((i + 1))
done
assert_clean "SIGKILL of a --stack run, after its watchdog"
assert_contains "SIGKILL of a --stack run: the watchdog's line" "$WORK/watched.err" \
	"its watchdog removed its 2 probe events and instance"
"$KPTRACE" latency --stack "$UPROBE" >/dev/null 2>&1 &
kpt=$!
wait_for_instance $kpt || fail "latency --stack on a uprobe never started tracing"
kill -KILL "$(watchdog_of $kpt)" $kpt
wait $kpt 2>/dev/null
if [ -d "$TRACEFS/instances/kptrace_$kpt" ]; then
	pass "SIGKILL of a --stack run and its watchdog leaves instance kptrace_$kpt"
else
	fail "SIGKILL of both left nothing: the cleanup check below proves nothing"
fi
"$KPTRACE" cleanup >/dev/null 2>"$WORK/cleanup.err"
assert_eq "cleanup after SIGKILL of a --stack run: exit status" $? 0
assert_clean "cleanup after SIGKILL of a --stack run"

# Errors: clear, exit status 2 (usage), nothing created.
"$KPTRACE" latency --folded syscall:getppid -d 0.1 >/dev/null 2>"$WORK/e1.err"
assert_eq "--folded without --stack: exit status" $? 2
assert_contains "--folded without --stack" "$WORK/e1.err" "add --stack"
"$KPTRACE" count --stack --backend perf syscall:getppid -d 0.1 >/dev/null 2>"$WORK/e2.err"
assert_eq "--stack --backend perf: exit status" $? 2
assert_contains "--stack --backend perf" "$WORK/e2.err" "use --backend tracefs"
"$KPTRACE" trace --stack syscall:getppid -d 0.1 >/dev/null 2>"$WORK/e3.err"
assert_eq "trace --stack: exit status" $? 2
"$KPTRACE" count --stack --folded=time syscall:getppid -d 0.1 >/dev/null 2>"$WORK/e4.err"
assert_eq "count --folded=time: exit status" $? 1
assert_contains "count --folded=time" "$WORK/e4.err" "count does not have"
"$KPTRACE" slow --stack --kernel-filter -t 1ms syscall:getppid -d 0.1 >/dev/null \
	2>"$WORK/e5.err"
assert_eq "slow --stack --kernel-filter: exit status" $? 1
assert_contains "slow --stack --kernel-filter" "$WORK/e5.err" "no entry to take a stack at"
"$KPTRACE" slow --stack --folded -t 1ms syscall:getppid -d 0.1 >/dev/null 2>"$WORK/e6.err"
assert_eq "slow --folded: exit status" $? 1
assert_contains "slow --folded" "$WORK/e6.err" "folded stacks are latency's and count's"
assert_clean "errors"
finish
