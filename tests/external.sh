#!/bin/sh
# External programs against aobj objects:
#   memtester -p 0 -d /dev/aobjN  (mmaps the node MAP_SHARED|MAP_LOCKED)
#   fio --ioengine=mmap on /dev/aobjN, with verification, swapping when a
#   disk is in AOBJ_DISKS (resident limit FIO_LIMIT_MB, default 8M, below
#   FIO_SIZE)
#   stress-ng --dev on /dev/aobjN and on the control node /dev/aobj
# Outside the test VM, each part is skipped if its program is missing
# (exit 77 if all are); in the VM (AOBJ_KERNEL set) that is a failure.
# Objects are created with aobjctl and detached at the end; afterwards the
# global object count must be back where it started, and the kernel log
# must have no new BUG/WARNING/KASAN reports.
# Runs under busybox sh.  Exit: 0 pass, 1 fail, 77 skip.
#
# Environment: AOBJCTL (path of aobjctl), MEMTESTER_SIZE (default 8M,
# 4M on the debug kernel), FIO_SIZE (default 16M), STRESS_TIMEOUT (default 5s).

n=0 failed=0 ran=0 ids=
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
diag() { echo "#   $*"; }

find_aobjctl() {
	if [ -n "${AOBJCTL:-}" ]; then echo "$AOBJCTL"; return; fi
	command -v aobjctl 2>/dev/null && return
	for d in "$(dirname "$0")/../out/tools" /tools; do
		[ -x "$d/aobjctl" ] && { echo "$d/aobjctl"; return; }
	done
}
A=$(find_aobjctl)
# In the test VM (AOBJ_KERNEL set) nothing may be missing: no skips there.
invm=${AOBJ_KERNEL:+1}
if [ -z "$A" ]; then
	[ -n "$invm" ] && { echo "Bail out! aobjctl not found in the test VM"; exit 1; }
	echo "1..0 # SKIP aobjctl not found (set AOBJCTL)"; exit 77
fi
# Once aobj is loaded, /dev/aobj must be there.
if [ ! -e /dev/aobj ]; then
	[ -e /sys/module/aobj ] && { echo "Bail out! /dev/aobj missing although aobj is loaded"; exit 1; }
	echo "1..0 # SKIP /dev/aobj missing (aobj not loaded)"; exit 77
fi
# missing PROGRAM: a part cannot run; a failure in the test VM.
missing() {
	if [ -n "$invm" ]; then
		notok "$1 installed in the test VM (extras disk mounted?)"
	else
		echo "# skipped: $1 not installed"
	fi
}

# memtester's time grows with its size: on the debug kernel (KASAN, under
# TCG) 8M took 150-270 s of the 300 s a test has.
if [ "${AOBJ_KERNEL:-}" = debug ]; then
	MEMTESTER_SIZE=${MEMTESTER_SIZE:-4M}
else
	MEMTESTER_SIZE=${MEMTESTER_SIZE:-8M}
fi
FIO_SIZE=${FIO_SIZE:-16M}
STRESS_TIMEOUT=${STRESS_TIMEOUT:-5s}
STATS=/sys/class/misc/aobj/stats
log=$(mktemp)

LIMIT=/sys/module/aobj/parameters/max_resident_mb
swapdev= limit0=

cleanup() {
	for i in $ids; do "$A" detach "$i" >/dev/null 2>&1; done
	[ -n "$limit0" ] && echo "$limit0" >"$LIMIT"
	[ -n "$swapdev" ] && "$A" swapoff "$swapdev" >/dev/null 2>&1
	rm -f "$log"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# new_object SIZE: create an object, set $id and $node.
new_object() {
	if ! "$A" create "$1" >"$log" 2>&1; then
		notok "create $1 object"
		diag "$(cat "$log")"
		id= node=
		return 1
	fi
	set -- $(cat "$log")
	id=$1 node=$2
	ids="$ids $id"
	echo "# created $node"
}

# finish_object: detach $id.
finish_object() {
	[ -n "$id" ] || return
	"$A" detach "$id" >"$log" 2>&1 && ok "detach $node" ||
		{ notok "detach $node"; diag "$(cat "$log")"; }
}

# runlog DESCRIPTION CMD...: run CMD, its output in $log (shown on failure).
runlog() {
	desc=$1
	shift
	echo "# \$ $*"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then
		ok "$desc ($(($(date +%s) - start)) s)"
		return 0
	fi
	notok "$desc"
	diag "exit status $rc; last lines of output:"
	tail -n 25 "$log" | sed 's/^/#     /'
	return 1
}

kernel_reports() {
	dmesg 2>/dev/null | grep -cE 'BUG:|WARNING:|Oops|KASAN|UBSAN|general protection|RIP:' || true
}

objects0=$(cat "$STATS/objects")
reports0=$(kernel_reports)

# memtester: maps MEMTESTER_SIZE of the node at physical address 0.
if command -v memtester >/dev/null 2>&1; then
	ran=1
	if new_object "$MEMTESTER_SIZE"; then
		runlog "memtester -p 0 -d $node $MEMTESTER_SIZE 1" \
			memtester -p 0 -d "$node" "$MEMTESTER_SIZE" 1
		grep -q 'Done\.' "$log" && ok "memtester reports Done" ||
			notok "memtester reports Done"
		finish_object
	fi
else
	missing memtester
fi

# fio: the mmap engine on the node, several patterns, verified.  With a
# swap disk (AOBJ_DISKS), the resident limit is set below FIO_SIZE, so the
# object swaps while fio writes and verifies it.
if command -v fio >/dev/null 2>&1; then
	ran=1
	for d in ${AOBJ_DISKS:-}; do
		"$A" swapon "$d" >"$log" 2>&1 && { swapdev=$d; break; }
	done
	if [ -n "$swapdev" ]; then
		limit0=$(cat "$LIMIT")
		echo "${FIO_LIMIT_MB:-8}" >"$LIMIT"
		echo "# swap on $swapdev, resident limit ${FIO_LIMIT_MB:-8} MiB"
	else
		echo "# no swap disk: fio runs without paging"
	fi
	pageouts0=$(cat "$STATS/pageouts")
	if new_object "$FIO_SIZE"; then
		common="--ioengine=mmap --filename=$node --size=$FIO_SIZE --verify_fatal=1 --do_verify=1"
		runlog "fio randwrite 4k crc32c" fio --name=randwrite $common \
			--rw=randwrite --bs=4k --verify=crc32c
		runlog "fio sequential write 64k md5" fio --name=seqwrite $common \
			--rw=write --bs=64k --verify=md5
		runlog "fio randwrite 16k sha256" fio --name=rand16k $common \
			--rw=randwrite --bs=16k --verify=sha256
		# A second process verifies what the first one wrote.
		runlog "fio write, then verify in a separate run" fio \
			--name=w $common --rw=write --bs=4k --verify=crc32c \
			--do_verify=0 --verify_state_save=0
		runlog "fio verify-only run reads it back" fio --name=w $common \
			--rw=read --bs=4k --verify=crc32c --verify_only \
			--verify_state_load=0
		finish_object
	fi
	if [ -n "$swapdev" ]; then
		pageouts=$(cat "$STATS/pageouts")
		[ "$pageouts" -gt "$pageouts0" ] &&
			ok "fio's object was paged out ($((pageouts - pageouts0)) pages)" ||
			notok "fio's object was paged out"
		echo "$limit0" >"$LIMIT"
		limit0=
		"$A" swapoff "$swapdev" >"$log" 2>&1 && ok "swapoff $swapdev" ||
			{ notok "swapoff $swapdev"; diag "$(cat "$log")"; }
		swapdev=
	fi
else
	missing fio
fi

# stress-ng: the dev stressor exercises open/ioctl/mmap/poll/... on a node.
if command -v stress-ng >/dev/null 2>&1; then
	ran=1
	if new_object 1M; then
		runlog "stress-ng --dev on $node" stress-ng --dev 1 \
			--dev-file "$node" --timeout "$STRESS_TIMEOUT"
		[ -c "$node" ] && ok "$node still there after stress-ng" ||
			notok "$node still there after stress-ng"
		finish_object
	fi
	before=$(cat "$STATS/objects")
	runlog "stress-ng --dev on /dev/aobj" stress-ng --dev 1 \
		--dev-file /dev/aobj --timeout "$STRESS_TIMEOUT"
	after=$(cat "$STATS/objects")
	[ "$after" = "$before" ] && ok "stress-ng on /dev/aobj created no objects" ||
		{ notok "stress-ng on /dev/aobj created no objects"; diag "objects $before -> $after"; }
else
	missing stress-ng
fi

if [ "$ran" = 0 ] && [ -z "$invm" ]; then
	echo "1..0 # SKIP none of memtester, fio, stress-ng installed"
	exit 77
fi

objects=$(cat "$STATS/objects")
[ "$objects" = "$objects0" ] && ok "objects counter back to $objects0" ||
	{ notok "objects counter back to $objects0"; diag "got $objects"; }
reports=$(kernel_reports)
if [ "$reports" = "$reports0" ]; then
	ok "no new kernel BUG/WARNING reports"
else
	notok "no new kernel BUG/WARNING reports"
	dmesg | grep -E 'BUG:|WARNING:|Oops|KASAN|UBSAN|general protection|RIP:' |
		tail -n 10 | sed 's/^/#     /'
fi

echo "1..$n"
if [ "$failed" != 0 ]; then
	echo "# FAIL external.sh: $failed of $n checks failed"
	exit 1
fi
echo "# PASS external.sh: $n checks"
exit 0
