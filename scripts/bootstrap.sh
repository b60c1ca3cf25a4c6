#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# From a fresh clone to a built kptrace: install dependencies, generate the build system,
# configure and build in DIR (default build/). Extra arguments go to configure.
#   scripts/bootstrap.sh [--builddir DIR] [CONFIGURE-ARGS...]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$top/build
if [ "${1:-}" = "--builddir" ]; then
	builddir=$(realpath -m "$2")
	shift 2
fi

deps_args=()
for arg in "$@"; do
	[ "$arg" = --without-libperf ] && deps_args=(--without-libperf)
done
"$top/scripts/install-deps.sh" "${deps_args[@]}"
if [ ! -x "$top/configure" ] || [ "$top/configure.ac" -nt "$top/configure" ] ||
   [ "$top/Makefile.am" -nt "$top/Makefile.in" ]; then
	(cd "$top" && autoreconf -fi >/dev/null)
fi
mkdir -p "$builddir"
cd "$builddir"
"$top/configure" --enable-werror "$@" >configure.out || { tail -20 configure.out; exit 1; }
sed -n '/kptrace .* configured/,$p' configure.out
make -j"$(nproc)" all
