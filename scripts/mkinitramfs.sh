#!/bin/bash
# Build the gzip cpio initramfs of the test VM for one kernel.
#
#   mkinitramfs.sh stock|debug INITRAMFS EXTRAS_IMAGE
#
# Contents: busybox (static, every applet linked), /init (scripts/guest-init.sh),
# kernel modules under /lib/modules/$(uname -r) (stock: virtio_blk, null_blk,
# brd, configfs, virtio_net, nbd and dependencies, decompressed; aobj.ko and aobj_test.ko from
# out/KERNEL/ in extra/, with modules.dep from depmod), out/tools -> /tools,
# tests/*.sh -> /tests, scripts/guest -> /scripts/guest.  memtester, fio,
# stress-ng, GNU cp and fallocate (/opt/gnu/bin), nbd-client (if installed)
# with their shared libraries and ELF interpreter go to the ext2 image
# EXTRAS_IMAGE (see below).
# The command to run is not in here: run-vm.sh appends it as a second cpio.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# = 3 ] || die "usage: $0 stock|debug INITRAMFS EXTRAS_IMAGE"
kernel=$1 output=$2 extras=$3
rel=$(kernel_release "$kernel")

root=$(mktemp -d "${TMPDIR:-/tmp}/aobj-initramfs.XXXXXX")
# mktemp -d makes the directory 0700, and it becomes the guest's /: the
# permission tests run as another uid, which must be able to reach /dev.
chmod 0755 "$root"
extras_root=$root.extras
trap 'rm -rf "$root" "$extras_root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc/aobj,root} \
	"$root/lib/modules/$rel/extra"

# busybox and its applet links.
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list-full); do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

install -m 755 "$AOBJ_TOP/scripts/guest-init.sh" "$root/init"

# memtester, fio and stress-ng with their shared libraries (120 MB, mostly
# fio's) would pin too much of the guest's RAM in the initramfs: they go to
# a read-only ext2 image that run-vm.sh attaches as the last virtio disk and
# /init mounts on /opt/extras.  The initramfs gets symlinks to them, and to
# the library directories, so they run from their usual paths.
# link_extra PATH: make PATH (or its first missing ancestor) in the
# initramfs a symlink into /opt/extras.
link_extra() {
	local prefix= comp
	local IFS=/
	for comp in ${1#/}; do
		prefix=$prefix/$comp
		[ -L "$root$prefix" ] && return
		if [ ! -e "$root$prefix" ]; then
			ln -s "/opt/extras$prefix" "$root$prefix"
			return
		fi
	done
}
# ship_extra BIN DEST: BIN and its libraries into the image, DEST (a path
# in the guest) a link to it.
ship_extra() {
	local bin=$1 dest=$2 lib
	mkdir -p "$extras_root$(dirname "$dest")"
	cp -L "$bin" "$extras_root$dest"
	link_extra "$dest"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		mkdir -p "$extras_root$(dirname "$lib")"
		cp -L "$lib" "$extras_root$lib"
		link_extra "$lib"
	done
}
mkdir -p "$root/opt/extras"
for b in memtester fio stress-ng; do
	bin=$(command -v "$b") || die "$b not installed"
	ship_extra "$bin" "/usr/bin/$b"
done
# nbd-client (Debian's, for the far-memory tests and make demo-remote) is
# optional: without it those skip.
[ -x /usr/sbin/nbd-client ] && ship_extra /usr/sbin/nbd-client /usr/sbin/nbd-client
# GNU cp (coreutils: --sparse) and fallocate (util-linux: --punch-hole) for
# tests/fileio_tools.sh, in /opt/gnu/bin: busybox's cp and fallocate stay
# the PATH's.
for b in /bin/cp /usr/bin/fallocate; do
	[ -x "$b" ] || die "$b not installed (coreutils, util-linux)"
	ship_extra "$b" "/opt/gnu/bin/${b##*/}"
done
rm -f "$extras"
mke2fs -q -t ext2 -L aobj-extras -d "$extras_root" "$extras" \
	"$(( $(du -sk "$extras_root" | cut -f1) * 5 / 4 + 4096 ))k" >/dev/null ||
	die "mke2fs of $extras failed"

# Kernel modules.  The debug kernel has its drivers built in; the stock
# kernel needs virtio_blk (and configfs for /sys/kernel/config) loaded by
# /init, and gets null_blk and brd for tests to modprobe; virtio_net (loaded
# by /init) and nbd for the far-memory tests, whose VM has a network card.
moddir=$root/lib/modules/$rel
case "$kernel" in
stock)
	for m in virtio_blk configfs ext4 null_blk brd virtio_net nbd; do
		modprobe -S "$rel" --show-depends "$m" 2>/dev/null || true
	done | awk '$1 == "insmod" { print $2 }' | sort -u | while read -r ko; do
		rel_path=${ko#/lib/modules/$rel/}
		dest=$moddir/${rel_path%.xz}
		dest=${dest%.zst}
		mkdir -p "$(dirname "$dest")"
		case "$ko" in
		*.xz)	xz -dc "$ko" >"$dest" ;;
		*.zst)	zstd -qdc "$ko" >"$dest" ;;
		*)	cp "$ko" "$dest" ;;
		esac
	done
	echo "virtio_blk configfs ext4 virtio_net" >"$root/etc/aobj/modules.load"
	cp "/lib/modules/$rel/modules.builtin"* "$moddir/" 2>/dev/null || true
	;;
debug)
	: >"$root/etc/aobj/modules.load"
	cp "$(kernel_kdir debug)/modules.builtin"* "$moddir/" 2>/dev/null || true
	;;
esac
found=0
for ko in aobj.ko aobj_test.ko; do
	if [ -f "$AOBJ_OUT/$kernel/$ko" ]; then
		cp "$AOBJ_OUT/$kernel/$ko" "$moddir/extra/"
		found=1
	fi
done
[ "$found" = 1 ] || log "warning: no modules in $AOBJ_OUT/$kernel/ (build them first)"
depmod -b "$root" "$rel" 2>/dev/null || die "depmod for the initramfs failed"

# Userspace tests and tools, guest scripts.
[ -d "$AOBJ_OUT/tools" ] && cp -a "$AOBJ_OUT/tools" "$root/tools"
if compgen -G "$AOBJ_TOP/tests/*.sh" >/dev/null; then
	mkdir -p "$root/tests"
	cp "$AOBJ_TOP"/tests/*.sh "$root/tests/"
fi
mkdir -p "$root/scripts"
cp -a "$AOBJ_TOP/scripts/guest" "$root/scripts/guest"

mkdir -p "$(dirname "$output")"
(cd "$root" && find . -print0 | cpio -o -0 -H newc -R 0:0 --quiet) | gzip -1 >"$output.tmp"
mv "$output.tmp" "$output"
log "initramfs $output ($(du -h "$output" | cut -f1)) for $kernel kernel $rel, extras $extras"
