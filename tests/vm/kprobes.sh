#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# VM: real kprobes on Debian's kernel, booted once in qemu (tests/vm/vm-run.sh). In the guest,
# kptrace traces kernel functions whose calls a test program controls, and every result is
# exported to the host, where this script asserts on it: exact counts, fetched arguments and
# return values, nesting, maxactive and its misses, errors (missing, blacklisted, bad
# fetch-arg), event-name repair, clean-up after a normal end, SIGINT, SIGKILL (by the
# watchdog, maxactive kretprobes too, and by the next run when the watchdog is killed too), a
# foreign probe left alone, 'kptrace check' differing from the host's where the kernels
# differ, a kptrace record file of kprobe pairs copied out and reported on the host, and the
# kernel stacks of a kprobe (--stack: openat(2)'s path to do_sys_openat2, live and from a file
# recorded in the guest and analysed on the host with the guest's own kallsyms).
. "$(dirname "$0")/../live/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "the VM tests need root (to install qemu and build the initramfs)"
command -v jq >/dev/null || hard_error "jq is missing (scripts/install-deps.sh installs it)"
[ -x "$KPTRACE" ] || hard_error "$KPTRACE is not built"
KPT=$(readlink -f "$KPTRACE")
LOAD=$(readlink -f "$PROGS/kpt_sysload")
SLEEPER=$(readlink -f "$PROGS/kpt_sleeper")
EVENTS=$(readlink -f "${KPT_SRCDIR:-$(dirname "$0")/../..}/events")
OUT=$WORK/out
mkdir -p "$OUT"

cat >"$WORK/guest.sh" <<EOF
KPT=$KPT
LOAD=$LOAD
SLEEPER=$SLEEPER
EVENTS=$EVENTS
EOF
cat >>"$WORK/guest.sh" <<'EOF'
# Runs in the guest (busybox sh). Each step's output and exit status go to the host.
T=/sys/kernel/tracing
R=/results
mkdir -p $R
step() {	# step NAME CMD...: run, keep stdout, stderr and status for the host
	name=$1; shift
	"$@" >$R/$name.out 2>$R/$name.err
	echo $? >$R/$name.status
}
live() {	# has kptrace PID enabled its events and turned tracing on?
	grep -qv 0 $T/instances/kptrace_$1/events/enable 2>/dev/null &&
		grep -q 1 $T/instances/kptrace_$1/tracing_on 2>/dev/null
}
watchdog_of() {	# the watchdog kptrace PID forked
	for s in /proc/[0-9]*/stat; do
		read -r p c st pp rest <$s 2>/dev/null
		[ "$pp" = "$1" ] && [ "$c" = "(kptrace-watch)" ] && echo $p
	done
}
leftovers() {	# what kptrace left in tracefs, if anything
	grep -E '^[pr][0-9]*:kptrace_[0-9]+/' $T/dynamic_events
	grep -E '^kptrace_[0-9]+_' $T/synthetic_events
	ls $T/instances | grep -E '^kptrace_[0-9]+$'
}
synth_live() {	# has kptrace PID enabled its synthetic event (slow --kernel-filter)?
	grep -q 1 $T/instances/kptrace_$1/events/synthetic/kptrace_$1_slow0/enable 2>/dev/null &&
		grep -q 1 $T/instances/kptrace_$1/tracing_on 2>/dev/null
}

step check $KPT check --json
step n_opens $KPT latency --json do_sys_openat2 -- $LOAD -o 50
step n_opens_perf $KPT latency --backend perf --json do_sys_openat2 -- $LOAD -o 50
step count_perf $KPT count --json do_sys_openat2 -- $LOAD -o 25
step raw_args $KPT trace --json 'p:do_sys_openat2 dfd=%di:s32 name=+0(%si):string' \
	'r:do_sys_openat2 ret=$retval:s32' -- $LOAD -o 3 -f /kpt-missing
step argn $KPT trace --json 'do_sys_openat2 name=+0($arg2):string' -- $LOAD -o 2 -f /kpt-argn
step nested $KPT latency --json do_sys_openat2 getname -- $LOAD -o 40
step maxactive $KPT latency --json 'p:hrtimer_nanosleep' 'r1:hrtimer_nanosleep' \
	-- $SLEEPER -n 3 -t 4 -s 20000
step missing $KPT latency -d 0.2 no_such_function_kpt
blacklisted=$(awk 'NR == 1 { print $2 }' /sys/kernel/debug/kprobes/blacklist)
echo "$blacklisted" >$R/blacklisted.name
step blacklisted $KPT latency -d 0.2 "$blacklisted"
step bad_fetcharg $KPT latency -d 0.2 'do_sys_openat2 x=%nosuchreg'
# A static function the compiler renamed (".isra.0", ".constprop.0"): the event name
# must be made valid. Take one that is traceable and not blacklisted.
dotted=$(grep -E '^[a-z_0-9]+\.(isra|constprop)\.[0-9]+$' $T/available_filter_functions |
	head -50 | while read -r f; do grep -q "	$f\$" /sys/kernel/debug/kprobes/blacklist || { echo $f; break; }; done)
echo "$dotted" >$R/dotted.name
step dotted $KPT latency --json -d 0.2 "$dotted"
# Record on the device, analyse on the workstation: the file goes to the host.
step record $KPT record -o $R/kprobes.dat do_sys_openat2 -- $LOAD -o 30
# Kernel stacks of a kprobe reached from a syscall.
step kstack $KPT count --stack --json do_sys_openat2 -- $LOAD -o 20
step kstack_folded $KPT latency --stack --folded=count do_sys_openat2 -- $LOAD -o 20
step kstack_record $KPT record -o $R/kstack.dat --stack do_sys_openat2 -- $LOAD -o 20
leftovers >$R/after_normal.left

# slow, paired in user space and measured in the kernel, on the same load: 2000 sleeps of
# which every 100th is of 60 ms (hrtimer_nanosleep's first argument is the sleep in ns).
SLOW_PROBE='hrtimer_nanosleep ns=%di:s64'
step slow_user $KPT slow --json -t 30ms "$SLOW_PROBE" -- $LOAD -n 2000 -s 60000 -z 100
step slow_kernel $KPT slow --kernel-filter --json -t 30ms "$SLOW_PROBE" -- $LOAD -n 2000 -s 60000 -z 100
step slow_kernel_by $KPT slow --kernel-filter -t 30ms --by arg:ns "$SLOW_PROBE" -- $LOAD -n 300 -s 60000 -z 100
leftovers >$R/after_slow.left
# SIGINT while the kernel filter is in place: its triggers and synthetic event go too.
$KPT slow --kernel-filter -t 30ms "$SLOW_PROBE" >$R/slow_sigint.out 2>$R/slow_sigint.err &
pid=$!
i=0; while [ $i -lt 200 ] && ! synth_live $pid; do sleep 0.05; i=$((i + 1)); done
$LOAD -n 2 -s 60000
kill -INT $pid; wait $pid; echo $? >$R/slow_sigint.status
leftovers >$R/after_slow_sigint.left
# SIGKILL: the watchdog removes the triggers, the probes, the instance and the synthetic
# event within a second.
$KPT slow --kernel-filter -t 30ms "$SLOW_PROBE" >/dev/null 2>$R/slow_watchdog.err &
pid=$!
i=0; while [ $i -lt 200 ] && ! synth_live $pid; do sleep 0.05; i=$((i + 1)); done
kill -KILL $pid; wait $pid
sleep 1
leftovers >$R/after_slow_watchdog.left
# SIGKILL of kptrace and its watchdog leaves them all; the next run's reaper removes them.
$KPT slow --kernel-filter -t 30ms "$SLOW_PROBE" >/dev/null 2>&1 &
pid=$!
i=0; while [ $i -lt 200 ] && ! synth_live $pid; do sleep 0.05; i=$((i + 1)); done
kill -KILL $(watchdog_of $pid) $pid; wait $pid
leftovers >$R/after_slow_sigkill.left
step slow_after_kill $KPT slow --kernel-filter --json -t 30ms "$SLOW_PROBE" -- $LOAD -n 100 -s 60000 -z 100
leftovers >$R/after_slow_reaper.left

# SIGINT: a final report and nothing left.
$KPT latency --json do_sys_openat2 >$R/sigint.out 2>$R/sigint.err &
pid=$!
i=0; while [ $i -lt 200 ] && ! live $pid; do sleep 0.05; i=$((i + 1)); done
$LOAD -o 5
kill -INT $pid; wait $pid; echo $? >$R/sigint.status
leftovers >$R/after_sigint.left

# SIGKILL: the watchdog removes the kprobes, the kretprobes (one with maxactive, which
# kptrace writes itself) and the instance within a second; a foreign probe survives.
echo 'p:othertool/openat do_sys_openat2' >>$T/kprobe_events
$KPT latency do_sys_openat2 'p:hrtimer_nanosleep' 'r4:hrtimer_nanosleep' >/dev/null \
	2>$R/watchdog.err &
pid=$!
i=0; while [ $i -lt 200 ] && ! live $pid; do sleep 0.05; i=$((i + 1)); done
leftovers | wc -l >$R/before_watchdog.count
kill -KILL $pid; wait $pid
sleep 1
leftovers >$R/after_watchdog.left

# SIGKILL of kptrace and its watchdog leaves probes behind, for the next run to remove.
$KPT latency do_sys_openat2 >/dev/null 2>&1 &
pid=$!
i=0; while [ $i -lt 200 ] && ! live $pid; do sleep 0.05; i=$((i + 1)); done
kill -KILL $(watchdog_of $pid) $pid; wait $pid
leftovers >$R/after_sigkill.left
step after_kill $KPT latency --json do_sys_openat2 -- $LOAD -o 7
leftovers >$R/after_next_run.left
grep -c '^p:othertool/openat' $T/kprobe_events >$R/foreign.count
echo '-:othertool/openat' >>$T/kprobe_events

# Probe sets of kprobes (kptrace-events(5)), each on a load that makes known calls.
export KPTRACE_EVENTS_DIR=$EVENTS
step set_vfs $KPT latency --json @vfs -- $LOAD -r 30
step set_vfs_trace $KPT trace --json @vfs -- $LOAD -r 3
step set_net $KPT latency --json @net -- $LOAD -u 40
step set_mem $KPT latency --json @mem -- $LOAD -m 200
step set_sched $KPT latency --json --by arg:pid @sched -- $LOAD -n 20 -s 20000
step set_block $KPT latency --json @block -- $LOAD -n 2 -s 1000
leftovers >$R/after_sets.left

# Globs: every matching function of available_filter_functions less the blacklist.
step glob_fsync $KPT latency --json 'vfs_fsync*' -- $LOAD -r 4
step glob_many $KPT latency 'vfs_*' -- $LOAD -r 1
step glob_max $KPT latency --max-probes 1 'vfs_fsync*' -- $LOAD -r 1
step glob_max2 $KPT latency --json --max-probes 2 'vfs_fsync*' -- $LOAD -r 1
step glob_none $KPT latency 'kpt_no_such_fn*' -- $LOAD -r 1
step list_functions $KPT list functions 'vfs_fsync*'
grep -E '^vfs_[a-z_0-9.]*( |$)' $T/available_filter_functions | cut -d' ' -f1 | sort -u |
	wc -l >$R/vfs_functions.count
leftovers >$R/after_globs.left

cd $R && for f in *; do kpt_vm_export $R/$f; done
EOF

tests_dir=$(dirname "$0")
set_bins=()
for f in "$EVENTS"/*.events; do set_bins+=(--bin "$f"); done
"$tests_dir/vm-run.sh" --timeout 600 --out "$OUT" --bin "$KPT" --bin "$LOAD" --bin "$SLEEPER" \
	"${set_bins[@]}" -- "$WORK/guest.sh" >"$WORK/console.log" 2>&1
status=$?
[ $status -eq 77 ] && skip "the VM cannot be booted here: $(tail -1 "$WORK/console.log")"
[ $status -eq 0 ] || { tail -40 "$WORK/console.log"; hard_error "the VM run failed (status $status)"; }
[ -f "$OUT/n_opens.out" ] || { tail -40 "$WORK/console.log"; hard_error "no results came back from the VM"; }

status_of() { cat "$OUT/$1.status"; }

# 'kptrace check' on both kernels: the guest has kprobes, this host may not.
"$KPTRACE" check --json >"$WORK/host-check.json"
assert_eq "guest kprobe_events" "$(jq -r .features.kprobe_events "$OUT/check.out")" true
assert_eq "guest kretprobe_maxactive" "$(jq -r .features.kretprobe_maxactive "$OUT/check.out")" true
assert_eq "guest slow_kernel_filter" "$(jq -r .features.slow_kernel_filter "$OUT/check.out")" true
host_kprobes=$(jq -r .features.kprobe_events "$WORK/host-check.json")
if [ "$host_kprobes" = false ]; then
	pass "host and guest 'check' differ on kprobe_events, as their kernels do"
fi

# Latency of a kernel function by name: exactly one do_sys_openat2 per open().
assert_eq "kprobe latency exit" "$(status_of n_opens)" 0
assert_eq "do_sys_openat2 count" "$(jq -r '.probes[0].count' "$OUT/n_opens.out")" 50
assert_eq "do_sys_openat2 unpaired" "$(jq -r '[.probes[0].unpaired[]] | add' "$OUT/n_opens.out")" 0

# The same kprobe pair through perf's ring buffers, and counted from perf counters alone.
assert_eq "kprobe latency --backend perf exit" "$(status_of n_opens_perf)" 0
assert_eq "do_sys_openat2 count, perf backend" "$(jq -r '.probes[0].count' "$OUT/n_opens_perf.out")" 50
assert_eq "do_sys_openat2 lost, perf backend" "$(jq -r '.lost.perf_lost' "$OUT/n_opens_perf.out")" 0
assert_eq "kprobe count exit" "$(status_of count_perf)" 0
assert_eq "kprobe count backend" "$(jq -r '.backend' "$OUT/count_perf.out")" perf
assert_eq "kprobe count hits" "$(jq -r '.probes[0].hits' "$OUT/count_perf.out")" 25
assert_eq "kprobe count returns" "$(jq -r '.probes[0].returns' "$OUT/count_perf.out")" 25

# Raw fetch-args: the file name and -ENOENT come back as values, three times each.
assert_eq "raw: entries with the name" \
	"$(jq -s '[.[] | select(.role == "entry" and .fields.name == "/kpt-missing")] | length' "$OUT/raw_args.out")" 3
assert_eq "raw: returns of -ENOENT" \
	"$(jq -s '[.[] | select(.role == "exit" and .fields.ret == -2)] | length' "$OUT/raw_args.out")" 3
assert_eq "raw: dfd is AT_FDCWD" \
	"$(jq -s '[.[] | select(.role == "entry" and .fields.dfd == -100)] | length' "$OUT/raw_args.out")" 3
# $argN where the kernel has it (its README says so).
assert_eq "\$arg2 name" \
	"$(jq -s '[.[] | select(.role == "entry" and .fields.name == "/kpt-argn")] | length' "$OUT/argn.out")" 2

# Two functions at once, one nested in the other.
assert_eq "nested: do_sys_openat2" "$(jq -r '.probes[0].count' "$OUT/nested.out")" 40
# getname() runs in each open, and once more when CMD's execve() copies its path.
assert_eq "nested: getname" "$(jq -r '.probes[1].count' "$OUT/nested.out")" 41
assert_eq "nested: unpaired" "$(jq -r '[.probes[].unpaired[]] | add' "$OUT/nested.out")" 0
outer=$(jq -r '.probes[0].min_ns' "$OUT/nested.out"); inner=$(jq -r '.probes[1].min_ns' "$OUT/nested.out")
if [ "$inner" -lt "$outer" ]; then pass "nested: getname ($inner ns) inside do_sys_openat2 ($outer ns)"; else fail "nested: getname min $inner >= do_sys_openat2 min $outer"; fi

# maxactive 1 with 4 threads sleeping at once: the kretprobe misses, and the report says so.
assert_eq "maxactive run exit" "$(status_of maxactive)" 0
misses=$(jq -r '.lost.probe_misses' "$OUT/maxactive.out")
if [ "$misses" -gt 0 ]; then pass "kretprobe misses reported: $misses"; else fail "no kretprobe misses reported with maxactive 1"; fi
returns=$(jq -r '.probes[0].count' "$OUT/maxactive.out")
assert_between "paired hrtimer_nanosleep calls (12 made, some missed)" "$returns" 1 11

# Errors, each clear, each leaving nothing.
assert_eq "missing function exit" "$(status_of missing)" 1
assert_contains "missing function" "$OUT/missing.err" "'no_such_function_kpt' is not a function of this kernel"
assert_eq "blacklisted exit" "$(status_of blacklisted)" 1
assert_contains "blacklisted function $(cat "$OUT/blacklisted.name")" "$OUT/blacklisted.err" "kprobe blacklist"
assert_eq "bad fetch-arg exit" "$(status_of bad_fetcharg)" 1
assert_contains "bad fetch-arg" "$OUT/bad_fetcharg.err" "the kernel rejected the kprobe"
echo "  kernel said: $(cat "$OUT/bad_fetcharg.err")"
assert_eq "dotted symbol $(cat "$OUT/dotted.name") exit" "$(status_of dotted)" 0
assert_eq "after a normal end, left" "$(cat "$OUT/after_normal.left")" ""

# The kprobe pairs recorded in the guest, reported on this host: 30 opens, each an entry and
# a return, read by kptrace report and by trace-cmd report.
assert_eq "record exit" "$(status_of record)" 0
"$KPTRACE" report --json "$OUT/kprobes.dat" >"$WORK/vm-report.json" 2>"$WORK/vm-report.err"
assert_eq "report of the guest's file: exit" $? 0
assert_eq "report of the guest's file: do_sys_openat2 spans" \
	"$(jq -r '.probes[] | select(.name == "do_sys_openat2") | .count' "$WORK/vm-report.json")" 30
assert_eq "report of the guest's file: unpaired" \
	"$(jq -r '[.probes[].unpaired[]] | add' "$WORK/vm-report.json")" 0
command -v trace-cmd >/dev/null || hard_error "trace-cmd is missing (scripts/install-deps.sh installs it)"
trace-cmd report "$OUT/kprobes.dat" 2>/dev/null >"$WORK/vm-tcreport.txt"
assert_eq "trace-cmd report of the guest's file: kprobe entries" \
	"$(awk '$4 ~ /^p[0-9]*_do_sys_openat2:$/ { n++ } END { print n + 0 }' "$WORK/vm-tcreport.txt")" 30
assert_eq "trace-cmd report of the guest's file: kretprobe returns" \
	"$(awk '$4 ~ /^r[0-9]*_do_sys_openat2:$/ { n++ } END { print n + 0 }' "$WORK/vm-tcreport.txt")" 30

# Kernel stacks: a stacktrace trigger on this kernel; every open's stack, with openat(2)'s
# entry below do_sys_openat2's caller.
assert_eq "guest stack_trigger" "$(jq -r .features.stack_trigger "$OUT/check.out")" true
assert_eq "count --stack exit" "$(status_of kstack)" 0
assert_eq "count --stack hits" "$(jq '.probes[0].hits' "$OUT/kstack.out")" 20
assert_eq "count --stack: hits of the stacks" "$(jq '[.stacks[].hits] | add' "$OUT/kstack.out")" 20
order=$(jq -r '.stacks[0].stack | [index("__x64_sys_openat"), index("do_syscall_64"),
	index("entry_SYSCALL_64_after_hwframe")] | map(tostring) | join(" ")' "$OUT/kstack.out")
if echo "$order" | awk '{ exit !($1 != "null" && $1 < $2 && $2 < $3) }'; then
	pass "do_sys_openat2's stack: __x64_sys_openat, do_syscall_64, entry_SYSCALL_64 ($order)"
else
	fail "do_sys_openat2's stack lacks the syscall path: $(jq -c '.stacks[0].stack' "$OUT/kstack.out")"
fi
assert_eq "latency --stack --folded exit" "$(status_of kstack_folded)" 0
assert_eq "folded lines that are not 'frame;...;frame VALUE'" \
	"$(grep -cvE '^[^ ;]+(;[^ ;]+)* [0-9]+$' "$OUT/kstack_folded.out")" 0
assert_eq "folded values add up to the spans" \
	"$(awk '{ s += $NF } END { print s + 0 }' "$OUT/kstack_folded.out")" 20
assert_eq "no span without its stack" "$(grep -c 'no stack' "$OUT/kstack_folded.out")" 0
assert_eq "record --stack exit" "$(status_of kstack_record)" 0
"$KPTRACE" latency --input "$OUT/kstack.dat" --stack --folded=count >"$WORK/kstack_file.txt" \
	2>"$WORK/kstack_file.err"
assert_eq "the guest's recording, on this host: exit" $? 0
assert_eq "the guest's recording, on this host: the guest's folded stacks" \
	"$(cat "$WORK/kstack_file.txt")" "$(cat "$OUT/kstack_folded.out")"

# slow: the same slow calls whether paired in user space or measured in the kernel, each with
# its argument and return value; the kernel writes over 100x fewer records (1% are slow).
for mode in user kernel; do
	out=$OUT/slow_$mode.out
	assert_eq "slow $mode: exit" "$(status_of slow_$mode)" 0
	assert_eq "slow $mode: the 60 ms sleeps" "$(jq -s -c '[.[] | select(.args.ns == 60000000)] | length' "$out")" 20
	assert_eq "slow $mode: nothing else" "$(jq -s length "$out")" 20
	assert_eq "slow $mode: return values" "$(jq -s -c '[.[].return.ret] | unique' "$out")" "[0]"
	assert_eq "slow $mode: each at least 60 ms" "$(jq -s '[.[] | select(.duration_ns >= 60000000)] | length' "$out")" 20
	assert_eq "slow $mode: comm" "$(jq -s -r '[.[].comm] | unique | join(",")' "$out")" kpt_sysload
done
records() { sed -n 's/.*; \([0-9]*\) records read.*/\1/p' "$OUT/$1.err"; }
user_records=$(records slow_user); kernel_records=$(records slow_kernel)
assert_between "slow user: records read (2 per call)" "$user_records" 4000 4010
assert_between "slow kernel: records read (1 per slow call)" "$kernel_records" 20 30
if [ "$user_records" -ge $((100 * kernel_records)) ]; then
	pass "the kernel filter writes $kernel_records records for $user_records: over 100x fewer"
else
	fail "the kernel filter writes $kernel_records records for $user_records: not 100x fewer"
fi
assert_contains "slow kernel: summary" "$OUT/slow_kernel.err" "measured in the kernel"
assert_eq "slow kernel --by arg:ns" "$(grep -E '^  [0-9]+ ' "$OUT/slow_kernel_by.out" | awk '{print $1, $2}')" "60000000 3"
assert_eq "after slow, left" "$(cat "$OUT/after_slow.left")" ""
assert_eq "slow kernel SIGINT exit" "$(status_of slow_sigint)" 0
assert_eq "after slow kernel SIGINT, left" "$(cat "$OUT/after_slow_sigint.left")" ""
assert_eq "slow kernel SIGKILL, a second later, left" "$(cat "$OUT/after_slow_watchdog.left")" ""
assert_contains "slow kernel SIGKILL: the watchdog's line" "$OUT/slow_watchdog.err" "its watchdog removed"
if grep -q '_slow0' "$OUT/after_slow_sigkill.left"; then pass "SIGKILL of both leaves the synthetic event"; else fail "SIGKILL of both left no synthetic event: the reaper check proves nothing"; fi
assert_eq "slow kernel after SIGKILL" "$(jq -s length "$OUT/slow_after_kill.out")" 1
assert_eq "after the reaper, left" "$(cat "$OUT/after_slow_reaper.left")" ""

# Signals.
assert_eq "SIGINT exit" "$(status_of sigint)" 0
if [ "$(jq -r '.probes[0].count' "$OUT/sigint.out")" -ge 5 ]; then pass "SIGINT report counts the 5 opens"; else fail "SIGINT report: $(cat "$OUT/sigint.out")"; fi
assert_eq "after SIGINT, left" "$(cat "$OUT/after_sigint.left")" ""
# Two kprobes, two kretprobes (one with maxactive) and the instance.
assert_eq "before the watchdog's clean-up: kptrace's objects" "$(cat "$OUT/before_watchdog.count")" 5
assert_eq "SIGKILL, a second later, left" "$(cat "$OUT/after_watchdog.left")" ""
if grep -q "its watchdog removed its 4 probe events and instance" "$OUT/watchdog.err"; then
	pass "the watchdog says what it removed"
else
	fail "the watchdog's line is missing: $(cat "$OUT/watchdog.err")"
fi
if [ -n "$(cat "$OUT/after_sigkill.left")" ]; then pass "SIGKILL with the watchdog leaves probes behind"; else fail "SIGKILL of both left nothing: the next check proves nothing"; fi
assert_eq "run after SIGKILL" "$(jq -r '.probes[0].count' "$OUT/after_kill.out")" 7
assert_eq "after the next run, left" "$(cat "$OUT/after_next_run.left")" ""
assert_eq "foreign probe survived" "$(cat "$OUT/foreign.count")" 1

# Probe sets: each set's probes, in its file's order, with exact counts where the load makes
# them: -r 30 is 2 opens, 30 reads, 30 writes and 1 fsync; -u 40 is 40 sends and receives.
count_of() { jq -r --arg p "$2" '.probes[] | select(.name == $p) | .count' "$OUT/$1.out"; }
assert_eq "@vfs: exit" "$(status_of set_vfs)" 0
assert_eq "@vfs: probes" "$(jq -c '[.probes[].name]' "$OUT/set_vfs.out")" \
	'["vfs_read","vfs_write","vfs_open","vfs_fsync_range"]'
assert_eq "@vfs: vfs_read" "$(count_of set_vfs vfs_read)" 30
assert_eq "@vfs: vfs_write" "$(count_of set_vfs vfs_write)" 30
assert_eq "@vfs: vfs_open (execve's, the file's and /dev/null's)" "$(count_of set_vfs vfs_open)" 3
assert_eq "@vfs: vfs_fsync_range" "$(count_of set_vfs vfs_fsync_range)" 1
assert_eq "@vfs: unpaired" "$(jq '[.probes[].unpaired[]] | add' "$OUT/set_vfs.out")" 0
# The variant of kernels with \$argN: count=\$arg3 is the 1 byte of each read and write.
assert_eq "@vfs trace: reads of count 1" \
	"$(jq -s '[.[] | select(.role == "entry" and .probe == "vfs_read" and .fields.count == 1)] | length' "$OUT/set_vfs_trace.out")" 3
assert_eq "@vfs trace: writes of count 1" \
	"$(jq -s '[.[] | select(.role == "entry" and .probe == "vfs_write" and .fields.count == 1)] | length' "$OUT/set_vfs_trace.out")" 3
assert_eq "@net: exit" "$(status_of set_net)" 0
# Debian's 6.1 has __sock_sendmsg (the msg_name fix), so that variant is taken.
assert_eq "@net: probes" "$(jq -c '[.probes[].name]' "$OUT/set_net.out")" \
	'["__sock_sendmsg","sock_recvmsg"]'
assert_eq "@net: __sock_sendmsg" "$(count_of set_net __sock_sendmsg)" 40
assert_eq "@net: sock_recvmsg" "$(count_of set_net sock_recvmsg)" 40
# Page faults and allocations: at least one per page touched, and the program's own start.
assert_eq "@mem: exit" "$(status_of set_mem)" 0
assert_eq "@mem: probes" "$(jq -c '[.probes[].name]' "$OUT/set_mem.out")" \
	'["handle_mm_fault","__alloc_pages"]'
assert_between "@mem: handle_mm_fault for 200 pages" "$(count_of set_mem handle_mm_fault)" 200 400
assert_between "@mem: __alloc_pages for 200 pages" "$(count_of set_mem __alloc_pages)" 200 400
# @sched pairs each wake-up with the switch to the woken task (by pid): the load's 20 sleeps
# are 20 wake-ups by the timer, one more at its start if it waited for kptrace's gate, and
# one per page of its program it waited for (tests/live/keyed_pairs.sh has the same bounds).
assert_eq "@sched: exit" "$(status_of set_sched)" 0
assert_eq "@sched: probe" "$(jq -r '.probes[0].name' "$OUT/set_sched.out")" \
	"tp:sched:sched_wakeup,sched:sched_switch"
assert_between "@sched: wake-ups of the load's 20 sleeps" \
	"$(jq '[.probes[1:][].count] | max' "$OUT/set_sched.out")" 20 25
# No disk in the guest: the set's tracepoints are enabled and disabled, and see no request.
assert_eq "@block: exit" "$(status_of set_block)" 0
assert_eq "@block: probes" "$(jq -c '[.probes[].name]' "$OUT/set_block.out")" \
	'["tp:block:block_rq_issue,block:block_rq_complete"]'
assert_eq "@block: no requests without a disk" \
	"$(jq '[.probes[].count] | add' "$OUT/set_block.out")" 0
assert_eq "after the probe sets, left" "$(cat "$OUT/after_sets.left")" ""

# Globs: 'vfs_fsync*' is vfs_fsync and vfs_fsync_range. fsync(2) calls vfs_fsync_range
# once; 6.1's do_fsync has vfs_fsync inlined, so the function's own copy is not called.
assert_eq "glob: exit" "$(status_of glob_fsync)" 0
assert_eq "glob: probes" "$(jq -c '[.probes[].name] | sort' "$OUT/glob_fsync.out")" \
	'["vfs_fsync","vfs_fsync_range"]'
assert_eq "glob: vfs_fsync (inlined in do_fsync)" "$(count_of glob_fsync vfs_fsync)" 0
assert_eq "glob: vfs_fsync_range" "$(count_of glob_fsync vfs_fsync_range)" 1
assert_eq "list functions 'vfs_fsync*'" "$(sort "$OUT/list_functions.out" | tr '\n' ' ')" \
	"vfs_fsync vfs_fsync_range "
# 'vfs_*' matches more than 64 functions on 6.1: refused with the number, before any probe.
assert_eq "glob over the limit: exit" "$(status_of glob_many)" 1
assert_contains "glob over the limit" "$OUT/glob_many.err" \
	"probe 'vfs_*': 'vfs_*' matches "
assert_contains "glob over the limit" "$OUT/glob_many.err" "more than the limit of 64"
echo "  (vfs_* functions in available_filter_functions: $(cat "$OUT/vfs_functions.count"))"
assert_eq "--max-probes 1: exit" "$(status_of glob_max)" 1
assert_contains "--max-probes 1" "$OUT/glob_max.err" \
	"'vfs_fsync*' matches 2 kernel functions, more than the limit of 1"
assert_eq "--max-probes 2: exit" "$(status_of glob_max2)" 0
assert_eq "--max-probes 2: probes" "$(jq '.probes | length' "$OUT/glob_max2.out")" 2
assert_eq "glob of nothing: exit" "$(status_of glob_none)" 1
assert_contains "glob of nothing" "$OUT/glob_none.err" \
	"'kpt_no_such_fn*' matches no traceable kernel function"
assert_eq "after the globs, left" "$(cat "$OUT/after_globs.left")" ""
finish
