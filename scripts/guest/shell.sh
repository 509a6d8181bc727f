#!/bin/sh
# Guest side of `make vm`: load aobj and give an interactive shell.
. /scripts/guest/lib.sh

aobj_load || echo "continuing without aobj loaded"
echo "aobj VM: kernel $(uname -r), swap disks: ${AOBJ_DISKS:-none}"
echo "tools in /tools, tests in /tools/tests and /tests; exit the shell to power off."
exec setsid cttyhack sh -l
