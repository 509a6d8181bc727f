#!/bin/bash
# `make check`: the whole test suite.
#
#  1. install missing Debian packages, build the debug kernel (cached)
#  2. build aobj for the debug and the stock kernel with W=1: no warnings
#  3. build the userspace tools and tests
#  4. lint (checkpatch --strict, sparse)
#  5. for the debug, then the stock kernel: boot a VM running
#     scripts/guest/check.sh, parse its KTAP with the kernel's kunit.py,
#     and scan the console log for kernel reports (KASAN, lockdep, WARN...)
#
# AOBJ_TESTS="name ..." runs only those userspace tests, AOBJ_TEST_TIMEOUT
# sets their timeout (s).  Ends with "N passed, N failed", counting KUnit cases, userspace tests
# and the harness steps above; exits non-zero if anything failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

passed=0 failed=0 skipped=0
failures=()
t_start=$(now)

# step NAME COMMAND...: run one harness step, timed, counted as one test.
step() {
	local name=$1 t rc=0
	shift
	t=$(now)
	printf '\n===== %s\n' "$name"
	"$@" || rc=$?
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
		printf '===== %s: PASS (%d s)\n' "$name" $(($(now) - t))
	else
		failed=$((failed + 1))
		failures+=("$name")
		printf '===== %s: FAIL (%d s)\n' "$name" $(($(now) - t))
	fi
	return "$rc"
}

# kunit_counts FILE: add the counts of kunit.py's "Ran N tests: passed: X,
# failed: Y, ..." summary line in FILE to the totals; fail if it has none.
kunit_counts() {
	local line n
	line=$(grep -oE 'Ran [0-9]+ tests:.*' "$1" | tail -n 1)
	[ -n "$line" ] || return 1
	count() { echo "$line" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
	passed=$((passed + $(count passed)))
	skipped=$((skipped + $(count skipped)))
	n=$(($(count failed) + $(count crashed) + $(count errors)))
	failed=$((failed + n))
	[ "$n" = 0 ] || failures+=("$(basename "$(dirname "$1")") KUnit/KTAP: $n")
}

# vm_run KERNEL: the guest half of the checks; a harness failure is a
# missing exit marker (timeout, panic), test failures are counted from KTAP.
vm_run() {
	local k=$1 rc=0
	"$AOBJ_TOP/scripts/run-vm.sh" --kernel "$k" --disks 2 \
		--log "$AOBJ_OUT/$k/check.log" \
		${AOBJ_TESTS:+--env "AOBJ_TESTS=$AOBJ_TESTS"} \
		${AOBJ_TEST_TIMEOUT:+--env "AOBJ_TEST_TIMEOUT=$AOBJ_TEST_TIMEOUT"} \
		-- /scripts/guest/check.sh || rc=$?
	echo "$rc" >"$AOBJ_OUT/$k/check.rc"
	[ "$rc" != 124 ] && [ "$rc" != 125 ]
}

# ktap_parse KERNEL: feed the guest's KTAP to kunit.py parse.
ktap_parse() {
	local k=$1 kunit
	kunit="$(debug_src_dir)/tools/testing/kunit/kunit.py"
	extract_ktap "$AOBJ_OUT/$k/check.log" >"$AOBJ_OUT/$k/results.ktap"
	python3 "$kunit" parse "$AOBJ_OUT/$k/results.ktap" >"$AOBJ_OUT/$k/kunit.txt" 2>&1 || true
	cat "$AOBJ_OUT/$k/kunit.txt"
	if ! kunit_counts "$AOBJ_OUT/$k/kunit.txt"; then
		failed=$((failed + 1))
		failures+=("$k: no parsable KTAP in $AOBJ_OUT/$k/check.log")
		log "no parsable KTAP output from the $k VM"
	fi
	# The guest's own verdict must agree with the parsed one.
	if [ "$(cat "$AOBJ_OUT/$k/check.rc")" != 0 ] &&
	   ! grep -qE 'failed: [1-9]|crashed: [1-9]|errors: [1-9]' "$AOBJ_OUT/$k/kunit.txt"; then
		failed=$((failed + 1))
		failures+=("$k: guest check.sh exited $(cat "$AOBJ_OUT/$k/check.rc")")
	fi
}

# report_scan KERNEL: no kernel error report in the console log.
report_scan() {
	local reports
	reports=$(kernel_report_lines "$AOBJ_OUT/$1/check.log")
	[ -z "$reports" ] && return 0
	echo "kernel reports in $AOBJ_OUT/$1/check.log:"
	echo "$reports" | head -n 60
	return 1
}

step "install packages" ensure_packages || die "cannot install the needed packages"
step "debug kernel" "$AOBJ_TOP/scripts/build-debug-kernel.sh" || die "no debug kernel"
step "W=1 build, debug kernel" "$AOBJ_TOP/scripts/build-module.sh" --werror debug -- W=1 || true
step "W=1 build, stock kernel" "$AOBJ_TOP/scripts/build-module.sh" --werror stock -- W=1 || true
step "userspace tools" make -s -C "$AOBJ_TOP" tools || true
step "lint" "$AOBJ_TOP/scripts/lint.sh" || true
for k in debug stock; do
	step "VM run, $k kernel" vm_run "$k" || true
	# Even after a crash: the partial KTAP shows how far the tests got.
	printf '\n===== KTAP results, %s kernel\n' "$k"
	ktap_parse "$k"
	step "kernel report scan, $k kernel" report_scan "$k" || true
done

printf '\n===== summary (%d s)\n' $(($(now) - t_start))
for f in ${failures[@]+"${failures[@]}"}; do
	echo "FAILED: $f"
done
[ "$skipped" = 0 ] || echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
