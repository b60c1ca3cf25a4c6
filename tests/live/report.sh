#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: kptrace report on trace.dat files that trace-cmd itself wrote. An instance of our
# own records sys_enter/sys_exit_clock_nanosleep and a uprobe pair on kpt_work() (made in a
# group of our own through uprobe_events), and `trace-cmd extract` writes the file. Exact
# span counts per pid, per comm and for --pair; durations between the sleep and the sleep
# plus TOLERANCE_US; --list counts; the time window; libtracecmd's reader agreeing with
# kptrace's; loss from the file's per-CPU statistics; clear errors for bad files; and
# nothing left in tracefs, with the top-level state extract touches put back.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
command -v trace-cmd >/dev/null || skip "trace-cmd is not installed"
TOLERANCE_US=15000
GROUP=kpttest_$$
SLEEPER=$(readlink -f "$PROGS/kpt_sleeper")
LOAD="$PROGS/kpt_sysload"
FILE=$WORK/trace.dat
# Top-level files trace-cmd extract may reset (it disables "all tracing" when done).
TOP_FILES="tracing_on current_tracer trace_clock buffer_size_kb tracing_cpumask set_event_pid"

# sym_offset FILE SYMBOL: the file offset of SYMBOL, for a uprobe. The symbol's address
# minus the virtual address of the executable PT_LOAD that holds it, plus that segment's
# file offset (a virtual address is accepted when written but fails at enable).
sym_offset() {
	local value off vaddr memsz flags
	value=$((16#$(nm "$1" | awk -v s="$2" '$3 == s { print $1; exit }')))
	readelf -lW "$1" | awk '$1 == "LOAD" { f = ""; for (i = 7; i < NF; i++) f = f $i;
					       print $2, $3, $6, f }' |
	while read -r off vaddr memsz flags; do
		case $flags in *E*) ;; *) continue ;; esac
		if [ "$value" -ge $((vaddr)) ] && [ "$value" -lt $((vaddr + memsz)) ]; then
			printf '0x%x\n' $((value - vaddr + off))
		fi
	done
}

# Our instance and probes go on every exit; extract may have removed the instance already.
remove_ours() {
	local inst=$TRACEFS/instances/$1
	if [ -d "$inst" ]; then
		echo 0 >"$inst/tracing_on"
		echo 0 >"$inst/events/enable"
		rmdir "$inst"
	fi
}
remove_probes() {
	grep -q "^[pr]:$GROUP/work " "$TRACEFS/uprobe_events" && echo "-:$GROUP/work" >>"$TRACEFS/uprobe_events"
	grep -q "^[pr]:$GROUP/work_ret " "$TRACEFS/uprobe_events" && echo "-:$GROUP/work_ret" >>"$TRACEFS/uprobe_events"
	return 0
}
trap 'for i in "" _loss _a _b; do remove_ours $GROUP$i; done; remove_probes; rm -rf "$WORK"' EXIT

# top_value FILE: a top-level setting as it can be written back (the bracketed clock).
top_value() {
	if [ "$1" = trace_clock ]; then
		sed -n 's/.*\[\(.*\)\].*/\1/p' "$TRACEFS/$1"
	else
		tr '\n' ' ' <"$TRACEFS/$1" | sed 's/ *$//'
	fi
}

# extract OUT INSTANCE...: trace-cmd extract, then put back any top-level setting it changed.
extract() {
	local f ev events out=$1 buffers=()
	declare -A saved
	shift
	for f in "$@"; do buffers+=(-B "$f"); done
	for f in $TOP_FILES; do saved[$f]=$(top_value "$f"); done
	events=$(cat "$TRACEFS/set_event")
	trace-cmd extract "${buffers[@]}" -o "$out" >"$WORK/extract.log" 2>&1 ||
		hard_error "trace-cmd extract failed: $(tail -3 "$WORK/extract.log")"
	for f in $TOP_FILES; do
		[ "$(top_value "$f")" = "${saved[$f]}" ] && continue
		echo "note: trace-cmd extract changed $f from '${saved[$f]}' to '$(top_value "$f")'"
		if [ "$f" = buffer_size_kb ] && [[ ${saved[$f]} =~ \(expanded:\ ([0-9]+)\) ]]; then
			# A buffer never used yet reads "7 (expanded: 1408)". Once extract has
			# expanded it, it cannot shrink back unused: give it the size it would
			# have expanded to, which the kernel rounds up to whole pages.
			local want=${BASH_REMATCH[1]}
			echo "$want" >"$TRACEFS/$f"
			assert_between "$f put back to its expanded size" "$(top_value "$f")" \
				"$want" $((want + 4 * $(nproc)))
			continue
		fi
		echo "${saved[$f]}" >"$TRACEFS/$f"
		assert_eq "$f put back" "$(top_value "$f")" "${saved[$f]}"
	done
	for ev in $events; do
		grep -qx "$ev" "$TRACEFS/set_event" && continue
		echo "note: trace-cmd extract disabled top-level event $ev"
		echo "$ev" >>"$TRACEFS/set_event"
	done
	assert_eq "top-level events after extract" "$(cat "$TRACEFS/set_event")" "$events"
}

# ts_of FILE AWK-COND: the first timestamp (seconds) of a trace-cmd report line matching.
ts_of() {
	trace-cmd report -t "$1" 2>/dev/null | awk "$2"' {
		for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { sub(":", "", $i); print $i; exit } }'
}

# --- A file with syscall spans of two programs and a uprobe pair -------------------------
OFFSET=$(sym_offset "$SLEEPER" kpt_work)
[ -n "$OFFSET" ] || hard_error "cannot find kpt_work in $SLEEPER"
INST=$TRACEFS/instances/$GROUP
mkdir "$INST" || hard_error "cannot create instance $GROUP"
echo mono >"$INST/trace_clock"
echo "p:$GROUP/work $SLEEPER:$OFFSET" >>"$TRACEFS/uprobe_events" || hard_error "uprobe rejected"
echo "r:$GROUP/work_ret $SLEEPER:$OFFSET" >>"$TRACEFS/uprobe_events" || hard_error "uretprobe rejected"
echo 1 >"$INST/events/$GROUP/enable"
echo 1 >"$INST/events/syscalls/sys_enter_clock_nanosleep/enable"
echo 1 >"$INST/events/syscalls/sys_exit_clock_nanosleep/enable"
echo 1 >"$INST/events/sched/sched_process_exit/enable"
"$LOAD" -n 20 -s 5000 &
LOADPID=$!
wait $LOADPID
sleep 0.3	# a quiet gap for the time window tests
"$PROGS/kpt_sleeper" -n 10 -s 10000 &
SLEEPPID=$!
wait $SLEEPPID
echo 0 >"$INST/tracing_on"
echo 0 >"$INST/events/enable"
extract "$FILE" "$GROUP"
remove_ours "$GROUP"
remove_probes

# Syscall spans, per thread and per command name: exactly the load's 20 sleeps of 5 ms.
out=$WORK/pid.json
"$KPTRACE" report --json --by pid "$FILE" >"$out"
assert_eq "report exit status" $? 0
assert_eq "document" "$(json_get "$out" '.kptrace')" report
assert_eq "file key" "$(json_get "$out" '.file')" "$FILE"
P=".probes[] | select(.name == \"syscall:clock_nanosleep [pid $LOADPID]\")"
assert_eq "clock_nanosleep spans of pid $LOADPID" "$(json_get "$out" "$P.count")" 20
assert_between "min us" "$(json_get "$out" "$P.min_ns / 1000 | floor")" 5000 $((5000 + TOLERANCE_US))
assert_between "max us" "$(json_get "$out" "$P.max_ns / 1000 | floor")" 5000 $((5000 + TOLERANCE_US))
assert_eq "sleeper's clock_nanosleep spans" \
	"$(json_get "$out" ".probes[] | select(.name == \"syscall:clock_nanosleep [pid $SLEEPPID]\") | .count")" 10
"$KPTRACE" report --json --by comm -e syscall:clock_nanosleep "$FILE" >"$WORK/comm.json"
assert_eq "clock_nanosleep spans of comm kpt_sysload" \
	"$(json_get "$WORK/comm.json" '.probes[] | select(.name == "syscall:clock_nanosleep [comm kpt_sysload]") | .count')" 20

# The uprobe pair, given explicitly: exactly 10 calls of 10 ms.
out=$WORK/pair.json
"$KPTRACE" report --json --by pid --pair "$GROUP:work,$GROUP:work_ret" "$FILE" >"$out"
assert_eq "--pair exit status" $? 0
assert_eq "only the pair is reported" "$(json_get "$out" '[.probes[] | select(.name | startswith("syscall")) ] | length')" 0
P=".probes[] | select(.name == \"$GROUP:work,$GROUP:work_ret [pid $SLEEPPID]\")"
assert_eq "kpt_work spans" "$(json_get "$out" "$P.count")" 10
assert_between "kpt_work min us" "$(json_get "$out" "$P.min_ns / 1000 | floor")" 10000 $((10000 + TOLERANCE_US))
assert_between "kpt_work max us" "$(json_get "$out" "$P.max_ns / 1000 | floor")" 10000 $((10000 + TOLERANCE_US))
assert_eq "kpt_work unpaired" "$(json_get "$out" '[.probes[0].unpaired[]] | add')" 0
assert_eq "no loss" "$(json_get "$out" '[.lost[]] | add')" 0

# libtracecmd's own reader gives the same report, to the byte.
"$KPTRACE" report --json --by cpu --pair "$GROUP:work,$GROUP:work_ret" -e 'syscall:*' "$FILE" >"$WORK/stream.json"
"$KPTRACE" report --json --by cpu --pair "$GROUP:work,$GROUP:work_ret" -e 'syscall:*' --libtracecmd "$FILE" >"$WORK/lib.json"
if cmp -s "$WORK/stream.json" "$WORK/lib.json"; then pass "libtracecmd's reader agrees"
else fail "readers differ: $(diff "$WORK/stream.json" "$WORK/lib.json" | head -c 600)"; fi

# The same trace as version 7, plain (kptrace reads its metadata) and zstd-compressed
# (libtracecmd does): the same spans and losses.
for c in none zstd; do
	trace-cmd convert --file-version 7 --compression "$c" -i "$FILE" -o "$WORK/v7-$c.dat" \
		>"$WORK/convert.log" 2>&1 ||
		hard_error "trace-cmd convert --compression $c failed: $(tail -3 "$WORK/convert.log")"
	"$KPTRACE" report --json --by cpu --pair "$GROUP:work,$GROUP:work_ret" -e 'syscall:*' \
		"$WORK/v7-$c.dat" >"$WORK/v7-$c.json"
	if [ "$(jq -c '[.probes, .lost]' "$WORK/v7-$c.json")" = \
	     "$(jq -c '[.probes, .lost]' "$WORK/stream.json")" ]; then
		pass "version 7, compression $c: the same report"
	else
		fail "version 7, compression $c: $(diff "$WORK/stream.json" "$WORK/v7-$c.json" | head -c 600)"
	fi
done

# Text output: the pair's 10 calls of 10 ms, in microseconds.
"$KPTRACE" report --pair "$GROUP:work,$GROUP:work_ret" "$FILE" >"$WORK/text.out" 2>&1
assert_contains "text report" "$WORK/text.out" "$FILE: 1 probe over"
assert_contains "text report" "$WORK/text.out" "count 10 "
assert_contains "text report" "$WORK/text.out" "usecs"
assert_contains "text report" "$WORK/text.out" "8192 -> 16383"

# --list: every event with its count, and the probes found.
out=$WORK/list.json
"$KPTRACE" report --list --json "$FILE" >"$out"
assert_eq "--list exit status" $? 0
assert_eq "work records" "$(json_get "$out" ".events[] | select(.name == \"$GROUP:work\") | .count")" 10
assert_eq "work_ret records" "$(json_get "$out" ".events[] | select(.name == \"$GROUP:work_ret\") | .count")" 10
assert_between "sys_enter_clock_nanosleep records" \
	"$(json_get "$out" '.events[] | select(.name == "syscalls:sys_enter_clock_nanosleep") | .count')" 30 100000
assert_eq "records add up" "$(json_get "$out" '[.events[].count] | add')" "$(json_get "$out" '.records')"
assert_eq "probes found" "$(json_get "$out" '[.probes[].name] | index("syscall:clock_nanosleep") != null')" true
"$KPTRACE" report --list "$FILE" >"$WORK/list.out"
assert_contains "--list text" "$WORK/list.out" "$GROUP:work_ret"

# The time window, in the quiet gap between the two programs (timestamps from trace-cmd).
t0=$(ts_of "$FILE" 'NR > 0 && /: [a-z_]+:/')
tload=$(trace-cmd report -t "$FILE" 2>/dev/null | awk -v p="-$LOADPID " 'index($0, p) {
	for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { sub(":", "", $i); t = $i } } END { print t }')
tsleep=$(ts_of "$FILE" "index(\$0, \"-$SLEEPPID \")")
mid=$(awk -v a="$t0" -v b="$tload" -v c="$tsleep" 'BEGIN { printf "%.6f", (b + c) / 2 - a }')
if [ -z "$t0" ] || [ -z "$tload" ] || [ -z "$tsleep" ]; then
	fail "cannot read timestamps with trace-cmd report -t"
else
	args=(--json --by pid --pair "$GROUP:work,$GROUP:work_ret" -e syscall:clock_nanosleep "$FILE")
	"$KPTRACE" report --end "$mid" "${args[@]}" >"$WORK/end.json"
	assert_eq "--end: load spans" "$(json_get "$WORK/end.json" ".probes[] | select(.name == \"syscall:clock_nanosleep [pid $LOADPID]\") | .count")" 20
	assert_eq "--end: no kpt_work span" "$(json_get "$WORK/end.json" ".probes[] | select(.name == \"$GROUP:work,$GROUP:work_ret\") | .count")" 0
	assert_eq "--end: elapsed" "$(json_get "$WORK/end.json" ".elapsed_s * 1000 | round")" \
		"$(awk -v m="$mid" 'BEGIN { printf "%d", m * 1000 + 0.5 }')"
	"$KPTRACE" report --start "$mid" "${args[@]}" >"$WORK/start.json"
	assert_eq "--start: no load span" "$(json_get "$WORK/start.json" "[.probes[] | select(.name == \"syscall:clock_nanosleep [pid $LOADPID]\")] | length")" 0
	assert_eq "--start: kpt_work spans" "$(json_get "$WORK/start.json" ".probes[] | select(.name == \"$GROUP:work,$GROUP:work_ret [pid $SLEEPPID]\") | .count")" 10
fi

# --- Loss: a small buffer overwritten by getppid() calls; the file's statistics say how much
INST=$TRACEFS/instances/${GROUP}_loss
mkdir "$INST" || hard_error "cannot create instance ${GROUP}_loss"
echo 8 >"$INST/buffer_size_kb"
echo 1 >"$INST/events/syscalls/sys_enter_getppid/enable"
echo 1 >"$INST/events/syscalls/sys_exit_getppid/enable"
"$LOAD" -g 100000 >/dev/null
echo 0 >"$INST/tracing_on"
echo 0 >"$INST/events/enable"
overrun=$(cat "$INST"/per_cpu/cpu*/stats | awk '/^overrun:/ { n += $2 } END { print n + 0 }')
extract "$WORK/loss.dat" "${GROUP}_loss"
remove_ours "${GROUP}_loss"
"$KPTRACE" report --json -e syscall:getppid "$WORK/loss.dat" >"$WORK/loss.json"
assert_between "events overwritten in the small buffer" "$overrun" 1 100000000
assert_eq "reported overrun" "$(json_get "$WORK/loss.json" '.lost.overrun')" "$overrun"
"$KPTRACE" report -e syscall:getppid "$WORK/loss.dat" >"$WORK/loss.out" 2>&1
assert_contains "text loss" "$WORK/loss.out" "LOST EVENTS: $overrun overwritten"

# --- Two buffers recording the same syscalls: each pairs on its own, named after its buffer
for b in ${GROUP}_a ${GROUP}_b; do
	mkdir "$TRACEFS/instances/$b" || hard_error "cannot create instance $b"
	echo 1 >"$TRACEFS/instances/$b/events/syscalls/sys_enter_clock_nanosleep/enable"
	echo 1 >"$TRACEFS/instances/$b/events/syscalls/sys_exit_clock_nanosleep/enable"
done
"$LOAD" -n 5 -s 2000 &
LOADPID=$!
wait $LOADPID
for b in ${GROUP}_a ${GROUP}_b; do
	echo 0 >"$TRACEFS/instances/$b/tracing_on"
	echo 0 >"$TRACEFS/instances/$b/events/enable"
done
extract "$WORK/two.dat" ${GROUP}_a ${GROUP}_b
remove_ours ${GROUP}_a
remove_ours ${GROUP}_b
"$KPTRACE" report --json --by pid -e syscall:clock_nanosleep "$WORK/two.dat" >"$WORK/two.json"
for b in ${GROUP}_a ${GROUP}_b; do
	assert_eq "buffer $b: load spans" "$(json_get "$WORK/two.json" ".probes[] | select(.name == \"$b: syscall:clock_nanosleep [pid $LOADPID]\") | .count")" 5
done

# --- Bad files: a clear error naming the file, a non-zero exit, never a crash
# expect_error WHAT TEXT FILE
expect_error() {
	"$KPTRACE" report "$3" >"$WORK/out" 2>"$WORK/err"
	local status=$?
	if [ $status -eq 1 ]; then pass "$1: exit status 1"; else fail "$1: exit status $status"; fi
	assert_contains "$1" "$WORK/err" "$3: $2"
}
echo "not a trace" >"$WORK/text.dat"
expect_error "text file" "not a trace.dat file" "$WORK/text.dat"
cp "$FILE" "$WORK/version.dat"
printf '9' | dd of="$WORK/version.dat" bs=1 seek=10 conv=notrunc 2>/dev/null
expect_error "corrupt version" "trace.dat version 9 is not supported" "$WORK/version.dat"
size=$(stat -c %s "$FILE")
for keep in $((size / 2)) $((size - 200)) 100; do
	head -c $keep "$FILE" >"$WORK/truncated.dat"
	expect_error "truncated to $keep bytes" "truncated: the file has $keep bytes" "$WORK/truncated.dat"
	assert_contains "truncated to $keep bytes" "$WORK/err" "% present)"
done
expect_error "missing file" "cannot open it" "$WORK/no-such.dat"

# --- Nothing of ours left in tracefs
left=$(ls "$TRACEFS/instances" | grep "^$GROUP"; grep "$GROUP/" "$TRACEFS/uprobe_events")
if [ -n "$left" ]; then fail "left in tracefs: $left"; else pass "nothing left in tracefs"; fi
assert_clean "report"
finish
