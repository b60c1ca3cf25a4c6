#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite, as CI runs it: build with warnings as errors and run 'make check'
# and the unit tests under valgrind, then 'make check' again with AddressSanitizer and
# UndefinedBehaviorSanitizer. Run as root on Debian 12:
# the live tests create probes on the host kernel and the VM tests boot kernels in qemu
# (Debian's x86-64 5.10, 6.1 and 6.12 in both passes; arm64 and armhf, cross-built, in the
# first only).
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

echo "=== test suite: -Werror build, with the arm64 and armhf VM tests ==="
# The arm builds and boots (tests/vm/arm.sh) run in this pass only.
KPT_ARM_TESTS=1 run_suite "$top/build"
echo "=== unit tests under valgrind ==="
make -C "$top/build" check-valgrind
echo "=== test suite: ASan + UBSan build ==="
run_suite "$top/build-san" --enable-sanitizers
echo "=== all test suites passed ==="
