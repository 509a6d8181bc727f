#!/bin/bash
# Build (once) the debug 6.12 kernel used by `make check`: allnoconfig plus
# scripts/debug.config, cached by source version and fragment hash.
# Prints the build directory (usable as KDIR) on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$(debug_kernel_dir)
# One build at a time: a second run (another checkout's make check) waits
# for the first instead of deleting the tree it is building.
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if [ -f "$dir/.complete" ]; then
	echo "$dir/build"
	exit 0
fi

start=$(date +%s)
log "building the debug kernel in $dir (first run only, about 10 minutes)"
rm -rf "$dir"
mkdir -p "$dir/build"
tar -C "$dir" -xf /usr/src/linux-source-6.12.tar.xz
src=$(ls -d "$dir"/linux-source-6.12)
make -s -C "$src" O="$dir/build" allnoconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$dir/build" \
	"$dir/build/.config" "$AOBJ_TOP/scripts/debug.config" >/dev/null
make -s -C "$src" O="$dir/build" olddefconfig >/dev/null
# Every option of the fragment must have survived olddefconfig.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n) grep -q "^# ${line%=n} is not set" "$dir/build/.config" || { log "config lost: $line"; bad=1; } ;;
	CONFIG_*) grep -qx "$line" "$dir/build/.config" || { log "config lost: $line"; bad=1; } ;;
	esac
done < "$AOBJ_TOP/scripts/debug.config"
[ "$bad" = 0 ] || die "the debug config fragment does not apply"
make -s -C "$src" O="$dir/build" -j"$(nproc)" bzImage modules >/dev/null 2>"$dir/build.err" ||
	{ tail -n 30 "$dir/build.err" >&2; die "debug kernel build failed"; }
touch "$dir/.complete"
log "debug kernel built in $(( $(date +%s) - start )) s"
echo "$dir/build"
