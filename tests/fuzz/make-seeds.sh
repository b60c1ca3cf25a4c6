#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerate the fuzzers' seed files that the project's tools write:
#   tracedat/kptrace-v6.dat         kptrace record: 3 clock_nanosleep calls of kpt_sysload
#   tracedat/trace-cmd-v7.dat       trace-cmd convert of it to version 7, uncompressed
#   tracedat/trace-cmd-v7-zstd.dat  the same, zstd-compressed
#   tracedat/v7-zstd-options.dat    that, with its first options section compressed
#   elf/funcloop                    kpt_funcloop without its debug sections
# kallsyms and printk_formats are replaced by an empty file and one line in a private
# mount namespace, so that the seeds stay small. Root; BUILDDIR defaults to build/.
#   tests/fuzz/make-seeds.sh [BUILDDIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:-$top/build}")
corpus=$top/tests/fuzz/corpus
tmp=$(mktemp -d /tmp/kpt-seeds.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

: >"$tmp/kallsyms"
printf '0xffffffff82000000 : "hello %%d\\n"\n' >"$tmp/printk_formats"
tracefs=$(awk '$3 == "tracefs" { print $2; exit }' /proc/mounts)
unshare -m sh -c "mount --bind '$tmp/kallsyms' /proc/kallsyms &&
	mount --bind '$tmp/printk_formats' '$tracefs/printk_formats' &&
	'$build/src/kptrace' record -o '$tmp/v6.dat' syscall:clock_nanosleep -- \
		'$build/tests/progs/kpt_sysload' -n 3 -s 100" >/dev/null
cp "$tmp/v6.dat" "$corpus/tracedat/kptrace-v6.dat"
trace-cmd convert -i "$tmp/v6.dat" --file-version 7 --compression none \
	-o "$corpus/tracedat/trace-cmd-v7.dat" >/dev/null
trace-cmd convert -i "$tmp/v6.dat" --file-version 7 --compression zstd \
	-o "$corpus/tracedat/trace-cmd-v7-zstd.dat" >/dev/null
strip --strip-debug -o "$corpus/elf/funcloop" "$build/tests/progs/kpt_funcloop"


# trace-cmd compresses options sections too when it records; convert does not: compress
# the first one of the zstd file in place (same section size), as trace-cmd reads it.
python3 - "$corpus/tracedat/trace-cmd-v7-zstd.dat" "$corpus/tracedat/v7-zstd-options.dat" <<'PY'
import struct, subprocess, sys
d = bytearray(open(sys.argv[1], 'rb').read())
p = d.index(b'\0', 10) + 7
p = d.index(b'\0', d.index(b'\0', p) + 1) + 1
off = struct.unpack('<Q', d[p:p + 8])[0]
size = struct.unpack('<Q', d[off + 8:off + 16])[0]
plain = bytes(d[off + 16:off + 16 + size])
z = subprocess.run(['zstd', '-q', '-c', '--no-check'], input=plain, capture_output=True,
                   check=True).stdout
blob = struct.pack('<II', len(z), len(plain)) + z
blob += b'\0' * (size - len(blob))
d[off + 2:off + 4] = struct.pack('<H', 1)
d[off + 16:off + 16 + size] = blob
open(sys.argv[2], 'wb').write(d)
PY
ls -l "$corpus"/tracedat "$corpus"/elf
