# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers of the live tests: they run the real kptrace on the host kernel.
# Automake exit codes: 0 pass, 1 fail, 77 skip, 99 hard error.

KPTRACE="${KPT_BUILDDIR:-.}/src/kptrace"
PROGS="${KPT_PROGS_DIR:-${KPT_BUILDDIR:-.}/tests/progs}"
TRACEFS=/sys/kernel/tracing
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/kpt-$TEST_NAME.XXXXXX")
# KPT_KEEP=1 keeps the test's files for a post-mortem.
trap '[ -n "${KPT_KEEP:-}" ] || rm -rf "$WORK"' EXIT
failures=0

skip() { echo "SKIP: $*"; exit 77; }
hard_error() { echo "ERROR: $*"; exit 99; }
pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
finish() {
	if [ "$failures" -ne 0 ]; then
		echo "$TEST_NAME: $failures check(s) failed"
		exit 1
	fi
	echo "$TEST_NAME: all checks passed"
	exit 0
}

require_root_tracefs() {
	[ "$(id -u)" -eq 0 ] || skip "live tests need root to create probes in tracefs"
	if [ ! -e "$TRACEFS/README" ]; then
		mount -t tracefs nodev "$TRACEFS" 2>/dev/null ||
			skip "tracefs is not mounted and cannot be mounted here"
	fi
	command -v jq >/dev/null || hard_error "jq is missing (scripts/install-deps.sh installs it)"
	[ -x "$KPTRACE" ] || hard_error "$KPTRACE is not built"
	# Live tests share the kernel's tracing state: run them one at a time.
	exec 9>/tmp/kptrace-live-tests.lock
	flock 9
}

# No kptrace probe or instance may be left in tracefs (by any run: tests are serialised).
assert_clean() {
	local what=$1 left
	left=$(grep -E '^[pr][0-9]*:kptrace_[0-9]+/' "$TRACEFS/dynamic_events" 2>/dev/null;
	       grep -E '^kptrace_[0-9]+_' "$TRACEFS/synthetic_events" 2>/dev/null;
	       ls "$TRACEFS/instances" 2>/dev/null | grep -E '^kptrace_[0-9]+$')
	if [ -n "$left" ]; then
		fail "$what: left behind in tracefs: $left"
	else
		pass "$what: nothing left in tracefs"
	fi
}

# assert_cpus_in_order FILE: no CPU's records in a trace.dat go back in time, as
# trace-cmd reports them (a page written out of turn would).
assert_cpus_in_order() {
	local cpu back
	for cpu in $(seq 0 $(($(nproc) - 1))); do
		back=$(trace-cmd report --cpu "$cpu" -t "$1" 2>/dev/null | awk '
			{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) {
				t = substr($i, 1, length($i) - 1); if (t < last) bad++; last = t; break } }
			END { print bad + 0 }')
		assert_eq "CPU $cpu: records that go back in time" "$back" 0
	done
}

# json_get FILE JQ-EXPR: one value from a JSON document.
json_get() { jq -r "$2" "$1"; }

# assert_eq WHAT GOT WANT
assert_eq() {
	if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi
}

# assert_between WHAT VALUE LOW HIGH (integers)
assert_between() {
	if [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then
		pass "$1 = $2, within [$3, $4]"
	else
		fail "$1 = $2, outside [$3, $4]"
	fi
}

# assert_contains WHAT FILE TEXT
assert_contains() {
	if grep -qF -- "$3" "$2"; then
		pass "$1 mentions '$3'"
	else
		fail "$1 does not mention '$3'; it says: $(head -c 600 "$2")"
	fi
}

# wait_for_instance PID: wait (up to 30 s, sanitizer builds start slowly) until kptrace
# PID has enabled its events and turned tracing on (it turns it off while enabling).
wait_for_instance() {
	local i
	for i in $(seq 1 600); do
		grep -qv 0 "$TRACEFS/instances/kptrace_$1/events/enable" 2>/dev/null &&
			grep -q 1 "$TRACEFS/instances/kptrace_$1/tracing_on" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
