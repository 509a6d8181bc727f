# Shared settings for the aobj scripts: sourced, not run.
# shellcheck shell=bash

AOBJ_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
AOBJ_CACHE=${AOBJ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aobj}
AOBJ_OUT=${AOBJ_OUT:-$AOBJ_TOP/out}

# Debian packages the scripts need; installed on first use.
AOBJ_PKGS="linux-source-6.12 qemu-system-x86 busybox-static sparse memtester
fio stress-ng flex bison bc libelf-dev libssl-dev cpio xz-utils kmod python3
gcc make qemu-utils nbd-client"

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
	apt-get -o DPkg::Lock::Timeout=600 install -y -q $AOBJ_PKGS >/dev/null || die "apt-get install failed"
	if [ -z "$(stock_kver)" ]; then
		local ver
		ver=$(apt-cache search --names-only '^linux-image-6\.12\..*-amd64-unsigned$' |
		      awk '{print $1}' | grep -v -e cloud -e -rt- | sort -V | tail -n 1 |
		      sed -e 's/^linux-image-//' -e 's/-unsigned$//')
		[ -n "$ver" ] || die "no linux-image-6.12.*-amd64-unsigned package found"
		apt-get -o DPkg::Lock::Timeout=600 install -y -q "linux-image-$ver-unsigned" "linux-headers-$ver" >/dev/null ||
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
# error reports (KASAN, lockdep, kmemleak, WARN, BUG, oops, hung task, RCU
# stalls of every flavour, ...).  Only kernel lines, recognised by their
# printk timestamp (and PRINTK_CALLER's "[  T123]"/"[    C1]" after it, if any)
# anywhere in the line (a kernel line may continue unfinished test output),
# are considered, so test output that merely mentions a "WARNING:" does not
# count; boot banners that name KASAN/kmemleak/lockdep match no pattern.
# A log that is missing, empty or has no timestamped kernel line cannot be
# scanned: that is reported as a line of its own (AOBJ-SCAN: ...).
# One stack dump is not a report: the one warn_alloc() prints after a
# "page allocation failure" of an allocation that may not sleep (GFP_ATOMIC,
# GFP_NOWAIT), whose caller must cope with NULL, under memory pressure (the
# tests drive the VM into it on purpose).  Such a failure of a sleeping
# allocation is still a report.
AOBJ_KLINE_RE='\[ *[0-9]+\.[0-9]{6}\](\[ *[TC][0-9]+\])? '
AOBJ_REPORT_RE='BUG:|WARNING:|Oops|general protection fault|kernel BUG at|Kernel panic|Call Trace:|={60,}|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|unreferenced object|blocked for more than|KFENCE: |UBSAN: |soft lockup|hard LOCKUP|self-detected stall|detected (expedited )?stalls|rcu_tasks[a-z_]* detected|list_(add|del) corruption|Bad page state|sleeping function called from invalid context'
kernel_report_lines() {
	if [ ! -s "$1" ]; then
		echo "AOBJ-SCAN: console log $1 is missing or empty"
		return 0
	fi
	# Not "tr | grep -q": with pipefail, tr's SIGPIPE when grep -q stops
	# early would fail the test.
	if ! grep -aqE "$AOBJ_KLINE_RE" "$1"; then
		echo "AOBJ-SCAN: no timestamped kernel line in $1 (printk.time off?)"
		return 0
	fi
	tr -d '\r' <"$1" | grep -aE "$AOBJ_KLINE_RE" | awk '
		/page allocation failure: order:[0-9]+, mode:0x[0-9a-f]+\((GFP_ATOMIC|GFP_NOWAIT)[|)]/ {
			atomic = NR; next
		}
		/Call Trace:/ && atomic && NR - atomic <= 8 { atomic = 0; next }
		{ print }' | grep -aE "$AOBJ_REPORT_RE" || true
}

# extract_ktap FILE: the KTAP document the guest printed between the
# AOBJ-KTAP-BEGIN/END markers (check.sh has it written to a serial port of
# its own, where kernel lines cannot interleave; kernel lines are dropped
# anyway, for a document taken from a console log).
extract_ktap() {
	tr -d '\r' <"$1" | sed -n '/^AOBJ-KTAP-BEGIN$/,/^AOBJ-KTAP-END$/p' |
		grep -av -e '^AOBJ-KTAP-' -e "$AOBJ_KLINE_RE" || true
}

# ktap_results KTAP: one line per test result of the document:
# "STATUS NAME[ # DIRECTIVE]", STATUS ok, not_ok or skip, NAME the test's
# path (suite.case[.param]).  A suite's own line is left out (its cases
# are listed).
ktap_results() {
	awk '
	function indent(l) { match(l, /^ */); return RLENGTH }
	/^ *# Subtest: / {
		d = indent($0); sub(/^ *# Subtest: /, ""); name[d] = $0; next
	}
	/^ *(not )?ok [0-9]+ / {
		d = indent($0); line = substr($0, d + 1)
		if (d == 0)
			next
		st = "ok"
		if (line ~ /^not ok/) { st = "not_ok"; sub(/^not ok [0-9]+ /, "", line) }
		else sub(/^ok [0-9]+ /, "", line)
		dir = ""
		if (match(line, / # /)) { dir = substr(line, RSTART + 3); line = substr(line, 1, RSTART - 1) }
		if (st == "ok" && dir ~ /^SKIP/) st = "skip"
		sub(/^- /, "", line)
		path = ""
		for (i = 4; i < d; i += 4) path = path name[i] "."
		path = path name[d] "." line
		print st, path (dir != "" ? " # " dir : "")
	}' "$1"
}

# ktap_suite_cases KTAP: "SUITE PLAN RESULTS" for every top-level suite of
# the document: its "1..N" plan and the number of its case result lines.
ktap_suite_cases() {
	awk '
	/^    # Subtest: / { s = $3; plan[s] = "none"; n[s] = 0; order[++k] = s; next }
	/^    1\.\.[0-9]+/ { if (s != "") { plan[s] = substr($1, 4) }; next }
	/^    (not )?ok [0-9]+ / { if (s != "") n[s]++; next }
	/^(not )?ok [0-9]+ / { s = ""; next }
	END { for (i = 1; i <= k; i++) print order[i], plan[order[i]], n[order[i]] }
	' "$1"
}

# kunit_expected: "SUITE CASES" for every KUnit suite defined in kunit/*.c:
# each "struct kunit_suite" with its .name and the number of KUNIT_CASE*()
# entries in its .test_cases array.  A developer adding a case or a suite
# has nothing to update; a suite that stops running (dropped from
# kunit_test_suites(), not built, not loaded) is still expected.
kunit_expected() {
	local f
	for f in "$AOBJ_TOP"/kunit/*.c; do
		[ -f "$f" ] || continue
		awk '
		/struct kunit_case [A-Za-z0-9_]+ *\[\] *=/ {
			match($0, /struct kunit_case [A-Za-z0-9_]+/)
			arr = substr($0, RSTART + 18, RLENGTH - 18); cases[arr] = 0; next
		}
		arr != "" {
			line = $0
			while (match(line, /KUNIT_CASE[A-Z_]*\(/)) {
				cases[arr]++; line = substr(line, RSTART + RLENGTH)
			}
			if ($0 ~ /^};/) arr = ""
			next
		}
		/struct kunit_suite [A-Za-z0-9_]+ *=/ { insuite = 1; sname = ""; sarr = ""; next }
		insuite && /\.name *=/ { match($0, /"[^"]*"/); sname = substr($0, RSTART + 1, RLENGTH - 2) }
		insuite && /\.test_cases *=/ { sarr = $0; sub(/.*\.test_cases *= */, "", sarr); sub(/[ ,].*/, "", sarr) }
		insuite && /^};/ { insuite = 0; if (sname != "") print sname, (sarr in cases ? cases[sarr] : "?") }
		' "$f"
	done
}

# skip_allowed KERNEL NAME: is the skipped test NAME on KERNEL in the
# allow-list tests/allowed-skips ("KERNEL NAME-GLOB REASON..." lines,
# KERNEL stock, debug or "*")?  Prints the reason if so.
AOBJ_ALLOWED_SKIPS=$AOBJ_TOP/tests/allowed-skips
skip_allowed() {
	local k n reason
	[ -f "$AOBJ_ALLOWED_SKIPS" ] || return 1
	while read -r k n reason; do
		case "$k" in ''|'#'*) continue ;; esac
		# shellcheck disable=SC2053
		if [[ "$1" == $k && "$2" == $n ]]; then
			echo "${reason:-allowed}"
			return 0
		fi
	done <"$AOBJ_ALLOWED_SKIPS"
	return 1
}

# now: seconds since the epoch, for step timings.
now() { date +%s; }
