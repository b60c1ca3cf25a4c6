#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cross-build.sh - build kptrace for an arm64 or armhf board on a Debian 12 PC.
#
#   scripts/cross-build.sh [--builddir DIR] ARCH [CONFIGURE-ARGS...]   ARCH: arm64 or armhf
#   scripts/cross-build.sh --sysroot-only ARCH      only the sysroot
#
# 1. Installs the cross compiler (gcc-aarch64-linux-gnu or gcc-arm-linux-gnueabihf,
#    with the target's glibc), qemu-system-arm, and the build tools.
# 2. Builds a sysroot in deps/sysroot-ARCH from the target's own .deb files,
#    fetched with `apt-get download` and unpacked with `dpkg-deb -x`. Nothing of
#    the target is installed on this machine: Debian 12's libtracecmd is not
#    Multi-Arch, so installing libtracecmd-dev:ARCH would remove this machine's
#    own. apt runs with a private configuration and package lists (in
#    deps/cache/apt-ARCH) that ask for ARCH only, so this machine's apt and dpkg
#    state is untouched. The .deb files are kept in deps/cache/debs-ARCH.
# 3. Cross-builds libperf into deps/libperf-ARCH (scripts/build-libperf.sh -a),
#    unless --without-libperf is among CONFIGURE-ARGS.
# 4. Runs configure --host=TRIPLET in build-ARCH/ (or DIR) and make. pkg-config sees only
#    the sysroot's .pc files and libperf's (PKG_CONFIG_LIBDIR): there is no
#    TRIPLET-pkg-config, and the build machine's .pc files would be wrong. The
#    sysroot's .pc files get the sysroot's path as their prefix when they are
#    unpacked (PKG_CONFIG_SYSROOT_DIR would also prefix libperf's paths, which
#    lie outside the sysroot).
#
# The one file to copy to the board is what
#   scripts/cross-build.sh ARCH --enable-static-binary --without-libtracecmd
# builds: build-ARCH/src/kptrace, static and stripped. A second run downloads
# nothing and rebuilds only what changed.
set -euo pipefail

me=cross-build
msg() { echo "$me: $*"; }
die() { echo "$me: error: $*" >&2; exit 1; }

sysroot_only=0
builddir=
if [ "${1:-}" = --sysroot-only ]; then
	sysroot_only=1
	shift
elif [ "${1:-}" = --builddir ] && [ $# -ge 2 ]; then
	builddir=$(realpath -m "$2")
	shift 2
fi
[ $# -ge 1 ] || die "usage: $0 [--sysroot-only] arm64|armhf [CONFIGURE-ARGS...]"
arch=$1
shift
case $arch in
arm64) triplet=aarch64-linux-gnu ;;
armhf) triplet=arm-linux-gnueabihf ;;
*) die "unknown architecture '$arch': use arm64 or armhf" ;;
esac

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
deps=$top/deps
sysroot=$deps/sysroot-$arch
aptdir=$deps/cache/apt-$arch
debs=$deps/cache/debs-$arch
builddir=${builddir:-$top/build-$arch}

with_libperf=1
for arg in "$@"; do
	[ "$arg" = --without-libperf ] && with_libperf=0
done

# The target's packages in the sysroot: kptrace's libraries and their -dev
# packages (libc comes with the cross compiler), check for the unit tests, and
# busybox for the VM tests' guests.
target_packages=(
	libtracefs1 libtracefs-dev libtraceevent1 libtraceevent-dev
	libtracecmd1 libtracecmd-dev libelf1 libelf-dev zlib1g zlib1g-dev
	libzstd1 libzstd-dev libjson-c5 libjson-c-dev check libsubunit0 libsubunit-dev
	busybox-static
)

# --- 1. tools on this machine ------------------------------------------------

host_packages=(
	"gcc-$triplet" "libc6-dev-$arch-cross" "linux-libc-dev-$arch-cross" qemu-system-arm
	build-essential autoconf automake libtool pkg-config xz-utils
)
missing=()
for p in "${host_packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}; run this script as root"
	msg "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends \
			"${missing[@]}" >/dev/null; } || die "apt-get install ${missing[*]} failed"
fi

# --- 2. the sysroot ----------------------------------------------------------

# apt for the target architecture only, with its own lists; this machine's
# sources.
target_apt() {
	local -a opts=(
		-o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
		-o "Dir::State=$aptdir/state" -o "Dir::State::Lists=$aptdir/lists"
		-o "Dir::State::status=$aptdir/status" -o "Dir::Cache=$aptdir/cache"
		-o APT::Sandbox::User=root -q
	)
	"$@" "${opts[@]}"
}

# The cached .deb of package $1, if any.
cached_deb() {
	ls "$debs/$1"_*_"$arch".deb "$debs/$1"_*_all.deb 2>/dev/null | head -n 1 || true
}

fetch_debs() {
	local -a want=()
	local p
	mkdir -p "$aptdir/lists/partial" "$aptdir/state" "$aptdir/cache/archives/partial" "$debs"
	touch "$aptdir/status"
	for p in "${target_packages[@]}"; do
		[ -n "$(cached_deb "$p")" ] || want+=("$p")
	done
	[ ${#want[@]} -gt 0 ] || return 0
	if ! ls "$aptdir"/lists/*Packages* >/dev/null 2>&1; then
		msg "reading Debian's package lists for $arch"
		target_apt apt-get update >/dev/null || die "apt-get update for $arch failed"
	fi
	msg "downloading ${#want[@]} $arch packages: ${want[*]}"
	(cd "$debs" && target_apt apt-get download "${want[@]}" >/dev/null) ||
		die "apt-get download of the $arch packages failed"
}

# Unpack every cached .deb into the sysroot, and point the .pc files at it.
build_sysroot() {
	local stamp=$sysroot/.debs p deb list=
	for p in "${target_packages[@]}"; do
		deb=$(cached_deb "$p")
		[ -n "$deb" ] || die "no .deb of $p in $debs"
		list+="$(basename "$deb")"$'\n'
	done
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(printf '%s' "$list")" ]; then
		return 0
	fi
	msg "unpacking the $arch sysroot into $sysroot"
	rm -rf "$sysroot.tmp"
	mkdir -p "$sysroot.tmp"
	for p in "${target_packages[@]}"; do
		dpkg-deb -x "$(cached_deb "$p")" "$sysroot.tmp" || die "dpkg-deb -x of $p failed"
	done
	# prefix=/usr and the like become the sysroot's paths.
	find "$sysroot.tmp" -name '*.pc' -exec sed -i \
		"s|^\([A-Za-z_]*\)=/usr|\1=$sysroot/usr|" {} +
	printf '%s' "$list" >"$sysroot.tmp/.debs"
	rm -rf "$sysroot"
	mv "$sysroot.tmp" "$sysroot"
	# The .pc files now name $sysroot, the path it has from now on.
}

fetch_debs
build_sysroot
((sysroot_only)) && exit 0

# --- 3. libperf for the target ----------------------------------------------

if ((with_libperf)); then
	"$top/scripts/build-libperf.sh" -a "$arch"
fi

# --- 4. configure and build ---------------------------------------------------

if [ ! -x "$top/configure" ] || [ "$top/configure.ac" -nt "$top/configure" ] ||
   [ "$top/Makefile.am" -nt "$top/Makefile.in" ]; then
	(cd "$top" && autoreconf -fi >/dev/null)
fi
libdirs=$sysroot/usr/lib/$triplet:$sysroot/lib/$triplet
export PKG_CONFIG_LIBDIR=$sysroot/usr/lib/$triplet/pkgconfig:$sysroot/usr/share/pkgconfig
((with_libperf)) && PKG_CONFIG_LIBDIR+=:$deps/libperf-$arch/lib/pkgconfig
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
mkdir -p "$builddir"
cd "$builddir"
start=$(date +%s)
# libelf.h and gelf.h are in the sysroot's /usr/include, which no .pc file names;
# -rpath-link lets the linker follow the shared libraries' own dependencies.
"$top/configure" --host="$triplet" --enable-werror PKG_CONFIG=pkg-config \
	CPPFLAGS="-isystem $sysroot/usr/include" \
	LDFLAGS="-Wl,-rpath-link=$libdirs" "$@" >configure.out ||
	{ tail -20 configure.out; exit 1; }
sed -n '/kptrace .* configured/,$p' configure.out
make -j"$(nproc)" all
msg "built $builddir/src/kptrace for $arch in $(($(date +%s) - start)) s"
