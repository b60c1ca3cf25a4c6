# SPDX-License-Identifier: GPL-2.0-or-later
# The real viewers the picture tests open kptrace's output in: Debian's chromium (driven by
# playwright-core), speedscope from the npm registry, and Debian's prometheus. Sourced by
# live tests after lib.sh. What is missing is installed here (root, apt and npm reachable,
# as in CI); npm packages go to a git-ignored cache, tests/viewers/.cache, installed once.
# A test skips (77) only if they cannot be had at all, saying why.

VIEWERS_SRC="${KPT_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/viewers"
VIEWERS="${KPT_VIEWERS_CACHE:-$VIEWERS_SRC/.cache}"
# a read-only source tree (make distcheck): the build tree keeps the cache
[ -w "$VIEWERS_SRC" ] || [ -n "${KPT_VIEWERS_CACHE:-}" ] ||
	VIEWERS="${KPT_BUILDDIR:-.}/tests/viewers/.cache"

# apt_need PACKAGE...: install the Debian packages not installed yet, or skip.
apt_need() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing ${missing[*]} (apt) for the viewer tests"
	export DEBIAN_FRONTEND=noninteractive
	# A small lock: two tests may want the same packages at once.
	(flock 8
	 apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$WORK/apt.log" 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 &&
		  apt-get install -y -qq --no-install-recommends "${missing[@]}" \
			>"$WORK/apt.log" 2>&1; }) 8>/tmp/kptrace-viewers-apt.lock ||
		skip "cannot install ${missing[*]} with apt: $(tail -3 "$WORK/apt.log")"
}

# require_browser: chromium, node and the npm packages of tests/viewers/package.json.
require_browser() {
	apt_need chromium nodejs
	command -v npm >/dev/null || apt_need npm
	mkdir -p "$VIEWERS"
	(flock 8
	 if ! cmp -s "$VIEWERS_SRC/package.json" "$VIEWERS/package.json" ||
	    [ ! -d "$VIEWERS/node_modules/playwright-core" ] ||
	    [ ! -d "$VIEWERS/node_modules/speedscope" ]; then
		cp "$VIEWERS_SRC/package.json" "$VIEWERS/package.json"
		npm install --no-audit --no-fund --prefix "$VIEWERS" >"$WORK/npm.log" 2>&1 || exit 1
	 fi) 8>/tmp/kptrace-viewers-npm.lock ||
		skip "cannot install the npm packages of $VIEWERS_SRC/package.json: $(tail -3 "$WORK/npm.log")"
	# The scripts live next to node_modules, where node resolves their imports.
	cp "$VIEWERS_SRC/view.mjs" "$VIEWERS/"
	SPEEDSCOPE="$VIEWERS/node_modules/speedscope/dist/release/index.html"
}

# view MODE ARGS...: what chromium shows (tests/viewers/view.mjs), as JSON on stdout.
view() {
	timeout 180 node "$VIEWERS/view.mjs" "$@"
}

# require_prometheus: the prometheus server and promtool.
require_prometheus() {
	apt_need prometheus
	command -v prometheus >/dev/null && command -v promtool >/dev/null ||
		skip "the prometheus package gives no prometheus or promtool here"
}
