#!/bin/bash
# `make check-harness`: prove that `make check` fails when it should.
#
# For each canary, a throw-away copy of the tree (the working tree as it
# is, without out/ and .git) gets one planted defect, and a reduced
# `make check` runs in it (debug kernel only, no lint, one userspace test;
# AOBJ_OUT in the copy, the debug kernel cache shared).  The run must FAIL,
# and its output must name the cause.  A control copy without a defect must
# PASS under the same reduced run.  Host-only canaries feed crafted console
# logs to the report scan (kernel_report_lines).  Prints a table
# "canary: caught/missed"; exits non-zero if any canary was missed.
#
#   check-harness.sh [CANARY...]     (default: all; AOBJ_CANARIES works too)
#
# VM canaries (a debug-kernel VM boot each, a few minutes under TCG):
#   control         no defect: the reduced run passes
#   warn            WARN() in module init                -> kernel report scan
#   kasan           kfree() then read, in module init    -> KASAN report
#   kmemleak        kmalloc() never freed, module init   -> kmemleak test
#   kunit           a KUnit case that fails              -> the case, by name
#   no_test_module  kunit/ dropped from the build        -> aobj_test.ko, suites
#   skip            a userspace test that skips          -> allow-list
#   noise           a failing test while the kernel floods the console
#                                                        -> the test, by name
# Host canaries (seconds): report_caller, report_exp_stall,
# report_tasks_stall, report_no_log, report_empty_log, report_alloc_sleeping
# (the stack dump of a failed GFP_KERNEL allocation is caught, that of a
# GFP_ATOMIC one just before it is not), report_alloc_atomic (that dump
# alone: no report; -clean), report_alloc_warn (a WARNING among that
# dump's lines is still caught).
# Logs stay in $AOBJ_OUT/check-harness/ (CANARY.out: the check.sh output).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

all_vm="control warn kasan kmemleak kunit no_test_module skip noise"
all_host="report_caller report_exp_stall report_tasks_stall report_no_log report_empty_log report_alloc_sleeping report_alloc_atomic report_alloc_warn"
if [ $# -gt 0 ]; then
	canaries="$*"
else
	canaries=${AOBJ_CANARIES:-$all_host $all_vm}
fi
for c in $canaries; do
	case " $all_vm $all_host " in
	*" $c "*) ;;
	*) die "unknown canary '$c' (known: $all_host $all_vm)" ;;
	esac
done

logdir=$AOBJ_OUT/check-harness
mkdir -p "$logdir"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aobj-harness.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
results=()
missed=0

# record CANARY caught|missed|passed|FAILED DETAIL
record() {
	results+=("$(printf '%-18s %-8s %s' "$1:" "$2" "$3")")
	case "$2" in missed|FAILED) missed=$((missed + 1)) ;; esac
	log "canary $1: $2${3:+ ($3)}"
}

# ---- host canaries: the report scan on crafted console logs ----

# host_canary NAME LOGTEXT|-missing PATTERN: kernel_report_lines on a log
# with LOGTEXT (or no log at all) must print a line matching PATTERN
# (PATTERN -clean: must print nothing).
host_canary() {
	local name=$1 text=$2 pat=$3 f=$tmp/$1.log out
	rm -f "$f"
	case "$text" in
	-missing) ;;
	*) printf '%s\n' "[    0.000000] Linux version 6.12.0 (canary)" "$text" >"$f" ;;
	esac
	[ "$text" != -empty ] || : >"$f"
	out=$(kernel_report_lines "$f")
	if [ "$pat" = -clean ]; then
		if [ -z "$out" ]; then
			record "$name" caught "no report line, as wanted"
		else
			record "$name" missed "unwanted report: $(head -n 1 <<<"$out" | cut -c1-60)"
		fi
		return
	fi
	if grep -qE -- "$pat" <<<"$out"; then
		record "$name" caught "$(head -n 1 <<<"$out" | cut -c1-70)"
	else
		record "$name" missed "no report line matching /$pat/"
	fi
}

for c in $canaries; do
	case "$c" in
	report_caller)
		host_canary "$c" "[   12.345678][  T123] WARNING: CPU: 1 PID: 123 at module/aobj_core.c:1 aobj_get+0x1/0x2 [aobj]" 'WARNING: CPU' ;;
	report_exp_stall)
		host_canary "$c" "[  301.000000] rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 1-... } 21003 jiffies s: 733 root: 0x2/." 'expedited stalls' ;;
	report_tasks_stall)
		host_canary "$c" "[  700.000000][    C0] INFO: rcu_tasks detected stalls on tasks:" 'rcu_tasks detected stalls' ;;
	report_no_log)
		host_canary "$c" -missing 'missing or empty' ;;
	report_empty_log)
		host_canary "$c" -empty 'missing or empty' ;;
	report_alloc_atomic)
		host_canary "$c" "[  674.348137] virtio: page allocation failure: order:1, mode:0x40820(GFP_ATOMIC|__GFP_COMP), nodemask=(null)
[  674.352883] CPU: 0 UID: 0 PID: 519 Comm: swapoff_ram Tainted: G           O     N 6.12.118 #1
[  674.355569] Call Trace:" -clean ;;
	report_alloc_warn)
		host_canary "$c" "[  674.348137] virtio: page allocation failure: order:1, mode:0x820(GFP_ATOMIC), nodemask=(null)
[  674.350000] WARNING: CPU: 0 PID: 519 at module/aobj_pageout.c:1 aobj_pageout_scan+0x1/0x2 [aobj]
[  674.355569] Call Trace:" 'WARNING: CPU' ;;
	report_alloc_sleeping)
		host_canary "$c" "[  674.348137] virtio: page allocation failure: order:1, mode:0x40820(GFP_ATOMIC|__GFP_COMP), nodemask=(null)
[  674.355569] Call Trace:
[  675.000000] aobj: page allocation failure: order:0, mode:0xcc0(GFP_KERNEL), nodemask=(null)
[  675.000100] CPU: 0 UID: 0 PID: 519 Comm: t Tainted: G           O     N 6.12.118 #1
[  675.000200] Call Trace:" '675.000200. Call Trace' ;;
	esac
done

# ---- VM canaries ----

vm_wanted=
for c in $canaries; do
	case " $all_vm " in *" $c "*) vm_wanted=1 ;; esac
done

if [ -n "$vm_wanted" ]; then
	"$AOBJ_TOP/scripts/build-debug-kernel.sh" >/dev/null || die "no debug kernel"
	# The pristine copy, with the userspace tools built once: each canary
	# copies both with their times, so make rebuilds only what it changed.
	base=$tmp/base
	mkdir -p "$base/tree"
	tar -C "$AOBJ_TOP" --exclude=./out --exclude=./.git -cf - . | tar -C "$base/tree" -xf -
	AOBJ_OUT=$base/out make -s -C "$base/tree" tools >/dev/null || die "tools build failed"
fi

# init_hook CODE: run CODE (C statements; "p" is a char * and "i" an int
# to use) at the start of aobj's module init, through a wrapper that then
# calls the real init.
init_hook() {
	local f=$tree/module/aobj_dev.c
	grep -q '^module_init(aobj_module_init);$' "$f" || return 1
	sed -i '/^module_init(aobj_module_init);$/d' "$f"
	cat >>"$f" <<EOF

/* check-harness canary */
static int __init aobj_canary_init(void)
{
	char *p;
	int i;

	$1
	OPTIMIZER_HIDE_VAR(p);
	OPTIMIZER_HIDE_VAR(i);
	return aobj_module_init();
}
module_init(aobj_canary_init);
EOF
}

# new_test NAME BODY: a shell test tests/NAME.sh running BODY.
new_test() {
	printf '#!/bin/sh\n# check-harness canary\n%s\n' "$2" >"$tree/tests/$1.sh"
}

# plant CANARY: apply the canary to $tree; sets $tests (AOBJ_TESTS) and
# $want (ERE the check.sh output must match).
plant() {
	tests=basic
	case "$1" in
	control)
		want='^0 passed|, 0 failed$' ;;
	warn)
		init_hook 'p = NULL; i = 0; WARN(1, "aobj: check-harness canary\n");' || return 1
		want='FAILED: kernel report scan, debug kernel|WARNING: CPU.*aobj_canary_init' ;;
	kasan)
		init_hook 'p = kmalloc(64, GFP_KERNEL); if (!p) return -ENOMEM; kfree(p); OPTIMIZER_HIDE_VAR(p); i = READ_ONCE(p[8]); pr_info("aobj: canary read %d\n", i);' || return 1
		want='BUG: KASAN: [a-z-]*use-after-free in aobj_canary_init' ;;
	kmemleak)
		init_hook 'for (i = 0; i < 4; i++) { p = kmalloc(512, GFP_KERNEL); OPTIMIZER_HIDE_VAR(p); } p = NULL;' || return 1
		want='FAILED: debug: aobj_user\.kmemleak' ;;
	kunit)
		# The first case of aobj_swap becomes a wrapper that fails.
		local f=$tree/kunit/aobj_swap_test.c first
		first=$(grep -oE 'KUNIT_CASE\([a-z0-9_]+\)' "$f" | head -n 1 | sed 's/KUNIT_CASE(\(.*\))/\1/')
		[ -n "$first" ] || return 1
		perl -0pi -e "s/^(static struct kunit_case [a-z0-9_]+\\[\\] = \\{)/static void aobj_canary_test(struct kunit *test)\n{\n\t$first(test);\n\tKUNIT_FAIL(test, \"check-harness canary\");\n}\n\n\$1/m; s/KUNIT_CASE\\($first\\)/KUNIT_CASE(aobj_canary_test)/" "$f"
		grep -q 'KUNIT_CASE(aobj_canary_test)' "$f" || return 1
		want='FAILED: debug: aobj_swap\.aobj_canary_test' ;;
	no_test_module)
		grep -q 'kunit/' "$tree/Kbuild" || return 1
		sed -i '/kunit\//d' "$tree/Kbuild"
		want='aobj_test\.ko is missing|FAILED: debug: KUnit suite aobj_swap did not run' ;;
	skip)
		new_test zz_canary_skip 'echo "1..0 # SKIP check-harness canary"; exit 77'
		tests=zz_canary_skip.sh
		want='FAILED: debug: aobj_user\.zz_canary_skip\.sh was skipped' ;;
	noise)
		# Kernel lines flood the console while the result is printed.
		new_test zz_canary_noise '(i=0; while [ $i -lt 3000 ]; do echo "aobj canary noise $i: not ok 1 bogus" >/dev/kmsg; i=$((i + 1)); done) </dev/null >/dev/null 2>&1 &
echo "not ok 1 - check-harness canary"
exit 1'
		tests=zz_canary_noise.sh
		want='FAILED: debug: aobj_user\.zz_canary_noise\.sh \(exit status 1\)' ;;
	esac
}

for c in $canaries; do
	case " $all_vm " in *" $c "*) ;; *) continue ;; esac
	dir=$tmp/$c
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -a "$base/tree" "$dir/tree"
	mkdir -p "$dir/out"
	cp -a "$base/out/tools" "$dir/out/tools"
	tree=$dir/tree
	if ! plant "$c"; then
		record "$c" FAILED "could not plant the canary (sources changed?)"
		continue
	fi
	log "canary $c: reduced make check (AOBJ_TESTS=$tests), log $logdir/$c.out"
	t=$(now) rc=0
	AOBJ_OUT=$dir/out AOBJ_KERNELS=debug AOBJ_LINT=0 AOBJ_TESTS=$tests \
		"$tree/scripts/check.sh" >"$logdir/$c.out" 2>&1 || rc=$?
	t=$(($(now) - t))
	cp "$dir/out/debug/check.log" "$logdir/$c.console.log" 2>/dev/null || true
	cp "$dir/out/debug/ktap.log" "$logdir/$c.ktap.log" 2>/dev/null || true
	summary=$(grep -aE '^[0-9]+ passed, [0-9]+ failed$' "$logdir/$c.out" | tail -n 1 || true)
	cause=$(grep -aoE -- "$want" "$logdir/$c.out" | head -n 1 | cut -c1-60 || true)
	if [ "$c" = control ]; then
		if [ "$rc" = 0 ]; then
			record "$c" passed "$summary, ${t} s"
		else
			record "$c" FAILED "the run without a defect failed: $summary, ${t} s"
		fi
	elif [ "$rc" != 0 ] && [ -n "$cause" ]; then
		record "$c" caught "$summary: $cause, ${t} s"
	elif [ "$rc" != 0 ]; then
		record "$c" missed "failed, but not for /$want/: $summary, ${t} s"
	else
		record "$c" missed "make check passed: $summary, ${t} s"
	fi
	if [ "$c" = noise ] && [ -f "$logdir/$c.ktap.log" ] &&
	   grep -aqE "$AOBJ_KLINE_RE|canary noise" "$logdir/$c.ktap.log"; then
		record "$c" missed "kernel lines in the KTAP stream $logdir/$c.ktap.log"
	fi
	rm -rf "$dir"
done

printf '\n===== check-harness: canary results (logs: %s)\n' "$logdir"
printf '%s\n' "${results[@]}"
[ "$missed" = 0 ] || { echo "check-harness: $missed canary(ies) missed or broken"; exit 1; }
echo "check-harness: every canary caught"
