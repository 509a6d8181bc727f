#!/bin/bash
# `make lint`: checkpatch.pl --strict on the kernel sources and headers, and
# a sparse build (C=2) against the debug kernel; fails on any finding.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ensure_packages
"$AOBJ_TOP/scripts/build-debug-kernel.sh" >/dev/null
src=$(debug_src_dir)
rc=0

cd "$AOBJ_TOP"
files=()
for f in module/*.[ch] module/uapi/linux/*.h kunit/*.[ch]; do
	[ -f "$f" ] && files+=("$f")
done
[ ${#files[@]} -gt 0 ] || die "no kernel sources to lint"
log "checkpatch --strict on ${#files[@]} files"
perl "$src/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types -f "${files[@]}" || rc=1

log "sparse (C=2) against the debug kernel"
"$AOBJ_TOP/scripts/build-module.sh" --werror --name lint debug -- C=2 || rc=1

[ "$rc" = 0 ] && log "lint clean" || log "lint found problems"
exit "$rc"
