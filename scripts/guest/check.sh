#!/bin/sh
# Guest side of `make check` (busybox sh).
#
# Loads aobj.ko; on the debug kernel loads aobj_test.ko (KUnit runs its
# suites at load time) and unloads it again; runs every userspace test
# (/tools/tests/* and /tests/*.sh; exit 0 = pass, 77 = skip, else fail)
# under a per-test timeout (AOBJ_TEST_TIMEOUT, default 300 s; AOBJ_TESTS
# selects tests by name); unloads aobj;
# on the debug kernel asks kmemleak for leaks.  Everything is reported as
# one KTAP document between the lines AOBJ-KTAP-BEGIN and AOBJ-KTAP-END:
# the KUnit suites from /sys/kernel/debug/kunit/*/results, then a suite
# "aobj_user" for the rest.  Exit status 0 iff everything passed.
# The KTAP document goes to $AOBJ_KTAP_DEV when set (run-vm.sh --serial2:
# the second serial port, /dev/ttyS1, where no kernel line can land in the
# middle of a result line), else to stdout; progress goes to the console.
# On the debug kernel a missing aobj_test.ko is a failure.
. /scripts/guest/lib.sh

timeout=${AOBJ_TEST_TIMEOUT:-300}
kunitfs=/sys/kernel/debug/kunit
kmemleak=/sys/kernel/debug/kmemleak
work=$(mktemp -d)
failed=0

debug=0
[ "${AOBJ_KERNEL:-}" = debug ] && debug=1

# kmemleak: forget leaks from boot so only ours are reported.
if [ "$debug" = 1 ] && [ -w "$kmemleak" ]; then
	echo scan >"$kmemleak"
	echo clear >"$kmemleak"
fi

# Load the modules before printing anything, to know the KTAP plan.
insmod_rc=0
aobj_load >"$work/insmod_aobj" 2>&1 || insmod_rc=1
[ "$insmod_rc" = 0 ] || cat "$work/insmod_aobj"

kunit_rc=skip
[ "$debug" = 1 ] && [ "$insmod_rc" = 0 ] && [ ! -f "$AOBJ_MODDIR/aobj_test.ko" ] &&
	echo "AOBJ: $AOBJ_MODDIR/aobj_test.ko is missing from the initramfs" >"$work/kunit_module" &&
	kunit_rc=1
# suites: names of the registered KUnit suites, space-separated.
suites() {
	for d in "$kunitfs"/*/; do
		[ -d "$d" ] && basename "$d"
	done | tr '\n' ' '
}
suites_before=" $(suites) "
if [ "$debug" = 1 ] && [ "$insmod_rc" = 0 ] && [ -f "$AOBJ_MODDIR/aobj_test.ko" ]; then
	echo "AOBJ: loading aobj_test.ko (KUnit)"
	kunit_rc=0
	insmod "$AOBJ_MODDIR/aobj_test.ko" >"$work/kunit_module" 2>&1 || kunit_rc=1
fi
for suite in $(suites); do
	case "$suites_before" in
	*" $suite "*) ;;
	*) echo "$suite" ;;
	esac
done >"$work/suites"
nsuites=$(wc -l <"$work/suites")

# AOBJ_TESTS="name ..." restricts the run to those userspace tests.
tests=
for t in /tools/tests/* /tests/*.sh; do
	[ -f "$t" ] || continue
	case " ${AOBJ_TESTS:-${t##*/}} " in
	*" ${t##*/} "*) tests="$tests $t" ;;
	esac
done
ntests=$(echo $tests | wc -w)
nuser=$((ntests + 3))            # insmod_aobj, aobj_test_module, tests, rmmod_aobj
[ "$debug" = 1 ] && nuser=$((nuser + 1))   # kmemleak

# fd 4: the console, for progress; stdout from here on: the KTAP document.
exec 4>&1
if [ -n "${AOBJ_KTAP_DEV:-}" ]; then
	if [ -c "$AOBJ_KTAP_DEV" ] && exec >"$AOBJ_KTAP_DEV"; then
		stty -F "$AOBJ_KTAP_DEV" raw -echo 2>/dev/null
		echo "AOBJ: KTAP results go to $AOBJ_KTAP_DEV" >&4
	else
		echo "AOBJ: cannot write KTAP to $AOBJ_KTAP_DEV: no results" >&4
		exit 1
	fi
fi

echo "AOBJ-KTAP-BEGIN"
echo "KTAP version 1"
echo "1..$((nsuites + 1))"

# The KUnit suites: each results file is a KTAP document "1..1" with the
# suite as its only subtest; drop its header and renumber the suite.
i=0
while read -r suite; do
	i=$((i + 1))
	res=$kunitfs/$suite/results
	tail -n 1 "$res" | grep -q '^ok' || failed=1
	sed -e '1,2d' -e '$s/^ok 1 /ok '"$i"' /' -e '$s/^not ok 1 /not ok '"$i"' /' "$res"
done <"$work/suites"
if [ "$kunit_rc" = 0 ]; then
	rmmod aobj_test >>"$work/kunit_module" 2>&1 || kunit_rc=1
fi

# The userspace suite, one line per test as it completes.
echo "    KTAP version 1"
echo "    # Subtest: aobj_user"
echo "    1..$nuser"
n=0
user_failed=0
# result NAME ok|fail|skip [OUTPUT [REASON]]: one KTAP test line, with
# the last 300 lines of OUTPUT as diagnostics.
result() {
	n=$((n + 1))
	if [ -s "${3:-}" ]; then
		tail -n 300 "$3" | sed 's/^/    # /'
	fi
	case "$2" in
	ok)	echo "    ok $n $1" ;;
	skip)	echo "    ok $n $1 # SKIP ${4:-}" ;;
	*)	echo "    not ok $n $1${4:+ # $4}"; user_failed=1 ;;
	esac
}

if [ "$insmod_rc" = 0 ]; then
	result insmod_aobj ok "$work/insmod_aobj"
else
	result insmod_aobj fail "$work/insmod_aobj"
fi
case "$kunit_rc" in
0)	result aobj_test_module ok "$work/kunit_module" ;;
1)	result aobj_test_module fail "$work/kunit_module" ;;
*)	result aobj_test_module skip "" "no KUnit on this kernel" ;;
esac

for t in $tests; do
	name=${t##*/}
	out=$work/$name.out
	if [ "$insmod_rc" != 0 ]; then
		result "$name" skip "" "aobj not loaded"
		continue
	fi
	echo "    # aobj_user: running $name"
	echo "AOBJ: running $name" >&4
	dir=$(mktemp -d)
	case "$t" in
	*.sh)	(cd "$dir" && timeout -s KILL "$timeout" sh "$t") >"$out" 2>&1 </dev/null ;;
	*)	(cd "$dir" && timeout -s KILL "$timeout" "$t") >"$out" 2>&1 </dev/null ;;
	esac
	rc=$?
	rm -rf "$dir"
	# A failed or killed test must not make the ones after it fail too.
	case "$rc" in
	0|77)	;;
	137)	aobj_stuck_report >&4 2>&1
		aobj_reset >>"$out" 2>&1 ;;
	*)	aobj_reset >>"$out" 2>&1 ;;
	esac
	case "$rc" in
	0)	result "$name" ok "$out" ;;
	77)	result "$name" skip "$out" "skipped by the test" ;;
	137)	result "$name" fail "$out" "killed after ${timeout} s timeout" ;;
	*)	result "$name" fail "$out" "exit status $rc" ;;
	esac
done

if [ "$insmod_rc" = 0 ]; then
	if aobj_unload >"$work/rmmod_aobj" 2>&1; then
		result rmmod_aobj ok "$work/rmmod_aobj"
	else
		result rmmod_aobj fail "$work/rmmod_aobj"
	fi
else
	result rmmod_aobj skip "" "aobj not loaded"
fi

# kmemleak only reports objects older than 5 s: scan twice.
if [ "$debug" = 1 ]; then
	if [ -w "$kmemleak" ]; then
		echo scan >"$kmemleak"
		sleep 6
		echo scan >"$kmemleak"
		cat "$kmemleak" >"$work/kmemleak"
		if [ -s "$work/kmemleak" ]; then
			result kmemleak fail "$work/kmemleak" "kmemleak found leaks"
		else
			result kmemleak ok
		fi
	else
		result kmemleak skip "" "no $kmemleak"
	fi
fi

[ "$user_failed" = 0 ] || failed=1
if [ "$user_failed" = 0 ]; then
	echo "ok $((nsuites + 1)) aobj_user"
else
	echo "not ok $((nsuites + 1)) aobj_user"
fi
echo "AOBJ-KTAP-END"
# Back to the console: closing the serial port waits for its output.
exec >&4 4>&-
echo "AOBJ: results: $([ "$failed" = 0 ] && echo pass || echo FAIL)"
rm -rf "$work"
exit $failed
