#!/bin/sh
# aobj.ko cannot be unloaded while an object is open or mapped: an open
# object node pins the module (rmmod fails, /dev/aobj stays), and once the
# file is closed the pin is gone (checked through the module's refcnt, not
# by unloading: later tests still need the module).
# Runs under busybox sh.  Exit: 0 pass, 1 fail, 77 skip.

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

A=/tools/aobjctl
[ -e /sys/module/aobj/refcnt ] || { echo "1..0 # SKIP aobj is not a loaded module"; exit 77; }
[ -x "$A" ] || { echo "Bail out! $A missing"; exit 1; }
[ -e /dev/aobj ] || { echo "Bail out! /dev/aobj missing although aobj is loaded"; exit 1; }

refcnt0=$(cat /sys/module/aobj/refcnt)
# Not "set -- $(...) || ...": set's status is 0 whatever create did.
created=$("$A" create 1M) || { echo "Bail out! create failed: $created"; exit 1; }
set -- $created
id=$1 node=$2
[ -c "$node" ] || { echo "Bail out! create printed '$created', no node"; exit 1; }

exec 3<>"$node"
refcnt=$(cat /sys/module/aobj/refcnt)
[ "$refcnt" -gt "$refcnt0" ] && ok "an open object node holds the module ($refcnt0 -> $refcnt)" ||
	notok "an open object node holds the module ($refcnt0 -> $refcnt)"
if rmmod aobj 2>/dev/null; then
	notok "rmmod aobj refused while an object is open"
	echo "Bail out! the module went away under an open file"
	exit 1
fi
ok "rmmod aobj refused while an object is open"
[ -e /dev/aobj ] && [ -e "$node" ] && ok "/dev/aobj and $node still there" ||
	notok "/dev/aobj and $node still there"
exec 3>&-

"$A" detach "$id" >/dev/null && ok "detach $node" || notok "detach $node"
refcnt=$(cat /sys/module/aobj/refcnt)
[ "$refcnt" = "$refcnt0" ] && ok "closing it releases the module (refcnt $refcnt)" ||
	notok "closing it releases the module (refcnt $refcnt0 -> $refcnt)"

echo "1..$n"
[ "$failed" = 0 ] || { echo "# FAIL unload.sh: $failed of $n checks failed"; exit 1; }
echo "# PASS unload.sh: $n checks"
