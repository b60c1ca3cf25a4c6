#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# VM: kptrace on an embedded board's kernel. tests/vm/arm.sh ARCH (arm64 or armhf), run by
# arm64.sh and armhf.sh. On this host, scripts/cross-build.sh builds the one file a board
# needs (a static kptrace, without libtracecmd) and the test programs for ARCH (ARM code on
# armhf: -marm), and Debian's arm64 or armmp kernel is booted once in qemu (vm-run.sh) with a
# busybox initramfs holding only those. In the guest: kprobe latency with exact counts, raw
# fetch-args in the architecture's registers and $argN (rewritten where the kernel lacks it),
# a uprobe pair, a Thumb function refused, syscall pairs, the perf backend, count, check, and
# a record. The record is then reported on this host by kptrace and by trace-cmd with the same
# counts: a file of a 32-bit (armhf) or 64-bit arm machine read on x86-64. On arm64 the unit
# tests run in the guest too, dynamically linked, with the target's libraries.
#
# The arm builds and boots add about a minute, so they run once per CI run: only when
# KPT_EVERY_VM=1 (scripts/run-tests.sh sets it for its first pass).
. "$(dirname "$0")/../live/lib.sh"
ARCH=${1:-}
case $ARCH in
arm64) TRIPLET=aarch64-linux-gnu ARM_CFLAGS= REGS="%x0 %x1" ;;
armhf) TRIPLET=arm-linux-gnueabihf ARM_CFLAGS=-marm REGS="%r0 %r1" ;;
*) hard_error "usage: $0 arm64|armhf" ;;
esac
TEST_NAME=$ARCH
[ "${KPT_EVERY_VM:-}" = 1 ] ||
	skip "the $ARCH VM tests run when KPT_EVERY_VM=1 (scripts/run-tests.sh sets it for its first pass)"
[ "$(id -u)" -eq 0 ] || skip "the VM tests need root (to install the cross tools and qemu)"
command -v jq >/dev/null || hard_error "jq is missing (scripts/install-deps.sh installs it)"
command -v trace-cmd >/dev/null || hard_error "trace-cmd is missing (scripts/install-deps.sh installs it)"
[ -x "$KPTRACE" ] || hard_error "$KPTRACE is not built"
SRC=${KPT_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=$(readlink -f "${KPT_BUILDDIR:-.}")/tests/vm/arm-$ARCH
SYSROOT=$SRC/deps/sysroot-$ARCH
OUT=$WORK/out
mkdir -p "$OUT" "$BUILD"

# --- on the host: the static kptrace and the test programs for ARCH ---------------
start=$(date +%s)
"$SRC/scripts/cross-build.sh" --builddir "$BUILD/static" "$ARCH" --enable-static-binary \
	--without-libtracecmd >"$WORK/cross-build.log" 2>&1 ||
	{ tail -30 "$WORK/cross-build.log"; hard_error "scripts/cross-build.sh $ARCH failed"; }
grep -E '^kptrace: static binary' "$WORK/cross-build.log"
KPT=$BUILD/static/src/kptrace
if "$TRIPLET-readelf" -d "$KPT" | grep -q NEEDED; then
	fail "$KPT needs shared libraries: $("$TRIPLET-readelf" -d "$KPT" | grep NEEDED)"
else
	pass "the $ARCH kptrace needs no shared library"
fi
P=$BUILD/progs
mkdir -p "$P"
CC=$TRIPLET-gcc
for prog in kpt_sysload kpt_sleeper; do
	$CC -O2 -static $ARM_CFLAGS -pthread -o "$P/$prog" "$SRC/tests/progs/$prog.c" ||
		hard_error "cannot cross-build $prog for $ARCH"
done
if [ "$ARCH" = armhf ]; then
	# Debian's armhf code is Thumb-2: kptrace must refuse a uprobe there, not trace nothing.
	$CC -O2 -static -mthumb -pthread -o "$P/kpt_sleeper_thumb" "$SRC/tests/progs/kpt_sleeper.c" ||
		hard_error "cannot cross-build kpt_sleeper_thumb"
fi

# arm64: the unit tests, linked as Debian links programs (dynamically), with the target's
# libraries in the guest: the tests resolve symbols in libc and in PIE and non-PIE programs.
bins=(--bin "$KPT" --bin "$P/kpt_sysload" --bin "$P/kpt_sleeper")
[ "$ARCH" = armhf ] && bins+=(--bin "$P/kpt_sleeper_thumb")
if [ "$ARCH" = arm64 ]; then
	"$SRC/scripts/cross-build.sh" --builddir "$BUILD/full" arm64 >"$WORK/cross-full.log" 2>&1 ||
		{ tail -30 "$WORK/cross-full.log"; hard_error "cross-build.sh arm64 (dynamic) failed"; }
	make -C "$BUILD/full" -j2 tests/unit/check_kptrace tests/progs/kpt_sleeper \
		tests/progs/kpt_sleeper_nopie >>"$WORK/cross-full.log" 2>&1 ||
		{ tail -30 "$WORK/cross-full.log"; hard_error "cannot cross-build the unit tests"; }
	root=$BUILD/root
	rm -rf "$root"
	mkdir -p "$root/lib/$TRIPLET"
	for lib in "$SYSROOT"/usr/lib/$TRIPLET/lib*.so.[0-9] "$SYSROOT"/lib/$TRIPLET/lib*.so.[0-9] \
		/usr/$TRIPLET/lib/{libc.so.6,libm.so.6,libgcc_s.so.1}; do
		[ -e "$lib" ] && cp -L "$lib" "$root/lib/$TRIPLET/"
	done
	cp -L "/usr/$TRIPLET/lib/ld-linux-aarch64.so.1" "$root/lib/"
	# The plugins the unit tests load, at the paths they were built at.
	for so in "$BUILD"/full/plugins/.libs/*.so "$BUILD"/full/tests/plugins/.libs/*.so; do
		mkdir -p "$root$(dirname "$so")"
		cp -L "$so" "$root$so"
	done
	# The files of the source tree the unit tests read, at their source path: the shipped
	# probe sets and the tracefs READMEs of other kernels.
	mkdir -p "$root$SRC/events" "$root$SRC/tests/data/readme"
	cp "$SRC"/events/*.events "$root$SRC/events/"
	cp "$SRC"/tests/data/readme/* "$root$SRC/tests/data/readme/"
	bins+=(--root "$root" --bin "$BUILD/full/tests/unit/check_kptrace"
		--bin "$BUILD/full/tests/progs/kpt_sleeper" --bin "$BUILD/full/tests/progs/kpt_sleeper_nopie")
fi
echo "  cross-built for $ARCH in $(($(date +%s) - start)) s"

cat >"$WORK/guest.sh" <<EOF
KPT=$KPT
LOAD=$P/kpt_sysload
SLEEPER=$P/kpt_sleeper
ARCH=$ARCH
REG1=${REGS% *}
REG2=${REGS#* }
UNIT=$BUILD/full/tests/unit/check_kptrace
UNIT_PROGS=$BUILD/full/tests/progs
TRIPLET=$TRIPLET
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
leftovers() {
	grep -E '^[pr][0-9]*:kptrace_[0-9]+/' $T/dynamic_events
	ls $T/instances | grep -E '^kptrace_[0-9]+$'
}
uname -m >$R/uname.txt
step check_json $KPT check --json
step check_text $KPT check
step opens $KPT latency --json do_sys_openat2 -- $LOAD -o 50
step regs $KPT trace --json "p:do_sys_openat2 dfd=$REG1:s32 name=+0($REG2):string" \
	'r:do_sys_openat2 ret=$retval:s32' -- $LOAD -o 3 -f /kpt-regs
step argn $KPT trace --json 'do_sys_openat2 name=+0($arg2):string' -- $LOAD -o 2 -f /kpt-argn
step uprobe $KPT latency --json "$SLEEPER:kpt_work" -- $SLEEPER -n 5 -s 2000
[ ! -e ${SLEEPER}_thumb ] ||
	step thumb $KPT latency -d 0.2 "${SLEEPER}_thumb:kpt_work"
step sleeps $KPT latency --json syscall:clock_nanosleep -- $LOAD -n 10 -s 1000
step perf $KPT latency --backend perf --json do_sys_openat2 -- $LOAD -o 20
step count $KPT count --json do_sys_openat2 -- $LOAD -o 25
step record $KPT record -o $R/rec.dat do_sys_openat2 -- $LOAD -o 30
step report_guest $KPT report --json $R/rec.dat
step record_sleeps $KPT record -o $R/sleeps.dat syscall:clock_nanosleep -- $LOAD -n 10 -s 1000
leftovers >$R/left.txt
if [ -x "$UNIT" ]; then
	export LD_LIBRARY_PATH=/lib/$TRIPLET
	KPT_PROGS_DIR=$UNIT_PROGS CK_VERBOSITY=normal step unit $UNIT
fi
cd $R && for f in *; do kpt_vm_export $R/$f; done
EOF

"$(dirname "$0")/vm-run.sh" --arch "$ARCH" --timeout 600 --out "$OUT" \
	--busybox "$SYSROOT/bin/busybox" "${bins[@]}" -- "$WORK/guest.sh" >"$WORK/console.log" 2>&1
status=$?
grep -E '^vm-run: (booting|VM ran)' "$WORK/console.log"
[ $status -eq 77 ] && skip "the $ARCH VM cannot be booted here: $(tail -1 "$WORK/console.log")"
[ $status -eq 0 ] || { tail -40 "$WORK/console.log"; hard_error "the $ARCH VM run failed (status $status)"; }
[ -f "$OUT/opens.out" ] || { tail -40 "$WORK/console.log"; hard_error "no results came back from the VM"; }

status_of() { cat "$OUT/$1.status"; }
count_of() { jq -r --arg n "$2" '.probes[] | select(.name == $n) | .count' "$OUT/$1.out"; }
echo "  guest: $(cat "$OUT/uname.txt")"

# check: the facts of this kernel, said for this architecture.
assert_eq "check exit" "$(status_of check_json)" 0
assert_eq "check: kprobe_events" "$(jq -r .features.kprobe_events "$OUT/check_json.out")" true
assert_eq "check: kretprobe %return (6.1's 'place (kretprobe):')" \
	"$(jq -r '.features["kretprobe_%return"]' "$OUT/check_json.out")" true
if [ "$ARCH" = armhf ]; then
	assert_eq "check: the armmp kernel has no \$argN" "$(jq -r .features.fetch_argN "$OUT/check_json.out")" false
	assert_contains "check's \$argN line" "$OUT/check_text.out" 'rewritten to %r0..%r3 (arm)'
else
	assert_eq "check: \$argN" "$(jq -r .features.fetch_argN "$OUT/check_json.out")" true
fi

# Kernel functions: exactly one do_sys_openat2 per open().
assert_eq "kprobe latency exit" "$(status_of opens)" 0
assert_eq "do_sys_openat2 count" "$(count_of opens do_sys_openat2)" 50
assert_eq "do_sys_openat2 unpaired" "$(jq -r '[.probes[0].unpaired[]] | add' "$OUT/opens.out")" 0

# Fetch-args in this architecture's registers, and $argN.
assert_eq "raw $REGS: exit" "$(status_of regs)" 0
assert_eq "raw $REGS: entries with the name" \
	"$(jq -s '[.[] | select(.role == "entry" and .fields.name == "/kpt-regs" and .fields.dfd == -100)] | length' "$OUT/regs.out")" 3
assert_eq "raw $REGS: returns of -ENOENT" \
	"$(jq -s '[.[] | select(.role == "exit" and .fields.ret == -2)] | length' "$OUT/regs.out")" 3
assert_eq "\$arg2: exit" "$(status_of argn)" 0
assert_eq "\$arg2 name" \
	"$(jq -s '[.[] | select(.role == "entry" and .fields.name == "/kpt-argn")] | length' "$OUT/argn.out")" 2
[ "$ARCH" = armhf ] && assert_contains "\$argN rewritten" "$OUT/argn.err" "using 'name=+0(%r1):string'"

# A uprobe pair on a static program; on armhf, Thumb code refused with the way out.
assert_eq "uprobe exit" "$(status_of uprobe)" 0
assert_eq "uprobe kpt_work count" "$(jq -r '.probes[0].count' "$OUT/uprobe.out")" 5
min=$(jq -r '.probes[0].min_ns' "$OUT/uprobe.out")
assert_between "uprobe kpt_work min (2 ms sleeps)" "$min" 2000000 1000000000
if [ "$ARCH" = armhf ]; then
	assert_eq "Thumb function exit" "$(status_of thumb)" 1
	assert_contains "Thumb function" "$OUT/thumb.err" "is Thumb code"
	assert_contains "Thumb function" "$OUT/thumb.err" "-marm"
fi

# Syscall pairs: on armhf the C library's clock_nanosleep is the 32-bit time version.
assert_eq "syscall:clock_nanosleep exit" "$(status_of sleeps)" 0
assert_eq "syscall:clock_nanosleep count" "$(jq -r '.probes[0].count' "$OUT/sleeps.out")" 10
[ "$ARCH" = armhf ] &&
	assert_contains "syscall:clock_nanosleep" "$OUT/sleeps.err" "sys_enter_clock_nanosleep_time32"

# The perf backend and perf counters.
assert_eq "perf backend exit" "$(status_of perf)" 0
assert_eq "perf backend count" "$(count_of perf do_sys_openat2)" 20
assert_eq "perf backend lost" "$(jq -r '.lost.perf_lost' "$OUT/perf.out")" 0
assert_eq "count exit" "$(status_of count)" 0
assert_eq "count backend" "$(jq -r '.backend' "$OUT/count.out")" perf
assert_eq "count hits" "$(jq -r '.probes[0].hits' "$OUT/count.out")" 25
assert_eq "count returns" "$(jq -r '.probes[0].returns' "$OUT/count.out")" 25
assert_eq "nothing left in the guest's tracefs" "$(cat "$OUT/left.txt")" ""

# The record, reported in the guest (kptrace's own reader), on this host, and by trace-cmd.
assert_eq "record exit" "$(status_of record)" 0
assert_eq "report in the guest: exit" "$(status_of report_guest)" 0
assert_eq "report in the guest: do_sys_openat2" "$(count_of report_guest do_sys_openat2)" 30
"$KPTRACE" report --json "$OUT/rec.dat" >"$WORK/report.json" 2>"$WORK/report.err"
assert_eq "report on the host: exit" $? 0
assert_eq "report on the host: do_sys_openat2" \
	"$(jq -r '.probes[] | select(.name == "do_sys_openat2") | .count' "$WORK/report.json")" 30
assert_eq "report on the host: unpaired" "$(jq -r '[.probes[].unpaired[]] | add' "$WORK/report.json")" 0
assert_eq "report on the host = report in the guest" \
	"$(jq -c '.probes' "$WORK/report.json")" "$(jq -c '.probes' "$OUT/report_guest.out")"
trace-cmd report "$OUT/rec.dat" 2>/dev/null >"$WORK/tc.txt"
assert_eq "trace-cmd report: kprobe entries" \
	"$(awk '$4 ~ /^p[0-9]*_do_sys_openat2:$/ { n++ } END { print n + 0 }' "$WORK/tc.txt")" 30
assert_eq "trace-cmd report: kretprobe returns" \
	"$(awk '$4 ~ /^r[0-9]*_do_sys_openat2:$/ { n++ } END { print n + 0 }' "$WORK/tc.txt")" 30

# The syscall pair recorded in the guest: on armhf its tracepoints are the _time32 ones.
sleep_name=syscall:clock_nanosleep
[ "$ARCH" = armhf ] && sleep_name=syscall:clock_nanosleep_time32
assert_eq "record of syscall:clock_nanosleep: exit" "$(status_of record_sleeps)" 0
"$KPTRACE" report --json "$OUT/sleeps.dat" >"$WORK/sleeps.json" 2>"$WORK/sleeps.err"
assert_eq "report on the host: $sleep_name" \
	"$(jq -r --arg n "$sleep_name" '.probes[] | select(.name == $n) | .count' "$WORK/sleeps.json")" 10
trace-cmd report "$OUT/sleeps.dat" 2>/dev/null >"$WORK/tc-sleeps.txt"
assert_eq "trace-cmd report: ${sleep_name#syscall:} entries" \
	"$(awk -v e="sys_enter_${sleep_name#syscall:}:" '$4 == e { n++ } END { print n + 0 }' "$WORK/tc-sleeps.txt")" 10

if [ "$ARCH" = arm64 ]; then
	assert_eq "unit tests in the arm64 guest: exit" "$(status_of unit)" 0
	grep -E '^[0-9]+%: Checks' "$OUT/unit.out" || cat "$OUT/unit.err"
	grep -E ':[EF]:' "$OUT/unit.out"
fi
finish
