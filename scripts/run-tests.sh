#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite, as CI runs it: build with warnings as errors and run 'make check'
# and the unit tests under valgrind, then 'make check' again with AddressSanitizer and
# UndefinedBehaviorSanitizer. Run as root on Debian 12:
# the live tests create probes on the host kernel and the VM tests boot kernels in qemu:
# Debian's x86-64 6.1 in both passes; its 5.10 and 6.12 and the cross-built arm64 and
# armhf in the first only (KPT_EVERY_VM=1), which keeps the whole run under 30 minutes.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

run_suite() {
	local builddir=$1
	shift
	"$top/scripts/bootstrap.sh" --builddir "$builddir" "$@"
	if ! make -C "$builddir" check; then
		# test-suite.log holds the whole log of each test that failed (and only
		# theirs), which is all a CI run leaves to go on.
		if [ -f "$builddir/test-suite.log" ]; then
			cat "$builddir/test-suite.log"
		else
			cat "$builddir"/tests/*/*.log 2>/dev/null | tail -200
		fi
		exit 1
	fi
}

echo "=== test suite: -Werror build, with every VM kernel ==="
# The 5.10, 6.12, arm64 and armhf boots run in this pass only.
KPT_EVERY_VM=1 run_suite "$top/build"
echo "=== unit tests under valgrind ==="
make -C "$top/build" check-valgrind
echo "=== test suite: ASan + UBSan build ==="
run_suite "$top/build-san" --enable-sanitizers
echo "=== all test suites passed ==="
