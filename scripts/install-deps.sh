#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what building and testing kptrace needs on Debian 12, then build libperf
# (which Debian does not package) into deps/libperf. Idempotent; needs root for apt.
#   scripts/install-deps.sh [--without-libperf]
# --without-libperf: for a kptrace configured --without-libperf; no linux-source download.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
with_libperf=1
case ${1:-} in
--without-libperf) with_libperf=0 ;;
"") ;;
*) echo "usage: $0 [--without-libperf]" >&2; exit 2 ;;
esac

packages=(
	build-essential autoconf automake libtool pkg-config
	libtracefs-dev libtraceevent-dev libtracecmd-dev libelf-dev libjson-c-dev check
	jq trace-cmd time valgrind clang libclang-rt-dev libmicrohttpd-dev
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
		{ apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
fi
if ((with_libperf)); then
	"$top/scripts/build-libperf.sh"
fi
