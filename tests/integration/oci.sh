#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# oci.sh RUNSK [BUSYBOX]: `runsk run` of OCI bundles built here from
# busybox-static: the process's args, env, cwd, user, groups, hostname and
# rlimits; the overlay root and a read-only root; bind mounts (writes reach
# the host directory; ro gives EROFS) and tmpfs; bad config.json files, each
# refused with one line naming the field and status 1; the lifecycle
# (create, state, list, start, kill, delete) in a state directory of its own.
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
bb=${2:-/bin/busybox}

bundle=$tmp/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/work" "$bundle/rootfs/etc" "$tmp/hostdata" "$tmp/hostro"
# The container's user (1000) may write there, and into the bind mounts.
chmod 1777 "$bundle/rootfs/work" "$tmp/hostdata" "$tmp/hostro"
cp "$bb" "$bundle/rootfs/bin/busybox"
for a in sh echo cat id hostname pwd touch mkdir ls env sleep nproc grep; do
	ln -s busybox "$bundle/rootfs/bin/$a"
done
echo "from the host" >"$tmp/hostro/readme"
echo "rootfs file" >"$bundle/rootfs/etc/motd"

# config ARGS-JSON [EXTRA-TOP-LEVEL-JSON] [ROOT-READONLY] [PROCESS-EXTRA]:
# write the bundle's config.json.
config() {
	cat >"$bundle/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": {
		"terminal": false,
		"user": {"uid": 1000, "gid": 1000, "additionalGids": [10, 20]},
		"args": $1,
		"env": ["PATH=/bin", "FOO=bar baz"],
		"cwd": "/work",
		"capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"],
				 "permitted": ["CAP_KILL"], "inheritable": ["CAP_KILL"],
				 "ambient": ["CAP_KILL"]},
		"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 200, "soft": 100}],
		"noNewPrivileges": true${4:-}
	},
	"root": {"path": "rootfs", "readonly": ${3:-false}},
	"hostname": "ocibox",
	"linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}],
		  "resources": {"memory": {"limit": 536870912},
				"cpu": {"quota": 200000, "period": 100000}}}${2:-}
}
EOF
}

# run_ok DESCRIPTION WANT-OUTPUT: run the bundle; its output must be WANT.
run_ok() {
	"$runsk" --root "$tmp/runs" run --bundle "$bundle" "c1" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	printf '%s\n' "$2" >"$tmp/want"
	if [ "$got" = 0 ] && cmp -s "$tmp/want" "$tmp/out"; then
		ok "$1"
	else
		fail "$1: status $got, output:"
		sed 's/^/    | /' "$tmp/out" "$tmp/err"
		echo "    wanted:"
		sed 's/^/    | /' "$tmp/want"
	fi
}

config '["sh", "-c", "echo \"$FOO\"; pwd; id -u; id -g; hostname; ulimit -n; grep -E \"^(CapEff|CapBnd|NoNewPrivs)\" /proc/self/status"]'
run_ok "args, env, cwd, user, hostname, rlimits, capabilities" "bar baz
/work
1000
1000
ocibox
100
CapEff:	0000000000000020
CapBnd:	0000000000000020
NoNewPrivs:	1"

# linux.resources: the memory limit is the sandbox's memory, quota/period its CPUs.
config '["sh", "-c", "nproc; grep MemTotal /proc/meminfo"]'
# stderr apart: under shadow paging runsk warns that threads run one at a time.
"$runsk" --root "$tmp/runs" run -b "$bundle" c1 >"$tmp/out" 2>"$tmp/err" </dev/null
mem=$(awk '/MemTotal/ { print $2 }' "$tmp/out")
if [ "$(head -1 "$tmp/out")" = 2 ] && [ "${mem:-0}" -gt 400000 ] && [ "${mem:-0}" -le 524288 ]; then
	ok "resources: 2 CPUs, MemTotal $mem kB"
else
	fail "resources: $(cat "$tmp/out" "$tmp/err")"
fi

config '["id", "-G"]'
"$runsk" --root "$tmp/runs" run -b "$bundle" c1 >"$tmp/out" 2>&1 </dev/null
if grep -qw 10 "$tmp/out" && grep -qw 20 "$tmp/out"; then
	ok "additionalGids: $(cat "$tmp/out")"
else
	fail "additionalGids: $(cat "$tmp/out")"
fi

config '["sh", "-c", "exit 7"]'
expect_status 7 "the container's exit status" "$runsk" --root "$tmp/runs" run --bundle "$bundle" c1

"$runsk" --root "$tmp/runs" run --bundle "$bundle" --pid-file "$tmp/pid" c1 >/dev/null 2>&1 </dev/null
if grep -Eq '^[0-9]+$' "$tmp/pid"; then ok "--pid-file"; else fail "--pid-file: $(cat "$tmp/pid" 2>&1)"; fi

# The root: writes stay in the sandbox's overlay; read-only refuses them.
config '["sh", "-c", "echo new >/work/motd && cat /work/motd"]'
run_ok "overlay root: writes are the sandbox's" "new"
if [ ! -e "$bundle/rootfs/work/motd" ]; then
	ok "overlay root: the image is unchanged"
else
	fail "overlay root: the image was written"
fi
config '["sh", "-c", "cat /etc/motd; touch /work/newfile"]' "" true
expect_status 1 "read-only root: touch fails" "$runsk" --root "$tmp/runs" run --bundle "$bundle" c1
if grep -q "rootfs file" "$tmp/out" && grep -qi "read-only" "$tmp/err" "$tmp/out"; then
	ok "read-only root: EROFS"
else
	fail "read-only root: $(cat "$tmp/out" "$tmp/err")"
fi

# Bind mounts: rw writes reach the host, ro ones are refused; tmpfs.
mounts=',
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
		{"destination": "/data", "type": "bind", "source": "'$tmp/hostdata'", "options": ["rbind", "rw"]},
		{"destination": "/mnt/ro", "type": "none", "source": "'$tmp/hostro'", "options": ["bind", "ro", "nosuid", "nodev", "noexec"]},
		{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=1777"]}
	]'
config '["sh", "-c", "echo written >/data/f && cat /mnt/ro/readme && echo t >/scratch/t && cat /scratch/t && touch /mnt/ro/x"]' "$mounts"
expect_status 1 "bind mounts: the ro one refuses touch" "$runsk" --root "$tmp/runs" run --bundle "$bundle" c1
if [ "$(cat "$tmp/hostdata/f" 2>&1)" = written ]; then
	ok "rw bind mount: the write reached the host"
else
	fail "rw bind mount: host file: $(cat "$tmp/hostdata/f" 2>&1); $(cat "$tmp/out" "$tmp/err")"
fi
if grep -q "from the host" "$tmp/out" && grep -qx t "$tmp/out" && grep -qi "read-only" "$tmp/err" "$tmp/out" &&
	[ ! -e "$tmp/hostro/x" ]; then
	ok "ro bind mount: readable, EROFS on write; tmpfs mount"
else
	fail "ro bind mount / tmpfs: $(cat "$tmp/out" "$tmp/err")"
fi
# A bind mount leads nowhere else on the host: not up, not through a symlink.
ln -s "$tmp/hostro" "$tmp/hostdata/escape"
config '["sh", "-c", "ls /data/..; cat /data/escape/readme"]' "$mounts"
expect_status 1 "bind mount: no way out" "$runsk" --root "$tmp/runs" run --bundle "$bundle" c1
if grep -qx work "$tmp/out" && grep -qx scratch "$tmp/out" && ! grep -q "from the host" "$tmp/out"; then
	ok "bind mount: .. is the container's /, a host symlink leads nowhere"
else
	fail "bind mount escape: $(cat "$tmp/out" "$tmp/err")"
fi
config '["sh", "-c", "cat /data/f; cwd=$(pwd); echo $cwd"]' "$mounts" true
run_ok "bind mount in a read-only root (mount point made)" "written
/work"

# The config.json `runc spec` writes (terminal off, as containerd's are).
cat >"$bundle/config.json" <<'EOF'
{
	"ociVersion": "1.0.2-dev",
	"process": {
		"terminal": false,
		"user": {"uid": 0, "gid": 0},
		"args": ["sh", "-c", "echo hi >/dev/shm/x && cat /dev/shm/x && ls -d /dev/pts /proc/self"],
		"env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
		"cwd": "/",
		"capabilities": {
			"bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
		},
		"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
		"noNewPrivileges": true
	},
	"root": {"path": "rootfs", "readonly": true},
	"hostname": "runc",
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		 "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
		{"destination": "/dev/pts", "type": "devpts", "source": "devpts",
		 "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
		{"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
		 "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
		{"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
		 "options": ["nosuid", "noexec", "nodev"]},
		{"destination": "/sys", "type": "sysfs", "source": "sysfs",
		 "options": ["nosuid", "noexec", "nodev", "ro"]},
		{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
		 "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
	],
	"linux": {
		"resources": {"devices": [{"allow": false, "access": "rwm"}]},
		"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"},
			       {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}],
		"maskedPaths": ["/proc/acpi", "/proc/kcore", "/sys/firmware"],
		"readonlyPaths": ["/proc/bus", "/proc/sys"]
	}
}
EOF
run_ok "runc spec's config.json" "hi
/dev/pts
/proc/self"

# Bad bundles: one line naming the field, status 1, nothing run.
# bad DESCRIPTION PATTERN: the current config.json is refused.
bad() {
	expect_status 1 "$1" "$runsk" --root "$tmp/runs" run --bundle "$bundle" c1
	expect_err_line "$2" "$1"
	[ -n "${OCI_SHOW:-}" ] && cat "$tmp/err"
}
config '["sh"]'
mv "$bundle/config.json" "$tmp/saved.json"
bad "missing config.json" "config.json: No such file"
echo '{"ociVersion": "1.0.2", "process": ' >"$bundle/config.json"
bad "truncated JSON" "config.json: line"
config '"sh"'
bad "args not an array" "process.args"
config '["sh"]' ', "mounts": [{"destination": "/x", "type": "nfs", "source": "a"}]'
bad "unknown mount type" "mounts\[0\]\.type: nfs"
config '["sh"]' ', "mounts": [{"destination": "x", "type": "tmpfs"}]'
bad "relative mount destination" "mounts\[0\]\.destination"
config '["sh"]' ', "mounts": [{"destination": "/x", "type": "tmpfs", "options": ["size=lots"]}]'
bad "bad tmpfs size" "mounts\[0\]\.options: size=lots"
config '["sh"]' ', "mounts": [{"destination": "/x", "type": "bind", "source": "/nonexistent-oci"}]'
bad "missing bind source" "mounts\[0\]\.source"
sed 's/"terminal": false/"terminal": true/' "$tmp/saved.json" >"$bundle/config.json"
bad "terminal true" "process.terminal.*console"
sed 's/"uid": 1000/"uid": -1/' "$tmp/saved.json" >"$bundle/config.json"
bad "negative uid" "process.user.uid"
sed 's/CAP_KILL"], "effective/CAP_NOPE"], "effective/' "$tmp/saved.json" >"$bundle/config.json"
bad "unknown capability" "process.capabilities.bounding"
sed 's/"soft": 100/"soft": 300/' "$tmp/saved.json" >"$bundle/config.json"
bad "rlimit soft above hard" "process.rlimits\[0\]"
sed 's/"path": "rootfs"/"path": "..\/.."/' "$tmp/saved.json" >"$bundle/config.json"
bad "relative root outside the bundle" "root.path.*outside the bundle"
sed 's/"ociVersion": "1.0.2"/"ociVersion": 1/' "$tmp/saved.json" >"$bundle/config.json"
bad "ociVersion not a string" "ociVersion"
echo '[]' >"$bundle/config.json"
bad "not an object" "top level"
cp "$tmp/saved.json" "$bundle/config.json"
expect_status 1 "bad container ID" "$runsk" --root "$tmp/runs" run --bundle "$bundle" "a/b"
expect_err_line "container ID" "bad container ID"

# The lifecycle. st STATUS: the container c2's state says STATUS (within 20 s).
st() {
	for _ in $(seq 1 40); do
		"$runsk" --root "$state" state c2 >"$tmp/state" 2>&1
		grep -q "\"status\": \"$1\"" "$tmp/state" && return 0
		sleep 0.5
	done
	return 1
}
state=$tmp/state-dir
config '["sh", "-c", "trap \"echo got TERM; exit 3\" TERM; echo started as $(id -u); while :; do sleep 1; done"]'
"$runsk" --root "$state" create --bundle "$bundle" --pid-file "$tmp/c2.pid" c2 >"$tmp/c2.out" 2>&1 </dev/null
if [ $? = 0 ] && st created && grep -q "\"pid\": $(cat "$tmp/c2.pid")," "$tmp/state"; then
	ok "create: state is created, pid as in --pid-file"
else
	fail "create: $(cat "$tmp/c2.out" "$tmp/state")"
fi
if "$runsk" --root "$state" list 2>&1 | grep -q '^c2 .* created '; then ok "list"; else fail "list: $("$runsk" --root "$state" list 2>&1)"; fi
if [ ! -s "$tmp/c2.out" ]; then ok "created: the process has not started"; else fail "created: it printed $(cat "$tmp/c2.out")"; fi
expect_status 1 "create: the ID is taken" "$runsk" --root "$state" create --bundle "$bundle" c2
expect_err_line "c2 already exists" "create: the ID is taken"
expect_status 0 "start" "$runsk" --root "$state" start c2
for _ in $(seq 1 40); do grep -q started "$tmp/c2.out" && break; sleep 0.5; done
if st running && grep -q "started as 1000" "$tmp/c2.out"; then ok "start: running, its output on create's stdout"; else fail "start: $(cat "$tmp/c2.out" "$tmp/state")"; fi
expect_status 1 "start twice" "$runsk" --root "$state" start c2
expect_status 1 "delete a running container" "$runsk" --root "$state" delete c2
expect_err_line "running.*--force" "delete a running container"
expect_status 0 "kill TERM" "$runsk" --root "$state" kill c2 TERM
if st stopped && grep -q "got TERM" "$tmp/c2.out"; then ok "kill: init's TERM handler ran, stopped"; else fail "kill: $(cat "$tmp/state" "$tmp/c2.out")"; fi
expect_status 0 "delete" "$runsk" --root "$state" delete c2
expect_status 1 "state after delete" "$runsk" --root "$state" state c2
expect_err_line "c2 does not exist" "state after delete"
"$runsk" --root "$state" create --bundle "$bundle" c3 >/dev/null 2>&1 </dev/null
expect_status 0 "delete --force of a created container" "$runsk" --root "$state" delete --force c3
cp "$bundle/config.json" "$tmp/good.json"
echo '{' >"$bundle/config.json"
expect_status 1 "create of a bad bundle" "$runsk" --root "$state" create --bundle "$bundle" c4
if [ -z "$(ls -A "$state")" ]; then ok "nothing left in --root"; else fail "left in --root: $(ls -A "$state")"; fi
cp "$tmp/good.json" "$bundle/config.json"

# run is recorded while it runs: state and kill reach it; the ID is taken.
config '["sh", "-c", "echo up; exec sleep 1000"]'
"$runsk" --root "$state" run --bundle "$bundle" c5 >"$tmp/c5.out" 2>&1 </dev/null &
c5=$!
for _ in $(seq 1 40); do grep -q up "$tmp/c5.out" && break; sleep 0.5; done
if "$runsk" --root "$state" state c5 2>&1 | grep -q '"status": "running"'; then ok "run: state says running"; else fail "run: state: $("$runsk" --root "$state" state c5 2>&1)"; fi
expect_status 1 "run: the ID is taken" "$runsk" --root "$state" run --bundle "$bundle" c5
expect_err_line "c5 already exists" "run: the ID is taken"
# init (sleep) does not handle SIGTERM: as under runc, it keeps running.
expect_status 0 "run: kill TERM" "$runsk" --root "$state" kill c5 SIGTERM
sleep 2
if kill -0 "$c5" 2>/dev/null; then ok "run: an init without a TERM handler survives TERM"; else fail "run: TERM ended an init that does not handle it"; fi
expect_status 0 "run: kill KILL" "$runsk" --root "$state" kill c5 KILL
wait "$c5"
rc=$?
if [ "$rc" = 137 ]; then ok "run: killed by KILL (137)"; else fail "run: status $rc; $(cat "$tmp/c5.out")"; fi
expect_status 0 "run: delete after KILL" "$runsk" --root "$state" delete c5
if [ -z "$(ls -A "$state")" ]; then ok "run: state removed"; else fail "run: left $(ls -A "$state")"; fi

# kill --all: every process gets the signal; sh's child dies, then sh (128 + 15).
config '["sh", "-c", "sleep 1000 & echo up; wait $!"]'
"$runsk" --root "$state" run --bundle "$bundle" c6 >"$tmp/c6.out" 2>&1 </dev/null &
c6=$!
for _ in $(seq 1 40); do grep -q up "$tmp/c6.out" && break; sleep 0.5; done
expect_status 0 "kill --all" "$runsk" --root "$state" kill --all c6 TERM
wait "$c6"
rc=$?
if [ "$rc" = 143 ] && [ -z "$(ls -A "$state")" ]; then ok "kill --all: the child died, then init (143)"; else fail "kill --all: status $rc, left $(ls -A "$state"); $(cat "$tmp/c6.out")"; fi

"$runsk" help >"$tmp/out" 2>&1
for c in run create start state kill delete list; do
	grep -q "^  $c " "$tmp/out" || fail "runsk help does not list $c"
done
ok "runsk help lists the OCI commands"

# Per-mount flags of OCI mounts (noexec, nosuid, nodev, ro), maskedPaths
# (a file shows /dev/null, a directory an empty read-only tmpfs, a missing
# path is skipped) and readonlyPaths (a read-only bind on itself).
cp "$bb" "$tmp/hostro/bb"
chmod 755 "$tmp/hostro/bb"
mkdir -p "$bundle/rootfs/secret"
echo hidden >"$bundle/rootfs/secret/s"
flags=',
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/mnt/ro", "type": "none", "source": "'$tmp/hostro'", "options": ["bind", "ro", "nosuid", "nodev", "noexec"]},
		{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["noexec", "size=1m"]}
	]'
config '["sh", "-c", "/mnt/ro/bb true 2>/dev/null; echo exec=$?; grep -E \" /(mnt/ro|scratch|secret|work) \" /proc/self/mountinfo | cut -d\" \" -f5,6; cat /etc/motd; ls /secret; echo listed; { echo x >/work/x; } 2>/dev/null || echo work-ro"]' "$flags"
sed -i 's|"linux": {|"linux": {"maskedPaths": ["/etc/motd", "/secret", "/no/such/path"], "readonlyPaths": ["/work", "/no/such"], |' "$bundle/config.json"
run_ok "noexec/ro bind and tmpfs flags, maskedPaths, readonlyPaths" "exec=126
/mnt/ro ro,nosuid,nodev,noexec,relatime
/scratch rw,noexec,relatime
/secret ro,relatime
/work ro,relatime
listed
work-ro"

finish
