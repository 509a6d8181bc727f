#!/bin/sh
# Far memory: an NBD swap device that stops answering without failing (its
# network link cut, no NBD request timeout): aobj must give up on a request
# after swap_io_timeout seconds, not leave the faulting task in D state for
# good.  Then the device is stalled: its pages fail at once, it can be
# swapped off, and swapped on again only once the request given up on has
# ended.  Skips (77) without the host's NBD exports: check.sh serves them
# to the stock-kernel VM only.
. /scripts/guest/lib.sh
. /scripts/guest/nbd.sh

why=$(nbd_why_not)
if [ -n "$why" ]; then
	echo "SKIP: $why"
	exit 77
fi

A=/tools/aobjctl
P=/tools/aobj-pattern
STATS=/sys/class/misc/aobj/stats
PARAMS=/sys/module/aobj/parameters
TIMEOUT=3
D=/dev/nbd5
set -- $AOBJ_DISKS
LOCAL=$1
failed=0 link_off=0
old_timeout=$(cat "$PARAMS/swap_io_timeout")

cleanup() {
	trap - EXIT
	echo 0 >"$PARAMS/max_resident_mb"
	echo "$old_timeout" >"$PARAMS/swap_io_timeout"
	for id in $($A list --noheadings 2>/dev/null | awk '{ print $1 }'); do
		$A detach "$id" >/dev/null 2>&1
	done
	for d in $($A swaps --noheadings 2>/dev/null | awk '{ print $1 }'); do
		timeout 120 $A swapoff "$d" >/dev/null 2>&1
	done
	[ "$link_off" = 0 ] || nbd_ctl link b on
	nbd_disconnect $D
}

nbd_net_up || exit 1
nbd_disconnect $D
trap cleanup EXIT
# No NBD timeout: a request that gets no answer stays in flight for good.
connect_d() { NBD_TIMEOUT=0 nbd_connect b $D; }
connect_d || exit 1
echo "$TIMEOUT" >"$PARAMS/swap_io_timeout"
$A swapon $D --priority 10 && $A swapon "$LOCAL" --priority 0 ||
	{ echo "FAIL: swapon"; cleanup; exit 1; }
echo 1 >"$PARAMS/max_resident_mb"

o1=$($A create 4M | awk '{ print $1 }')
timeout 120 $P fill "$o1" 1
check "object 1 written" [ $? = 0 ]
check "it has pages on $D: $(dev_used $D)" [ "$(dev_used $D)" -ge 256 ]

t0=$(cat "$STATS/io_timeouts")
nbd_ctl link b off && link_off=1
t=$(date +%s)
out=$(timeout 120 $P verify "$o1" 1 --dev $D --must-fail)
rc=$?
took=$(($(date +%s) - t))
echo "$out"
echo "the reader ended $took s after the link was cut"
check "object 1 reads back: exact, except its pages on $D, which fail" [ "$rc" = 0 ]
check "the reader was not held past the timeout (${took} s)" [ "$took" -le $((TIMEOUT * 10)) ]
check "the timeout was counted" [ "$(cat "$STATS/io_timeouts")" -gt "$t0" ]
check "$D is marked stalled ($(dev_flags $D))" [ "$(dev_flags $D)" = stalled ]

t=$(date +%s)
timeout 60 $A swapoff $D
rc=$?
check "the stalled device is swapped off ($(($(date +%s) - t)) s)" [ "$rc" = 0 ]
err=$($A swapon $D --priority 10 2>&1)
rc=$?
echo "$err"
check "no swapon while the request given up on is pending: EBUSY" \
	[ "$rc" != 0 -a -n "$(echo "$err" | grep -i busy)" ]
[ "$rc" = 0 ] && $A swapoff $D

# The link comes back; the request ends (answered, or failed when the
# device is disconnected), and the device can serve again.
nbd_ctl link b on && link_off=0
nbd_disconnect $D
check "$D connected again" connect_d
back() { $A swapon $D --priority 10 2>/dev/null; }
n=0
while ! back && [ "$n" -lt 60 ]; do
	sleep 0.5
	n=$((n + 1))
done
check "$D swapped on again once the request ended" [ "$(dev_flags $D)" = - ]
o2=$($A create 4M | awk '{ print $1 }')
timeout 120 $P fill "$o2" 2
check "object 2 has pages on $D: $(dev_used $D)" [ "$(dev_used $D)" -ge 256 ]
timeout 120 $P verify "$o2" 2
check "object 2 reads back exactly" [ $? = 0 ]
cleanup
[ "$failed" = 0 ] && echo "nbd_stall: PASS" || echo "nbd_stall: FAIL"
exit $failed
