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
