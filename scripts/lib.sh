# Shared settings for the aobj scripts: sourced, not run.
# shellcheck shell=bash

AOBJ_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
AOBJ_CACHE=${AOBJ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aobj}
AOBJ_OUT=${AOBJ_OUT:-$AOBJ_TOP/out}

# Debian packages the scripts need; installed on first use.
AOBJ_PKGS="linux-source-6.12 qemu-system-x86 busybox-static sparse memtester
fio stress-ng flex bison bc libelf-dev libssl-dev cpio xz-utils kmod python3
gcc make"

log() { printf '[aobj] %s\n' "$*" >&2; }
die() { printf '[aobj] error: %s\n' "$*" >&2; exit 1; }

# stock_kver: the newest installed Debian 6.12 generic amd64 kernel.
stock_kver() {
	local v
	v=$(ls -d /lib/modules/6.12.*-amd64 2>/dev/null | grep -v -e cloud -e rt- |
	    sed 's|.*/||' | sort -V | tail -n 1)
	[ -n "$v" ] && [ -f "/boot/vmlinuz-$v" ] && [ -d "/usr/src/linux-headers-$v" ] &&
		echo "$v"
}

ensure_packages() {
	local missing=0 p
	for p in $AOBJ_PKGS; do
		dpkg -s "$p" >/dev/null 2>&1 || missing=1
	done
	[ -n "$(stock_kver)" ] || missing=1
	[ "$missing" = 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "missing Debian packages; run as root to install them"
	log "installing Debian packages (first run only)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null || die "apt-get update failed"
	# shellcheck disable=SC2086
	apt-get install -y -q $AOBJ_PKGS >/dev/null || die "apt-get install failed"
	if [ -z "$(stock_kver)" ]; then
		local ver
		ver=$(apt-cache search --names-only '^linux-image-6\.12\..*-amd64-unsigned$' |
		      awk '{print $1}' | grep -v -e cloud -e -rt- | sort -V | tail -n 1 |
		      sed -e 's/^linux-image-//' -e 's/-unsigned$//')
		[ -n "$ver" ] || die "no linux-image-6.12.*-amd64-unsigned package found"
		apt-get install -y -q "linux-image-$ver-unsigned" "linux-headers-$ver" >/dev/null ||
			die "installing the stock 6.12 kernel failed"
	fi
}

# debug_kernel_dir: cache directory of the debug kernel for this source and fragment.
debug_kernel_dir() {
	local tarball srcver fhash
	tarball=$(ls /usr/src/linux-source-6.12.tar.xz 2>/dev/null) || die "linux-source-6.12 missing"
	srcver=$(dpkg-query -W -f '${Version}' linux-source-6.12)
	fhash=$(sha256sum "$AOBJ_TOP/scripts/debug.config" | cut -c1-12)
	echo "$AOBJ_CACHE/debug-$srcver-$fhash"
}

# debug_src_dir: the unpacked 6.12 source tree of the debug kernel (valid once
# scripts/build-debug-kernel.sh has run): checkpatch.pl, kunit.py live there.
debug_src_dir() {
	echo "$(debug_kernel_dir)/linux-source-6.12"
}

# require_debug_kernel: die unless the debug kernel has been built.
require_debug_kernel() {
	[ -f "$(debug_kernel_dir)/.complete" ] ||
		die "debug kernel not built yet: run scripts/build-debug-kernel.sh"
}

# kernel_kdir stock|debug: the KDIR to build external modules against.
kernel_kdir() {
	case "$1" in
	stock)	local v; v=$(stock_kver) || die "no stock 6.12 kernel installed"
		echo "/usr/src/linux-headers-$v" ;;
	debug)	require_debug_kernel; echo "$(debug_kernel_dir)/build" ;;
	*)	die "unknown kernel '$1' (want stock or debug)" ;;
	esac
}

# kernel_release stock|debug: `uname -r` of that kernel inside the VM.
kernel_release() {
	case "$1" in
	stock)	stock_kver || die "no stock 6.12 kernel installed" ;;
	debug)	cat "$(kernel_kdir debug)/include/config/kernel.release" ;;
	*)	die "unknown kernel '$1' (want stock or debug)" ;;
	esac
}

# kernel_image stock|debug: the bzImage QEMU boots.
kernel_image() {
	case "$1" in
	stock)	echo "/boot/vmlinuz-$(kernel_release stock)" ;;
	debug)	echo "$(kernel_kdir debug)/arch/x86/boot/bzImage" ;;
	*)	die "unknown kernel '$1' (want stock or debug)" ;;
	esac
}

# qemu_accel_args: QEMU accelerator and CPU options: KVM when it can boot
# Linux, else TCG.  /dev/kvm may exist yet fail (nested KVM without full
# support ends in "KVM internal error ... emulation failure"), so the probe
# boots the stock kernel without a root file system and waits for its
# "VFS: Unable to mount root" panic.  The verdict is cached until the host
# reboots.  AOBJ_ACCEL=kvm|tcg overrides the probe.
qemu_accel_args() {
	local accel=${AOBJ_ACCEL:-} cache kver
	cache=$AOBJ_CACHE/accel-$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
	if [ -z "$accel" ] && [ -f "$cache" ]; then
		accel=$(cat "$cache")
	fi
	if [ -z "$accel" ]; then
		accel=tcg
		kver=$(stock_kver || true)
		if [ -w /dev/kvm ] && [ -n "$kver" ] &&
		   timeout 30 qemu-system-x86_64 -nographic -no-reboot -nic none \
			-accel kvm -cpu host -m 256M -kernel "/boot/vmlinuz-$kver" \
			-append "console=ttyS0 panic=-1" </dev/null 2>&1 |
		   grep -aq 'VFS: Unable to mount root'; then
			accel=kvm
		fi
		mkdir -p "$AOBJ_CACHE"
		echo "$accel" >"$cache"
		log "QEMU accelerator: $accel (probed once per host boot)"
	fi
	case "$accel" in
	kvm)	echo "-accel kvm -cpu host" ;;
	*)	echo "-accel tcg -cpu max" ;;
	esac
}

# kernel_report_lines LOG: print the console lines of LOG that are kernel
# error reports (KASAN, lockdep, kmemleak, WARN, BUG, oops, hung task, ...).
# Only kernel lines, recognised by their printk timestamp, are considered,
# so test output that merely mentions a "WARNING:" does not count; boot
# banners that name KASAN/kmemleak/lockdep do not match any pattern.
AOBJ_REPORT_RE='BUG:|WARNING:|Oops|general protection fault|kernel BUG at|Kernel panic|Call Trace:|={60,}|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|unreferenced object|blocked for more than|KFENCE: |UBSAN: |soft lockup|hard LOCKUP|self-detected stall|rcu_preempt detected stalls|list_(add|del) corruption|Bad page state|sleeping function called from invalid context'
kernel_report_lines() {
	tr -d '\r' <"$1" | grep -aE '\[ *[0-9]+\.[0-9]{6}\] ' |
		grep -aE "$AOBJ_REPORT_RE" || true
}

# extract_ktap LOG: the KTAP document the guest printed between the
# AOBJ-KTAP-BEGIN/END markers, without interleaved kernel log lines.
extract_ktap() {
	tr -d '\r' <"$1" | sed -n '/^AOBJ-KTAP-BEGIN$/,/^AOBJ-KTAP-END$/p' |
		grep -av -e '^AOBJ-KTAP-' -e '^\[ *[0-9]*\.[0-9]*\] ' || true
}

# now: seconds since the epoch, for step timings.
now() { date +%s; }
