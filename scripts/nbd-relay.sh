#!/bin/bash
# nbd-relay.sh PORT: copy stdin to 127.0.0.1:PORT and back to stdout, until
# either side closes.  QEMU runs it for each connection the guest opens to a
# guestfwd address (guestfwd=...-cmd:nbd-relay.sh PORT, stdio on the
# connection), so that the guest can connect again after the server behind
# PORT died and came back; a tcp: guestfwd connects once, at QEMU start.
# Nothing goes to stderr: it is the guest's connection too.
exec 2>/dev/null
port=${1:?}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
# A background command's stdin is /dev/null unless redirected: use fd 4.
exec 4<&0
cat <&3 &		# server -> guest
down=$!
cat <&4 >&3 &		# guest -> server
up=$!
exec 0<&- 1>&- 3>&- 4<&-
# The first side to end ends both: the guest sees the server go away.
wait -n
kill "$down" "$up" 2>/dev/null
wait
