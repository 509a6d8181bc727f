#!/bin/sh
# stress_short: a short run of /tools/aobj-stress (random create, mmap,
# write, verify, fork, munmap, mprotect, mremap, FLUSH, detach from 3
# processes x 2 threads racing on the same objects, every read checked
# exactly) with SWAPOFF/SWAPON churn over two devices.  It fails on ENOMEM
# (no fault injection here) and when it did too little (floors: ops,
# bytes verified, SWAPOFF cycles, pageouts...).  No device removal here:
# `make stress` does that.
# The devices are the first two disks of $AOBJ_DISKS; with only one, a
# 64 MiB memory-backed null_blk disk is the second (without null_blk, the
# run pages to one device and skips the churn).  Runs under busybox sh.
# AOBJ_STRESS_SHORT sets the duration (s, default 45), AOBJ_SEED the seed.
# Exit: 0 pass, 1 fail, 77 skip.

S=/tools/aobj-stress
[ -x "$S" ] || S=$(dirname "$0")/../out/tools/aobj-stress
[ -x "$S" ] || { echo "1..0 # SKIP aobj-stress not built"; exit 77; }
[ -e /dev/aobj ] || { echo "1..0 # SKIP /dev/aobj missing (module not loaded?)"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (SWAPON)"; exit 77; }

disks='' n=0
for d in ${AOBJ_DISKS:-}; do
	[ -b "$d" ] || continue
	disks="$disks $d"
	n=$((n + 1))
	[ "$n" = 2 ] && break
done
[ "$n" -ge 1 ] || { echo "1..0 # SKIP no block device in AOBJ_DISKS (run in the test VM)"; exit 77; }

nullb=
cleanup() {
	if [ -n "$nullb" ]; then
		echo 0 >"/sys/kernel/config/nullb/$nullb/power" 2>/dev/null
		rmdir "/sys/kernel/config/nullb/$nullb" 2>/dev/null
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ "$n" = 1 ]; then
	cfg=/sys/kernel/config/nullb
	[ -d "$cfg" ] || modprobe null_blk nr_devices=0 >/dev/null 2>&1
	if [ -d "$cfg" ] && mkdir "$cfg/aobjstress" 2>/dev/null; then
		nullb=aobjstress
		echo 64 >"$cfg/$nullb/size" &&
		echo 1 >"$cfg/$nullb/memory_backed" &&
		echo 4096 >"$cfg/$nullb/blocksize" &&
		echo 1 >"$cfg/$nullb/power"
		i=0
		while [ ! -b "/dev/$nullb" ] && [ "$i" -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		[ -b "/dev/$nullb" ] && disks="$disks /dev/$nullb"
	fi
fi

seed=${AOBJ_SEED:-$(date +%s)}
echo "# aobj-stress --duration ${AOBJ_STRESS_SHORT:-45} --seed $seed$disks"
# shellcheck disable=SC2086
"$S" --duration "${AOBJ_STRESS_SHORT:-45}" --seed "$seed" $disks
