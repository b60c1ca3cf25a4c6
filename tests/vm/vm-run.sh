#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vm-run.sh: run a shell script as root inside a throw-away qemu VM that boots
# Debian's cloud kernel (which has kprobes, unlike some host kernels).
#
#   tests/vm/vm-run.sh [--arch ARCH] [--kernel SUITE] [--timeout SECS] [--out DIR]
#                      [--bin FILE]... [--root DIR] [--busybox FILE] -- GUEST_SCRIPT
#
# The guest is an initramfs built on the fly: a static busybox, GUEST_SCRIPT,
# and every --bin FILE, each at the same absolute path as on this host,
# together with the shared libraries and the dynamic loader that `ldd` names
# for it (and this host's /etc/ld.so.cache). Its /init mounts proc, sysfs,
# devtmpfs, tracefs (/sys/kernel/tracing) and debugfs (/sys/kernel/debug),
# runs GUEST_SCRIPT with busybox `sh` from /, prints `KPT-VM-EXIT=<status>`
# on the serial console and powers off. The guest has KPT_VM=1 in its
# environment and no network and no disk; /tmp and / are writable (RAM).
#
# The console is streamed to stdout without \r (and to DIR/console.log with
# --out). In the guest, `kpt_vm_export FILE [NAME]` sends a file (a few MB
# at most) to the host: it is written as DIR/NAME (default NAME: FILE's base
# name) once the VM has stopped. The transfer is gzip + base64 over the
# console between `KPT-VM-FILE-BEGIN NAME MD5` and `KPT-VM-FILE-END NAME`
# lines, and is checked against the MD5.
#
# Exit status: GUEST_SCRIPT's, or 77 (automake "skip") when qemu, busybox
# or the kernel cannot be had, or 99 (automake "hard error") on a usage
# error, a corrupt export, a timeout (default 120 s; qemu is killed) or a
# guest that stopped without printing its exit status (panic, crash).
#
# The kernel is the image that linux-image-cloud-amd64 depends on, fetched
# with `apt-get download` and cached as tests/vm/cache/vmlinuz-<version>
# (override the folder with KPT_VM_CACHE; delete an image to get a newer one).
# As root, missing qemu-system-x86 and busybox-static are installed with
# apt-get. KVM is used when /dev/kvm is usable and is not the nested-PVM kind
# (/sys/module/kvm_pvm), else TCG.
#
# --kernel SUITE picks the Debian release whose x86_64 cloud kernel boots:
# bullseye (Linux 5.10), bookworm (6.1, the default: this host's own apt
# sources) or trixie (6.12). bullseye's and trixie's packages are fetched
# through a private apt configuration, a sources.list naming this host's
# Debian mirror (from /etc/apt/sources.list.d/debian.sources or
# /etc/apt/sources.list, else deb.debian.org) and that suite, with its lists and
# downloads in the cache folder's apt-SUITE; the host's sources and package state
# are never touched. Each suite's kernel has its own version line (5.10, 6.1,
# 6.12), and the cached image used is the newest of that line, so one suite's
# image is never taken for another's.
#
# --arch arm64 boots the kernel of linux-image-cloud-arm64 under
# qemu-system-aarch64 (-M virt -cpu cortex-a57), --arch armhf that of
# linux-image-armmp under qemu-system-arm (-M virt,highmem=off -cpu
# cortex-a15), both in software emulation; their packages are fetched with a
# private apt configuration for that architecture (lists in the cache folder),
# never installed. Their guests need --busybox, a static busybox of the
# target (scripts/cross-build.sh unpacks one into deps/sysroot-ARCH/bin), and
# --bin files are copied without their libraries (ldd cannot read them):
# static binaries, or libraries given with --root DIR, whose tree is copied
# into the guest's root as it is.

set -u

readonly EXIT_SKIP=77 EXIT_HARD=99
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || exit $EXIT_HARD
readonly cache=${KPT_VM_CACHE:-$here/cache}
arch=x86_64
suite=bookworm
busybox=
root_dirs=()

timeout_secs=120
out_dir=
bins=()
guest_script=
work=
qemu_pid=

note() { echo "vm-run: $*" >&2; }
die() { note "error: $*"; exit $EXIT_HARD; }
skip() { note "skipped: $*"; exit $EXIT_SKIP; }

usage() {
	echo "usage: $0 [--arch ARCH] [--kernel SUITE] [--timeout SECS] [--out DIR] [--bin FILE]..." \
		"[--root DIR] [--busybox FILE] -- GUEST_SCRIPT" >&2
	exit $EXIT_HARD
}

parse_args() {
	while (($#)); do
		case $1 in
		--timeout)
			(($# >= 2)) || usage
			[[ $2 =~ ^[1-9][0-9]*$ ]] || die "--timeout wants whole seconds, got '$2'"
			timeout_secs=$2
			shift 2 ;;
		--out)
			(($# >= 2)) || usage
			out_dir=$2
			shift 2 ;;
		--arch)
			(($# >= 2)) || usage
			[[ $2 =~ ^(x86_64|arm64|armhf)$ ]] || die "--arch wants x86_64, arm64 or armhf, got '$2'"
			arch=$2
			shift 2 ;;
		--kernel)
			(($# >= 2)) || usage
			[[ $2 =~ ^(bullseye|bookworm|trixie)$ ]] ||
				die "--kernel wants bullseye, bookworm or trixie, got '$2'"
			suite=$2
			shift 2 ;;
		--busybox)
			(($# >= 2)) || usage
			[[ -f $2 ]] || die "--busybox $2: no such file"
			busybox=$(realpath -s -- "$2")
			shift 2 ;;
		--root)
			(($# >= 2)) || usage
			[[ -d $2 ]] || die "--root $2: no such folder"
			root_dirs+=("$2")
			shift 2 ;;
		--bin)
			(($# >= 2)) || usage
			[[ -f $2 ]] || die "--bin $2: no such file"
			bins+=("$(realpath -s -- "$2")")
			shift 2 ;;
		--)
			(($# == 2)) || usage
			[[ -f $2 ]] || die "guest script $2: no such file"
			guest_script=$(realpath -s -- "$2")
			shift 2 ;;
		*)
			usage ;;
		esac
	done
	[[ -n $guest_script ]] || usage
	[[ $suite == bookworm || $arch == x86_64 ]] ||
		die "--kernel $suite is for x86_64 only; --arch $arch boots bookworm's kernel"
	if [[ -n $out_dir ]]; then
		mkdir -p -- "$out_dir" || die "cannot create $out_dir"
	fi
}

# apt-get install PACKAGE..., running apt-get update first only if that fails.
apt_install() {
	local -a cmd=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q
		--no-install-recommends "$@")
	note "installing $*"
	"${cmd[@]}" >&2 && return 0
	apt-get update -q >&2 && "${cmd[@]}" >&2
}

find_busybox() {
	local bb
	if [[ -n $busybox ]]; then
		echo "$busybox"
		return 0
	fi
	[[ $arch == x86_64 ]] || return 1
	for bb in /bin/busybox /usr/bin/busybox; do
		[[ -x $bb ]] && { echo "$bb"; return 0; }
	done
	return 1
}

# Make sure qemu and busybox are there, installing them when we are root.
ensure_tools() {
	local -a missing=()
	case $arch in
	x86_64) command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86) ;;
	arm64) command -v qemu-system-aarch64 >/dev/null || missing+=(qemu-system-arm) ;;
	armhf) command -v qemu-system-arm >/dev/null || missing+=(qemu-system-arm) ;;
	esac
	[[ $arch != x86_64 ]] || find_busybox >/dev/null || missing+=(busybox-static)
	command -v cpio >/dev/null || missing+=(cpio)
	((${#missing[@]})) || return 0
	((EUID == 0)) || skip "${missing[*]} not installed, and installing needs root"
	command -v apt-get >/dev/null || skip "${missing[*]} not installed, and no apt-get"
	apt_install "${missing[@]}" || skip "could not install ${missing[*]}"
}

# The kernel meta-package of $arch, the suffix of its images' names, and the
# version line of $suite's kernels (an image vmlinuz-LINE.*-SUFFIX is $suite's).
kernel_meta() {
	local line
	case $suite in
	bullseye) line=5.10 ;;
	bookworm) line=6.1 ;;
	trixie) line=6.12 ;;
	esac
	case $arch in
	x86_64) echo "linux-image-cloud-amd64 cloud-amd64 $line" ;;
	arm64) echo "linux-image-cloud-arm64 cloud-arm64 $line" ;;
	armhf) echo "linux-image-armmp armmp $line" ;;
	esac
}

# This host's Debian mirror, for a private sources.list of another suite.
debian_mirror() {
	local url
	url=$(sed -n 's/^URIs: *\(https\{0,1\}:[^ ]*\).*/\1/p' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v -- '-security' | head -n 1)
	[[ -n $url ]] || url=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\(https\{0,1\}:[^ ]*\) .*/\2/p' \
		/etc/apt/sources.list 2>/dev/null | grep -v -- '-security' | head -n 1)
	echo "${url:-http://deb.debian.org/debian}"
}

# apt-get or apt-cache for $arch and $suite: this machine's own for bookworm's
# x86_64 kernel, else with a private configuration and package lists for that
# architecture (arm: the host's sources) or that suite (x86_64: a sources.list
# of its own) only.
target_apt() {
	local dir=$cache/apt-$arch dpkg_arch=$arch
	local -a sources=()
	if [[ $arch == x86_64 ]]; then
		if [[ $suite == bookworm ]]; then
			"$@"
			return
		fi
		dir=$cache/apt-$suite dpkg_arch=amd64
		sources=(-o "Dir::Etc::sourcelist=$dir/sources.list" -o "Dir::Etc::sourceparts=-")
	fi
	mkdir -p "$dir/lists/partial" "$dir/state" "$dir/cache/archives/partial" || return 1
	[[ -f $dir/status ]] || : >"$dir/status"
	if ((${#sources[@]})) && [[ ! -s $dir/sources.list ]]; then
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
			"$(debian_mirror) $suite main" >"$dir/sources.list" || return 1
	fi
	"$@" -o "APT::Architecture=$dpkg_arch" -o "APT::Architectures::=$dpkg_arch" \
		"${sources[@]}" \
		-o "Dir::State=$dir/state" -o "Dir::State::Lists=$dir/lists" \
		-o "Dir::State::status=$dir/status" -o "Dir::Cache=$dir/cache"
}

# The kernel image package that the meta-package depends on.
kernel_package() {
	local meta
	read -r meta _ <<<"$(kernel_meta)"
	target_apt apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[^ <>:]*\)\(:[a-z0-9]*\)\{0,1\}$/\1/p' | head -n 1
}

# Print the path of the newest cached vmlinuz of $suite, downloading one if
# there is none.
kernel_image() {
	local pkg kver dl meta flavour line
	read -r meta flavour line <<<"$(kernel_meta)"
	dl=$(printf '%s\n' "$cache/vmlinuz-$line".*-"$flavour" | sort -V | tail -n 1)
	if [[ -f $dl ]]; then
		echo "$dl"
		return 0
	fi
	command -v apt-get >/dev/null || skip "no kernel in $cache, and no apt-get to fetch one"
	pkg=$(kernel_package)
	if [[ -z $pkg ]] && ((EUID == 0)); then
		target_apt apt-get update -q >&2 && pkg=$(kernel_package)
	fi
	[[ -n $pkg ]] || skip "apt-cache cannot resolve $meta of $suite"
	kver=${pkg#linux-image-}
	[[ $kver == "$line".* ]] || die "$meta of $suite is $pkg, not of Linux $line"

	mkdir -p -- "$cache" || die "cannot create $cache"
	dl=$(mktemp -d "$cache/download.XXXXXX") || die "cannot write to $cache"
	note "downloading $pkg into $cache"
	local -a apt_opts=()
	((EUID == 0)) && apt_opts=(-o APT::Sandbox::User=root)
	if ! (cd "$dl" && target_apt apt-get download -q "${apt_opts[@]}" "$pkg") >&2; then
		rm -rf -- "$dl"
		skip "apt-get download $pkg failed"
	fi
	if ! dpkg-deb --fsys-tarfile "$dl"/*.deb | tar -x -C "$dl" "./boot/vmlinuz-$kver"; then
		rm -rf -- "$dl"
		die "no ./boot/vmlinuz-$kver in $pkg"
	fi
	# A rename, so that concurrent runs never see a partial image.
	mv -f -- "$dl/boot/vmlinuz-$kver" "$cache/vmlinuz-$kver" || die "cannot write to $cache"
	rm -rf -- "$dl"
	echo "$cache/vmlinuz-$kver"
}

# Copy host file SRC into the guest root at path DEST (default: SRC).
install_file() {
	local src=$1 dest=${2:-$1}
	if ! mkdir -p -- "$work/root${dest%/*}" ||
		! cp -L --remove-destination -- "$src" "$work/root$dest"; then
		die "cannot copy $src into the initramfs"
	fi
}

# Copy FILE and, if it is dynamically linked, every library ldd names for it.
install_binary() {
	local file=$1 line lib
	install_file "$file"
	local ldd_out
	ldd_out=$(LC_ALL=C ldd "$file" 2>/dev/null) || return 0 # static, or not ELF
	while read -r line; do
		case $line in
		*"=> not found"*) die "$file: ${line%% *} not found by ldd" ;;
		*" => /"*) lib=${line#* => } ;; # libc.so.6 => /lib/.../libc.so.6 (0x...)
		/*) lib=$line ;;                # /lib64/ld-linux-x86-64.so.2 (0x...)
		*) continue ;;                  # linux-vdso.so.1 (0x...)
		esac
		install_file "${lib%% (*}"
	done <<<"$ldd_out"
}

# The guest's /init.
write_init() {
	local quoted_script=${guest_script//\'/\'\\\'\'} # ' becomes '\''
	cat >"$work/root/init" <<-EOF
	#!/bin/busybox sh
	# Generated by vm-run.sh: set up the guest, run the payload, power off.
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	export HOME=/root KPT_VM=1
	/bin/busybox mount -t proc proc /proc
	# Applet links; this leaves the payload's files alone.
	/bin/busybox --install -s
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	# The kernel found no /dev/console in the initramfs: open it now.
	exec </dev/console >/dev/console 2>&1
	mount -t debugfs debugfs /sys/kernel/debug
	mount -t tracefs tracefs /sys/kernel/tracing
	cd /
	sh '$quoted_script' </dev/null
	echo "KPT-VM-EXIT=\$?"
	# If this fails, init exits, the kernel panics and qemu stops (-no-reboot).
	exec poweroff -f
	EOF
	chmod 755 "$work/root/init"
}

# The guest's kpt_vm_export command.
write_export_helper() {
	cat >"$work/root/bin/kpt_vm_export" <<-'EOF'
	#!/bin/sh
	# kpt_vm_export FILE [NAME]: send FILE to the host, saved as NAME in
	# vm-run.sh's --out folder (NAME defaults to FILE's base name).
	if [ $# -lt 1 ] || [ $# -gt 2 ]; then
		echo "usage: kpt_vm_export FILE [NAME]" >&2
		exit 2
	fi
	if [ ! -f "$1" ] || [ ! -r "$1" ]; then
		echo "kpt_vm_export: $1: not a readable file" >&2
		exit 1
	fi
	name=${2:-${1##*/}}
	case $name in
	''|.*|*[!A-Za-z0-9._+-]*)
		echo "kpt_vm_export: bad name '$name' (want [A-Za-z0-9._+-], no leading dot)" >&2
		exit 2 ;;
	esac
	sum=$(md5sum <"$1") || exit 1
	# Keep kernel messages from landing in the middle of the encoded lines.
	read -r level rest </proc/sys/kernel/printk
	echo 1 >/proc/sys/kernel/printk
	{
		echo "KPT-VM-FILE-BEGIN $name ${sum%% *}"
		gzip -c <"$1" | base64
		echo "KPT-VM-FILE-END $name"
	} >/dev/console
	echo "$level" >/proc/sys/kernel/printk
	EOF
	chmod 755 "$work/root/bin/kpt_vm_export"
}

# Build $work/initrd.gz from busybox, the payload and the generated scripts.
build_initramfs() {
	local bb bin dir
	bb=$(find_busybox) || skip "no busybox (an $arch guest needs --busybox FILE)"
	mkdir -p "$work/root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root} ||
		die "cannot create $work/root"
	chmod 1777 "$work/root/tmp"
	if [[ $arch == x86_64 ]]; then
		install_binary "$bb"
		[[ $bb == /bin/busybox ]] || install_file "$bb" /bin/busybox
		# The libraries sit at their host paths, so the host's cache finds them.
		[[ -f /etc/ld.so.cache ]] && install_file /etc/ld.so.cache
	else
		install_file "$bb" /bin/busybox
	fi
	for bin in "${bins[@]}"; do
		if [[ $arch == x86_64 ]]; then
			install_binary "$bin"
		else
			install_file "$bin"
		fi
	done
	for dir in "${root_dirs[@]}"; do
		cp -a -- "$dir/." "$work/root/" || die "cannot copy $dir into the initramfs"
	done
	install_file "$guest_script"
	write_init
	write_export_helper
	(cd "$work/root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) |
		gzip -1 >"$work/initrd.gz" || die "cannot build the initramfs"
}

# The qemu command line: KVM where it works, else TCG; arm in TCG.
qemu_command() {
	local accel=(-machine "pc,accel=tcg" -cpu max) qemu=qemu-system-x86_64 console=ttyS0
	if [[ -r /dev/kvm && -w /dev/kvm && ! -e /sys/module/kvm_pvm ]]; then
		accel=(-machine "pc,accel=kvm:tcg" -cpu host)
	fi
	case $arch in
	arm64)
		# -cpu max emulates pointer authentication, which makes the boot 4x slower.
		qemu=qemu-system-aarch64 accel=(-machine virt -cpu cortex-a57) console=ttyAMA0 ;;
	armhf)
		qemu=qemu-system-arm accel=(-machine virt,highmem=off -cpu cortex-a15)
		console=ttyAMA0 ;;
	esac
	qemu_cmd=("$qemu" "${accel[@]}" -nodefaults -display none -no-reboot
		-serial stdio -m 512 -kernel "$1" -initrd "$work/initrd.gz"
		-append "console=$console quiet panic=-1")
}

# Read the console on stdin: echo it to stdout and to the log file, and save
# the base64 lines of each exported file as $work/exports/NAME.b64, with the
# expected MD5 in NAME.md5 once the block is complete.
# shellcheck disable=SC2016 # awk, not shell
readonly CONSOLE_FILTER='
function show(s) {
	print s
	fflush()
	print s >> logf
	fflush(logf)
}
name != "" {
	if ($0 == "KPT-VM-FILE-END " name) {
		close(b64)
		print sum > (xdir "/" name ".md5")
		close(xdir "/" name ".md5")
		show($0 "  (" bytes " bytes of base64)")
		name = ""
	} else if ($0 ~ /^[A-Za-z0-9+\/=]*$/) {
		print > b64
		bytes += length($0)
	} else {
		show($0)	# stray output; the MD5 check will tell if it did harm
	}
	next
}
(i = index($0, "KPT-VM-FILE-BEGIN ")) > 0 {
	if (i > 1)
		show(substr($0, 1, i - 1))	# the end of an unterminated line
	split(substr($0, i), f, " ")
	if (f[2] ~ /^[A-Za-z0-9_+-][A-Za-z0-9._+-]*$/) {
		name = f[2]
		sum = f[3]
		b64 = xdir "/" name ".b64"
		printf "" > b64
		bytes = 0
	}
	show(substr($0, i))
	next
}
{ show($0) }
'

# On exit: stop qemu if it still runs (we were interrupted), remove $work.
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [[ -n $qemu_pid ]]; then
		kill "$qemu_pid" 2>/dev/null # timeout(1) passes it on to qemu
		wait # for qemu and the console reader
	fi
	if [[ -n $work ]]; then
		rm -rf -- "$work"
	fi
}

# Boot the VM and stream its console; sets qemu_status (124: timed out).
run_vm() {
	local log=$1
	mkfifo "$work/console" || die "cannot create a fifo in $work"
	mkdir -p "$work/exports"
	: >"$log" || die "cannot write $log"
	timeout -k 5 "$timeout_secs" "${qemu_cmd[@]}" </dev/null >"$work/console" 2>&1 &
	qemu_pid=$!
	# In the background too, so that a signal (trap) need not wait for it.
	tr -d '\r' <"$work/console" |
		awk -v logf="$log" -v xdir="$work/exports" "$CONSOLE_FILTER" &
	wait $! # the reader ends when qemu closes the console
	wait "$qemu_pid"
	qemu_status=$?
	qemu_pid=
}

# Decode the exported files into $out_dir; fail on a corrupt or cut one.
save_exports() {
	local b64 name sum ok=1
	for b64 in "$work"/exports/*.b64; do
		[[ -e $b64 ]] || continue
		name=$(basename -- "$b64" .b64)
		if [[ ! -f $work/exports/$name.md5 ]]; then
			note "error: export of $name was cut off"
			ok=0
			continue
		fi
		if [[ $name == console.log ]]; then
			note "error: an export may not be named console.log"
			ok=0
			continue
		fi
		if [[ -z $out_dir ]]; then
			note "exported $name not kept (no --out)"
			continue
		fi
		base64 -d <"$b64" | gunzip >"$out_dir/$name" 2>/dev/null
		sum=$(md5sum <"$out_dir/$name")
		if [[ ${sum%% *} != "$(cat "$work/exports/$name.md5")" ]]; then
			note "error: export of $name is corrupt (MD5 mismatch)"
			ok=0
		fi
	done
	((ok))
}

main() {
	local kernel start elapsed log status
	parse_args "$@"
	ensure_tools
	kernel=$(kernel_image) || exit
	work=$(mktemp -d "${TMPDIR:-/tmp}/kpt-vm.XXXXXX") || die "mktemp failed"
	trap cleanup EXIT
	trap 'note "interrupted"; exit $EXIT_HARD' INT TERM HUP
	build_initramfs
	qemu_command "$kernel"
	log=${out_dir:+$out_dir/console.log}
	log=${log:-$work/console.log}

	note "booting ${kernel##*/} ($suite, ${qemu_cmd[2]}), timeout ${timeout_secs}s"
	start=${EPOCHREALTIME//[!0-9]/}
	run_vm "$log"
	elapsed=$(((${EPOCHREALTIME//[!0-9]/} - start) / 100000))
	note "VM ran for $((elapsed / 10)).$((elapsed % 10))s (qemu exit status $qemu_status)"

	status=$(sed -n 's/.*KPT-VM-EXIT=\([0-9]\{1,3\}\)$/\1/p' "$log" | tail -n 1)
	if ((qemu_status == 124 || qemu_status == 137)); then
		die "timed out after ${timeout_secs}s, VM killed${status:+ (guest had exited with $status)}"
	fi
	[[ -n $status ]] || die "the guest stopped without reporting an exit status (qemu status $qemu_status; kernel panic or crash?)"
	save_exports || exit $EXIT_HARD
	note "guest script exited with status $status"
	exit "$status"
}

main "$@"
