#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# runc-do.sh — run one static program in a new, minimal runc container, the
# way `runsk do PROG` runs it in a sandbox: the runc column of bench/run.sh.
#
#   runc-do.sh init BUNDLE BINDIR SHARED [FILE...]
#   runc-do.sh BUNDLE PROG [ARG...]
#
# init makes BUNDLE (a new directory): an OCI config from `runc spec` (no
# terminal, read-only root, runc's default namespaces, /proc, /dev, /dev/shm
# of 1 GiB and /sys) and a rootfs holding BINDIR's files and each FILE at their own
# paths, so that the same absolute paths work inside; SHARED (a directory,
# e.g. payload.sh's temporary one with the file_* inputs) is bind-mounted
# read-write at its own path.  Only static programs run there: the rootfs has
# no libraries.
#
# The second form runs PROG with ARGs in a new container of BUNDLE (stdio
# passed through, `runc run`, so runc waits for it and removes the
# container) and exits with its status.  Containers are named bench-PID.
#
# Needs root and a cgroup hierarchy runc can use.
set -eu

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
	runc spec --bundle "$bundle"
	# The template: the args block becomes one line with a placeholder;
	# SHARED is mounted first; /dev/shm gets 1 GiB instead of 64 MiB (the
	# tmpfs_rw rows write a 256 MiB file there).  runc spec prints one key
	# per line.
	awk -v shared="$shared" '
	/"terminal": true/ { sub(/true/, "false") }
	/"size=65536k"/ { sub(/size=65536k/, "size=1g") }
	/"args": \[/ { print "\t\t\"args\": [ @ARGS@ ],"; skip = 1; next }
	skip && /^[ \t]*\],?$/ { skip = 0; next }
	skip { next }
	{ print }
	/"mounts": \[/ {
		printf "\t\t{ \"destination\": \"%s\", \"type\": \"bind\", \"source\": \"%s\", \"options\": [ \"rbind\", \"rw\" ] },\n", shared, shared
	}' "$bundle/config.json" >"$bundle/config.in"
	rm "$bundle/config.json"
	exit 0
fi

[ $# -ge 2 ] || { echo "usage: $0 BUNDLE PROG [ARG...]" >&2; exit 2; }
bundle=$1
shift
# The arguments as JSON strings (backslashes and quotes escaped).
args=''
for a in "$@"; do
	a=$(printf '%s' "$a" | sed 's/[\\"]/\\&/g')
	args="$args${args:+, }\"$a\""
done
# One config per run; runs are sequential (payload.sh), never concurrent.
awk -v args="$args" '{ i = index($0, "@ARGS@"); if (i) $0 = substr($0, 1, i - 1) args substr($0, i + 6); print }' \
	"$bundle/config.in" >"$bundle/config.json"
exec runc run --bundle "$bundle" "bench-$$"
