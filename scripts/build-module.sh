#!/bin/bash
# Build the aobj kernel modules for one kernel.
#
#   build-module.sh [--werror] [--name NAME] stock|debug|--kdir DIR [-- MAKEARGS...]
#
# The module sources (Kbuild, module/, kunit/) are copied to out/build/NAME
# and built there with one `make -C KDIR M=...` invocation from the top
# Kbuild, so builds for different kernels never share objects (6.12 has no
# MO=) and aobj_test.ko resolves aobj.ko's exports through the same modpost
# run.  kunit/ only builds when KDIR has CONFIG_KUNIT.  The .ko files are
# copied to out/NAME/, the full build log to out/NAME/build.log.
# --werror: fail if the log has any warning (compiler, sparse or modpost);
# the .ko files are copied anyway.
# MAKEARGS go to kbuild, e.g. W=1 or C=2.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() { die "usage: $0 [--werror] [--name NAME] stock|debug|--kdir DIR [-- MAKEARGS...]"; }

werror=0 kdir= name= kernel=
while [ $# -gt 0 ]; do
	case "$1" in
	--werror) werror=1 ;;
	--kdir)	[ $# -ge 2 ] || usage; kdir=$2; shift ;;
	--name)	[ $# -ge 2 ] || usage; name=$2; shift ;;
	stock|debug) kernel=$1 ;;
	--)	shift; break ;;
	*)	usage ;;
	esac
	shift
done
if [ -z "$kdir" ]; then
	[ -n "$kernel" ] || usage
	kdir=$(kernel_kdir "$kernel")
fi
name=${name:-${kernel:-custom}}
[ -f "$kdir/Makefile" ] || die "$kdir is not a kernel build directory"
[ -f "$AOBJ_TOP/module/Kbuild" ] || die "module/Kbuild missing"

bdir=$AOBJ_OUT/build/$name
odir=$AOBJ_OUT/$name
buildlog=$odir/build.log
rm -rf "$bdir" "$odir"/*.ko
mkdir -p "$bdir" "$odir"

# Copy the sources only: never objects left by an in-tree build.
(cd "$AOBJ_TOP" && find Kbuild module kunit -type f \
	\( -name '*.[chS]' -o -name Kbuild -o -name Makefile \) \
	! -name '*.mod.c' -print0 2>/dev/null | cpio -0 -pdm --quiet "$bdir")

log "building modules for $name (KDIR=$kdir${*:+ $*})"
if ! make -C "$kdir" M="$bdir" -j"$(nproc)" "$@" modules >"$buildlog" 2>&1; then
	cat "$buildlog" >&2
	die "module build for $name failed (log: $buildlog)"
fi
find "$bdir" -name '*.ko' -exec cp {} "$odir/" \;
log "modules for $name: $(cd "$odir" && echo *.ko)"
# Compiler and sparse diagnostics, modpost "WARNING:"s.
warnings=$(grep -aiE '(warning|error):' "$buildlog" || true)
if [ -n "$warnings" ]; then
	printf '%s\n' "$warnings" >&2
	[ "$werror" = 0 ] || die "module build for $name has warnings (log: $buildlog)"
fi
