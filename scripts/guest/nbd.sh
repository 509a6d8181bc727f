# Far memory in the guest (busybox sh): network cards up, NBD devices from
# the host's exports (scripts/nbd-lib.sh), the host's control channel.
# Sourced, not run.  run-vm.sh --netdev gives the VM its cards; AOBJ_NBD
# lists the exports as NAME:SUBNET pairs ("a:10.0.2 b:10.0.3"): card i
# (eth<i>) has address SUBNET.15 and finds export NAME at SUBNET.100:10809;
# the card after them, on subnet AOBJ_NBD_CTL, reaches the host's control
# channel at AOBJ_NBD_CTL.100:7000.
# shellcheck shell=sh

NBD_TIMEOUT=${NBD_TIMEOUT:-5}

# nbd_why_not: why this VM cannot do far memory (empty if it can).
nbd_why_not() {
	[ -n "${AOBJ_NBD:-}" ] || { echo "no NBD exports given (AOBJ_NBD; run-vm.sh --netdev)"; return; }
	[ -x /usr/sbin/nbd-client ] || { echo "no nbd-client in the VM (apt-get install nbd-client on the host)"; return; }
	modprobe nbd nbds_max=8 2>/dev/null
	[ -e /dev/nbd0 ] || { echo "no nbd driver in this kernel"; return; }
	[ -e /sys/class/net/eth0 ] || echo "no network card"
}

# nbd_net_up: configure eth0, eth1, ... from AOBJ_NBD.
nbd_net_up() {
	local i=0 e
	ip link set lo up
	for e in $AOBJ_NBD ${AOBJ_NBD_CTL:+ctl:$AOBJ_NBD_CTL}; do
		ip link set "eth$i" up || return 1
		ip addr add "${e#*:}.15/24" dev "eth$i" 2>/dev/null
		i=$((i + 1))
	done
}

# nbd_subnet NAME: the subnet of export NAME.
nbd_subnet() {
	local e
	for e in $AOBJ_NBD; do
		[ "${e%%:*}" = "$1" ] && { echo "${e#*:}"; return 0; }
	done
	return 1
}

# nbd_connect NAME DEVICE: connect DEVICE to export NAME, with a request
# timeout of NBD_TIMEOUT seconds (0: none, nbd waits for ever); wait until
# it has its size.
nbd_connect() {
	local net i t=
	net=$(nbd_subnet "$1") || { echo "nbd_connect: no export $1" >&2; return 1; }
	[ "$NBD_TIMEOUT" = 0 ] || t="-t $NBD_TIMEOUT"
	# A link just set up again may refuse the first tries (no route yet).
	for i in 1 2 3 4 5 6; do
		# shellcheck disable=SC2086 # $t: no word or two
		timeout 60 nbd-client -N aobj "$net.100" 10809 "$2" -b 4096 $t && break
		[ "$i" = 6 ] && { echo "nbd_connect: nbd-client $1 $2 failed 6 times" >&2; return 1; }
		sleep 2
	done
	for i in $(seq 50); do
		[ "$(cat "/sys/block/${2#/dev/}/size" 2>/dev/null)" -gt 0 ] 2>/dev/null && return 0
		sleep 0.1
	done
	echo "nbd_connect: $2 has no size after 5 s" >&2
	return 1
}

# nbd_disconnect DEVICE
nbd_disconnect() {
	timeout 30 nbd-client -d "$1" >/dev/null 2>&1
}

# nbd_ctl COMMAND...: send one command to the host (scripts/nbd-ctl.sh),
# print its answer; fail unless it is "ok".
nbd_ctl() {
	local ans
	ans=$(echo "$*" | timeout 40 nc "${AOBJ_NBD_CTL:?}.100" 7000)
	echo "host: $* -> ${ans:-no answer}"
	[ "$ans" = ok ]
}

# For the far-memory tests: check DESCRIPTION COMMAND... prints "ok:" or
# "FAIL:" (and sets failed=1) by COMMAND's status; dev_used DEV: pages in
# use on aobj swap device DEV (0 if not listed); dev_flags DEV: its flags
# as aobjctl swaps prints them ("gone" if not listed).
check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok: $what"
	else
		echo "FAIL: $what"
		failed=1
	fi
}
dev_used() { /tools/aobjctl swaps --noheadings --bytes | awk -v d="$1" '$1 == d { u = $5 / 4096 } END { print u + 0 }'; }
dev_flags() { /tools/aobjctl swaps --noheadings | awk -v d="$1" '$1 == d { f = $7 } END { print (f == "" ? "gone" : f) }'; }
