#!/bin/sh
# Guest side of `make stress` (busybox sh): load aobj, forget boot-time
# kmemleak reports, run /tools/aobj-stress for AOBJ_STRESS_DURATION seconds
# over the swap disks of $AOBJ_DISKS (with a stress-ng --vm co-runner of
# AOBJ_STRESS_PRESSURE bytes, "0" for none), then /tools/aobj-fuzz for
# AOBJ_FUZZ_ITERATIONS iterations, unload aobj and ask kmemleak for leaks
# (printed between AOBJ-KMEMLEAK-BEGIN/END).  Exit 0 iff both programs
# passed and the module unloaded.
. /scripts/guest/lib.sh

kmemleak=/sys/kernel/debug/kmemleak
duration=${AOBJ_STRESS_DURATION:-600}
iterations=${AOBJ_FUZZ_ITERATIONS:-20000}
pressure=${AOBJ_STRESS_PRESSURE:-64M}
seed=${AOBJ_SEED:-$(date +%s)}
rc=0

if [ -w "$kmemleak" ]; then
	echo scan >"$kmemleak"
	echo clear >"$kmemleak"
fi
aobj_load || exit 1

set --
[ "$pressure" = 0 ] || set -- --pressure="$pressure"
echo "AOBJ-STRESS: aobj-stress --duration $duration --seed $seed $* $AOBJ_DISKS"
# shellcheck disable=SC2086
/tools/aobj-stress --duration "$duration" --seed "$seed" --verbose "$@" $AOBJ_DISKS || rc=1
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
