#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: probe sets (kptrace-events(5)) on the host kernel. @syscalls expands into its
# syscall pairs with exact counts from a known load under count, latency and slow; a set of
# kprobes fails with the no-kprobes message (the host has none); a user's set replaces an
# installed one; a missing set and a bad file are named, and nothing is left in tracefs.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
LOAD=$PROGS/kpt_sysload
export KPTRACE_EVENTS_DIR="$KPT_SRCDIR/events"
export XDG_CONFIG_HOME="$WORK/config"
USERSETS=$XDG_CONFIG_HOME/kptrace/events
mkdir -p "$USERSETS"
SYSCALLS='["syscall:read","syscall:write","syscall:openat","syscall:close","syscall:mmap","syscall:clock_nanosleep","syscall:ppoll"]'
[ "$(uname -m)" = x86_64 ] || [ "$(uname -m)" = aarch64 ] ||
	SYSCALLS=${SYSCALLS/syscall:mmap/syscall:mmap2}

# count: the set's probes in the file's order; exactly the load's 7 sleeps.
out=$WORK/count.json
"$KPTRACE" count --json @syscalls -- "$LOAD" -n 7 -s 1000 >"$out" 2>"$WORK/count.err"
assert_eq "count @syscalls: exit status" $? 0
assert_eq "count @syscalls: probes" "$(jq -c '[.probes[].name]' "$out")" "$SYSCALLS"
assert_eq "count @syscalls: clock_nanosleep hits" \
	"$(jq '.probes[] | select(.name == "syscall:clock_nanosleep") | .hits' "$out")" 7
assert_eq "count @syscalls: clock_nanosleep returns" \
	"$(jq '.probes[] | select(.name == "syscall:clock_nanosleep") | .returns' "$out")" 7
assert_eq "count @syscalls: no openat" \
	"$(jq '.probes[] | select(.name == "syscall:openat") | .hits' "$out")" 0
assert_clean "count @syscalls"

# latency: 4 opens of a file that exists, each closed; a set and a probe of its own together.
out=$WORK/latency.json
"$KPTRACE" latency --json @syscalls syscall:getppid -- "$LOAD" -o 4 -f /etc/hostname >"$out"
assert_eq "latency @syscalls: exit status" $? 0
assert_eq "latency @syscalls: probes" "$(jq '.probes | length' "$out")" 8
assert_eq "latency @syscalls: openat" \
	"$(jq '.probes[] | select(.name == "syscall:openat") | .count' "$out")" 4
assert_eq "latency @syscalls: close" \
	"$(jq '.probes[] | select(.name == "syscall:close") | .count' "$out")" 4
assert_eq "latency @syscalls: the extra probe last" "$(jq -r '.probes[7].name' "$out")" \
	syscall:getppid
assert_clean "latency @syscalls"

# slow: of 6 sleeps every third is of 30 ms, the others of 0: exactly 2 slow calls.
out=$WORK/slow.json
"$KPTRACE" slow --json -t 10ms @syscalls -- "$LOAD" -n 6 -s 30000 -z 3 >"$out" 2>"$WORK/slow.err"
assert_eq "slow @syscalls: exit status" $? 0
assert_eq "slow @syscalls: slow calls" "$(jq -s -c '[.[].probe]' "$out")" \
	'["syscall:clock_nanosleep","syscall:clock_nanosleep"]'
assert_clean "slow @syscalls"

# A set of kprobes on a kernel without them: the no-kprobes message, nothing left.
for set in vfs net mem; do
	"$KPTRACE" latency @$set -- true >"$WORK/$set.out" 2>"$WORK/$set.err"
	assert_eq "@$set without kprobes: exit status" $? 1
	assert_contains "@$set without kprobes: message" "$WORK/$set.err" \
		"this kernel has no kprobe support"
	assert_clean "@$set without kprobes"
done

# A user's set of the same name replaces the installed one.
printf 'description mine\nprobe syscall:clock_nanosleep\n' >"$USERSETS/syscalls.events"
out=$WORK/user.json
"$KPTRACE" count --json @syscalls -- "$LOAD" -n 3 -s 1000 >"$out"
assert_eq "user's @syscalls: probes" "$(jq -c '[.probes[].name]' "$out")" \
	'["syscall:clock_nanosleep"]'
assert_eq "user's @syscalls: hits" "$(jq '.probes[0].hits' "$out")" 3
rm "$USERSETS/syscalls.events"

# Bad input: a missing set, a bad line; each named, exit 1, nothing left.
"$KPTRACE" count @nosuchset -- true 2>"$WORK/missing.err"
assert_eq "missing set: exit status" $? 1
assert_contains "missing set: message" "$WORK/missing.err" \
	"no probe set '@nosuchset': no nosuchset.events in $USERSETS or $KPTRACE_EVENTS_DIR"
printf 'probe syscall:read\nprobe syscall:write extra\n' >"$USERSETS/bad.events"
"$KPTRACE" count @bad -- true 2>"$WORK/bad.err"
assert_eq "bad set: exit status" $? 1
assert_contains "bad set: file and line" "$WORK/bad.err" "$USERSETS/bad.events:2: "
printf 'variant arch=x86_64,aarch64,arm\nrequires tracepoint nosuch:event\nprobe syscall:read\n' \
	>"$USERSETS/nofit.events"
"$KPTRACE" count @nofit -- true 2>"$WORK/nofit.err"
assert_eq "set with no fitting variant: exit status" $? 1
assert_contains "set with no fitting variant: why" "$WORK/nofit.err" \
	"has no variant for this kernel: line 1: this kernel lacks tracepoint 'nosuch:event'"
assert_clean "bad sets"

# kptrace list: the user's sets (the bad ones marked, exit 1), then the installed ones.
printf 'description mine\nprobe syscall:clock_nanosleep\n' >"$USERSETS/vfs.events"
"$KPTRACE" list >"$WORK/list.out" 2>&1
assert_eq "list with broken sets: exit status" $? 1
assert_contains "list: the user's directory" "$WORK/list.out" "Your probe sets ($USERSETS):"
assert_contains "list: a broken set" "$WORK/list.out" "@bad          BROKEN: $USERSETS/bad.events:2: "
assert_contains "list: a replacing set" "$WORK/list.out" \
	"@vfs          mine (replaces the installed one)"
assert_contains "list: the installed directory" "$WORK/list.out" \
	"Installed probe sets ($KPTRACE_EVENTS_DIR):"
assert_contains "list: an installed set" "$WORK/list.out" \
	"@syscalls     Common system calls: file I/O, memory mapping, sleeping and polling"
assert_contains "list: 1 broken" "$WORK/list.out" "1 broken set: see kptrace-events(5)"
rm "$USERSETS"/*.events
"$KPTRACE" list sets >"$WORK/list2.out" 2>&1
assert_eq "list sets: exit status" $? 0
assert_eq "list sets: lines (none of the user's, 2 headers, 6 installed)" "$(wc -l <"$WORK/list2.out")" 9

# kptrace list tracepoints/syscalls/functions: what this kernel has, as tracefs lists it.
"$KPTRACE" list tracepoints 'sched:sched_wak*' >"$WORK/tp.out"
assert_eq "list tracepoints: exit status" $? 0
assert_eq "list tracepoints 'sched:sched_wak*'" "$(sort "$WORK/tp.out" | tr '\n' ' ')" \
	"$(cd "$TRACEFS/events/sched" && ls -d sched_wak* | sed 's/^/sched:/' | sort | tr '\n' ' ')"
"$KPTRACE" list tracepoints 'nosuch:*' 2>"$WORK/tp.err"
assert_eq "list tracepoints of nothing: exit status" $? 1
assert_contains "list tracepoints of nothing" "$WORK/tp.err" "no tracepoint matches 'nosuch:*'"
"$KPTRACE" list syscalls >"$WORK/sc.out"
assert_eq "list syscalls: exit status" $? 0
want=$(cd "$TRACEFS/events/syscalls" && for e in sys_enter_*; do
	[ -d "sys_exit_${e#sys_enter_}" ] && echo "syscall:${e#sys_enter_}"; done | sort)
echo "$want" >"$WORK/sc.want"
assert_eq "list syscalls: each with both tracepoints ($(wc -l <"$WORK/sc.want"))" \
	"$(sort "$WORK/sc.out" | cmp - "$WORK/sc.want" && echo same)" same
assert_contains "list syscalls: clock_nanosleep" "$WORK/sc.out" "syscall:clock_nanosleep"
if cat "$TRACEFS/available_filter_functions" >/dev/null 2>&1; then
	"$KPTRACE" list functions 'vfs_rea*' >"$WORK/fn.out"
	assert_eq "list functions: exit status" $? 0
	assert_contains "list functions 'vfs_rea*'" "$WORK/fn.out" "vfs_read"
else
	"$KPTRACE" list functions 'vfs_rea*' 2>"$WORK/fn.err"
	assert_eq "list functions, no function list: exit status" $? 1
	assert_contains "list functions, no function list" "$WORK/fn.err" \
		"cannot read available_filter_functions in tracefs"
fi
# kptrace list OBJECT [GLOB]: the functions a uprobe can name, by path or library name.
SLEEPER=$PROGS/kpt_sleeper
"$KPTRACE" list "$SLEEPER" 'kpt_*' >"$WORK/obj.out"
assert_eq "list OBJECT: exit status" $? 0
assert_eq "list OBJECT 'kpt_*'" "$(cat "$WORK/obj.out")" \
	"Functions of $SLEEPER ($SLEEPER:SYMBOL):
  kpt_recurse
  kpt_work"
"$KPTRACE" list c 'malloc' >"$WORK/libc.out"
assert_eq "list c malloc: exit status" $? 0
assert_eq "list c malloc: the one function" "$(grep -c '^  malloc$' "$WORK/libc.out")" 1
assert_contains "list c: the library found" "$WORK/libc.out" "(c:SYMBOL):"
"$KPTRACE" list kpt-no-such-object 2>"$WORK/obj.err"
assert_eq "list of no object: exit status" $? 1
assert_contains "list of no object" "$WORK/obj.err" \
	"kptrace cannot list 'kpt-no-such-object': it is no list (see 'kptrace list --help') and "

# A glob on a kernel without kprobes: said, and nothing left.
if [ ! -e "$TRACEFS/kprobe_events" ]; then
	"$KPTRACE" latency 'vfs_*' -- true 2>"$WORK/glob.err"
	assert_eq "glob without kprobes: exit status" $? 1
	assert_contains "glob without kprobes" "$WORK/glob.err" \
		"probe 'vfs_*': this kernel has no kprobe support"
	assert_clean "glob without kprobes"
fi
finish
