#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# containerd.sh RUNSK [BUSYBOX]: a real containerd (Debian's 1.6, its ctr
# and its runc shim, containerd-shim-runc-v2) runs containers with runsk as
# the runtime binary (`ctr run --runc-binary RUNSK`): the shim drives runsk
# with runc's command line (create --pid-file with pipes as stdio, start,
# state, ps --format json, kill, delete [--force]) and reaps the sandbox
# process as the container's init. The image is built here from
# busybox-static as an OCI layout tar (no network) and imported; the
# native snapshotter needs no overlayfs. Checks: output, exit status, env
# and cwd from the image config, ctr task kill, run -d / task ls / task
# ps / task delete, an error reaching ctr from runsk's JSON log, and that
# nothing is left behind (processes, mounts, runsk state).
#
# containerd, ctr and containerd-shim-runc-v2 are taken from next to this
# script (the hwkvm VM's /payload) or from PATH; without them it exits 77.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/containerd_lib.sh"
case $1 in
/*) runsk=$1 ;;
*) runsk=$PWD/$1 ;;
esac
bb=${2:-/bin/busybox}
PATH=$(cd "$(dirname "$0")" && pwd):$PATH
export PATH
for p in containerd ctr containerd-shim-runc-v2; do
	if ! command -v $p >/dev/null 2>&1; then
		echo "SKIP: $p not found: install the Debian package containerd"
		rm -rf "$tmp"
		exit 77
	fi
done

img=docker.io/library/runsk-test:1
sock=$tmp/containerd.sock
# The runc shim keeps runsk's state (--root) there, per namespace.
runroot=/run/containerd/runc/runsk-test
c() { ctr --address "$sock" --namespace runsk-test "$@"; }
export CONTAINERD_SNAPSHOTTER=native

# task_status ID STATUS: ctr task ls shows ID in STATUS (within 60 s).
task_status() {
	for _ in $(seq 1 120); do
		c task ls 2>/dev/null | grep -q "^$1 .*$2" && return 0
		sleep 0.5
	done
	return 1
}

# run_ok DESCRIPTION WANT-STATUS WANT-OUTPUT ID CMD...: ctr run --rm, with
# the ctr run flags in $flags (word-split).
flags=
run_ok() {
	what=$1 want=$2 wantout=$3 id=$4
	shift 4
	# shellcheck disable=SC2086 # flags is a list of words
	c run --rm --runc-binary "$runsk" $flags "$img" "$id" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	if [ -n "$wantout" ]; then printf '%s\n' "$wantout" >"$tmp/want"; else : >"$tmp/want"; fi
	if [ "$got" = "$want" ] && cmp -s "$tmp/want" "$tmp/out"; then
		ok "$what"
	else
		fail "$what: status $got (want $want), output:"
		sed 's/^/    | /' "$tmp/out" "$tmp/err"
	fi
}

# A writable /run. No cgroup mount: the shim only logs that it finds no
# memory.events, and a test must not change the host's mounts.
mkdir -p /run
cat >"$tmp/config.toml" <<EOF
version = 2
root = "$tmp/root"
state = "$tmp/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$tmp/opt"
EOF
if start_containerd "$tmp/config.toml"; then
	ok "containerd $(containerd --version | cut -d' ' -f3) is up"
else
	fail "containerd did not start:"
	tail -20 "$tmp/containerd.log"
	kill "$cpid"
	finish
fi

mkimage "$tmp/image.tar" "$img"
if c images import "$tmp/image.tar" >"$tmp/out" 2>&1 && c images ls -q | grep -qx "$img"; then
	ok "ctr images import of an OCI layout tar built here"
else
	fail "image import: $(cat "$tmp/out")"
fi

run_ok "ctr run: the container's output" 0 "hello from runsk" e1 echo hello from runsk
run_ok "ctr run: exit status passed through" 7 "" e2 sh -c 'exit 7'
run_ok "ctr run: env and cwd from the image config" 0 "hello from the image
/work
uid 0" e3 sh -c 'echo "$GREETING"; pwd; echo uid $(id -u)'
flags="--env A=B --cwd /tmp"
run_ok "ctr run --env --cwd" 0 "B
/tmp" e4 sh -c 'echo $A; pwd'
flags=

# ctr task kill: SIGTERM reaches the container's init as from outside its
# PID namespace, as under runc: an init that handles it runs its handler,
# one that does not (sleep) keeps running until SIGKILL (128 + 9).
c run --rm --runc-binary "$runsk" "$img" k1 sleep 1000 >"$tmp/k1.out" 2>&1 </dev/null &
k1=$!
if task_status k1 RUNNING; then
	c task kill k1
	sleep 2
	if task_status k1 RUNNING; then ok "ctr task kill: an init without a TERM handler keeps running"; else fail "TERM ended an init that does not handle it: $(c task ls)"; fi
	c task kill -s KILL k1
	wait "$k1"
	rc=$?
	if [ "$rc" = 137 ]; then ok "ctr task kill -s KILL: ctr run ends with 137"; else fail "ctr task kill -s KILL: status $rc; $(cat "$tmp/k1.out")"; fi
else
	fail "k1 never ran: $(cat "$tmp/k1.out"; c task ls)"
	kill "$k1"
fi
c run --rm --runc-binary "$runsk" "$img" k2 sh -c 'trap "echo got TERM; exit 3" TERM; echo up; while :; do sleep 1; done' >"$tmp/k2.out" 2>&1 </dev/null &
k2=$!
if task_status k2 RUNNING; then
	for _ in $(seq 1 40); do grep -q up "$tmp/k2.out" && break; sleep 0.5; done
	c task kill k2
	wait "$k2"
	rc=$?
	if [ "$rc" = 3 ] && grep -q "got TERM" "$tmp/k2.out"; then ok "ctr task kill: init's TERM handler runs (exit 3)"; else fail "TERM handler: status $rc; $(cat "$tmp/k2.out")"; fi
else
	fail "k2 never ran: $(cat "$tmp/k2.out"; c task ls)"
	kill "$k2"
fi

# ctr run -d, task ls, task ps (the sandbox's host pid), kill -s KILL, task delete.
if c run -d --runc-binary "$runsk" "$img" d1 sh -c 'echo detached; exec sleep 1000' >"$tmp/out" 2>&1 </dev/null &&
	task_status d1 RUNNING; then
	ok "ctr run -d: task ls says RUNNING"
else
	fail "ctr run -d: $(cat "$tmp/out"; c task ls)"
fi
pid=$(c task ls | awk '$1 == "d1" { print $2 }')
if c task ps d1 2>&1 | grep -qx "${pid:-none} *-"; then
	ok "ctr task ps: the sandbox process $pid"
else
	fail "ctr task ps: $(c task ps d1 2>&1), task ls pid $pid"
fi
if [ -n "$pid" ] && "$runsk" --root "$runroot" state d1 | grep -q '"status": "running"'; then
	ok "runsk state: running, as the shim sees it"
else
	fail "runsk state d1: $("$runsk" --root "$runroot" state d1 2>&1)"
fi
if [ "$("$runsk" --root "$runroot" ps --format json d1 2>&1)" = "[$pid]" ]; then
	ok "runsk ps --format json: [$pid]"
else
	fail "runsk ps --format json d1: $("$runsk" --root "$runroot" ps --format json d1 2>&1)"
fi
# ctr task exec: runsk exec's host proxy is the process the shim waits on.
c task exec --exec-id x1 d1 sh -c 'echo hi from exec; exit 5' >"$tmp/out" 2>&1 </dev/null
rc=$?
if [ "$rc" = 5 ] && grep -q "hi from exec" "$tmp/out"; then ok "ctr task exec: output and status 5"; else fail "ctr task exec: status $rc; $(cat "$tmp/out")"; fi
c task exec --exec-id x2 d1 cat /proc/1/cmdline >"$tmp/out" 2>&1 </dev/null
if tr '\0' ' ' <"$tmp/out" | grep -q "sleep 1000"; then ok "ctr task exec: sees the container's init"; else fail "ctr task exec: /proc/1/cmdline: $(cat "$tmp/out")"; fi
# ctr task exec -t: the shim gets runsk exec's pty through --console-socket
# and joins it to ctr's terminal (console_recv plays that terminal).
recv=$(dirname "$0")/console_recv
if [ -x "$recv" ]; then
	"$recv" - 60 'expect=ready' 'send=hi\n' 'expect=got hi' -- \
		ctr --address "$sock" --namespace runsk-test task exec -t --exec-id xt d1 \
		sh -c 'tty; echo ready; read x; echo got $x' >"$tmp/out" 2>&1 </dev/null
	rc=$?
	if [ "$rc" = 0 ] && tr -d '\r' <"$tmp/out" | grep -q '^/dev/pts/[0-9]' &&
		tr -d '\r' <"$tmp/out" | grep -q '^got hi$'; then
		ok "ctr task exec -t: a terminal, typed input reaches the process"
	else
		fail "ctr task exec -t: status $rc: $(cat "$tmp/out")"
	fi
else
	echo "skip ctr task exec -t: no console_recv next to $0"
fi
c task exec --exec-id x3 d1 nosuch >"$tmp/out" 2>&1 </dev/null
rc=$?
if [ "$rc" != 0 ] && grep -q "executable file not found" "$tmp/out"; then ok "ctr task exec of a missing program: runc's error"; else fail "ctr task exec nosuch: status $rc; $(cat "$tmp/out")"; fi
c task kill -s KILL d1
if task_status d1 STOPPED; then ok "ctr task kill -s KILL: STOPPED"; else fail "kill -s KILL: $(c task ls)"; fi
c task delete d1 >"$tmp/out" 2>&1
if grep -q "exit code 137" "$tmp/out" && ! c task ls | grep -q '^d1 '; then
	ok "ctr task delete: exit code 137, task gone"
else
	fail "ctr task delete: $(cat "$tmp/out"; c task ls)"
fi
c containers rm d1 >/dev/null 2>&1 || fail "ctr containers rm d1"
expect_status 0 "runsk delete --force of a container that is gone (as runc)" \
	"$runsk" --root "$runroot" delete --force d1
if "$runsk" features | grep -q '"ociVersionMax": "1.1.0"'; then
	ok "runsk features"
else
	fail "runsk features: $("$runsk" features 2>&1)"
fi
if [ -z "$pid" ] || [ ! -d "/proc/$pid" ]; then ok "the sandbox process is gone"; else fail "pid $pid still there"; fi

# A bundle runsk refuses: its one-line error reaches ctr through --log (JSON).
c run --rm --runc-binary "$runsk" --mount type=bind,src=/nonexistent-runsk,dst=/x,options=rbind \
	"$img" b1 true >"$tmp/out" 2>&1 </dev/null
rc=$?
if [ "$rc" != 0 ] && grep -q "OCI runtime create failed: runsk create: .*mounts\[.*/nonexistent-runsk" "$tmp/out"; then
	ok "runsk's error reaches ctr: $(grep -o 'runsk create: [^:]*: [^:]*' "$tmp/out")"
else
	fail "bad bundle: status $rc: $(cat "$tmp/out")"
fi
c containers rm b1 >/dev/null 2>&1
# A program the image does not have: create fails, as under runc.
c run --rm --runc-binary "$runsk" "$img" b2 nosuch-program >"$tmp/out" 2>&1 </dev/null
rc=$?
if [ "$rc" != 0 ] && grep -q 'OCI runtime create failed: runsk create: .*"nosuch-program": executable file not found in \$PATH' "$tmp/out"; then
	ok "ctr run of a missing program: create fails with runc's error"
else
	fail "missing program: status $rc: $(cat "$tmp/out")"
fi
c containers rm b2 >/dev/null 2>&1

# Nothing left: containers, runsk state, shims, sandboxes, mounts.
left=$(c containers ls -q)
if [ -z "$left" ]; then ok "no containers left"; else fail "containers left: $left"; fi
check_nothing_left "$runsk" "$runroot" "$tmp/state"

kill "$cpid"
wait "$cpid"
if [ "$failures" -ne 0 ]; then
	echo "containerd's log (last 30 lines):"
	tail -30 "$tmp/containerd.log"
fi
finish
