#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Make the README's pictures with kptrace itself: a heat map and an HTML report of a load
# that changes its pace (kpt_sleeper: bursts of 300 us calls, then a few of 4 ms, four
# times), then PNG screenshots of both in headless chromium. Run as root from the source
# tree after building: scripts/docs-pictures.sh [BUILDDIR] (default ./build).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
out=$top/docs
sleeper=$build/tests/progs/kpt_sleeper
profile=$(mktemp -d /tmp/kpt-docs-chromium.XXXXXX)
trap 'rm -rf "$profile"' EXIT

make -C "$build" tests/progs/kpt_sleeper >/dev/null
mkdir -p "$out"
# Short probe names: the program is found in $PATH.
cd "$(dirname "$sleeper")"
PATH="$PWD:$PATH" "$build/src/kptrace" latency --heatmap "$out/heatmap.svg" --html "$out/report.html" \
	--heatmap-width 10ms 'kpt_sleeper:kpt_work usec=%di:u32' syscall:clock_nanosleep -- \
	sh -c 'for i in 1 2 3 4; do ./kpt_sleeper -n 150 -s 300; ./kpt_sleeper -n 12 -s 4000; done' \
	>/dev/null
shot() {
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--hide-scrollbars --user-data-dir="$profile" --window-size="$3" \
		--screenshot="$2" "file://$1" >/dev/null 2>&1
}
shot "$out/heatmap.svg" "$out/heatmap.png" 760,320
shot "$out/report.html" "$out/report.png" 1000,1300
rm -f "$out/report.html"
echo "wrote $out/heatmap.svg $out/heatmap.png $out/report.png"
