#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: bad input gets an error that names the input and what to do, a non-zero exit, and
# leaves nothing in tracefs, including when the kernel itself rejects a probe.
. "$(dirname "$0")/lib.sh"
require_root_tracefs

# expect_error WHAT TEXT ARGS...: kptrace ARGS fails, and says TEXT.
expect_error() {
	local what=$1 text=$2
	shift 2
	"$KPTRACE" "$@" >"$WORK/out" 2>"$WORK/err"
	local status=$?
	if [ $status -ne 0 ]; then pass "$what: exit status $status"; else fail "$what: exit status 0"; fi
	assert_contains "$what" "$WORK/err" "$text"
	assert_clean "$what"
}

SLEEPER=$(readlink -f "$PROGS/kpt_sleeper")

if [ -e "$TRACEFS/kprobe_events" ]; then
	expect_error "missing kernel function" "no_such_function_kpt" \
		latency -d 1 no_such_function_kpt
else
	# This host kernel has no kprobes: the error says so and points elsewhere.
	expect_error "kprobe without kprobe support" "no kprobe support" latency -d 1 vfs_read
	assert_contains "kprobe hint" "$WORK/err" "uprobes"
	assert_contains "kprobe hint" "$WORK/err" "syscall:NAME"
	# Argument names are looked up in this kernel's BTF before the kprobe is refused.
	if [ -r /sys/kernel/btf/vmlinux ] && ! grep -qF '<argname>' "$TRACEFS/README"; then
		expect_error "BTF name, no kprobes" "no kprobe support" latency -d 1 'vfs_read count'
		assert_contains "BTF name resolved" "$WORK/err" "from its BTF: 'count=\$arg3:u64'"
		expect_error "unknown parameter name" \
			"vfs_read has no parameter 'cont'; its parameters are: file buf count pos" \
			latency -d 1 'vfs_read cont'
		expect_error "struct field by name" "cannot fetch struct fields by name" \
			latency -d 1 'vfs_read file->f_flags'
		expect_error "no fprobes here" "this kernel has no fprobe events (f:" \
			latency -d 1 'f:vfs_read'
	fi
fi
expect_error "missing user symbol" "no_such_symbol" latency -d 1 "$SLEEPER:no_such_symbol"
expect_error "missing binary" "/no/such/binary" latency -d 1 /no/such/binary:main
expect_error "missing syscall" "syscalls:sys_enter_no_such_call" latency -d 1 syscall:no_such_call
expect_error "bad spec" "tp:SYSTEM:ENTRY,SYSTEM:EXIT" latency -d 1 tp:sched
# The kernel rejects the return probe's fetch-arg after the entry probe was created:
# its error_log text is shown, and the entry probe is removed again.
expect_error "bad fetch-arg" "kernel rejected the uretprobe" \
	latency -d 1 "p:$SLEEPER:kpt_work" "r:$SLEEPER:kpt_work x=%nosuchreg"
expect_error "bad filter" "--filter 'count >'" \
	latency -d 1 --filter 'count >' syscall:clock_nanosleep
expect_error "missing -p process" "-p 999999999" latency -p 999999999 syscall:read
expect_error "bad duration" "-d 'soon'" latency -d soon syscall:read
expect_error "unknown command" "unknown command 'frob'" frob
finish
