#!/bin/sh
# The object node as a file for unmodified tools: dd in and out (with
# seek/skip, O_DIRECT, past the end), cat, GNU cp --sparse=always both ways
# (the file copy must be sparse), util-linux fallocate --punch-hole (fails
# with ENODEV, data intact) and FLUSH FREE in its place, and fio with
# psync, libaio (O_DIRECT) and io_uring writing with verify, then verify-only, then verify-only after a byte was
# changed behind fio's back (which must fail), and with a disk in
# AOBJ_DISKS, fio libaio through swap (sizes kept small for the debug kernel).
# Runs under busybox sh.  Exit: 0 pass, 1 fail, 77 skip.

n=0 failed=0 ids=
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
diag() { echo "#   $*"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else notok "$desc"; fi; }

A=
for d in "$(dirname "$0")/../out/tools" /tools; do
	[ -x "$d/aobjctl" ] && { A=$d/aobjctl; break; }
done
[ -n "$A" ] || { echo "1..0 # SKIP aobjctl not found"; exit 77; }
[ -e /dev/aobj ] || { echo "1..0 # SKIP /dev/aobj missing"; exit 77; }
command -v fio >/dev/null || { echo "1..0 # SKIP fio not in PATH"; exit 77; }

tmp=$(mktemp -d)
swapped= limit=
cleanup() {
	for i in $ids; do "$A" detach "$i" >/dev/null 2>&1; done
	[ -n "$limit" ] && echo "$limit" >/sys/module/aobj/parameters/max_resident_mb
	[ -n "$swapped" ] && "$A" swapoff "$swapped" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# mkobj SIZE: create an object, set $oid to its id and $obj to its node.
mkobj() {
	set -- $("$A" create "$1") || { echo "Bail out! create failed"; exit 1; }
	ids="$ids $1"
	oid=$1 obj=$2
}

# ---- dd and cat ----
mkobj 16M
dd if=/dev/urandom of="$tmp/src" bs=64k count=64 2>/dev/null
check "dd 4 MiB into the object" dd if="$tmp/src" of="$obj" bs=64k conv=notrunc 2>"$tmp/err"
check "dd it back out" dd if="$obj" of="$tmp/back" bs=64k count=64 2>"$tmp/err"
check "dd round trip is byte exact" cmp -s "$tmp/src" "$tmp/back"
check "dd seek=5 (MiB) bs=1M count=2" dd if="$tmp/src" of="$obj" bs=1M seek=5 count=2 conv=notrunc 2>"$tmp/err"
dd if="$obj" of="$tmp/back" bs=1M skip=5 count=2 2>/dev/null
dd if="$tmp/src" of="$tmp/src2" bs=1M count=2 2>/dev/null
check "dd skip=5 reads what seek=5 wrote" cmp -s "$tmp/src2" "$tmp/back"
check "dd oflag=direct" dd if="$tmp/src" of="$obj" bs=64k count=16 seek=160 oflag=direct conv=notrunc 2>"$tmp/err"
check "dd iflag=direct" dd if="$obj" of="$tmp/back" bs=64k count=16 skip=160 iflag=direct 2>"$tmp/err"
dd if="$tmp/src" of="$tmp/src2" bs=64k count=16 2>/dev/null
check "direct round trip is byte exact" cmp -s "$tmp/src2" "$tmp/back"
size=$(cat "$obj" | wc -c)
check "cat reads the whole object ($size bytes)" [ "$size" = 16777216 ]
if dd if="$tmp/src" of="$obj" bs=1M seek=16 count=1 conv=notrunc 2>"$tmp/err"; then
	notok "dd past the end fails"
else
	ok "dd past the end fails"
	if grep -q "No space left on device" "$tmp/err"; then
		ok "with ENOSPC"
	else
		notok "with ENOSPC"
		diag "$(cat "$tmp/err")"
	fi
fi
out=$(dd if="$obj" of=/dev/null bs=1M skip=15 count=4 2>&1)
case "$out" in
*"1+0 records in"*) ok "dd reading across the end stops at the end" ;;
*) notok "dd reading across the end stops at the end"; diag "$out" ;;
esac

# ---- cp --sparse, fallocate --punch-hole ----
# GNU cp and util-linux fallocate: /opt/gnu/bin in the VM (busybox has
# neither --sparse nor --punch-hole), else the PATH's if they have them.
# Missing tools fail the test: these checks are not optional.
CP= FALLOC=
for c in /opt/gnu/bin/cp cp; do
	"$c" --help 2>&1 | grep -q -- --sparse && { CP=$c; break; }
done
for c in /opt/gnu/bin/fallocate fallocate; do
	"$c" --help 2>&1 | grep -q -- --punch-hole && { FALLOC=$c; break; }
done
# An 8 MiB object with 4 written pages (1, 2, 700, 2047) and a few bytes
# in page 1536 among holes.
mkobj 8M
sparse_id=$oid sobj=$obj
dd if=/dev/urandom of="$tmp/pages" bs=4k count=4 2>/dev/null
dd if="$tmp/pages" of="$sobj" bs=4k seek=1 count=2 conv=notrunc 2>/dev/null
dd if="$tmp/pages" of="$sobj" bs=4k skip=2 seek=700 count=1 conv=notrunc 2>/dev/null
dd if="$tmp/pages" of="$sobj" bs=4k skip=3 seek=2047 count=1 conv=notrunc 2>/dev/null
printf 'hello' | dd of="$sobj" bs=1 seek=$((1536 * 4096 + 3)) conv=notrunc 2>/dev/null
if [ -z "$CP" ]; then
	notok "a cp with --sparse (GNU coreutils) is available: none in /opt/gnu/bin or PATH"
else
	check "$CP --sparse=always object -> file" "$CP" --sparse=always "$sobj" "$tmp/sparse"
	check "the copy holds the object's bytes" cmp -s "$sobj" "$tmp/sparse"
	size=$(wc -c <"$tmp/sparse")
	check "the copy has the object's size ($size)" [ "$size" = 8388608 ]
	# du counts allocated blocks: 5 pages of data (20 KiB), holes none.
	# A --sparse=never copy allocates all 8 MiB, so du is seen to count.
	kb=$(du -k "$tmp/sparse" | cut -f1)
	check "the copy is sparse ($kb KiB allocated, data 20 KiB)" [ "$kb" -ge 20 -a "$kb" -lt 256 ]
	"$CP" --sparse=never "$sobj" "$tmp/full"
	kb_full=$(du -k "$tmp/full" | cut -f1)
	check "a --sparse=never copy is not ($kb_full KiB allocated)" [ "$kb_full" -ge 8192 ]
	rm -f "$tmp/full"
	mkobj 8M
	check "$CP --sparse=always file -> a new object" "$CP" --sparse=always "$tmp/sparse" "$obj"
	check "the new object holds the file's bytes" cmp -s "$obj" "$tmp/sparse"
fi

# vfs_fallocate() (fs/open.c:319) answers ENODEV for a character device
# before the node's fallocate is called: the punch fails, the data stays.
# FLUSH FREE on the range is the way to punch a hole.
if [ -z "$FALLOC" ]; then
	notok "a fallocate with --punch-hole (util-linux) is available: none in /opt/gnu/bin or PATH"
else
	dd if="$sobj" of="$tmp/before" bs=4k count=4 2>/dev/null
	if "$FALLOC" --punch-hole --offset 4096 --length 8192 "$sobj" 2>"$tmp/err"; then
		notok "fallocate --punch-hole on the node fails"
	else
		ok "fallocate --punch-hole on the node fails"
		if grep -q "No such device" "$tmp/err"; then
			ok "with ENODEV"
		else
			notok "with ENODEV"
			diag "$(cat "$tmp/err")"
		fi
	fi
	dd if="$sobj" of="$tmp/after" bs=4k count=4 2>/dev/null
	check "pages 1-2 kept their data" cmp -s "$tmp/before" "$tmp/after"
	check "aobjctl flush --free pages 1-2" "$A" flush "$sparse_id" --offset 4096 --length 8192 --free
	dd if="$sobj" of="$tmp/after" bs=4k skip=1 count=2 2>/dev/null
	dd if=/dev/zero of="$tmp/zero" bs=4k count=2 2>/dev/null
	check "pages 1-2 read back as zeros" cmp -s "$tmp/zero" "$tmp/after"
	map=$("$A" map "$sparse_id" --range 0:12K --json)
	case "$map" in
	*'"none": 3,'*) ok "aobjctl map: pages 0-2 are holes again" ;;
	*) notok "aobjctl map: pages 0-2 are holes again"; diag "$map" ;;
	esac
	check "the rest of the object is unchanged" cmp -s "$sobj" "$tmp/sparse" 12288 12288
fi

# ---- fio ----
# fio_run NAME ARGS...: fio on $obj over 2 MiB, 4 KiB random writes with
# crc32c verify; $tmp/fio.out has the output.
fio_run() {
	name=$1
	shift
	fio --name="$name" --filename="$obj" --size=2M --bs=4k --rw=randwrite \
		--verify=crc32c --verify_fatal=1 --do_verify=1 \
		--randrepeat=1 --norandommap=0 "$@" >"$tmp/fio.out" 2>&1
}
fio_check() {
	desc=$1
	shift
	if fio_run "$@" && grep -q "err= 0" "$tmp/fio.out"; then
		ok "$desc"
	else
		notok "$desc"
		grep -iE "err=|verify|error|fail" "$tmp/fio.out" | head -5 | while read -r l; do diag "$l"; done
	fi
}

mkobj 2M
fio_check "fio psync randwrite + verify" psync --ioengine=psync
fio_check "fio psync verify_only" psync --ioengine=psync --verify_only
# A changed byte must fail the verify: the check is real.
printf 'X' | dd of="$obj" bs=1 seek=$((1048576 + 100)) conv=notrunc 2>/dev/null
if fio_run psync --ioengine=psync --verify_only; then
	notok "fio verify_only fails after a byte was changed"
elif grep -qiE "verify failed|bad (magic|header)" "$tmp/fio.out"; then
	ok "fio verify_only fails after a byte was changed: $(grep -m1 -ioE "(crc32c|verify)[^,]*(failed|bad)[^,]*" "$tmp/fio.out")"
else
	notok "fio verify_only fails after a byte was changed, with a verify error"
	head -5 "$tmp/fio.out" | while read -r l; do diag "$l"; done
fi

mkobj 2M
fio_check "fio libaio direct=1 iodepth=16 randwrite + verify" libaio \
	--ioengine=libaio --direct=1 --iodepth=16
fio_check "fio libaio verify_only" libaio --ioengine=libaio --direct=1 --iodepth=16 --verify_only
mkobj 2M
fio_check "fio libaio buffered seq write + verify" libaio2 --ioengine=libaio \
	--iodepth=4 --rw=write --bs=64k
mkobj 2M
if fio --name=probe --filename="$obj" --size=64k --bs=4k --rw=read \
	--ioengine=io_uring >"$tmp/fio.out" 2>&1; then
	fio_check "fio io_uring randwrite + verify" uring --ioengine=io_uring --iodepth=8
else
	diag "io_uring not usable here: $(grep -m1 -i err "$tmp/fio.out")"
fi

# ---- fio through swap ----
set -- ${AOBJ_DISKS:-}
if [ -n "${1:-}" ] && "$A" swapon "$1" 2>/dev/null; then
	swapped=$1
	limit=$(cat /sys/module/aobj/parameters/max_resident_mb)
	echo 4 >/sys/module/aobj/parameters/max_resident_mb
	po=$(cat /sys/class/misc/aobj/stats/pageouts)
	mkobj 12M
	fio --name=swap --filename="$obj" --size=12M --bs=16k --rw=randwrite \
		--ioengine=libaio --iodepth=8 --direct=1 --verify=crc32c \
		--verify_fatal=1 --do_verify=1 >"$tmp/fio.out" 2>&1
	rc=$?
	po2=$(cat /sys/class/misc/aobj/stats/pageouts)
	if [ "$rc" = 0 ] && grep -q "err= 0" "$tmp/fio.out"; then
		ok "fio libaio verify of 12 MiB with a 4 MiB resident limit"
	else
		notok "fio libaio verify of 12 MiB with a 4 MiB resident limit"
		grep -iE "err=|verify|error" "$tmp/fio.out" | head -5 | while read -r l; do diag "$l"; done
	fi
	check "pages went through swap ($((po2 - po)) pageouts)" [ "$po2" -gt "$po" ]
else
	diag "no disk in AOBJ_DISKS: fio through swap not run"
fi

echo "1..$n"
if [ "$failed" != 0 ]; then
	echo "# FAIL fileio_tools.sh: $failed of $n checks failed"
	exit 1
fi
echo "# PASS fileio_tools.sh: $n checks"
exit 0
