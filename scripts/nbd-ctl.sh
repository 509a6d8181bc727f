#!/bin/bash
# nbd-ctl.sh DIR: the far-memory tests' control channel.  QEMU runs it for
# each connection the guest opens to its control guestfwd address, with
# stdio on the connection.  It reads one command line and answers "ok" or
# "error: ..." on one line:
#   kill NAME      kill -9 the NBD server of export NAME (scripts/nbd-lib.sh)
#   start NAME     start it again, on the same port and image
#   link NAME off|on   QEMU monitor set_link on the netdev that carries NAME
#   ping           answer ok
# DIR is the state directory of nbd-lib.sh.  Its log: DIR/ctl.log.
set -u
dir=${1:?}
exec 2>>"$dir/ctl.log"
. "$(dirname "$0")/nbd-lib.sh"
read -r -t 30 cmd name arg || { echo "error: no command"; exit 1; }
echo "$(date +%T) ctl: $cmd ${name:-} ${arg:-}" >&2
case "$cmd" in
ping)	echo ok ;;
kill)	nbd_kill "$dir" "$name" >&2 && echo ok || echo "error: kill $name failed" ;;
start)	nbd_start "$dir" "$name" >&2 && echo ok || echo "error: start $name failed" ;;
link)	case "$arg" in on|off) ;; *) echo "error: link $name on|off"; exit 1 ;; esac
	nbd_monitor "$dir" "set_link $(cat "$dir/$name.netdev") $arg" >&2 &&
		echo ok || echo "error: set_link failed" ;;
*)	echo "error: unknown command '$cmd'" ;;
esac
