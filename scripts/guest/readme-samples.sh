#!/bin/sh
# The command samples of README.md ("The object node as a file", "Page
# states", "aobjctl top", "Tracepoints"), run in a fresh VM with one empty
# disk, printed between AOBJ-SAMPLES-BEGIN and AOBJ-SAMPLES-END:
#
#   scripts/run-vm.sh --kernel stock --disks 1 --disk-mb 256 -- \
#       /scripts/guest/readme-samples.sh
#
# Each command is printed as "# COMMAND", then its output.  The output is
# collected in a file and printed at the end, so that no kernel message
# lands in it.  Not a test: it checks nothing.
dmesg -n 1
. /scripts/guest/lib.sh
# r CMD...: print the command as typed, run it.
r() { echo "# $*"; sh -c "$*" 2>&1; }
reload() { rmmod aobj; aobj_load; }
aobj_load
exec 3>&1 >/tmp/out
echo "=== FILE"
r aobjctl create 8M
r "fio --name=verify --filename=/dev/aobj0 --size=8M --bs=4k --rw=randwrite --ioengine=libaio --direct=1 --iodepth=16 --verify=crc32c --do_verify=1 --verify_fatal=1 | grep -E 'err=|READ:|WRITE:'"
r dd if=/dev/aobj0 of=/tmp/copy bs=1M
r dd if=/tmp/copy of=/dev/aobj0 bs=1M seek=7 count=2 conv=notrunc
r aobjctl create 8M
r "printf hello | dd of=/dev/aobj1 bs=1 seek=12345 conv=notrunc status=none"
r "dd if=/dev/urandom of=/dev/aobj1 bs=4k seek=1000 count=3 conv=notrunc status=none"
r /opt/gnu/bin/cp --sparse=always /dev/aobj1 /tmp/sparse
r "ls -l /tmp/sparse; du -k /tmp/sparse"
r /opt/gnu/bin/fallocate --punch-hole --offset 4M --length 12K /dev/aobj1
r aobjctl flush 1 --offset 4000K --length 12K --free
r aobjctl map 1 --range 3996K:20K --runs
reload
echo "=== MAP"
r aobjctl swapon /dev/vda
r "echo 4 > /sys/module/aobj/parameters/max_resident_mb"
r aobjctl create 16M
r aobjctl create 1M
r dd if=/dev/urandom of=/dev/aobj1 bs=4k count=16 conv=notrunc
r dd if=/dev/urandom of=/dev/aobj1 bs=4k seek=40 count=2 conv=notrunc
r aobjctl map 1
r aobjctl map 1 --range 0:192K --json
r dd if=/dev/urandom of=/dev/aobj0 bs=1M count=16 conv=notrunc
r aobjctl map 0 --width 32
r aobjctl map 0 --range 12M:512K --runs
echo "=== TOP"
dd if=/dev/aobj0 of=/dev/null bs=64k 2>/dev/null &
dd if=/dev/urandom of=/dev/aobj0 bs=1M count=8 conv=notrunc 2>/dev/null &
r aobjctl top --once
wait
r aobjctl detach 0
r aobjctl detach 1
r aobjctl swapoff /dev/vda
r "echo 0 > /sys/module/aobj/parameters/max_resident_mb"
reload
echo "=== TRACE"
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
r "echo 1 > /sys/kernel/tracing/events/aobj/enable"
r "echo 2 > /sys/module/aobj/parameters/max_resident_mb"
r aobjctl swapon /dev/vda
r aobjctl create 4M
r dd if=/dev/zero of=/dev/aobj0 bs=1M count=4 conv=notrunc
r dd if=/dev/aobj0 of=/dev/null bs=1M count=1
r aobjctl detach 0
r aobjctl swapoff /dev/vda
r "grep -m2 aobj_get: /sys/kernel/tracing/trace"
r "grep -m1 aobj_pageout: /sys/kernel/tracing/trace"
r "grep swap-in /sys/kernel/tracing/trace | head -2"
r "grep aobj_swapoff: /sys/kernel/tracing/trace"
r "for e in aobj_get aobj_pageout aobj_swapoff; do echo \$e \$(grep -c \"\$e:\" /sys/kernel/tracing/trace); done"
exec >&3
echo AOBJ-SAMPLES-BEGIN
cat /tmp/out
echo AOBJ-SAMPLES-END
