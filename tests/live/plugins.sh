#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: the csv and openmetrics plugins under 'kptrace latency', live and on a recorded
# file, on a uprobe pair of known count: the csv has one line per span with the entry's
# argument and the return value, the openmetrics file parses (a strict parser of the
# Prometheus text format below), its buckets are cumulative and its _count is the span
# count, also summed over -i intervals. A plugin of another ABI major, a missing one and
# failing creates each exit non-zero naming the file, and leave nothing in tracefs.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
export KPTRACE_PLUGIN_DIR="$KPT_BUILDDIR/plugins/.libs"
TEST_PLUGINS="$KPT_BUILDDIR/tests/plugins/.libs"
[ -e "$KPTRACE_PLUGIN_DIR/csv.so" ] && [ -e "$KPTRACE_PLUGIN_DIR/openmetrics.so" ] ||
	hard_error "the plugins are not built in $KPTRACE_PLUGIN_DIR"
[ -e "$TEST_PLUGINS/abi_major.so" ] || hard_error "the test plugins are not built ('make check')"
SLEEPER="$PROGS/kpt_sleeper"
PROBE="$SLEEPER:kpt_work usec=%di:u32"
NAME="$SLEEPER:kpt_work"		# as reports name the probe

# prom_check FILE: parse FILE strictly as the Prometheus text exposition format and print,
# per histogram series, "SERIES-LABELS<TAB>COUNT"; exit 1 with the offending line otherwise.
# Checks: names, label syntax and escapes, values, one HELP and one TYPE per family before
# its samples, every sample of a TYPE'd family, histogram buckets with increasing le ending
# at +Inf, cumulative (non-decreasing) counts, +Inf equal to _count, a _sum per series.
prom_check() {
	awk '
	function bad(msg) { printf "%s:%d: %s: %s\n", FILENAME, FNR, msg, $0; err = 1; exit 1 }
	function number(s) { return s ~ /^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }
	function value(s) { return number(s) || s == "+Inf" || s == "-Inf" || s == "NaN" }
	/^# HELP / {
		if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) bad("bad metric name")
		if (help[$3]++) bad("second HELP")
		next
	}
	/^# TYPE / {
		if (NF != 4 || $4 !~ /^(counter|gauge|histogram|summary|untyped)$/) bad("bad TYPE")
		if ($3 in type) bad("second TYPE")
		if (sampled[$3]) bad("TYPE after samples")
		type[$3] = $4
		next
	}
	/^#/ || /^$/ { next }
	{
		line = $0; labels = ""; le = ""
		i = index(line, "{")
		if (i) {
			name = substr(line, 1, i - 1); pos = i + 1; n = length(line)
			if (substr(line, pos, 1) == "}") pos++
			else while (1) {
				eq = index(substr(line, pos), "=")
				if (!eq) bad("label without =")
				lname = substr(line, pos, eq - 1)
				if (lname !~ /^[a-zA-Z_][a-zA-Z0-9_]*$/) bad("bad label name")
				pos += eq
				if (substr(line, pos, 1) != "\"") bad("label value not quoted")
				pos++; val = ""
				while (pos <= n) {
					c = substr(line, pos, 1)
					if (c == "\\") {
						d = substr(line, pos + 1, 1)
						if (d != "\\" && d != "\"" && d != "n") bad("bad escape")
						val = val c d; pos += 2; continue
					}
					if (c == "\"") break
					val = val c; pos++
				}
				if (pos > n) bad("unterminated label value")
				pos++
				if (lname == "le") le = val
				else labels = labels lname "=" val ","
				c = substr(line, pos, 1); pos++
				if (c == "}") break
				if (c != ",") bad("expected , or }")
			}
			rest = substr(line, pos)
		} else {
			name = $1; rest = substr(line, length($1) + 1)
		}
		if (name !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) bad("bad metric name")
		if (rest !~ /^ [^ ]+( -?[0-9]+)?$/) bad("expected one space, a value and an optional timestamp")
		split(substr(rest, 2), f, " ")
		if (!value(f[1])) bad("bad value")
		family = name; suffix = ""
		if (match(name, /_(bucket|sum|count)$/) && type[substr(name, 1, RSTART - 1)] == "histogram") {
			family = substr(name, 1, RSTART - 1); suffix = substr(name, RSTART + 1)
		}
		if (!(family in type)) bad("sample of a family without TYPE")
		if (!(family in help)) bad("sample of a family without HELP")
		sampled[family] = 1
		if (type[family] == "counter" && !(number(f[1]) && f[1] >= 0)) bad("counter not >= 0")
		if (type[family] != "histogram") next
		key = family "{" labels "}"
		series[key] = 1
		if (suffix == "bucket") {
			if (le == "") bad("bucket without le")
			if (key in inf) bad("bucket after +Inf")
			if (le != "+Inf" && !number(le)) bad("bad le")
			if ((key in lastle) && le != "+Inf" && le + 0 <= lastle[key] + 0) bad("le not increasing")
			if ((key in lastcnt) && f[1] + 0 < lastcnt[key] + 0) bad("buckets not cumulative")
			lastle[key] = le; lastcnt[key] = f[1]
			if (le == "+Inf") inf[key] = f[1]
		} else if (le != "") {
			bad("le on a non-bucket sample")
		} else if (suffix == "count") {
			count[key] = f[1]
		} else {
			sum[key] = f[1]
		}
	}
	END {
		if (err) exit 1
		for (key in series) {
			if (!(key in inf)) { print "no +Inf bucket: " key; exit 1 }
			if (!(key in count) || !(key in sum)) { print "no _count or _sum: " key; exit 1 }
			if (inf[key] != count[key]) { print "+Inf bucket != _count: " key; exit 1 }
			printf "%s\t%s\n", key, count[key]
		}
	}' "$1"
}

# csv_check FILE COUNT: a header and COUNT lines of 9 fields, each of the probe, with the
# entry's usec=2000 and the return value 2000 (kpt_work returns its argument).
csv_check() {
	local what=$1 file=$2 count=$3
	assert_eq "$what: csv header" "$(head -1 "$file")" \
		"start_ns,duration_ns,pid,tid,comm,cpu,probe,args,ret"
	assert_eq "$what: csv lines (header + spans)" "$(wc -l <"$file")" $((count + 1))
	assert_eq "$what: csv lines of this probe, argument and return value" \
		"$(awk -F, -v p="$NAME" 'NR > 1 && NF == 9 && $7 == p && $8 == "usec=2000" &&
			$9 == "2000" && $2 >= 2000000 && $5 == "kpt_sleeper" { n++ } END { print n + 0 }' "$file")" \
		"$count"
}

# prom_count WHAT FILE: after a strict parse, the _count of the one probe's histogram.
prom_count() {
	local out
	if ! out=$(prom_check "$2"); then
		fail "$1: not valid Prometheus text: $out" >&2
		echo -1
		return
	fi
	pass "$1: parses, buckets cumulative, +Inf = _count" >&2
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || { fail "$1: not one series: $out" >&2; echo -1; return; }
	printf '%s\n' "$out" | cut -f2
}

# 1. Live: both plugins next to latency's own report.
"$KPTRACE" latency --json --plugin csv --plugin-opt "file=$WORK/live.csv" \
	--plugin openmetrics --plugin-opt "file=$WORK/live.prom" \
	"$PROBE" -- "$SLEEPER" -n 20 -s 2000 >"$WORK/live.json" 2>"$WORK/live.err"
assert_eq "live: exit status" $? 0
spans=$(json_get "$WORK/live.json" '.probes[0].count')
assert_eq "live: latency's span count" "$spans" 20
csv_check live "$WORK/live.csv" "$spans"
assert_eq "live: openmetrics _count" "$(prom_count live "$WORK/live.prom")" "$spans"
assert_contains "live: openmetrics" "$WORK/live.prom" \
	"kptrace_latency_seconds_count{probe=\"$NAME\"} $spans"
assert_eq "live: no temporary file left" "$(ls -A "$WORK" | grep -c '^\.live\.prom\.')" 0
assert_clean "live"

# 2. The same load recorded, then read back with --input: the same counts.
"$KPTRACE" record -o "$WORK/rec.dat" "$PROBE" -- "$SLEEPER" -n 20 -s 2000 2>"$WORK/rec.err"
assert_eq "record: exit status" $? 0
"$KPTRACE" latency --json --input "$WORK/rec.dat" --plugin csv --plugin-opt "file=$WORK/file.csv" \
	--plugin openmetrics --plugin-opt "file=$WORK/file.prom" >"$WORK/file.json" 2>"$WORK/file.err"
assert_eq "file: exit status" $? 0
spans=$(json_get "$WORK/file.json" '.probes[0].count')
assert_eq "file: latency's span count" "$spans" 20
assert_eq "file: csv lines (header + spans)" "$(wc -l <"$WORK/file.csv")" $((spans + 1))
assert_eq "file: openmetrics _count" "$(prom_count file "$WORK/file.prom")" "$spans"
assert_clean "file"

# 3. -i intervals: the file is rewritten at each, and its totals are the sum of them all.
"$KPTRACE" latency --json -i 0.2 --plugin openmetrics --plugin-opt "file=$WORK/iv.prom" \
	--plugin-opt buckets=0.001,0.01,0.1 "$PROBE" -- "$SLEEPER" -n 30 -s 20000 \
	>"$WORK/iv.json" 2>"$WORK/iv.err"
assert_eq "intervals: exit status" $? 0
total=$(jq -s '[.[].probes[0].count] | add' "$WORK/iv.json")
assert_eq "intervals: spans over all reports" "$total" 30
assert_between "intervals: reports" "$(jq -s length "$WORK/iv.json")" 2 100
assert_eq "intervals: openmetrics _count, a total" "$(prom_count intervals "$WORK/iv.prom")" 30
assert_eq "intervals: every 20 ms span above le=0.01" \
	"$(grep -cF "kptrace_latency_seconds_bucket{probe=\"$NAME\",le=\"0.01\"} 0" "$WORK/iv.prom")" 1
assert_clean "intervals"

# 4. Refused plugins: non-zero, the file named with the fault, nothing in tracefs.
# refused WHAT FILE-NAMED FAULT ARGS...
refused() {
	local what=$1 file=$2 fault=$3
	shift 3
	"$KPTRACE" latency "$@" "$PROBE" -- "$SLEEPER" -n 1 -s 1000 >"$WORK/refused.out" \
		2>"$WORK/refused.err"
	local status=$?
	if [ "$status" -ne 0 ]; then pass "$what: exit status $status"; else fail "$what: exit status 0"; fi
	assert_contains "$what" "$WORK/refused.err" "$file"
	assert_contains "$what" "$WORK/refused.err" "$fault"
	assert_clean "$what"
}
refused "ABI major" "$TEST_PLUGINS/abi_major.so" "built for analyser ABI 2.0" \
	--plugin "$TEST_PLUGINS/abi_major.so"
refused "no descriptor" "$TEST_PLUGINS/no_desc.so" "has no analyser descriptor" \
	--plugin "$TEST_PLUGINS/no_desc.so"
refused "missing plugin" "$KPTRACE_PLUGIN_DIR/nosuch.so" "No such file or directory" \
	--plugin nosuch
refused "failing create" "$TEST_PLUGINS/fail_create.so" "option answer=41: not 42" \
	--plugin "$TEST_PLUGINS/fail_create.so" --plugin-opt answer=41
refused "openmetrics without file=" "$KPTRACE_PLUGIN_DIR/openmetrics.so" \
	"option file=PATH is required" \
	--plugin openmetrics
refused "unknown option" "$KPTRACE_PLUGIN_DIR/csv.so" "option 'bogus'" \
	--plugin csv --plugin-opt bogus=1

# 5. kptrace list plugins: the shipped plugins, and a broken one marked with its reason.
mkdir "$WORK/dir"
cp "$KPTRACE_PLUGIN_DIR/csv.so" "$TEST_PLUGINS/abi_major.so" "$WORK/dir/"
KPTRACE_PLUGIN_DIR="$WORK/dir" "$KPTRACE" list plugins >"$WORK/list" 2>&1
assert_eq "list plugins: exit status" $? 0
assert_contains "list plugins" "$WORK/list" "  csv            one CSV line per span"
assert_contains "list plugins" "$WORK/list" "    file=PATH  write the lines to PATH"
assert_contains "list plugins" "$WORK/list" "  abi_major.so   BROKEN: plugin $WORK/dir/abi_major.so was built for analyser ABI 2.0"
finish
