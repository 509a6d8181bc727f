#!/bin/sh
# Guest side of `make demo`: load aobj, run /tools/aobj-demo, unload.
. /scripts/guest/lib.sh

aobj_load || exit 1
rc=0
# An object bigger than this VM's RAM, paged out to the first disk under a
# 64 MiB resident limit, then moved to the second disk by swapoff.
set -- $AOBJ_DISKS
if [ -x /tools/aobj-demo ]; then
	/tools/aobj-demo --swap "$1" ${2:+--swap2 "$2"} --limit 64 \
		"${AOBJ_DEMO_SIZE:-320M}"
	rc=$?
	echo "aobj-demo exited with status $rc"
else
	echo "/tools/aobj-demo not built yet: nothing to show"
fi
aobj_unload || rc=1
exit $rc
