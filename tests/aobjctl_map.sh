#!/bin/sh
# aobjctl map and aobjctl top: the page map of an object written with dd
# (text, --range, --runs, --json, errors), swapped pages in the map when
# AOBJ_DISKS has a disk, and top --once / --count with the module's totals,
# an object's row, fault rates while dd writes, and the swap device's row.
# Runs under busybox sh.  Exit: 0 pass, 1 fail, 77 skip.

n=0 failed=0 ids=
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
diag() { echo "#   $*"; }

A=
for d in "$(dirname "$0")/../out/tools" /tools; do
	[ -x "$d/aobjctl" ] && { A=$d/aobjctl; break; }
done
[ -n "$A" ] || { echo "1..0 # SKIP aobjctl not found"; exit 77; }
[ -e /dev/aobj ] || { echo "1..0 # SKIP /dev/aobj missing"; exit 77; }

out=$(mktemp) err=$(mktemp)
swapped= limit= bgpid=
cleanup() {
	[ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null
	for i in $ids; do "$A" detach "$i" >/dev/null 2>&1; done
	[ -n "$limit" ] && echo "$limit" >/sys/module/aobj/parameters/max_resident_mb
	[ -n "$swapped" ] && "$A" swapoff "$swapped" >/dev/null 2>&1
	rm -f "$out" "$err"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

run() {
	want=$1 desc=$2
	shift 2
	"$A" "$@" >"$out" 2>"$err"
	rc=$?
	if [ "$rc" = "$want" ]; then
		ok "$desc (exit $rc)"
		return 0
	fi
	notok "$desc"
	diag "aobjctl $*: expected exit $want, got $rc"
	diag "stdout: $(head -c 400 "$out")"
	diag "stderr: $(head -c 400 "$err")"
	return 1
}
expect() {
	if grep -qE -- "$2" "$1"; then
		ok "$3"
	else
		notok "$3"
		diag "no match for /$2/ in: $(head -c 600 "$1")"
	fi
}
show() { sed 's/^/#   | /' "$1"; }

# ---- map ----
set -- $("$A" create 1M) || { echo "Bail out! create failed"; exit 1; }
id=$1 obj=$2
ids="$ids $id"
run 0 "map of an empty object" map "$id" && {
	expect "$out" "^object $id: pages 0-255 \(1M\), 1 page per cell, 1 run\$" "map header"
	expect "$out" '^legend: \. none  c clean  D dirty  s swapped  X bad$' "map legend"
	expect "$out" '^ +0 \.{64}$' "first line: 64 holes"
	expect "$out" '^ +192 \.{64}$' "fourth line starts at page 192"
	expect "$out" '^pages: none 256 clean 0 dirty 0 swapped 0 bad 0$' "page counts"
}
dd if=/dev/urandom of="$obj" bs=4k count=16 conv=notrunc 2>/dev/null
dd if="$obj" of=/dev/null bs=4k skip=32 count=4 2>/dev/null
dd if=/dev/urandom of="$obj" bs=4k seek=40 count=2 conv=notrunc 2>/dev/null
run 0 "map after dd" map "$id" && {
	show "$out"
	expect "$out" '^ +0 D{16}\.{24}D{2}\.{22}$' "pages 0-15 and 40-41 dirty; reads of holes leave them holes"
	expect "$out" '^pages: none 238 clean 0 dirty 18 swapped 0 bad 0$' "page counts after dd"
	expect "$out" ", 4 runs\$" "4 runs"
}
run 0 "map --range 32K:64K --runs" map "$id" --range 32K:64K --runs && {
	show "$out"
	expect "$out" "^object $id: pages 8-23 \(64K\)" "range header"
	expect "$out" '^ +8 D{8}\.{8}$' "range map"
	expect "$out" '^ +8 +8 dirty *$' "first run"
	expect "$out" '^ +16 +8 none *$' "second run"
}
run 0 "map --range 160K: (to the end)" map "$id" --range 160K: &&
	expect "$out" "^object $id: pages 40-255" "range to the end"
run 0 "map --range 0:8M (past the end: cut)" map "$id" --range 0:8M &&
	expect "$out" "^object $id: pages 0-255" "cut at the end"
run 0 "map --width 16" map "$id" --width 16 &&
	expect "$out" '^ +16 \.{16}$' "16 cells per line"
run 0 "map --json" map "$id" --json && {
	show "$out"
	expect "$out" "^\{\"id\": $id, \"size\": 1048576, \"page_size\": 4096, \"offset\": 0, \"length\": 1048576," "json header"
	expect "$out" '"none": 238, "clean": 0, "dirty": 18, "swapped": 0, "bad": 0' "json counts"
	expect "$out" '\{"start": 40, "count": 2, "state": "dirty", "flags": \[\]\}' "json run"
}
run 2 "map without an id" map
run 2 "map with a bad range" map "$id" --range abc
run 2 "map with an unaligned range" map "$id" --range 100:4K &&
	expect "$err" 'must be page aligned' "unaligned range message"
run 2 "map --width 0" map "$id" --width 0
run 1 "map with a range past the end" map "$id" --range 2M: &&
	expect "$err" "past the end of object $id" "past the end message"
run 1 "map of a missing object" map 999999 &&
	expect "$err" 'cannot open /dev/aobj999999: No such file or directory' "missing object message"
run 0 "map --help" map --help && expect "$out" '^Usage: aobjctl map ID' "map usage"

# ---- top ----
run 0 "top --help" top --help && expect "$out" '^Usage: aobjctl top' "top usage"
run 2 "top --interval 0" top --once --interval 0
run 2 "top with an argument" top 5
run 0 "top --once --interval 0.3" top --once --interval 0.3 && {
	show "$out"
	expect "$out" '^aobj top - [0-9-]+ [0-9:]+, interval [0-9]+\.[0-9]s$' "top title (the interval measured)"
	expect "$out" '^objects [0-9]+  resident [^ ]+  swap-only [^ ]+  io_errors [0-9]+  bad_slots [0-9]+$' "totals line"
	expect "$out" '^faults/s [0-9]+ \(resident [0-9]+, zero [0-9]+, swap-in [0-9]+\)  pageouts/s [0-9]+  pageins/s [0-9]+$' "rates line"
	expect "$out" '^ID +OWNER +SIZE +RESIDENT +SWAPPED +RES/s +SWAP/s +REFS +FLAGS$' "objects header"
	expect "$out" "^$id +[^ ]+ +1M +72K +0 +\+0 +\+0 +1 +-\$" "the object's row"
	expect "$out" '^DEVICE +MAJ:MIN +SIZE +USED +BAD +READ/s +WRITE/s$' "devices header"
}
# Faults while dd writes an object in the background.
set -- $("$A" create 8M) || { echo "Bail out! create failed"; exit 1; }
ids="$ids $1"
(
	i=0
	while [ $i -lt 200 ]; do
		dd if=/dev/zero of="$2" bs=1M count=8 conv=notrunc 2>/dev/null
		"$A" flush "$1" --free >/dev/null 2>&1
		i=$((i + 1))
	done
) &
bgpid=$!
run 0 "top --once while dd writes" top --once --interval 1 && {
	show "$out"
	expect "$out" '^faults/s [1-9][0-9]* \(resident [0-9]+, zero [1-9]' "zero-fill faults per second from dd's writes"
	expect "$out" "^$1 +[^ ]+ +8M " "the busy object's row"
}
kill "$bgpid" 2>/dev/null
wait "$bgpid" 2>/dev/null
bgpid=
run 0 "top --count 2 --interval 0.2" top --count 2 --interval 0.2 && {
	c=$(grep -c 'aobj top - ' "$out")
	[ "$c" = 2 ] && ok "two screens" || notok "two screens (got $c)"
}

# ---- with a swap device ----
set -- ${AOBJ_DISKS:-}
if [ -n "${1:-}" ] && "$A" swapon "$1" 2>/dev/null; then
	dev=$1
	swapped=$dev
	limit=$(cat /sys/module/aobj/parameters/max_resident_mb)
	echo 4 >/sys/module/aobj/parameters/max_resident_mb
	set -- $("$A" create 8M) || { echo "Bail out! create failed"; exit 1; }
	ids="$ids $1"
	sid=$1
	dd if=/dev/zero of="$2" bs=1M count=8 conv=notrunc 2>/dev/null
	run 0 "map of an object mostly swapped out" map "$sid" --width 64 && {
		show "$out"
		expect "$out" '^ +0 [sDc]*s[sDc]*$' "the map shows swapped cells"
		expect "$out" 'swapped [1-9][0-9]* ' "swapped pages counted"
	}
	run 0 "map --json with swapped runs" map "$sid" --json &&
		expect "$out" '"state": "swapped", "flags": \[\], "swapdev": [0-9]+, "slot": [0-9]+' "json swapdev and slot"
	run 0 "map --runs with swapped runs" map "$sid" --runs &&
		expect "$out" 'swapped +swapdev [0-9]+ slots [0-9]+-[0-9]+$' "runs list slots"
	dd if="$2" of=/dev/null bs=1M 2>/dev/null &
	bgpid=$!
	run 0 "top --once with a swap device" top --once --interval 1 && {
		show "$out"
		expect "$out" "^$dev +[0-9]+:[0-9]+ +[^ ]+ +[^ ]+ +0 +[^ ]+ +[^ ]+\$" "the device's row"
	}
	wait "$bgpid" 2>/dev/null
	bgpid=
else
	echo "# no disk in AOBJ_DISKS: swapped states not shown"
fi

echo "1..$n"
if [ "$failed" != 0 ]; then
	echo "# FAIL aobjctl_map.sh: $failed of $n checks failed"
	exit 1
fi
echo "# PASS aobjctl_map.sh: $n checks"
exit 0
