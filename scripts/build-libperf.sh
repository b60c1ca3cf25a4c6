#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-libperf.sh - build libperf into the project-local prefix deps/libperf.
#
# Debian ships no libperf package, so this takes tools/lib/perf from Debian's
# linux-source package, builds it and installs headers, libperf.a and a
# pkg-config file.  configure then finds it with
#   PKG_CONFIG_PATH=$top/deps/libperf/lib/pkgconfig pkg-config --cflags --libs libperf
#
# Only the static library is installed (no libperf.so), so programs need no
# rpath or LD_LIBRARY_PATH (unit tests, VM initramfs).  libperf.a leaves the
# fdarray__* helpers undefined (they live in tools/lib/api), so a libapi.a
# made of the individual tools/lib/api objects is installed next to it and
# listed in the .pc's Libs.
#
# Downloads and the extracted source are cached in deps/cache/.  Running the
# script again is a no-op once deps/libperf is complete.
#
# Usage: scripts/build-libperf.sh [-f] [-v] [-a ARCH]
#   -f   rebuild even if deps/libperf looks complete
#   -v   verbose: show apt/tar/make output
#   -a   cross-build for ARCH (arm64 or armhf) into deps/libperf-ARCH, with the
#        target's compiler and ar (aarch64-linux-gnu-, arm-linux-gnueabihf-);
#        scripts/cross-build.sh calls it so
# Environment: LINUX_SOURCE_PKG  source package to use (default: the one the
#              "linux-source" metapackage depends on, e.g. linux-source-6.1)

set -euo pipefail

me=build-libperf
force=0
verbose=0
arch=

usage() {
	echo "usage: $0 [-f] [-v] [-a arm64|armhf]   (-f: force rebuild, -v: verbose, -a: cross-build)"
	exit "${1:-0}"
}

while getopts "fva:h" opt; do
	case $opt in
	f) force=1 ;;
	v) verbose=1 ;;
	a) arch=$OPTARG ;;
	h) usage 0 ;;
	*) usage 2 >&2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage 2 >&2

msg() { echo "$me: $*"; }
die() { echo "$me: error: $*" >&2; exit 1; }

# Run a command, hiding its output unless -v; on failure show the tail of
# its log and name what failed.
run() {
	local what=$1
	shift
	if [ "$verbose" = 1 ]; then
		"$@" || die "$what failed (command: $*)"
	else
		local log
		log=$(mktemp "${TMPDIR:-/tmp}/$me.XXXXXX")
		if ! "$@" >"$log" 2>&1; then
			echo "$me: error: $what failed (command: $*); last output:" >&2
			tail -n 30 "$log" >&2
			rm -f "$log"
			exit 1
		fi
		rm -f "$log"
	fi
}

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# The kernel's name of the target architecture, and the cross tools' prefix.
case $arch in
"") karch=x86 cross= ;;
arm64) karch=arm64 cross=aarch64-linux-gnu- ;;
armhf) karch=arm cross=arm-linux-gnueabihf- ;;
*) die "-a $arch: unknown architecture; use arm64 or armhf" ;;
esac
prefix=$top/deps/libperf${arch:+-$arch}
cache=$top/deps/cache
pcdir=$prefix/lib/pkgconfig
pcfile=$pcdir/libperf.pc

# --- quick exit if already installed -------------------------------------

installed_ok() {
	[ -f "$pcfile" ] || return 1
	[ -f "$prefix/lib/libperf.a" ] || return 1
	[ -f "$prefix/lib/libapi.a" ] || return 1
	[ -f "$prefix/include/perf/core.h" ] || return 1
	grep -q -- '-lapi' "$pcfile" || return 1
	grep -q '^kernel_version=[0-9]*\.[0-9]*\.[0-9]*$' "$pcfile" || return 1
	if command -v pkg-config >/dev/null 2>&1; then
		PKG_CONFIG_PATH=$pcdir pkg-config --exists libperf || return 1
	fi
}

if [ "$force" = 0 ] && installed_ok; then
	[ "$verbose" = 1 ] && msg "libperf already installed in $prefix"
	exit 0
fi

# --- prerequisites -------------------------------------------------------

as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run: $* (install the packages by hand)"
	fi
}

missing=()
command -v make >/dev/null 2>&1 || missing+=(make)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v ar >/dev/null 2>&1 || missing+=(binutils)
if [ -n "$cross" ] && ! command -v "${cross}gcc" >/dev/null 2>&1; then
	missing+=("gcc-${cross%-}")
fi
command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
# installed libperf headers include <linux/perf_event.h> etc.
[ -f /usr/include/linux/perf_event.h ] || missing+=(linux-libc-dev)
if [ ${#missing[@]} -gt 0 ]; then
	msg "installing ${missing[*]} ..."
	run "apt-get update" as_root apt-get update
	run "apt-get install ${missing[*]}" \
		as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "${missing[@]}"
fi

mkdir -p "$cache" || die "cannot create $cache"

# --- find / download the linux-source .deb --------------------------------

srcpkg_from_apt() {
	apt-cache depends linux-source 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-source-[0-9]/ { print $2; exit }'
}

pkg=${LINUX_SOURCE_PKG:-}
deb=
if [ -z "$pkg" ]; then
	# Prefer whatever is already cached: no network needed.
	deb=$(ls -1 "$cache"/linux-source-[0-9]*_all.deb 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -n "$deb" ]; then
		pkg=$(basename "$deb")
		pkg=${pkg%%_*}
	fi
else
	deb=$(ls -1 "$cache/${pkg}"_*_all.deb 2>/dev/null | sort -V | tail -n 1 || true)
fi

if [ -z "$deb" ]; then
	if [ -z "$pkg" ]; then
		pkg=$(srcpkg_from_apt)
		if [ -z "$pkg" ]; then
			msg "apt-cache knows no linux-source; running apt-get update ..."
			run "apt-get update" as_root apt-get update
			pkg=$(srcpkg_from_apt)
		fi
		[ -n "$pkg" ] || die "cannot determine the linux-source-X.Y package (apt-cache depends linux-source gave nothing)"
	fi
	msg "downloading $pkg (~140 MB) ..."
	dl=$cache/download.tmp
	rm -rf "$dl"
	mkdir -p "$dl"
	(cd "$dl" && run "apt-get download $pkg" \
		apt-get download -o APT::Sandbox::User=root "$pkg")
	deb=$(ls -1 "$dl/${pkg}"_*_all.deb 2>/dev/null | head -n 1 || true)
	[ -n "$deb" ] || die "apt-get download $pkg produced no .deb"
	mv -f "$deb" "$cache/" || die "cannot move $deb to $cache"
	rm -rf "$dl"
	deb=$cache/$(basename "$deb")
fi

# e.g. linux-source-6.1_6.1.192-2_all.deb -> ver 6.1.192-2, series 6.1
debname=$(basename "$deb")
ver=${debname#*_}
ver=${ver%_all.deb}
series=${pkg#linux-source-}
srcdir=$cache/linux-source-$ver

# --- extract just the bits libperf needs ----------------------------------

# The source's own version: its top Makefile's VERSION.PATCHLEVEL.SUBLEVEL
# (Debian's package version need not say it). Caches from before the
# Makefile was extracted are extracted again.
if [ ! -f "$srcdir/Makefile" ]; then
	rm -f "$srcdir/.extracted"
fi
if [ ! -f "$srcdir/.extracted" ]; then
	msg "extracting tools/lib/perf from $debname ..."
	tmp=$srcdir.tmp
	rm -rf "$tmp" "$srcdir"
	mkdir -p "$tmp"
	inner=./usr/src/linux-source-$series.tar.xz
	members=()
	for m in Makefile tools/lib/perf tools/lib/api tools/lib/zalloc.c \
		tools/lib/str_error_r.c tools/include tools/arch/x86/include \
		tools/arch/arm64/include tools/arch/arm/include \
		tools/build tools/scripts; do
		members+=("linux-source-$series/$m")
	done
	# The .deb's data is not recompressed; stream the inner .tar.xz
	# straight into tar instead of writing 140 MB to disk.
	if ! dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "$inner" |
		tar -xJf - -C "$tmp" --strip-components=1 "${members[@]}"; then
		rm -rf "$tmp"
		die "extracting ${members[*]} from $inner in $deb failed (corrupt download? delete $deb and retry)"
	fi
	touch "$tmp/.extracted"
	mv "$tmp" "$srcdir"
fi

# An extraction of an older version of this script lacks the arm headers.
if [ ! -d "$srcdir/tools/arch/$karch/include" ]; then
	msg "extracting tools/arch/$karch/include from $debname ..."
	dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "./usr/src/linux-source-$series.tar.xz" |
		tar -xJf - -C "$srcdir" --strip-components=1 \
			"linux-source-$series/tools/arch/$karch/include" ||
		die "extracting tools/arch/$karch/include from $deb failed"
fi
kernel_var() { sed -n "s/^$1 = *\([0-9]*\)$/\1/p" "$srcdir/Makefile" | head -n 1; }
kernel_version=$(kernel_var VERSION).$(kernel_var PATCHLEVEL).$(kernel_var SUBLEVEL)
case $kernel_version in
[0-9]*.[0-9]*.[0-9]*) ;;
*) die "cannot read the kernel version from $srcdir/Makefile (got '$kernel_version')" ;;
esac

# --- build and install ----------------------------------------------------

if [ -z "$cross" ]; then
	case $(uname -m) in
	x86_64 | i?86) ;;
	*) die "only x86 hosts build a native libperf here; cross-build with -a ARCH" ;;
	esac
fi

# A cross build works on its own copy of the sources: the objects of every
# architecture are written next to them.
build=$srcdir
if [ -n "$cross" ]; then
	build=$cache/libperf-build-$arch
	rm -rf "$build"
	cp -a "$srcdir" "$build"
	find "$build" \( -name '*.o' -o -name '*.a' -o -name '*.so*' -o -name '.*.cmd' -o \
		-name '*.d' \) -delete
fi

msg "building libperf${arch:+ for $arch} from linux-source $ver ..."
stage=$prefix.tmp
rm -rf "$stage"
# EXTRA_CFLAGS (not CFLAGS) reaches both libperf and libapi without
# clobbering their own flags; libperf has no -O by default.
run "make -C tools/lib/perf (libperf build)" \
	make -C "$build/tools/lib/perf" -j"$(nproc 2>/dev/null || echo 2)" \
	${cross:+ARCH=$karch CROSS_COMPILE=$cross} \
	EXTRA_CFLAGS="-O2" prefix="$stage" libdir="$stage/lib" \
	install_lib install_headers install_pkgconfig

# Static only: with libperf.so present, -lperf would pick it and need rpath.
rm -f "$stage"/lib/libperf.so*

# libapi.a as built is one big relocatable object (libapi-in.o) that would
# drag all of tools/lib/api into the program; archive the individual
# objects so only what is used (fd/array.o for fdarray__*) gets linked.
mapfile -t apiobjs < <(cd "$build/tools/lib/api" &&
	find . -name '*.o' ! -name '*-in.o' | sort)
[ ${#apiobjs[@]} -gt 0 ] || die "no tools/lib/api objects found after the build"
(cd "$build/tools/lib/api" &&
	run "ar (libapi.a)" "${cross}ar" rcsD "$stage/lib/libapi.a" "${apiobjs[@]}")

gen=$stage/lib/pkgconfig/libperf.pc
[ -f "$gen" ] || die "make install_pkgconfig did not produce libperf.pc"
version=$(sed -n 's/^Version: *//p' "$gen")
[ -n "$version" ] || die "no Version in generated libperf.pc"
cat >"$gen" <<EOF
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# libperf from linux $kernel_version ($pkg $ver), built by scripts/build-libperf.sh${arch:+ for $arch}.
# Static only; libapi provides the fdarray__* functions libperf uses.
# kernel_version is the linux source's own version: configure checks it
# (pkg-config --variable=kernel_version libperf).

kernel_version=$kernel_version
source_package=$pkg $ver
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: libperf
Description: perf library (Linux tools/lib/perf)
Version: $version
Libs: -L\${libdir} -lperf -lapi
Cflags: -I\${includedir}
EOF

rm -rf "$prefix"
mv "$stage" "$prefix"
[ -z "$cross" ] || rm -rf "$build"
installed_ok || die "installation in $prefix is incomplete"
msg "installed libperf $version (linux $kernel_version) in $prefix"
msg "use: PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs libperf"
