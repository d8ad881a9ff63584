#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# acl_noacl.sh RUNSK [DIFFTEST PROGRAM...]: the ACL xattrs on a file system
# without ACLs, the guest test acl_noacl run by difftest.sh with its "ramfs"
# argument: natively on a ramfs, under `runsk do --overlay2=none` on a
# goferfs directory under the cwd (the overlay, the default, keeps ACLs).
# Same output and status both ways. Without PROGRAMs, acl_noacl-glibc and
# acl_noacl-musl next to this script (the hwkvm VM's payload).
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
shift
here=$(dirname "$0")
difftest=${1:-$here/difftest.sh}
[ $# -gt 0 ] && shift
if [ $# -eq 0 ]; then
	for libc in glibc musl; do
		[ -x "$here/acl_noacl-$libc" ] && set -- "$@" "$here/acl_noacl-$libc"
	done
fi

for prog in "$@"; do
	name=$(basename "$prog")
	if RUNSK_FLAGS="--overlay2=none" sh "$difftest" "$runsk" "$prog" 0 ramfs >"$tmp/out" 2>&1; then
		ok "$name ramfs with --overlay2=none: same as native"
	else
		fail "$name ramfs with --overlay2=none"
		sed 's/^/    | /' "$tmp/out"
	fi
done
finish
