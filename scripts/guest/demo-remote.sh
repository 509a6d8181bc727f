#!/bin/sh
# Guest side of `make demo-remote`: network up, /dev/nbd0 and /dev/nbd1 from
# the host's exports a and b, aobj swap on both at priority 10 and on the
# local disk at priority 0, /tools/aobj-demo over them, /dev/nbd1 swapped
# off mid-way.
. /scripts/guest/lib.sh
. /scripts/guest/nbd.sh

why=$(nbd_why_not)
if [ -n "$why" ]; then
	echo "demo-remote: cannot run: $why"
	exit 1
fi
nbd_net_up || exit 1
nbd_connect a /dev/nbd0 || exit 1
nbd_connect b /dev/nbd1 || exit 1
echo "demo-remote: /dev/nbd0 ($(($(cat /sys/block/nbd0/size) / 2048))M) and /dev/nbd1 ($(($(cat /sys/block/nbd1/size) / 2048))M) served by the host, request timeout ${NBD_TIMEOUT} s"
aobj_load || exit 1
set -- $AOBJ_DISKS
/tools/aobj-demo --swap /dev/nbd0:10 --swap /dev/nbd1:10 --swap "$1:0" \
	--move /dev/nbd1 --limit 64 "${AOBJ_DEMO_SIZE:-320M}"
rc=$?
echo "aobj-demo exited with status $rc"
aobj_unload || rc=1
nbd_disconnect /dev/nbd0
nbd_disconnect /dev/nbd1
exit $rc
