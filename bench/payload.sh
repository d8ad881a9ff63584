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
# BINDIR holds the workloads: getppid, kvm_floor, true, timeit.
#
# Options (defaults in brackets):
#   -r REPS      repetitions of each getppid measurement [5]
#   -N ITERS     getppid iterations for the native variant [200000]
#   -n ITERS     iterations for the slow variants: runsk, floor, runsc [10000]
#   -s RUNS      start-up runs per workload and variant, split over the reps [20]
#   -w LIST      workloads, comma-separated: getppid,true,busybox [all]
#   -k RUNSK     the runsk binary; enables the runsk variant
#   -c 'RUNSC'   a runsc command line (e.g. 'runsc --platform=ptrace do');
#                enables the runsc variant
#   -f           enable the floor variant (kvm_floor; getppid only)
#   -t SECS      time limit of a single getppid measurement [600]
#   -T SECS      time limit of a single start-up run; a run over it is killed
#                and counted as hung, not as a sample [60]
# A cell that fails or hangs is reported once and not run again.
#
# Variants run interleaved — native, runsk, floor, runsc, then again — so that
# a slow phase of a noisy machine hits all of them alike.
#
# Output, one line per sample (value in ns/op for getppid, µs for start-up):
#   BENCH <workload> <variant> <value>
#   BENCH <workload> <variant> FAIL <why>     (then the command's stderr as # lines)
#   BENCH <workload> <variant> HUNG <count>   (start-up runs killed by -T)
#   INFO <key> <value...>
#   INFO start <workload> <variant>           (before each measurement, so that
#                                              a frozen VM shows where it froze)

reps=5 n_native=200000 n_slow=10000 startup_runs=20 limit=600 run_limit=60
workloads=getppid,true,busybox runsk='' runsc='' floor=0
while getopts r:N:n:s:w:k:c:ft:T: opt; do
	case $opt in
	r) reps=$OPTARG ;;
	N) n_native=$OPTARG ;;
	n) n_slow=$OPTARG ;;
	s) startup_runs=$OPTARG ;;
	w) workloads=$OPTARG ;;
	k) runsk=$OPTARG ;;
	c) runsc=$OPTARG ;;
	f) floor=1 ;;
	t) limit=$OPTARG ;;
	T) run_limit=$OPTARG ;;
	*) echo "usage: $0 [-r REPS] [-N N] [-n N] [-s RUNS] [-w LIST] [-k RUNSK] [-c RUNSC] [-f] [-t SECS] [-T SECS] BINDIR" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "payload.sh: BINDIR missing" >&2; exit 2; }
bin=$(cd "$1" && pwd) || exit 2

busybox=$(command -v busybox 2>/dev/null)
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

echo "INFO kernel $(uname -r)"
echo "INFO cpus $(grep -c '^processor' /proc/cpuinfo)"
[ -r /sys/module/kvm_amd/parameters/npt ] &&
	echo "INFO kvm_amd_npt $(cat /sys/module/kvm_amd/parameters/npt)"

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

# measure_getppid VARIANT
measure_getppid() {
	v=$1
	echo "INFO start getppid $v"
	# shellcheck disable=SC2046 # the prefix is a word list on purpose
	case $v in
	native) set -- "$bin/getppid" "$n_native" ;;
	floor)  set -- "$bin/kvm_floor" "$n_slow" ;;
	*)      set -- $(wrap "$v") "$bin/getppid" "$n_slow" ;;
	esac
	timeout "$limit" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail getppid "$v" "exit:$rc"
		return
	fi
	val=$(sed -n 's/^ns_per_op=\([0-9.]*\)$/\1/p' "$tmp/out" | tail -n 1)
	if [ -n "$val" ]; then
		echo "BENCH getppid $v $val"
	else
		fail getppid "$v" "no-ns_per_op-line"
	fi
}

# measure_startup WORKLOAD VARIANT RUNS
measure_startup() {
	w=$1 v=$2 runs=$3
	echo "INFO start $w $v"
	case $w in
	true)    prog="$bin/true" ;;
	busybox) prog="$busybox true" ;;
	esac
	if [ "$w" = busybox ] && [ -z "$busybox" ]; then
		: >"$tmp/err"
		fail "$w" "$v" "busybox-not-found"
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

variants=native
[ -n "$runsk" ] && variants="$variants runsk"
[ "$floor" = 1 ] && variants="$variants floor"
[ -n "$runsc" ] && variants="$variants runsc"
echo "INFO variants $variants"
echo "INFO reps $reps"

rep=0
while [ "$rep" -lt "$reps" ]; do
	# This rep's share of the start-up runs: the total is exactly -s.
	share=$((startup_runs / reps))
	[ "$rep" -lt $((startup_runs % reps)) ] && share=$((share + 1))
	for v in $variants; do
		has getppid && ! is_broken getppid "$v" && measure_getppid "$v"
	done
	for w in true busybox; do
		if ! has "$w" || [ "$share" -eq 0 ]; then
			continue
		fi
		for v in $variants; do
			[ "$v" = floor ] || is_broken "$w" "$v" ||
				measure_startup "$w" "$v" "$share"
		done
	done
	rep=$((rep + 1))
done
echo "INFO done"
