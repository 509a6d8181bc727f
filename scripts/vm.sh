#!/bin/bash
# `make vm [KERNEL=stock|debug]`: interactive shell in a VM with aobj loaded.
# Leave with `exit` (or Ctrl-A X).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=${1:-stock}
ensure_packages
[ "$kernel" = debug ] && "$AOBJ_TOP/scripts/build-debug-kernel.sh" >/dev/null
"$AOBJ_TOP/scripts/build-module.sh" "$kernel"
make -s -C "$AOBJ_TOP" tools
exec "$AOBJ_TOP/scripts/run-vm.sh" --interactive --kernel "$kernel" \
	--log "$AOBJ_OUT/$kernel/vm.log" -- /scripts/guest/shell.sh
