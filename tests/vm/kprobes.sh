#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# VM: real kprobes on Debian's kernels, each booted once in qemu (tests/vm/vm-run.sh):
# KPT_VM_KERNEL=bullseye (5.10), bookworm (6.1, the default: this script run as it is) or
# trixie (6.12); tests/vm/kprobes-5.10.sh and kprobes-6.12.sh run the other two. In the guest,
# kptrace traces kernel functions whose calls a test program controls, and every result is
# exported to the host, where this script asserts on it: 'kptrace check' against what the
# kernel's tracefs shows, exact counts, fetched arguments ($argN, registers) and return
# values, nesting, maxactive and its misses, errors (missing, blacklisted, bad fetch-arg),
# event-name repair, clean-up after a normal end, SIGINT, SIGKILL (by the watchdog, and by the
# next run when the watchdog is killed too), a kptrace record file of kprobe pairs reported on
# the host, kernel stacks (--stack: a stacktrace trigger, or before 5.17 the instance's
# stacktrace option), slow with and without --kernel-filter (hist triggers and synthetic
# events where the kernel has them, user-space pairing where not), every shipped probe set
# with the variant that fits the kernel, globs, and the other probe types (uprobe,
# syscall:, tp:) on each kernel.
#
# What differs per kernel, as checked below (see kptrace-probes(7)):
#   5.10  no hist triggers or synthetic events (slow --kernel-filter pairs in user space),
#         the stacktrace trigger is not used (it wrote to the top-level buffer before
#         5.17), no unwinding through the kretprobe trampoline (kptrace creates the
#         kretprobe first), __alloc_pages is __alloc_pages_nodemask (@mem's third variant)
#   6.1   __sock_sendmsg (the msg_name fix's backport) and __alloc_pages
#   6.12  __sock_sendmsg is inlined (@net probes its callers), __alloc_pages is
#         __alloc_pages_noprof, $retval is refused on a void function (io_schedule),
#         ring buffers can be memory-mapped (KPTRACE_MMAP=1), buffer_subbuf_size_kb exists
# Steps that test kptrace's own logic rather than the kernel's (the watchdog and reaper
# after SIGKILL, --max-probes, a foreign probe left alone) run on 6.1 only: see once().
#
# A delimited block checks the newer probe types as each kernel has them (gated on the
# guest README's text): fprobes by default and kprobes with --kprobes, argument names (passed
# on, or translated from BTF), the entry's arguments on return probes, raw f:, event probes on
# a syscall's entry, void functions' fprobe exits, and their clean-up.
#
# To add a test: its guest commands go between '===== steps' and '===== end of steps' (one
# 'step NAME CMD...' each: NAME.out, .err and .status come back to the host), its checks
# between '===== asserts' and '===== end of asserts'; gate both on 'has FEATURE' (add the
# feature to FACTS for the kernels that have it) or on $KVER.
. "$(dirname "$0")/../live/lib.sh"
KERNEL=${KPT_VM_KERNEL:-bookworm}
case $KERNEL in
bullseye) KVER=5.10 ;;
bookworm) KVER=6.1 ;;
trixie) KVER=6.12 ;;
*) hard_error "KPT_VM_KERNEL=$KERNEL: want bullseye (5.10), bookworm (6.1) or trixie (6.12)" ;;
esac
TEST_NAME=kprobes-$KVER
# 6.1 runs in every 'make check'; the other kernels add a boot and 1.5 to 2 minutes of
# guest steps each, so they run once per CI run, as the arm VMs do.
[ "$KERNEL" = bookworm ] || [ "${KPT_EVERY_VM:-}" = 1 ] ||
	skip "the $KVER VM test runs when KPT_EVERY_VM=1 (scripts/run-tests.sh sets it for its first pass)"
[ "$(id -u)" -eq 0 ] || skip "the VM tests need root (to install qemu and build the initramfs)"
command -v jq >/dev/null || hard_error "jq is missing (scripts/install-deps.sh installs it)"
[ -x "$KPTRACE" ] || hard_error "$KPTRACE is not built"
KPT=$(readlink -f "$KPTRACE")
LOAD=$(readlink -f "$PROGS/kpt_sysload")
SLEEPER=$(readlink -f "$PROGS/kpt_sleeper")
EVENTS=$(readlink -f "${KPT_SRCDIR:-$(dirname "$0")/../..}/events")
OUT=$WORK/out
mkdir -p "$OUT"

# What each kernel's tracing has, verified in its tracefs (README, files) and Debian's config:
# the guest's 'kptrace check --json' must say exactly this (true for these, false for the
# rest of CHECK_FEATURES), and the guest's own look at tracefs must agree (EVIDENCE below).
CHECK_FEATURES="tracefs kprobe_events uprobe_events dynamic_events syscall_tracepoints fetch_argN
	kretprobe_%return kretprobe_maxactive error_log hist_triggers slow_kernel_filter mono_clock
	perf_events kprobe_blacklist mapped_buffers bpf stack_trigger user_stacks"
COMMON="tracefs kprobe_events uprobe_events dynamic_events syscall_tracepoints fetch_argN
	kretprobe_%return kretprobe_maxactive error_log mono_clock perf_events kprobe_blacklist bpf
	user_stacks"
case $KVER in
5.10) FACTS="$COMMON" ;;
6.1) FACTS="$COMMON hist_triggers slow_kernel_filter stack_trigger synthetic_events" ;;
6.12) FACTS="$COMMON hist_triggers slow_kernel_filter stack_trigger synthetic_events
	mapped_buffers subbuf_size fprobe_events" ;;
esac
FACTS=$(echo $FACTS) CHECK_FEATURES=$(echo $CHECK_FEATURES)

# has FEATURE: does this kernel have it (FACTS)? once: is this the kernel where the steps
# that test nothing kernel-specific run (6.1)? Both work in the guest too.
has() { case " $FACTS " in *" $1 "*) return 0 ;; esac; return 1; }
once() { [ "$KVER" = 6.1 ]; }

cat >"$WORK/guest.sh" <<EOF
KPT=$KPT
LOAD=$LOAD
SLEEPER=$SLEEPER
EVENTS=$EVENTS
KVER=$KVER
FACTS="$FACTS"
EOF
cat >>"$WORK/guest.sh" <<'EOF'
# Runs in the guest (busybox sh). Each step's output and exit status go to the host.
T=/sys/kernel/tracing
R=/results
mkdir -p $R
has() { case " $FACTS " in *" $1 "*) return 0 ;; esac; return 1; }
once() { [ "$KVER" = 6.1 ]; }
step() {	# step NAME CMD...: run, keep stdout, stderr, status and seconds for the host
	name=$1; shift
	read -r t0 rest </proc/uptime
	"$@" >$R/$name.out 2>$R/$name.err
	echo $? >$R/$name.status
	read -r t1 rest </proc/uptime
	echo "$name $t0 $t1" >>$R/steps.times
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
	grep -E '^[efpr][0-9]*:kptrace_[0-9]+/' $T/dynamic_events
	grep -E '^kptrace_[0-9]+_' $T/synthetic_events 2>/dev/null
	ls $T/instances | grep -E '^kptrace_[0-9]+$'
}
synth_live() {	# has kptrace PID enabled its synthetic event (slow --kernel-filter)?
	grep -q 1 $T/instances/kptrace_$1/events/synthetic/kptrace_$1_slow0/enable 2>/dev/null &&
		grep -q 1 $T/instances/kptrace_$1/tracing_on 2>/dev/null
}
wait_for() {	# wait_for TEST PID: up to 10 s until TEST PID holds
	i=0; while [ $i -lt 200 ] && ! $1 $2; do sleep 0.05; i=$((i + 1)); done
}
cleaned_up() {	# has kptrace's watchdog removed everything? (up to 10 s: under emulation,
		# and a sanitizer build, removing probes can take over a second)
	i=0; while [ $i -lt 200 ] && [ -n "$(leftovers)" ]; do sleep 0.05; i=$((i + 1)); done
}

# ===== steps =====
uname -r >$R/uname.txt
# What this kernel's tracefs shows, looked at without kptrace: one name per line.
{
	[ -e $T/README ] && echo tracefs
	[ -e $T/kprobe_events ] && echo kprobe_events
	[ -e $T/uprobe_events ] && echo uprobe_events
	[ -e $T/dynamic_events ] && echo dynamic_events
	[ -d $T/events/syscalls ] && echo syscall_tracepoints
	grep -qF '$arg<N>' $T/README && echo fetch_argN
	grep -qE '^ *place \(kretprobe\):.*%return' $T/README && echo kretprobe_%return
	grep -qF 'r[maxactive]' $T/README && echo kretprobe_maxactive
	[ -e $T/error_log ] && echo error_log
	[ -e $T/events/sched/sched_switch/hist ] && echo hist_triggers
	[ -e $T/synthetic_events ] && echo synthetic_events
	grep -qw mono $T/trace_clock && echo mono_clock
	[ -r /sys/kernel/debug/kprobes/blacklist ] && echo kprobe_blacklist
	[ -e $T/options/userstacktrace ] && echo user_stacks
	[ -e $T/buffer_subbuf_size_kb ] && echo subbuf_size
	grep -qF 'f[:[<group>/][<event>]] <func-name>' $T/README && echo fprobe_events
} >$R/evidence.txt
step check $KPT check --json
step check_text $KPT check

# Kernel functions by name, through tracefs and through perf.
step n_opens $KPT latency --json do_sys_openat2 -- $LOAD -o 50
step n_opens_perf $KPT latency --backend perf --json do_sys_openat2 -- $LOAD -o 50
step count_perf $KPT count --json do_sys_openat2 -- $LOAD -o 25
if has mapped_buffers; then
	# The ring buffers memory-mapped (6.10+), which kptrace does when asked.
	step check_mmap env KPTRACE_MMAP=1 $KPT check --json
	step n_opens_mmap env KPTRACE_MMAP=1 $KPT latency --json do_sys_openat2 -- $LOAD -o 50
fi
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

# The other probe types: a uprobe pair, a syscall pair, two tracepoints.
step uprobe $KPT latency --json "$SLEEPER:kpt_work" -- $SLEEPER -n 5 -s 2000
step syscall $KPT latency --json syscall:clock_nanosleep -- $LOAD -n 6 -s 1000
step tracepoints $KPT latency --json \
	tp:syscalls:sys_enter_clock_nanosleep,syscalls:sys_exit_clock_nanosleep -- $LOAD -n 4 -s 1000
# A function that returns void: no disk in the guest, so no call either.
step void_ret $KPT latency --json io_schedule -- $LOAD -n 1 -s 1000
leftovers >$R/after_types.left

# slow, paired in user space and measured in the kernel, on the same load: 2000 sleeps of
# which every 100th is of 60 ms (hrtimer_nanosleep's first argument is the sleep in ns).
# Without hist triggers, --kernel-filter says so and pairs in user space.
SLOW_PROBE='hrtimer_nanosleep ns=%di:s64'
step slow_user $KPT slow --json -t 30ms "$SLOW_PROBE" -- $LOAD -n 2000 -s 60000 -z 100
step slow_kernel $KPT slow --kernel-filter --json -t 30ms "$SLOW_PROBE" -- $LOAD -n 2000 -s 60000 -z 100
if has slow_kernel_filter; then
	step slow_kernel_by $KPT slow --kernel-filter -t 30ms --by arg:ns "$SLOW_PROBE" -- $LOAD -n 300 -s 60000 -z 100
	leftovers >$R/after_slow.left
	# SIGINT while the kernel filter is in place: its triggers and synthetic event go too.
	$KPT slow --kernel-filter -t 30ms "$SLOW_PROBE" >$R/slow_sigint.out 2>$R/slow_sigint.err &
	pid=$!
	wait_for synth_live $pid
	$LOAD -n 2 -s 60000
	kill -INT $pid; wait $pid; echo $? >$R/slow_sigint.status
	leftovers >$R/after_slow_sigint.left
fi
if has slow_kernel_filter && once; then
	# SIGKILL: the watchdog removes the triggers, the probes, the instance and the
	# synthetic event.
	$KPT slow --kernel-filter -t 30ms "$SLOW_PROBE" >/dev/null 2>$R/slow_watchdog.err &
	pid=$!
	wait_for synth_live $pid
	kill -KILL $pid; wait $pid
	cleaned_up
	leftovers >$R/after_slow_watchdog.left
	# SIGKILL of kptrace and its watchdog leaves them all; the next run's reaper removes them.
	$KPT slow --kernel-filter -t 30ms "$SLOW_PROBE" >/dev/null 2>&1 &
	pid=$!
	wait_for synth_live $pid
	kill -KILL $(watchdog_of $pid) $pid; wait $pid
	leftovers >$R/after_slow_sigkill.left
	step slow_after_kill $KPT slow --kernel-filter --json -t 30ms "$SLOW_PROBE" -- $LOAD -n 100 -s 60000 -z 100
	leftovers >$R/after_slow_reaper.left
fi

# SIGINT: a final report and nothing left.
$KPT latency --json do_sys_openat2 >$R/sigint.out 2>$R/sigint.err &
pid=$!
wait_for live $pid
$LOAD -o 5
kill -INT $pid; wait $pid; echo $? >$R/sigint.status
leftovers >$R/after_sigint.left

if once; then
	# SIGKILL: the watchdog removes the kprobes, the kretprobes (one with maxactive, which
	# kptrace writes itself) and the instance; a foreign probe survives.
	echo 'p:othertool/openat do_sys_openat2' >>$T/kprobe_events
	$KPT latency do_sys_openat2 'p:hrtimer_nanosleep' 'r4:hrtimer_nanosleep' >/dev/null \
		2>$R/watchdog.err &
	pid=$!
	wait_for live $pid
	leftovers | wc -l >$R/before_watchdog.count
	kill -KILL $pid; wait $pid
	cleaned_up
	leftovers >$R/after_watchdog.left
fi

# SIGKILL of kptrace and its watchdog leaves probes behind, for the next run to remove
# (it reads this kernel's dynamic_events).
$KPT latency do_sys_openat2 >/dev/null 2>&1 &
pid=$!
wait_for live $pid
kill -KILL $(watchdog_of $pid) $pid; wait $pid
leftovers >$R/after_sigkill.left
step after_kill $KPT latency --json do_sys_openat2 -- $LOAD -o 7
leftovers >$R/after_next_run.left
if once; then
	grep -c '^p:othertool/openat' $T/kprobe_events >$R/foreign.count
	echo '-:othertool/openat' >>$T/kprobe_events
fi

# Every shipped probe set (kptrace-events(5)), each on a load that makes known calls.
export KPTRACE_EVENTS_DIR=$EVENTS
step set_vfs $KPT latency --json @vfs -- $LOAD -r 30
step set_vfs_trace $KPT trace --json @vfs -- $LOAD -r 3
step set_net $KPT latency --json @net -- $LOAD -u 40
step set_mem $KPT latency --json @mem -- $LOAD -m 200
step set_sched $KPT latency --json --by arg:pid @sched -- $LOAD -n 20 -s 20000
step set_block $KPT latency --json @block -- $LOAD -n 2 -s 1000
step set_syscalls $KPT latency --json @syscalls -- $LOAD -o 4 -f /proc/version
leftovers >$R/after_sets.left

# Globs: every matching function of available_filter_functions less the blacklist.
step glob_fsync $KPT latency --json 'vfs_fsync*' -- $LOAD -r 4
step glob_many $KPT latency 'vfs_*' -- $LOAD -r 1
if once; then
	step glob_max $KPT latency --max-probes 1 'vfs_fsync*' -- $LOAD -r 1
	step glob_max2 $KPT latency --json --max-probes 2 'vfs_fsync*' -- $LOAD -r 1
	step glob_none $KPT latency 'kpt_no_such_fn*' -- $LOAD -r 1
fi
step list_functions $KPT list functions 'vfs_fsync*'
grep -E '^vfs_[a-z_0-9.]*( |$)' $T/available_filter_functions | cut -d' ' -f1 | sort -u |
	wc -l >$R/vfs_functions.count
leftovers >$R/after_globs.left

# ---- BEGIN newer probe types: fprobes, BTF argument names, entry arguments on return probes ----
# Gated on what the guest's README documents, so the same steps run on 5.10, 6.1 and 6.12:
# the host asserts what each kernel must do (fprobes or kprobes, names passed or translated).
nt_has() { grep -qF -- "$1" $T/README && echo 1 || echo 0; }
nt_has 'f[:[<group>/][<event>]] <func-name>' >$R/nt_has_fprobe
nt_has '<argname>' >$R/nt_has_btf_args
grep -F 'kernel return probes support:' $T/README | grep -qF '$arg<N>' && echo 1 >$R/nt_has_ret_args ||
	echo 0 >$R/nt_has_ret_args
[ -r /sys/kernel/btf/vmlinux ] && echo 1 >$R/nt_has_btf || echo 0 >$R/nt_has_btf
step nt_check $KPT check
step nt_check_kprobes $KPT check --json --kprobes
step nt_default $KPT latency --json do_sys_openat2 -- $LOAD -o 50
step nt_default_header $KPT latency do_sys_openat2 -- $LOAD -o 5
step nt_kprobes $KPT latency --json --kprobes do_sys_openat2 -- $LOAD -o 50
step nt_kprobes_header $KPT latency --kprobes do_sys_openat2 -- $LOAD -o 5
# Names: dfd is AT_FDCWD (-100) for open(); vfs_read's count is 1 for each pread of 1 byte.
step nt_names $KPT trace --json 'do_sys_openat2 dfd' -- $LOAD -o 3 -f /kpt-names
step nt_names_read $KPT trace --json 'vfs_read count' -- $LOAD -r 4
step nt_names_kprobes $KPT trace --json --kprobes 'do_sys_openat2 fd=dfd' -- $LOAD -o 3
step nt_bad_name $KPT latency -d 0.2 'do_sys_openat2 nosuch'
# The entry's arguments fetched at the return.
step nt_ret_args $KPT trace --json 'do_sys_openat2 %return dfd' -- $LOAD -o 3
step nt_ret_argn $KPT trace --json 'do_sys_openat2 %return d=$arg1:s32' -- $LOAD -o 3
# The raw f: syntax: an fprobe pair, or a clear refusal.
step nt_raw_f $KPT latency --json 'f:do_sys_openat2 dfd=$arg1:s32' \
	'f:do_sys_openat2%return r=$retval:s32' -- $LOAD -o 20
# An event probe on a syscall's entry tracepoint fetches the string its pointer field names.
nt_has 'e[:[<group>/][<event>]] <attached-group>' >$R/nt_has_eprobe
step nt_eprobe $KPT trace --json 'syscall:openat path=+0($filename):ustring' -- $LOAD -o 3 -f /kpt-eprobe
EPROBE=; [ "$(cat $R/nt_has_eprobe)" = 1 ] && EPROBE='syscall:openat p=+0($filename):ustring'
# A void function: an fprobe exit on a BTF-typed kernel takes no $retval (fprobe kernels only).
step nt_void $KPT latency --json putname -- $LOAD -o 40
step nt_void_kprobes $KPT latency --json --kprobes putname -- $LOAD -o 40
leftovers >$R/nt_after_steps.left
grep -cE '^f:kptrace_' $T/dynamic_events >$R/nt_f_after_steps.count
# SIGKILL: the watchdog removes the fprobes too.
$KPT latency do_sys_openat2 ${EPROBE:+"$EPROBE"} >/dev/null 2>$R/nt_watchdog.err &
pid=$!
i=0; while [ $i -lt 200 ] && ! live $pid; do sleep 0.05; i=$((i + 1)); done
grep -cE "^[efpr][0-9]*:kptrace_$pid/" $T/dynamic_events >$R/nt_before_watchdog.count
kill -KILL $pid; wait $pid
sleep 1
grep -cE "^[efpr][0-9]*:kptrace_$pid/" $T/dynamic_events >$R/nt_after_watchdog.count
# SIGKILL of both: 'kptrace cleanup' lists and removes what is left.
$KPT latency do_sys_openat2 ${EPROBE:+"$EPROBE"} >/dev/null 2>&1 &
pid=$!
i=0; while [ $i -lt 200 ] && ! live $pid; do sleep 0.05; i=$((i + 1)); done
kill -KILL $(watchdog_of $pid) $pid; wait $pid
grep -cE "^[efpr][0-9]*:kptrace_$pid/" $T/dynamic_events >$R/nt_before_cleanup.count
echo "kptrace_$pid" >$R/nt_cleanup.group
step nt_cleanup $KPT cleanup
grep -cE "^[efpr][0-9]*:kptrace_$pid/" $T/dynamic_events >$R/nt_after_cleanup.count
# ---- END newer probe types ----

# ----- steps of further probe types go here -----

# ===== end of steps =====
cd $R && for f in *; do kpt_vm_export $R/$f; done
EOF

tests_dir=$(dirname "$0")
set_bins=()
for f in "$EVENTS"/*.events; do set_bins+=(--bin "$f"); done
"$tests_dir/vm-run.sh" --kernel "$KERNEL" --timeout 600 --out "$OUT" --bin "$KPT" --bin "$LOAD" \
	--bin "$SLEEPER" "${set_bins[@]}" -- "$WORK/guest.sh" >"$WORK/console.log" 2>&1
status=$?
grep -E '^vm-run: (booting|VM ran)' "$WORK/console.log"
[ $status -eq 77 ] && skip "the VM cannot be booted here: $(tail -1 "$WORK/console.log")"
[ $status -eq 0 ] || { tail -40 "$WORK/console.log"; hard_error "the VM run failed (status $status)"; }
[ -f "$OUT/n_opens.out" ] || { tail -40 "$WORK/console.log"; hard_error "no results came back from the VM"; }
echo "  guest kernel: $(cat "$OUT/uname.txt")"
echo "  slowest steps in the guest (s): $(awk '{ printf "%s %.1f\n", $1, $3 - $2 }' "$OUT/steps.times" |
	sort -k2 -rn | head -6 | tr '\n' ' ')"
case $(cat "$OUT/uname.txt") in
"$KVER".*) pass "the guest runs Linux $KVER" ;;
*) fail "the guest runs $(cat "$OUT/uname.txt"), not Linux $KVER" ;;
esac

status_of() { cat "$OUT/$1.status"; }
count_of() { jq -r --arg p "$2" '.probes[] | select(.name == $p) | .count' "$OUT/$1.out"; }

# ===== asserts =====
# 'kptrace check': what this kernel has, as FACTS says and as its tracefs shows; the host
# may differ (this one has no kprobes).
assert_eq "check exit" "$(status_of check)" 0
for f in $CHECK_FEATURES; do
	want=false
	has "$f" && want=true
	assert_eq "check: $f" "$(jq -r --arg f "$f" '.features[$f]' "$OUT/check.out")" $want
done
for f in $CHECK_FEATURES synthetic_events subbuf_size fprobe_events; do
	case $f in mapped_buffers|perf_events|bpf|stack_trigger|slow_kernel_filter) continue ;; esac
	seen=false
	grep -qxF -- "$f" "$OUT/evidence.txt" && seen=true
	want=false
	has "$f" && want=true
	assert_eq "tracefs shows $f" $seen $want
done
# The kretprobe place line as this kernel's README writes it, which check reads.
assert_contains "check's text: %return" "$OUT/check_text.out" "SYMBOL%return is understood"
if has stack_trigger; then :; else
	assert_contains "check's text: no stacktrace trigger before 5.17" "$OUT/check_text.out" \
		"--stack uses the instance's stacktrace option"
fi
"$KPTRACE" check --json >"$WORK/host-check.json"
host_kprobes=$(jq -r .features.kprobe_events "$WORK/host-check.json")
if [ "$host_kprobes" = false ]; then
	pass "host and guest 'check' differ on kprobe_events, as their kernels do"
fi
# Mapped ring buffers are used only when asked (KPTRACE_MMAP=1), where the kernel has them.
assert_eq "check: ring buffers read by" "$(jq -r .tracefs_read "$OUT/check.out")" splice

# Latency of a kernel function by name: exactly one do_sys_openat2 per open().
assert_eq "kprobe latency exit" "$(status_of n_opens)" 0
assert_eq "do_sys_openat2 count" "$(jq -r '.probes[0].count' "$OUT/n_opens.out")" 50
assert_eq "do_sys_openat2 unpaired" "$(jq -r '[.probes[0].unpaired[]] | add' "$OUT/n_opens.out")" 0

if has mapped_buffers; then
	assert_eq "KPTRACE_MMAP=1 check: ring buffers read by" \
		"$(jq -r .tracefs_read "$OUT/check_mmap.out")" mapped
	assert_eq "KPTRACE_MMAP=1 latency exit" "$(status_of n_opens_mmap)" 0
	assert_eq "do_sys_openat2 count, mapped buffers" \
		"$(jq -r '.probes[0].count' "$OUT/n_opens_mmap.out")" 50
	assert_eq "do_sys_openat2 unpaired, mapped buffers" \
		"$(jq -r '[.probes[0].unpaired[]] | add' "$OUT/n_opens_mmap.out")" 0
fi

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
# $argN, which all three kernels' READMEs document: passed to the kernel as written.
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
# Every kernel here has error_log: its reason is quoted.
assert_contains "bad fetch-arg: the kernel's error_log" "$OUT/bad_fetcharg.err" "%nosuchreg"
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

# Kernel stacks: a stacktrace trigger where check says so, else the stacktrace option; every
# open's stack either way, with openat(2)'s entry below do_sys_openat2's caller.
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

# The other probe types on this kernel: uprobe, syscall: and tp: pairs, exact counts.
assert_eq "uprobe exit" "$(status_of uprobe)" 0
assert_eq "uprobe kpt_work count" "$(jq -r '.probes[0].count' "$OUT/uprobe.out")" 5
assert_between "uprobe kpt_work min (2 ms sleeps)" "$(jq -r '.probes[0].min_ns' "$OUT/uprobe.out")" \
	2000000 1000000000
assert_eq "syscall:clock_nanosleep exit" "$(status_of syscall)" 0
assert_eq "syscall:clock_nanosleep count" "$(count_of syscall syscall:clock_nanosleep)" 6
assert_eq "tp: pair exit" "$(status_of tracepoints)" 0
assert_eq "tp: pair count" "$(jq -r '.probes[0].count' "$OUT/tracepoints.out")" 4
# 6.12 knows from BTF that io_schedule returns void, and refuses $retval there: kptrace
# leaves its ret=$retval out and says so; the others take it (and fetch nothing useful).
assert_eq "void function: exit" "$(status_of void_ret)" 0
assert_eq "void function: probe" "$(jq -r '.probes[0].name' "$OUT/void_ret.out")" io_schedule
if [ "$KVER" = 6.12 ]; then
	assert_contains "void function: the note" "$OUT/void_ret.err" \
		"probe 'io_schedule': the function returns void: its return has no value to fetch"
else
	assert_eq "void function: no note" "$(grep -c 'returns void' "$OUT/void_ret.err")" 0
fi
assert_eq "after the other probe types, left" "$(cat "$OUT/after_types.left")" ""

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
if has slow_kernel_filter; then
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
else
	# No hist triggers: said so, and paired in user space, with the same result.
	assert_contains "slow --kernel-filter without hist triggers" "$OUT/slow_kernel.err" \
		"this kernel has no hist triggers or synthetic events"
	assert_between "slow --kernel-filter in user space: records read (2 per call)" \
		"$kernel_records" 4000 4010
fi
if has slow_kernel_filter && once; then
	assert_eq "slow kernel SIGKILL, the watchdog done, left" "$(cat "$OUT/after_slow_watchdog.left")" ""
	assert_contains "slow kernel SIGKILL: the watchdog's line" "$OUT/slow_watchdog.err" "its watchdog removed"
	if grep -q '_slow0' "$OUT/after_slow_sigkill.left"; then pass "SIGKILL of both leaves the synthetic event"; else fail "SIGKILL of both left no synthetic event: the reaper check proves nothing"; fi
	assert_eq "slow kernel after SIGKILL" "$(jq -s length "$OUT/slow_after_kill.out")" 1
	assert_eq "after the reaper, left" "$(cat "$OUT/after_slow_reaper.left")" ""
fi

# Signals.
assert_eq "SIGINT exit" "$(status_of sigint)" 0
if [ "$(jq -r '.probes[0].count' "$OUT/sigint.out")" -ge 5 ]; then pass "SIGINT report counts the 5 opens"; else fail "SIGINT report: $(cat "$OUT/sigint.out")"; fi
assert_eq "after SIGINT, left" "$(cat "$OUT/after_sigint.left")" ""
if once; then
	# Two kprobes, two kretprobes (one with maxactive) and the instance.
	assert_eq "before the watchdog's clean-up: kptrace's objects" "$(cat "$OUT/before_watchdog.count")" 5
	assert_eq "SIGKILL, the watchdog done, left" "$(cat "$OUT/after_watchdog.left")" ""
	if grep -q "its watchdog removed its 4 probe events and instance" "$OUT/watchdog.err"; then
		pass "the watchdog says what it removed"
	else
		fail "the watchdog's line is missing: $(cat "$OUT/watchdog.err")"
	fi
	assert_eq "foreign probe survived" "$(cat "$OUT/foreign.count")" 1
fi
if [ -n "$(cat "$OUT/after_sigkill.left")" ]; then pass "SIGKILL with the watchdog leaves probes behind"; else fail "SIGKILL of both left nothing: the next check proves nothing"; fi
assert_eq "run after SIGKILL" "$(jq -r '.probes[0].count' "$OUT/after_kill.out")" 7
assert_eq "after the next run, left" "$(cat "$OUT/after_next_run.left")" ""

# Probe sets: each set's probes, in its file's order, from the variant that fits this
# kernel, with exact counts where the load makes them: -r 30 is 2 opens, 30 reads, 30 writes
# and 1 fsync; -u 40 is 40 sends and receives.
assert_eq "@vfs: exit" "$(status_of set_vfs)" 0
assert_eq "@vfs: probes" "$(jq -c '[.probes[].name]' "$OUT/set_vfs.out")" \
	'["vfs_read","vfs_write","vfs_open","vfs_fsync_range"]'
assert_eq "@vfs: vfs_read" "$(count_of set_vfs vfs_read)" 30
assert_eq "@vfs: vfs_write" "$(count_of set_vfs vfs_write)" 30
assert_eq "@vfs: vfs_open (execve's, the file's and /dev/null's)" "$(count_of set_vfs vfs_open)" 3
assert_eq "@vfs: vfs_fsync_range" "$(count_of set_vfs vfs_fsync_range)" 1
assert_eq "@vfs: unpaired" "$(jq '[.probes[].unpaired[]] | add' "$OUT/set_vfs.out")" 0
# The variant of kernels with \$argN (all three): count=\$arg3 is the 1 byte of each read
# and write.
assert_eq "@vfs trace: reads of count 1" \
	"$(jq -s '[.[] | select(.role == "entry" and .probe == "vfs_read" and .fields.count == 1)] | length' "$OUT/set_vfs_trace.out")" 3
assert_eq "@vfs trace: writes of count 1" \
	"$(jq -s '[.[] | select(.role == "entry" and .probe == "vfs_write" and .fields.count == 1)] | length' "$OUT/set_vfs_trace.out")" 3
assert_eq "@net: exit" "$(status_of set_net)" 0
case $KVER in
5.10 | 6.1)
	# Debian's 5.10 and 6.1 have __sock_sendmsg (the msg_name fix), so that variant is taken.
	assert_eq "@net: probes" "$(jq -c '[.probes[].name]' "$OUT/set_net.out")" \
		'["__sock_sendmsg","sock_recvmsg"]'
	assert_eq "@net: __sock_sendmsg" "$(count_of set_net __sock_sendmsg)" 40 ;;
6.12)
	# __sock_sendmsg is inlined into its callers: send(2) is __sys_sendto's.
	assert_eq "@net: probes" "$(jq -c '[.probes[].name]' "$OUT/set_net.out")" \
		'["__sys_sendto","____sys_sendmsg","sock_write_iter","sock_sendmsg","sock_recvmsg"]'
	assert_eq "@net: __sys_sendto" "$(count_of set_net __sys_sendto)" 40
	assert_eq "@net: no sendmsg(2), write(2) or in-kernel sends" \
		"$(jq '[.probes[] | select(.name != "__sys_sendto" and .name != "sock_recvmsg") | .count] | add' "$OUT/set_net.out")" 0 ;;
esac
assert_eq "@net: sock_recvmsg" "$(count_of set_net sock_recvmsg)" 40
# Page faults and allocations: at least one per page touched, and the program's own start.
# The allocator's name: __alloc_pages_nodemask before 5.13, __alloc_pages_noprof from 6.10.
case $KVER in
5.10) alloc=__alloc_pages_nodemask ;;
6.1) alloc=__alloc_pages ;;
6.12) alloc=__alloc_pages_noprof ;;
esac
assert_eq "@mem: exit" "$(status_of set_mem)" 0
assert_eq "@mem: probes" "$(jq -c '[.probes[].name]' "$OUT/set_mem.out")" \
	"[\"handle_mm_fault\",\"$alloc\"]"
assert_between "@mem: handle_mm_fault for 200 pages" "$(count_of set_mem handle_mm_fault)" 200 400
assert_between "@mem: $alloc for 200 pages" "$(count_of set_mem $alloc)" 200 400
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
# Syscall tracepoints: 4 opens of a file that exists, each closed.
assert_eq "@syscalls: exit" "$(status_of set_syscalls)" 0
assert_eq "@syscalls: probes" "$(jq -c '[.probes[].name]' "$OUT/set_syscalls.out")" \
	'["syscall:read","syscall:write","syscall:openat","syscall:close","syscall:mmap","syscall:clock_nanosleep","syscall:ppoll"]'
assert_eq "@syscalls: openat" "$(count_of set_syscalls syscall:openat)" 4
assert_eq "@syscalls: close" "$(count_of set_syscalls syscall:close)" 4
assert_eq "@syscalls: clock_nanosleep" "$(count_of set_syscalls syscall:clock_nanosleep)" 0
assert_eq "after the probe sets, left" "$(cat "$OUT/after_sets.left")" ""

# Globs: 'vfs_fsync*' is vfs_fsync and vfs_fsync_range. fsync(2) calls vfs_fsync_range
# once; do_fsync has vfs_fsync inlined, so the function's own copy is not called.
assert_eq "glob: exit" "$(status_of glob_fsync)" 0
assert_eq "glob: probes" "$(jq -c '[.probes[].name] | sort' "$OUT/glob_fsync.out")" \
	'["vfs_fsync","vfs_fsync_range"]'
assert_eq "glob: vfs_fsync (inlined in do_fsync)" "$(count_of glob_fsync vfs_fsync)" 0
assert_eq "glob: vfs_fsync_range" "$(count_of glob_fsync vfs_fsync_range)" 1
assert_eq "list functions 'vfs_fsync*'" "$(sort "$OUT/list_functions.out" | tr '\n' ' ')" \
	"vfs_fsync vfs_fsync_range "
# 'vfs_*' matches more than 64 functions on each kernel: refused with the number, before any
# probe.
assert_eq "glob over the limit: exit" "$(status_of glob_many)" 1
assert_contains "glob over the limit" "$OUT/glob_many.err" \
	"probe 'vfs_*': 'vfs_*' matches $(cat "$OUT/vfs_functions.count") kernel functions"
assert_contains "glob over the limit" "$OUT/glob_many.err" "more than the limit of 64"
if once; then
	assert_eq "--max-probes 1: exit" "$(status_of glob_max)" 1
	assert_contains "--max-probes 1" "$OUT/glob_max.err" \
		"'vfs_fsync*' matches 2 kernel functions, more than the limit of 1"
	assert_eq "--max-probes 2: exit" "$(status_of glob_max2)" 0
	assert_eq "--max-probes 2: probes" "$(jq '.probes | length' "$OUT/glob_max2.out")" 2
	assert_eq "glob of nothing: exit" "$(status_of glob_none)" 1
	assert_contains "glob of nothing" "$OUT/glob_none.err" \
		"'kpt_no_such_fn*' matches no traceable kernel function"
fi
assert_eq "after the globs, left" "$(cat "$OUT/after_globs.left")" ""
# ---- BEGIN newer probe types: fprobes, BTF argument names, entry arguments on return probes ----
nt_fprobe=$(cat "$OUT/nt_has_fprobe"); nt_btf_args=$(cat "$OUT/nt_has_btf_args")
nt_ret_args=$(cat "$OUT/nt_has_ret_args"); nt_btf=$(cat "$OUT/nt_has_btf")
nt_count() {	# nt_count FILE JQ-SELECT: how many events of trace --json FILE match
	jq -s "[.[] | select($2)] | length" "$OUT/$1.out"
}
if [ "$nt_fprobe" = 1 ]; then nt_kind=fprobe; else nt_kind=kprobe; fi
assert_contains "check names the kind" "$OUT/nt_check.out" "kernel functions by: $nt_kind ("
assert_eq "check --kprobes --json" "$(jq -r .kernel_functions "$OUT/nt_check_kprobes.out")" kprobe
assert_eq "default kind: exit" "$(status_of nt_default)" 0
assert_eq "default kind ($nt_kind): do_sys_openat2 count" "$(jq -r '.probes[0].count' "$OUT/nt_default.out")" 50
assert_eq "default kind: unpaired" "$(jq -r '[.probes[0].unpaired[]] | add' "$OUT/nt_default.out")" 0
assert_contains "header names the kind" "$OUT/nt_default_header.err" \
	"Tracing 1 probe (kernel functions by $nt_kind) while CMD runs"
assert_eq "--kprobes: exit" "$(status_of nt_kprobes)" 0
assert_eq "--kprobes: do_sys_openat2 count" "$(jq -r '.probes[0].count' "$OUT/nt_kprobes.out")" 50
assert_contains "--kprobes: header" "$OUT/nt_kprobes_header.err" "(kernel functions by kprobe)"
# Argument names: passed to a kernel that takes them, else translated from BTF.
if [ "$nt_btf" = 1 ]; then
	assert_eq "names: exit" "$(status_of nt_names)" 0
	assert_eq "names: dfd is AT_FDCWD" "$(nt_count nt_names '.role == "entry" and .fields.dfd == -100')" 3
	assert_eq "names: vfs_read count 1" "$(nt_count nt_names_read '.role == "entry" and .fields.count == 1')" 4
	assert_eq "names, --kprobes: fd=dfd" "$(nt_count nt_names_kprobes '.role == "entry" and .fields.fd == -100')" 3
	if [ "$nt_btf_args" = 1 ]; then
		assert_eq "names passed to the kernel as written" "$(grep -c 'from its BTF' "$OUT/nt_names.err")" 0
	else
		assert_contains "names translated" "$OUT/nt_names.err" "from its BTF: 'dfd=\$arg1:s32'"
	fi
	assert_eq "unknown name: exit" "$(status_of nt_bad_name)" 1
	assert_contains "unknown name" "$OUT/nt_bad_name.err" \
		"do_sys_openat2 has no parameter 'nosuch'; its parameters are: dfd filename how"
fi
# Entry arguments on the return probe.
if [ "$nt_ret_args" = 1 ]; then
	assert_eq "return args: exit" "$(status_of nt_ret_args)" 0
	assert_eq "return args: dfd at the return" \
		"$(nt_count nt_ret_args '.role == "exit" and .fields.dfd == -100 and .fields.ret == -2')" 3
	assert_eq "return \$arg1" "$(nt_count nt_ret_argn '.role == "exit" and .fields.d == -100')" 3
else
	assert_eq "return args refused: exit" "$(status_of nt_ret_args)" 1
	assert_contains "return args refused" "$OUT/nt_ret_args.err" "return probes cannot fetch the function's arguments"
	assert_eq "return \$arg1 refused: exit" "$(status_of nt_ret_argn)" 1
fi
# Raw f: pairs up, or is refused where there are no fprobes.
if [ "$nt_fprobe" = 1 ]; then
	assert_eq "raw f: exit" "$(status_of nt_raw_f)" 0
	assert_eq "raw f: count" "$(jq -r '.probes[0].count' "$OUT/nt_raw_f.out")" 20
else
	assert_eq "raw f: refused" "$(status_of nt_raw_f)" 1
	assert_contains "raw f: message" "$OUT/nt_raw_f.err" "this kernel has no fprobe events (f:"
fi
# Event probes: the file name each open() passed, fetched by the kernel, on kernels with e:.
nt_eprobe=$(cat "$OUT/nt_has_eprobe")
if [ "$nt_eprobe" = 1 ]; then
	assert_eq "event probe: exit" "$(status_of nt_eprobe)" 0
	assert_eq "event probe: path" "$(nt_count nt_eprobe '.role == "entry" and .fields.path == "/kpt-eprobe"')" 3
	assert_eq "event probe: returns" "$(nt_count nt_eprobe '.role == "exit" and .fields.ret == -2')" 3
else
	assert_eq "event probe refused: exit" "$(status_of nt_eprobe)" 1
	assert_contains "event probe refused" "$OUT/nt_eprobe.err" "event probe (e:"
fi
if [ "$nt_fprobe" = 1 ]; then
	assert_eq "void function as an fprobe: exit" "$(status_of nt_void)" 0
	# putname() once per open() and a few times for CMD's execve() and loader: the same
	# calls as the kprobe and kretprobe see
	nt_puts=$(jq -r '.probes[0].count' "$OUT/nt_void_kprobes.out")
	assert_between "void function as a kprobe: putname() calls of 40 opens" "$nt_puts" 40 50
	assert_eq "void function as an fprobe: putname() calls, as the kprobe's" \
		"$(jq -r '.probes[0].count' "$OUT/nt_void.out")" "$nt_puts"
	assert_eq "void function as an fprobe: unpaired" \
		"$(jq -r '[.probes[0].unpaired[]] | add' "$OUT/nt_void.out")" 0
	assert_contains "void function as an fprobe: the note" "$OUT/nt_void.err" \
		"probe 'putname': the function returns void"
fi
assert_eq "newer types: nothing left" "$(cat "$OUT/nt_after_steps.left")" ""
assert_eq "newer types: no f: left" "$(cat "$OUT/nt_f_after_steps.count")" 0
assert_eq "watchdog: probes while running" "$(cat "$OUT/nt_before_watchdog.count")" $((2 + nt_eprobe))
assert_eq "watchdog: removed ($nt_kind)" "$(cat "$OUT/nt_after_watchdog.count")" 0
assert_eq "cleanup: probes left by a killed run" "$(cat "$OUT/nt_before_cleanup.count")" $((2 + nt_eprobe))
assert_contains "cleanup lists them" "$OUT/nt_cleanup.err" "removed probe $(cat "$OUT/nt_cleanup.group")/p0_do_sys_openat2"
assert_eq "cleanup: removed" "$(cat "$OUT/nt_after_cleanup.count")" 0
# ---- END newer probe types ----

# ----- asserts of further probe types go here -----

# ===== end of asserts =====
finish
