#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: Prometheus scrapes kptrace latency -i 1 --listen. Two kptrace runs trace the same
# uprobe over the same calls: A reports once at the end (kptrace's own count and p99 of
# every call), B serves /metrics (--by pid). The load is two loops of kpt_sleeper, one of
# 100 us calls and one of 5 ms calls, so that p99 is in the slow mode, well apart from p50.
# A Prometheus server started here (its own config and storage, a 1 s scrape interval)
# scrapes B; after the load stops, through Prometheus's HTTP API:
#   kptrace_latency_seconds_count equals A's count exactly, and so does the sum of the
#   per-pid series; histogram_quantile(0.99, ...) lies in the bucket of A's p99.
# promtool check metrics accepts the exposition; errors of --listen are clear.
# Nothing is left in tracefs.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
. "$(dirname "$0")/../viewers/viewers.sh"
require_prometheus
command -v curl >/dev/null || apt_need curl
"$KPTRACE" latency --help | grep -q -- --listen ||
	hard_error "kptrace has no --listen: configure found no libmicrohttpd (install-deps.sh installs libmicrohttpd-dev)"
SLEEPER=$PROGS/kpt_sleeper
PROBE="$SLEEPER:kpt_work"

# A TCP port nobody listens on (from /proc/net/tcp*, no other tool needed).
free_port() {
	local port hex
	while :; do
		port=$((20000 + RANDOM % 20000))
		hex=$(printf ':%04X ' "$port")
		grep -q -- "$hex" /proc/net/tcp /proc/net/tcp6 2>/dev/null || break
	done
	echo "$port"
}
KPORT=$(free_port)
PPORT=$(free_port)
[ "$KPORT" != "$PPORT" ] || PPORT=$((KPORT + 1))
pids=()
cleanup() {
	local p
	touch "$WORK/stop"
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${KPT_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

cat >"$WORK/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: kptrace
    static_configs:
      - targets: ['127.0.0.1:$KPORT']
CONF
promtool check config "$WORK/prometheus.yml" >"$WORK/promtool-config.txt" 2>&1 ||
	hard_error "promtool rejects the test's config: $(cat "$WORK/promtool-config.txt")"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" >"$WORK/prometheus.log" 2>&1 &
pids+=($!)
PROM=http://127.0.0.1:$PPORT

# query EXPR: the value of an instant query, or "none".
query() {
	curl -s --get "$PROM/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // "none"'
}

"$KPTRACE" latency --json -d 14 "$PROBE" >"$WORK/a.json" 2>"$WORK/a.err" &
apid=$!
pids+=($apid)
"$KPTRACE" latency --json -i 1 -d 14 --by pid --listen "127.0.0.1:$KPORT" "$PROBE" \
	>"$WORK/b.json" 2>"$WORK/b.err" &
bpid=$!
pids+=($bpid)
wait_for_instance "$apid" && wait_for_instance "$bpid" ||
	hard_error "kptrace did not start: $(cat "$WORK/a.err" "$WORK/b.err")"
for i in $(seq 1 100); do curl -sf "$PROM/-/ready" >/dev/null && break; sleep 0.1; done
curl -sf "$PROM/-/ready" >/dev/null || hard_error "prometheus did not start: $(tail -5 "$WORK/prometheus.log")"

# The load, for 4 seconds.
(while [ ! -e "$WORK/stop" ]; do "$SLEEPER" -n 200 -s 100; done) &
pids+=($!)
(while [ ! -e "$WORK/stop" ]; do "$SLEEPER" -n 10 -s 5000; done) &
pids+=($!)
sleep 4
touch "$WORK/stop"
wait "${pids[@]:3}" 2>/dev/null

# The exposition itself, as served.
curl -s "http://127.0.0.1:$KPORT/metrics" >"$WORK/metrics.txt"
promtool check metrics <"$WORK/metrics.txt" >"$WORK/promtool.txt" 2>&1
assert_eq "promtool check metrics: exit status ($(head -c 300 "$WORK/promtool.txt"))" $? 0
assert_contains "the exposition" "$WORK/metrics.txt" "# TYPE kptrace_latency_seconds histogram"
assert_contains "the exposition" "$WORK/metrics.txt" "kptrace_lost_exits_total{probe=\"$PROBE\"} 0"
assert_contains "the exposition" "$WORK/metrics.txt" "kptrace_dropped_events_total 0"
assert_eq "GET / is not found" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$KPORT/")" 404

# Flat memory: a thousand more scrapes leave kptrace's resident size where it was (the
# load has stopped, so no series is added). ASan holds freed memory back: not there.
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$bpid/status"; }
scrape() { curl -s $(for i in $(seq "$1"); do echo "$URL"; done) >/dev/null; }
URL="http://127.0.0.1:$KPORT/metrics"
if ! grep -q libasan "/proc/$bpid/maps"; then
	scrape 200
	rss1=$(rss)
	scrape 1000
	rss2=$(rss)
	[ $((rss2 - rss1)) -lt 512 ] && pass "1000 scrapes: resident size $rss1 kB -> $rss2 kB" ||
		fail "1000 scrapes: resident size grew from $rss1 kB to $rss2 kB"
fi

# Let B publish what the load did (every second) and Prometheus scrape it twice more.
sleep 3.5
sel="job=\"kptrace\",probe=\"$PROBE\""
prom_count=$(query "kptrace_latency_seconds_count{$sel,pid=\"\"}")
prom_by_pid=$(query "sum(kptrace_latency_seconds_count{$sel,pid!=\"\"})")
prom_p99=$(query "histogram_quantile(0.99, kptrace_latency_seconds_bucket{$sel,pid=\"\"})")
prom_p50=$(query "histogram_quantile(0.5, kptrace_latency_seconds_bucket{$sel,pid=\"\"})")
scrapes=$(query "count_over_time(up{job=\"kptrace\"}[30s])")
wait "$apid"
assert_eq "kptrace A: exit status" $? 0
wait "$bpid"
assert_eq "kptrace B (--listen): exit status" $? 0
assert_clean "two runs"

a_count=$(jq -r '.probes[0].count' "$WORK/a.json")
a_p99=$(jq -r '.probes[0].p99_ns' "$WORK/a.json")
echo "A: count $a_count p99 ${a_p99} ns; Prometheus: count $prom_count (by pid $prom_by_pid)" \
	"p50 $prom_p50 s p99 $prom_p99 s over $scrapes scrapes"
[ "${a_count:-0}" -gt 1000 ] && pass "the load made $a_count calls" ||
	fail "the load made ${a_count:-no} calls"
assert_eq "Prometheus: kptrace_latency_seconds_count, as kptrace's own count" "$prom_count" "$a_count"
assert_eq "Prometheus: the per-pid series add up to it" "$prom_by_pid" "$a_count"
# The bucket (1 us * 2^(k-1), 1 us * 2^k] of A's p99, and Prometheus's p99 in it.
bucket_of() { awk -v ns="$1" 'BEGIN { b = 1000; while (b < ns) b *= 2; print b }'; }
hi=$(bucket_of "$a_p99")
in_bucket=$(awk -v v="$prom_p99" -v hi="$hi" \
	'BEGIN { v *= 1e9; print (v > hi / 2 && v <= hi) ? "yes" : "no" }')
assert_eq "Prometheus's p99 $prom_p99 s in kptrace's p99 bucket ($((hi / 2)), $hi] ns" \
	"$in_bucket" yes
# and p50 is not there: the load is bimodal, so the check above can tell them apart
assert_eq "Prometheus's p50 is in a lower bucket" \
	"$(awk -v v="$prom_p50" -v hi="$hi" 'BEGIN { print (v * 1e9 <= hi / 2) ? "yes" : "no" }')" yes

# Errors: clear messages, non-zero exits, nothing left.
"$KPTRACE" latency --listen "127.0.0.1:$KPORT" "$PROBE" >/dev/null 2>"$WORK/e1"
assert_eq "--listen without -i: exit status" $? 2
assert_contains "--listen without -i" "$WORK/e1" "give -i SECONDS too"
"$KPTRACE" latency -i 1 --listen nonsense "$PROBE" >/dev/null 2>"$WORK/e2"
assert_eq "--listen nonsense: exit status" $? 1
assert_contains "--listen nonsense" "$WORK/e2" "not ADDR:PORT"
"$KPTRACE" latency -i 1 --listen "127.0.0.1:$PPORT" "$PROBE" -- "$SLEEPER" -n 1 \
	>/dev/null 2>"$WORK/e3"
assert_eq "--listen on a taken port: exit status" $? 1
assert_contains "--listen on a taken port" "$WORK/e3" "cannot serve there"
"$KPTRACE" count -i 1 --listen "127.0.0.1:$KPORT" "$PROBE" >/dev/null 2>"$WORK/e4"
assert_eq "count --listen: exit status" $? 2
assert_contains "count --listen" "$WORK/e4" "use 'kptrace latency -i SECONDS"
assert_clean "errors"
finish
