#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live: the pictures of a known load, live and from a file recorded from the same load, each
# opened in a real viewer. kpt_sleeper -n 10 -s 12583 -r 3 makes 10 calls of kpt_work
# (12.6 ms each) and 3 nested calls of kpt_recurse (12.6, 25.2 and 37.7 ms). How many log2
# slots the calls fill depends on how busy the machine is, so the expected cells and bars
# are read from kptrace's own JSON report of the same run; the call counts are exact.
# With one heat map column (--heatmap-width 60s):
#   --heatmap: per probe one cell per occupied log2 slot, with the slot's calls; 10 and 3
#   --html: in headless chromium, no console error, no network request, the same cells,
#     one histogram bar per occupied slot, the slowest calls with their arguments and
#     return values (kpt_recurse(3), the outermost, first, returning 3), a screenshot of
#     many colours
#   --timeline: 10 + 3 complete events, the kpt_recurse ones nested on one thread, named
#     threads; speedscope imports it, and kptrace latency --ustack --folded of kpt_callchain,
#     without an error dialog, while a file of neither format raises one.
# The perf backend gives the same timeline. Nothing is left in tracefs.
. "$(dirname "$0")/lib.sh"
require_root_tracefs
. "$(dirname "$0")/../viewers/viewers.sh"
require_browser
SLEEPER=$PROGS/kpt_sleeper
WORKP="$SLEEPER:kpt_work usec=%di:u32"
RECP="$SLEEPER:kpt_recurse depth=%di:s32"
USEC=12583	# 1.5 * 2^23 ns
LOAD=("$SLEEPER" -n 10 -s $USEC -r 3)
PICS=(--heatmap-width 60s)

# check_pictures WHAT DIR: the heat map, report and timeline in DIR, against kptrace's JSON
# report of the same run in DIR/latency.json.
check_pictures() {
	local what=$1 dir=$2 got slots
	# per probe: [occupied log2 slots, calls], as kptrace's report says
	slots=$(jq -c '[.probes[] | [([.histogram[] | select(.count > 0)] | length), .count]]' \
		"$dir/latency.json")
	assert_eq "$what report: calls per probe" "$(jq -c '[.probes[].count]' "$dir/latency.json")" \
		"[10,3]"
	view svg "$dir/heat.svg" "$dir/heat.png" >"$dir/svg.json" 2>"$dir/view.err" ||
		fail "$what: chromium could not show the heat map: $(tail -5 "$dir/view.err")"
	assert_eq "$what heat map: cells and calls per probe" \
		"$(jq -c '[.probes[] | [.cells, .cell_calls]]' "$dir/svg.json")" "$slots"
	assert_eq "$what heat map: no console or page error" \
		"$(jq -c '.console_errors + .page_errors' "$dir/svg.json")" "[]"

	view html "$dir/report.html" "$dir/report.png" >"$dir/html.json" 2>"$dir/view.err" ||
		fail "$what: chromium could not show the report: $(tail -5 "$dir/view.err")"
	assert_eq "$what report: console errors" "$(jq -c .console_errors "$dir/html.json")" "[]"
	assert_eq "$what report: page errors" "$(jq -c .page_errors "$dir/html.json")" "[]"
	assert_eq "$what report: network requests" "$(jq -c .requests "$dir/html.json")" "[]"
	assert_eq "$what report: heat map cells per probe" \
		"$(jq -c '[.probes[] | [.cells, .cell_calls]]' "$dir/html.json")" "$slots"
	assert_eq "$what report: histogram bars per probe" \
		"$(jq -c '[.probes[] | [.bars, .bar_calls]]' "$dir/html.json")" "$slots"
	assert_eq "$what report: has the lost-event table" "$(jq .loss_table "$dir/html.json")" true
	assert_eq "$what report: slowest calls per probe" \
		"$(jq -c '[.probes[].slowest]' "$dir/html.json")" "[10,3]"
	assert_eq "$what report: SVGs (a histogram and a heat map per probe)" \
		"$(jq .svgs "$dir/html.json")" 4
	assert_eq "$what report: kpt_work's slowest call, arguments and return" \
		"$(jq -c '.probes[0] | [.first_args, .first_ret]' "$dir/html.json")" \
		'["usec='$USEC'","ret='$USEC'"]'
	assert_eq "$what report: kpt_recurse's slowest call is the outermost" \
		"$(jq -c '.probes[1] | [.first_args, .first_ret]' "$dir/html.json")" \
		'["depth=3","ret=3"]'
	got=$(jq .colours "$dir/html.json")
	[ "$got" -ge 50 ] && pass "$what report: the screenshot has $got colours" ||
		fail "$what report: the screenshot has $got colours: blank?"

	assert_eq "$what timeline: complete events per probe" \
		"$(jq -c '[.traceEvents[] | select(.ph == "X") | .name | sub(".*:"; "")] |
			group_by(.) | map([.[0], length])' "$dir/timeline.json")" \
		'[["kpt_recurse",3],["kpt_work",10]]'
	assert_eq "$what timeline: only complete and metadata events" \
		"$(jq -c '[.traceEvents[].ph] | unique' "$dir/timeline.json")" '["M","X"]'
	assert_eq "$what timeline: the load's thread is named" \
		"$(jq -r '[.traceEvents[] | select(.ph == "M" and .name == "thread_name") |
			.args.name] | unique | join(",")' "$dir/timeline.json")" kpt_sleeper
	# kpt_recurse: outermost first by start, each inside the one before, depth 0, 1, 2
	assert_eq "$what timeline: kpt_recurse nested (depth, depth arg, return, inside parent)" \
		"$(jq -c '[.traceEvents[] | select(.ph == "X" and (.name | endswith("kpt_recurse")))] |
			sort_by(.ts) | [foreach .[] as $e (null; [$e, .[0]];
			[$e.args["kptrace.depth"], $e.args.depth, $e.args["return.ret"],
			 (.[1] == null or ($e.ts >= .[1].ts and
			  $e.ts + $e.dur <= .[1].ts + .[1].dur))])]' "$dir/timeline.json")" \
		'[[0,3,3,true],[1,2,2,true],[2,1,1,true]]'
	assert_eq "$what timeline: ts and dur in microseconds (kpt_work lasts $USEC us or more)" \
		"$(jq --argjson us $USEC '[.traceEvents[] | select(.ph == "X" and
			(.name | endswith("kpt_work"))) | select(.dur >= $us)] | length' \
			"$dir/timeline.json")" 10

	# kptrace's own folded stacks: a known call chain, its user stacks summed in ns.
	"$KPTRACE" latency --ustack --folded "$(readlink -f "$PROGS/kpt_callchain"):kpt_chain_c" \
		-- "$PROGS/kpt_callchain" -n 20 >"$dir/kptrace.folded" 2>"$dir/folded.err" ||
		fail "$what: latency --folded failed: $(tail -3 "$dir/folded.err")"
	assert_contains "$what: folded stacks, root first" "$dir/kptrace.folded" \
		"main;kpt_chain_a;kpt_chain_b;kpt_chain_c "
	echo "this is not a profile" >"$dir/neither.txt"
	view speedscope "$SPEEDSCOPE" "$dir/timeline.json" "$dir/kptrace.folded" \
		"$dir/neither.txt" >"$dir/speedscope.json" 2>"$dir/view.err" ||
		fail "$what: speedscope did not run: $(tail -5 "$dir/view.err")"
	assert_eq "$what speedscope: the timeline and the folded file import, without a dialog" \
		"$(jq -c '[.imports[0:2][] | [.title, (.dialogs | length)]]' "$dir/speedscope.json")" \
		'[["timeline.json - speedscope",0],["kptrace.folded - speedscope",0]]'
	assert_eq "$what speedscope: a file of neither format raises an error dialog" \
		"$(jq -c '.imports[2].dialogs | length' "$dir/speedscope.json")" 1
	assert_eq "$what speedscope: no page error" "$(jq -c .page_errors "$dir/speedscope.json")" "[]"
}

mkdir -p "$WORK/live" "$WORK/file"
"$KPTRACE" latency --json "${PICS[@]}" --heatmap "$WORK/live/heat.svg" \
	--html "$WORK/live/report.html" --timeline "$WORK/live/timeline.json" "$WORKP" "$RECP" \
	-- "${LOAD[@]}" >"$WORK/live/latency.json" 2>"$WORK/live/latency.err"
assert_eq "latency with pictures: exit status" $? 0
assert_clean "latency with pictures"
check_pictures live "$WORK/live"

"$KPTRACE" record -o "$WORK/load.dat" "$WORKP" "$RECP" -- "${LOAD[@]}" 2>"$WORK/record.err" ||
	fail "record: $(cat "$WORK/record.err")"
assert_clean "record"
"$KPTRACE" latency --input "$WORK/load.dat" "${PICS[@]}" --heatmap "$WORK/file/heat.svg" \
	--html "$WORK/file/report.html" --timeline "$WORK/file/timeline.json" --json \
	>"$WORK/file/latency.json" 2>"$WORK/file/latency.err"
assert_eq "latency --input with pictures: exit status" $? 0
check_pictures "--input" "$WORK/file"

# The perf backend feeds the same analysers: the same calls in the timeline.
"$KPTRACE" latency --backend perf --timeline "$WORK/perf.json" "$WORKP" "$RECP" -- "${LOAD[@]}" \
	>/dev/null 2>"$WORK/perf.err"
assert_eq "--backend perf --timeline: exit status" $? 0
assert_eq "--backend perf timeline: complete events per probe" \
	"$(jq -c '[.traceEvents[] | select(.ph == "X") | .name | sub(".*:"; "")] |
		group_by(.) | map([.[0], length])' "$WORK/perf.json")" \
	'[["kpt_recurse",3],["kpt_work",10]]'
assert_clean "--backend perf"

# The timeline streams: 20 times the calls, about the same peak memory (the file grows by
# megabytes), and every call in it.
peak() {
	/usr/bin/time -f %M -o "$WORK/peak" "$KPTRACE" latency --timeline "$WORK/big.json" \
		"$WORKP" -- "$SLEEPER" -n "$1" -s 0 >/dev/null 2>&1
	cat "$WORK/peak"
}
small=$(peak 2000)
big=$(peak 40000)
assert_eq "timeline of 40000 calls: complete events" \
	"$(jq '[.traceEvents[] | select(.ph == "X")] | length' "$WORK/big.json")" 40000
[ $((big - small)) -lt 1024 ] &&
	pass "timeline: peak memory $small kB for 2000 calls, $big kB for 40000 calls" ||
	fail "timeline: peak memory grows with the calls: $small kB for 2000, $big kB for 40000"

# Without --heatmap-width, live, columns are 1 ms wide at first: the 10 kpt_work calls
# (1.5 ms each, back to back) fall in 10 different columns.
"$KPTRACE" latency --heatmap "$WORK/auto.svg" "$WORKP" -- "$SLEEPER" -n 10 -s 1500 \
	>/dev/null 2>&1
view svg "$WORK/auto.svg" "$WORK/auto.png" >"$WORK/auto.json" 2>/dev/null
assert_eq "heat map, 1 ms columns: one cell per call" \
	"$(jq -c '[.probes[] | [.cells, .cell_calls]]' "$WORK/auto.json")" "[[10,10]]"

# Errors: clear, and nothing is created.
"$KPTRACE" latency --heatmap /nonexistent/dir/h.svg "$WORKP" -- "$SLEEPER" -n 1 \
	>/dev/null 2>"$WORK/err1"
assert_eq "--heatmap into a missing directory: exit status" $? 1
assert_contains "--heatmap into a missing directory" "$WORK/err1" "/nonexistent/dir/h.svg"
"$KPTRACE" latency --timeline /nonexistent/t.json "$WORKP" -- "$SLEEPER" -n 1 \
	>/dev/null 2>"$WORK/err2"
assert_eq "--timeline into a missing directory: exit status" $? 1
assert_contains "--timeline into a missing directory" "$WORK/err2" "cannot create it"
"$KPTRACE" latency --heatmap-width 1s "$WORKP" >/dev/null 2>"$WORK/err3"
assert_eq "--heatmap-width alone: exit status" $? 2
assert_contains "--heatmap-width alone" "$WORK/err3" "give --heatmap FILE or --html FILE"
"$KPTRACE" count --html "$WORK/x.html" "$WORKP" >/dev/null 2>"$WORK/err4"
assert_eq "count --html: exit status" $? 2
assert_contains "count --html" "$WORK/err4" "use kptrace latency"
assert_clean "errors"
finish
