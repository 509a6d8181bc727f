#!/bin/sh
# Guest side of `make stress` (busybox sh): load aobj, forget boot-time
# kmemleak reports, run /tools/aobj-stress for AOBJ_STRESS_DURATION seconds
# over the swap disks of $AOBJ_DISKS (with a stress-ng --vm co-runner of
# AOBJ_STRESS_PRESSURE bytes, "0" for none), then /tools/aobj-fuzz for
# AOBJ_FUZZ_ITERATIONS iterations, unload aobj and ask kmemleak for leaks
# (printed between AOBJ-KMEMLEAK-BEGIN/END).  Exit 0 iff both programs
# passed and the module unloaded.
#
# Device removal (AOBJ_STRESS_REMOVE=1, the default; 0 turns it off): a
# 64 MiB memory-backed null_blk device (configfs, /dev/aobjrm) is swapped
# on as a third device and removed mid-run (power 0, rmdir) by
# aobj-stress --remove-device; SIGBUS/EIO on objects that had pages
# swapped meanwhile is expected and counted (lost_to_removal).  This needs
# the module to let go of a dead device (blk_holder_ops->mark_dead).
. /scripts/guest/lib.sh

kmemleak=/sys/kernel/debug/kmemleak
duration=${AOBJ_STRESS_DURATION:-600}
iterations=${AOBJ_FUZZ_ITERATIONS:-20000}
pressure=${AOBJ_STRESS_PRESSURE:-64M}
seed=${AOBJ_SEED:-$(date +%s)}
remove=${AOBJ_STRESS_REMOVE:-1}
nullb=/sys/kernel/config/nullb/aobjrm
rc=0

# nullb_remove: take the removal device away if aobj-stress did not.
nullb_remove() {
	[ -d "$nullb" ] || return 0
	echo 0 >"$nullb/power" 2>/dev/null
	rmdir "$nullb" 2>/dev/null
}

if [ -w "$kmemleak" ]; then
	echo scan >"$kmemleak"
	echo clear >"$kmemleak"
fi
aobj_load || exit 1

set --
[ "$pressure" = 0 ] || set -- --pressure="$pressure"
if [ "$remove" = 1 ]; then
	[ -d /sys/kernel/config/nullb ] || modprobe null_blk nr_devices=0 >/dev/null 2>&1
	if mkdir "$nullb" 2>/dev/null &&
	   echo 64 >"$nullb/size" && echo 1 >"$nullb/memory_backed" &&
	   echo 4096 >"$nullb/blocksize" && echo 1 >"$nullb/power"; then
		i=0
		while [ ! -b /dev/aobjrm ] && [ "$i" -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
	if [ -b /dev/aobjrm ]; then
		set -- "$@" --remove-device="$nullb"
	else
		echo "AOBJ-STRESS: cannot create the null_blk device $nullb: no removal step"
		nullb_remove
		rc=1
	fi
fi
echo "AOBJ-STRESS: aobj-stress --duration $duration --seed $seed $* $AOBJ_DISKS"
# shellcheck disable=SC2086
/tools/aobj-stress --duration "$duration" --seed "$seed" --verbose "$@" $AOBJ_DISKS || rc=1
nullb_remove
echo "AOBJ-STRESS: aobj-fuzz --iterations $iterations --seed $seed $AOBJ_DISKS"
# shellcheck disable=SC2086
/tools/aobj-fuzz --iterations "$iterations" --seed "$seed" $AOBJ_DISKS || rc=1
aobj_unload || rc=1

# kmemleak only reports objects older than 5 s: scan twice.
if [ -w "$kmemleak" ]; then
	echo scan >"$kmemleak"
	sleep 6
	echo scan >"$kmemleak"
	echo "AOBJ-KMEMLEAK-BEGIN"
	cat "$kmemleak"
	echo "AOBJ-KMEMLEAK-END"
else
	echo "AOBJ-STRESS: no $kmemleak: no leak scan"
fi
exit $rc
