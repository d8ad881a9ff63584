#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# overlay_self.sh RUNSK [DATA [BUSYBOX]]: --overlay2=root:self, the root
# overlay's file data in a file store on the host's disk instead of memory.
# `runsk do --memory 128M`: a 256 MiB file written to the root reads back
# whole (sha256sum as natively) and through a shared mapping, which the
# same under root:memory cannot hold; the store leaves nothing on the host.
# OCI bundles (create/start/delete, kill -9 then delete, run): the store
# is in the rootfs while the container runs, holds its data on disk, is
# not there for the container, and is gone once it ends; the image is
# untouched. On a full disk (a 64 MiB tmpfs) a write fails with ENOSPC
# and the container goes on. Bad --overlay2 values: one line, status 2. DATA is
# overlay_self_data (next to this script in the hwkvm VM's payload).
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
here=$(cd "$(dirname "$0")" && pwd)
data=${2:-$here/overlay_self_data}
bb=${3:-/bin/busybox}
case $data in /*) ;; *) data=$PWD/$data ;; esac
store_prefix=.runsk.filestore.

mib=256
want=$("$data" gen $mib | sha256sum | cut -d' ' -f1)
# KiB in use on the file system of / (busybox df cannot name an initramfs).
used_kib() { stat -f -c '%b %f %S' / | awk '{ print int(($1 - $2) * $3 / 1024) }'; }

# --- runsk do ---------------------------------------------------------------
# wait_for FILE LINE: up to 120 s until FILE has LINE.
wait_for() {
	for _ in $(seq 1 240); do
		grep -qx "$2" "$1" && return 0
		sleep 0.5
	done
	return 1
}

before=$(used_kib)
"$runsk" do --memory 128M --overlay2=root:self /bin/sh -c \
	"$data gen $mib >/ovself.big && sha256sum /ovself.big && $data mmap /ovself.big && sleep 3" \
	>"$tmp/out" 2>"$tmp/err" </dev/null &
pid=$!
# While it runs, the file's data is on the host's disk, in the nameless store.
# The disk is the host's: a test running beside this one may free some of
# it meanwhile (CI saw 6 MiB), so 90% of the file is what is asked for;
# under root:memory none of it would be there.
wait_for "$tmp/out" "mmap ok $mib" && during=$(used_kib) || during=
wait $pid
rc=$?
if [ -n "$during" ] && [ $((during - before)) -ge $((mib * 1024 * 9 / 10)) ]; then
	ok "do root:self: the data is on the host's disk while it runs ($((during - before)) KiB)"
else
	fail "do root:self: / used '$before' KiB before, '$during' KiB while it ran"
fi
if [ $rc = 0 ]; then ok "do root:self: a ${mib} MiB file with 128M of memory"; else
	fail "do root:self: status $rc"; sed 's/^/    | /' "$tmp/out" "$tmp/err"; fi
expect_line "$want  /ovself.big" "do root:self: read back as written"
expect_line "mmap ok $mib" "do root:self: mmap sees it, and stores through it land"
if ls -a / | grep -q "^$store_prefix"; then fail "do root:self: a store is left in /"; else
	ok "do root:self: no store left in /"; fi
after=$(used_kib)
# The store's blocks went with it: less than half the file is still in use.
if [ -n "$before" ] && [ -n "$after" ] && [ $((after - before)) -lt $((mib * 512)) ]; then
	ok "do root:self: its space is given back ($((after - before)) KiB more in use than before)"
else
	fail "do root:self: / uses '$before' KiB before, '$after' KiB after"
fi

# root:memory: the same file is more than the sandbox's memory. Once it is
# full (and the reclaimer found nothing to free) the tmpfs write, or the
# writer's own next page fault, goes through the OOM killer, which has no
# one to take but the writer (a file's pages are no process's): the file
# does not fit.
"$runsk" do --memory 128M /bin/sh -c \
	"$data gen $mib >/ovself.big; echo write=\$?" >"$tmp/out" 2>"$tmp/err" </dev/null
if grep -qx 'write=137' "$tmp/out" && grep -q 'Out of memory: Killed process' "$tmp/err"; then
	ok "do root:memory: the ${mib} MiB writer is killed by the OOM killer"
else
	fail "do root:memory: the ${mib} MiB writer was not OOM-killed"
	sed 's/^/    | /' "$tmp/out" "$tmp/err"
fi

expect_status 2 "do --overlay2=root:selfish" "$runsk" do --overlay2=root:selfish true
expect_err_line "overlay2=root:selfish" "do --overlay2=root:selfish"

# --- OCI bundles ------------------------------------------------------------
bundle=$tmp/bundle
state=$tmp/runs
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/etc"
cp "$bb" "$bundle/rootfs/bin/busybox"
for a in sh echo cat ls stat head tr sleep; do
	ln -s busybox "$bundle/rootfs/bin/$a"
done
echo "image file" >"$bundle/rootfs/etc/motd"
image_sum() {
	(cd "$bundle/rootfs" && find . | sort && find . -type f | sort | xargs md5sum) | md5sum
}
image_before=$(image_sum)

# config SHELL-COMMAND [EXTRA-TOP-LEVEL-JSON]: a bundle whose process runs
# it with busybox sh.
config() {
	cat >"$bundle/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": {"terminal": false, "user": {"uid": 0, "gid": 0},
		    "args": ["sh", "-c", "$1"], "env": ["PATH=/bin"], "cwd": "/"},
	"root": {"path": "rootfs", "readonly": false},
	"linux": {"resources": {"memory": {"limit": 67108864}}}${2:-}
}
EOF
}
look='ls -a /; if stat /.runsk.filestore.$ID >/dev/null 2>&1; then echo visible; else echo hidden; fi'

config "ID=c1; $look; head -c 8388608 /dev/zero >/data; echo ready; sleep 1000"
store=$bundle/rootfs/${store_prefix}c1
# The container's stdout is create's: c1.out.
"$runsk" --overlay2=root:self --root "$state" create --bundle "$bundle" c1 >"$tmp/c1.out" 2>&1 </dev/null
rc=$?
if [ $rc = 0 ] && [ -f "$store" ] && [ "$(stat -c %a "$store")" = 600 ]; then
	ok "create root:self: the store is in the rootfs, mode 0600"
else
	fail "create root:self: status $rc, store $(ls -l "$store" 2>&1)"; sed 's/^/    | /' "$tmp/c1.out"
fi
"$runsk" --root "$state" start c1 >/dev/null 2>&1
if wait_for "$tmp/c1.out" ready; then ok "start: the container runs"; else fail "start: $(cat "$tmp/c1.out")"; fi
if grep -q "$store_prefix" "$tmp/c1.out"; then fail "ls -a / in the container lists the store"; else
	ok "ls -a / in the container: no store"; fi
if grep -qx hidden "$tmp/c1.out"; then ok "stat of the store in the container: ENOENT"; else
	fail "stat of the store in the container: $(cat "$tmp/c1.out")"; fi
blocks=$(stat -c %b "$store" 2>/dev/null || echo 0)
if [ "$blocks" -ge 16384 ]; then ok "the container's 8 MiB are on the disk, in the store ($blocks blocks)"; else
	fail "the store holds $blocks blocks, want >= 16384"; fi
expect_status 0 "delete --force" "$runsk" --root "$state" delete --force c1
if [ -e "$store" ]; then fail "delete --force: the store is left"; else ok "delete --force: the store is gone"; fi

# A sandbox killed outright cannot remove it: delete does.
config "sleep 1000"
store=$bundle/rootfs/${store_prefix}c2
"$runsk" --overlay2=root:self --root "$state" create --bundle "$bundle" --pid-file "$tmp/c2.pid" c2 \
	>/dev/null 2>&1 </dev/null
"$runsk" --root "$state" start c2 >/dev/null 2>&1
kill -KILL "$(cat "$tmp/c2.pid")"
sleep 1
if [ -f "$store" ]; then ok "kill -9: the store outlives the sandbox"; else fail "kill -9: no store $store"; fi
expect_status 0 "delete after kill -9" "$runsk" --root "$state" delete c2
if [ -e "$store" ]; then fail "delete: the store is left"; else ok "delete: the store is gone"; fi

# A create that fails after making the store (its createRuntime hook) removes it.
config "sleep 1000" ', "hooks": {"createRuntime": [{"path": "'"$bb"'", "args": ["busybox", "false"]}]}'
expect_status 1 "create whose hook fails" "$runsk" --overlay2=root:self --root "$state" create \
	--bundle "$bundle" c4
if ls -a "$bundle/rootfs" | grep -q "^$store_prefix"; then fail "create whose hook fails: a store is left"; else
	ok "create whose hook fails: no store left"; fi

# A second create of an ID leaves the first one's store alone.
config "sleep 1000"
"$runsk" --overlay2=root:self --root "$state" create --bundle "$bundle" c3 >/dev/null 2>&1 </dev/null
expect_status 1 "create of a taken ID" "$runsk" --overlay2=root:self --root "$state" create \
	--bundle "$bundle" c3
if [ -f "$bundle/rootfs/${store_prefix}c3" ]; then ok "create of a taken ID: the first one's store stays"; else
	fail "create of a taken ID removed the first one's store"; fi
"$runsk" --root "$state" delete --force c3 >/dev/null 2>&1

# runsk run: removed when the container ends.
config "ID=r1; $look; echo abc >/data; cat /data"
expect_status 0 "run root:self" "$runsk" --overlay2=root:self --root "$state" run --bundle "$bundle" r1
expect_line hidden "run root:self: the store is not there for the container"
expect_line abc "run root:self: the container's write"
if ls -a "$bundle/rootfs" | grep -q "^$store_prefix"; then fail "run: a store is left in the rootfs"; else
	ok "run: no store left"; fi

if [ "$(image_sum)" = "$image_before" ]; then ok "the image is untouched"; else
	fail "the image changed: $(ls -la "$bundle/rootfs" "$bundle/rootfs/etc")"; fi

# A full disk: a rootfs on a 64 MiB tmpfs. The store's capacity is the
# file system's size (64 MiB), more than is free once busybox is on it, so
# the disk fills before the store does: the 128 MiB write ends in ENOSPC
# (its blocks are allocated before a frame is used: mm/memfile.c), not
# SIGBUS or a hang; the container goes on, writes again once the file is
# removed, and the tmpfs is as before once it ends.
full=$tmp/full
mkdir -p "$full/rootfs"
unmount_full() { umount "$full/rootfs" 2>/dev/null; }
trap unmount_full EXIT
trap 'unmount_full; exit 1' INT TERM
if mount -t tmpfs -o size=64m tmpfs "$full/rootfs"; then
	mkdir "$full/rootfs/bin"
	cp "$bb" "$full/rootfs/bin/busybox"
	for a in sh echo dd rm; do
		ln -s busybox "$full/rootfs/bin/$a"
	done
	cat >"$full/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": {"terminal": false, "user": {"uid": 0, "gid": 0},
		    "args": ["sh", "-c", "dd if=/dev/zero of=/big bs=1M count=128; echo dd=\$?; rm /big; dd if=/dev/zero of=/again bs=1M count=32 2>/dev/null; echo again=\$?"],
		    "env": ["PATH=/bin"], "cwd": "/"},
	"root": {"path": "rootfs", "readonly": false},
	"linux": {"resources": {"memory": {"limit": 67108864}}}
}
EOF
	full_used() { stat -f -c '%b %f %S' "$full/rootfs" | awk '{ print int(($1 - $2) * $3 / 1024) }'; }
	before=$(full_used)
	expect_status 0 "run root:self on a full disk" "$runsk" --overlay2=root:self --root "$state" \
		run --bundle "$full" f1
	expect_line dd=1 "run root:self on a full disk: dd fails, not killed by a signal"
	if grep -q 'No space left on device' "$tmp/err"; then
		ok "run root:self on a full disk: the write fails with ENOSPC"
	else
		fail "run root:self on a full disk: no ENOSPC from dd"; sed 's/^/    | /' "$tmp/err"
	fi
	expect_line again=0 "run root:self on a full disk: the container goes on, its space reusable"
	after=$(full_used)
	if ls -a "$full/rootfs" | grep -q "^$store_prefix"; then fail "full disk: a store is left"
	elif [ "$after" -gt $((before + 1024)) ]; then fail "full disk: $before KiB in use before, $after after"
	else ok "full disk: the store is gone, its space given back ($before KiB in use, then $after)"; fi
	unmount_full
else
	fail "cannot mount a tmpfs on $full/rootfs"
fi
trap - EXIT INT TERM

expect_status 2 "runsk --overlay2=bogus run" "$runsk" --overlay2=bogus --root "$state" run \
	--bundle "$bundle" r2
expect_err_line "overlay2=bogus" "runsk --overlay2=bogus run"
finish
