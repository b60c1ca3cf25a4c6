#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: kptrace record writes trace.dat files that trace-cmd opens, with exactly the events
# traced (a uprobe pair and a syscall pair under -- CMD), per-CPU stats and a CPU view;
# Ctrl-C and -d end and finalise the file, assembled in place where the file system can;
# CMD's status is passed on; a full disk is
# reported, naming the file, and keeps the pages for --recover; a missing directory is
# reported, naming the file; nothing is left in tracefs and no part next to the output.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
command -v trace-cmd >/dev/null || skip "trace-cmd is not installed"
trap 'umount "$WORK/small" 2>/dev/null; rm -rf "$WORK"' EXIT
LOAD="$PROGS/kpt_sysload"

# count_events FILE EVENT-REGEX: how many records of matching events trace-cmd reports.
count_events() {
	trace-cmd report "$1" 2>/dev/null |
		awk -v re="^($2):\$" '$4 ~ re { n++ } END { print n + 0 }'
}

# Only the output itself may be in the directory: no FILE.tmp, no per-CPU files.
assert_only_output() {
	local left
	left=$(ls -A "$WORK/out" | grep -vxF "$1")
	if [ -n "$left" ]; then
		fail "left next to the output: $left"
	else
		pass "no temporary files left"
	fi
}

mkdir "$WORK/out"

# A uprobe pair: 10 calls of kpt_work, each an entry and a return event.
out=$WORK/out/uprobe.dat
"$KPTRACE" record -o "$out" "$PROGS/kpt_sleeper:kpt_work" -- "$PROGS/kpt_sleeper" -n 10 -s 10000 \
	2>"$WORK/uprobe.err"
assert_eq "uprobe record: exit status" $? 0
assert_contains "uprobe record" "$WORK/uprobe.err" "Recorded"
assert_eq "uprobe entry events" "$(count_events "$out" 'p[0-9]+_kpt_work')" 10
assert_eq "uprobe return events" "$(count_events "$out" 'r[0-9]+_kpt_work')" 10
# (a sanitizer build's exit adds LeakSanitizer's helper task)
assert_between "task exits" "$(count_events "$out" sched_process_exit)" 1 3
assert_only_output uprobe.dat
assert_clean "uprobe record"
rm "$out"

# A syscall pair: 20 sleeps.
out=$WORK/out/sys.dat
"$KPTRACE" record -o "$out" syscall:clock_nanosleep -- "$LOAD" -n 20 -s 5000 2>/dev/null
assert_eq "syscall record: exit status" $? 0
assert_eq "sys_enter events" "$(count_events "$out" sys_enter_clock_nanosleep)" 20
assert_eq "sys_exit events" "$(count_events "$out" sys_exit_clock_nanosleep)" 20
trace-cmd report "$out" 2>/dev/null | grep -F sys_enter_clock_nanosleep | head -1 >"$WORK/line"
assert_contains "a decoded record" "$WORK/line" "kpt_sysload-"
trace-cmd report --stat "$out" >"$WORK/stat" 2>&1
assert_eq "trace-cmd report --stat: exit status" $? 0
assert_contains "per-CPU stats" "$WORK/stat" "CPU: 0"
assert_contains "per-CPU stats" "$WORK/stat" "dropped events: 0"
for cpu in $(seq 0 $(($(nproc) - 1))); do
	trace-cmd report --cpu "$cpu" "$out" >/dev/null 2>&1 || fail "trace-cmd report --cpu $cpu"
done
per_cpu=0
for cpu in $(seq 0 $(($(nproc) - 1))); do
	n=$(trace-cmd report --cpu "$cpu" "$out" 2>/dev/null | grep -c clock_nanosleep)
	per_cpu=$((per_cpu + n))
done
assert_eq "events summed over trace-cmd report --cpu N" "$per_cpu" 40
assert_clean "syscall record"

# A copy cut short is refused by trace-cmd (its CPU table points past the end).
size=$(stat -c %s "$out")
head -c $((size - 100)) "$out" >"$WORK/cut.dat"
trace-cmd report "$WORK/cut.dat" >/dev/null 2>&1
status=$?
if [ "$status" -ne 0 ]; then
	pass "a truncated copy is refused ($status)"
else
	fail "a truncated copy was read"
fi
rm "$out"

# CMD's exit status is passed on.
"$KPTRACE" record -o "$WORK/out/status.dat" syscall:clock_nanosleep -- sh -c 'exit 7' 2>/dev/null
assert_eq "CMD's exit status" $? 7
rm -f "$WORK/out/status.dat"

# -d ends a system-wide recording and the file is complete.
"$KPTRACE" record -o "$WORK/out/d.dat" -d 0.3 syscall:clock_nanosleep 2>/dev/null
assert_eq "-d: exit status" $? 0
trace-cmd report "$WORK/out/d.dat" >/dev/null 2>&1
assert_eq "-d: trace-cmd reads the file" $? 0
rm -f "$WORK/out/d.dat"

# Ctrl-C ends it too, and the file holds what was traced until then.
"$LOAD" -n 400 -s 5000 >/dev/null &
load=$!
"$KPTRACE" record -o "$WORK/out/int.dat" --filter "common_pid == $load" syscall:clock_nanosleep \
	2>/dev/null &
rec=$!
wait_for_instance $rec || fail "record did not start"
sleep 0.3
kill -INT $rec
wait $rec
assert_eq "Ctrl-C: exit status" $? 0
kill $load 2>/dev/null
wait $load 2>/dev/null
n=$(count_events "$WORK/out/int.dat" sys_exit_clock_nanosleep)
assert_between "Ctrl-C: sleeps recorded in 0.3 s of 5 ms ones" "$n" 10 400
assert_only_output int.dat
assert_clean "after Ctrl-C"
rm -f "$WORK/out/int.dat"

# A full disk, while recording and while assembling: an error naming the file, and the
# pages saved so far kept for --recover. The file's head holds /proc/kallsyms: the sizes
# leave room for it and little else.
ksyms_kb=$(( $(wc -c </proc/kallsyms) / 1024 ))
mkdir "$WORK/small"
if mount -t tmpfs -o size=$((ksyms_kb + 1536))k kptrace-test "$WORK/small" 2>/dev/null; then
	"$KPTRACE" record -o "$WORK/small/full.dat" syscall:getppid -- "$LOAD" -t 1 >/dev/null \
		2>"$WORK/full.err"
	assert_eq "full disk while recording: exit status" $? 1
	assert_contains "full disk while recording" "$WORK/full.err" "$WORK/small/full.dat.parts/cpu"
	assert_contains "full disk while recording" "$WORK/full.err" "No space left on device"
	assert_contains "full disk while recording" "$WORK/full.err" "record --recover"
	rm -rf "$WORK/small/full.dat.parts"
	umount "$WORK/small"
	mount -t tmpfs -o size=$((ksyms_kb + 640))k kptrace-test "$WORK/small"
	"$KPTRACE" record -o "$WORK/small/meta.dat" syscall:clock_nanosleep \
		-- "$LOAD" -n 2 -s 1000 2>"$WORK/meta.err"
	assert_eq "full disk while assembling: exit status" $? 1
	assert_contains "full disk while assembling" "$WORK/meta.err" "$WORK/small/meta.dat.tmp"
	assert_eq "files left on the full disk" "$(ls -A "$WORK/small")" "meta.dat.parts"
	# Room again: the kept pages make the file.
	mount -o remount,size=$((3 * ksyms_kb + 2048))k "$WORK/small"
	"$KPTRACE" record --recover "$WORK/small/meta.dat" 2>"$WORK/recover.err"
	assert_eq "--recover after a full disk: exit status" $? 0
	assert_eq "recovered sleeps" "$(count_events "$WORK/small/meta.dat" sys_exit_clock_nanosleep)" 2
	assert_eq "files left after --recover" "$(ls -A "$WORK/small")" "meta.dat"
	umount "$WORK/small"
	assert_clean "after a full disk"
else
	echo "note: cannot mount a small tmpfs here; full-disk checks skipped"
fi

# A fast load's pages go through each CPU's ring of pipes (32 MiB or more a CPU),
# which 60 MB on one CPU goes round twice: every record is in the file, and each
# CPU's records are in time order (a page taken out of turn would go back in time).
# Where the file system can insert room at a file's start, the file is assembled
# in the busiest CPU's file of pages: FILE is that file, renamed.
out=$WORK/out/fast.dat
"$KPTRACE" record -o "$out" --buffer-size 16M syscall:getppid -- "$LOAD" -g 1200000 \
	>/dev/null 2>"$WORK/fast.err" &
rec=$!
for (( i = 0; i < 200; i++ )); do
	[ -e "$out.parts/cpu0" ] && break
	sleep 0.05
done
part_inodes=" $(stat -c %i "$out.parts"/cpu* 2>/dev/null | xargs) "
wait $rec
assert_eq "fast record: exit status" $? 0
head -c 65536 /dev/zero >"$WORK/insert"
if fallocate --insert-range -o 0 -l 16384 "$WORK/insert" 2>/dev/null; then
	case $part_inodes in
	*" $(stat -c %i "$out") "*) pass "the file is a CPU's file of pages, not a copy" ;;
	*) fail "the file is a copy (inode $(stat -c %i "$out"), CPU files:$part_inodes)" ;;
	esac
else
	echo "note: $WORK cannot insert room in a file: the copy is checked, not the in-place file"
fi
rm -f "$WORK/insert"
if grep -q "LOST EVENTS" "$WORK/fast.err"; then
	echo "note: the ring buffer overflowed on this machine, counts not checked: $(cat "$WORK/fast.err")"
else
	"$KPTRACE" report --json "$out" >"$WORK/fast.json" 2>/dev/null
	assert_contains "every getppid() paired" "$WORK/fast.json" '"count":1200000,'
	assert_contains "no return without its entry" "$WORK/fast.json" '"returns_without_entry":0,'
fi
assert_cpus_in_order "$out"
rm "$out"

# No directory to write to: refused before tracing starts.
"$KPTRACE" record -o "$WORK/none/x.dat" syscall:clock_nanosleep -- true 2>"$WORK/none.err"
assert_eq "missing directory: exit status" $? 1
assert_contains "missing directory" "$WORK/none.err" "$WORK/none/x.dat"
assert_clean "after a missing directory"

# Usage errors.
"$KPTRACE" record syscall:clock_nanosleep -- true 2>/dev/null
assert_eq "no -o: exit status" $? 2
"$KPTRACE" record -o "$WORK/out/x.dat" -i 1 syscall:clock_nanosleep -- true 2>/dev/null
assert_eq "-i: exit status" $? 2
finish
