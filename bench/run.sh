#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# run.sh — the benchmark suite: runsk against native execution and against
# the floor of the design (one ring-3 VM exit), and gVisor's runsc and runc
# if present; `runsk run` of an OCI bundle for start-up and memory.  Workloads: ns per operation (getppid, clock_gettime, page
# faults, mmap + munmap, fork, fork + execve, threads, futex, signal delivery,
# pipe, AF_UNIX and epoll ping-pong, pipe throughput, open/stat/read of the
# host's files, writing new files in the overlay, tmpfs write + read and
# open + fstat + close, SHA-256), start-up time (true, busybox true, Debian's
# dynamic true, python3 -c pass, sqlite3 inserting 100,000 rows) and the
# idle memory of a sandbox; see bench/README.md.
#
#   bench/run.sh [OPTIONS]
#
# Builds what it needs, measures, and prints a Markdown table (also written to
# DIR/results.md), with DIR/results.csv, a chart of the ratios to native in
# DIR/results.png (when gnuplot is installed) and the raw samples in
# DIR/raw.txt.
#
# Where it measures: with a usable /dev/kvm, right here.  Without one, inside
# ONE boot of the QEMU/TCG test VM (tests/hwkvm/run-vm.sh, kvm_amd with nested
# paging): then every time is an emulation time and only the ratios between
# columns of the same run mean anything.  runsc and runc always run on this
# host (outside any VM), against a native baseline measured on this host too.
#
# Options (defaults in brackets):
#   --quick          3 repetitions instead of 5 (start-up stays at 20 runs)
#   --reps N         repetitions of each ns/op measurement [5]
#   --only LIST      workloads, comma-separated [all]: getppid, clock_gettime,
#                    pagefault, pagefault_thp, mmap, mmap_notouch, fork, forkexec, thread,
#                    futex, signal, pipe, pipe_bw, unix, epoll, file_open,
#                    file_stat, file_read, file_read4k, file_write,
#                    tmpfs_rw, tmpfs_rw4k, open_fstat, sha256, true,
#                    busybox, true_dyn, python, sqlite, sqlite_nolock,
#                    idle_mem (its rows: RSS and PSS)
#   --out DIR        where the results go [BUILD/bench-results]
#   --build DIR      meson build directory [build]
#   --npt 0|1        kvm_amd nested paging in the VM [1]
#   --no-runsc       skip gVisor even if installed
#   --no-runc        skip runc even if installed
#   --no-runsk-run   skip the `runsk run` (OCI bundle) column
#
# Exit status: 0 when the table was produced (failed cells read "n/a (...)"),
# 1 when nothing could be measured, 2 usage or build error.
set -euo pipefail
export LC_ALL=C

PROG=bench
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/.." && pwd)

die() { echo "$PROG: $*" >&2; exit 2; }
note() { echo "$PROG: $*" >&2; }
usage() { sed -n '4,/^set -euo/{ /^set/d; s/^# \{0,1\}//; p; }' "${BASH_SOURCE[0]}" >&2; exit 2; }

# The ns/op workloads, in table order, and their argument "NATIVE/SLOW" or
# "NATIVE/SLOW/RUNSC": iterations (MiB for pagefault) for the native variant
# and for the others (runsk, floor, runsc), RUNSC for runsc if given.  Native
# calls are fast everywhere; a VM exit costs 30-150 µs (TCG, kvm_pvm), so the
# slow variants get fewer iterations to keep each measurement near a second or
# two.  The ns/op result does not depend on them, except that pagefault
# compares the same size in every column.  Under QEMU/TCG a native page fault
# or mmap is itself ~10x slower, hence ARGS_VM; runsc always runs on this host,
# where it is much faster than runsk under TCG at switching tasks and at
# file I/O, hence the RUNSC counts of ARGS_VM.  ARGS_VM was calibrated in the
# VM (bench/README.md); the new rows of ARGS_DIRECT are estimates from native
# and runsc runs on a host without /dev/kvm: check them on the first run there.
NSOP=(getppid clock_gettime pagefault pagefault_thp mmap mmap_notouch fork forkexec thread futex
	signal pipe pipe_bw unix epoll file_open file_stat file_read file_read4k file_write
	tmpfs_rw tmpfs_rw4k open_fstat sha256)
declare -A ARGS_DIRECT=([getppid]=200000/10000 [clock_gettime]=1000000/200000
	[pagefault]=256/256 [pagefault_thp]=256/256 [mmap]=20000/2000 [mmap_notouch]=50000/2000
	[fork]=500/100 [forkexec]=200/50 [thread]=10000/1000 [futex]=100000/3000
	[pipe]=100000/2000 [pipe_bw]=100000/4000 [unix]=100000/2000/2000
	[file_open]=200000/2000 [file_stat]=500000/10000 [file_read]=20000/3000
	[file_read4k]=2000/300/30 [file_write]=1000/300/20 [sha256]=256/256
	[signal]=200000/10000/3000 [epoll]=50000/2000/2000 [tmpfs_rw]=512/256/256
	[tmpfs_rw4k]=256/256/16 [open_fstat]=100000/5000/5000)
declare -A ARGS_VM=([getppid]=200000/10000 [clock_gettime]=1000000/200000
	[pagefault]=64/64 [pagefault_thp]=64/64 [mmap]=5000/2000 [mmap_notouch]=20000/2000
	[fork]=1000/40/100 [forkexec]=200/12/50 [thread]=10000/50/1000
	[futex]=50000/50/3000 [pipe]=15000/50/2000 [pipe_bw]=6000/120/4000
	[unix]=4000/500/2000 [file_open]=60000/400/2000
	[file_stat]=200000/15000/10000 [file_read]=2000/800/3000
	[file_read4k]=600/30/30 [file_write]=150/50/20 [sha256]=24/24/256
	[signal]=40000/800/3000 [epoll]=4000/500/2000 [tmpfs_rw]=64/64/256
	[tmpfs_rw4k]=96/6/16 [open_fstat]=20000/1500/5000)
# The start-up workloads, in table order; python3 and sqlite get fewer runs:
# under runsk in the VM one takes seconds.
STARTUP=(true busybox true_dyn python sqlite sqlite_nolock)
declare -A STARTUP_RUNS_OF=([python]=10 [sqlite]=6 [sqlite_nolock]=6)
# shellcheck disable=SC2016 # the backquotes are Markdown
# Row label (with unit) and target: "A B LIMIT" reads median(A)/median(B) ≤ LIMIT.
declare -A LABEL=([getppid]='getppid (ns/call)'
	[clock_gettime]='clock_gettime (ns/call)'
	[pagefault]='page fault (ns/page)'
	[pagefault_thp]='page fault, no madvise: THP policy (ns/page)'
	[mmap]='mmap+touch+munmap 64 KiB (ns/pair)'
	[mmap_notouch]='mmap+munmap 64 KiB, no touch (ns/pair)'
	[fork]='fork + exit + wait (ns/iteration)'
	[forkexec]='fork + execve `true` + wait (ns/iteration)'
	[thread]='pthread_create + join (ns/iteration)'
	[futex]='futex ping-pong, 2 threads (ns/round trip)'
	[pipe]='pipe ping-pong, 1 byte, 2 processes (ns/round trip)'
	[pipe_bw]='pipe throughput, 64 KiB writes (ns/64 KiB)'
	[unix]='AF_UNIX ping-pong, 1 byte, 2 processes (ns/round trip)'
	[file_open]='open + read + close, 1 KiB host file (ns/triple)'
	[file_stat]='stat, host file (ns/call)'
	[file_read]='read a 1 MiB host file (ns/MiB)'
	[file_read4k]='read a 1 MiB host file in 4 KiB reads (ns/MiB)'
	[file_write]='write a new 1 MiB file in 4 KiB writes, overlay (ns/MiB)'
	[sha256]='SHA-256, compute-bound (ns/MiB)'
	[true]='`true` start-up (ms)' [busybox]='`busybox true` start-up (ms)'
	[true_dyn]='Debian `/usr/bin/true` (dynamic) start-up (ms)'
	[python]='`python3 -c pass` start-up (ms)'
	[sqlite]='`sqlite3` inserting 100,000 rows (ms)'
	[sqlite_nolock]='the same, `sqlite3 -vfs unix-none`: no file locks (ms)'
	[signal]='signal to self, handler + sigreturn (ns/signal)'
	[epoll]='epoll_wait ping-pong, 1 byte, 2 processes (ns/round trip)'
	[tmpfs_rw]='tmpfs write + read back, 1 MiB calls (ns/MiB)'
	[tmpfs_rw4k]='tmpfs write + read back, 4 KiB calls (ns/MiB)'
	[open_fstat]='open + fstat + close, tmpfs file (ns/triple)'
	[idle_mem]='idle sandbox, RSS of its host processes (MiB)'
	[idle_pss]='idle sandbox, PSS of its host processes (MiB)')
declare -A TARGET=([getppid]='runsk floor 1.3' [clock_gettime]='runsk native 1.5'
	[pagefault]='runsk native 3' [sha256]='runsk native 1.05')
# The memory rows: idle_mem measures both (payload.sh), in KiB; the table says MiB.
MEMORY=(idle_mem idle_pss)
ALL="${NSOP[*]} ${STARTUP[*]} idle_mem"; ALL=${ALL// /,}
STARTUP_RUNS=20
RUN_LIMIT=30	# s; a start-up run that takes longer is killed and counted as hung
STALL_S=150	# s without any console output from the VM: it froze, stop it
RUNSC_CMD='runsc --platform=ptrace --network=none do'
IDLE_TARGET_MIB=20	# issue 7: an idle sandbox ≤ 20 MiB resident
RUN_TRUE_TARGET_MS=100	# issue 7: `runsk run` of true ≤ 100 ms median

reps=5 only=$ALL out='' build=build npt=1 use_runsc=1 use_runc=1 use_runsk_run=1
while [ $# -gt 0 ]; do
	case $1 in
	--quick)     reps=3 ;;
	--reps)      reps=${2:?}; shift ;;
	--reps=*)    reps=${1#*=} ;;
	--only)      only=${2:?}; shift ;;
	--only=*)    only=${1#*=} ;;
	--out)       out=${2:?}; shift ;;
	--out=*)     out=${1#*=} ;;
	--build)     build=${2:?}; shift ;;
	--build=*)   build=${1#*=} ;;
	--npt)       npt=${2:?}; shift ;;
	--npt=*)     npt=${1#*=} ;;
	--no-runsc)  use_runsc=0 ;;
	--no-runc)   use_runc=0 ;;
	--no-runsk-run) use_runsk_run=0 ;;
	-h|--help)   usage ;;
	*)           die "unknown argument $1 (see --help)" ;;
	esac
	shift
done
[[ $reps =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive number"
[[ $npt =~ ^[01]$ ]] || die "--npt must be 0 or 1"
w_re="(${ALL//,/|})"
[[ $only =~ ^$w_re(,$w_re)*$ ]] ||
	die "--only takes a comma-separated list of: ${ALL//,/, }"
case $build in /*) ;; *) build=$TOP/$build ;; esac
out=${out:-$build/bench-results}
mkdir -p "$out"
out=$(cd "$out" && pwd)
start=$SECONDS

# ------------------------------------------------------------------ build ---

if [ ! -f "$build/build.ninja" ]; then
	note "configuring $build"
	meson setup "$build" "$TOP" >&2 || die "meson setup failed"
fi
# The static runsk: its own target, or runsk itself in a -Dstatic=true build.
if ninja -C "$build" -t query oci/runsk-static >/dev/null 2>&1; then
	runsk_target=oci/runsk-static
else
	runsk_target=oci/runsk
fi
bench_progs=(getppid clock_gettime pagefault mmap kvm_floor fork forkexec thread futex pipe
	unix epoll signal file tmpfs sha256 true timeit)
bench_targets=("${bench_progs[@]/#/bench/}")
ninja -C "$build" "${bench_targets[@]}" "$runsk_target" >&2 || die "build failed"
bin=$build/bench
runsk=$build/$runsk_target

# ---------------------------------------------------------------- where ---

host_kernel=$(uname -r)
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	mode=direct kvm_kind=unknown
	for m in kvm_pvm kvm_intel kvm_amd; do
		[ -d /sys/module/$m ] && { kvm_kind=$m; break; }
	done
	if [ "$kvm_kind" = kvm_amd ]; then
		kvm_kind="kvm_amd direct, npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null || echo '?')"
	else
		kvm_kind="$kvm_kind direct"
	fi
else
	mode=vm kvm_kind="kvm_amd under QEMU/TCG, npt=$npt"
	file "$runsk" 2>/dev/null | grep -q 'statically linked' ||
		die "$runsk is not static: the VM has no shared libraries (build without sanitizers)"
fi

# ----------------------------------------------------------------- runsc ---

# runsc_status: "ok", or "n/a (reason)".  Tried on this host, never in the VM.
runsc_status='n/a (not installed)'
if [ "$use_runsc" = 0 ]; then
	runsc_status='n/a (--no-runsc)'
elif command -v runsc >/dev/null 2>&1; then
	# shellcheck disable=SC2086 # RUNSC_CMD is a word list
	if err=$(timeout 60 $RUNSC_CMD "$bin/true" 2>&1 >/dev/null); then
		runsc_status=ok
	else
		rc=$?
		why=$(printf '%s\n' "$err" | grep -v '^\s*$' | tail -n 1 | cut -c1-80 | tr '|' '/')
		[ "$rc" = 124 ] && why='timed out after 60 s'
		runsc_status="n/a (${why:-exit status $rc})"
	fi
fi

# ------------------------------------------------------------------ runc ---

# runc_status: "ok", or "n/a (reason)".  On this host, like runsc: static
# programs in a minimal bundle (oci-do.sh); it needs root and cgroups.
runc_status='n/a (not installed: Debian package runc)'
if [ "$use_runc" = 0 ]; then
	runc_status='n/a (--no-runc)'
elif command -v runc >/dev/null 2>&1; then
	probe=$(mktemp -d)
	if err=$(sh "$HERE/oci-do.sh" init "$probe/b" "$bin" "$probe" 2>&1 &&
		timeout 60 sh "$HERE/oci-do.sh" "$probe/b" "$bin/true" 2>&1 >/dev/null); then
		runc_status=ok
	else
		rc=$?
		why=$(printf '%s\n' "$err" | grep -v '^\s*$' | tail -n 1 | cut -c1-80 | tr '|' '/')
		[ "$rc" = 124 ] && why='timed out after 60 s'
		runc_status="n/a (${why:-exit status $rc})"
	fi
	rm -rf "$probe"
fi
note "mode: $mode ($kvm_kind); runsc: $runsc_status; runc: $runc_status"

# --------------------------------------------------------------- measure ---

raw=$out/raw.txt
: > "$raw"
# nsop_args W: "NATIVE/SLOW" for ns/op workload W in this mode.
nsop_args() { if [ "$mode" = vm ]; then echo "${ARGS_VM[$1]}"; else echo "${ARGS_DIRECT[$1]}"; fi; }
payload_opts=(-r "$reps" -s "$STARTUP_RUNS" -T "$RUN_LIMIT" -w "$only")
for w in "${NSOP[@]}"; do payload_opts+=(-a "$w=$(nsop_args "$w")"); done
for w in "${!STARTUP_RUNS_OF[@]}"; do payload_opts+=(-s "$w=${STARTUP_RUNS_OF[$w]}"); done
wants() { [[ ,$only, == *,$1,* ]]; }
# runsk run: where runsk runs, for its start-up and memory rows only
# (payload.sh probes it first and says whether it works).
run_rows=0 run_opt=()
for w in true busybox true_dyn python sqlite sqlite_nolock idle_mem; do
	wants "$w" && run_rows=1
done
if [ "$use_runsk_run" = 1 ] && [ "$run_rows" = 1 ]; then
	run_opt=(-o)
	runsk_run_status='n/a (not measured: see raw.txt)'
elif [ "$use_runsk_run" = 1 ]; then
	runsk_run_status='n/a (start-up and memory rows only)'
else
	runsk_run_status='n/a (--no-runsk-run)'
fi
# Debian's dynamically linked true and its python3 (not a wrapper earlier in
# PATH, e.g. pyenv's shim), as this host has them; payload.sh fails the cell
# of one that is missing.
host_dyn_opts=()
[ -x /usr/bin/true ] && host_dyn_opts+=(-d /usr/bin/true)
[ -x /usr/bin/python3 ] && host_dyn_opts+=(-y /usr/bin/python3)
[ -x /usr/bin/sqlite3 ] && host_dyn_opts+=(-q /usr/bin/sqlite3)

if [ "$mode" = direct ]; then
	runsc_opt=()
	[ "$runsc_status" = ok ] && runsc_opt=(-c "$RUNSC_CMD")
	[ "$runc_status" = ok ] && runsc_opt+=(-u)
	note "measuring here, $reps repetitions (a few minutes)"
	sh "$HERE/payload.sh" "${payload_opts[@]}" "${host_dyn_opts[@]}" -k "$runsk" -f \
		"${run_opt[@]}" "${runsc_opt[@]}" "$bin" |
		tee -a "$raw" | grep --line-buffered -E 'FAIL|^#' >&2 || true
else
	note "measuring inside one QEMU/TCG boot, $reps repetitions (5-10 minutes)"
	vm_log=$out/vm-console.txt
	# The VM has busybox and whatever the payload brings: Debian's true
	# under another name (/payload/true is ours, static), its sqlite3 CLI,
	# and python3 with its standard library laid out as tests/hwkvm does.
	# run-vm.sh copies their shared libraries to the same paths in the VM.
	stage=$out/vm-stage
	rm -rf "$stage"
	mkdir -p "$stage"
	vm_files=() vm_dyn_opts=()
	if wants true_dyn && [ -x /usr/bin/true ]; then
		mkdir -p "$stage/debian"
		cp /usr/bin/true "$stage/debian/true"
		vm_dyn_opts+=(-d debian/true)
	fi
	if { wants sqlite || wants sqlite_nolock; } && [ -x /usr/bin/sqlite3 ]; then
		mkdir -p "$stage/debian"
		cp /usr/bin/sqlite3 "$stage/debian/sqlite3"
		vm_dyn_opts+=(-q debian/sqlite3)
	fi
	[ ! -d "$stage/debian" ] || vm_files+=("$stage/debian")
	if wants python; then
		"$TOP/tests/hwkvm/stage-python.sh" "$stage/pyroot" ||
			note "tests/hwkvm/stage-python.sh failed: no python3 in the VM"
		for py in "$stage"/pyroot/usr/bin/python3*; do
			[ -x "$py" ] || continue
			vm_files+=("$stage/pyroot") vm_dyn_opts+=(-y "pyroot/usr/bin/${py##*/}")
			break
		done
	fi
	# In its own session, so that the watchdog below can stop all of it.
	setsid "$TOP/tests/hwkvm/run-vm.sh" --npt="$npt" --timeout=1800 \
		"${bench_progs[@]/#/$bin/}" "${vm_files[@]}" \
		"$runsk" "$HERE/payload.sh" "$HERE/oci-do.sh" -- \
		payload.sh "${payload_opts[@]}" "${run_opt[@]}" "${vm_dyn_opts[@]}" \
		-k "./$(basename "$runsk")" -f -t 600 . \
		> "$vm_log" &
	vm_pid=$!
	# Watchdog: every measurement prints within a minute or so even under
	# TCG, yet the whole nested VM has been seen to freeze (QEMU busy, the
	# guest kernel silent, timeit's own time limit never firing).  No new
	# console output for STALL_S seconds ends the run; the table then names
	# the cell that was running.
	last_size=-1 quiet=0
	while kill -0 "$vm_pid" 2>/dev/null; do
		sleep 5
		size=$(stat -c %s "$vm_log" 2>/dev/null || echo 0)
		if [ "$size" != "$last_size" ]; then last_size=$size quiet=0; continue; fi
		quiet=$((quiet + 5))
		if [ "$quiet" -ge "$STALL_S" ]; then
			note "no output from the VM for ${STALL_S}s: stopping it"
			kill -TERM -- "-$vm_pid" 2>/dev/null || true
			vm_stalled=1
			break
		fi
	done
	set +e
	wait "$vm_pid"
	vm_rc=$?
	set -e
	[ "$vm_rc" = 0 ] || note "run-vm.sh exit status $vm_rc (console in $vm_log)"
	rm -rf "$stage"	# run-vm.sh made its own copy
	grep -E '^(BENCH|INFO|#)' "$vm_log" >> "$raw" || true
	if ! grep -q '^INFO done' "$vm_log"; then
		note "the VM run did not finish: results are partial"
		vm_cut="VM run cut short (exit $vm_rc)"
		# The cell that was running when the VM froze or died.
		if last=$(sed -n 's/^INFO start //p' "$vm_log" | tail -n 1) && [ -n "$last" ]; then
			why="VM stopped here, exit $vm_rc"
			[ "${vm_stalled:-0}" = 1 ] && why="VM froze here: no output for ${STALL_S}s"
			echo "BENCH $last FAIL $why" >> "$raw"
		fi
	fi
	host_opts=()
	[ "$runsc_status" = ok ] && host_opts+=(-c "$RUNSC_CMD")
	[ "$runc_status" = ok ] && host_opts+=(-u)
	if [ ${#host_opts[@]} -gt 0 ]; then
		note "measuring runsc/runc on this host"
		# Host samples get their own variant names: they are not comparable
		# with the emulated ones.
		sh "$HERE/payload.sh" "${payload_opts[@]}" "${host_dyn_opts[@]}" \
			"${host_opts[@]}" "$bin" |
			sed -e 's/^\(BENCH [a-z0-9_]*\) native /\1 host_native /' \
			    -e 's/^INFO /INFO host_/' >> "$raw"
	fi
fi
grep -q '^BENCH ' "$raw" || { note "no samples at all (see $raw)"; exit 1; }
if [ ${#run_opt[@]} -gt 0 ]; then
	st=$(sed -n 's/^INFO runsk_run //p' "$raw" | head -n 1)
	if [ -n "$st" ]; then
		runsk_run_status=$st
	elif [ -n "${vm_cut:-}" ]; then
		runsk_run_status="n/a ($vm_cut)"
	fi
	note "runsk run: $runsk_run_status"
fi

# ---------------------------------------------------------------- report ---

# stats: "workload variant median min max count" per measured cell, or
# "workload variant FAIL reason", or "workload variant NA reason" (the
# kernel lacks what the workload needs), plus "workload variant HUNG count"
# for start-up runs that were killed.  Median of all samples of the cell.
stats=$(awk '
$1 == "BENCH" && $4 == "FAIL" {
	why = $0; sub(/^BENCH [^ ]+ [^ ]+ FAIL */, "", why); fail[$2 " " $3] = why; next
}
$1 == "BENCH" && $4 == "NA" { na[$2 " " $3] = $5; next }
$1 == "BENCH" && $4 == "HUNG" { hung[$2 " " $3] += $5; next }
$1 == "BENCH" {
	k = $2 " " $3; n = ++cnt[k]; v[k, n] = $4 + 0
	# insertion sort: a cell has at most a few dozen samples
	for (i = n; i > 1 && v[k, i - 1] > v[k, i]; i--) {
		t = v[k, i]; v[k, i] = v[k, i - 1]; v[k, i - 1] = t
	}
}
END {
	for (k in cnt) {
		n = cnt[k]
		med = n % 2 ? v[k, (n + 1) / 2] : (v[k, n / 2] + v[k, n / 2 + 1]) / 2
		printf "%s %.1f %.1f %.1f %d\n", k, med, v[k, 1], v[k, n], n
	}
	for (k in fail) printf "%s FAIL %s\n", k, fail[k]
	for (k in na) printf "%s NA %s\n", k, na[k]
	for (k in hung) printf "%s HUNG %d\n", k, hung[k]
}' "$raw")

declare -A MED MIN MAX CNT FAILED HUNG UNSUP
while read -r w v a rest; do
	[ -n "$w" ] || continue
	if [ "$a" = FAIL ]; then FAILED[$w.$v]=$rest; continue; fi
	if [ "$a" = NA ]; then UNSUP[$w.$v]=$rest; continue; fi
	if [ "$a" = HUNG ]; then HUNG[$w.$v]=$rest; continue; fi
	read -r b c d <<<"$rest"
	MED[$w.$v]=$a MIN[$w.$v]=$b MAX[$w.$v]=$c CNT[$w.$v]=$d
done <<<"$stats"
info() { sed -n "s/^INFO $1 //p" "$raw" | head -n 1; }

div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b }'; }
scaled() { awk -v x="$1" -v s="$2" -v f="$3" 'BEGIN { printf f, x / s }'; }

# cell W V SCALE FMT: "median (min–max)" or "n/a (why)".
cell() {
	local k=$1.$2
	if [ -n "${MED[$k]:-}" ]; then
		printf '%s (%s–%s)' "$(scaled "${MED[$k]}" "$3" "$4")" \
			"$(scaled "${MIN[$k]}" "$3" "$4")" "$(scaled "${MAX[$k]}" "$3" "$4")"
		[ -z "${HUNG[$k]:-}" ] || printf ', **%s hung**' "${HUNG[$k]}"
		[ -z "${FAILED[$k]:-}" ] || printf ', **then failed: %s**' "${FAILED[$k]}"
	elif [ -n "${FAILED[$k]:-}" ]; then
		printf 'n/a (failed: %s)' "${FAILED[$k]}"
		[ -z "${HUNG[$k]:-}" ] || printf ', **%s hung**' "${HUNG[$k]}"
	elif [ -n "${UNSUP[$k]:-}" ]; then
		# Not a failure: the program found the call missing ("socketpair:ENOSYS").
		local what='not supported here'
		[ "$k" = unix.runsk ] && what='no AF_UNIX sockets in the Sentry yet'
		printf 'n/a (%s: %s)' "$what" "${UNSUP[$k]/:/ → }"
	elif [ -n "$vm_cut" ] && [[ $2 != runsc && $2 != runc && $2 != host_* ]]; then
		printf 'n/a (%s)' "$vm_cut"
	else
		printf '—'
	fi
}
# ratio W A B: median(A)/median(B) as "1.23×", or "—".
ratio() {
	local a=${MED[$1.$2]:-} b=${MED[$1.$3]:-}
	if [ -n "$a" ] && [ -n "$b" ]; then printf '%s×' "$(div "$a" "$b")"; else printf '—'; fi
}
verdict() { # verdict VALUE LIMIT: "yes"/"no"/"—"
	[ -n "$1" ] || { printf '—'; return; }
	awk -v x="$1" -v l="$2" 'BEGIN { printf (x <= l ? "yes" : "no") }'
}

runsc_native_v=native
[ "$mode" = vm ] && runsc_native_v=host_native
vm_cut=${vm_cut:-}
date_s=$(date -u +%Y-%m-%dT%H:%M:%SZ)
where="host kernel $host_kernel"
[ "$mode" = vm ] && where="$where; guest kernel $(info kernel) in QEMU/TCG"

md=$out/results.md csv=$out/results.csv
{
	echo "# sentry-kvm bench — $date_s"
	echo
	echo "$where; KVM: **$kvm_kind**; $reps repetitions, interleaved; runsk run: $runsk_run_status; runsc: $runsc_status; runc: $runc_status"
	echo
	if [ "$mode" = vm ]; then
		echo "> Measured inside QEMU/TCG: every time is an **emulation time**. Only"
		echo "> ratios between columns of this one run mean anything; absolute"
		echo "> numbers and the 30 ms start-up target do not apply here."
		echo
	fi
	echo "Cells: median (min–max) over all samples: ns/op rows in ns per call, page or"
	echo "pair as labelled, one sample per repetition; start-up rows in ms per run."
	echo
	echo "| workload | native | runsk | floor | runsk/native | runsk/floor | runsk run | runsk run/native | target | runsc | runsc/native | runc | runc/native |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	# runsk run: its status when it does not work, "—" on the ns/op rows
	# (not measured: payload.sh says why).
	run_cell() { # run_cell W SCALE FMT
		if [ "$runsk_run_status" = ok ]; then cell "$1" runsk_run "$2" "$3"; else printf '%s' "$runsk_run_status"; fi
	}
	runsc_cell() { # runsc_cell W SCALE FMT
		if [ "$runsc_status" = ok ]; then cell "$1" runsc "$2" "$3"; else printf '%s' "$runsc_status"; fi
	}
	runc_cell() { # runc_cell W SCALE FMT
		if [ "$runc_status" = ok ]; then cell "$1" runc "$2" "$3"; else printf '%s' "$runc_status"; fi
	}
	for w in "${NSOP[@]}"; do
		[[ ,$only, == *,$w,* ]] || continue
		target='—' floor_c='—' floor_r='—'
		if [ -n "${TARGET[$w]:-}" ]; then
			read -r ta tb tl <<<"${TARGET[$w]}"
			r=$(ratio "$w" "$ta" "$tb"); r=${r%×}
			[ "$r" = — ] && r=''
			target="$ta/$tb ≤ $tl×: $(verdict "$r" "$tl")"
		fi
		if [ "$w" = getppid ]; then
			floor_c=$(cell "$w" floor 1 %.0f) floor_r=$(ratio "$w" runsk floor)
		fi
		printf '| %s | %s | %s | %s | %s | %s | — | — | %s | %s | %s | %s | %s |\n' "${LABEL[$w]}" \
			"$(cell "$w" native 1 %.0f)" "$(cell "$w" runsk 1 %.0f)" "$floor_c" \
			"$(ratio "$w" runsk native)" "$floor_r" "$target" \
			"$(runsc_cell "$w" 1 %.0f)" "$(ratio "$w" runsc "$runsc_native_v")" \
			"$(runc_cell "$w" 1 %.0f)" "$(ratio "$w" runc "$runsc_native_v")"
	done
	for w in "${STARTUP[@]}"; do
		[[ ,$only, == *,$w,* ]] || continue
		# The start-up target is for small static programs (issue 7), and
		# that of runsk run for `true`.
		if [ "$w" != true ] && [ "$w" != busybox ]; then
			target='—'
		elif [ "$mode" = vm ]; then
			target='runsk ≤ 30 ms: n/a under TCG'
		else
			target="runsk ≤ 30 ms: $(verdict "$(awk -v x="${MED[$w.runsk]:-}" 'BEGIN { if (x != "") print x / 1000 }')" 30)"
		fi
		if [ "$w" = true ] && [ "$mode" = vm ]; then
			target="$target; runsk run ≤ $RUN_TRUE_TARGET_MS ms: n/a under TCG"
		elif [ "$w" = true ]; then
			target="$target; runsk run ≤ $RUN_TRUE_TARGET_MS ms: $(verdict "$(awk -v x="${MED[$w.runsk_run]:-}" 'BEGIN { if (x != "") print x / 1000 }')" "$RUN_TRUE_TARGET_MS")"
		fi
		printf '| %s | %s | %s | — | %s | — | %s | %s | %s | %s | %s | %s | %s |\n' "${LABEL[$w]}" \
			"$(cell "$w" native 1000 %.2f)" "$(cell "$w" runsk 1000 %.2f)" \
			"$(ratio "$w" runsk native)" \
			"$(run_cell "$w" 1000 %.2f)" "$(ratio "$w" runsk_run native)" "$target" \
			"$(runsc_cell "$w" 1000 %.2f)" "$(ratio "$w" runsc "$runsc_native_v")" \
			"$(runc_cell "$w" 1000 %.2f)" "$(ratio "$w" runc "$runsc_native_v")"
	done
	# Memory, in MiB: the runtime's host processes while its guest sleeps;
	# native is the sleeping program alone, for reference.  Issue 7's target
	# is absolute.
	for w in "${MEMORY[@]}"; do
		wants idle_mem || continue
		target='—'
		if [ "$w" = idle_mem ]; then
			target="runsk ≤ $IDLE_TARGET_MIB MiB: $(verdict "$(awk -v x="${MED[$w.runsk]:-}" 'BEGIN { if (x != "") print x / 1024 }')" "$IDLE_TARGET_MIB")"
		fi
		# No ratios: a multiple of one sleeping process's memory says nothing.
		printf '| %s | %s | %s | — | — | — | %s | — | %s | %s | — | %s | — |\n' "${LABEL[$w]}" \
			"$(cell "$w" native 1024 %.1f)" "$(cell "$w" runsk 1024 %.1f)" \
			"$(run_cell "$w" 1024 %.1f)" "$target" \
			"$(runsc_cell "$w" 1024 %.1f)" "$(runc_cell "$w" 1024 %.1f)"
	done
	echo
	echo "- floor: \`kvm_floor\`, one \`out\` from guest ring 3 per iteration and a bare"
	echo "  \`KVM_RUN\` re-entry — the least any runsk syscall can cost on this KVM."
	parts=() nsamples=''
	for w in "${NSOP[@]}"; do
		[[ ,$only, == *,$w,* ]] || continue
		unit=calls
		case $w in
		pagefault*)            unit=MiB ;;
		mmap*)                 unit=pairs ;;
		fork|forkexec|thread)  unit=iterations ;;
		futex|pipe|epoll)      unit='round trips' ;;
		signal)                unit=signals ;;
		tmpfs_rw*)             unit='MiB written and read' ;;
		open_fstat)            unit=triples ;;
		pipe_bw)               unit='64 KiB writes' ;;
		unix)                  unit='round trips' ;;
		file_open)             unit=triples ;;
		file_read|file_read4k) unit='reads of 1 MiB' ;;
		file_write)            unit='files of 1 MiB' ;;
		sha256)                unit=MiB ;;
		esac
		parts+=("$w $(nsop_args "$w") $unit")
		nsamples=${nsamples:-${CNT[$w.runsk]:-${CNT[$w.native]:-}}}
	done
	if [ ${#parts[@]} -gt 0 ]; then
		(IFS=','; echo "- ns/op arguments, native/others (runsk, floor, runsc) or native/runsk/runsc:${parts[*]/#/ };")
		echo "  samples per cell: ${nsamples:-0} (one per repetition)."
	fi
	if [[ ,$only, == *,pagefault,* || ,$only, == *,pagefault_thp,* ]]; then
		thp=$(info thp) thp_where='here'
		[ "$mode" = vm ] && thp_where='in the VM'
		echo "- page fault: first write to each 4 KiB page of one fresh anonymous mapping,"
		echo "  \`pagefault -s\`: MADV_NOHUGEPAGE, so one fault per page natively whatever"
		echo "  the transparent-huge-page policy ($thp_where: \`${thp:-unknown}\`); the"
		echo "  THP row maps without madvise, as a program's heap is: natively the policy"
		echo "  decides, under runsk the fault-around window grows on sequential faults."
	fi
	if wants pipe_bw; then
		parts=()
		for v in native runsk runsc host_native; do
			[ -n "${MED[pipe_bw.$v]:-}" ] || continue
			name=$v
			[ "$mode" = vm ] && [ "$v" = native ] && name='native in the VM'
			[ "$v" = host_native ] && name='native on this host'
			parts+=("$name $(awk -v ns="${MED[pipe_bw.$v]}" 'BEGIN { printf "%.1f", 62500000 / ns }')")
		done
		[ ${#parts[@]} -eq 0 ] ||
			(IFS=','; echo "- pipe throughput in MiB/s, from the medians:${parts[*]/#/ }.")
	fi
	if wants file_open || wants file_stat || wants file_read; then
		echo "- host file: 1 KiB (open, stat) and 1 MiB (read), made by \`payload.sh\` in a"
		echo "  temporary directory before the runs; under runsk reached through the gofer,"
		echo "  as the overlay's lower layer."
	fi
	if wants file_write; then
		echo "- file write: per new file of 1 MiB in that directory (create, 256 × 4 KiB"
		echo "  \`write\`, close, unlink); under runsk it lives in the overlay's in-memory"
		echo "  upper layer and never reaches the host."
	fi
	if wants tmpfs_rw || wants tmpfs_rw4k || wants open_fstat; then
		echo "- tmpfs: a file in \`/dev/shm\` (natively: $(info shm_native)), per pass created,"
		echo "  written to its end, read back with \`pread\`, unlinked: min(N, 256) MiB per"
		echo "  pass; under runsk the Sentry's own tmpfs, no gofer. open + fstat + close:"
		echo "  one 1 KiB file there."
	fi
	if wants signal; then
		echo "- signal: \`tgkill\` of SIGUSR1 to oneself (not \`raise\`, which adds two"
		echo "  \`rt_sigprocmask\`), the handler's frame built, the handler, \`rt_sigreturn\`."
	fi
	if wants epoll; then
		echo "- epoll: \`pipe\`'s round trip with each side sleeping in \`epoll_wait\` first;"
		echo "  epoll minus pipe is what two waits and wake-ups through epoll add."
	fi
	if wants idle_mem; then
		echo "- idle memory: \`busybox sleep 4\` under each runtime, sampled after 2 s: the"
		echo "  sum of Rss and of Pss (\`/proc/PID/smaps_rollup\`) over the process tree the"
		echo "  runtime's command started — runsk (do and run): the Sentry and its gofer;"
		echo "  runsc: its sandbox and gofer; runc: runc and the container's process; native: the"
		echo "  sleep alone, for reference (no ratios: the target is absolute). Memory"
		echo "  is not slowed down by emulation: the VM's cells hold as they are."
	fi
	if wants sha256; then
		echo "- SHA-256: our own C code over one 1 MiB buffer hashed N times, no system"
		echo "  call while timed: what the sandbox costs code that never leaves it."
	fi
	startup_note="$STARTUP_RUNS runs per cell"
	for w in "${!STARTUP_RUNS_OF[@]}"; do
		wants "$w" && startup_note="$startup_note ($w: ${STARTUP_RUNS_OF[$w]})"
	done
	echo "- start-up: $startup_note (wall time of spawn + exit, measured by \`timeit\`)."
	if wants python && [ "$mode" = vm ]; then
		echo "  python3: Debian's, with its standard library, staged into the VM as"
		echo "  \`tests/hwkvm/stage-python.sh\` lays it out."
	fi
	if wants sqlite || wants sqlite_nolock; then
		echo "  sqlite3: Debian's CLI creating a new database in a temporary directory"
		echo "  (\`.open --new\`) and inserting 100,000 rows in one transaction, one"
		echo "  \`INSERT ... SELECT\` over a recursive CTE, \`synchronous=OFF\`;"
		echo "  \`sqlite_nolock\` does the same with SQLite's \`unix-none\` VFS, i.e."
		echo "  without its \`fcntl(F_SETLK)\` record locks (the Sentry had none in"
		echo "  2026-11: then \`sqlite\` fails under runsk with \"disk I/O error\")."
	fi
	[ -z "${HUNG[*]+set}" ] ||	# (${#HUNG[@]} trips set -u when empty)
		echo "  \"1 hung\": a run took over $RUN_LIMIT s and was killed; the cell then stops (see raw.txt)."
	if [ "$mode" = vm ]; then
		echo "- targets are meant for real KVM. Under TCG an exit costs ~100× a native"
		echo "  syscall instead of ~10×, and nested-paging faults are emulated too, so a"
		echo "  ratio here shows direction and change between runs, not whether the"
		echo "  target is met on hardware."
	fi
	if [ "$mode" = vm ] && { [ "$runsc_status" = ok ] || [ "$runc_status" = ok ]; }; then
		on_host="runsc (\`$RUNSC_CMD\`) and runc"
		[ "$runc_status" = ok ] || on_host="runsc (\`$RUNSC_CMD\`)"
		[ "$runsc_status" = ok ] || on_host=runc
		echo "- $on_host ran on this host outside the VM; ratios to native there are"
		parts=()
		for w in "${NSOP[@]}"; do
			[ -z "${MED[$w.host_native]:-}" ] ||
				parts+=("$w $(cell "$w" host_native 1 %.0f) ns")
		done
		for w in "${STARTUP[@]}"; do
			[ -z "${MED[$w.host_native]:-}" ] ||
				parts+=("${LABEL[$w]% start-up*} $(cell "$w" host_native 1000 %.2f) ms")
		done
		for w in "${MEMORY[@]}"; do
			[ -z "${MED[$w.host_native]:-}" ] ||
				parts+=("$w $(cell "$w" host_native 1024 %.1f) MiB")
		done
		(IFS=';'; echo "  against native on this host:${parts[*]/#/ }.")
	elif [ "$runsc_status" = ok ]; then
		echo "- runsc: \`$RUNSC_CMD\`, interleaved with the others."
	fi
	if [ "$runsk_run_status" = ok ]; then
		echo "- runsk run: \`runsk run\` of a new container per program, interleaved with"
		echo "  the others, from the same bundle as runc's (\`bench/oci-do.sh\`; container"
		echo "  state in a temporary directory): start-up and memory rows only, the ns/op"
		echo "  rows would repeat runsk's (the same Sentry once started); dynamic programs"
		echo "  n/a as for runc. Its start-up is \`runsk do\`'s plus reading config.json,"
		echo "  recording the container's state and the bind mount of the file inputs."
	fi
	if [ "$runc_status" = ok ]; then
		runc_where='interleaved with the others'
		[ "$mode" = vm ] && runc_where='on this host, as runsc'
		echo "- runc: \`runc run\` of a new container per program, $runc_where,"
		echo "  from a minimal bundle (\`bench/oci-do.sh\`: a read-only rootfs of the"
		echo "  static bench programs and busybox, the file inputs bind-mounted);"
		echo "  dynamic programs are n/a there (no libraries in the rootfs); start-up"
		echo "  includes runc's container creation."
	fi
	echo "- took $((SECONDS - start)) s; raw samples in \`$(basename "$raw")\`."
} > "$md"

# CSV: one row per cell and per ratio, the run's metadata on every row.
{
	echo 'date,host_kernel,kvm,workload,variant,unit,median,min,max,samples,hung'
	for k in $(printf '%s\n' "${!MED[@]}" | sort); do
		w=${k%%.*} v=${k#*.} unit=ns
		[[ " ${STARTUP[*]} " == *" $w "* ]] && unit=us
		[[ " ${MEMORY[*]} " == *" $w "* ]] && unit=KiB
		printf '%s,%s,"%s",%s,%s,%s,%s,%s,%s,%s,%s\n' "$date_s" "$host_kernel" "$kvm_kind" \
			"$w" "$v" "$unit" "${MED[$k]}" "${MIN[$k]}" "${MAX[$k]}" "${CNT[$k]}" "${HUNG[$k]:-0}"
	done
	for k in $(printf '%s\n' "${!FAILED[@]}" | sort); do
		[ -z "${MED[$k]:-}" ] || continue
		printf '%s,%s,"%s",%s,%s,failed,,,,0,%s\n' "$date_s" "$host_kernel" "$kvm_kind" \
			"${k%%.*}" "${k#*.}" "${HUNG[$k]:-0}"
	done
	for k in $(printf '%s\n' "${!UNSUP[@]}" | sort); do
		printf '%s,%s,"%s",%s,%s,unsupported,,,,0,0\n' "$date_s" "$host_kernel" "$kvm_kind" \
			"${k%%.*}" "${k#*.}"
	done
	pairs=(getppid:runsk:floor)
	for w in "${NSOP[@]}" "${STARTUP[@]}"; do
		pairs+=("$w:runsk:native" "$w:runsk_run:native" "$w:runsc:$runsc_native_v"
			"$w:runc:$runsc_native_v")
	done
	for pair in "${pairs[@]}"; do
		IFS=: read -r w a b <<<"$pair"
		r=$(ratio "$w" "$a" "$b"); r=${r%×}
		[ "$r" = — ] && continue
		printf '%s,%s,"%s",%s,%s/%s,ratio,%s,,,,\n' "$date_s" "$host_kernel" "$kvm_kind" "$w" "$a" "$b" "$r"
	done
} > "$csv"

# Chart: one horizontal bar per workload and runtime, from 1 (native) to its
# ratio to native on a log scale, so that 2× slower and 2× faster are bars of
# the same length; the ratios are those of the table.
png=$out/results.png
chart() {
	local dat=$out/.chart.dat n=0 w r1 r2 r3 r4
	# Rows: index, name, runsk, runsk run, runsc and runc ratios (0: none),
	# their labels.  Times only: the memory rows have no ratio to native.
	for w in "${NSOP[@]}" "${STARTUP[@]}"; do
		wants "$w" || continue
		r1=$(ratio "$w" runsk native) r2=$(ratio "$w" runsk_run native)
		r3=$(ratio "$w" runsc "$runsc_native_v") r4=$(ratio "$w" runc "$runsc_native_v")
		[ "$r1$r2$r3$r4" != ———— ] || continue
		[ "$r1" = — ] && r1=n/a
		# runsk run has no ns/op cells (not measured): no label there.
		[ "$r2" = — ] && r2=n/a
		[[ " ${NSOP[*]} " != *" $w "* ]] || [ "$r2" != n/a ] || r2=''
		[ "$r3" = — ] && r3=n/a
		[ "$r4" = — ] && r4=n/a
		printf '%d "%s" %s %s %s %s "%s" "%s" "%s" "%s"\n' "$n" "$w" "$(chart_num "$r1")" \
			"$(chart_num "$r2")" "$(chart_num "$r3")" "$(chart_num "$r4")" \
			"$r1" "$r2" "$r3" "$r4"
		n=$((n + 1))
	done > "$dat"
	if [ "$n" = 0 ]; then rm -f "$dat" "$png"; return 1; fi
	local runsc_title='runsc (ptrace)' runc_title='runc'
	if [ "$mode" = vm ]; then
		runsc_title='runsc (ptrace), on the host, against native there'
		runc_title='runc, on the host'
	fi
	# The x range: from below the smallest ratio (at most 0.25) to well past
	# the largest (room for the value printed after each bar).
	local range
	range=$(awk '{ for (i = 3; i <= 6; i++) if ($i > 0) {
			if (lo == "" || $i < lo) lo = $i; if (hi == "" || $i > hi) hi = $i } }
		END { printf "%g:%g", (lo < 0.5 ? lo / 2 : 0.25), (hi > 2 ? hi * 5 : 10) }' "$dat")
	# Four bars per workload, at y = row - 0.3 (runsk), row - 0.1 (runsk
	# run), row + 0.1 (runsc) and row + 0.3 (runc), the first workload at
	# the top; each from 1 to its ratio.
	gnuplot 2>&1 <<-EOF
	set terminal pngcairo noenhanced size 1000,$((170 + 44 * n)) font 'sans,10'
	set output '$png'
	set title "sentry-kvm bench, $date_s: time relative to native (lower is better)\n$kvm_kind"
	set logscale x 10
	set xrange [$range]
	set yrange [$n - 0.5:-0.5]
	set xlabel 'ratio to native (log scale; 1 = as fast as native)'
	set grid xtics
	set key above horizontal
	set arrow from 1, graph 0 to 1, graph 1 nohead lc rgb '#555555' dt 2
	set style fill solid 0.85 noborder
	m(r) = r < 1 ? r : 1
	M(r) = r > 1 ? r : 1
	ok(r) = r > 0 ? r : NaN
	plot '$dat' using (ok(\$3)):(\$1 - 0.3):(m(\$3)):(M(\$3)):(\$1 - 0.39):(\$1 - 0.21):ytic(2) \\
	         with boxxyerror lc rgb '#1f77b4' title 'runsk', \\
	     '$dat' using (ok(\$4)):(\$1 - 0.1):(m(\$4)):(M(\$4)):(\$1 - 0.19):(\$1 - 0.01) \\
	         with boxxyerror lc rgb '#9467bd' title 'runsk run (OCI)', \\
	     '$dat' using (ok(\$5)):(\$1 + 0.1):(m(\$5)):(M(\$5)):(\$1 + 0.01):(\$1 + 0.19) \\
	         with boxxyerror lc rgb '#ff7f0e' title '$runsc_title', \\
	     '$dat' using (ok(\$6)):(\$1 + 0.3):(m(\$6)):(M(\$6)):(\$1 + 0.21):(\$1 + 0.39) \\
	         with boxxyerror lc rgb '#2ca02c' title '$runc_title', \\
	     '$dat' using (M(\$3) * 1.08):(\$1 - 0.3):7 with labels left font ',7' notitle, \\
	     '$dat' using (M(\$4) * 1.08):(\$1 - 0.1):8 with labels left font ',7' notitle, \\
	     '$dat' using (M(\$5) * 1.08):(\$1 + 0.1):9 with labels left font ',7' notitle, \\
	     '$dat' using (M(\$6) * 1.08):(\$1 + 0.3):10 with labels left font ',7' notitle
	EOF
	local rc=$?
	rm -f "$dat"
	return $rc
}
# chart_num RATIO: "1.23×" as a number for gnuplot, 0 for "n/a".
chart_num() { case $1 in n/a|'') echo 0 ;; *) echo "${1%×}" ;; esac; }
if ! command -v gnuplot >/dev/null 2>&1; then
	note "gnuplot not installed: no chart (scripts/setup.sh installs gnuplot-nox)"
	png=''
elif ! err=$(chart); then
	note "no chart: ${err:-no ratio to plot}"
	png=''
fi

cat "$md"
note "results in $md, $csv${png:+, $png} (took $((SECONDS - start)) s)"
