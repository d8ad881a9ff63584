#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# limits.sh RUNSK [FORK_UNTIL [HOG]]: the cgroup limits a sandbox enforces
# (sentry/kernel/cgroup_limits.h). A container with pids.limit 4 in its
# config.json: its guest sees pids.max 4, and a fork or a thread that
# would make a fifth task fails with EAGAIN (tests/guest/fork_until.c),
# counted in pids.events. `runsk update --resources -` raises it while it
# runs and more forks work. `runsk update --memory` lowers its memory from
# the 128 MiB it booted with to 48 MiB: memory.max says so and a 64 MiB
# hog (tests/guest/oom_hog.c) is OOM-killed, a 16 MiB one is not; an
# update above the boot size succeeds, leaves the boot size in force and
# says so with --debug only. The guest waits for each update by reading
# its cgroup files.
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
# Next to this script in the hwkvm VM; in a direct run, in the build tree next to runsk's.
guest_prog() {
	p=$(dirname "$0")/$1-glibc
	[ -x "$p" ] || p=$(dirname "$runsk")/../tests/guest/$1-glibc
	case $p in /*) ;; *) p=$PWD/$p ;; esac
	echo "$p"
}
forker=${2:-$(guest_prog fork_until)}
hog=${3:-$(guest_prog oom_hog)}
sh=/bin/busybox
[ -x "$sh" ] || sh=/bin/sh
state=$tmp/state
mib=1048576

bundle=$tmp/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/tmp"
cp "$sh" "$bundle/rootfs/bin/busybox"
cp "$forker" "$bundle/rootfs/bin/fork_until"
cp "$hog" "$bundle/rootfs/bin/oom_hog"
for a in sh sleep cat mkfifo; do ln -s busybox "$bundle/rootfs/bin/$a"; done
# Reads of the cgroup files with sh's read builtin: no fork while at the limit.
cat >"$bundle/rootfs/limits.sh" <<'EOS'
cg=/sys/fs/cgroup
await() { # FILE VALUE: until FILE says VALUE (at most 60 s)
	i=0
	until read v <"$cg/$1" && [ "$v" = "$2" ]; do
		i=$((i + 1)); [ $i -gt 600 ] && { echo "timeout $1 $v"; exit 1; }
		sleep 0.1
	done
	echo "$1 $v"
}
read v <$cg/pids.max; echo "pids.max $v"
fork_until 10
fork_until 10 threads
read v <$cg/pids.events; echo "pids.events $v"
echo phase1
await pids.max 20
fork_until 10
echo phase2
await memory.max 50331648
oom_hog 64; echo "big hog status $?"
mkfifo /tmp/f
oom_hog 16 >/tmp/f & h=$!; read r </tmp/f; echo "small hog $r"; kill $h; wait $h
echo phase3
await memory.max 134217728
oom_hog 64 >/tmp/f & h=$!; read r </tmp/f; echo "big hog $r"; kill $h; wait $h
echo done
EOS
cat >"$bundle/config.json" <<END
{
	"ociVersion": "1.0.2",
	"process": {"user": {"uid": 0, "gid": 0}, "cwd": "/", "env": ["PATH=/bin"],
		    "args": ["sh", "/limits.sh"]},
	"root": {"path": "rootfs"},
	"linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}],
		  "resources": {"memory": {"limit": $((128 * mib))}, "pids": {"limit": 4}}}
}
END

# await_line LINE: until the guest printed LINE (at most 120 s); false if not.
await_line() {
	for _ in $(seq 1 480); do
		grep -qx "$1" "$tmp/out" && return 0
		kill -0 "$run" 2>/dev/null || break
		sleep 0.25
	done
	fail "the guest never printed '$1':"
	sed 's/^/    | /' "$tmp/out" "$tmp/err"
	return 1
}

# update DESCRIPTION ARGS...: runsk update ARGS l1 succeeds and prints nothing.
update() {
	what=$1
	shift
	if "$runsk" --root "$state" update "$@" l1 >"$tmp/uout" 2>"$tmp/uerr" </dev/null &&
		[ ! -s "$tmp/uout" ] && [ ! -s "$tmp/uerr" ]; then
		ok "update $what: status 0, nothing printed"
	else
		fail "update $what: failed or printed:"
		sed 's/^/    | /' "$tmp/uout" "$tmp/uerr"
	fi
}

"$runsk" --root "$state" run --bundle "$bundle" l1 >"$tmp/out" 2>"$tmp/err" </dev/null &
run=$!
if await_line phase1; then
	expect_line "pids.max 4" "config.json's pids.limit is pids.max"
	# sh and fork_until are two of the four tasks.
	expect_line "procs 2 EAGAIN" "a fork over pids.max fails with EAGAIN"
	expect_line "threads 2 EAGAIN" "a thread over pids.max fails with EAGAIN"
	expect_line "pids.events max 2" "pids.events counts the refusals"
	echo '{"pids": {"limit": 20}}' >"$tmp/res.json"
	update "--resources (pids.limit 20)" --resources "$tmp/res.json"
fi
if await_line phase2; then
	expect_line "procs 10 ok" "after the update, ten more forks"
	update "--memory 48M" --memory 48M
fi
if await_line phase3; then
	expect_line "memory.max 50331648" "the lowered limit is memory.max"
	expect_line "big hog status 137" "a 64 MiB hog is OOM-killed under the 48 MiB limit"
	expect_line "small hog ready 16" "a 16 MiB hog fits"
	if "$runsk" --root "$state" --debug update --memory 1G l1 >"$tmp/uout" 2>"$tmp/uerr" </dev/null &&
		grep -q "134217728 bytes the sandbox booted with are enforced" "$tmp/uerr"; then
		ok "update above the boot size: succeeds, --debug says the boot size is enforced"
	else
		fail "update --memory 1G with --debug:"
		sed 's/^/    | /' "$tmp/uout" "$tmp/uerr"
	fi
	update "--memory 1G, no --debug" --memory 1G
fi
if await_line done; then
	expect_line "memory.max 134217728" "above the boot size, the boot size is memory.max"
	expect_line "big hog ready 64" "the 64 MiB hog fits again"
fi
if grep -q "Out of memory: Killed process [0-9]* (oom_hog)" "$tmp/err"; then
	ok "the Sentry logged the OOM kill"
else
	fail "no OOM kill logged:"
	sed 's/^/    | /' "$tmp/err"
fi
wait "$run"
"$runsk" --root "$state" delete l1 2>/dev/null

# A created container takes an update when it starts: the request waits in
# its control socket. No pids.limit in its config.json: "max" until then.
cat >"$bundle/rootfs/created.sh" <<'EOS'
cg=/sys/fs/cgroup
i=0
until read v <"$cg/pids.max" && [ "$v" = 6 ]; do
	i=$((i + 1)); [ $i -gt 600 ] && { echo "timeout pids.max $v"; exit 1; }
	sleep 0.1
done
echo "pids.max $v"
fork_until 10
EOS
sed -e 's|"/limits.sh"|"/created.sh"|' -e 's|, "pids": {"limit": 4}||' "$bundle/config.json" >"$tmp/c.json"
mv "$tmp/c.json" "$bundle/config.json"
"$runsk" --root "$state" create --bundle "$bundle" l2 >"$tmp/out" 2>"$tmp/err" </dev/null
"$runsk" --root "$state" update --pids-limit 6 l2 >"$tmp/uout" 2>&1 </dev/null
rc=$?
"$runsk" --root "$state" start l2
for _ in $(seq 1 240); do
	"$runsk" --root "$state" state l2 2>/dev/null | grep -q '"status": "stopped"' && break
	sleep 0.5
done
if [ "$rc" = 0 ] && [ ! -s "$tmp/uout" ]; then
	ok "update a created container: status 0, nothing printed"
else
	fail "update a created container: status $rc: $(cat "$tmp/uout")"
fi
expect_line "pids.max 6" "the created container's update applies when it starts"
expect_line "procs 4 EAGAIN" "and limits its forks"
"$runsk" --root "$state" delete l2 2>/dev/null
finish
