#!/bin/sh
# fuzz_short: /tools/aobj-fuzz for a few thousand iterations (random and
# edge-value ioctl arguments, each checked against its expected errno
# set; ENOMEM only under fault injection; at least a tenth of the calls
# must succeed), swapping the first disk of $AOBJ_DISKS on and off.
# Runs under busybox sh.  AOBJ_FUZZ_SHORT sets the iterations (default
# 3000), AOBJ_SEED the seed.  Exit: 0 pass, 1 fail, 77 skip.

F=/tools/aobj-fuzz
[ -x "$F" ] || F=$(dirname "$0")/../out/tools/aobj-fuzz
[ -x "$F" ] || { echo "1..0 # SKIP aobj-fuzz not built"; exit 77; }
[ -e /dev/aobj ] || { echo "1..0 # SKIP /dev/aobj missing (module not loaded?)"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (SWAPON, mknod)"; exit 77; }

disk=
for d in ${AOBJ_DISKS:-}; do
	if [ -b "$d" ]; then
		disk=$d
		break
	fi
done
[ -n "$disk" ] || { echo "1..0 # SKIP no block device in AOBJ_DISKS (run in the test VM)"; exit 77; }

seed=${AOBJ_SEED:-$(date +%s)}
echo "# aobj-fuzz --iterations ${AOBJ_FUZZ_SHORT:-3000} --seed $seed $disk"
"$F" --iterations "${AOBJ_FUZZ_SHORT:-3000}" --seed "$seed" "$disk"
