#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kptrace's benchmark: kptrace against perf, trace-cmd and bpftrace on the same
# loads, in one run, the tools alternating, medians of several rounds.
#
#   bench/run.sh [-r ROUNDS] [-t SECONDS] [--quick] [--pin] [--only W1,W2,W3,FLAT]
#
#   -r N        rounds of every row (default 5)
#   -t SECONDS  how long each W1/W2 load runs (default 3)
#   --quick     a fast sanity run: 1 round of 1 s, a small W3 file, a short flat-memory test
#   --only LIST run only these parts (comma-separated: W1, W2, W3, FLAT)
#   --baseline KPTRACE  also run 'kptrace latency' and 'kptrace record' of
#               another build (e.g. the commit before a change) as rows of the
#               same rounds
#   --rows LIST run only these rows of W1/W2 (comma-separated ids: untraced,
#               floor, floorpid, kpt, kptall, kptmap, kptbase, kptperf, kptrec,
#               kptrecbase, perf, tcmd, bpf)
#   --pin       pin every load to CPU 0 and every tracer to CPU 1 (taskset), so
#               that the tracer never takes the load's CPU; the default leaves
#               both to the scheduler, as a user runs them
#   --compete N run N CPU-bound processes (busy loops) during every W1/W2 row,
#               untraced and floor included: the tracer then competes for the
#               CPUs, as on a busy host (the loss target must hold there too)
#
# Needs root (tracefs, perf, BPF). Installs its Debian peers (linux-perf,
# trace-cmd, bpftrace, libtracecmd-dev) if missing, builds kptrace if needed,
# prints the tables and the targets, and keeps the raw figures in
# bench/results/<date>/ (bench/results/latest points at the last run).
# See bench/README.md for what each row and column means.
set -uo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH/.." && pwd)
BUILD=${KPT_BUILDDIR:-$TOP/build}
. "$BENCH/lib.sh"

ROUNDS=5 SECS=3 QUICK=0 ONLY="W1,W2,W3,FLAT"
BASELINE="" ROWS=""
PIN_LOAD=() PIN_TRACER=()		# --pin: taskset prefixes (they exec: pids are kept)
COMPETE=0 COMPETITORS=()			# --compete N: busy loops during each row
W3_CALLS=3000000			# W3: 6 M records
FLAT_SMALL=500000 FLAT_BIG=10000000	# getppid calls: 1 M and 20 M events
usage() { sed -n '3,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
	case $1 in
	-r) ROUNDS=$2; shift ;;
	-t) SECS=$2; shift ;;
	--quick) QUICK=1 ;;
	--only) ONLY=$2; shift ;;
	--baseline) BASELINE=$2; shift ;;
	--rows) ROWS=$2; shift ;;
	--pin) PIN_LOAD=(taskset -c 0) PIN_TRACER=(taskset -c 1) ;;
	--compete) COMPETE=$2; shift ;;
	-h|--help) usage 0 ;;
	*) log "bench: unknown argument '$1'"; usage 2 ;;
	esac
	shift
done
if [ "$QUICK" = 1 ]; then
	ROUNDS=1 SECS=1 W3_CALLS=500000 FLAT_BIG=2000000
fi
wants() { [[ ",$ONLY," == *",$1,"* ]]; }

[ "$(id -u)" -eq 0 ] || die "run as root: the bench creates tracefs instances, uprobes and perf/BPF events"

# ---------------------------------------------------------------- set-up

install_peers() {
	local p missing=()
	for p in linux-perf trace-cmd bpftrace libtracecmd-dev pkg-config gcc jq binutils time; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "bench: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
		{ apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
		die "cannot install ${missing[*]}"
}

build_all() {
	if [ ! -f "$BUILD/Makefile" ]; then
		log "bench: no build in $BUILD; running scripts/bootstrap.sh"
		"$TOP/scripts/bootstrap.sh" --builddir "$BUILD" >&2 || die "the build failed"
	else
		make -C "$BUILD" -j"$(nproc)" all >"$RES/build.log" 2>&1 ||
			log "bench: warning: make failed (see $RES/build.log); using the binaries there are"
	fi
	KPTRACE=$BUILD/src/kptrace
	SYSLOAD=$BUILD/tests/progs/kpt_sysload
	FUNCLOOP=$BUILD/tests/progs/kpt_funcloop
	for f in "$KPTRACE" "$SYSLOAD" "$FUNCLOOP"; do [ -x "$f" ] || die "$f is not built"; done
	ITERATE=$RES/bin/tracecmd_iterate
	mkdir -p "$RES/bin"
	gcc -O2 -Wall -o "$ITERATE" "$BENCH/tracecmd_iterate.c" \
		$(pkg-config --cflags --libs libtracecmd) || die "cannot build bench/tracecmd_iterate.c"
}

# What this kptrace build has: 'kptrace --help' lists the commands; an
# unknown --backend is an error.
detect_features() {
	HAVE_RECORD=0 HAVE_REPORT=0 HAVE_PERF_BACKEND=0 HAVE_BPF=0
	"$KPTRACE" --help 2>&1 | grep -qE '^  record ' && HAVE_RECORD=1
	"$KPTRACE" --help 2>&1 | grep -qE '^  report ' && HAVE_REPORT=1
	lock_tracing
	"$KPTRACE" latency --backend perf -d 0.1 syscall:getppid >/dev/null 2>&1 && HAVE_PERF_BACKEND=1
	BPF_WHY=$(timeout 60 bpftrace -e 'tracepoint:syscalls:sys_enter_getppid { @n = count(); exit(); }' \
		-c "$SYSLOAD -g 1000" 2>&1) && HAVE_BPF=1
	unlock_tracing
	[ "$HAVE_BPF" = 1 ] || BPF_WHY=$(echo "$BPF_WHY" | grep -v RLIMIT_MEMLOCK | head -2 | tr '\n' ' ')
}

header() {
	local cpu mem
	cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	echo "kptrace benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $cpu, $(nproc) CPUs, $mem; kernel $(uname -r) ($(uname -m)); $(. /etc/os-release; echo "$PRETTY_NAME")"
	echo "tools:   kptrace $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo '?'), $(perf --version),"\
	     "trace-cmd $(trace-cmd --version 2>&1 | awk '/version/ { print $3; exit }'), $(bpftrace --version)"
	echo "run:     $ROUNDS round(s), W1/W2 loads of $SECS s, rows alternating; load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "cpus:    $( [ ${#PIN_LOAD[@]} -gt 0 ] && echo "pinned: loads on CPU 0, tracers on CPU 1" || echo "not pinned: the scheduler places loads and tracers")$( [ "$COMPETE" -gt 0 ] && echo "; $COMPETE CPU-bound processes compete during every row")"
	echo "kptrace: record $( [ $HAVE_RECORD = 1 ] && echo yes || echo no), report $( [ $HAVE_REPORT = 1 ] && echo yes || echo no),"\
	     "--backend perf $( [ $HAVE_PERF_BACKEND = 1 ] && echo yes || echo no); BPF $( [ $HAVE_BPF = 1 ] && echo works || echo "does NOT work here: $BPF_WHY")"
	echo
}

# ---------------------------------------------------------------- W1 / W2 rows

# --compete N: N busy loops for the length of a row.
start_competitors() {
	local i
	COMPETITORS=()
	for (( i = 0; i < COMPETE; i++ )); do
		bash -c 'while :; do :; done' &
		COMPETITORS+=($!)
	done
}
stop_competitors() {
	[ ${#COMPETITORS[@]} -gt 0 ] || return 0
	kill "${COMPETITORS[@]}" 2>/dev/null
	wait "${COMPETITORS[@]}" 2>/dev/null
	COMPETITORS=()
}

# set_workload W1|W2: the load, kptrace's probe, the events and the bpftrace program.
set_workload() {
	W=$1
	case $W in
	W1)
		LOAD=("${PIN_LOAD[@]}" "$SYSLOAD" -t "$SECS")
		PROBE=syscall:getppid
		EVENTS=(syscalls/sys_enter_getppid syscalls/sys_exit_getppid)
		PERF_EV=(-e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid)
		BPF_PROG='BEGIN { printf("ready\n"); }
tracepoint:syscalls:sys_enter_getppid { @s[tid] = nsecs }
tracepoint:syscalls:sys_exit_getppid /@s[tid]/ { @h = hist(nsecs - @s[tid]); delete(@s[tid]); }'
		TC_KB=$(( SECS * 140000 )) ;;	# ~25 B a record, up to 5 M records/s, any CPU
	W2)
		LOAD=("${PIN_LOAD[@]}" "$FUNCLOOP" -t "$SECS")
		PROBE=$FUNCLOOP:kpt_func
		EVENTS=("$BENCH_TAG/func_entry" "$BENCH_TAG/func_exit")
		PERF_EV=(-e "$BENCH_TAG:func_entry" -e "$BENCH_TAG:func_exit")
		BPF_PROG="BEGIN { printf(\"ready\\n\"); }
uprobe:$FUNCLOOP:kpt_func { @s[tid] = nsecs }
uretprobe:$FUNCLOOP:kpt_func /@s[tid]/ { @h = hist(nsecs - @s[tid]); delete(@s[tid]); }"
		TC_KB=$(( SECS * 8000 )) ;;
	esac
}

ROW_IDS="untraced floor floorpid kpt kptall kptmap kptbase kptperf kptrec kptrecbase perf tcmd bpf"
[ -n "$ROWS" ] && ROW_IDS=$(for id in $ROW_IDS; do [[ ",$ROWS," == *",$id,"* ]] && echo "$id"; done | xargs)
row_label() {
	case $1 in
	untraced) echo "untraced" ;;
	floor) echo "enabled, nobody reading" ;;
	floorpid) echo "enabled, pid filter, nobody" ;;
	kpt) echo "kptrace latency -p" ;;
	kptall) echo "kptrace latency, whole system" ;;
	kptmap) echo "kptrace latency, mapped" ;;
	kptbase) echo "kptrace latency, baseline" ;;
	kptperf) echo "kptrace latency --backend perf" ;;
	kptrec) echo "kptrace record" ;;
	kptrecbase) echo "kptrace record, baseline" ;;
	perf) echo "perf record" ;;
	tcmd) echo "trace-cmd (instance+extract)" ;;
	bpf) echo "bpftrace hist()" ;;
	esac
}

# row_available ID: empty if the row can run in this build, else why not.
row_available() {
	case $1 in
	kptperf) [ $HAVE_PERF_BACKEND = 1 ] || echo "not available in this build" ;;
	kptbase) [ -n "$BASELINE" ] || echo "no --baseline given" ;;
	kptrec) [ $HAVE_RECORD = 1 ] || echo "not available in this build" ;;
	kptrecbase) [ -n "$BASELINE" ] || echo "no --baseline given" ;;
	bpf) [ $HAVE_BPF = 1 ] || echo "BPF does not work here" ;;
	esac
}

row_untraced() {
	"${LOAD[@]}" >"$1.load" 2>&1
	read -r R_CALLS R_RATE < <(workload_parse "$1.load")
}

# The kernel's own cost: the events enabled in an instance, nobody reading
# (the ring buffer overwrites itself; its default size, kptrace's clock).
row_floor() {
	instance_create "${BENCH_TAG}_floor" 0 "${EVENTS[@]}" || { R_NOTE="cannot create the instance"; return; }
	"${LOAD[@]}" >"$1.load" 2>&1
	read -r R_CALLS R_RATE < <(workload_parse "$1.load")
	instance_remove "${BENCH_TAG}_floor"
}

# The floor of a tracer that follows one process (kptrace -p, trace-cmd -P):
# the same, with the load's pid in the instance's set_event_pid, so the kernel
# checks every event's task before writing it.
row_floorpid() {
	instance_create "${BENCH_TAG}_floorpid" 0 "${EVENTS[@]}" || { R_NOTE="cannot create the instance"; return; }
	gate_workload "$1.load" "${LOAD[@]}"
	echo "$W_PID" >"$TRACEFS/instances/${BENCH_TAG}_floorpid/set_event_pid" ||
		R_NOTE="cannot write set_event_pid"
	release_workload
	wait "$W_PID" 2>/dev/null
	read -r R_CALLS R_RATE < <(workload_parse "$1.load")
	echo >"$TRACEFS/instances/${BENCH_TAG}_floorpid/set_event_pid"
	instance_remove "${BENCH_TAG}_floorpid"
}

# kptrace's JSON "lost": every kind of loss it counts, summed.
kpt_json_lost() {
	jq -s 'last | .lost | (.overrun // 0) + (.dropped // 0) + (.missed_events // 0)
		+ (.probe_misses // 0) + (.perf_lost // 0)' "$1" 2>/dev/null
}

row_kpt() {
	gate_workload "$1.load" "${LOAD[@]}"
	traced_run kpt "$1" ready_kptrace_tracefs self "$KPTRACE" latency --json -p @PID@ "$PROBE" || return
	R_LOST=$(kpt_json_lost "$1.out")
	R_CAPT=$(jq -s 'last | .probes[0].count' "$1.out" 2>/dev/null)
}

# kptrace tracing the whole system, as the floor and bpftrace do: no pid
# filter in the kernel; stopped by SIGINT once the load is done.
row_kptall() {
	gate_workload "$1.load" "${LOAD[@]}"
	traced_run kptall "$1" ready_kptrace_tracefs int "$KPTRACE" latency --json "$PROBE" || return
	R_LOST=$(kpt_json_lost "$1.out")
	R_CAPT=$(jq -s 'last | .probes[0].count' "$1.out" 2>/dev/null)
}

# The tracefs backend reading mapped ring buffers (KPTRACE_MMAP=1, Linux 6.10+)
# instead of splicing their pages out.
row_kptmap() {
	gate_workload "$1.load" "${LOAD[@]}"
	traced_run kptmap "$1" ready_kptrace_tracefs self \
		env KPTRACE_MMAP=1 "$KPTRACE" latency --json -p @PID@ "$PROBE" || return
	R_LOST=$(kpt_json_lost "$1.out")
	R_CAPT=$(jq -s 'last | .probes[0].count' "$1.out" 2>/dev/null)
}

# --baseline: another kptrace build, to compare a change within one run.
row_kptbase() {
	gate_workload "$1.load" "${LOAD[@]}"
	traced_run kptbase "$1" ready_kptrace_tracefs self "$BASELINE" latency --json -p @PID@ "$PROBE" ||
		return
	R_LOST=$(kpt_json_lost "$1.out")
	R_CAPT=$(jq -s 'last | .probes[0].count' "$1.out" 2>/dev/null)
}

row_kptperf() {
	gate_workload "$1.load" "${LOAD[@]}"
	traced_run kptperf "$1" ready_kptrace_perf self \
		"$KPTRACE" latency --backend perf --json -p @PID@ "$PROBE" || return
	R_LOST=$(kpt_json_lost "$1.out")
	R_CAPT=$(jq -s 'last | .probes[0].count' "$1.out" 2>/dev/null)
}

# kptrace_record ID PREFIX KPTRACE: a record of the load by that build.
kptrace_record() {
	gate_workload "$2.load" "${LOAD[@]}"
	traced_run "$1" "$2" ready_kptrace_tracefs self \
		"$3" record -o "$SCRATCH/rec.dat" -p @PID@ "$PROBE" || return
	# "LOST EVENTS: X overwritten (overrun), Y dropped: ..." or nothing
	R_LOST=$(awk '/^LOST EVENTS:/ { s += $3 + $6 } END { print s + 0 }' "$2.err")
	rm -f "$SCRATCH/rec.dat"
}
row_kptrec() { kptrace_record kptrec "$1" "$KPTRACE"; }
row_kptrecbase() { kptrace_record kptrecbase "$1" "$BASELINE"; }

# perf's own count of lost samples: the LOST_SAMPLES lines of each event's stats.
perf_lost() {
	perf report -i "$1" --stats 2>/dev/null |
		awk '/stats:$/ && !/Aggregated/ { ev = 1 } ev && /LOST_SAMPLES events:/ { s += $3 }
		     END { print s + 0 }'
}

row_perf() {
	rm -f "$1.ctl" "$1.ack" "$1.acked"
	mkfifo "$1.ctl" "$1.ack"
	gate_workload "$1.load" "${LOAD[@]}"
	traced_run perf "$1" ready_perf_record self perf record "${PERF_EV[@]}" -p @PID@ \
		-o "$SCRATCH/perf.data" -D -1 --control "fifo:$1.ctl,$1.ack" || return
	R_CAPT=$(sed -n 's/.*(\([0-9]*\) samples).*/\1/p' "$1.err")
	R_LOST=$(perf_lost "$SCRATCH/perf.data")
	rm -f "$SCRATCH/perf.data" "$1.ctl" "$1.ack" "$1.acked"
}

# trace-cmd record and stream fail here (ftrace_enabled gives EPERM), so the
# events go to an instance of ours whose buffer holds the whole run, and
# 'trace-cmd extract' reads it afterwards. The load's rate is the floor's
# plus a bigger buffer; the tracer's CPU is extract's.
row_tcmd() {
	local inst=${BENCH_TAG}_tc t e total rss
	instance_create "$inst" "$TC_KB" "${EVENTS[@]}" || { R_NOTE="cannot create the instance"; return; }
	"${LOAD[@]}" >"$1.load" 2>&1
	read -r R_CALLS R_RATE < <(workload_parse "$1.load")
	echo 0 >"$TRACEFS/instances/$inst/tracing_on"
	R_LOST=$(instance_loss "$inst")
	save_top "$RES/top-saved"
	/usr/bin/time -f '%e %U %S %M' -o "$1.time" \
		trace-cmd extract -B "$inst" --compression none -o "$SCRATCH/tc.dat" >"$1.out" 2>"$1.err"
	restore_top "$RES/top-saved"
	instance_remove "$inst"
	read -r e total rss < <(time_parse "$1.time")
	R_CPU_NS=$total R_RSS=$rss
	# extract's own report: "CPU N: M events lost"
	t=$(awk '/events lost/ { s += $3 } END { print s + 0 }' "$1.err")
	[ "${t:-0}" -gt "${R_LOST:-0}" ] && R_LOST=$t
	rm -f "$SCRATCH/tc.dat"
}

row_bpf() {
	gate_workload "$1.load" "${LOAD[@]}"
	traced_run bpf "$1" ready_bpftrace int bpftrace -e "$BPF_PROG" || return
	# the histogram's counts: "[LOW, HIGH)   COUNT |@@@@   |"
	R_CAPT=$(awk '/^\[/ { l = $0; sub(/^[^)\]]*[)\]][ \t]*/, "", l); split(l, a, " "); s += a[1] }
		END { print s + 0 }' "$1.out")
	R_LOST=$(cat "$1.out" "$1.err" | awk '/Lost [0-9]+ events/ { s += $2 } END { print s + 0 }')
}

# One round of every row of workload W, in an order rotated by the round, so
# that no tool always runs first or right after another.
run_round() {
	local round=$1 ids=($ROW_IDS) n i id why pfx nsev
	n=${#ids[@]}
	for (( i = 0; i < n; i++ )); do
		id=${ids[$(( (i + round) % n ))]}
		why=$(row_available "$id")
		if [ -n "$why" ]; then
			printf '%s\t%s\t%s\t\t\t\t\t\t\t%s\n' "$W" "$id" "$round" "$why" >>"$RAW"
			continue
		fi
		pfx=$RES/logs/$W.$id.$round
		run_reset
		lock_tracing
		start_competitors
		"row_$id" "$pfx"
		stop_competitors
		unlock_tracing
		nsev=""
		if [ -n "$R_CPU_NS" ] && [ -n "$R_CALLS" ] && [ "$R_CALLS" -gt 0 ]; then
			nsev=$(awk -v c="$R_CPU_NS" -v n="$R_CALLS" 'BEGIN { printf "%.1f", c / (2 * n) }')
		fi
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$W" "$id" "$round" "$R_RATE" \
			"$R_CALLS" "$nsev" "$R_LOST" "$R_RSS" "$R_CAPT" "$R_NOTE" >>"$RAW"
		log "  $W round $round: $(printf '%-32s' "$(row_label "$id")") ${R_RATE:-failed} calls/s" \
			"${nsev:+ tracer ${nsev} ns/event}${R_LOST:+ lost $R_LOST}${R_NOTE:+ ($R_NOTE)}"
	done
}

# ---------------------------------------------------------------- statistics and tables

# stats W ROW COLUMN: "median min max" of a numeric column of raw.tsv (empty if none).
stats() {
	awk -F'\t' -v w="$1" -v r="$2" -v c="$3" '$1 == w && $2 == r && $c != "" { print $c }' "$RAW" |
		sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%s %s %s\n",
			(NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR] }'
}
col_max() { stats "$@" | awk '{ print $3 }'; }
rate_of() { stats "$1" "$2" 4 | awk '{ print $1 }'; }
fmt_m() { awk -v x="$1" 'BEGIN { if (x >= 1e6) printf "%.2f M", x / 1e6; else printf "%.1f k", x / 1e3 }'; }

print_table() {
	local w=$1 title=$2 id m mn mx base floor note ns lost rss capt
	base=$(rate_of "$w" untraced) floor=$(rate_of "$w" floor)
	echo "$title"
	printf '%-31s %-29s %9s %9s %10s %8s %9s\n' "row" "calls/s median (min-max)" "slowdown" \
		"vs floor" "tracer ns" "lost" "peak RSS"
	printf '%-31s %-29s %9s %9s %10s %8s %9s\n' "" "" "x untraced" "x" "per event" "max" "MB"
	for id in $ROW_IDS; do
		m="" mn="" mx=""
		read -r m mn mx < <(stats "$w" "$id" 4)
		if [ -z "${m:-}" ]; then
			note=$(awk -F'\t' -v w="$w" -v r="$id" '$1 == w && $2 == r && $10 != "" { n = $10 } END { print n }' "$RAW")
			printf '%-31s %s\n' "$(row_label "$id")" "${note:-no result}"
			continue
		fi
		ns=$(stats "$w" "$id" 6 | awk '{ print $1 }')
		lost=$(col_max "$w" "$id" 7)
		rss=$(stats "$w" "$id" 8 | awk '{ if ($1 != "") printf "%.1f", $1 / 1024 }')
		case $id in floor | floorpid) lost="-" ;; esac	# nobody reads: it overwrites by design
		printf '%-31s %-29s %9s %9s %10s %8s %9s\n' "$(row_label "$id")" \
			"$(fmt_m "$m") ($(fmt_m "$mn")-$(fmt_m "$mx"))" \
			"$(awk -v b="$base" -v m="$m" 'BEGIN { if (b) printf "%.2f", b / m }')" \
			"$(awk -v f="$floor" -v m="$m" 'BEGIN { if (f) printf "%.2f", f / m }')" \
			"${ns:--}" "${lost:--}" "${rss:--}"
	done
	# Cross-check: what each tool saw against the calls the load made (kptrace
	# and bpftrace count pairs, perf counts samples, two a call).
	awk -F'\t' -v w="$w" '$1 == w && $9 != "" && $5 > 0 {
		want = ($2 == "perf") ? 2 * $5 : $5
		if ($9 < 0.999 * want)
			printf "note: %s saw %d of %d %s in round %s\n", $2, $9, want,
				($2 == "perf") ? "events" : "calls", $3 }' "$RAW"
	echo
}

# ---------------------------------------------------------------- W3: offline

# The W3 trace.dat: 'kptrace record' of W1 with a buffer big enough to lose
# nothing, or (without record in this build) an instance of ours read by
# 'trace-cmd extract'. The perf.data: perf record of the same load.
make_w3_files() {
	W3_DAT=$SCRATCH/w3.dat W3_PERF=$SCRATCH/w3.perf.data
	lock_tracing
	if [ $HAVE_RECORD = 1 ]; then
		W3_HOW="kptrace record --buffer-size 256M syscall:getppid -- kpt_sysload -g $W3_CALLS"
		"$KPTRACE" record -o "$W3_DAT" --buffer-size 256M syscall:getppid -- "$SYSLOAD" -g "$W3_CALLS" \
			>"$RES/logs/W3.record.out" 2>"$RES/logs/W3.record.err"
	else
		W3_HOW="an instance of the bench's + trace-cmd extract (kptrace record is not in this build)"
		instance_create "${BENCH_TAG}_w3" 400000 syscalls/sys_enter_getppid syscalls/sys_exit_getppid
		"$SYSLOAD" -g "$W3_CALLS" >/dev/null
		echo 0 >"$TRACEFS/instances/${BENCH_TAG}_w3/tracing_on"
		save_top "$RES/top-saved"
		trace-cmd extract -B "${BENCH_TAG}_w3" --compression none -o "$W3_DAT" \
			>"$RES/logs/W3.extract.out" 2>&1
		restore_top "$RES/top-saved"
		instance_remove "${BENCH_TAG}_w3"
	fi
	perf record -m 64M -e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid -o "$W3_PERF" \
		-- "$SYSLOAD" -g "$W3_CALLS" >"$RES/logs/W3.perf.out" 2>"$RES/logs/W3.perf.err"
	unlock_tracing
	W3_RECORDS=$("$ITERATE" "$W3_DAT" | awk '{ print $1 }')
	W3_SAMPLES=$(perf report -i "$W3_PERF" --stats 2>/dev/null | awk '/SAMPLE events:/ { print $3; exit }')
	W3_DAT_MB=$(du -m "$W3_DAT" | cut -f1) W3_PERF_MB=$(du -m "$W3_PERF" | cut -f1)
}

OFF_IDS="kreport kreportlib tcreport tcprofile perfscript iterate"
off_label() {
	case $1 in
	kreport) echo "kptrace report" ;;
	kreportlib) echo "kptrace report --libtracecmd" ;;
	tcreport) echo "trace-cmd report" ;;
	tcprofile) echo "trace-cmd report --profile" ;;
	perfscript) echo "perf script -F tid,time,event" ;;
	iterate) echo "libtracecmd iteration (bare)" ;;
	esac
}
off_cmd() {
	case $1 in
	kreport) echo "$KPTRACE report $W3_DAT" ;;
	kreportlib) echo "$KPTRACE report --libtracecmd $W3_DAT" ;;
	tcreport) echo "trace-cmd report -i $W3_DAT" ;;
	tcprofile) echo "trace-cmd report --profile -i $W3_DAT" ;;
	perfscript) echo "perf script -i $W3_PERF -F tid,time,event" ;;
	iterate) echo "$ITERATE $W3_DAT" ;;
	esac
}

run_offline() {
	local round ids=($OFF_IDS) n i id e c m t0 t1
	n=${#ids[@]}
	for (( round = 1; round <= ROUNDS; round++ )); do
		for (( i = 0; i < n; i++ )); do
			id=${ids[$(( (i + round) % n ))]}
			if [[ $id == kreport* ]] && [ $HAVE_REPORT = 0 ]; then
				printf 'W3\t%s\t%s\t\t\t\t\t\t\tnot available in this build\n' "$id" "$round" >>"$RAW"
				continue
			fi
			t0=$(date +%s%N)
			/usr/bin/time -f '%e %U %S %M' -o "$RES/logs/W3.$id.$round.time" \
				$(off_cmd "$id") >/dev/null 2>"$RES/logs/W3.$id.$round.err"
			t1=$(date +%s%N)
			read -r e c m < <(time_parse "$RES/logs/W3.$id.$round.time")
			e=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
			# columns as for W1/W2: rate = events/s, ns/event = CPU per event
			local ev=$W3_RECORDS
			[ "$id" = perfscript ] && ev=$W3_SAMPLES
			printf 'W3\t%s\t%s\t%s\t%s\t%s\t\t%s\t%s\t\n' "$id" "$round" \
				"$(awk -v n="$ev" -v e="$e" 'BEGIN { if (e > 0) printf "%.0f", n / e }')" \
				"$ev" "$(awk -v c="$c" -v n="$ev" 'BEGIN { printf "%.1f", c / n }')" "$m" "$e" >>"$RAW"
			log "  W3 round $round: $(printf '%-32s' "$(off_label "$id")") $e s, $((m / 1024)) MB"
		done
	done
}

print_offline() {
	local id m mn mx t rss ns kr
	kr=$(rate_of W3 kreport)
	echo "W3: reading a trace.dat of $W3_RECORDS records ($W3_DAT_MB MB) offline; perf.data of $W3_SAMPLES samples ($W3_PERF_MB MB)"
	echo "    trace.dat made by: $W3_HOW; output to /dev/null, files in the page cache"
	printf '%-31s %-29s %9s %10s %9s %12s\n' "reader" "events/s median (min-max)" "seconds" "CPU ns" \
		"peak RSS" "kptrace report"
	printf '%-31s %-29s %9s %10s %9s %12s\n' "" "" "median" "per event" "MB" "is x faster"
	for id in $OFF_IDS; do
		m="" mn="" mx=""
		read -r m mn mx < <(stats W3 "$id" 4)
		if [ -z "${m:-}" ]; then
			printf '%-31s %s\n' "$(off_label "$id")" "not available in this build"
			continue
		fi
		t=$(stats W3 "$id" 9 | awk '{ print $1 }')
		ns=$(stats W3 "$id" 6 | awk '{ print $1 }')
		rss=$(stats W3 "$id" 8 | awk '{ printf "%.1f", $1 / 1024 }')
		printf '%-31s %-29s %9s %10s %9s %12s\n' "$(off_label "$id")" \
			"$(fmt_m "$m") ($(fmt_m "$mn")-$(fmt_m "$mx"))" "$t" "$ns" "$rss" \
			"$(awk -v k="$kr" -v m="$m" 'BEGIN { if (k) printf "%.2f", k / m; else print "-" }')"
	done
	echo
}

# ---------------------------------------------------------------- memory stays flat

run_flat() {
	local kind calls pfx
	W=FLAT
	for kind in kpt kptperf kptrec; do
		[ -z "$(row_available "$kind")" ] || continue
		for calls in "$FLAT_SMALL" "$FLAT_BIG"; do
			pfx=$RES/logs/FLAT.$kind.$calls
			LOAD=("${PIN_LOAD[@]}" "$SYSLOAD" -g "$calls") PROBE=syscall:getppid
			run_reset
			lock_tracing
			"row_$kind" "$pfx"
			unlock_tracing
			printf 'FLAT\t%s\t%s\t%s\t%s\t\t%s\t%s\t%s\t%s\n' "$kind" "$calls" "$R_RATE" "$R_CALLS" \
				"$R_LOST" "$R_RSS" "$R_CAPT" "$R_NOTE" >>"$RAW"
			log "  flat: $(row_label "$kind") $((2 * calls)) events: ${R_RSS:-?} KB${R_LOST:+, lost $R_LOST}"
		done
	done
}

print_flat() {
	local kind a b la lb
	echo "Memory stays flat: peak RSS of the tracer on W1 (kpt_sysload -g N), one run each"
	printf '%-31s %14s %14s %8s %12s\n' "tracer" "$(( 2 * FLAT_SMALL / 1000000 )) M events" \
		"$(( 2 * FLAT_BIG / 1000000 )) M events" "growth" "lost (1M/big)"
	for kind in kpt kptperf kptrec; do
		a=$(awk -F'\t' -v k="$kind" -v c="$FLAT_SMALL" '$1 == "FLAT" && $2 == k && $3 == c { print $8 }' "$RAW")
		b=$(awk -F'\t' -v k="$kind" -v c="$FLAT_BIG" '$1 == "FLAT" && $2 == k && $3 == c { print $8 }' "$RAW")
		la=$(awk -F'\t' -v k="$kind" -v c="$FLAT_SMALL" '$1 == "FLAT" && $2 == k && $3 == c { print $7 }' "$RAW")
		lb=$(awk -F'\t' -v k="$kind" -v c="$FLAT_BIG" '$1 == "FLAT" && $2 == k && $3 == c { print $7 }' "$RAW")
		if [ -z "$a$b" ]; then
			printf '%-31s %s\n' "$(row_label "$kind")" "$(row_available "$kind")"
			continue
		fi
		printf '%-31s %11.1f MB %11.1f MB %7sx %12s\n' "$(row_label "$kind")" \
			"$(awk -v x="$a" 'BEGIN { print x / 1024 }')" "$(awk -v x="$b" 'BEGIN { print x / 1024 }')" \
			"$(awk -v a="$a" -v b="$b" 'BEGIN { if (a) printf "%.2f", b / a }')" "${la:-?}/${lb:-?}"
	done
	echo
}

# ---------------------------------------------------------------- targets

# target NAME VALUE OP LIMIT UNIT: one PASS/MISS line (VALUE empty: not measured).
target() {
	local name=$1 v=$2 op=$3 lim=$4 unit=$5
	if [ -z "$v" ]; then
		printf '  %-4s %-62s %s\n' "----" "$name" "not measured in this run"
		return
	fi
	awk -v n="$name" -v v="$v" -v op="$op" -v l="$lim" -v u="$unit" 'BEGIN {
		ok = (op == "<=") ? (v <= l) : (v >= l)
		printf "  %-4s %-62s %s %s (target %s %s)\n", ok ? "PASS" : "MISS", n, v, u, op, l }'
}

# ratio A B: A / B to two places, or nothing if either is missing.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a && b) printf "%.2f", a / b }'; }

print_targets() {
	local base floor fpid k ka kp bpf ns lost v
	echo "Targets (the goals kptrace set itself for these loads)"
	floor=$(rate_of W1 floor) fpid=$(rate_of W1 floorpid) k=$(rate_of W1 kpt)
	ka=$(rate_of W1 kptall) kp=$(rate_of W1 kptperf) bpf=$(rate_of W1 bpf)
	lost=$(col_max W1 kpt 7)
	target "W1: events lost, kptrace latency, default buffers (max of rounds)" "$lost" "<=" 0 events
	lost=$(col_max W1 kptall 7)
	target "W1: events lost, kptrace latency, whole system (max of rounds)" "$lost" "<=" 0 events
	lost=$(col_max W1 kptperf 7)
	target "W1: events lost, kptrace latency --backend perf (max of rounds)" "$lost" "<=" 0 events
	# Like with like: -p against the floor with the same pid filter, the whole
	# system against the floor without one and against bpftrace (whole system).
	v=$(ratio "$fpid" "$k")
	target "W1: kptrace -p slowdown / the pid-filtered floor's" "$v" "<=" 1.05 x
	v=$(ratio "$floor" "$ka")
	target "W1: kptrace (whole system) slowdown / the floor's" "$v" "<=" 1.05 x
	v=$(ratio "$ka" "$bpf")
	target "W1: kptrace (whole system) rate / bpftrace's (whole system)" "$v" ">=" 2 x
	v=$(ratio "$floor" "$k")
	target "W1: kptrace -p slowdown / the floor's (no pid filter)" "$v" "<=" 1.05 x
	v=$(ratio "$floor" "$kp")
	target "W1: kptrace --backend perf slowdown / the floor's" "$v" "<=" 1.1 x
	v=$(ratio "$k" "$bpf")
	target "W1: kptrace -p rate / bpftrace's (whole system)" "$v" ">=" 2 x
	v=$(ratio "$kp" "$bpf")
	target "W1: kptrace --backend perf rate / bpftrace's" "$v" ">=" 1.2 x
	ns=$(stats W1 kpt 6 | awk '{ print $1 }')
	target "W1: kptrace tracer CPU per event" "$ns" "<=" 50 ns
	ns=$(stats W1 kptrec 6 | awk '{ print $1 }')
	target "W1: kptrace record CPU per event" "$ns" "<=" 30 ns
	ns=$(stats W1 kptperf 6 | awk '{ print $1 }')
	target "W1: kptrace --backend perf tracer CPU per event" "$ns" "<=" 60 ns
	k=$(rate_of W3 kreport)
	v=$(ratio "$k" "$(rate_of W3 tcreport)")
	target "W3: kptrace report speed / trace-cmd report's" "$v" ">=" 10 x
	v=$(ratio "$k" "$(rate_of W3 tcprofile)")
	target "W3: kptrace report speed / trace-cmd report --profile's" "$v" ">=" 1.6 x
	v=$(ratio "$k" "$(rate_of W3 iterate)")
	target "W3: kptrace report speed / a bare libtracecmd iteration's" "$v" ">=" 2 x
	v=$(stats W3 kreport 8 | awk '{ if ($1 != "") printf "%.1f", $1 / 1024 }')
	target "W3: kptrace report peak RSS" "$v" "<=" 20 MB
	echo
}

# ---------------------------------------------------------------- main

STAMP=$(date -u +%Y%m%d-%H%M%S)
RES=$BENCH/results/$STAMP
mkdir -p "$RES/logs" || die "cannot create $RES"
SCRATCH=$(mktemp -d /tmp/kptbench.XXXXXX)
RAW=$RES/raw.tsv
printf 'workload\trow\tround\trate\tcalls\tns_per_event\tlost\trss_kb\tcaptured\tnote\n' >"$RAW"
trap 'stop_competitors; cleanup_all' EXIT
trap 'log "bench: interrupted"; exit 130' INT TERM

if [ ! -e "$TRACEFS/README" ]; then
	mount -t tracefs nodev "$TRACEFS" || die "tracefs is not mounted and cannot be mounted"
fi
install_peers
build_all
detect_features
ln -sfn "$STAMP" "$BENCH/results/latest"

exec > >(tee "$RES/summary.txt")
header

if wants W1; then
	set_workload W1
	for (( r = 1; r <= ROUNDS; r++ )); do run_round "$r"; done
	print_table W1 "W1: getppid() in a tight loop (kpt_sysload -t $SECS), traced as syscall:getppid (sys_enter/sys_exit_getppid)"
fi
if wants W2; then
	set_workload W2
	lock_tracing
	uprobe_pair_create "$FUNCLOOP" kpt_func || die "cannot create the uprobes of W2"
	unlock_tracing
	for (( r = 1; r <= ROUNDS; r++ )); do run_round "$r"; done
	lock_tracing; uprobe_pair_remove; unlock_tracing
	print_table W2 "W2: kpt_func() called in a loop (kpt_funcloop -t $SECS), traced as a uprobe + uretprobe pair"
fi
if wants W3; then
	make_w3_files
	run_offline
	print_offline
fi
if wants FLAT; then
	run_flat
	print_flat
fi
print_targets
echo "Raw figures and every tool's output: $RES"
