#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# cri.sh RUNSK [BUSYBOX]: Kubernetes' path into runsk, without Kubernetes.
# containerd 1.6 with its CRI plugin, configured by deploy/containerd-config.toml
# (runtime handler "sentry-kvm": the runc shim with BinaryName = RUNSK), and
# cri_client.py in the kubelet's place, speaking CRI (runtime.v1 over gRPC)
# on containerd's socket. A pod on the host's network (no CNI) with the
# handler sentry-kvm, its pause container built here from busybox; in it a
# container that prints and exits 3 (its CRI log file and exit code), a
# long-running one that ExecSync enters (stdout, stderr, exit code), then
# StopContainer, RemoveContainer, StopPodSandbox, RemovePodSandbox; checks
# that the pod ran under runsk (its kernel is the Sentry) and that nothing
# is left (runsk state, processes, mounts). Prints the time from
# RunPodSandbox to the first container's output.
#
# containerd, ctr and containerd-shim-runc-v2 are taken from next to this
# script (the hwkvm VM's /payload) or from PATH, python3 from pyroot/ next
# to it or /usr/bin, grpcio from pygrpc/ next to it or python3's path;
# without them it exits 77. CRI_HANDLER=runc runs the same pod under runc
# (a check of the test itself where there is no /dev/kvm).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/containerd_lib.sh"
case $1 in
/*) runsk=$1 ;;
*) runsk=$PWD/$1 ;;
esac
bb=${2:-/bin/busybox}
handler=${CRI_HANDLER:-sentry-kvm}
PATH=$here:$PATH
export PATH

skip() {
	echo "SKIP: $*"
	rm -rf "$tmp"
	exit 77
}
for p in containerd ctr containerd-shim-runc-v2; do
	command -v $p >/dev/null 2>&1 || skip "$p not found: install the Debian package containerd"
done
python=/usr/bin/python3
for p in "$here"/pyroot/usr/bin/python3*; do
	[ -x "$p" ] && python=$p && break
done
if [ -d "$here/pygrpc" ]; then
	PYTHONPATH=$here/pygrpc
	export PYTHONPATH
fi
"$python" -c 'import grpc' >"$tmp/out" 2>&1 ||
	skip "python3 cannot import grpc ($(tail -1 "$tmp/out")): install the Debian package python3-grpcio"
config=$here/containerd-config.toml
[ -f "$config" ] || config=$here/../../deploy/containerd-config.toml
if [ ! -f "$config" ]; then
	fail "no containerd-config.toml next to $0 or in deploy/"
	finish
fi

sock=$tmp/containerd.sock
logs=$tmp/logs
runroot=$tmp/runroot/k8s.io # the shim's runsk --root: Root, then the namespace
pause=localhost/runsk-pause:1
img=localhost/runsk-test:1
cri() { "$python" "$here/cri_client.py" --sock "$sock" --logdir "$logs" "$@"; }
c() { ctr --address "$sock" --namespace k8s.io "$@"; }
export CONTAINERD_SNAPSHOTTER=native
# Seconds since boot, to the hundredth.
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# The deployed configuration with this test's values on its lines, and this
# containerd's own root, state and socket: no trace on the host's.
mkdir -p /run "$logs" "$tmp/cni"
{
	printf 'root = "%s"\nstate = "%s"\n' "$tmp/root" "$tmp/state"
	sed -e "s|^\( *\)BinaryName = .*|\1BinaryName = \"$runsk\"\n\1Root = \"$tmp/runroot\"|" \
		-e "s|^\( *\)sandbox_image = .*|\1sandbox_image = \"$pause\"|" \
		-e "s|^\( *\)snapshotter = .*|\1snapshotter = \"native\"|" \
		-e "s|^\( *\)conf_dir = .*|\1conf_dir = \"$tmp/cni\"|" \
		-e "s|^\( *\)bin_dir = .*|\1bin_dir = \"$tmp/cni\"|" "$config"
	printf '[grpc]\n  address = "%s"\n' "$sock"
	printf '[plugins."io.containerd.internal.v1.opt"]\n  path = "%s"\n' "$tmp/opt"
} >"$tmp/config.toml"
if grep -q "BinaryName = \"$runsk\"" "$tmp/config.toml" && grep -q "sandbox_image = \"$pause\"" "$tmp/config.toml"; then
	ok "containerd's config from $(basename "$config"), with this runsk and pause image"
else
	fail "the lines cri.sh replaces are not in $config"
fi
# A node has an /etc/hosts, which the CRI copies into a host-network pod;
# the hwkvm VM has no /etc at all: one for this run.
made_hosts='' made_etc=''
if [ ! -e /etc/hosts ]; then
	[ -d /etc ] || { mkdir /etc && made_etc=1; }
	printf '127.0.0.1\tlocalhost\n' >/etc/hosts
	made_hosts=1
fi
# end: stop containerd, show what it and runsk logged after a failure, finish.
end() {
	if [ "$failures" -ne 0 ]; then
		echo "containerd's log from RunPodSandbox on (last 60 lines, no plugin loading):"
		sed -n '/RunPodSandbox for/,$p' "$tmp/containerd.log" | grep -v 'loading plugin' |
			tail -60 | cut -c1-500
		find "$tmp/state" -name log.json -exec tail -5 {} + 2>/dev/null
	fi
	# After an early failure: the pod's containers, its sandbox, its mounts.
	if [ -n "${pod:-}" ]; then
		for id in $(cri ps "$pod" | cut -d' ' -f1); do cri rm "$id"; done
		cri stopp "$pod" && cri rmp "$pod"
	fi
	kill "$cpid"
	wait "$cpid"
	[ -z "$made_hosts" ] || rm -f /etc/hosts
	[ -z "$made_etc" ] || rmdir /etc
	finish
}
if start_containerd "$tmp/config.toml"; then
	ok "containerd $(containerd --version | cut -d' ' -f3) is up"
else
	fail "containerd did not start"
	end
fi

cri version >"$tmp/out" 2>&1
if grep -qx "runtime_api_version v1" "$tmp/out"; then
	ok "CRI Version: $(grep runtime_name "$tmp/out" | cut -d' ' -f2) $(grep runtime_version "$tmp/out" | cut -d' ' -f2), API v1"
else
	fail "CRI Version: $(cat "$tmp/out")"
fi

# The pause image: busybox sleeping; the CRI sends it SIGKILL to stop a pod.
# The CRI gives it a read-only root and binds the pod's resolv.conf onto
# /etc/resolv.conf, which the image does not have (nor has the real pause
# image): runsk makes that mount point, a file, before the Sentry starts.
mkimage "$tmp/pause.tar" "$pause" '{"Entrypoint":["/bin/sleep","2147483647"]}'
mkimage "$tmp/image.tar" "$img"
for i in pause image; do
	c images import "$tmp/$i.tar" >"$tmp/out" 2>&1 || fail "ctr images import $i: $(cat "$tmp/out")"
done
# The CRI learns of the images from containerd's events.
for _ in $(seq 1 20); do
	[ -n "$(cri image "$pause")" ] && [ -n "$(cri image "$img")" ] && break
	sleep 0.5
done
if [ -n "$(cri image "$pause")" ] && [ -n "$(cri image "$img")" ]; then
	ok "CRI ImageStatus: both images imported into k8s.io"
else
	fail "CRI ImageStatus: $(cri image "$pause" 2>&1) / $(cri image "$img" 2>&1)"
fi

# ---- the pod
t0=$(now)
pod=$(cri runp "$handler" 2>"$tmp/err")
t_runp=$(since "$t0")
if [ -n "$pod" ]; then
	ok "CRI RunPodSandbox (handler $handler, host network): ${t_runp}s"
else
	fail "CRI RunPodSandbox: $(cat "$tmp/err")"
	end
fi
cri podstatus "$pod" >"$tmp/out" 2>&1
if grep -qx "state READY" "$tmp/out" && grep -qx "handler $handler" "$tmp/out"; then
	ok "CRI PodSandboxStatus: READY, handler $handler"
else
	fail "CRI PodSandboxStatus: $(cat "$tmp/out"); ctr task ls: $(c task ls 2>&1)"
	end
fi

# container_state ID STATE: ContainerStatus says STATE within 60 s (a
# call is a python3 start: seconds in the VM).
container_state() {
	t=$(now)
	while :; do
		cri status "$1" >"$tmp/status" 2>&1
		grep -qx "state $2" "$tmp/status" && return 0
		[ "$(since "$t" | cut -d. -f1)" -lt 60 ] || return 1
		sleep 0.5
	done
}

# ---- a container that prints (stdout and stderr) and exits 3
t1=$(now)
c1=$(cri create "$pod" c1 "$img" c1/0.log -e WHO=cri -- \
	sh -c 'echo "hello from $WHO"; echo oops >&2; cat /proc/version; exit 3' 2>"$tmp/err")
if [ -z "$c1" ]; then
	fail "CRI CreateContainer c1: $(cat "$tmp/err")"
	end
fi
if cri start "$c1" 2>"$tmp/err"; then
	ok "CRI CreateContainer, StartContainer c1"
else
	fail "CRI StartContainer c1: $(cat "$tmp/err")"
	end
fi
log=$logs/c1/0.log
for _ in $(seq 1 240); do
	grep -q ' stdout F hello from cri$' "$log" 2>/dev/null && break
	sleep 0.25
done
t_out=$(since "$t0")
t_c1=$(since "$t1")
if grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+) stdout F hello from cri$' "$log" 2>/dev/null &&
	grep -Eq ' stderr F oops$' "$log"; then
	ok "c1's CRI log: \"TIMESTAMP stdout F hello from cri\", and stderr's line"
else
	fail "c1's log $log: $(cat "$log" 2>&1)"
fi
if container_state "$c1" EXITED && grep -qx "exit_code 3" "$tmp/status"; then
	ok "CRI ContainerStatus c1: EXITED, exit code 3"
else
	fail "CRI ContainerStatus c1: $(cat "$tmp/status")"
fi
if grep -qx "log_path $log" "$tmp/status"; then ok "ContainerStatus: log_path"; else fail "log_path: $(grep log_path "$tmp/status")"; fi
# Under runsk the kernel the pod sees is the Sentry, not the host's.
if [ "$handler" = runc ]; then
	echo "skip the Sentry's /proc/version: handler runc"
elif grep -q ' stdout F Linux version .*sentry-kvm' "$log" && ! grep -q "$(uname -v)" "$log"; then
	ok "c1 ran under runsk: /proc/version is the Sentry's"
else
	fail "c1's /proc/version is not the Sentry's: $(grep 'Linux version' "$log")"
fi

# ---- a long-running container, and ExecSync into it (runsk exec)
c2=$(cri create "$pod" c2 "$img" c2/0.log -- sleep 1000 2>"$tmp/err")
if [ -z "$c2" ] || ! cri start "$c2" 2>>"$tmp/err"; then
	fail "CRI CreateContainer, StartContainer c2: $(cat "$tmp/err")"
	end
fi
if container_state "$c2" RUNNING; then ok "c2: RUNNING"; else fail "c2: $(cat "$tmp/status")"; fi
if [ "$handler" = runc ]; then
	:
elif "$runsk" --root "$runroot" list >"$tmp/out" 2>&1 &&
	grep -q "^$pod .*running" "$tmp/out" && grep -q "^$c2 .*running" "$tmp/out"; then
	ok "runsk list: the pause sandbox and c2 are runsk's, running"
else
	fail "runsk --root $runroot list: $(cat "$tmp/out")"
fi
t2=$(now)
cri exec -t 30 "$c2" -- sh -c 'echo "exec out"; echo "exec err" >&2; exit 5' >"$tmp/out" 2>"$tmp/err"
rc=$?
t_exec=$(since "$t2")
if [ "$rc" = 5 ] && [ "$(cat "$tmp/out")" = "exec out" ] && [ "$(cat "$tmp/err")" = "exec err" ]; then
	ok "CRI ExecSync: stdout, stderr, exit code 5 (${t_exec}s)"
else
	fail "CRI ExecSync: status $rc, stdout $(cat "$tmp/out"), stderr $(cat "$tmp/err")"
fi
cri exec "$c2" -- cat /proc/1/cmdline /etc/resolv.conf >"$tmp/out" 2>&1
if tr '\0' ' ' <"$tmp/out" | grep -q '^sleep 1000 ' && grep -q '^nameserver 192.0.2.53' "$tmp/out"; then
	ok "ExecSync sees c2's init and the pod's resolv.conf (a CRI bind mount)"
else
	fail "ExecSync cat: $(cat "$tmp/out")"
fi
cri ps "$pod" >"$tmp/out" 2>&1
if grep -q "^$c1 c1 EXITED$" "$tmp/out" && grep -q "^$c2 c2 RUNNING$" "$tmp/out"; then
	ok "CRI ListContainers: c1 EXITED, c2 RUNNING"
else
	fail "CRI ListContainers: $(cat "$tmp/out")"
fi

# ---- seccompProfile RuntimeDefault: containerd's default profile, as
# runc would load it, compiled by runsk and enforced in the sandbox.
c3=$(cri create "$pod" c3 "$img" c3/0.log --seccomp-default -- \
	sh -c 'grep -E "^Seccomp(_filters)?:" /proc/self/status' 2>"$tmp/err")
if [ -n "$c3" ] && cri start "$c3" 2>>"$tmp/err" && container_state "$c3" EXITED; then
	# The shell and grep ran: the profile's allow rules work.
	if [ "$(grep -c -e ' stdout F Seccomp:.2$' -e ' stdout F Seccomp_filters:.1$' "$logs/c3/0.log")" = 2 ]; then
		ok "RuntimeDefault seccomp profile: the container runs under one filter"
	else
		fail "c3's log: $(cat "$logs/c3/0.log" 2>&1)"
	fi
else
	fail "CRI c3 with RuntimeDefault seccomp: $(cat "$tmp/err" "$tmp/status" 2>/dev/null)"
fi

# ---- teardown: sleep as init ignores SIGTERM, so the grace period ends in SIGKILL.
if cri stop -t 2 "$c2" 2>"$tmp/err" && container_state "$c2" EXITED && grep -qx "exit_code 137" "$tmp/status"; then
	ok "CRI StopContainer c2 (2 s grace): EXITED, 137"
else
	fail "CRI StopContainer c2: $(cat "$tmp/err" "$tmp/status")"
fi
for id in "$c1" "$c2" ${c3:+"$c3"}; do
	cri rm "$id" 2>"$tmp/err" || fail "CRI RemoveContainer: $(cat "$tmp/err")"
done
if [ -z "$(cri ps)" ]; then ok "CRI RemoveContainer: no containers left"; else fail "containers left: $(cri ps)"; fi
cri stopp "$pod" 2>"$tmp/err" || fail "CRI StopPodSandbox: $(cat "$tmp/err")"
cri podstatus "$pod" >"$tmp/out" 2>&1
if grep -qx "state NOTREADY" "$tmp/out"; then ok "CRI StopPodSandbox: NOTREADY"; else fail "after StopPodSandbox: $(cat "$tmp/out")"; fi
if cri rmp "$pod" 2>"$tmp/err"; then pod=''; else fail "CRI RemovePodSandbox: $(cat "$tmp/err")"; fi
if [ -z "$(cri pods)" ]; then ok "CRI RemovePodSandbox: no pods left"; else fail "pods left: $(cri pods)"; fi
check_nothing_left "$runsk" "$runroot" "$tmp/state"

echo "timings: RunPodSandbox ${t_runp}s, c1 create+start to output ${t_c1}s, pod start to c1's output ${t_out}s, ExecSync ${t_exec}s"
end
