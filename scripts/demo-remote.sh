#!/bin/bash
# `make demo-remote`: far memory.  The host serves two NBD exports (qemu-nbd,
# 192M each, on 127.0.0.1 only); a small (256M) stock-kernel VM reaches them
# through QEMU user networking (restrict=on, guestfwd), connects /dev/nbd0
# and /dev/nbd1 with nbd-client and runs scripts/guest/demo-remote.sh: both
# swapped on at priority 10 (pages stripe across them), a local 512M
# virtio disk at priority 0; a 320M object written, paged out, read back,
# /dev/nbd1 swapped off under the mapped object (its pages go to the
# others), verified again.  Exit status 0 only if every word verified.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$AOBJ_TOP/scripts/nbd-lib.sh"

ensure_packages
"$AOBJ_TOP/scripts/build-module.sh" stock
make -s -C "$AOBJ_TOP" tools
dir=$(mktemp -d "${TMPDIR:-/tmp}/aobj-nbd.XXXXXX")
trap 'nbd_stop_all "$dir"; rm -rf "$dir"' EXIT
nbd_start "$dir" a 192
nbd_start "$dir" b 192
log "NBD exports on the host: a on 127.0.0.1:$(cat "$dir/a.port"), b on 127.0.0.1:$(cat "$dir/b.port") (qemu-nbd, 192M each)"
mapfile -d '' vmargs < <(nbd_vm_args "$dir")
rc=0
"$AOBJ_TOP/scripts/run-vm.sh" --kernel stock --mem 256M --disks 1 --disk-mb 512 \
	--timeout 2400 --log "$AOBJ_OUT/stock/demo-remote.log" "${vmargs[@]}" \
	-- /scripts/guest/demo-remote.sh || rc=$?
for n in a b; do
	log "host: export $n: $(du -k "$dir/$n.img" | cut -f1) KiB of its image written by the VM"
done
exit "$rc"
