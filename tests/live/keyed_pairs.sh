#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: tracepoint pairs matched by key fields rather than per thread (tp:... key=), on the
# host kernel. @sched pairs each wake-up of a sleeping load with the switch that runs it,
# system-wide;
# @block pairs block_rq_issue with block_rq_complete by device and sector, system-wide, on
# a loop device that only this test writes (exact request counts); a recorded file gives
# the same count through report --pair ... key= and through --input FILE @block; a key naming a field the event does not
# have is refused with the event's fields; nothing is left in tracefs.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
LOAD=$PROGS/kpt_sysload
export KPTRACE_EVENTS_DIR="$KPT_SRCDIR/events"
TP=$TRACEFS/events

# @sched, system-wide: a load started once tracing is on sleeps 20 times for 20 ms, so the
# timer wakes it 20 times, plus once for each other wait the kernel makes it do (a page of
# its program read from disk, a lock; none in most runs, up to 3 seen on a loaded host): its
# pid's group has 20 to 23 waits. A busy loop
# shares its CPU, so that every wake-up ends in a switch from the busy loop: this host's
# kernel (6.18 under its hypervisor) often writes no sched_switch when a CPU leaves idle,
# which would leave those waits open (kprobes.sh checks the set on Debian's kernels, idle).
[ -d "$TP/sched/sched_wakeup" ] || skip "no sched:sched_wakeup tracepoint on this kernel"
command -v taskset >/dev/null || skip "no taskset (util-linux) to share a CPU"
out=$WORK/sched.json
taskset -c 0 bash -c 'while :; do :; done' &
busy=$!
"$KPTRACE" latency --json -d 3 --by arg:pid @sched >"$out" 2>"$WORK/sched.err" &
tracer=$!
wait_for_instance $tracer || fail "kptrace latency @sched did not start tracing"
# forked by a shell that is on CPU 0 already, so that no move to CPU 0 wakes it once more
taskset -c 0 bash -c '"$0" -n 20 -s 20000 & echo $! >"$1"; wait' "$LOAD" "$WORK/load.pid"
load=$(cat "$WORK/load.pid")
wait $tracer
status=$?
kill $busy; wait $busy 2>/dev/null
assert_eq "@sched: exit status" $status 0
assert_eq "@sched: the probe" "$(jq -r '.probes[0].name' "$out")" \
	"tp:sched:sched_wakeup,sched:sched_switch"
assert_between "@sched: wake-ups of the load, pid $load (20 sleeps)" \
	"$(jq --arg p "$load" '.probes[] | select(.key == $p) | .count' "$out")" 20 23
assert_between "@sched: the load's longest wait to run, ns (under 1 s)" \
	"$(jq --arg p "$load" '.probes[] | select(.key == $p) | .max_ns' "$out")" 1 999999999
assert_clean "@sched"

# @block, system-wide, and 50 direct 4 KiB writes to a loop device: exactly 50 requests on
# that device, each issued and completed once.
[ -d "$TP/block/block_rq_issue" ] || skip "no block:block_rq_issue tracepoint on this kernel"
command -v losetup >/dev/null || skip "no losetup (util-linux) to make a loop device"
truncate -s 8M "$WORK/disk.img"
LOOP=$(losetup -f --show --direct-io=on "$WORK/disk.img" 2>"$WORK/losetup.err") ||
	skip "cannot make a loop device: $(cat "$WORK/losetup.err")"
trap 'losetup -d "$LOOP"; [ -n "${KPT_KEEP:-}" ] || rm -rf "$WORK"' EXIT
read -r major minor < <(stat -c '%t %T' "$LOOP")
DEV=$(( (0x$major << 20) | 0x$minor ))	# the kernel's dev_t, as the tracepoints give it
echo "  loop device $LOOP, dev_t $DEV"

run_block() {	# run_block OUT KPTRACE-ARGS...: trace for 4 s while 50 writes go to the loop device
	local out=$1 pid i
	shift
	"$KPTRACE" "$@" >"$out" 2>"$out.err" &
	pid=$!
	wait_for_instance $pid || fail "kptrace $1 did not start tracing"
	dd if=/dev/zero of="$LOOP" bs=4k count=50 oflag=direct status=none
	wait $pid
}
run_block "$WORK/block.json" latency --json -d 4 --by arg:dev @block
assert_eq "@block: exit status" $? 0
assert_eq "@block: requests on $LOOP" \
	"$(jq --arg d "$DEV" '.probes[] | select(.key == $d) | .count' "$WORK/block.json")" 50
assert_eq "@block: none of them open or lost on $LOOP" \
	"$(jq --arg d "$DEV" '.probes[] | select(.key == $d) | .unpaired | add' "$WORK/block.json")" 0
assert_clean "@block"

# The same pairs from a recorded file.
run_block "$WORK/rec.out" record -o "$WORK/block.dat" -d 4 \
	'tp:block:block_rq_issue,block:block_rq_complete key=dev,sector'
assert_eq "record: exit status" $? 0
"$KPTRACE" report --json --by arg:dev \
	--pair 'block:block_rq_issue,block:block_rq_complete key=dev,sector' "$WORK/block.dat" \
	>"$WORK/report.json" 2>"$WORK/report.err"
assert_eq "report --pair key: exit status" $? 0
assert_eq "report --pair key: requests on $LOOP" \
	"$(jq --arg d "$DEV" '.probes[] | select(.key == $d) | .count' "$WORK/report.json")" 50
# The set names the pair in the file too, key and all (every variant's probes, those it has).
"$KPTRACE" latency --json --input "$WORK/block.dat" --by arg:dev @block >"$WORK/input.json" \
	2>"$WORK/input.err"
assert_eq "--input @block: exit status" $? 0
assert_eq "--input @block: requests on $LOOP" \
	"$(jq --arg d "$DEV" '.probes[] | select(.key == $d) | .count' "$WORK/input.json")" 50
"$KPTRACE" report --json -e @block "$WORK/block.dat" >"$WORK/report_set.json" 2>&1
assert_eq "report -e @block: the pair" "$(jq -r '.probes[0].name' "$WORK/report_set.json")" \
	"tp:block:block_rq_issue,block:block_rq_complete"
"$KPTRACE" latency --input "$WORK/block.dat" @vfs >/dev/null 2>"$WORK/input_vfs.err"
assert_eq "--input @vfs, which the file lacks: exit status" $? 1
assert_contains "--input @vfs: message" "$WORK/input_vfs.err" \
	"block.dat has none of the probes of @vfs"
assert_clean "record"

# With -- CMD the completions, written in the loop device's worker, are filtered out: said.
"$KPTRACE" latency --json @block -- dd if=/dev/zero of="$LOOP" bs=4k count=5 oflag=direct \
	status=none >"$WORK/cmd.json" 2>"$WORK/cmd.err"
assert_eq "@block -- CMD: exit status" $? 0
assert_contains "@block -- CMD: the warning" "$WORK/cmd.err" \
	"ends written elsewhere (interrupts, kernel threads: block I/O completions) are missed"
assert_clean "@block -- CMD"

# Bad keys: a field the event lacks (its fields listed), a string field, a malformed key.
"$KPTRACE" latency -d 0.1 'tp:sched:sched_wakeup,sched:sched_switch key=pid' \
	>/dev/null 2>"$WORK/nofield.err"
assert_eq "key of a missing field: exit status" $? 1
assert_contains "key of a missing field: message" "$WORK/nofield.err" \
	"event sched:sched_switch has no field 'pid' to pair on (its fields: prev_comm, prev_pid"
"$KPTRACE" latency -d 0.1 'tp:sched:sched_wakeup,sched:sched_switch key=comm:prev_comm' \
	>/dev/null 2>"$WORK/string.err"
assert_eq "key of a string field: exit status" $? 1
assert_contains "key of a string field: message" "$WORK/string.err" \
	"field 'comm' of sched:sched_wakeup is not an integer"
"$KPTRACE" latency -d 0.1 'tp:sched:sched_wakeup,sched:sched_switch pid' \
	>/dev/null 2>"$WORK/args.err"
assert_eq "fetch-args on a tracepoint pair: exit status" $? 1
assert_contains "fetch-args on a tracepoint pair: message" "$WORK/args.err" \
	"only key=FIELD[,FIELD]... to pair by fields"
assert_clean "bad keys"
finish
