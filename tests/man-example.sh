#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kptrace-plugins(7) quotes plugins/example.c, which the build compiles and the unit tests
# load, verbatim between the lines '.\" BEGIN plugins/example.c' and '.\" END ...'.
# This test fails when the two differ; 'tests/man-example.sh --update' copies the source
# into the man page. No root needed.
set -euo pipefail
top=${KPT_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
man=$top/man/kptrace-plugins.7
src=$top/plugins/example.c
begin='.\" BEGIN plugins/example.c'
end='.\" END plugins/example.c'

# C to roff inside .EX: backslashes as \e, minus signs as \- (so that they copy as ASCII
# hyphen-minus), and a line's leading dot or quote made literal with \&. And back.
to_roff() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" "$1"; }
from_roff() { sed -e 's/^\\&//' -e 's/\\-/-/g' -e 's/\\e/\\/g'; }
# The lines of the man page between .EX and .EE inside the markers.
quoted() {
	begin=$begin end=$end awk '
		$0 == ENVIRON["begin"] { inside = 1; next }
		$0 == ENVIRON["end"] { inside = 0 }
		inside && $0 == ".EX" { ex = 1; next }
		inside && $0 == ".EE" { ex = 0 }
		inside && ex { print }' "$man"
}

[ "$(grep -cxF -- "$begin" "$man")" = 1 ] && [ "$(grep -cxF -- "$end" "$man")" = 1 ] || {
	echo "FAIL: $man must have one '$begin' line and one '$end' line"
	exit 1
}

if [ "${1:-}" = "--update" ]; then
	tmp=$(mktemp "$man.XXXXXX")
	# Strings go to awk through the environment: -v would interpret their backslashes.
	code=$(to_roff "$src") begin=$begin end=$end awk '
		$0 == ENVIRON["begin"] { print; print ".EX"; print ENVIRON["code"]; print ".EE"
					 skip = 1; next }
		$0 == ENVIRON["end"] { skip = 0 }
		!skip { print }' "$man" >"$tmp"
	mv "$tmp" "$man"
	echo "updated the example in $man from $src"
	exit 0
fi

if diff -u "$src" <(quoted | from_roff); then
	echo "ok: kptrace-plugins(7) quotes $src verbatim"
else
	echo "FAIL: the example in $man differs from $src; run tests/man-example.sh --update"
	exit 1
fi
