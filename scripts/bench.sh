#!/bin/bash
# `make bench`: is aobj at least as fast as memfd + Linux swap?  One stock
# 6.12 VM (fixed RAM, 2 vCPUs, two identical sparse raw virtio disks: the
# first is aobj's swap device, the second Linux swap) runs
# scripts/guest/bench.sh, which alternates aobj and memfd runs of every
# workload.  This script collects the "AOBJ-BENCH" lines of the console,
# prints one table (medians, min-max, ratios against the targets) and
# writes the results as JSON; with --md, the table goes into FILE.md and
# SVG plots made with gnuplot (installed when missing: gnuplot-nox) into
# bench/ next to it, linked from FILE.md (--plots DIR for another place).
#
#   scripts/bench.sh [--remote] [--out FILE.json] [--md FILE.md] [--plots DIR]
#
# --remote (make bench REMOTE=1): the two swap devices are NBD exports the
# host serves on 127.0.0.1 (scripts/nbd-lib.sh), reached over QEMU user
# networking, instead of the virtio disks; fewer, smaller workloads (swap
# and pageout-rand only; defaults below), and the table goes between the
# bench-remote-table markers of the .md file.
#
# Environment: BENCH_MEM (1G), BENCH_DISK_MB (4608: the 4 GiB scaling
# object; the images are sparse), BENCH_TIMEOUT (5400), and the guest's
# BENCH_LIMIT_MB, BENCH_REPS, BENCH_SMALL_MB, BENCH_BIG_MB, BENCH_SCALE_MB,
# BENCH_SWAPOFF_MAX_MB, BENCH_RAW_MB, BENCH_TRACE, BENCH_MAIN, BENCH_PROBES,
# BENCH_HOTSET_ACCESSES
# (scripts/guest/bench.sh);
# AOBJ_ACCEL=kvm|tcg as for every VM.  The VM's files (modules, tools,
# disks, initramfs, console log) are in out/bench/, apart from the
# out/stock/ and out/tools/ that other runs use.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$AOBJ_OUT/bench/results.json md= plots= remote=0
while [ $# -gt 0 ]; do
	case "$1" in
	--out)	out=${2:?}; shift ;;
	--md)	md=${2:?}; shift ;;
	--plots) plots=${2:?}; shift ;;
	--remote) remote=1 ;;
	*)	die "usage: $0 [--remote] [--out FILE.json] [--md FILE.md] [--plots DIR]" ;;
	esac
	shift
done
# The plots go next to the markdown file, which links them relatively.
[ -n "$plots" ] || plots=$(dirname "${md:-$AOBJ_OUT/bench/x}")/bench
[ -z "$md" ] || plots=$(realpath -m "$plots")
. "$AOBJ_TOP/scripts/nbd-lib.sh"
nbd_args=()
if [ "$remote" = 1 ]; then
	: "${BENCH_MAIN:=swap pageout-rand}" "${BENCH_SCALE_MB=}" "${BENCH_PROBES:=0}"
	: "${BENCH_REPS:=2}" "${BENCH_BIG_MB:=192}" "${BENCH_LIMIT_MB:=64}"
	: "${BENCH_RAW_MB:=64}" "${BENCH_GRAPH:=0}" "${BENCH_DISK_MB:=512}"
	export BENCH_MAIN BENCH_SCALE_MB BENCH_PROBES BENCH_REPS BENCH_BIG_MB \
		BENCH_LIMIT_MB BENCH_RAW_MB BENCH_GRAPH BENCH_DISK_MB
	export BENCH_MD_MARK=bench-remote-table
fi

ensure_packages
# gnuplot draws the plots; before the VM, so that a missing package does
# not cost a whole run.
if ! command -v gnuplot >/dev/null; then
	[ "$(id -u)" = 0 ] || die "gnuplot missing; run as root to install gnuplot-nox"
	log "installing gnuplot-nox for the plots"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
		gnuplot-nox >/dev/null || die "apt-get install gnuplot-nox failed"
fi
bench_out=$AOBJ_OUT/bench
mkdir -p "$bench_out"
AOBJ_OUT=$bench_out "$AOBJ_TOP/scripts/build-module.sh" stock
# Only the benchmark binary: other tools may be mid-edit.
make -s -C "$AOBJ_TOP" OUT="$AOBJ_TOP/out" "$AOBJ_TOP/out/tools/aobj-bench"
rm -rf "$bench_out/tools"
mkdir -p "$bench_out/tools"
cp "$AOBJ_TOP/out/tools/aobj-bench" "$bench_out/tools/"

envs=()
for v in BENCH_LIMIT_MB BENCH_REPS BENCH_SMALL_MB BENCH_BIG_MB BENCH_SCALE_MB \
	 BENCH_RAW_MB BENCH_TRACE BENCH_SWAPOFF_MAX_MB BENCH_MAIN BENCH_PROBES BENCH_GRAPH \
	 BENCH_HOTSET_ACCESSES; do
	[ -z "${!v+x}" ] || envs+=(--env "$v=${!v}")
done
if [ "$remote" = 1 ]; then
	nbd_dir=$(mktemp -d "${TMPDIR:-/tmp}/aobj-nbd.XXXXXX")
	trap 'nbd_stop_all "$nbd_dir"; rm -rf "$nbd_dir"' EXIT
	nbd_start "$nbd_dir" a "$BENCH_DISK_MB" && nbd_start "$nbd_dir" b "$BENCH_DISK_MB" ||
		die "cannot serve the NBD exports"
	mapfile -d '' nbd_args < <(nbd_vm_args "$nbd_dir")
	nbd_args+=(--env BENCH_REMOTE=1)
fi
log="$bench_out/console.log"
accel=$(qemu_accel_args)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
others_before=$(pgrep -c qemu-system || true)
start=$(now)
set +e
AOBJ_OUT=$bench_out "$AOBJ_TOP/scripts/run-vm.sh" --kernel stock \
	--mem "${BENCH_MEM:-1G}" --disks 2 \
	--disk-mb "$([ "$remote" = 1 ] && echo 64 || echo "${BENCH_DISK_MB:-4608}")" \
	--timeout "${BENCH_TIMEOUT:-5400}" --log "$log" ${envs[@]+"${envs[@]}"} \
	${nbd_args[@]+"${nbd_args[@]}"} \
	-- /scripts/guest/bench.sh |
	grep -a --line-buffered -E 'bench:|AOBJ-BENCH-FAIL|aobj-init:|booting'
rc=${PIPESTATUS[0]}
set -e
secs=$(($(now) - start))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
rm -f "$bench_out"/disk*.img
[ "$rc" = 0 ] || die "benchmark VM failed with status $rc (log: $log)"

# Host facts for the record.
export BENCH_HOST_NPROC=$(nproc)
export BENCH_HOST_CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
export BENCH_ACCEL=$accel BENCH_SECS=$secs BENCH_LOAD="$load_before -> $load_after"
export BENCH_OTHER_VMS=$((others_before))
export BENCH_DATE=$(date -u +%Y-%m-%dT%H:%MZ)
python3 "$AOBJ_TOP/scripts/bench-report.py" --plots "$plots" "$log" "$out" ${md:+"$md"}
log "results: $out${md:+, table: $md}, plots: $plots/*.svg, console: $log"
