#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# smoke.sh: boot the test VM (vm-run.sh) once and check that kprobe events
# work in it and that a file exported by the guest reaches the host intact.
# Exit status for automake: 0 pass, 1 fail, 77 skip, 99 hard error.

set -u

here=$(cd "$(dirname "$0")" && pwd) || exit 99
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kpt-smoke.XXXXXX") || exit 99
trap 'rm -rf -- "$tmp"' EXIT

cat >"$tmp/guest.sh" <<'EOF'
# Runs in the guest, under busybox sh, as root.
T=/sys/kernel/tracing
check() { echo "guest check: $*"; }
fail() { echo "guest FAIL: $*"; exit 1; }

check "$T/kprobe_events exists"
[ -f $T/kprobe_events ] || fail "no $T/kprobe_events"

check "a kprobe kptvm/openat on do_sys_openat2 can be created"
echo 'p:kptvm/openat do_sys_openat2 dfd=%di' >>$T/kprobe_events || fail "write refused"
grep -q '^p:kptvm/openat do_sys_openat2 dfd=%di$' $T/kprobe_events ||
	fail "not listed back: $(cat $T/kprobe_events)"

check "it fires when cat opens a file"
echo >$T/trace
echo 1 >$T/events/kptvm/openat/enable || fail "cannot enable"
cat /proc/version >/dev/null
echo 0 >$T/events/kptvm/openat/enable
cat $T/trace >/tmp/trace.txt
grep -E -q '^ *cat-[0-9]+ .* openat: \(do_sys_openat2\+0x0/0x[0-9a-f]+\) dfd=0x' /tmp/trace.txt ||
	fail "no openat event from cat in the trace: $(cat /tmp/trace.txt)"

check "it can be removed"
echo '-:kptvm/openat' >>$T/kprobe_events || fail "removal refused"
! grep -q kptvm $T/kprobe_events || fail "still listed: $(cat $T/kprobe_events)"
[ ! -e $T/events/kptvm ] || fail "$T/events/kptvm is still there"

check "files can be exported"
kpt_vm_export /tmp/trace.txt || fail "kpt_vm_export trace.txt"
echo "kptvm export ok: $(uname -r)" >/tmp/hello.txt
kpt_vm_export /tmp/hello.txt || fail "kpt_vm_export hello.txt"
EOF

"$here/vm-run.sh" --timeout 120 --out "$tmp/out" -- "$tmp/guest.sh"
status=$?
if ((status != 0)); then
	echo "smoke: the guest part ended with status $status"
	exit $status
fi

echo "host check: hello.txt came back with the guest's kernel version"
grep -q '^kptvm export ok: [0-9]' "$tmp/out/hello.txt" || {
	echo "smoke FAIL: hello.txt: $(cat "$tmp/out/hello.txt" 2>&1)"
	exit 1
}
echo "host check: trace.txt came back with the openat event"
grep -q ' openat: (do_sys_openat2+0x0/' "$tmp/out/trace.txt" || {
	echo "smoke FAIL: no openat event in the exported trace.txt"
	exit 1
}
echo "smoke: PASS"
