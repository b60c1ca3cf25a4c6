#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: kptrace record when the disk stops taking writes. The output is on a small ext4
# image that is frozen (fsfreeze) for a second while a fast load runs: record's writer
# and syncer block, every pipe of the reader's rings fills, and the reader must wait
# for room without taking a page out of turn. After the thaw the file is complete and
# valid: each CPU's records in time order, every record either in the file or counted
# as lost, and the pairs exact when nothing was lost.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
for tool in trace-cmd fsfreeze mkfs.ext4 losetup; do
	command -v "$tool" >/dev/null || skip "$tool is not installed"
done
MNT=$WORK/mnt
trap 'fsfreeze --unfreeze "$MNT" 2>/dev/null; umount "$MNT" 2>/dev/null; rm -rf "$WORK"' EXIT
LOAD="$PROGS/kpt_sysload"
CALLS=4000000

mkdir "$MNT"
truncate -s 1G "$WORK/fs.img"
mkfs.ext4 -q -F "$WORK/fs.img" >/dev/null 2>&1 || skip "cannot make an ext4 image"
mount -o loop "$WORK/fs.img" "$MNT" 2>/dev/null || skip "cannot mount a loop device here"

# 4 M calls make about 190 MB of pages; the rings of pipes hold 32 MiB a CPU, and the
# load makes more than that in the frozen second. It starts only once the disk is
# frozen (it waits on a FIFO outside it).
out=$MNT/stall.dat
mkfifo "$WORK/gate"
"$KPTRACE" record -o "$out" --buffer-size 8M syscall:getppid -- \
	"$LOAD" -w "$WORK/gate" -g $CALLS >"$WORK/load.out" 2>"$WORK/rec.err" &
rec=$!
for (( i = 0; i < 200; i++ )); do
	grep -q '^Recording' "$WORK/rec.err" && break
	sleep 0.05
done
grep -q '^Recording' "$WORK/rec.err" || hard_error "record did not start: $(cat "$WORK/rec.err")"
sleep 0.2
fsfreeze --freeze "$MNT" || hard_error "cannot freeze $MNT"
echo go >"$WORK/gate"
sleep 1
# Still running: the load cannot have ended in a second, nor record without its disk.
kill -0 $rec 2>/dev/null
assert_eq "record still running while the disk is frozen" $? 0
fsfreeze --unfreeze "$MNT"
wait $rec
assert_eq "record: exit status" $? 0
assert_contains "record" "$WORK/rec.err" "Recorded"
assert_contains "the load" "$WORK/load.out" "$CALLS calls"
assert_clean "after a frozen disk"
if [ -e "$out.parts" ]; then
	fail "the parts are left: $(ls "$out.parts")"
else
	pass "no parts left"
fi

# Every event is in the file or counted as lost: entries + exits + overrun + dropped
# is twice the calls (overwritten pages hold whole events).
lost=$(awk '/^LOST EVENTS:/ { s += $3 + $6 } END { print s + 0 }' "$WORK/rec.err")
trace-cmd report "$out" >"$WORK/report" 2>"$WORK/report.err"
assert_eq "trace-cmd report: exit status" $? 0
events=$(awk '$4 ~ /^sys_(enter|exit)_getppid:$/ { n++ } END { print n + 0 }' "$WORK/report")
assert_eq "events in the file + lost" $(( events + lost )) $(( 2 * CALLS ))
if [ "$lost" -eq 0 ]; then
	"$KPTRACE" report --json "$out" >"$WORK/report.json" 2>/dev/null
	assert_contains "every getppid() paired" "$WORK/report.json" "\"count\":$CALLS,"
else
	echo "note: $lost events were overwritten while the disk was frozen (counted, as they must be)"
fi
assert_cpus_in_order "$out"
finish
