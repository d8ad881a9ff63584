#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# oci-do.sh — run one static program in a new, minimal OCI container, the
# way `runsk do PROG` runs it in a sandbox: the runc and `runsk run` columns
# of bench/run.sh, both from the same bundle.
#
#   oci-do.sh init BUNDLE BINDIR SHARED [FILE...]
#   oci-do.sh [-r RUNTIME] [-s ROOT] BUNDLE PROG [ARG...]
#
# init makes BUNDLE (a new directory): a rootfs holding BINDIR's files and
# each FILE at their own paths, so that the same absolute paths work inside,
# and the template of its config.json.  The template is written here, not
# by `runc spec` (which the test VM, where `runsk run` is measured, does not
# have): it is `runc spec`'s (runc 1.1) with no terminal, a read-only root,
# runc's default namespaces, capabilities and RLIMIT_NOFILE, /proc, /dev,
# /dev/pts, /dev/mqueue, /sys and /sys/fs/cgroup, but /dev/shm of 1 GiB
# instead of 64 MiB (the tmpfs_rw rows write a 256 MiB file there), and
# SHARED (a directory, e.g. payload.sh's temporary one with the file_*
# inputs) bind-mounted read-write at its own path.  Only static programs run
# there: the rootfs has no libraries.
#
# The second form runs PROG with ARGs in a new container of BUNDLE with
# `RUNTIME [--root ROOT] run --bundle BUNDLE bench-PID` (stdio passed
# through; the runtime waits for PROG and removes the container) and exits
# with its status.  RUNTIME: a runc-compatible CLI, one word [runc], e.g. a
# runsk binary; ROOT: its container state directory [the runtime's default].
#
# runc needs root and a cgroup hierarchy it can use; runsk needs /dev/kvm.
set -eu

# json_str S: S as the inside of a JSON string (backslashes and quotes
# escaped; control characters do not occur in our paths and arguments).
json_str() { printf '%s' "$1" | sed 's/[\\"]/\\&/g'; }

if [ "${1:-}" = init ]; then
	[ $# -ge 4 ] || { echo "usage: $0 init BUNDLE BINDIR SHARED [FILE...]" >&2; exit 2; }
	bundle=$2 bindir=$3 shared=$4
	shift 4
	mkdir "$bundle"
	mkdir -p "$bundle/rootfs$bindir" "$bundle/rootfs$shared"
	for f in "$bindir"/*; do
		[ ! -f "$f" ] || cp -p "$f" "$bundle/rootfs$bindir/"
	done
	for f in "$@"; do
		mkdir -p "$bundle/rootfs$(dirname "$f")"
		cp -p "$f" "$bundle/rootfs$f"
	done
	shared=$(json_str "$shared")
	# One line holds the placeholder @ARGS@, filled in by each run.
	cat >"$bundle/config.in" <<EOF
{
	"ociVersion": "1.0.2-dev",
	"process": {
		"terminal": false,
		"user": { "uid": 0, "gid": 0 },
		"args": [ @ARGS@ ],
		"env": [
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm"
		],
		"cwd": "/",
		"capabilities": {
			"bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"effective": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"ambient": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
		},
		"rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 } ],
		"noNewPrivileges": true
	},
	"root": { "path": "rootfs", "readonly": true },
	"hostname": "runc",
	"mounts": [
		{ "destination": "$shared", "type": "bind", "source": "$shared",
		  "options": [ "rbind", "rw" ] },
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		  "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
		{ "destination": "/dev/pts", "type": "devpts", "source": "devpts",
		  "options": [ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" ] },
		{ "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
		  "options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=1g" ] },
		{ "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
		  "options": [ "nosuid", "noexec", "nodev" ] },
		{ "destination": "/sys", "type": "sysfs", "source": "sysfs",
		  "options": [ "nosuid", "noexec", "nodev", "ro" ] },
		{ "destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
		  "options": [ "nosuid", "noexec", "nodev", "relatime", "ro" ] }
	],
	"linux": {
		"resources": { "devices": [ { "allow": false, "access": "rwm" } ] },
		"namespaces": [
			{ "type": "pid" }, { "type": "network" }, { "type": "ipc" },
			{ "type": "uts" }, { "type": "mount" }
		],
		"maskedPaths": [
			"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
			"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
			"/proc/sched_debug", "/sys/firmware", "/proc/scsi"
		],
		"readonlyPaths": [
			"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"
		]
	}
}
EOF
	exit 0
fi

runtime=runc root=''
while getopts r:s: opt; do
	case $opt in
	r) runtime=$OPTARG ;;
	s) root=$OPTARG ;;
	*) echo "usage: $0 [-r RUNTIME] [-s ROOT] BUNDLE PROG [ARG...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { echo "usage: $0 [-r RUNTIME] [-s ROOT] BUNDLE PROG [ARG...]" >&2; exit 2; }
bundle=$1
shift
# The arguments as JSON strings.
args=''
for a in "$@"; do
	args="$args${args:+, }\"$(json_str "$a")\""
done
# One config per run; runs are sequential (payload.sh), never concurrent.
# Through the environment: awk -v would undo the escaping of backslashes.
ARGS=$args awk '{ i = index($0, "@ARGS@")
	if (i) $0 = substr($0, 1, i - 1) ENVIRON["ARGS"] substr($0, i + 6); print }' \
	"$bundle/config.in" >"$bundle/config.json"
if [ -n "$root" ]; then
	exec "$runtime" --root "$root" run --bundle "$bundle" "bench-$$"
fi
exec "$runtime" run --bundle "$bundle" "bench-$$"
