# NBD exports served by the host for the far-memory VMs (make demo-remote,
# the nbd_* tests of make check): sourced, not run.
# shellcheck shell=bash
#
# Each export NAME is a raw image DIR/NAME.img served by qemu-nbd on
# 127.0.0.1 only (export name "aobj"); DIR/NAME.port and DIR/NAME.pid say
# where and by whom.  The guest reaches it through a QEMU user netdev with
# restrict=on and a guestfwd whose target is scripts/nbd-relay.sh (a new
# relay per connection, so reconnecting works after a server restart).

# nbd_start DIR NAME [SIZE_MB]: serve DIR/NAME.img (made SIZE_MB large if
# given) on a free 127.0.0.1 port, the one in DIR/NAME.port if there is one.
nbd_start() {
	local dir=$1 name=$2 mb=${3:-} port
	# Already serving: nothing to do.
	[ -f "$dir/$name.pid" ] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null && return 0
	if [ -n "$mb" ]; then
		rm -f "$dir/$name.img"
		truncate -s "${mb}M" "$dir/$name.img"
	fi
	[ -f "$dir/$name.img" ] || { echo "nbd_start: no $dir/$name.img" >&2; return 1; }
	if [ -f "$dir/$name.port" ]; then
		port=$(cat "$dir/$name.port")
	else
		port=$((20000 + (RANDOM % 20000)))
	fi
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		rm -f "$dir/$name.pid"
		# --fork: returns once the socket listens.  --persistent: a
		# client may disconnect and come back.
		if timeout 30 qemu-nbd --fork --pid-file "$dir/$name.pid" --bind 127.0.0.1 \
			--port "$port" --export-name aobj --persistent --shared 4 \
			--format raw --cache writeback "$dir/$name.img" 2>>"$dir/$name.log"; then
			echo "$port" >"$dir/$name.port"
			return 0
		fi
		# A restart keeps its port (the guest's relay points there).
		[ -f "$dir/$name.port" ] && { sleep 1; continue; }
		port=$((20000 + (RANDOM % 20000)))
	done
	echo "nbd_start: qemu-nbd for $name would not start (see $dir/$name.log)" >&2
	return 1
}

# nbd_kill DIR NAME: kill -9 the server of NAME and wait until it is gone.
nbd_kill() {
	local dir=$1 name=$2 pid
	pid=$(cat "$dir/$name.pid" 2>/dev/null) || return 1
	kill -9 "$pid" 2>/dev/null || return 1
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$dir/$name.pid"
	! kill -0 "$pid" 2>/dev/null
}

# nbd_stop_all DIR: kill every server started in DIR.
nbd_stop_all() {
	local f
	for f in "$1"/*.pid; do
		[ -f "$f" ] || continue
		kill -9 "$(cat "$f")" 2>/dev/null
		rm -f "$f"
	done
	return 0
}

# nbd_monitor DIR COMMAND: one QEMU human monitor command, on DIR/monitor.sock.
nbd_monitor() {
	/usr/bin/python3 - "$1/monitor.sock" "$2" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
time.sleep(0.3)
s.recv(65536)			# banner and prompt
s.sendall((sys.argv[2] + "\n").encode())
time.sleep(0.5)
out = s.recv(65536).decode(errors="replace")
print(out.replace("\r", ""))
sys.exit(1 if "rror" in out else 0)
PY
}

# nbd_netdev DIR NAME NETDEV_INDEX SUBNET: the run-vm.sh --netdev options
# of a card that reaches export NAME at SUBNET.100:10809 (SUBNET e.g.
# 10.0.2), and nothing else.  Each export has a card of its own, so that
# cutting one link (set_link) leaves the others up.
nbd_netdev() {
	local dir=$1 name=$2 idx=$3 net=$4
	echo "n$idx" >"$dir/$name.netdev"
	echo "net=$net.0/24,guestfwd=tcp:$net.100:10809-cmd:$AOBJ_TOP/scripts/nbd-relay.sh $(cat "$dir/$name.port")"
}

# nbd_ctl_netdev DIR SUBNET: the options of the card that reaches the
# control channel (scripts/nbd-ctl.sh) at SUBNET.100:7000.
nbd_ctl_netdev() {
	echo "net=$2.0/24,guestfwd=tcp:$2.100:7000-cmd:$AOBJ_TOP/scripts/nbd-ctl.sh $1"
}

# nbd_vm_args DIR: the run-vm.sh options of a VM that reaches exports "a"
# and "b" (started with nbd_start) and the control channel: three cards,
# the monitor socket, and AOBJ_NBD/AOBJ_NBD_CTL for scripts/guest/nbd.sh.
nbd_vm_args() {
	printf '%s\0' --netdev "$(nbd_netdev "$1" a 0 10.0.2)" \
		--netdev "$(nbd_netdev "$1" b 1 10.0.3)" \
		--netdev "$(nbd_ctl_netdev "$1" 10.0.4)" \
		--monitor "$1/monitor.sock" \
		--env "AOBJ_NBD=a:10.0.2 b:10.0.3" --env "AOBJ_NBD_CTL=10.0.4"
}
