#!/bin/sh
# Far memory: an NBD swap device whose server is killed mid-pageout and
# mid-swap-in (scripts/guest/nbd-loss.sh).  Skips (77) without the host's
# NBD exports: check.sh serves them to the stock-kernel VM only.
exec sh /scripts/guest/nbd-loss.sh kill
