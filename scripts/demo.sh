#!/bin/bash
# `make demo`: build aobj for the stock Debian 6.12 kernel and the tools,
# boot a small (256M) VM with two 512M swap disks and run scripts/guest/demo.sh
# in it: a 320M object written, paged out, read back, moved to the second
# disk by swapoff, verified again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ensure_packages
"$AOBJ_TOP/scripts/build-module.sh" stock
make -s -C "$AOBJ_TOP" tools
exec "$AOBJ_TOP/scripts/run-vm.sh" --kernel stock --mem 256M --disks 2 --disk-mb 512 \
	--log "$AOBJ_OUT/stock/demo.log" -- /scripts/guest/demo.sh
