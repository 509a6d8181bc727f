# Helpers for the guest scripts (busybox sh): sourced, not run.
# shellcheck shell=sh

AOBJ_MODDIR=/lib/modules/$(uname -r)/extra

# aobj_load [PARAM=VALUE...]: insmod aobj.ko, loudly on failure.
aobj_load() {
	if [ ! -f "$AOBJ_MODDIR/aobj.ko" ]; then
		echo "AOBJ: $AOBJ_MODDIR/aobj.ko is missing from the initramfs" >&2
		return 1
	fi
	if ! insmod "$AOBJ_MODDIR/aobj.ko" "$@"; then
		echo "AOBJ: insmod aobj.ko FAILED" >&2
		dmesg | tail -n 20 >&2
		return 1
	fi
}

# aobj_unload: rmmod aobj, loudly on failure.
aobj_unload() {
	rmmod aobj || { echo "AOBJ: rmmod aobj FAILED" >&2; return 1; }
}

# aobj_reset: after a test that failed or was killed, undo what it may have
# left behind (objects, swap devices, the resident limit), so that the
# tests after it start from a clean module.  Prints what it undid.
# aobj_stuck_report: after a test was killed at its timeout, what every
# task left is doing: state, wait channel and kernel stack of each, and the
# kernel's list of blocked tasks (sysrq w; killable waits are in it, which
# the hung-task detector leaves out) on the console.
aobj_stuck_report() {
	local d state
	echo "AOBJ: tasks after the timeout"
	for d in /proc/[0-9]*; do
		state=$(sed -n 's/^State:[[:space:]]*//p' "$d/status" 2>/dev/null)
		case "$state" in
		R*|D*) ;;
		*) continue ;;
		esac
		echo "--- ${d#/proc/} $(cat "$d/comm" 2>/dev/null) $state wchan=$(cat "$d/wchan" 2>/dev/null)"
		cat "$d/stack" 2>/dev/null
	done
	# Which disk holds I/O that never ends: requests in flight (read,
	# write) of each block device, and blk-mq's view of them if debugfs is
	# there.
	for d in /sys/block/*; do
		echo "--- ${d##*/} inflight $(cat "$d/inflight" 2>/dev/null)"
	done
	for d in /sys/kernel/debug/block/*/hctx*; do
		[ -r "$d/busy" ] && [ -s "$d/busy" ] && echo "--- $d busy:" && cat "$d/busy"
	done 2>/dev/null
	[ -w /proc/sysrq-trigger ] && echo w >/proc/sysrq-trigger
}

aobj_reset() {
	local id dev
	[ -e /dev/aobj ] || return 0
	echo 0 >/sys/module/aobj/parameters/max_resident_mb 2>/dev/null
	for id in $(/tools/aobjctl list --noheadings 2>/dev/null | awk '{print $1}'); do
		/tools/aobjctl detach "$id" >/dev/null 2>&1 && echo "AOBJ: reset: detached object $id"
	done
	for dev in $(/tools/aobjctl swaps --noheadings 2>/dev/null | awk '{print $1}'); do
		/tools/aobjctl swapoff "$dev" >/dev/null 2>&1 && echo "AOBJ: reset: swapped off $dev"
	done
}
