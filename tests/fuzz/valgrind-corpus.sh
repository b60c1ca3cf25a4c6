#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run kptrace report (streamed, then through libtracecmd) under valgrind on every file
# of the given corpus directories. The harnesses instrument kptrace's code only: an
# invalid read inside libtracecmd or libtraceevent shows under ASan only where it goes
# through an intercepted libc call, and always under valgrind. Prints each file with an
# error, and exits 1 if there was one.
#   tests/fuzz/valgrind-corpus.sh BUILDDIR DIR...
set -u
build=$1
shift
status=0
n=0
for f in $(find "$@" -type f); do
	for mode in "" --libtracecmd; do
		timeout 120 valgrind -q --error-exitcode=99 --leak-check=no \
			"$build/src/kptrace" report $mode "$f" >/dev/null 2>"$build/valgrind-corpus.err"
		rc=$?
		if [ $rc -eq 99 ] || [ $rc -ge 124 ]; then
			echo "$f ${mode:-(streamed)}: exit $rc"
			grep -m 12 -E '==[0-9]+== (Invalid|Conditional|Use of|Process|   (at|by) )' \
				"$build/valgrind-corpus.err"
			status=1
		fi
	done
	n=$((n + 1))
done
echo "$n files under valgrind"
exit $status
