#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: each built-in analyser (latency, count, trace) on a known load, live and on a file
# recorded from the same load with --input: the same counts, exactly. kpt_sleeper -n 10
# calls kpt_work(usec) ten times, each sleeping once in clock_nanosleep. A plugin fed next
# to latency gets the same spans, with their entries' arguments; a plugin that fails to
# create, an unknown plugin or plugin option, and live-only options with --input are clear
# errors. Nothing is left in tracefs.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
SLEEPER=$PROGS/kpt_sleeper
PLUGIN=${KPT_BUILDDIR:-.}/tests/plugins/.libs/kpt_testplugin.so
[ -f "$PLUGIN" ] || hard_error "$PLUGIN is not built (make check builds it)"
PLUGIN=$(readlink -f "$PLUGIN")
UPROBE="$SLEEPER:kpt_work usec=%di:u32"
CALLS=10
USEC=1500
FILE=$WORK/load.dat
run_load() { "$SLEEPER" -n $CALLS -s $USEC; }

"$KPTRACE" record -o "$FILE" "$UPROBE" syscall:clock_nanosleep -- "$SLEEPER" -n $CALLS -s $USEC \
	2>"$WORK/record.err" || fail "record: $(cat "$WORK/record.err")"
assert_clean "record"

# latency: span counts per probe, in the probes' order, and the unpaired counts.
"$KPTRACE" latency --json "$UPROBE" syscall:clock_nanosleep -- "$SLEEPER" -n $CALLS -s $USEC \
	>"$WORK/lat_live.json" 2>/dev/null
"$KPTRACE" latency --json --input "$FILE" >"$WORK/lat_file.json" 2>"$WORK/lat_file.err"
assert_eq "latency --input: exit status" $? 0
live=$(jq -c '[.probes[] | .count]' "$WORK/lat_live.json")
file=$(jq -c '[.probes[] | .count]' "$WORK/lat_file.json")
assert_eq "latency live: spans per probe" "$live" "[$CALLS,$CALLS]"
assert_eq "latency --input: spans per probe, as live" "$file" "$live"
assert_eq "latency --input: names the file" "$(jq -r .file "$WORK/lat_file.json")" "$FILE"
assert_eq "latency --input: no unpaired call" \
	"$(jq '[.probes[] | .unpaired[]] | add' "$WORK/lat_file.json")" 0
# a PROBE selects the file's pair of that name
"$KPTRACE" latency --json --input "$FILE" kpt_work >"$WORK/lat_sel.json" 2>/dev/null
assert_eq "latency --input FILE kpt_work: that probe only" \
	"$(jq -c '[.probes[] | [.name, .count]]' "$WORK/lat_sel.json")" "[[\"kpt_work\",$CALLS]]"
# --by comm: the file's saved command names
"$KPTRACE" latency --json --by comm --input "$FILE" kpt_work >"$WORK/lat_comm.json" 2>/dev/null
assert_eq "latency --input --by comm" \
	"$(jq -c '[.probes[] | [.name, .count]]' "$WORK/lat_comm.json")" \
	"[[\"kpt_work\",$CALLS],[\"kpt_work [comm kpt_sleeper]\",$CALLS]]"
# kptrace report is latency --input: the same statistics
"$KPTRACE" report --json "$FILE" >"$WORK/report.json" 2>/dev/null
assert_eq "report: spans per probe, as latency --input" \
	"$(jq -c '[.probes[] | .count]' "$WORK/report.json")" "$file"
assert_eq "report: JSON says report" "$(jq -r .kptrace "$WORK/report.json")" report

# count: hits and returns per probe (the live run counts on perf counters or tracefs).
"$KPTRACE" count --json "$UPROBE" syscall:clock_nanosleep -- "$SLEEPER" -n $CALLS -s $USEC \
	>"$WORK/count_live.json" 2>/dev/null
"$KPTRACE" count --json --input "$FILE" >"$WORK/count_file.json" 2>/dev/null
assert_eq "count --input: exit status" $? 0
live=$(jq -c '[.probes[] | [.hits, .returns]]' "$WORK/count_live.json")
assert_eq "count live: hits and returns" "$live" "[[$CALLS,$CALLS],[$CALLS,$CALLS]]"
assert_eq "count --input: hits and returns, as live" \
	"$(jq -c '[.probes[] | [.hits, .returns]]' "$WORK/count_file.json")" "$live"
"$KPTRACE" count --backend tracefs --json "$UPROBE" -- "$SLEEPER" -n $CALLS -s $USEC \
	>"$WORK/count_tracefs.json" 2>/dev/null
assert_eq "count --backend tracefs: hits and returns" \
	"$(jq -c '[.probes[] | [.hits, .returns]]' "$WORK/count_tracefs.json")" "[[$CALLS,$CALLS]]"

# trace: every event with its arguments, live and from the file.
"$KPTRACE" trace --json "$UPROBE" syscall:clock_nanosleep -- "$SLEEPER" -n $CALLS -s $USEC \
	>"$WORK/trace_live.json" 2>/dev/null
"$KPTRACE" trace --json --input "$FILE" >"$WORK/trace_file.json" 2>/dev/null
assert_eq "trace --input: exit status" $? 0
summary='[.[] | select(.event | test("kpt_work|clock_nanosleep")) |
	  [.role, .event, (.fields.usec // .fields.ret // "-")]] | group_by(.) |
	  map([.[0], length])'
live=$(jq -sc "$summary" "$WORK/trace_live.json")
assert_eq "trace live: entries of kpt_work with usec=$USEC" \
	"$(jq -s "[.[] | select(.role == \"entry\" and .fields.usec == $USEC)] | length" \
	   "$WORK/trace_live.json")" $CALLS
assert_eq "trace --input: events and their arguments, as live" \
	"$(jq -sc "$summary" "$WORK/trace_file.json")" "$live"
assert_eq "trace --input: no __probe_ip among the arguments" \
	"$(jq -s '[.[] | .fields | keys[] | select(startswith("__"))] | length' \
	   "$WORK/trace_file.json")" 0
"$KPTRACE" trace --input "$FILE" kpt_work >"$WORK/trace_file.txt" 2>/dev/null
assert_eq "trace --input, text: kpt_work entries" \
	"$(grep -c "kpt_work entry: usec=$USEC\$" "$WORK/trace_file.txt")" $CALLS

# A plugin next to latency: the same spans, each with its entry's payload and arguments.
"$KPTRACE" latency --plugin "$PLUGIN" --plugin-opt out="$WORK/plugin_live.txt" \
	--plugin-opt arg=usec "$UPROBE" -- "$SLEEPER" -n $CALLS -s $USEC >/dev/null 2>&1
assert_eq "plugin, live: what it was fed" "$(cat "$WORK/plugin_live.txt")" \
	"events=$((2 * CALLS)) spans=$CALLS entry_data=$CALLS arg_sum=$((CALLS * USEC)) comm=kpt_sleeper"
assert_clean "latency with a plugin"
KPTRACE_PLUGIN_DIR=$(dirname "$PLUGIN") "$KPTRACE" report --plugin kpt_testplugin \
	--plugin-opt out="$WORK/plugin_file.txt" --plugin-opt arg=usec -e kpt_work "$FILE" \
	>/dev/null 2>&1
assert_eq "plugin by name, on the file: what it was fed" "$(cat "$WORK/plugin_file.txt")" \
	"events=$((2 * CALLS)) spans=$CALLS entry_data=$CALLS arg_sum=$((CALLS * USEC)) comm=kpt_sleeper"

# Plugin errors: exit 1, the plugin's file and what is wrong, nothing left in tracefs.
"$KPTRACE" latency --plugin "$PLUGIN" --plugin-opt fail=refused syscall:getppid -- true \
	>/dev/null 2>"$WORK/fail.err"
assert_eq "a plugin that fails to create: exit status" $? 1
assert_contains "its error" "$WORK/fail.err" "analyser 'kpt_testplugin' ($PLUGIN) failed to start: refused"
assert_clean "a plugin that fails to create"
KPTRACE_PLUGIN_DIR=$WORK "$KPTRACE" count --plugin nosuch syscall:getppid -- true \
	>/dev/null 2>"$WORK/missing.err"
assert_eq "an unknown plugin: exit status" $? 1
assert_contains "its error" "$WORK/missing.err" "plugin $WORK/nosuch.so cannot be loaded"
"$KPTRACE" trace --plugin "$PLUGIN" --plugin-opt colour=red syscall:getppid -- true \
	>/dev/null 2>"$WORK/opt.err"
assert_eq "an unknown plugin option: exit status" $? 1
assert_contains "its error" "$WORK/opt.err" "option 'colour' of analyser 'kpt_testplugin'"
assert_contains "its error" "$WORK/opt.err" "it takes: out, arg, fail"
"$KPTRACE" latency --plugin-opt arg=usec --input "$FILE" >/dev/null 2>"$WORK/order.err"
assert_eq "--plugin-opt before any --plugin: exit status" $? 2
assert_contains "its error" "$WORK/order.err" "give it after the --plugin it is for"
assert_clean "plugin errors"

# --input with what only a live run has, and a file that is not there.
"$KPTRACE" latency --input "$FILE" -p 1 >/dev/null 2>"$WORK/live.err"
assert_eq "--input with -p: exit status" $? 2
assert_contains "its error" "$WORK/live.err" "-p applies to live tracing, not to --input $FILE"
"$KPTRACE" count --input "$WORK/none.dat" >/dev/null 2>"$WORK/none.err"
assert_eq "--input of a missing file: exit status" $? 1
assert_contains "its error" "$WORK/none.err" "$WORK/none.dat"
"$KPTRACE" latency --input "$FILE" nosuch >/dev/null 2>"$WORK/sel.err"
assert_eq "--input with a probe the file has not: exit status" $? 1
assert_contains "its error" "$WORK/sel.err" "probe 'nosuch': $FILE has no probe of that name"
assert_clean "--input errors"
finish
