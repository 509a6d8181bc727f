#!/bin/sh
# Guest side of `make demo`: load aobj, run /tools/aobj-demo, unload.
. /scripts/guest/lib.sh

aobj_load || exit 1
rc=0
if [ -x /tools/aobj-demo ]; then
	/tools/aobj-demo
	rc=$?
	echo "aobj-demo exited with status $rc"
else
	echo "/tools/aobj-demo not built yet: nothing to show"
fi
aobj_unload || rc=1
exit $rc
