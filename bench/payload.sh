#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# payload.sh — the measuring half of bench/run.sh.  Plain POSIX sh (busybox sh
# inside the QEMU/TCG VM, where run-vm.sh runs it from /payload; the host's sh
# when /dev/kvm is usable directly).  No arithmetic beyond integers: it only
# runs things and prints raw samples; run.sh computes medians and the table.
#
#   payload.sh [OPTIONS] BINDIR
#
# BINDIR holds the programs: getppid, clock_gettime, pagefault, mmap,
# kvm_floor, fork, forkexec, thread, futex, signal, pipe, unix, epoll, file,
# tmpfs, sha256, true, timeit.
#
# Two kinds of workloads:
#   ns/op      one run prints ns_per_op=<float>; one sample per repetition.
#              getppid        getppid [ITERS]        ns per call
#              clock_gettime  clock_gettime [ITERS]  ns per call
#              pagefault      pagefault -s [MIB]     ns per 4 KiB page (-s: no
#                                                    huge pages, a fault a page)
#              pagefault_thp  pagefault [MIB]        the same without madvise
#              mmap           mmap [PAIRS]           ns per mmap+touch+munmap
#              mmap_notouch   mmap -n [PAIRS]        ns per mmap+munmap
#              fork           fork [N]               ns per fork+exit+wait
#              forkexec       forkexec BINDIR/true [N]  ns per fork+execve+wait
#              thread         thread [N]             ns per pthread_create+join
#              futex          futex [N]              ns per round trip
#              signal         signal [N]             ns per SIGUSR1 sent to
#                                                    oneself, handled, returned
#              pipe           pipe [N]               ns per 1-byte round trip
#              pipe_bw        pipe -b [N]            ns per 64 KiB through a pipe
#              unix           unix [N]               ns per 1-byte round trip over
#                                                    an AF_UNIX socket pair
#              epoll          epoll [N]              ns per 1-byte round trip,
#                                                    each side in epoll_wait
#              file_open      file -o SMALL [N]      ns per open+read+close
#              file_stat      file -s SMALL [N]      ns per stat
#              file_read      file -r BIG [N]        ns per MiB read (1 MiB reads)
#              file_read4k    file -R BIG [N]        ns per MiB read (4 KiB reads)
#              file_write     file -w NEW [N]        ns per new 1 MiB file written
#                                                    in 4 KiB writes (+ unlink)
#              tmpfs_rw       tmpfs -b SHM [MIB]     ns per MiB written then
#                                                    read back, 1 MiB calls
#              tmpfs_rw4k     tmpfs -s SHM [MIB]     the same in 4 KiB calls
#              open_fstat     tmpfs -o SHM [N]       ns per open+fstat+close
#              sha256         sha256 [MIB]           ns per MiB hashed
#              (SMALL, 1 KiB, and BIG, 1 MiB: files this script makes in a
#              temporary directory before measuring, i.e. on the host's file
#              system, which the sandbox reaches through its gofer; NEW: a
#              name in that directory, under runsk a file of the overlay's
#              in-memory upper layer; SHM: /dev/shm in a sandbox, natively
#              /dev/shm if it is a writable directory, else the temporary
#              directory — in the test VM a RAM-backed /tmp)
#   start-up   true, busybox (busybox true), true_dyn (a dynamically linked
#              true, -d), python (PYTHON -c pass, -y), sqlite (SQLITE3
#              inserting 100,000 rows in one transaction into a new database
#              in the temporary directory, -q), sqlite_nolock (the same with
#              `-vfs unix-none`: no fcntl record locks): timeit runs, µs per
#              run.
#   memory     idle_mem: the runtime's host processes while the guest sleeps
#              (busybox sleep 4, sampled after 2 s): the sum of Rss and of
#              Pss (/proc/PID/smaps_rollup; without it VmRSS and no Pss) over the
#              process tree the variant's command starts — natively the
#              sleep alone; runsk do and runsk run: the Sentry and its gofer;
#              runsc do: its sandbox and gofer; runc: runc and the
#              container's process.  KiB,
#              one sample per repetition, as workloads idle_mem (RSS) and
#              idle_pss.
#
# Options (defaults in brackets):
#   -r REPS      repetitions of each ns/op measurement [5]
#   -a W=NAT/SLOW[/RUNSC]  the argument of ns/op workload W (iterations, or
#                MiB for pagefault): NAT for the native variant, SLOW for the
#                others (runsk, floor, runsc), RUNSC if given for runsc;
#                repeatable.  Defaults: those bench/run.sh uses in the
#                QEMU/TCG VM (ARGS_VM), without RUNSC, but pagefault=256/256
#   -s [W=]RUNS  start-up runs per variant, split over the reps, for every
#                start-up workload or (W=RUNS, repeatable) for W only [20]
#   -d PATH      the dynamically linked `true` of the true_dyn workload
#                (Debian's /usr/bin/true) [none: the cell fails]
#   -y PATH      the python3 of the python workload [none: the cell fails]
#   -q PATH      the sqlite3 CLI of the sqlite workload [none: the cell fails]
#   -w LIST      workloads, comma-separated [all of the above]
#   -k RUNSK     the runsk binary; enables the runsk variant
#   -c 'RUNSC'   a runsc command line (e.g. 'runsc --platform=ptrace do');
#                enables the runsc variant
#   -u           enable the runc variant: static programs in a minimal OCI
#                container each (oci-do.sh, next to this script, makes the
#                bundle in the temporary directory); start-up rows of
#                dynamic programs are NA there (no libraries in its rootfs)
#   -o           enable the runsk_run variant (needs -k): `RUNSK run` of the
#                same bundle as runc's, container state in the temporary
#                directory; start-up and memory rows only (the ns/op rows
#                would repeat runsk do's: the same Sentry once started), the
#                dynamic ones NA as for runc.  One `true` is run first as a
#                probe: INFO runsk_run says "ok" or "n/a (why)", and the
#                variant is left out when it is not ok
#   -f           enable the floor variant (kvm_floor; getppid only)
#   -t SECS      time limit of a single ns/op measurement [600]
#   -T SECS      time limit of a single start-up run; a run over it is killed
#                and counted as hung, not as a sample [60]
# A cell that fails or hangs is reported once and not run again.
#
# Variants run interleaved — native, runsk, runsk_run, floor, runsc, runc,
# then again — so that a slow phase of a noisy machine hits all of them alike.
#
# Output, one line per sample (value in ns/op for ns/op workloads, µs for
# start-up):
#   BENCH <workload> <variant> <value>
#   BENCH <workload> <variant> FAIL <why>     (then the command's stderr as # lines)
#   BENCH <workload> <variant> NA <why>       (the kernel lacks what the workload
#                                              needs: the program exited 3 and
#                                              printed unsupported=<why>)
#   BENCH <workload> <variant> HUNG <count>   (start-up runs killed by -T)
#   INFO <key> <value...>
#   INFO start <workload> <variant>           (before each measurement, so that
#                                              a frozen VM shows where it froze)

NSOP='getppid clock_gettime pagefault pagefault_thp mmap mmap_notouch fork forkexec thread futex
signal pipe pipe_bw unix epoll file_open file_stat file_read file_read4k file_write
tmpfs_rw tmpfs_rw4k open_fstat sha256'
STARTUP='true busybox true_dyn python sqlite sqlite_nolock'
MEMORY='idle_mem'
reps=5 startup_runs=20 limit=600 run_limit=60
# shellcheck disable=SC2086 # word lists: one comma per blank or newline
workloads=$(echo $NSOP $STARTUP $MEMORY | tr ' ' ',')
runsk='' runsc='' runc=0 runsk_run=0 floor=0 dyn_true='' python='' sqlite=''
# W=NATIVE/SLOW[/RUNSC], one per word; a later word for the same W wins.
wargs='getppid=200000/10000 clock_gettime=1000000/200000 pagefault=256/256
pagefault_thp=256/256 mmap=5000/2000 mmap_notouch=20000/2000 fork=1000/40 forkexec=200/12 thread=10000/50
futex=50000/50 signal=40000/800 pipe=15000/50 pipe_bw=6000/120 unix=4000/500
epoll=4000/500 file_open=60000/400 file_stat=200000/15000 file_read=2000/800
file_read4k=600/30 file_write=150/50 tmpfs_rw=64/64 tmpfs_rw4k=96/6
open_fstat=20000/1500 sha256=24/24'
# W=RUNS, one per word, for start-up workloads with a count of their own.
wruns=''
while getopts r:a:s:w:k:c:uoft:T:d:y:q: opt; do
	case $opt in
	r) reps=$OPTARG ;;
	a) case $OPTARG in
	   *=*/*) wargs="$wargs $OPTARG" ;;
	   *) echo "payload.sh: -a takes W=NATIVE/SLOW[/RUNSC], not $OPTARG" >&2; exit 2 ;;
	   esac ;;
	s) case $OPTARG in
	   *=*) wruns="$wruns $OPTARG" ;;
	   *)   startup_runs=$OPTARG ;;
	   esac ;;
	w) workloads=$OPTARG ;;
	k) runsk=$OPTARG ;;
	c) runsc=$OPTARG ;;
	u) runc=1 ;;
	o) runsk_run=1 ;;
	f) floor=1 ;;
	t) limit=$OPTARG ;;
	T) run_limit=$OPTARG ;;
	d) dyn_true=$OPTARG ;;
	y) python=$OPTARG ;;
	q) sqlite=$OPTARG ;;
	*) echo "usage: $0 [-r REPS] [-a W=NAT/SLOW]... [-s [W=]RUNS]... [-w LIST] [-k RUNSK] [-c RUNSC] [-u] [-o] [-f] [-t SECS] [-T SECS] [-d TRUE] [-y PYTHON] [-q SQLITE3] BINDIR" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "payload.sh: BINDIR missing" >&2; exit 2; }
bin=$(cd "$1" && pwd) || exit 2
here=$(cd "$(dirname "$0")" && pwd) || exit 2
# Absolute, as every program here is: the sandboxes start elsewhere.
case $dyn_true in ''|/*) ;; *) dyn_true=$(pwd)/$dyn_true ;; esac
case $python in ''|/*) ;; *) python=$(pwd)/$python ;; esac
case $sqlite in ''|/*) ;; *) sqlite=$(pwd)/$sqlite ;; esac

busybox=$(command -v busybox 2>/dev/null)
# A file, for the OCI bundles and the sandboxes: under busybox sh `command
# -v` can name the applet instead.
case $busybox in
/*|'') ;;
*)	busybox=''
	for d in $(printf '%s' "$PATH" | tr : ' ') /bin /usr/bin; do
		[ -x "$d/busybox" ] && { busybox=$d/busybox; break; }
	done ;;
esac
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
# The files of the file_* workloads, made here, before any sandbox starts:
# for runsk they are the host's, reached through the gofer.
dd if=/dev/zero of="$tmp/small" bs=1024 count=1 2>/dev/null
dd if=/dev/zero of="$tmp/big" bs=1024 count=1024 2>/dev/null
# The tmpfs_* and open_fstat rows' directory when native: /dev/shm where the
# system has one, else the temporary directory (RAM-backed in the test VM).
shm_native=$tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && shm_native=/dev/shm
echo "INFO shm_native $shm_native"
# The sqlite workload's script, one per variant so that each starts without
# a database: `.open --new` deletes the previous run's (natively; a sandbox
# whose overlay drops its writes never sees one).  synchronous=OFF: no
# fsync, which would time the host's disk, not the sandbox; temp_store: the
# check below stays in memory, whatever the VFS.  A failed
# `.open` is no error to sqlite3, even with -bail (it goes on in memory):
# the CHECK of the temporary table `ok` makes one of it, and of a wrong row
# count, so that a broken run fails instead of timing something else.
for v in native runsk runsc; do
	cat >"$tmp/sqlite-$v.sql" <<EOF
.open --new $tmp/sqlite-$v.db
PRAGMA temp_store=MEMORY;
CREATE TEMP TABLE ok(x CHECK (x <> ''));
INSERT INTO ok SELECT file FROM pragma_database_list WHERE name = 'main';
PRAGMA synchronous=OFF;
BEGIN;
CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)
INSERT INTO t(a, b) SELECT x * 7919 % 100003, printf('row %d of the benchmark', x) FROM c;
COMMIT;
INSERT INTO ok SELECT iif(count(*) = 100000, 'ok', '') FROM t;
EOF
done

echo "INFO kernel $(uname -r)"
echo "INFO cpus $(grep -c '^processor' /proc/cpuinfo)"
[ -r /sys/module/kvm_amd/parameters/npt ] &&
	echo "INFO kvm_amd_npt $(cat /sys/module/kvm_amd/parameters/npt)"
[ -r /sys/kernel/mm/transparent_hugepage/enabled ] &&
	echo "INFO thp $(cat /sys/kernel/mm/transparent_hugepage/enabled)"

has() { # has WORKLOAD: is it in the -w list?
	case ",$workloads," in *",$1,"*) return 0 ;; esac
	return 1
}

# wrap VARIANT: print the command prefix that runs a program as VARIANT.
wrap() {
	case $1 in
	native) ;;
	runsk)  printf '%s do' "$runsk" ;;
	runsc)  printf '%s' "$runsc" ;;
	runc)   printf 'sh %s %s' "$here/oci-do.sh" "$tmp/oci" ;;
	runsk_run)
		printf 'sh %s -r %s -s %s %s' "$here/oci-do.sh" "$runsk" "$tmp/runsk-state" "$tmp/oci" ;;
	esac
}

# Cells (WORKLOAD.VARIANT) that failed or hung are not run again in later
# repetitions: a hang costs the whole time limit each time.
broken=' '
is_broken() { case $broken in *" $1.$2 "*) return 0 ;; esac; return 1; }

# fail WORKLOAD VARIANT WHY: report a failed measurement with its stderr.
fail() {
	echo "BENCH $1 $2 FAIL $3"
	head -n 5 "$tmp/err" | sed 's/^/# /'
	broken="$broken$1.$2 "
}

# arg_of WORKLOAD VARIANT: the argument of ns/op WORKLOAD for VARIANT.
arg_of() {
	# shellcheck disable=SC2086 # one word per W=NATIVE/SLOW
	spec=$(printf '%s\n' $wargs | sed -n "s/^$1=//p" | tail -n 1)
	slow=${spec#*/}
	case $2 in
	# runc runs where native does, at native speed, against native there.
	native|runc) printf '%s' "${spec%%/*}" ;;
	runsc)  printf '%s' "${slow#*/}" ;;
	*)      printf '%s' "${slow%%/*}" ;;
	esac
}

# runs_of WORKLOAD: the number of start-up runs of WORKLOAD per variant.
runs_of() {
	# shellcheck disable=SC2086 # one word per W=RUNS
	r=$(printf '%s\n' $wruns | sed -n "s/^$1=//p" | tail -n 1)
	printf '%s' "${r:-$startup_runs}"
}

# prog_of WORKLOAD VARIANT: the program (and fixed options) of ns/op WORKLOAD.
prog_of() {
	shm=/dev/shm
	[ "$2" = native ] && shm=$shm_native
	case $1 in
	mmap_notouch) printf '%s -n' "$bin/mmap" ;;
	pagefault)    printf '%s -s' "$bin/pagefault" ;;
	pagefault_thp) printf '%s' "$bin/pagefault" ;;
	forkexec)     printf '%s %s' "$bin/forkexec" "$bin/true" ;;
	pipe_bw)      printf '%s -b' "$bin/pipe" ;;
	file_open)    printf '%s -o %s' "$bin/file" "$tmp/small" ;;
	file_stat)    printf '%s -s %s' "$bin/file" "$tmp/small" ;;
	file_read)    printf '%s -r %s' "$bin/file" "$tmp/big" ;;
	file_read4k)  printf '%s -R %s' "$bin/file" "$tmp/big" ;;
	file_write)   printf '%s -w %s' "$bin/file" "$tmp/new" ;;
	tmpfs_rw)     printf '%s -b %s' "$bin/tmpfs" "$shm" ;;
	tmpfs_rw4k)   printf '%s -s %s' "$bin/tmpfs" "$shm" ;;
	open_fstat)   printf '%s -o %s' "$bin/tmpfs" "$shm" ;;
	*)            printf '%s' "$bin/$1" ;;
	esac
}

# measure_nsop WORKLOAD VARIANT
measure_nsop() {
	w=$1 v=$2
	echo "INFO start $w $v"
	# shellcheck disable=SC2046 # the prefix is a word list on purpose
	case $v in
	native) set -- $(prog_of "$w" "$v") "$(arg_of "$w" native)" ;;
	floor)  set -- "$bin/kvm_floor" "$(arg_of "$w" floor)" ;;
	*)      set -- $(wrap "$v") $(prog_of "$w" "$v") "$(arg_of "$w" "$v")" ;;
	esac
	timeout "$limit" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	why=$(sed -n 's/^unsupported=\([^ ]*\)$/\1/p' "$tmp/out" | tail -n 1)
	if [ "$rc" -eq 3 ] && [ -n "$why" ]; then
		echo "BENCH $w $v NA $why"
		broken="$broken$w.$v "
		return
	fi
	if [ "$rc" -ne 0 ]; then
		fail "$w" "$v" "exit:$rc"
		return
	fi
	val=$(sed -n 's/^ns_per_op=\([0-9.]*\)$/\1/p' "$tmp/out" | tail -n 1)
	if [ -n "$val" ]; then
		echo "BENCH $w $v $val"
	else
		fail "$w" "$v" "no-ns_per_op-line"
	fi
}

# measure_startup WORKLOAD VARIANT RUNS
measure_startup() {
	w=$1 v=$2 runs=$3
	echo "INFO start $w $v"
	# need: what must exist; busybox's is whatever `command -v` said (under
	# busybox sh, possibly a bare applet name), the others are paths.
	case $w in
	true)     prog="$bin/true" need=$bin/true ;;
	busybox)  prog="$busybox true" need=$busybox ;;
	true_dyn) prog=$dyn_true need=$dyn_true ;;
	python)   prog="$python -c pass" need=$python ;;
	sqlite)   prog="$sqlite -bail -batch -init $tmp/sqlite-$v.sql :memory: .quit" need=$sqlite ;;
	sqlite_nolock)
		prog="$sqlite -vfs unix-none -bail -batch -init $tmp/sqlite-$v.sql :memory: .quit"
		need=$sqlite ;;
	esac
	if { [ "$v" = runc ] || [ "$v" = runsk_run ]; } && [ "$w" != true ] && [ "$w" != busybox ]; then
		echo "BENCH $w $v NA static-only"	# no libraries in the bundle
		broken="$broken$w.$v "
		return
	fi
	if [ -z "$need" ] || { [ "$w" != busybox ] && [ ! -x "$need" ]; }; then
		: >"$tmp/err"
		fail "$w" "$v" "$w-not-found"
		return
	fi
	# shellcheck disable=SC2046,SC2086 # word lists on purpose
	if ! "$bin/timeit" -a -n "$runs" -t "$run_limit" $(wrap "$v") $prog \
		>"$tmp/out" 2>"$tmp/err"; then
		fail "$w" "$v" "$(sed -n 's/^failed=//p' "$tmp/out")"
		return
	fi
	hung=$(sed -n 's/^runs=[0-9]* hung=\([0-9]*\) .*/\1/p' "$tmp/out")
	if [ "${hung:-0}" -gt 0 ]; then
		echo "BENCH $w $v HUNG $hung"
		head -n 5 "$tmp/err" | sed 's/^/# /'
		broken="$broken$w.$v "
	fi
	sed -n 's/^samples_us=//p' "$tmp/out" | tr ',' '\n' |
		while read -r us; do echo "BENCH $w $v $us"; done
}

# tree_pids PID: the PIDs of PID's process tree, one a line, but for
# processes named "timeout": GNU timeout stays the parent of its command,
# busybox's execs the command in its own process (and its watcher leaves the
# tree), so the tree is the command's either way.
tree_pids() {
	# A stat line is "pid (comm) state ppid ...", comm may hold blanks.
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '
	{
		pid = $1; comm = $0
		sub(/^[^(]*\(/, "", comm); sub(/\) [^)]*$/, "", comm)
		sub(/^.*\) /, ""); parent[pid] = $2; name[pid] = comm
	}
	END {
		want[root] = 1
		do {
			more = 0
			for (p in parent)
				if (!(p in want) && (parent[p] in want)) { want[p] = 1; more = 1 }
		} while (more)
		for (p in want) if ((p in name) && name[p] != "timeout") print p
	}'
}

# sum_kib FIELD FILE PIDS...: the sum of "FIELD: N kB" in /proc/PID/FILE; empty if none had it.
sum_kib() {
	field=$1 file=$2
	shift 2
	for p in "$@"; do cat "/proc/$p/$file" 2>/dev/null; done |
		awk -v f="$field:" '$1 == f { s += $2; n++ } END { if (n) print s }'
}

# measure_memory VARIANT: idle_mem and idle_pss samples of VARIANT.
measure_memory() {
	v=$1
	echo "INFO start idle_mem $v"
	if [ -z "$busybox" ] || [ ! -x "$busybox" ]; then
		: >"$tmp/err"
		fail idle_mem "$v" "busybox-not-found"
		return
	fi
	# Under timeout, so that a hang ends; its own process is left out.
	# Not a subshell: $! must be the command's (or timeout's) process.
	# shellcheck disable=SC2046 # the prefix is a word list on purpose
	timeout 60 $(wrap "$v") "$busybox" sleep 4 >"$tmp/out" 2>"$tmp/err" &
	top=$!
	sleep 2
	pids=$(tree_pids "$top")
	echo "INFO idle_mem_procs $v $(for p in $pids; do sed -n 's/^Name:[[:space:]]*//p' "/proc/$p/status" 2>/dev/null; done | tr '\n' ' ')"
	# smaps_rollup walks the page tables; VmRSS can lag behind on kernels
	# before 6.2 (per-thread cached counters: a 4 KiB sleep seen in the VM).
	# shellcheck disable=SC2086 # one word per PID
	rss=$(sum_kib Rss smaps_rollup $pids)
	# shellcheck disable=SC2086
	[ -n "$rss" ] || rss=$(sum_kib VmRSS status $pids)
	# shellcheck disable=SC2086
	pss=$(sum_kib Pss smaps_rollup $pids)
	wait "$top"
	rc=$?
	if [ "$rc" -ne 0 ] || [ -z "$rss" ]; then
		fail idle_mem "$v" "exit:$rc,rss:${rss:-none}"
		return
	fi
	echo "BENCH idle_mem $v $rss"
	[ -z "$pss" ] || echo "BENCH idle_pss $v $pss"
}

# last_line FILE: FILE's last non-blank line, for a table cell: without
# runsk's log prefix ("E 123.456 runsk[PID]: "), at most ~100 characters,
# cut at a blank.
last_line() {
	grep -v '^[[:space:]]*$' "$1" | tail -n 1 | tr '|' '/' |
		sed 's/^[EWID] [0-9.]* [a-z-]*\[[0-9]*\]: //' |
		awk '{ if (length($0) > 100) { $0 = substr($0, 1, 100); sub(/ [^ ]*$/, " ...") } print }'
}

# The OCI bundle of runc and runsk run, one for both: BINDIR's programs and
# busybox in a read-only rootfs, the temporary directory bind-mounted.
oci_bundle=''
if [ "$runc" = 1 ] || { [ "$runsk_run" = 1 ] && [ -n "$runsk" ]; }; then
	# shellcheck disable=SC2086 # no busybox, no file
	if sh "$here/oci-do.sh" init "$tmp/oci" "$bin" "$tmp" $busybox >"$tmp/err" 2>&1; then
		oci_bundle=ok
	else
		oci_bundle="n/a (bundle: $(last_line "$tmp/err"))"
		echo "INFO oci_bundle failed: $(tail -n 1 "$tmp/err")"
	fi
fi
variants=native
[ -n "$runsk" ] && variants="$variants runsk"
if [ "$runsk_run" = 1 ]; then
	# A probe, so that a broken `runsk run` costs one time limit, not one per
	# cell, and the table can say why.
	status=$oci_bundle
	[ -n "$runsk" ] || status='n/a (no runsk: -k)'
	if [ "$status" = ok ]; then
		# shellcheck disable=SC2046 # the prefix is a word list on purpose
		timeout 60 $(wrap runsk_run) "$bin/true" >/dev/null 2>"$tmp/err" </dev/null
		rc=$?
		if [ "$rc" -eq 124 ]; then
			status='n/a (timed out after 60 s)'
		elif [ "$rc" -ne 0 ]; then
			why=$(last_line "$tmp/err")
			status="n/a (${why:-exit status $rc})"
		fi
	fi
	echo "INFO runsk_run $status"
	[ "$status" != ok ] || variants="$variants runsk_run"
fi
[ "$floor" = 1 ] && variants="$variants floor"
[ -n "$runsc" ] && variants="$variants runsc"
[ "$runc" = 1 ] && [ "$oci_bundle" = ok ] && variants="$variants runc"
echo "INFO variants $variants"
echo "INFO reps $reps"
for w in $NSOP; do
	has "$w" &&
		echo "INFO args $w $(arg_of "$w" native)/$(arg_of "$w" runsk)/$(arg_of "$w" runsc)"
done
for w in $STARTUP; do
	has "$w" && echo "INFO runs $w $(runs_of "$w")"
done

rep=0
while [ "$rep" -lt "$reps" ]; do
	for w in $NSOP; do
		has "$w" || continue
		for v in $variants; do
			# The floor is the floor of a syscall: getppid's column only.
			[ "$v" = floor ] && [ "$w" != getppid ] && continue
			# runsk run differs from runsk do in its start-up only.
			[ "$v" = runsk_run ] && continue
			is_broken "$w" "$v" || measure_nsop "$w" "$v"
		done
	done
	for w in $STARTUP; do
		has "$w" || continue
		# This rep's share of the start-up runs: the total is exactly
		# the workload's count.
		total=$(runs_of "$w")
		share=$((total / reps))
		[ "$rep" -lt $((total % reps)) ] && share=$((share + 1))
		[ "$share" -gt 0 ] || continue
		for v in $variants; do
			[ "$v" = floor ] || is_broken "$w" "$v" ||
				measure_startup "$w" "$v" "$share"
		done
	done
	if has idle_mem; then
		for v in $variants; do
			[ "$v" = floor ] || is_broken idle_mem "$v" || measure_memory "$v"
		done
	fi
	rep=$((rep + 1))
done
echo "INFO done"
