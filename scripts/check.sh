#!/bin/bash
# `make check`: the whole test suite.
#
#  1. install missing Debian packages, build the debug kernel (cached)
#  2. build aobj for the debug and the stock kernel with W=1: no warnings
#  3. build the userspace tools and tests
#  4. lint (checkpatch --strict, sparse)
#  5. for the debug, then the stock kernel: boot a VM running
#     scripts/guest/check.sh, which writes its KTAP to a second serial port
#     (out/KERNEL/ktap.log, no kernel lines in it), parse it with the
#     kernel's kunit.py; every skip must be on the allow-list
#     tests/allowed-skips; on the debug kernel every KUnit suite defined in
#     kunit/*.c must have run with as many cases as it has KUNIT_CASE*()
#     entries; scan the console log for kernel reports (KASAN, lockdep,
#     WARN, RCU stalls...): a missing console log is a failure
#
# AOBJ_TESTS="name ..." runs only those userspace tests, AOBJ_TEST_TIMEOUT
# sets their timeout (s), AOBJ_VM_TIMEOUT that of a whole VM run (2400 s: a
# debug VM needs over 900 s on a shared, loaded machine).  For quicker partial runs (scripts/check-harness.sh):
# AOBJ_KERNELS="debug" (or "stock") boots only that kernel, AOBJ_LINT=0
# leaves out lint; the summary then says the run was partial.
# Ends with the skipped tests by name, the failures, and "N passed, N failed",
# counting KUnit cases, userspace tests and the harness steps above; exits
# non-zero if anything failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$AOBJ_TOP/scripts/nbd-lib.sh"

passed=0 failed=0 skipped=0
failures=() skips=() partial=() retried=()
t_start=$(now)
kernels=${AOBJ_KERNELS:-debug stock}
for k in $kernels; do
	case "$k" in debug|stock) ;; *) die "AOBJ_KERNELS: unknown kernel '$k' (want debug and/or stock)" ;; esac
done
[ "$kernels" = "debug stock" ] || partial+=("kernels: $kernels")
[ "${AOBJ_LINT:-1}" != 0 ] || partial+=("no lint")
[ -z "${AOBJ_TESTS:-}" ] || partial+=("userspace tests: $AOBJ_TESTS")

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
# The stock kernel's VM also gets two NBD exports served by the host on
# 127.0.0.1 (scripts/nbd-lib.sh) for the far-memory tests (tests/nbd_*.sh);
# the debug kernel has no network or NBD driver, and those tests skip there.
vm_run() {
	local k=$1 rc=0 boot
	for boot in 1 2; do
		vm_boot "$k" || rc=$?
		# Under TCG a kernel now and then dies or reports an error
		# while it boots (an int3 from live patching in
		# sched_clock_cpu(); KASAN in handle_edge_irq() at 1.2 s),
		# before userspace and so before any aobj code ran; the guest's
		# /init stops such a kernel (AOBJ_BOOT_CHECK).  Such a boot is
		# reported, kept, and tried once more.
		if [ "$boot" = 2 ] ||
		   { grep -aq 'aobj-init: userspace started' "$AOBJ_OUT/$k/check.log" &&
		     ! grep -aq 'aobj-init: kernel report during boot' "$AOBJ_OUT/$k/check.log"; }; then
			break
		fi
		log "the $k kernel died or reported an error before userspace started (exit $rc): booting it again"
		kernel_report_lines "$AOBJ_OUT/$k/check.log" | head -n 5
		retried+=("$k: the kernel died or reported before userspace started: $(kernel_report_lines \
			"$AOBJ_OUT/$k/check.log" | head -n 1 | cut -c1-100) (log: $AOBJ_OUT/$k/check.boot1.log)")
		mv "$AOBJ_OUT/$k/check.log" "$AOBJ_OUT/$k/check.boot1.log"
		rc=0
	done
	echo "$rc" >"$AOBJ_OUT/$k/check.rc"
	[ "$rc" != 124 ] && [ "$rc" != 125 ]
}

# vm_boot KERNEL: one VM run of the guest's check.sh; the VM's exit status.
vm_boot() {
	local k=$1 rc=0 nbd_dir= vmargs=()
	if [ "$k" = stock ]; then
		nbd_dir=$(mktemp -d "${TMPDIR:-/tmp}/aobj-nbd.XXXXXX")
		if nbd_start "$nbd_dir" a 64 && nbd_start "$nbd_dir" b 64; then
			mapfile -d '' vmargs < <(nbd_vm_args "$nbd_dir")
		else
			log "cannot serve NBD exports: the far-memory tests will skip"
		fi
	fi
	"$AOBJ_TOP/scripts/run-vm.sh" --kernel "$k" --disks 2 \
		--timeout "${AOBJ_VM_TIMEOUT:-2400}" --log "$AOBJ_OUT/$k/check.log" --serial2 "$AOBJ_OUT/$k/ktap.log" \
		--env AOBJ_BOOT_CHECK=1 \
		${AOBJ_TESTS:+--env "AOBJ_TESTS=$AOBJ_TESTS"} \
		${AOBJ_TEST_TIMEOUT:+--env "AOBJ_TEST_TIMEOUT=$AOBJ_TEST_TIMEOUT"} \
		${vmargs[@]+"${vmargs[@]}"} \
		-- /scripts/guest/check.sh || rc=$?
	if [ -n "$nbd_dir" ]; then
		cp "$nbd_dir/ctl.log" "$AOBJ_OUT/$k/nbd-ctl.log" 2>/dev/null || true
		nbd_stop_all "$nbd_dir"
		rm -rf "$nbd_dir"
	fi
	return "$rc"
}

# ktap_parse KERNEL: feed the guest's KTAP to kunit.py parse.
ktap_parse() {
	local k=$1 kunit
	kunit="$(debug_src_dir)/tools/testing/kunit/kunit.py"
	if [ -f "$AOBJ_OUT/$k/ktap.log" ]; then
		extract_ktap "$AOBJ_OUT/$k/ktap.log" >"$AOBJ_OUT/$k/results.ktap"
	else
		: >"$AOBJ_OUT/$k/results.ktap"
	fi
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

# ktap_names KERNEL: the failed tests by name into the failures (kunit.py
# counted them), every skip by name into the skips; a skip not on the
# allow-list fails this step.
ktap_names() {
	local k=$1 line st name why reason bad=0
	while IFS= read -r line; do
		st=${line%% *} line=${line#* }
		name=${line%% # *} why=
		[ "$name" = "$line" ] || why=${line#* # }
		case "$st" in
		not_ok)	failures+=("$k: $name${why:+ ($why)}") ;;
		skip)	why=${why#SKIP} why=${why# }
			if reason=$(skip_allowed "$k" "$name"); then
				skips+=("$k: $name: ${why:-no reason given} (allowed: $reason)")
			else
				skips+=("$k: $name: ${why:-no reason given} (NOT ALLOWED)")
				failures+=("$k: $name was skipped (${why:-no reason given}) and is not on the allow-list ${AOBJ_ALLOWED_SKIPS#"$AOBJ_TOP"/}")
				echo "skipped, not on the allow-list: $k $name: $why"
				bad=1
			fi ;;
		esac
	done < <(ktap_results "$AOBJ_OUT/$k/results.ktap")
	return "$bad"
}

# kunit_suites: every KUnit suite of kunit/*.c ran on the debug kernel,
# with its number of KUNIT_CASE*() entries as plan and as results.
kunit_suites() {
	local ktap=$AOBJ_OUT/debug/results.ktap expected actual s n got bad=0
	expected=$(kunit_expected)
	if [ -z "$expected" ]; then
		failures+=("debug: no KUnit suite found in kunit/*.c")
		echo "no KUnit suite found in kunit/*.c"
		return 1
	fi
	actual=$(ktap_suite_cases "$ktap")
	while read -r s n; do
		got=$(awk -v s="$s" '$1 == s { print $2, $3 }' <<<"$actual")
		if [ -z "$got" ]; then
			failures+=("debug: KUnit suite $s did not run: expected $n cases (aobj_test.ko missing or not loaded, or $s not in kunit_test_suites())")
			echo "KUnit suite $s: expected $n cases, did not run"
			bad=1
		elif [ "$got" != "$n $n" ]; then
			failures+=("debug: KUnit suite $s: expected $n cases (KUNIT_CASE entries in kunit/), got plan ${got% *}, ${got#* } results")
			echo "KUnit suite $s: expected $n cases, got plan ${got% *}, ${got#* } results"
			bad=1
		else
			echo "KUnit suite $s: $n cases, as expected"
		fi
	done <<<"$expected"
	return "$bad"
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
for k in $kernels; do
	step "W=1 build, $k kernel" "$AOBJ_TOP/scripts/build-module.sh" --werror "$k" -- W=1 || true
done
step "userspace tools" make -s -C "$AOBJ_TOP" tools || true
[ "${AOBJ_LINT:-1}" = 0 ] || step "lint" "$AOBJ_TOP/scripts/lint.sh" || true
for k in $kernels; do
	step "VM run, $k kernel" vm_run "$k" || true
	# Even after a crash: the partial KTAP shows how far the tests got.
	printf '\n===== KTAP results, %s kernel\n' "$k"
	ktap_parse "$k"
	step "skips on the allow-list, $k kernel" ktap_names "$k" || true
	[ "$k" != debug ] || step "KUnit suites and case counts" kunit_suites || true
	step "kernel report scan, $k kernel" report_scan "$k" || true
done

printf '\n===== summary (%d s)\n' $(($(now) - t_start))
[ "${#partial[@]}" = 0 ] || echo "PARTIAL RUN: $(printf '%s; ' "${partial[@]}" | sed 's/; $//')"
for f in ${retried[@]+"${retried[@]}"}; do
	echo "RETRIED: $f"
done
for f in ${skips[@]+"${skips[@]}"}; do
	echo "SKIPPED: $f"
done
for f in ${failures[@]+"${failures[@]}"}; do
	echo "FAILED: $f"
done
[ "$skipped" = 0 ] || echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
