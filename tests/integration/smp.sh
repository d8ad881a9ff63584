#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# smp.sh RUNSK [DIFFTEST PROGRAM...]: guest programs with threads, run by
# difftest.sh under `runsk do --cpus 2`, where their threads run on two
# vCPUs at once (on hosts with EPT/NPT; elsewhere runsk says it runs them
# one at a time): same output and status as natively. Without PROGRAMs,
# the threaded guest tests next to this script (the hwkvm VM's payload).
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
shift
here=$(dirname "$0")
difftest=${1:-$here/difftest.sh}
[ $# -gt 0 ] && shift
if [ $# -eq 0 ]; then
	set --
	for p in smp futex_mt process epoll pipe_block; do
		for libc in glibc musl; do
			[ -x "$here/$p-$libc" ] && set -- "$@" "$here/$p-$libc"
		done
	done
fi

for prog in "$@"; do
	name=$(basename "$prog")
	if RUNSK_FLAGS="--cpus 2" sh "$difftest" "$runsk" "$prog" 0 >"$tmp/out" 2>&1; then
		ok "$name with --cpus 2: same as native"
	else
		fail "$name with --cpus 2"
		sed 's/^/    | /' "$tmp/out"
	fi
done
finish
