#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# oci.sh RUNSK [BUSYBOX]: `runsk run` of OCI bundles built here from
# busybox-static: the process's args, env, cwd, user, groups, hostname and
# rlimits; the overlay root and a read-only root; bind mounts (writes reach
# the host directory; ro gives EROFS) and tmpfs; bad config.json files, each
# refused with one line naming the field and status 1; the lifecycle
# (create, state, list, start, kill, delete, pause, resume, events, update,
# hooks) in a state directory of its own.
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

# runsk spec writes a config.json that runs as it is; never over one.
mkdir -p "$tmp/specb"
cp -a "$bundle/rootfs" "$tmp/specb/rootfs" # a root.path that is a link out of its bundle is refused
expect_status 0 "spec" "$runsk" spec --bundle "$tmp/specb" -- sh -c 'echo from spec; hostname; id -u'
"$runsk" --root "$tmp/runs" run --bundle "$tmp/specb" s1 >"$tmp/out" 2>&1 </dev/null
if [ "$(cat "$tmp/out")" = "from spec
runsk
0" ]; then ok "spec: its bundle runs"; else fail "spec: the bundle: $(cat "$tmp/out")"; fi
expect_status 1 "spec over a config.json" "$runsk" spec --bundle "$tmp/specb"
expect_err_line "config.json exists" "spec over a config.json"

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
config '["sh"]' ', "annotations": {"a": 1}'
bad "an annotation not a string" "annotations\.a: must be a string"
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

# create looks for process.args[0] in the rootfs as runc does: a program
# that is not there fails create with one line; one that a mount may
# hold is left to start. Links resolve inside the rootfs.
mkdir -p "$bundle/rootfs/only-here"
ln -s ../bin/busybox "$bundle/rootfs/only-here/prog"
ln -s /only-here/prog "$bundle/rootfs/bin/abs-link"
ln -s nowhere "$bundle/rootfs/bin/dangling"
: >"$bundle/rootfs/bin/noexec"
# create_check STATUS DESCRIPTION ARGS-JSON [ERROR-PATTERN] [EXTRA-JSON]
create_check() {
	config "$3" "${5:-}"
	expect_status "$1" "create: $2" "$runsk" --root "$state" create --bundle "$bundle" x1
	[ -z "${4:-}" ] || expect_err_line "$4" "create: $2"
	"$runsk" --root "$state" delete --force x1 >/dev/null 2>&1
}
create_check 1 "a bare name not in PATH" '["nosuch"]' 'args\[0\] "nosuch": executable file not found in \$PATH'
create_check 1 "a dangling link in PATH" '["dangling"]' 'not found in \$PATH'
create_check 1 "a missing path" '["/bin/nosuch"]' '"/bin/nosuch": No such file or directory'
create_check 1 "a file without x" '["/bin/noexec"]' 'noexec": Permission denied'
create_check 1 "a directory" '["/only-here"]' 'Permission denied'
create_check 0 "an absolute link, resolved in the rootfs" '["abs-link"]'
create_check 0 "a relative path from process.cwd" '["../only-here/prog"]'
create_check 0 "a path under a bind mount: left to start" '["/opt/tools/run"]' "" \
	', "mounts": [{"destination": "/opt/tools", "type": "bind", "source": "'"$tmp/hostdata"'", "options": ["rbind"]}]'
if [ -z "$(ls -A "$state")" ]; then ok "create checks: nothing left in --root"; else fail "left in --root: $(ls -A "$state")"; fi
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


# process.terminal with --console-socket, runc's protocol: console_recv
# takes the pty's master as containerd's shim does and types into it. The
# guest sees a terminal of the Sentry on fds 0-2: its name, the
# consoleSize, a line read, a resize (SIGWINCH), ^C to the foreground group.
recv=$(dirname "$0")/console_recv
if [ -x "$recv" ]; then
	for a in tty stty; do ln -sf busybox "$bundle/rootfs/bin/$a"; done
	# runsk's own warnings (shadow paging) go to the terminal, its stderr.
	warn='^W [0-9.]* runsk\['
	config '["sh", "-c", "trap \"echo trapped\" INT; trap \"w=1; echo winched\" WINCH; tty; stty size; read x; echo got $x; while [ -z \"$w\" ]; do sleep 0.1; done; stty size; sh -c \"echo sleeping; exec sleep 100\"; echo after $?"]' '' '' ',
		"consoleSize": {"height": 33, "width": 101}'
	sed -i 's/"terminal": false/"terminal": true/' "$bundle/config.json"
	"$recv" "$tmp/console.sock" 60 'expect=33 101' 'send=hello\n' 'expect=got hello' \
		'winsz=40x120' 'expect=40 120' 'expect=sleeping' 'pause=2' 'send=\x03' 'expect=after' \
		-- sh -c "'$runsk' --root '$state' create --console-socket '$tmp/console.sock' -b '$bundle' t1 && '$runsk' --root '$state' start t1" \
		>"$tmp/out" 2>"$tmp/err"
	got=$?
	printf '%s\n' "name: /dev/ptmx" /dev/pts/0 "33 101" hello "got hello" winched "40 120" \
		sleeping "^Ctrapped" "after 130" >"$tmp/want"
	tr -d '\r' <"$tmp/out" | grep -v "$warn" >"$tmp/got"
	if [ "$got" = 0 ] && cmp -s "$tmp/want" "$tmp/got"; then
		ok "terminal: tty, stty size, read, resize, ^C through --console-socket"
	else
		fail "terminal: status $got, output:"
		sed 's/^/    | /' "$tmp/got" "$tmp/err"
	fi
	st_t1() { "$runsk" --root "$state" state t1 2>&1 | grep -q '"status": "stopped"'; }
	for _ in $(seq 1 20); do st_t1 && break; sleep 0.5; done
	if st_t1; then ok "terminal: the container stopped"; else fail "terminal: not stopped"; fi
	expect_status 0 "terminal: delete" "$runsk" --root "$state" delete t1
	# An interactive shell: job control puts sleep in a group of its own,
	# the foreground one (TIOCSPGRP): ^C ends it and the shell lives on.
	config '["sh"]' '' '' ', "consoleSize": {"height": 24, "width": 80}'
	sed -i 's/"terminal": false/"terminal": true/' "$bundle/config.json"
	"$recv" "$tmp/console.sock" 60 'expect=$ ' "send=sh -c 'echo sl\"\"eeping; exec sleep 100'\\n" \
		'expect=sleeping' 'pause=1' 'send=\x03' \
		'send=echo alive $?\n' 'expect=alive 130' 'send=exit\n' \
		-- "$runsk" --root "$state" run --console-socket "$tmp/console.sock" -b "$bundle" t4 \
		>"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" = 0 ]; then
		ok "terminal: an interactive sh, ^C ends its foreground sleep only"
	else
		fail "terminal: interactive sh: status $got: $(cat "$tmp/out" "$tmp/err")"
	fi
	# run in the foreground with a console socket: the pty is its stdio too.
	config '["tty"]' '' '' ', "consoleSize": {"height": 5, "width": 7}'
	sed -i 's/"terminal": false/"terminal": true/' "$bundle/config.json"
	"$recv" "$tmp/console.sock" 60 -- "$runsk" --root "$state" run --console-socket "$tmp/console.sock" \
		-b "$bundle" t2 >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" = 0 ] && [ "$(tr -d '\r' <"$tmp/out" | grep -v "$warn")" = "name: /dev/ptmx
/dev/pts/0" ]; then
		ok "terminal: run --console-socket"
	else
		fail "terminal: run --console-socket: status $got: $(cat "$tmp/out" "$tmp/err")"
	fi
	# run from a terminal and no --console-socket: that terminal is the container's.
	config '["sh", "-c", "tty; stty size; read x; echo got $x"]'
	sed -i 's/"terminal": false/"terminal": true/' "$bundle/config.json"
	"$recv" - 60 'expect=24 80' 'send=hi\n' 'expect=got hi' \
		-- "$runsk" --root "$state" run -b "$bundle" t5 >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" = 0 ] && [ "$(tr -d '\r' <"$tmp/out" | grep -v "$warn")" = "name: self
/dev/pts/0
24 80
hi
got hi" ]; then
		ok "terminal: run from a terminal"
	else
		fail "terminal: run from a terminal: status $got: $(cat "$tmp/out" "$tmp/err")"
	fi
	expect_status 1 "terminal: a bad --console-socket" "$runsk" --root "$state" create \
		--console-socket "$tmp/no-such.sock" -b "$bundle" t3
	expect_err_line "console-socket.*no-such.sock" "terminal: a bad --console-socket"
	expect_status 1 "terminal: create without --console-socket" "$runsk" --root "$state" create \
		-b "$bundle" t3
	expect_err_line "process.terminal.*--console-socket" "terminal: create without --console-socket"
	if [ -z "$(ls -A "$state")" ]; then ok "terminal: nothing left in --root"; else fail "terminal: left $(ls -A "$state")"; fi
	cp "$tmp/good.json" "$bundle/config.json"
else
	echo "skip terminal: no console_recv next to $0"
fi

# Single-file bind mounts, as Kubernetes makes for /etc/hosts and
# /etc/resolv.conf: the host's content shows, a write to the rw one reaches
# the host file, the ro one gives EROFS, neither can be renamed or removed
# (EBUSY, as Linux: a mount point), and mountinfo lists both with their
# flags. A file onto a directory, a directory onto a file and a FIFO as
# the source are refused with one line naming the mount.
printf '127.0.0.1 localhost\n' >"$tmp/hosts"
printf 'nameserver 10.0.0.10\n' >"$tmp/resolv.conf"
chmod 666 "$tmp/hosts" "$tmp/resolv.conf"
chmod 777 "$bundle/rootfs/etc" # user 1000 may try to rename in it: EBUSY, not EACCES
filebinds=',
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/etc/hosts", "type": "bind", "source": "'$tmp/hosts'", "options": ["rbind", "rw"]},
		{"destination": "/etc/resolv.conf", "type": "bind", "source": "'$tmp/resolv.conf'", "options": ["rbind", "ro", "nosuid", "nodev", "noexec"]}
	]'
config '["sh", "-c", "cat /etc/hosts /etc/resolv.conf; echo \"10.0.0.7 pod\" >>/etc/hosts; echo x >/etc/resolv.conf; mv /etc/hosts /etc/h2; rm /etc/resolv.conf; ls /etc; grep -E \" /etc/(hosts|resolv.conf) \" /proc/self/mountinfo | cut -d\" \" -f5,6"]' "$filebinds"
"$runsk" --root "$tmp/runs" run --bundle "$bundle" c1 >"$tmp/out" 2>"$tmp/err" </dev/null
printf '%s\n' "127.0.0.1 localhost" "nameserver 10.0.0.10" hosts motd resolv.conf \
	"/etc/hosts rw,relatime" "/etc/resolv.conf ro,nosuid,nodev,noexec,relatime" >"$tmp/want"
if cmp -s "$tmp/want" "$tmp/out"; then
	ok "file bind mounts: content, mountinfo"
else
	fail "file bind mounts: output:"
	sed 's/^/    | /' "$tmp/out" "$tmp/err"
fi
if [ "$(cat "$tmp/hosts")" = "127.0.0.1 localhost
10.0.0.7 pod" ] && [ "$(cat "$tmp/resolv.conf")" = "nameserver 10.0.0.10" ]; then
	ok "file bind mounts: the rw write reached the host, the ro file is unchanged"
else
	fail "file bind mounts: host files: $(cat "$tmp/hosts" "$tmp/resolv.conf")"
fi
if grep -q "resolv.conf: Read-only file system" "$tmp/err" &&
	[ "$(grep -ci "resource busy" "$tmp/err")" = 2 ]; then
	ok "file bind mounts: EROFS on the ro one, EBUSY for mv and rm"
else
	fail "file bind mounts: stderr:"
	sed 's/^/    | /' "$tmp/err"
fi
# A dangling symlink as the destination (an image's /etc/hostname pointing
# into an empty /run) gets its target made and mounted on, as runc does;
# /dev/termination-log lands on the Sentry's own /dev.
ln -s ../run/host/hostname "$bundle/rootfs/etc/hostname"
printf 'pod-1\n' >"$tmp/hostname"
: >"$tmp/termlog"
chmod 666 "$tmp/termlog"
config '["sh", "-c", "cat /etc/hostname /run/host/hostname; echo done >/dev/termination-log; grep -E \" /(run/host/hostname|dev/termination-log) \" /proc/self/mountinfo | cut -d\" \" -f5 | sort"]' ',
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/etc/hostname", "type": "bind", "source": "'$tmp/hostname'", "options": ["rbind", "ro"]},
		{"destination": "/dev/termination-log", "type": "bind", "source": "'$tmp/termlog'", "options": ["rbind", "rw"]}
	]'
run_ok "file bind mounts: through a dangling symlink, and on /dev" "pod-1
pod-1
/dev/termination-log
/run/host/hostname"
if [ "$(cat "$tmp/termlog")" = done ]; then
	ok "file bind mounts: /dev/termination-log reached the host"
else
	fail "file bind mounts: termination-log: $(cat "$tmp/termlog")"
fi
rm "$bundle/rootfs/etc/hostname"
chmod 755 "$bundle/rootfs/etc"

# A file onto a directory, a directory onto a file, a FIFO: refused.
config '["true"]' ',
	"mounts": [{"destination": "/work", "type": "bind", "source": "'$tmp/hosts'", "options": ["bind"]}]'
# 125: the sandbox could not start (runc's status too).
expect_status 125 "file bind onto a directory" "$runsk" --root "$tmp/runs" run --bundle "$bundle" c1
expect_err_line "/work.*file.*directory" "file bind onto a directory"
config '["true"]' ',
	"mounts": [{"destination": "/etc/motd", "type": "bind", "source": "'$tmp/hostro'", "options": ["bind"]}]'
expect_status 125 "directory bind onto a file" "$runsk" --root "$tmp/runs" run --bundle "$bundle" c1
expect_err_line "/etc/motd.*directory.*file" "directory bind onto a file"
mkfifo "$tmp/fifo"
config '["true"]' ',
	"mounts": [{"destination": "/etc/fifo", "type": "bind", "source": "'$tmp/fifo'", "options": ["bind"]}]'
expect_status 1 "FIFO bind source" "$runsk" --root "$tmp/runs" run --bundle "$bundle" c1
expect_err_line "mounts\[0\].source.*fifo.*directories and regular files" "FIFO bind source"

# linux.seccomp: compiled with libseccomp as runc does, attached to init
# and to exec'd processes inside the sandbox.
# seccomp_config ARGS-JSON SECCOMP-JSON
seccomp_config() {
	config "$1"
	sed -i "s|\"linux\": {|\"linux\": {\"seccomp\": $2,|" "$bundle/config.json" &&
		grep -q '"seccomp"' "$bundle/config.json" || fail "seccomp_config: cannot edit config.json"
}
allow_but='"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]'
seccomp_config '["sh", "-c", "mkdir /work/d 2>/dev/null || echo no mkdir; touch /work/f && echo touched; grep -E \"^Seccomp(_filters)?:\" /proc/self/status"]' \
	"{$allow_but, \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\", \"no_such_syscall\"], \"action\": \"SCMP_ACT_ERRNO\"}]}"
run_ok "seccomp: ERRNO (EPERM) for mkdir, the rest allowed, unknown names skipped" "no mkdir
touched
Seccomp:	2
Seccomp_filters:	1"
seccomp_config '["sh", "-c", "mkdir /work/d 2>&1"]' \
	"{$allow_but, \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]}"
expect_status 1 "seccomp: errnoRet" "$runsk" --root "$tmp/runs" run --bundle "$bundle" c1
grep -q "Permission denied" "$tmp/out" && ok "seccomp: errnoRet 13 is EACCES" || fail "seccomp: errnoRet: $(cat "$tmp/out")"
# Conditions on arguments: creating files is refused, opening them is not.
# o_creat SYSCALL FLAGS-INDEX: the rule, on one line (seccomp_config's sed needs that).
o_creat() {
	printf '{"names": ["%s"], "action": "SCMP_ACT_ERRNO", "args": [{"index": %s, "value": 64, "valueTwo": 64, "op": "SCMP_CMP_MASKED_EQ"}]}' "$1" "$2"
}
seccomp_config '["sh", "-c", "cat /etc/motd; touch /work/g 2>/dev/null || echo no create"]' \
	"{$allow_but, \"syscalls\": [$(o_creat openat 2), $(o_creat open 1)]}"
run_ok "seccomp: a MASKED_EQ condition on open's flags" "rootfs file
no create"
seccomp_config '["sh", "-c", "mkdir /work/d; echo status $?"]' \
	"{$allow_but, \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"}]}"
run_ok "seccomp: KILL_PROCESS is death by SIGSYS" "status 159"
seccomp_config '["sh", "-c", "echo up; exec sleep 1000"]' \
	"{$allow_but, \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\"}]}"
"$runsk" --root "$tmp/sc" create --bundle "$bundle" s1 >"$tmp/s1.out" 2>&1 </dev/null
"$runsk" --root "$tmp/sc" start s1
for _ in $(seq 1 40); do grep -q up "$tmp/s1.out" && break; sleep 0.5; done
"$runsk" --root "$tmp/sc" exec s1 sh -c 'mkdir /work/e 2>/dev/null || echo no mkdir; grep "^Seccomp:" /proc/self/status' >"$tmp/out" 2>&1 </dev/null
printf 'no mkdir\nSeccomp:\t2\n' | cmp -s - "$tmp/out" && ok "seccomp: an exec'd process runs the filter too" ||
	fail "seccomp: exec: $(cat "$tmp/out")"
"$runsk" --root "$tmp/sc" kill s1 KILL
for _ in $(seq 1 40); do "$runsk" --root "$tmp/sc" state s1 2>/dev/null | grep -q stopped && break; sleep 0.25; done
"$runsk" --root "$tmp/sc" delete s1
seccomp_config '["sh"]' '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
bad "seccomp: SCMP_ACT_NOTIFY" "linux.seccomp.syscalls\[0\]: SCMP_ACT_NOTIFY: not supported"
seccomp_config '["sh"]' '{"defaultAction": "SCMP_ACT_SOMETIMES"}'
bad "seccomp: unknown default action" "linux.seccomp.defaultAction: unknown action SCMP_ACT_SOMETIMES"
seccomp_config '["sh"]' '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]}'
bad "seccomp: unknown architecture" "linux.seccomp.architectures\[0\]: unknown architecture"
seccomp_config '["sh"]' '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}'
bad "seccomp: argument index 6" "linux.seccomp.syscalls\[0\].args\[0\]: index"
seccomp_config '["sh"]' '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NEW_LISTENER"]}'
bad "seccomp: NEW_LISTENER flag" "linux.seccomp.flags\[0\]: unknown or unsupported flag"

# runsk exec: one more process in a running container, as runc exec; the
# host proxy lives as long as it, passes signals on and ends with its status.
ln -sf busybox "$bundle/rootfs/bin/ps"
state=$tmp/state-exec
config '["sh", "-c", "echo up; exec sleep 1000"]'
"$runsk" --root "$state" create --bundle "$bundle" e1 >"$tmp/e1.out" 2>&1 </dev/null
expect_status 255 "exec: into a created container" "$runsk" --root "$state" exec e1 true
expect_err_line "created, not running" "exec: into a created container"
"$runsk" --root "$state" start e1
for _ in $(seq 1 40); do grep -q up "$tmp/e1.out" && break; sleep 0.5; done
# exec_out DESCRIPTION WANT-STATUS WANT-OUTPUT EXEC-ARGS...
exec_out() {
	what=$1 want=$2 wout=$3
	shift 3
	"$runsk" --root "$state" exec "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	printf '%s\n' "$wout" >"$tmp/want"
	if [ "$got" = "$want" ] && cmp -s "$tmp/want" "$tmp/out"; then
		ok "exec: $what"
	else
		fail "exec: $what: status $got (want $want), output:"
		sed 's/^/    | /' "$tmp/out" "$tmp/err"
	fi
}
exec_out "output and exit status" 5 "hi" e1 sh -c 'echo hi; exit 5'
exec_out "the bundle's env, cwd and user" 0 "bar baz
/work
1000
1000" e1 sh -c 'echo "$FOO"; pwd; id -u; id -g'
exec_out "--env, --cwd, --user" 0 "1 bar baz
/bin
0
7" --env X=1 --cwd /bin --user 0:7 e1 sh -c 'echo "$X" "$FOO"; pwd; id -u; id -g'
exec_out "no parent in the container (ppid 0, as runc's)" 0 "0" e1 sh -c 'echo $PPID'
# --process, as containerd's shim passes it: the whole process.
cat >"$tmp/process.json" <<'PEOF'
{"terminal": false, "user": {"uid": 1000, "gid": 1000, "additionalGids": [30]},
 "args": ["sh", "-c", "echo \"$P\"; pwd; id -u; id -G"], "env": ["PATH=/bin", "P=from json"],
 "cwd": "/etc", "noNewPrivileges": true}
PEOF
exec_out "--process process.json" 0 "from json
/etc
1000
1000 30" --process "$tmp/process.json" e1
sed 's/"terminal": false/"terminal": true/' "$tmp/process.json" >"$tmp/tty.json"
expect_status 255 "exec: a terminal needs a console socket or ours" "$runsk" --root "$state" exec --process "$tmp/tty.json" e1
expect_err_line "terminal" "exec: a terminal needs a console socket or ours"
echo piped | "$runsk" --root "$state" exec e1 cat >"$tmp/out" 2>&1
if [ "$(cat "$tmp/out")" = piped ]; then ok "exec: stdin is the caller's"; else fail "exec: stdin: $(cat "$tmp/out")"; fi
"$runsk" --root "$state" exec e1 ps >"$tmp/out" 2>&1 </dev/null
if grep -Eq '^ *1 .*sleep 1000' "$tmp/out" && grep -Eq ' ps$' "$tmp/out"; then ok "exec: ps shows init and itself"; else fail "exec: ps: $(cat "$tmp/out")"; fi
expect_status 255 "exec: a missing program" "$runsk" --root "$state" exec e1 nosuch
expect_err_line "exec failed: .*\"nosuch\": executable file not found in \\\$PATH" "exec: a missing program"
expect_status 255 "exec: a missing cwd" "$runsk" --root "$state" exec --cwd /nonexistent e1 true
expect_err_line "chdir to cwd" "exec: a missing cwd"
expect_status 255 "exec: no such container" "$runsk" --root "$state" exec nosuch true
expect_err_line "nosuch does not exist" "exec: no such container"
# Signals to the proxy reach the process: in the foreground, its status is runsk's.
"$runsk" --root "$state" exec e1 sh -c 'trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 1; done' >"$tmp/fg.out" 2>&1 </dev/null &
fg=$!
for _ in $(seq 1 40); do grep -q ready "$tmp/fg.out" && break; sleep 0.5; done
kill -TERM "$fg"
wait "$fg"
rc=$?
if [ "$rc" = 7 ] && grep -q "got TERM" "$tmp/fg.out"; then ok "exec: TERM to runsk exec reaches the process (status 7)"; else fail "exec: TERM: status $rc, $(cat "$tmp/fg.out")"; fi
# --detach --pid-file, as containerd's shim runs it: the pid is the proxy's.
"$runsk" --root "$state" exec --detach --pid-file "$tmp/x.pid" e1 sh -c 'trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 1; done' >"$tmp/x.out" 2>&1 </dev/null
rc=$?
for _ in $(seq 1 40); do grep -q ready "$tmp/x.out" && break; sleep 0.5; done
xpid=$(cat "$tmp/x.pid" 2>/dev/null)
if [ "$rc" = 0 ] && [ -n "$xpid" ] && kill -0 "$xpid" 2>/dev/null; then ok "exec --detach: status 0, the proxy runs"; else fail "exec --detach: status $rc, pid '$xpid', $(cat "$tmp/x.out")"; fi
kill -TERM "$xpid" 2>/dev/null
for _ in $(seq 1 40); do kill -0 "$xpid" 2>/dev/null || break; sleep 0.5; done
if ! kill -0 "$xpid" 2>/dev/null && grep -q "got TERM" "$tmp/x.out"; then ok "exec --detach: TERM to the proxy ran the trap, both ended"; else fail "exec --detach: TERM: $(cat "$tmp/x.out")"; fi
# KILL of the proxy kills the process: nothing of it is left in the sandbox.
"$runsk" --root "$state" exec --detach --pid-file "$tmp/y.pid" e1 sleep 999 </dev/null >/dev/null 2>&1
kill -KILL "$(cat "$tmp/y.pid")"
sleep 1
"$runsk" --root "$state" exec e1 ps >"$tmp/out" 2>&1 </dev/null
if ! grep -q "sleep 999" "$tmp/out"; then ok "exec: KILL of the proxy ends the process"; else fail "exec: after KILL of the proxy: $(cat "$tmp/out")"; fi
# The container's end ends its exec'd processes: their runsk exec sees KILL (137).
"$runsk" --root "$state" exec e1 sleep 999 >/dev/null 2>&1 </dev/null &
bg=$!
sleep 2
"$runsk" --root "$state" kill e1 KILL
wait "$bg"
rc=$?
if [ "$rc" = 137 ]; then ok "exec: killed with its container (137)"; else fail "exec: with its container killed: status $rc"; fi
for _ in $(seq 1 40); do "$runsk" --root "$state" state e1 2>&1 | grep -q stopped && break; sleep 0.5; done
expect_status 255 "exec: into a stopped container" "$runsk" --root "$state" exec e1 true
expect_err_line "cannot exec in a stopped container" "exec: into a stopped container"
"$runsk" --root "$state" delete e1
if [ -z "$(ls -A "$state")" ]; then ok "exec: delete leaves nothing (control.sock)"; else fail "exec: left $(ls -A "$state" "$state"/*)"; fi
# exec into a container of runsk run.
config '["sh", "-c", "echo up; exec sleep 1000"]'
"$runsk" --root "$state" run --bundle "$bundle" e2 >"$tmp/e2.out" 2>&1 </dev/null &
e2=$!
for _ in $(seq 1 40); do grep -q up "$tmp/e2.out" && break; sleep 0.5; done
exec_out "into a container of runsk run" 0 "hi from run" e2 echo hi from run
"$runsk" --root "$state" kill e2 KILL
wait "$e2"
"$runsk" --root "$state" delete e2 2>/dev/null


# The rest of runc's lifecycle: OCI hooks (each writes the state JSON it
# got on stdin and its env to $tmp/hk.NAME), pause and resume (a guest
# loop's output stops while paused; a signal waits for resume), events
# --stats and a stream, update, and create failing on a hook.
state=$tmp/state-life
cat >"$tmp/hook" <<'HEOF'
#!/bin/sh
cat >"$1"
echo " env=$HOOK_ENV" >>"$1"
exit "$2"
HEOF
chmod 755 "$tmp/hook"
# hook NAME [STATUS]: a hook entry writing $tmp/hk.NAME and exiting STATUS.
hook() {
	printf '{"path": "%s", "args": ["hook", "%s", "%s"], "env": ["HOOK_ENV=%s"]}' \
		"$tmp/hook" "$tmp/hk.$1" "${2:-0}" "$1"
}
# hook_has NAME PATTERN...: $tmp/hk.NAME holds every (fixed) PATTERN.
hook_has() {
	f=$tmp/hk.$1
	shift
	[ -f "$f" ] || return 1
	for p; do grep -qF "$p" "$f" || return 1; done
}
ticks() { grep -c tick "$tmp/l1.out"; }
lst() { "$runsk" --root "$state" state l1 2>&1 | grep -q "\"status\": \"$1\""; }
hooks=', "annotations": {"org.example/note": "a b"}, "hooks": {"prestart": ['$(hook prestart)'], "createRuntime": ['$(hook createRuntime)'],
	"createContainer": ['$(hook createContainer)'], "startContainer": ['$(hook startContainer)'],
	"poststart": ['$(hook poststart)'], "poststop": ['$(hook poststop 1)', '$(hook poststop2)']}'
rm -f "$tmp"/hk.*
config '["sh", "-c", "trap \"echo got TERM; exit 3\" TERM; while :; do echo tick; sleep 0.2; done"]' "$hooks"
"$runsk" --root "$state" create --bundle "$bundle" --pid-file "$tmp/l1.pid" l1 >"$tmp/l1.out" 2>&1 </dev/null
pid=$(cat "$tmp/l1.pid" 2>/dev/null)
rb=$(cd "$bundle" && pwd -P)
if hook_has prestart '"id":"l1"' '"status":"creating"' "\"pid\":$pid," "\"bundle\":\"$rb\"" "env=prestart" &&
	hook_has createRuntime '"status":"creating"' "env=createRuntime" &&
	hook_has createContainer '"status":"creating"' '"annotations":{"org.example/note":"a b"}' &&
	[ ! -e "$tmp/hk.startContainer" ]; then
	ok "hooks: prestart, createRuntime, createContainer in create, with the state and env"
else
	fail "hooks in create: $(cat "$tmp"/hk.* "$tmp/l1.out" 2>&1)"
fi
if "$runsk" --root "$state" state l1 2>&1 | grep -qF '"org.example/note": "a b"'; then
	ok "state: the bundle's annotations"
else
	fail "state: no annotations: $("$runsk" --root "$state" state l1 2>&1)"
fi
expect_status 0 "hooks: start" "$runsk" --root "$state" start l1
if hook_has startContainer '"status":"created"' "\"pid\":$pid," && hook_has poststart '"status":"running"'; then
	ok "hooks: startContainer and poststart in start"
else
	fail "hooks in start: $(cat "$tmp"/hk.start* "$tmp"/hk.poststart 2>&1)"
fi
for _ in $(seq 1 40); do [ "$(ticks)" -gt 2 ] && break; sleep 0.5; done
"$runsk" --root "$state" events --interval 300ms l1 >"$tmp/events" 2>&1 &
events=$!
expect_status 0 "pause" "$runsk" --root "$state" pause l1
n1=$(ticks)
sleep 2
n2=$(ticks)
if lst paused && [ "$n1" = "$n2" ] && "$runsk" --root "$state" list | grep -q '^l1 .* paused '; then
	ok "pause: state and list say paused, the loop stopped ($n1 ticks)"
else
	fail "pause: ticks $n1 then $n2; $("$runsk" --root "$state" state l1 2>&1)"
fi
expect_status 1 "pause twice" "$runsk" --root "$state" pause l1
expect_status 1 "delete a paused container" "$runsk" --root "$state" delete l1
expect_err_line "paused.*--force" "delete a paused container"
expect_status 255 "exec in a paused container" "$runsk" --root "$state" exec l1 true
expect_err_line "cannot exec in a paused container" "exec in a paused container"
expect_status 0 "resume" "$runsk" --root "$state" resume l1
sleep 2
if lst running && [ "$(ticks)" -gt "$n2" ]; then ok "resume: running, the loop goes on"; else fail "resume: $(ticks) ticks after $n2"; fi
expect_status 1 "resume a running container" "$runsk" --root "$state" resume l1
expect_err_line "running, not paused" "resume a running container"
"$runsk" --root "$state" events --stats l1 >"$tmp/stats" 2>&1
if [ "$(grep -c '' "$tmp/stats")" = 1 ] &&
	grep -Eq '^\{"type":"stats","id":"l1","data":\{"cpu":\{"usage":\{"total":[1-9][0-9]*,.*"memory":\{"usage":\{"limit":536870912,"usage":[1-9]' "$tmp/stats"; then
	ok "events --stats: one JSON line with cpu and memory"
else
	fail "events --stats: $(cat "$tmp/stats")"
fi
echo '{"memory": {"limit": 268435456}, "cpu": {"shares": 512, "quota": 50000, "period": 100000}, "pids": {"limit": 100}}' |
	"$runsk" --root "$state" update --resources - l1 >"$tmp/out" 2>&1
rc=$?
"$runsk" --root "$state" update --pids-limit 42 --cpu-share 1024 --memory 1G l1 >>"$tmp/out" 2>&1
rc2=$?
"$runsk" --root "$state" events --stats l1 >"$tmp/stats" 2>&1
if [ "$rc" = 0 ] && [ "$rc2" = 0 ] && [ ! -s "$tmp/out" ] && grep -q '"pids":{"limit":42}' "$tmp/stats"; then
	ok "update: --resources - and runc's flags accepted, recorded"
else
	fail "update: status $rc $rc2: $(cat "$tmp/out" "$tmp/stats")"
fi
echo '{"memory": {"limit": "lots"}}' >"$tmp/res.json"
expect_status 1 "update: a bad --resources" "$runsk" --root "$state" update -r "$tmp/res.json" l1
expect_err_line "memory.limit" "update: a bad --resources"
# A signal to a paused container waits for resume, as runc's frozen cgroup.
"$runsk" --root "$state" pause l1
expect_status 0 "kill TERM while paused" "$runsk" --root "$state" kill l1 TERM
sleep 1
if lst paused && ! grep -q "got TERM" "$tmp/l1.out"; then ok "kill while paused: not delivered yet"; else fail "kill while paused: $(tail -2 "$tmp/l1.out")"; fi
"$runsk" --root "$state" resume l1
for _ in $(seq 1 40); do lst stopped && break; sleep 0.5; done
if lst stopped && grep -q "got TERM" "$tmp/l1.out"; then ok "kill while paused: delivered on resume"; else fail "kill on resume: $(tail -2 "$tmp/l1.out")"; fi
for _ in $(seq 1 20); do kill -0 "$events" 2>/dev/null || break; sleep 0.5; done
if ! kill -0 "$events" 2>/dev/null && [ "$(grep -c '^{"type":"stats","id":"l1"' "$tmp/events")" -ge 2 ]; then
	ok "events: a stats line every interval, until the container stopped"
else
	kill "$events" 2>/dev/null
	fail "events stream: $(head -c 300 "$tmp/events")"
fi
"$runsk" --root "$state" delete l1 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" = 0 ] && hook_has poststop '"status":"stopped"' '"pid":0,' && hook_has poststop2 '"id":"l1"' &&
	grep -q "warning: error running poststop hook #0: exit status 1" "$tmp/err" && [ -z "$(ls -A "$state")" ]; then
	ok "hooks: poststop in delete; a failing one is a warning, the next runs"
else
	fail "poststop: status $rc: $(cat "$tmp/err" "$tmp"/hk.poststop* 2>&1)"
fi
# A failing createRuntime hook fails create, runs poststop, leaves nothing.
rm -f "$tmp"/hk.*
config '["sh"]' ', "hooks": {"createRuntime": ['"$(hook createRuntime 2)"'], "poststop": ['"$(hook poststop)"']}'
expect_status 1 "create with a failing createRuntime hook" "$runsk" --root "$state" create --bundle "$bundle" hookfail1
expect_err_line "createRuntime hook #0: exit status 2" "create with a failing createRuntime hook"
if [ -z "$(ls -A "$state")" ] && ! grep -lsa "hookfai[l]1" /proc/[0-9]*/cmdline >/dev/null && hook_has poststop '"status":"stopped"'; then
	ok "failing createRuntime: poststop ran, no state, no process left"
else
	fail "failing createRuntime: left $(ls -A "$state"); $(grep -lsa "hookfai[l]1" /proc/[0-9]*/cmdline)"
fi
config '["sh"]' ', "hooks": {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "60"], "timeout": 1}]}'
start=$(date +%s)
expect_status 1 "a hook past its timeout" "$runsk" --root "$state" create --bundle "$bundle" hookfail2
expect_err_line "timeout of 1s" "a hook past its timeout"
if [ $(($(date +%s) - start)) -lt 10 ] && [ -z "$(ls -A "$state")" ]; then ok "hook timeout: killed in time, nothing left"; else fail "hook timeout: $(ls -A "$state")"; fi
config '["true"]' ', "hooks": {"poststop": [{"path": "hook"}]}'
expect_status 1 "a relative hook path" "$runsk" --root "$state" create --bundle "$bundle" hookfail3
expect_err_line "hooks.poststop\[0\].path: hook: must be an absolute path" "a relative hook path"
# runsk run runs them too.
rm -f "$tmp"/hk.*
config '["sh", "-c", "echo ran"]' ', "hooks": {"createRuntime": ['"$(hook createRuntime)"'], "startContainer": ['"$(hook startContainer)"'], "poststart": ['"$(hook poststart)"'], "poststop": ['"$(hook poststop)"']}'
run_ok "hooks: runsk run" "ran"
if hook_has createRuntime '"id":"c1"' '"status":"creating"' && hook_has startContainer '"status":"created"' &&
	hook_has poststart '"status":"running"' && hook_has poststop '"status":"stopped"'; then
	ok "hooks: runsk run ran createRuntime, startContainer, poststart, poststop"
else
	fail "hooks in run: $(cat "$tmp"/hk.* 2>&1)"
fi
cp "$tmp/good.json" "$bundle/config.json"


# runsk exec with a terminal, the request's capabilities, user and limits,
# and runsk ps listing the exec proxies (issue 5: ctr task exec -t, kubectl
# exec -it, containerd's ps).
state=$tmp/state-xt
config '["sh", "-c", "echo up; exec sleep 1000"]'
"$runsk" --root "$state" run --bundle "$bundle" xt >"$tmp/xt.out" 2>&1 </dev/null &
xtrun=$!
for _ in $(seq 1 40); do grep -q up "$tmp/xt.out" && break; sleep 0.5; done
xt=$("$runsk" --root "$state" state xt | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
# The bundle's sets are CAP_KILL (0x20) each; --cap adds CAP_CHOWN (0x1) to
# all but inheritable, so ambient keeps CAP_KILL only (Linux's P & I rule),
# and uid 1000's execve keeps only the ambient set in permitted (as runc's).
exec_out "caps: the bundle's" 0 "CapInh:	0000000000000020
CapPrm:	0000000000000020
CapEff:	0000000000000020
CapBnd:	0000000000000020
CapAmb:	0000000000000020" xt grep Cap /proc/self/status
exec_out "caps: --cap adds to them" 0 "CapInh:	0000000000000020
CapPrm:	0000000000000020
CapEff:	0000000000000020
CapBnd:	0000000000000021
CapAmb:	0000000000000020" --cap CAP_CHOWN xt grep Cap /proc/self/status
expect_status 1 "exec: --cap of no capability" "$runsk" --root "$state" exec --cap CAP_NOPE xt true
expect_err_line "CAP_NOPE" "exec: --cap of no capability"
cat >"$tmp/caps.json" <<'PEOF'
{"user": {"uid": 0, "gid": 5, "umask": 63}, "args": ["sh", "-c", "grep -E 'Cap(Prm|Bnd)|NoNewPrivs' /proc/self/status; umask; id -u; id -g; ulimit -n"],
 "env": ["PATH=/bin"], "cwd": "/",
 "capabilities": {"bounding": ["CAP_CHOWN", "CAP_SETUID"], "effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN"]},
 "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 60, "soft": 50}]}
PEOF
exec_out "--process: its caps, user, umask, rlimits, no_new_privs" 0 "CapPrm:	0000000000000081
CapBnd:	0000000000000081
NoNewPrivs:	0
0077
0
5
50" --process "$tmp/caps.json" xt
if [ -x "$recv" ]; then
	# exec -t: a pty of the Sentry on a host pty whose master goes over the console socket.
	"$recv" "$tmp/xc.sock" 60 -- sh -c "'$runsk' --root '$state' exec -t --console-socket '$tmp/xc.sock' xt sh -c 'tty; exit 3'; echo \$? >'$tmp/xc.rc'" \
		>"$tmp/out" 2>"$tmp/err"
	if tr -d '\r' <"$tmp/out" | grep -Eq '^/dev/pts/[0-9]+$' && [ "$(cat "$tmp/xc.rc")" = 3 ]; then
		ok "exec -t: tty is a /dev/pts, exit status 3 passes through"
	else
		fail "exec -t: rc $(cat "$tmp/xc.rc" 2>&1), output:"
		sed 's/^/    | /' "$tmp/out" "$tmp/err"
	fi
	# --process with "terminal": true and a consoleSize; a resize is SIGWINCH.
	cat >"$tmp/tty.json" <<'PEOF'
{"terminal": true, "consoleSize": {"height": 33, "width": 101}, "user": {"uid": 0, "gid": 0},
 "args": ["sh", "-c", "trap \"w=1\" WINCH; stty size; while [ -z \"$w\" ]; do sleep 0.1; done; stty size"],
 "env": ["PATH=/bin"], "cwd": "/"}
PEOF
	"$recv" "$tmp/xc.sock" 60 'expect=33 101' 'winsz=40x120' 'expect=40 120' \
		-- "$runsk" --root "$state" exec --console-socket "$tmp/xc.sock" --process "$tmp/tty.json" xt \
		>"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" = 0 ] && [ "$(tr -d '\r' <"$tmp/out")" = "name: /dev/ptmx
33 101
40 120" ]; then
		ok "exec --process terminal: consoleSize, a resize reaches it"
	else
		fail "exec --process terminal: status $got, output:"
		sed 's/^/    | /' "$tmp/out" "$tmp/err"
	fi
	# An interactive shell, detached as containerd's shim runs it: ^C ends
	# its foreground job only; runsk ps lists the proxy meanwhile.
	"$recv" "$tmp/xc.sock" 60 'expect=$ ' "send=sh -c 'echo sl\"\"eeping; exec sleep 100'\\n" \
		'expect=sleeping' 'pause=1' 'send=\x03' \
		'send=echo alive $?\n' 'expect=alive 130' 'send=exit\n' \
		-- sh -c "'$runsk' --root '$state' exec -d --pid-file '$tmp/xd.pid' -t --console-socket '$tmp/xc.sock' xt sh -i && '$runsk' --root '$state' ps --format json xt >'$tmp/ps.json'" \
		>"$tmp/out" 2>"$tmp/err"
	got=$?
	xd=$(cat "$tmp/xd.pid" 2>/dev/null)
	if [ "$got" = 0 ] && [ -n "$xd" ] && grep -q "^\[$xt,$xd\]\$" "$tmp/ps.json"; then
		ok "exec -d -t: ^C to its foreground job, ps lists the proxy ($(cat "$tmp/ps.json"))"
	else
		fail "exec -d -t: status $got, proxy '$xd', ps '$(cat "$tmp/ps.json" 2>&1)', output:"
		sed 's/^/    | /' "$tmp/out" "$tmp/err"
	fi
	for _ in $(seq 1 20); do kill -0 "$xd" 2>/dev/null || break; sleep 0.5; done
	if [ "$("$runsk" --root "$state" ps --format json xt)" = "[$xt]" ]; then
		ok "ps: the ended exec's proxy is gone from the list"
	else
		fail "ps: $("$runsk" --root "$state" ps --format json xt 2>&1)"
	fi
	# exec -t in the foreground from a terminal and no --console-socket: that terminal.
	"$recv" - 60 'expect=24 80' 'send=hi\n' 'expect=got hi' \
		-- "$runsk" --root "$state" exec -t xt sh -c 'tty; stty size; read x; echo got $x' \
		>"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" = 0 ] && tr -d '\r' <"$tmp/out" | grep -Eq '^/dev/pts/[0-9]+$' &&
		tr -d '\r' <"$tmp/out" | grep -q '^got hi$'; then
		ok "exec -t from a terminal: it is the process's"
	else
		fail "exec -t from a terminal: status $got, output:"
		sed 's/^/    | /' "$tmp/out" "$tmp/err"
	fi
	# 20 sequential exec -t leave no thread or fd behind in the sandbox
	# process, each one's output reaches the console socket's master, and
	# each exits 0 (an exit racing the proxy's last messages once made it
	# report a kill: control.c's reap_exited).
	counts() { echo "$(ls /proc/$xt/task | wc -l) $(ls /proc/$xt/fd | wc -l)"; }
	"$recv" "$tmp/xc.sock" 60 -- "$runsk" --root "$state" exec -t --console-socket "$tmp/xc.sock" xt true >/dev/null 2>&1
	before=$(counts)
	n=0
	zero=0
	for i in $(seq 1 20); do
		"$recv" "$tmp/xc.sock" 60 -- "$runsk" --root "$state" exec -t --console-socket "$tmp/xc.sock" xt echo "n$i" \
			>"$tmp/out" 2>&1
		got=$?
		[ "$got" = 0 ] && zero=$((zero + 1))
		if [ "$got" = 0 ] && grep -q "n$i" "$tmp/out"; then
			n=$((n + 1))
		elif [ ! -s "$tmp/xt.first" ]; then
			{ echo "iteration $i: status $got"; cat "$tmp/out"; } >"$tmp/xt.first"
		fi
	done
	sleep 1
	after=$(counts)
	if [ "$n" = 20 ] && [ "$before" = "$after" ]; then
		ok "exec -t: 20 in a row, each exited 0 with its output, threads and fds as before ($before)"
	else
		fail "exec -t: $n of 20 ran ($zero exited 0); threads fds before $before, after $after; the first to fail:"
		sed 's/^/    | /' "$tmp/xt.first" 2>/dev/null
	fi
fi
expect_status 255 "exec: --console-socket without a terminal" "$runsk" --root "$state" exec --console-socket "$tmp/xc.sock" xt true
expect_err_line "console socket" "exec: --console-socket without a terminal"
expect_status 255 "exec: -t -d without --console-socket" "$runsk" --root "$state" exec -t -d xt true
expect_err_line "detach without setting console socket" "exec: -t -d without --console-socket"
"$runsk" --root "$state" kill xt KILL
wait "$xtrun"
"$runsk" --root "$state" delete xt 2>/dev/null
finish
