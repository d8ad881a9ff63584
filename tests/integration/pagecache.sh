#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# pagecache.sh RUNSK [PROG]: a shared mapping of a gofer file (root file
# system, --overlay2=none) writes the host file on msync and munmap, and
# only what it stored: a msync with no store since leaves the host file's
# mtime alone. A store after a write-back advances the file's mtime in
# the sandbox. PROG (tests/guest/pagecache_steps.c) serves the steps
# under runsk and, run natively, reads the host file.
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
# Next to this script in the hwkvm VM; in a direct run, in the build tree next to runsk's.
prog=${2:-$(dirname "$0")/pagecache_steps-glibc}
[ -x "$prog" ] || prog=$(dirname "$runsk")/../tests/guest/pagecache_steps-glibc
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac

# The host file, under the cwd: the VM's root, which the sandbox's root is.
dir=$(mktemp -d "$PWD/pagecache.XXXXXX") || exit 2
file=$dir/data
trap 'rm -rf "$dir"' EXIT
head -c 8192 /dev/zero >"$file"
mkfifo "$tmp/in" "$tmp/out"
"$runsk" do --overlay2=none -- "$prog" steps "$file" <"$tmp/in" >"$tmp/out" 2>"$tmp/err" &
guest=$!
exec 3>"$tmp/in" 4<"$tmp/out"

# step CMD: send CMD to the guest, its one-line answer in $ans.
step() {
	echo "$1" >&3
	ans=
	read -r ans <&4 || ans="(no answer: the sandbox ended)"
}

# expect_step CMD ANSWER
expect_step() {
	step "$1"
	if [ "$ans" = "$2" ]; then ok "$1: $ans"; else fail "$1: '$ans', want '$2'"; fi
}

# host_is WORD WHAT: the host file starts with WORD; its mtime in $hmt.
host_is() {
	set -- "$1" "$2" $("$prog" host "$file")
	hmt=${4:-}
	if [ "${3:-}" = "$1" ]; then ok "$2: the host file holds $1"; else fail "$2: host file holds '${3:-}', want $1"; fi
}

expect_step map "map ok"
expect_step "store A" "store A ok"
expect_step msync "msync ok"
host_is A "msync after a store"
m1=$hmt
sleep 1
expect_step msync "msync ok"
host_is A "msync with no store since"
if [ "$hmt" = "$m1" ]; then ok "no store, no write: host mtime unchanged"; else fail "a msync with no store rewrote the host file (mtime $m1 -> $hmt)"; fi
step mtime
g1=$ans
sleep 1
expect_step "store B" "store B ok"
step mtime
if [ "$ans" -gt "$g1" ] 2>/dev/null; then ok "a store after a write-back advances the sandbox's mtime"; else fail "sandbox mtime $g1 -> $ans after a store"; fi
expect_step async "async ok"
host_is B "msync(MS_ASYNC)"
if [ "$hmt" != "$m1" ]; then ok "the write-back moved the host mtime"; else fail "host mtime unchanged after writing B"; fi
expect_step "store C" "store C ok"
expect_step fsync "fsync ok"
host_is C "fsync"
expect_step "store D" "store D ok"
expect_step unmap "unmap ok"
host_is D "munmap"
echo exit >&3
exec 3>&- 4<&-
wait "$guest"
rc=$?
if [ "$rc" = 0 ]; then ok "the sandbox exited 0"; else fail "the sandbox exited $rc"; sed 's/^/    | /' "$tmp/err"; fi
finish
