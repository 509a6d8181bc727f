#!/bin/sh
# /init of the aobj test VM (busybox sh, PID 1).  Mounts the pseudo file
# systems, loads the stock kernel's virtio/configfs modules, runs the command
# that run-vm.sh put in /etc/aobj/cmd (environment in /etc/aobj/env), prints
# "AOBJ-EXIT-STATUS=<n>" with its exit status and powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/tools
export HOME=/root TERM=${TERM:-linux}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
# check.sh boots again a kernel that died before this line (scripts/check.sh).
echo "aobj-init: userspace started"
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug

for m in $(cat /etc/aobj/modules.load); do
	modprobe "$m" || echo "aobj-init: modprobe $m failed"
done
mount -t configfs configfs /sys/kernel/config

set -a
. /etc/aobj/env
set +a
# make check: a kernel that reported an error while it booted (seen under
# TCG: KASAN in handle_edge_irq() at 1.2 s, before init) is not fit to test
# aobj, whose code has not run yet; check.sh boots it again.
if [ "${AOBJ_BOOT_CHECK:-0}" = 1 ] &&
   dmesg | grep -qE 'BUG:|WARNING:|Oops|Call Trace:|general protection'; then
	echo "aobj-init: kernel report during boot, before any aobj code: stopping"
	poweroff -f
fi
# fio, stress-ng, memtester and their libraries (symlinked from / to here).
mount -o ro "$AOBJ_EXTRAS_DEV" /opt/extras ||
	echo "aobj-init: cannot mount $AOBJ_EXTRAS_DEV on /opt/extras: no fio/stress-ng/memtester"
echo "aobj-init: $(uname -r) up after $(cut -d' ' -f1 /proc/uptime) s, disks: ${AOBJ_DISKS:-none}"

cd /tmp || cd /
sh /etc/aobj/cmd
rc=$?
cd /
sync
# Printed twice on lines of their own: kernel messages may interleave.
printf '\nAOBJ-EXIT-STATUS=%d\nAOBJ-EXIT-STATUS=%d\n' "$rc" "$rc"
poweroff -f
# Not reached unless poweroff failed: run-vm.sh stops QEMU after the marker.
while :; do sleep 60; done
