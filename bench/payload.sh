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
# kvm_floor, true, timeit.
#
# Two kinds of workloads:
#   ns/op      one run prints ns_per_op=<float>; one sample per repetition.
#              getppid        getppid [ITERS]        ns per call
#              clock_gettime  clock_gettime [ITERS]  ns per call
#              pagefault      pagefault -s [MIB]     ns per 4 KiB page (-s: no
#                                                    huge pages, a fault a page)
#              mmap           mmap [PAIRS]           ns per mmap+touch+munmap
#              mmap_notouch   mmap -n [PAIRS]        ns per mmap+munmap
#   start-up   true, busybox (busybox true): timeit runs, µs per run.
#
# Options (defaults in brackets):
#   -r REPS      repetitions of each ns/op measurement [5]
#   -a W=NAT/SLOW  the argument of ns/op workload W (iterations, or MiB for
#                pagefault): NAT for the native variant, SLOW for the others
#                (runsk, floor, runsc); repeatable.  Defaults: getppid=200000/
#                10000 clock_gettime=1000000/200000 pagefault=256/256
#                mmap=5000/2000 mmap_notouch=20000/2000
#   -s RUNS      start-up runs per workload and variant, split over the reps [20]
#   -w LIST      workloads, comma-separated [all of the above]
#   -k RUNSK     the runsk binary; enables the runsk variant
#   -c 'RUNSC'   a runsc command line (e.g. 'runsc --platform=ptrace do');
#                enables the runsc variant
#   -f           enable the floor variant (kvm_floor; getppid only)
#   -t SECS      time limit of a single ns/op measurement [600]
#   -T SECS      time limit of a single start-up run; a run over it is killed
#                and counted as hung, not as a sample [60]
# A cell that fails or hangs is reported once and not run again.
#
# Variants run interleaved — native, runsk, floor, runsc, then again — so that
# a slow phase of a noisy machine hits all of them alike.
#
# Output, one line per sample (value in ns/op for ns/op workloads, µs for
# start-up):
#   BENCH <workload> <variant> <value>
#   BENCH <workload> <variant> FAIL <why>     (then the command's stderr as # lines)
#   BENCH <workload> <variant> HUNG <count>   (start-up runs killed by -T)
#   INFO <key> <value...>
#   INFO start <workload> <variant>           (before each measurement, so that
#                                              a frozen VM shows where it froze)

NSOP='getppid clock_gettime pagefault mmap mmap_notouch'
reps=5 startup_runs=20 limit=600 run_limit=60
workloads=getppid,clock_gettime,pagefault,mmap,mmap_notouch,true,busybox
runsk='' runsc='' floor=0
# W=NATIVE/SLOW, one per word; a later word for the same W wins.
wargs='getppid=200000/10000 clock_gettime=1000000/200000 pagefault=256/256
mmap=5000/2000 mmap_notouch=20000/2000'
while getopts r:a:s:w:k:c:ft:T: opt; do
	case $opt in
	r) reps=$OPTARG ;;
	a) case $OPTARG in
	   *=*/*) wargs="$wargs $OPTARG" ;;
	   *) echo "payload.sh: -a takes W=NATIVE/SLOW, not $OPTARG" >&2; exit 2 ;;
	   esac ;;
	s) startup_runs=$OPTARG ;;
	w) workloads=$OPTARG ;;
	k) runsk=$OPTARG ;;
	c) runsc=$OPTARG ;;
	f) floor=1 ;;
	t) limit=$OPTARG ;;
	T) run_limit=$OPTARG ;;
	*) echo "usage: $0 [-r REPS] [-a W=NAT/SLOW]... [-s RUNS] [-w LIST] [-k RUNSK] [-c RUNSC] [-f] [-t SECS] [-T SECS] BINDIR" >&2
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
	case $2 in
	native) printf '%s' "${spec%%/*}" ;;
	*)      printf '%s' "${spec#*/}" ;;
	esac
}

# prog_of WORKLOAD: the program (and fixed options) of ns/op WORKLOAD.
prog_of() {
	case $1 in
	mmap_notouch) printf '%s -n' "$bin/mmap" ;;
	pagefault)    printf '%s -s' "$bin/pagefault" ;;
	*)            printf '%s' "$bin/$1" ;;
	esac
}

# measure_nsop WORKLOAD VARIANT
measure_nsop() {
	w=$1 v=$2
	echo "INFO start $w $v"
	# shellcheck disable=SC2046 # the prefix is a word list on purpose
	case $v in
	native) set -- $(prog_of "$w") "$(arg_of "$w" native)" ;;
	floor)  set -- "$bin/kvm_floor" "$(arg_of "$w" floor)" ;;
	*)      set -- $(wrap "$v") $(prog_of "$w") "$(arg_of "$w" "$v")" ;;
	esac
	timeout "$limit" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
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
for w in $NSOP; do
	has "$w" && echo "INFO args $w $(arg_of "$w" native)/$(arg_of "$w" runsk)"
done

rep=0
while [ "$rep" -lt "$reps" ]; do
	# This rep's share of the start-up runs: the total is exactly -s.
	share=$((startup_runs / reps))
	[ "$rep" -lt $((startup_runs % reps)) ] && share=$((share + 1))
	for w in $NSOP; do
		has "$w" || continue
		for v in $variants; do
			# The floor is the floor of a syscall: getppid's column only.
			[ "$v" = floor ] && [ "$w" != getppid ] && continue
			is_broken "$w" "$v" || measure_nsop "$w" "$v"
		done
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
