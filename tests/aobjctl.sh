#!/bin/sh
# aobjctl: every subcommand (swapon/swapoff on the first disk of
# AOBJ_DISKS when there is one), and the error paths (bad sizes, bad ids,
# missing arguments, unknown options, busy devices, --help).
# Runs under busybox sh.  Exit: 0 pass, 1 fail, 77 skip.

n=0 failed=0 ids=
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
if [ -z "$A" ]; then
	# In the test VM (AOBJ_KERNEL set) aobjctl must be there.
	[ -n "${AOBJ_KERNEL:-}" ] && { echo "Bail out! aobjctl not found in the test VM"; exit 1; }
	echo "1..0 # SKIP aobjctl not found (set AOBJCTL)"; exit 77
fi
# Once aobj is loaded, /dev/aobj must be there.
if [ ! -e /dev/aobj ]; then
	[ -e /sys/module/aobj ] && { echo "Bail out! /dev/aobj missing although aobj is loaded"; exit 1; }
	echo "1..0 # SKIP /dev/aobj missing (aobj not loaded)"; exit 77
fi

out=$(mktemp) err=$(mktemp)
swapped=
cleanup() {
	for i in $ids; do "$A" detach "$i" >/dev/null 2>&1; done
	[ -n "$swapped" ] && "$A" swapoff "$swapped" >/dev/null 2>&1
	rm -f "$out" "$err"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# run WANT_STATUS DESCRIPTION ARGS...: run aobjctl, check its exit status.
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

# expect FILE PATTERN DESCRIPTION: grep -E PATTERN in FILE.
expect() {
	if grep -qE -- "$2" "$1"; then
		ok "$3"
	else
		notok "$3"
		diag "no match for /$2/ in: $(head -c 400 "$1")"
	fi
}

# --help everywhere.
run 0 "--help" --help && expect "$out" '^Usage: aobjctl' "--help prints usage"
for c in create list stat detach flush swapon swapoff swaps; do
	run 0 "$c --help" "$c" --help &&
		expect "$out" "^Usage: aobjctl $c" "$c --help prints its usage"
done
run 0 "help create" help create
run 2 "no command" && expect "$err" 'Usage' "no command prints usage"
run 2 "unknown command" frobnicate &&
	expect "$err" "^aobjctl: unknown command 'frobnicate'" "unknown command message"

# create.
run 0 "create 4M" create 4M || { echo "Bail out! create failed"; exit 1; }
set -- $(cat "$out")
id=$1 node=$2
ids="$ids $id"
[ "$node" = "/dev/aobj$id" ] && ok "create prints id and node ($id $node)" ||
	notok "create output '$id $node'"
[ -c "$node" ] && ok "$node is a character device" || notok "$node missing"

run 0 "stat ID" stat "$id" && {
	expect "$out" '^size: +4194304 bytes' "stat shows the size"
	expect "$out" '^mode: +0600' "stat shows mode 0600"
	expect "$out" '^resident: +0 pages' "stat shows resident 0"
	expect "$out" '^refs: +2$' "stat shows refs 2 (creation + its own fd)"
	expect "$out" '^flags: +-$' "stat shows no flags"
}
run 0 "stat aobjID" stat "aobj$id"
run 0 "stat /dev/aobjID" stat "/dev/aobj$id"
run 0 "stat --json" stat "$id" --json && {
	expect "$out" "\"id\": $id," "stat --json has the id"
	expect "$out" '"size": 4194304' "stat --json has the size"
	expect "$out" '"detached": false' "stat --json has detached false"
}

run 0 "create 1 --mode 644 --noswap" create 1 --mode 644 --noswap
set -- $(cat "$out")
id2=$1
ids="$ids $id2"
run 0 "stat of the second" stat "$id2" && {
	expect "$out" '^mode: +0644' "mode 0644"
	expect "$out" '^flags: +noswap' "flags noswap"
	expect "$out" '^size: +4096 bytes' "size 1 rounds up to a page"
}
run 0 "create 64KiB -m 0640" create 64KiB -m 0640
set -- $(cat "$out")
ids="$ids $1"
run 0 "detach it" detach "$1"

# list.
run 0 "list" list && {
	expect "$out" '^ID +NODE +OWNER +MODE +SIZE +RESIDENT +SWAPPED +REFS +FLAGS' "list header"
	expect "$out" "^$id +/dev/aobj$id +[^ ]+ +00600 +4M +0 +0 +1 +-\$" "list row of the first object"
	expect "$out" "^$id2 +/dev/aobj$id2 .* noswap\$" "list row of the second object"
}
run 0 "list --noheadings --bytes" list --noheadings --bytes && {
	if grep -q '^ID' "$out"; then notok "--noheadings drops the header"; else ok "--noheadings drops the header"; fi
	expect "$out" "^$id .* 4194304 " "--bytes prints bytes"
}
run 0 "list --json" list --json && {
	expect "$out" '^\{"objects": \[' "list --json opens an objects array"
	expect "$out" "\"id\": $id, \"node\": \"/dev/aobj$id\"" "list --json has the first object"
	expect "$out" "\"id\": $id2, .*\"noswap\": true" "list --json has the second object"
}

# flush.
run 0 "flush --free" flush "$id" --free
run 0 "flush --deactivate" flush "$id" --deactivate
run 0 "flush --offset/--length" flush "$id" --offset 4096 --length 8K --free
run 0 "flush -o -l -f, options before the id" flush -o 1M -l 1M -f "$id"
run 0 "flush of the last page to the end" flush "$id" --offset 4190208 --free
run 1 "flush --clean without swap" flush "$id" --clean &&
	expect "$err" "^aobjctl: cannot flush \(clean\) object $id: No space left on device" "ENOSPC message"
run 1 "flush at an unaligned offset" flush "$id" --offset 1 --free &&
	expect "$err" 'Invalid argument$' "EINVAL message"
run 1 "flush beyond the object" flush "$id" --offset 8M --free
run 2 "flush without a mode" flush "$id"
run 2 "flush with two modes" flush "$id" --free --deactivate
run 2 "flush with a bad offset" flush "$id" --offset abc --free
run 2 "flush without an id" flush --free
run 2 "flush with --offset missing its value" flush "$id" --free --offset
run 1 "flush of a missing object" flush 999999 --free &&
	expect "$err" '^aobjctl: cannot open /dev/aobj999999: No such file or directory$' "ENOENT message"

# create errors.
run 2 "create without a size" create
run 2 "create 12X" create 12X && expect "$err" "^aobjctl: invalid size: '12X'" "bad size message"
run 2 "create 0" create 0
run 2 "create -1" create -1
run 2 "create 1.5G" create 1.5G
run 2 "create 99999999999999999999" create 99999999999999999999
run 2 "create 17E (overflow)" create 17E
run 2 "create with a bad mode" create 4M --mode 1777
run 2 "create with a non-octal mode" create 4M --mode 9
run 2 "create with an extra argument" create 4M 5M
run 2 "create with an unknown option" create 4M --bogus &&
	expect "$err" "unrecognized option '--bogus'" "unknown option message"
run 1 "create 1E (over max_object_size)" create 1E &&
	expect "$err" 'File too large$' "EFBIG message"

# stat/detach errors.
run 2 "stat without an id" stat
run 2 "stat abc" stat abc && expect "$err" "^aobjctl: invalid object id: 'abc'" "bad id message"
run 2 "stat -5" stat -- -5
run 2 "stat 5x" stat 5x
run 2 "stat 99999999999" stat 99999999999
run 1 "stat of a missing object" stat 999999 &&
	expect "$err" 'No such file or directory$' "ENOENT message"
run 2 "detach without an id" detach
run 2 "detach with two ids" detach 1 2
run 2 "detach of a bad id" detach /dev/aobjx

# swap commands: error paths only (no swap device here).
run 2 "swapon without a device" swapon
run 2 "swapon with a bad priority" swapon /dev/null --priority high
run 2 "swapoff without a device" swapoff
run 1 "swapon of a missing path" swapon /nonexistent/dev
run 1 "swapoff of a device not in use" swapoff /nonexistent/dev
run 0 "swaps" swaps
run 0 "swaps --json" swaps --json && expect "$out" '^\{"swaps": \[' "swaps --json"

# swap commands with a real device, when the VM gave us a disk.
set -- ${AOBJ_DISKS:-}
if [ -n "${1:-}" ]; then
	dev=$1
	swapped=$dev
	run 0 "swapon $dev --priority 3" swapon "$dev" --priority 3
	run 0 "swaps lists it" swaps &&
		expect "$out" "^$dev[[:space:]].*[[:space:]]3([[:space:]]|\$)" "swaps shows $dev with priority 3"
	run 0 "swaps --json lists it" swaps --json &&
		expect "$out" "\"$dev\"" "swaps --json names $dev"
	run 1 "swapon of the same device again" swapon "$dev" &&
		expect "$err" '^aobjctl: .*: Device or resource busy' "busy device: aobjctl: <what>: <strerror>"
	run 0 "swapoff $dev" swapoff "$dev" &&
		expect "$out" '0 pages lost' "swapoff reports 0 pages lost"
	swapped=
	run 0 "swaps after swapoff" swaps
	if grep -q "^$dev[[:space:]]" "$out"; then
		notok "swaps no longer lists $dev"
	else
		ok "swaps no longer lists $dev"
	fi
else
	echo "# no disk in AOBJ_DISKS: swapon/swapoff success paths not run"
fi

# detach.
run 0 "detach" detach "$id"
[ -e "/dev/aobj$id" ] && notok "node gone after detach" || ok "node gone after detach"
run 1 "detach again" detach "$id"
run 1 "stat after detach" stat "$id"
# A list that crashes or fails lists nothing either: check its status too.
run 0 "list after detach" list &&
	if grep -q "^$id " "$out"; then notok "detached idle object not listed"; else ok "detached idle object not listed"; fi
run 0 "detach the second" detach "aobj$id2"
ids=

echo "1..$n"
if [ "$failed" != 0 ]; then
	echo "# FAIL aobjctl.sh: $failed of $n checks failed"
	exit 1
fi
echo "# PASS aobjctl.sh: $n checks"
exit 0
