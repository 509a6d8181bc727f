#!/bin/bash
# Boot a 6.12 kernel in QEMU with the aobj initramfs and run one command.
#
#   run-vm.sh [--kernel stock|debug] [--mem SIZE] [--disk-mb N] [--disks K]
#             [--timeout SECONDS] [--log FILE] [--serial2 FILE]
#             [--env NAME=VALUE]... [--netdev OPTIONS]... [--monitor SOCKET]
#             [--interactive] -- COMMAND [ARG...]
#
# COMMAND runs in the guest under busybox sh (cwd /tmp) with AOBJ_KERNEL,
# AOBJ_DISKS (the raw virtio-blk disks for aobj's swap: /dev/vda ...; one
# more, read-only, holds fio/stress-ng/memtester, see mkinitramfs.sh) and the
# --env variables set.  The serial console goes to stdout and to the log
# (default out/KERNEL/console.log).  --serial2 FILE adds a second 8250 port
# (the guest's /dev/ttyS1, named in AOBJ_KTAP_DEV) whose output goes to FILE:
# it is not a kernel console, so no kernel line lands in what the guest
# writes there.  Each --netdev adds a virtio network card (the guest's
# eth0, eth1, ... in order) on QEMU user networking with restrict=on (the
# guest reaches nothing but the guestfwd targets in OPTIONS, e.g.
# "net=10.0.2.0/24,guestfwd=tcp:10.0.2.100:10809-cmd:..."); the netdevs are
# named n0, n1, ...; without --netdev the VM has no network.  --monitor
# puts the human monitor on a unix socket (for set_link).  Exit status: the guest command's, taken
# from the AOBJ-EXIT-STATUS marker; 124 if the timeout expired (QEMU is
# killed), 125 if the guest died without the marker (panic, oops, crash).
# The modules (out/KERNEL/*.ko) and tools (out/tools) must be built already.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '3,7p' "$0" >&2
	exit 2
}

kernel=stock mem=512M disk_mb=256 disks=1 timeout=900 logfile= interactive=0 serial2=
monitor=
envs=() netdevs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel)	kernel=${2:?}; shift ;;
	--mem)		mem=${2:?}; shift ;;
	--disk-mb)	disk_mb=${2:?}; shift ;;
	--disks)	disks=${2:?}; shift ;;
	--timeout)	timeout=${2:?}; shift ;;
	--log)		logfile=${2:?}; shift ;;
	--serial2)	serial2=${2:?}; shift ;;
	--env)		envs+=("${2:?}"); shift ;;
	--netdev)	netdevs+=("${2:?}"); shift ;;
	--monitor)	monitor=${2:?}; shift ;;
	--interactive)	interactive=1 ;;
	--)		shift; break ;;
	*)		usage ;;
	esac
	shift
done
[ $# -gt 0 ] || usage
case "$kernel" in stock|debug) ;; *) die "--kernel must be stock or debug" ;; esac

vmdir=$AOBJ_OUT/$kernel
mkdir -p "$vmdir"
logfile=${logfile:-$vmdir/console.log}
mkdir -p "$(dirname "$logfile")"
: >"$logfile"

# Initramfs: the base image plus a second cpio with the command and its
# environment (the kernel unpacks concatenated archives in order).
"$AOBJ_TOP/scripts/mkinitramfs.sh" "$kernel" "$vmdir/initramfs.cpio.gz" "$vmdir/extras.img"
extra=$(mktemp -d "${TMPDIR:-/tmp}/aobj-cmd.XXXXXX")
chmod 0755 "$extra"	# its "." entry sets the mode of the guest's /
trap 'rm -rf "$extra"' EXIT
mkdir -p "$extra/etc/aobj"
# shquote WORD: WORD quoted for sh.
shquote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
cmd='exec'
for arg in "$@"; do
	cmd+=" $(shquote "$arg")"
done
echo "$cmd" >"$extra/etc/aobj/cmd"
disk_args=() disk_names=() letters=abcdefghijklmnopqrstuvwxyz
[ "$disks" -le 25 ] || die "at most 25 disks"
for ((i = 0; i < disks; i++)); do
	img=$vmdir/disk$i.img
	rm -f "$img"
	truncate -s "${disk_mb}M" "$img"
	disk_args+=(-drive "file=$img,format=raw,if=virtio,cache=unsafe")
	disk_names+=("/dev/vd${letters:i:1}")
done
# Last disk: the read-only ext2 image with fio, stress-ng and memtester.
disk_args+=(-drive "file=$vmdir/extras.img,format=raw,if=virtio,readonly=on")
{
	echo "AOBJ_KERNEL=$kernel"
	echo "AOBJ_EXTRAS_DEV=/dev/vd${letters:disks:1}"
	echo "AOBJ_DISKS='${disk_names[*]}'"
	echo "AOBJ_DISK_MB=$disk_mb"
	[ -z "$serial2" ] || echo "AOBJ_KTAP_DEV=/dev/ttyS1"
	for e in ${envs[@]+"${envs[@]}"}; do
		echo "${e%%=*}=$(shquote "${e#*=}")"
	done
} >"$extra/etc/aobj/env"
initrd=$vmdir/initramfs-run.cpio.gz
{
	cat "$vmdir/initramfs.cpio.gz"
	(cd "$extra" && find . -print0 | cpio -o -0 -H newc -R 0:0 --quiet) | gzip -1
} >"$initrd"

# Kernel command line: reports go to the console and the run continues
# (no panic_on_warn: check.sh scans the log), but an oops panics and
# panic=-1 reboots at once, which -no-reboot turns into a QEMU exit.
# acpi=noirq on the debug kernel: ACPI PCI interrupt link setup otherwise
# takes half a minute under TCG with KASAN and lockdep.
# AOBJ_CMDLINE adds options.
cmdline="console=ttyS0 loglevel=7 oops=panic panic=-1 panic_on_warn=0 softlockup_panic=0"
[ "$kernel" = stock ] || cmdline+=" acpi=noirq"
cmdline+=" ${AOBJ_CMDLINE:-}"
# shellcheck disable=SC2207
accel=($(qemu_accel_args))
net_args=(-nic none)
if [ "${#netdevs[@]}" -gt 0 ]; then
	net_args=()
	for ((i = 0; i < ${#netdevs[@]}; i++)); do
		net_args+=(-netdev "user,id=n$i,restrict=on,${netdevs[i]}"
			-device "virtio-net-pci,netdev=n$i,mac=52:54:00:12:34:$((56 + i)),romfile=")
	done
fi
[ -z "$monitor" ] || net_args+=(-monitor "unix:$monitor,server=on,wait=off")
qemu=(qemu-system-x86_64 -nographic -no-reboot "${net_args[@]}" "${accel[@]}" -smp 2 -m "$mem"
	-kernel "$(kernel_image "$kernel")" -initrd "$initrd" -append "$cmdline"
	"${disk_args[@]}")
if [ -n "$serial2" ]; then
	# COM2 (0x2f8, IRQ 3): ttyS1 on both kernels (8250 built in, 4 ports).
	# Naming one serial port drops -nographic's default ttyS0 on stdio
	# (multiplexed with the monitor): name both.
	mkdir -p "$(dirname "$serial2")"
	: >"$serial2"
	qemu+=(-serial mon:stdio -serial "file:$serial2")
fi
log "booting $kernel kernel ($(kernel_release "$kernel"), ${accel[*]}, $mem, $disks x ${disk_mb}M disk), log: $logfile"

start=$(now)
if [ "$interactive" = 1 ]; then
	# Foreground, stdin from the terminal; no timeout.
	set +e
	"${qemu[@]}" 2>&1 | tee -a "$logfile"
	set -e
else
	"${qemu[@]}" </dev/null >>"$logfile" 2>&1 &
	qpid=$!
	tail -n +1 -f --pid="$qpid" "$logfile" &
	tpid=$!
	timed_out=0 marker_at=
	while kill -0 "$qpid" 2>/dev/null; do
		t=$(now)
		if [ $((t - start)) -ge "$timeout" ]; then
			timed_out=1
			kill "$qpid" 2>/dev/null || true
			break
		fi
		# Once the guest printed its status, give poweroff 15 s.
		if [ -z "$marker_at" ]; then
			grep -aq 'AOBJ-EXIT-STATUS=' "$logfile" && marker_at=$t
		elif [ $((t - marker_at)) -ge 15 ]; then
			kill "$qpid" 2>/dev/null || true
			break
		fi
		sleep 1
	done
	wait "$qpid" 2>/dev/null || true
	wait "$tpid" 2>/dev/null || true
	if [ "$timed_out" = 1 ]; then
		log "error: guest timed out after $timeout s; QEMU killed (log: $logfile)"
		exit 124
	fi
fi

rc=$(tr -d '\r' <"$logfile" | grep -aoE 'AOBJ-EXIT-STATUS=[0-9]+' | tail -n 1 | cut -d= -f2 || true)
if [ -z "$rc" ]; then
	log "error: the guest stopped without reporting an exit status (panic, oops or crash?) after $(($(now) - start)) s (log: $logfile)"
	tr -d '\r' <"$logfile" | grep -aE 'Kernel panic|Oops|BUG:' | head -n 5 >&2 || true
	exit 125
fi
log "$kernel VM finished in $(($(now) - start)) s, guest exit status $rc"
exit "$rc"
