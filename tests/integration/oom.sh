#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# oom.sh RUNSK [HOG]: the Sentry's OOM killer. In a 64 MiB sandbox (about
# 48 MiB of it for the guest) two memory hogs (tests/guest/oom_hog.c)
# hold 16 MiB each, one with oom_score_adj 1000; a third of 24 MiB that
# pushes memory over gets its memory once the adj-1000 hog is killed
# (SIGKILL), and the others live on. A hog with oom_score_adj -1000 is
# never chosen. A guest that alone exceeds the memory is killed with
# SIGKILL and the sandbox goes on. The Sentry's own writes to the guest
# (a read's data), a tmpfs write and the pages it populates (MAP_POPULATE,
# mlock, MADV_POPULATE_WRITE) that find the memory full go through the
# killer too. In a container, memory.events and `runsk events`
# (runc's "oom" event) report the kill, and process.oomScoreAdj sets
# oom_score_adj.
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
# Next to this script in the hwkvm VM; in a direct run, in the build tree next to runsk's.
hog=${2:-$(dirname "$0")/oom_hog-glibc}
[ -x "$hog" ] || hog=$(dirname "$runsk")/../tests/guest/oom_hog-glibc
case $hog in /*) ;; *) hog=$PWD/$hog ;; esac
sh=/bin/busybox
[ -x "$sh" ] || sh=/bin/sh

# The guest's shell waits for each hog's "ready" with a blocking read of a
# FIFO: no fork, no page of its own to copy while memory is full.
guest_lib='mkfifo /tmp/fa /tmp/fb /tmp/fc
'

# sandbox DESCRIPTION SCRIPT: run SCRIPT in busybox sh under runsk do --memory 64M.
sandbox() {
	what=$1
	"$runsk" do --memory 64M -- "$sh" sh -c "$guest_lib$2" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" != 0 ]; then
		fail "$what: the sandbox exited $rc"
		sed 's/^/    | /' "$tmp/out" "$tmp/err"
	fi
}

# Cases 1 and 4 to 6 start with two hogs of 16 MiB, a with oom_score_adj 1000.
two_hogs="hog=$hog
(echo 1000 >/proc/self/oom_score_adj && exec \$hog 16 >/tmp/fa) & a=\$!
read ra </tmp/fa
\$hog 16 >/tmp/fb & b=\$!
read rb </tmp/fb
"
# Cases 4 to 6 end by sending both SIGTERM and printing their statuses.
end_hogs='kill $a $b
wait $a; echo a status $?
wait $b; echo b status $?
'

# 1. The adj-1000 hog is the victim, not the bigger one that faults.
sandbox "oom_score_adj 1000" "
${two_hogs}\$hog 24 >/tmp/fc & c=\$!
read rc </tmp/fc
echo a \$ra, b \$rb, c \$rc
kill \$a \$b \$c
wait \$a; echo a status \$?
wait \$b; echo b status \$?
wait \$c; echo c status \$?
"
expect_line "a ready 16, b ready 16, c ready 24" "the third hog got its memory"
expect_line "a status 137" "the adj-1000 hog was killed"
expect_line "b status 143" "the other hog lived on (until SIGTERM)"
expect_line "c status 143" "the third hog lived on (until SIGTERM)"
if grep -q "Out of memory: Killed process [0-9]* (oom_hog-glibc).*oom_score_adj:1000" "$tmp/err"; then
	ok "the Sentry logged the kill as Linux does"
else
	fail "no 'Out of memory: Killed process' line for the adj-1000 hog:"
	sed 's/^/    | /' "$tmp/err"
fi

# 2. A hog with oom_score_adj -1000 is never chosen, though the biggest.
# A negative adj needs CAP_SYS_RESOURCE, which a host may not give us.
if have_bounding_cap 24; then
	sandbox "oom_score_adj -1000" "
hog=$hog
(echo -1000 >/proc/self/oom_score_adj && exec \$hog 30 >/tmp/fa) & a=\$!
read ra </tmp/fa
echo a \$ra
\$hog 40 >/tmp/b
echo b status \$?
kill \$a
wait \$a; echo a status \$?
"
	expect_line "a ready 30" "the adj -1000 hog got its memory"
	expect_line "b status 137" "the growing hog was killed"
	expect_line "a status 143" "the adj -1000 hog was never chosen"
else
	ok "oom_score_adj -1000: skipped (no CAP_SYS_RESOURCE here, so none in runsk do either)"
fi

# 3. Alone too big: killed, and the sandbox (its shell) goes on.
sandbox "one guest bigger than the sandbox" "
$hog 100
echo status \$?
echo still running
"
expect_line "status 137" "a guest bigger than the sandbox gets SIGKILL"
expect_line "still running" "the sandbox goes on"

# 4. Syscalls' results that the Sentry writes when memory is full (read(2)s
# from /dev/zero into a fresh buffer, never touched by the guest) fault
# through the killer as the guest's own accesses would: the adj-1000 hog
# dies and the reads go on (they used to fail with EFAULT).
sandbox "read(2) into a fresh buffer when memory is full" "
${two_hogs}\$hog read 24 </dev/zero 2>&1 >/tmp/fc & p=\$!
read rp </tmp/fc
wait \$p; echo p status \$?
${end_hogs}"
expect_line "read 24 MiB" "the reads into a fresh buffer got their data"
expect_line "p status 0" "the reader lived on"
expect_line "a status 137" "the adj-1000 hog was killed for the reads' pages"
expect_line "b status 143" "the other hog lived on (until SIGTERM)"

# 5. A tmpfs write that finds memory full goes through the killer too, as a
# memory cgroup's charge of a shmem page does: the adj-1000 hog dies first
# and the write completes (it used to fail with ENOMEM). The file's pages
# are no process's, so if memory is still short the other hog goes too
# (it does in the VM, where the Sentry has less room): not checked.
sandbox "a tmpfs write when memory is full" "
${two_hogs}dd if=/dev/zero of=/tmp/big bs=64k count=384 2>/dev/null; echo dd status \$?
echo size \$(wc -c </tmp/big)
${end_hogs}"
expect_line "dd status 0" "the 24 MiB tmpfs write completed"
expect_line "size 25165824" "the file holds all of it"
expect_line "a status 137" "the adj-1000 hog was killed for the file's pages"

# 6. Pages the kernel populates when memory is full (MAP_POPULATE, mlock,
# MADV_POPULATE_WRITE) go through the killer as Linux's charge of each
# does: the adj-1000 hog dies and the whole range is resident (mlock used
# to fail with EAGAIN, MAP_POPULATE to leave pages to later faults). Hog
# a is sent SIGTERM too, so that a kernel which spares it cannot hang the
# script (as in every case here).
for mode in populate mlock madvise; do
	# Locking 24 MiB needs CAP_IPC_LOCK, over RLIMIT_MEMLOCK.
	if [ $mode = mlock ] && ! have_bounding_cap 14; then
		ok "mlock when memory is full: skipped (no CAP_IPC_LOCK here, so none in runsk do either)"
		continue
	fi
	sandbox "$mode when memory is full" "${two_hogs}\$hog $mode 24; echo p status \$?
${end_hogs}"
	expect_line "$mode: 24 MiB resident" "$mode got its memory"
	expect_line "p status 0" "$mode: the populating process lived on"
	expect_line "a status 137" "$mode: the adj-1000 hog was killed for its pages"
	expect_line "b status 143" "$mode: the other hog lived on (until SIGTERM)"
done

# 7. A container's OOM kill: memory.events inside, and one "oom" event from
# `runsk events` (runc's), besides its stats lines with failcnt.
bundle=$tmp/bundle
mkdir -p "$bundle/rootfs/bin"
cp "$sh" "$bundle/rootfs/bin/busybox"
cp "$hog" "$bundle/rootfs/bin/oom_hog"
for a in sh sleep cat; do ln -s busybox "$bundle/rootfs/bin/$a"; done
cat >"$bundle/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": {"user": {"uid": 0, "gid": 0}, "cwd": "/", "env": ["PATH=/bin"],
		    "args": ["sh", "-c", "sleep 4; oom_hog 100; echo status \$?; cat /sys/fs/cgroup/memory.events; sleep 2"]},
	"root": {"path": "rootfs"},
	"linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}],
		  "resources": {"memory": {"limit": 67108864}}}
}
EOF
state=$tmp/state
"$runsk" --root "$state" run --bundle "$bundle" o1 >"$tmp/out" 2>"$tmp/err" </dev/null &
run=$!
for _ in $(seq 1 40); do
	"$runsk" --root "$state" state o1 2>/dev/null | grep -q '"status": "running"' && break
	sleep 0.25
done
"$runsk" --root "$state" events --interval 1s o1 >"$tmp/events" 2>&1 &
events=$!
wait "$run"
for _ in $(seq 1 20); do kill -0 "$events" 2>/dev/null || break; sleep 0.5; done
kill "$events" 2>/dev/null
expect_line "status 137" "container: the hog is killed"
expect_line "oom_kill 1" "container: memory.events counts the kill"
if [ "$(grep -c '^{"type":"oom","id":"o1"}$' "$tmp/events")" = 1 ] &&
	grep -q '^{"type":"stats","id":"o1",.*"failcnt":1' "$tmp/events"; then
	ok "events: one oom event, and failcnt in the stats after it"
else
	fail "events: want one oom line and failcnt 1:"
	sed 's/^/    | /' "$tmp/events"
fi
"$runsk" --root "$state" delete o1 2>/dev/null

# 8. process.oomScoreAdj: the container's first process has it (and its
# children), as runc writes /proc/self/oom_score_adj before exec; an exec'd
# process has its own process.json's, or else the bundle's.
cat >"$bundle/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": {"user": {"uid": 0, "gid": 0}, "cwd": "/", "env": ["PATH=/bin"],
		    "oomScoreAdj": 500,
		    "args": ["sh", "-c", "echo init \$(cat /proc/self/oom_score_adj); sleep 5"]},
	"root": {"path": "rootfs"},
	"linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}]}
}
EOF
cat >"$tmp/proc.json" <<EOF
{"user": {"uid": 0, "gid": 0}, "cwd": "/", "env": ["PATH=/bin"], "oomScoreAdj": -300,
 "args": ["sh", "-c", "echo process.json \$(cat /proc/self/oom_score_adj)"]}
EOF
"$runsk" --root "$state" run --bundle "$bundle" o2 >"$tmp/run" 2>&1 </dev/null &
run=$!
for _ in $(seq 1 40); do
	"$runsk" --root "$state" state o2 2>/dev/null | grep -q '"status": "running"' && break
	sleep 0.25
done
{
	"$runsk" --root "$state" exec o2 sh -c 'echo bundle $(cat /proc/self/oom_score_adj)'
	"$runsk" --root "$state" exec --process "$tmp/proc.json" o2
} >"$tmp/out" 2>&1 </dev/null
wait "$run"
cat "$tmp/run" >>"$tmp/out"
expect_line "init 500" "oomScoreAdj: the container's process"
expect_line "bundle 500" "oomScoreAdj: an exec'd process gets the bundle's"
expect_line "process.json -300" "oomScoreAdj: an exec'd process gets its process.json's"
"$runsk" --root "$state" delete o2 2>/dev/null
finish
