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
#
# A memory-cgroup co-runner (AOBJ_STRESS_MEMCG, default 32M; 0 for none):
# a second aobj-stress, without devices of its own, runs in a cgroup with
# that memory.max for the run minus 30 s; its objects are charged there,
# so the cgroup's reclaim pages them out to the devices the first one
# churns.  It must pass too.  Its pages may go out to the removal device
# as well: --removed-elsewhere makes SIGBUS/EIO on those expected there.
. /scripts/guest/lib.sh

kmemleak=/sys/kernel/debug/kmemleak
duration=${AOBJ_STRESS_DURATION:-600}
iterations=${AOBJ_FUZZ_ITERATIONS:-20000}
pressure=${AOBJ_STRESS_PRESSURE:-64M}
seed=${AOBJ_SEED:-$(date +%s)}
remove=${AOBJ_STRESS_REMOVE:-1}
memcg=${AOBJ_STRESS_MEMCG:-32M}
cg=/sys/fs/cgroup/aobj-stress
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
corunner= watch=
# The co-runner's pages may go out to the removal device too.
[ ! -b /dev/aobjrm ] || watch=--removed-elsewhere=$nullb
if [ "$memcg" != 0 ] && [ "$duration" -gt 60 ]; then
	mkdir -p /sys/fs/cgroup
	[ -e /sys/fs/cgroup/cgroup.controllers ] || mount -t cgroup2 none /sys/fs/cgroup
	if echo +memory >/sys/fs/cgroup/cgroup.subtree_control &&
	   mkdir -p "$cg" && echo "$memcg" >"$cg/memory.max"; then
		cd=$((duration - 30))
		echo "AOBJ-STRESS: co-runner in a cgroup with memory.max=$memcg: aobj-stress --duration $cd --seed $((seed + 1)) --procs 2 --objects 12 --max-pages 4096 --no-floors --shared $watch"
		(
			sleep 10
			echo 0 >"$cg/cgroup.procs"	# "0": the writer itself
			exec /tools/aobj-stress --duration "$cd" --seed "$((seed + 1))" \
				--procs 2 --objects 12 --max-pages 4096 --no-floors --shared $watch
		) >/tmp/corunner.log 2>&1 &
		corunner=$!
	else
		echo "AOBJ-STRESS: cannot set up the memory cgroup $cg"
		rc=1
	fi
fi
echo "AOBJ-STRESS: aobj-stress --duration $duration --seed $seed $* $AOBJ_DISKS"
objects0=$(cat /sys/class/misc/aobj/stats/objects)
# With a co-runner, neither run can check the module's objects counter
# alone (--shared): it is checked here, once both are done.
# shellcheck disable=SC2086
/tools/aobj-stress --duration "$duration" --seed "$seed" --verbose ${corunner:+--shared} "$@" $AOBJ_DISKS || rc=1
if [ -n "$corunner" ]; then
	wait "$corunner" || rc=1
	n=0
	while [ "$(cat /sys/class/misc/aobj/stats/objects)" != "$objects0" ] && [ "$n" -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	objects1=$(cat /sys/class/misc/aobj/stats/objects)
	echo "AOBJ-STRESS: objects counter $objects0 before both runs, $objects1 after"
	[ "$objects1" = "$objects0" ] || rc=1
	sed 's/^/AOBJ-STRESS: co-runner: /' /tmp/corunner.log
	echo "AOBJ-STRESS: co-runner memory.peak $(cat "$cg/memory.peak") memory.events: $(tr '\n' ' ' <"$cg/memory.events")"
fi
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
