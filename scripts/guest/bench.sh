#!/bin/sh
# Guest side of `make bench` (scripts/bench.sh): aobj vs memfd + Linux swap,
# side by side in one boot.  The first disk of $AOBJ_DISKS is aobj's swap
# device, the second Linux swap.  Results: "AOBJ-BENCH {json}" lines from
# /tools/aobj-bench; a failed run prints "AOBJ-BENCH-FAIL ...".
#
# Environment (defaults): BENCH_LIMIT_MB (128) aobj's max_resident_mb and
# the memcg's memory.max; BENCH_REPS (3) A/B rounds; BENCH_SMALL_MB (64)
# zero-fill/refault object; BENCH_BIG_MB (384) pageout/swap-in object;
# BENCH_SCALE_MB ("16 256 512 4096") other object sizes of the
# swap-in/swapoff scaling runs; BENCH_SWAPOFF_MAX_MB (2/3 of RAM) largest
# object whose swapoff is measured; BENCH_RAW_MB (512) raw disk test size;
# BENCH_TRACE (1) a final aobj-only pass with the aobj tracepoints on;
# BENCH_MAIN ("zerofill refault swap pageout-rand") the main workloads;
# BENCH_PROBES (1) the untimed probes; BENCH_GRAPH (1) the function-graph
# profiles of the trace pass.  BENCH_REMOTE=1 (make bench REMOTE=1): aobj's
# swap is /dev/nbd0 and Linux swap /dev/nbd1, NBD exports a and b of the
# host (scripts/guest/nbd.sh), instead of the local disks.
. /scripts/guest/lib.sh

B=/tools/aobj-bench
# shellcheck disable=SC2086
set -- $AOBJ_DISKS
[ $# -ge 2 ] || { echo "bench: needs two disks, have '$AOBJ_DISKS'"; exit 1; }
ASWAP=$1 LSWAP=$2
if [ "${BENCH_REMOTE:-0}" = 1 ]; then
	. /scripts/guest/nbd.sh
	why=$(nbd_why_not)
	[ -z "$why" ] || { echo "bench: no NBD: $why"; exit 1; }
	nbd_net_up && nbd_connect a /dev/nbd0 && nbd_connect b /dev/nbd1 || exit 1
	ASWAP=/dev/nbd0 LSWAP=/dev/nbd1
fi
LIMIT=${BENCH_LIMIT_MB:-128}
REPS=${BENCH_REPS:-3}
SMALL=${BENCH_SMALL_MB:-64}
BIG=${BENCH_BIG_MB:-384}
SCALE=${BENCH_SCALE_MB-16 256 512 4096}
RAW=${BENCH_RAW_MB:-512}
# Swapoff brings the whole object back: only for objects that fit in RAM.
BENCH_SWAPOFF_MAX_MB=${BENCH_SWAPOFF_MAX_MB:-$(awk '/MemTotal/ { print int($2 / 1024 * 2 / 3) }' /proc/meminfo)}
export BENCH_SWAPOFF_MAX_MB
CG=/sys/fs/cgroup/bench
export BENCH_LIMIT_MB=$LIMIT BENCH_CG=$CG BENCH_ASWAP=$ASWAP BENCH_LSWAP=$LSWAP

t0=$(cut -d' ' -f1 /proc/uptime)
elapsed() { awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.0f", b - a }'; }
fails=0
# run REP TAG ARGS...: one measurement; a failure is recorded, not fatal.
run() {
	r=$1 tg=$2
	shift 2
	if ! BENCH_REP=$r BENCH_TAG=$tg $B "$@"; then
		echo "AOBJ-BENCH-FAIL {\"rep\":$r,\"tag\":\"$tg\",\"args\":\"$*\"}"
		fails=$((fails + 1))
	fi
}

echo "AOBJ-BENCH-INFO {\"kernel\":\"$(uname -r)\",\"mem_kb\":$(awk '/MemTotal/ {print $2}' /proc/meminfo),\"cpus\":$(grep -c ^processor /proc/cpuinfo),\"limit_mb\":$LIMIT,\"reps\":$REPS,\"small_mb\":$SMALL,\"big_mb\":$BIG,\"scale_mb\":\"$SCALE\",\"raw_mb\":$RAW,\"remote\":${BENCH_REMOTE:-0},\"aobj_disk\":\"$ASWAP\",\"linux_disk\":\"$LSWAP\",\"disk_mb\":${AOBJ_DISK_MB:-0}}"

# 1. The raw disks, before anything else uses them (alternating).
for r in $(seq 1 "$REPS"); do
	run "$r" raw raw "$ASWAP" "$RAW"
	run "$r" raw raw "$LSWAP" "$RAW"
done
echo "bench: raw disk done at $(elapsed) s"

# 2. Setup: memory cgroup for the memfd runs, page-cluster 5, Linux swap,
#    aobj with its resident limit and its swap device.
mkdir -p /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup || { echo "bench: no cgroup2"; exit 1; }
echo +memory >/sys/fs/cgroup/cgroup.subtree_control || exit 1
mkdir -p $CG
echo $((LIMIT << 20)) >$CG/memory.max || exit 1
echo 5 >/proc/sys/vm/page-cluster || exit 1
aobj_load max_resident_mb="$LIMIT" || exit 1
mkswap "$LSWAP" >/dev/null || { echo "bench: mkswap $LSWAP failed"; exit 1; }
run 0 setup swapon linux "$LSWAP"
run 0 setup swapon aobj "$ASWAP"
cat /proc/swaps
echo "bench: page-cluster $(cat /proc/sys/vm/page-cluster), memory.max $(cat $CG/memory.max), max_resident_mb $(cat /sys/module/aobj/parameters/max_resident_mb)"

# 3. Workloads, A/B alternating, REPS rounds.
MAIN=${BENCH_MAIN:-zerofill refault swap pageout-rand hotset}
# hotset: 256 MiB object, 32 MiB hot set, memory.max 64 MiB for both.
HOTSET_ACCESSES=${BENCH_HOTSET_ACCESSES:-100000}
for r in $(seq 1 "$REPS"); do
	for w in $MAIN; do
		for s in aobj memfd; do
			case $w in
			zerofill|refault) run "$r" main $w $s "$SMALL" 4 ;;
			hotset) run "$r" main hotset $s 256 32 64 "$HOTSET_ACCESSES" ;;
			*) run "$r" main $w $s "$BIG" ;;
			esac
		done
	done
	echo "bench: round $r done at $(elapsed) s"
done

# 4. Scaling of swap-in and swapoff with the object size (the main size
#    is the middle point).
for mb in $SCALE; do
	for r in $(seq 1 "$REPS"); do
		for s in aobj memfd; do
			run "$r" "scale$mb" swap $s "$mb"
		done
	done
	echo "bench: scale $mb MiB done at $(elapsed) s"
done

# 5. Probes, not timed: referenced pages then growth past the limit (must
#    not fail with SIGBUS), and two threads writing one object.
[ "${BENCH_PROBES:-1}" = 1 ] && for s in aobj memfd; do
	run 0 probe refgrow $s $((LIMIT * 2))
	run 0 probe pageout-mt $s "$BIG" 2
done

# 6. Where aobj's time goes: one pass of each swap workload with the aobj
#    tracepoints on, summarised as histograms of pages per I/O.
if [ "${BENCH_TRACE:-1}" = 1 ]; then
	T=/sys/kernel/tracing
	mount -t tracefs nodev $T 2>/dev/null
	if [ -d $T/events/aobj ]; then
		echo 32768 >$T/buffer_size_kb
		echo 'how == 3' >$T/events/aobj/aobj_get/filter
		blkdev=$(tr : , <"/sys/block/${ASWAP#/dev/}/dev")
		for w in swap pageout-rand pageout-mt; do
			echo >$T/trace
			echo 1 >$T/events/aobj/enable
			echo 1 >$T/events/block/block_rq_issue/enable
			echo 1 >$T/events/block/block_rq_complete/enable
			if [ $w = pageout-mt ]; then
				run 0 trace "$w" aobj "$BIG" 2
			else
				run 0 trace "$w" aobj "$BIG"
			fi
			echo 0 >$T/events/block/block_rq_issue/enable
			echo 0 >$T/events/block/block_rq_complete/enable
			echo 0 >$T/events/aobj/enable
			echo "AOBJ-TRACE-BEGIN $w"
			# Device time of aobj's disk: requests, in flight, busy share.
			awk -v w="$w" -v dev="$blkdev" '
				{ k = 0; for (i = 1; i <= NF; i++) if ($i ~ /^block_rq_(issue|complete):$/) { k = i; break } }
				!k || $(k + 1) != dev { next }
				{ ts = $(k - 1); sub(/:$/, "", ts); op = substr($(k + 2), 1, 1)
				  for (j = k + 3; j <= NF; j++) if ($j == "+") break
				  sec = $(j - 1); key = op sec
				  if (first == "") first = ts
				  last = ts }
				$k == "block_rq_issue:" { st[key] = ts; inflight++; if (inflight > maxq) maxq = inflight; next }
				$k == "block_rq_complete:" && (key in st) {
					inflight--; lat[op] += ts - st[key]; n[op]++; sz[op] += $(j + 1); delete st[key]
				}
				END {
					printf "AOBJ-TRACE-BLK {\"workload\":\"%s\",\"span_s\":%.4f,\"max_inflight\":%d", w, last - first, maxq
					for (o in n) printf ",\"%s_reqs\":%d,\"%s_kb_per_req\":%.1f,\"%s_dev_time_s\":%.4f,\"%s_avg_lat_us\":%.1f", o, n[o], o, sz[o] / 2 / n[o], o, lat[o], o, lat[o] / n[o] * 1e6
					printf "}\n"
				}' $T/trace
			# pages per pageout bio and per swap-in read, histograms
			awk -v w="$w" '
				/aobj_pageout:/ { for (i = 1; i <= NF; i++) if ($i ~ /^pages=/) { split($i, a, "="); po[a[2]]++; pon++; pop += a[2] } }
				/aobj_get:/ && /swap-in/ { for (i = 1; i <= NF; i++) if ($i ~ /^pages=/) { split($i, a, "="); si[a[2]]++; sn++; sp += a[2] } }
				/aobj_swapoff:/ { so++ }
				END {
					printf "AOBJ-TRACE {\"workload\":\"%s\",\"pageout_bios\":%d,\"pageout_pages\":%d,\"swapin_reads\":%d,\"swapin_pages\":%d,\"swapoff_passes\":%d,\"pageout_hist\":{", w, pon, pop, sn, sp, so
					sep = ""; for (k in po) { printf "%s\"%s\":%d", sep, k, po[k]; sep = "," }
					printf "},\"swapin_hist\":{"
					sep = ""; for (k in si) { printf "%s\"%s\":%d", sep, k, si[k]; sep = "," }
					printf "}}\n"
				}' $T/trace
			grep -c . $T/trace | sed 's/^/trace lines: /'
			grep -m 3 aobj_pageout $T/trace
			echo "AOBJ-TRACE-END $w"
		done
		# Function-graph profiles: where the time of one phase goes
		# (durations include the tracer's own overhead).
		# graph PHASE DEPTH FUNCS -- TEST ARGS...
		graph() {
			ph=$1 depth=$2 funcs=$3
			shift 4
			echo 0 >$T/tracing_on
			echo function_graph >$T/current_tracer || return
			echo "$funcs" >$T/set_graph_function
			echo "$depth" >$T/max_graph_depth
			echo 1 >$T/options/funcgraph-tail
			echo >$T/trace
			BENCH_TRACE_PHASE=$ph run 0 "graph-$ph" "$@"
			echo 0 >$T/tracing_on
			awk -v ph="$ph" -v args="$*" '
				{ u = 0; for (i = 1; i <= NF; i++) if ($i == "us") { u = i; break } }
				!u { next }
				{ d = $(u - 1); name = "" }
				match($0, /\/\* [A-Za-z0-9_.]+/) { name = substr($0, RSTART + 3, RLENGTH - 3) }
				name == "" && match($0, /[A-Za-z0-9_.]+( \[[A-Za-z0-9_]+\])?\(\);/) { name = substr($0, RSTART, RLENGTH); sub(/[ (].*/, "", name) }
				name != "" { t[name] += d; n[name]++ }
				END {
					printf "AOBJ-TRACE-GRAPH {\"phase\":\"%s\",\"run\":\"%s\",\"funcs\":{", ph, args
					sep = ""
					for (f in t) { printf "%s\"%s\":{\"calls\":%d,\"total_us\":%.0f,\"avg_us\":%.2f}", sep, f, n[f], t[f], t[f] / n[f]; sep = "," }
					printf "}}\n"
				}' $T/trace
			echo nop >$T/current_tracer
			echo >$T/set_graph_function
			echo 0 >$T/max_graph_depth
			echo 1 >$T/tracing_on
		}
		[ "${BENCH_GRAPH:-1}" = 1 ] || graph() { :; }
		graph pageout_seq 3 aobj_pageout_cluster -- swap aobj 256
		graph swapin_seq 2 aobj_get -- swap aobj 256
		graph swapoff 3 aobj_pagein -- swap aobj 256
		graph pageout_rand 3 aobj_pageout_cluster -- pageout-rand aobj 256
		# The slot-map lookup against the object size (hash chains).
		for mb in 256 512 2048; do
			graph swapin_rand 1 aobj_swmap_find -- swap aobj $mb
		done
	else
		echo "bench: no aobj tracepoints in tracefs"
	fi
fi

echo "AOBJ-BENCH-STATS $(cd /sys/class/misc/aobj/stats && for f in *; do printf '%s=%s ' "$f" "$(cat "$f")"; done)"
echo "bench: all done at $(elapsed) s, $fails failed run(s)"
exit 0
