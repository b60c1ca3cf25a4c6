# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers of bench/run.sh: tracefs instances and probes of the bench's own, one
# measured run of a tracer, and the parsing of each tool's own report.
#
# Every run sets the R_* variables (run_reset lists them); run.sh appends them
# to raw.tsv. Nothing here touches another tool's instances or probes: the
# bench's are named kptbench_<pid>*, and cleanup_all removes them on any exit.

TRACEFS=/sys/kernel/tracing
BENCH_TAG=kptbench_$$			# instance prefix and uprobe group
LOCK_FILE=/tmp/kptrace-live-tests.lock	# tests/live/lib.sh serialises on it too

# ---------------------------------------------------------------- small things

log() { printf '%s\n' "$*" >&2; }
die() { log "bench: error: $*"; exit 1; }

# The measured runs take the live tests' lock, so that a concurrent
# 'make check' neither disturbs a measurement nor sees our kptrace instances.
lock_tracing() { exec 9>"$LOCK_FILE"; flock -w 900 9 || die "cannot take $LOCK_FILE"; }
unlock_tracing() { flock -u 9; exec 9>&-; }

# cpu_ns PID: CPU time (user+sys, ns) used so far by every thread of PID.
cpu_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# perf_fds PID: how many perf_event file descriptors PID holds.
perf_fds() { ls -l /proc/"$1"/fd 2>/dev/null | grep -c 'perf_event' || true; }

# wait_until SECONDS CMD...: poll CMD every 20 ms; 0 once it succeeds, 1 on timeout.
wait_until() {
	local limit=$(( $1 * 50 )) i
	shift
	for (( i = 0; i < limit; i++ )); do
		"$@" && return 0
		sleep 0.02
	done
	return 1
}

# workload_parse FILE: "calls rate" from a load's "N calls in S s: R calls/s" line.
workload_parse() {
	awk '/ calls in .* calls\/s/ { print $1, $(NF-1); found = 1 } END { if (!found) print "", "" }' "$1"
}

# time_parse FILE: "elapsed_s cpu_ns maxrss_kb" from /usr/bin/time -f '%e %U %S %M'.
time_parse() {
	awk 'NF == 4 && $1 ~ /^[0-9.]+$/ { e = $1; c = ($2 + $3) * 1e9; m = $4 }
	     END { printf "%s %.0f %s\n", e, c, m }' "$1"
}

# ---------------------------------------------------------------- tracefs state

# trace-cmd extract resets some top-level files. save_top / restore_top keep
# their contents and write back only those that changed.
TOP_FILES="tracing_on current_tracer trace_clock buffer_size_kb buffer_percent tracing_cpumask
	set_event set_event_pid set_ftrace_pid trace_options"

save_top() {
	local f
	mkdir -p "$1"
	for f in $TOP_FILES; do
		cat "$TRACEFS/$f" >"$1/${f//\//_}" 2>/dev/null || true
	done
}

restore_top() {
	local f saved now line
	for f in $TOP_FILES; do
		saved="$1/${f//\//_}"
		[ -f "$saved" ] || continue
		now=$(cat "$TRACEFS/$f" 2>/dev/null) || continue
		[ "$now" = "$(cat "$saved")" ] && continue
		log "bench: trace-cmd changed top-level $f; restoring it"
		echo "$(date +%T) restored top-level $f" >>"$RES/notes.txt"
		case $f in
		trace_clock)
			sed -n 's/.*\[\(.*\)\].*/\1/p' "$saved" >"$TRACEFS/$f" ;;
		buffer_size_kb)
			# "7 (expanded: 1408)": a buffer never used cannot shrink back
			# once expanded; give it the size it would have expanded to.
			sed 's/.*(expanded: \([0-9]*\)).*/\1/' "$saved" >"$TRACEFS/$f" 2>/dev/null || true ;;
		trace_options)
			while read -r line; do echo "$line" >"$TRACEFS/$f" 2>/dev/null || true; done <"$saved" ;;
		set_event)
			echo >"$TRACEFS/set_event"
			while read -r line; do [ -n "$line" ] && echo "$line" >>"$TRACEFS/set_event"; done <"$saved" ;;
		set_event_pid|set_ftrace_pid)
			echo >"$TRACEFS/$f"
			while read -r line; do
				[ -n "$line" ] && [ "$line" != "no pid" ] && echo "$line" >>"$TRACEFS/$f"
			done <"$saved" ;;
		*)
			cat "$saved" >"$TRACEFS/$f" 2>/dev/null || true ;;
		esac
	done
}

# instance_create NAME BUFFER_KB EVENT...: an instance of ours with the mono
# clock (kptrace's), BUFFER_KB per CPU (0: the kernel's default) and the
# EVENTs (SYSTEM/NAME) enabled. Tracing is on when it returns.
instance_create() {
	local name=$1 kb=$2 dir=$TRACEFS/instances/$1 ev
	shift 2
	mkdir "$dir" || return 1
	echo mono >"$dir/trace_clock"
	[ "$kb" -gt 0 ] && echo "$kb" >"$dir/buffer_size_kb"
	for ev in "$@"; do
		echo 1 >"$dir/events/$ev/enable" || return 1
	done
	echo 1 >"$dir/tracing_on"
}

# instance_loss NAME: overrun + dropped events over the CPUs of an instance.
instance_loss() {
	cat "$TRACEFS/instances/$1"/per_cpu/cpu*/stats 2>/dev/null |
		awk '/^overrun:/ || /^dropped events:/ { s += $NF } END { print s + 0 }'
}

instance_remove() {
	local dir=$TRACEFS/instances/$1
	[ -d "$dir" ] || return 0
	echo 0 >"$dir/tracing_on" 2>/dev/null
	echo 0 >"$dir/events/enable" 2>/dev/null
	rmdir "$dir" 2>/dev/null || log "bench: warning: cannot remove instance $1"
}

# uprobe_pair_create BIN SYMBOL: uprobe and uretprobe $BENCH_TAG/func_entry and
# func_exit on SYMBOL (the file offset from the ELF symbol and program headers).
uprobe_pair_create() {
	local bin=$1 sym=$2 addr off="" kind o v p f m rest
	addr=$(nm "$bin" | awk -v s="$sym" '$3 == s { print $1; exit }')
	[ -n "$addr" ] || return 1
	addr=$((16#$addr))
	# LOAD Offset VirtAddr PhysAddr FileSiz MemSiz Flg Align
	while read -r kind o v p f m rest; do
		[ "$kind" = LOAD ] || continue
		if (( addr >= v && addr < v + m )); then
			off=$(printf '0x%x' $(( addr - v + o )))
			break
		fi
	done < <(readelf -lW "$bin")
	[ -n "$off" ] || return 1
	echo "p:$BENCH_TAG/func_entry $bin:$off" >>"$TRACEFS/uprobe_events" &&
		echo "r:$BENCH_TAG/func_exit $bin:$off" >>"$TRACEFS/uprobe_events"
}

uprobe_pair_remove() {
	grep -q "^[pr]:$BENCH_TAG/" "$TRACEFS/uprobe_events" 2>/dev/null || return 0
	echo "-:$BENCH_TAG/func_entry" >>"$TRACEFS/uprobe_events" 2>/dev/null
	echo "-:$BENCH_TAG/func_exit" >>"$TRACEFS/uprobe_events" 2>/dev/null
	grep -q "^[pr]:$BENCH_TAG/" "$TRACEFS/uprobe_events" &&
		log "bench: warning: cannot remove the uprobes of group $BENCH_TAG"
	return 0
}

# Everything this bench created, on any exit path: our processes (by pid),
# our instances and probes, the top-level state, the scratch files.
STARTED_PIDS=""
cleanup_all() {
	local pid inst
	for pid in $STARTED_PIDS; do
		kill -0 "$pid" 2>/dev/null && kill -INT "$pid" 2>/dev/null
	done
	sleep 0.2
	for pid in $STARTED_PIDS; do
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	done
	for inst in "$TRACEFS"/instances/"$BENCH_TAG"*; do
		[ -d "$inst" ] && instance_remove "$(basename "$inst")"
	done
	uprobe_pair_remove
	[ -n "${RES:-}" ] && [ -d "$RES/top-saved" ] && restore_top "$RES/top-saved"
	[ -n "${SCRATCH:-}" ] && rm -rf "$SCRATCH"
	return 0
}

# ---------------------------------------------------------------- one measured run

run_reset() {
	R_RATE="" R_CALLS="" R_CPU_NS="" R_LOST="" R_RSS="" R_CAPT="" R_NOTE=""
}

# gate_workload LOG CMD...: start CMD held behind a FIFO, as a child of the
# bench (never of a tracer, so no tracer's rusage counts it), its output in
# LOG ($W_LOG). Its pid (kept across exec) is $W_PID; release_workload lets it run.
gate_workload() {
	local out=$1
	shift
	W_LOG=$out
	W_GATE=$SCRATCH/gate.$RANDOM
	mkfifo "$W_GATE"
	sh -c 'read _ < "$0"; exec "$@"' "$W_GATE" "$@" >"$out" 2>&1 &
	W_PID=$!
	STARTED_PIDS="$STARTED_PIDS $W_PID"
}

release_workload() { echo go >"$W_GATE"; rm -f "$W_GATE"; }

# start_tracer PREFIX CMD...: CMD under /usr/bin/time (PREFIX.time), its stdout
# and stderr in PREFIX.out and PREFIX.err. Sets T_TIME (time's pid) and T_PID
# (the tracer's).
start_tracer() {
	local pfx=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$pfx.time" "${PIN_TRACER[@]}" "$@" \
		>"$pfx.out" 2>"$pfx.err" &
	T_TIME=$!
	STARTED_PIDS="$STARTED_PIDS $T_TIME"
	T_PID=""
	wait_until 10 tracer_child_known || return 1
	STARTED_PIDS="$STARTED_PIDS $T_PID"
}

tracer_child_known() {
	T_PID=$(awk '{ print $1 }' /proc/"$T_TIME"/task/"$T_TIME"/children 2>/dev/null)
	[ -n "$T_PID" ]
}

# Readiness: the tracer's events are live, so no call of the released load
# goes untraced.
ready_kptrace_tracefs() {
	local dir=$TRACEFS/instances/kptrace_$T_PID
	grep -qv '^0$' "$dir/events/enable" 2>/dev/null && grep -q 1 "$dir/tracing_on" 2>/dev/null
}
ready_kptrace_perf() {
	[ -d "$TRACEFS/instances/kptrace_$T_PID" ] && [ "$(perf_fds "$T_PID")" -ge 2 ]
}
# bpftrace runs BEGIN once every probe is attached: the programs print "ready" there.
ready_bpftrace() { grep -q '^ready' "$1.out" 2>/dev/null; }

# finish_tracer MODE: wait for the load, then for the tracer (MODE self: it
# exits with its -p target; int: it needs SIGINT). Sets R_RATE, R_CALLS,
# R_CPU_NS (tracer CPU after the release), R_RSS.
finish_tracer() {
	local mode=$1 cpu0=$2 wlog=$3 pfx=$4 tries
	wait "$W_PID" 2>/dev/null
	read -r R_CALLS R_RATE < <(workload_parse "$wlog")
	[ "$mode" = int ] && kill -INT "$T_PID" 2>/dev/null
	for (( tries = 0; tries < 3000; tries++ )); do
		kill -0 "$T_TIME" 2>/dev/null || break
		[ $tries -eq 500 ] && kill -INT "$T_PID" 2>/dev/null	# 10 s: tell it to stop
		sleep 0.02
	done
	kill -0 "$T_TIME" 2>/dev/null && { kill -KILL "$T_PID"; R_NOTE="killed"; }
	wait "$T_TIME" 2>/dev/null
	local e total rss
	read -r e total rss < <(time_parse "$pfx.time")
	R_RSS=$rss
	[ -n "$total" ] && R_CPU_NS=$(( total > cpu0 ? total - cpu0 : 0 ))
}

# traced_run ID PREFIX READY MODE CMD...: the load gated, the tracer CMD started
# (the word @PID@ in CMD becomes the load's pid), READY polled (up to 30 s),
# CPU read, the load released, both waited for.
traced_run() {
	local id=$1 pfx=$2 ready=$3 mode=$4 arg cpu0
	shift 4
	local cmd=()
	for arg in "$@"; do cmd+=("${arg//@PID@/$W_PID}"); done
	start_tracer "$pfx" "${cmd[@]}" || { R_NOTE="tracer did not start"; return 1; }
	if ! wait_until 30 $ready "$pfx"; then
		R_NOTE="tracer not ready after 30 s: $(head -c 200 "$pfx.err" | tr '\n' ' ')"
		kill -INT "$T_PID" 2>/dev/null; kill -KILL "$W_PID" 2>/dev/null
		wait "$T_TIME" "$W_PID" 2>/dev/null
		return 1
	fi
	sleep 0.2	# a margin after the check: the last enable is done by then
	cpu0=$(cpu_ns "$T_PID")
	release_workload
	finish_tracer "$mode" "$cpu0" "$W_LOG" "$pfx"
}

# perf record starts with its events disabled (-D -1) and takes commands on a
# FIFO: enable them, and wait for its ack.
ready_perf_record() {
	[ -e "$1.acked" ] && return 0
	timeout 10 sh -c 'echo enable > "$0"' "$1.ctl" || return 1
	[ "$(timeout 10 head -n 1 "$1.ack")" = ack ] || return 1
	touch "$1.acked"
}
