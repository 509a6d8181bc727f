#!/bin/bash
# `make stress`: aobj-stress and aobj-fuzz in a debug-kernel VM.
#
#   stress.sh [DURATION]        (seconds of aobj-stress, default 600)
#
# Boots the debug kernel (KASAN, lockdep, kmemleak...) with two swap disks
# and runs scripts/guest/stress.sh: aobj-stress for DURATION seconds with
# SWAPOFF/SWAPON churn and a stress-ng memory co-runner, then aobj-fuzz,
# then a kmemleak scan.  The console log (out/debug/stress.log) is
# scanned for kernel reports with the same function as `make check`.
# Prints operations, bytes verified, mismatches, fuzz results and kernel
# reports; exits non-zero unless both programs passed, there were no
# mismatches and no kernel reports (kmemleak leaks included).
# Both programs fail a run that did too little (their "floors": operations,
# bytes verified, SWAPOFF cycles, pageouts, fuzz calls that succeeded).
# A null_blk swap device is removed mid-run (AOBJ_STRESS_REMOVE=0: not);
# SIGBUS on objects that had pages on it is counted as lost_to_removal.
# AOBJ_FUZZ_ITERATIONS (default 20000), AOBJ_STRESS_PRESSURE (stress-ng
# --vm-bytes, default 64M, 0: none), AOBJ_SEED and AOBJ_STRESS_MEM (guest
# RAM, default 1G) adjust the run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

duration=${1:-${DURATION:-600}}
case "$duration" in ''|*[!0-9]*) die "DURATION must be a number of seconds" ;; esac
iterations=${AOBJ_FUZZ_ITERATIONS:-20000}
logfile=$AOBJ_OUT/debug/stress.log

ensure_packages
"$AOBJ_TOP/scripts/build-debug-kernel.sh" >/dev/null || die "no debug kernel"
"$AOBJ_TOP/scripts/build-module.sh" debug || die "module build failed"
make -s -C "$AOBJ_TOP" tools || die "tools build failed"

# Boot, the stress run, the fuzzer (a few thousand calls a second), the
# final checks and the kmemleak scan, with room to spare under TCG.
timeout=$((duration + iterations / 20 + 900))
# The console goes to the log; only the programs' own lines are shown.
set +e
"$AOBJ_TOP/scripts/run-vm.sh" --kernel debug --disks 2 --mem "${AOBJ_STRESS_MEM:-1G}" \
	--timeout "$timeout" --log "$logfile" \
	--env "AOBJ_STRESS_DURATION=$duration" \
	--env "AOBJ_FUZZ_ITERATIONS=$iterations" \
	${AOBJ_STRESS_PRESSURE:+--env "AOBJ_STRESS_PRESSURE=$AOBJ_STRESS_PRESSURE"} \
	${AOBJ_SEED:+--env "AOBJ_SEED=$AOBJ_SEED"} \
	${AOBJ_STRESS_REMOVE:+--env "AOBJ_STRESS_REMOVE=$AOBJ_STRESS_REMOVE"} \
	-- /scripts/guest/stress.sh |
	tr -d '\r' | grep -a --line-buffered -E '^(stress|fuzz|AOBJ-STRESS): '
rc=${PIPESTATUS[0]}
set -e

clean=$(tr -d '\r' <"$logfile")
# field LINE-PREFIX NAME: the value of NAME=N on the last LINE-PREFIX line.
field() {
	grep -a "^$1" <<<"$clean" | tail -n 1 | grep -oE "(^| )$2=[0-9]+" |
		cut -d= -f2 || true
}
ops=$(field 'stress: ops=' ops)
bytes=$(field 'stress: ops=' bytes_verified)
mismatches=$(field 'stress: ops=' mismatches)
serrors=$(field 'stress: ops=' errors)
swapoffs=$(field 'stress: ops=' swapoff_cycles)
pageouts=$(field 'stress: ops=' pageouts)
sfloors=$(field 'stress: ops=' floors_missed)
lost=$(field 'stress: ops=' lost_to_removal)
calls=$(field 'fuzz: calls=' calls)
fok=$(field 'fuzz: calls=' ok)
unexpected=$(field 'fuzz: calls=' unexpected)
ffloors=$(field 'fuzz: calls=' floors_missed)
reports=$(kernel_report_lines "$logfile")
nreports=$(grep -c . <<<"$reports" || true)
leaks=$(sed -n '/^AOBJ-KMEMLEAK-BEGIN$/,/^AOBJ-KMEMLEAK-END$/p' <<<"$clean" |
	grep -ac 'unreferenced object' || true)
nreports=$((nreports + leaks))

printf '\n===== stress summary (debug kernel, %s s, log: %s)\n' "$duration" "$logfile"
grep -a -E '^(stress|fuzz): (seed|ops|calls|creates|vmas|floors|removed|FLOOR|MISMATCH|ERROR|UNEXPECTED)' <<<"$clean" | head -n 40 || true
if [ -n "$reports" ]; then
	echo "kernel reports:"
	head -n 40 <<<"$reports"
fi
[ "$leaks" = 0 ] || echo "kmemleak: $leaks unreferenced object(s), see $logfile"
echo "operations:      ${ops:-?}"
echo "bytes verified:  ${bytes:-?}"
echo "swapoff cycles:  ${swapoffs:-?}"
echo "pageouts:        ${pageouts:-?}"
echo "lost to removal: ${lost:-?}"
echo "mismatches:      ${mismatches:-?}"
echo "stress errors:   ${serrors:-?} (floors missed: ${sfloors:-?})"
echo "fuzz calls:      ${calls:-?} (ok: ${fok:-?}, unexpected: ${unexpected:-?}, floors missed: ${ffloors:-?})"
echo "kernel reports:  $nreports"
echo "guest exit:      $rc"

ok=1
[ "$rc" = 0 ] || ok=0
[ "${mismatches:-x}" = 0 ] && [ "${serrors:-x}" = 0 ] || ok=0
[ "${sfloors:-x}" = 0 ] && [ "${ffloors:-x}" = 0 ] || ok=0
[ "${unexpected:-x}" = 0 ] || ok=0
[ "$nreports" = 0 ] || ok=0
if [ "$ok" = 1 ]; then
	echo "stress: PASS"
else
	echo "stress: FAIL"
	exit 1
fi
