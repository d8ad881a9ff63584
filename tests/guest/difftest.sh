#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Differential runner for the guest test programs.
#
#   difftest.sh RUNSK|'' PROGRAM EXPECTED_STATUS [ARGS...]
#
# Runs PROGRAM natively with stdin from /dev/null and stdout captured in a
# file, and checks its exit status (128+N when killed by signal N, as the
# shell reports it) and that it printed no line starting with "FAIL".
# If RUNSK is not empty, runs `RUNSK do $RUNSK_FLAGS -- PROGRAM ARGS` the same way,
# checks its status too and that both runs printed byte-identical stdout.
# Each run is limited to $DIFFTEST_TIMEOUT seconds (default 60) when a
# `timeout` command exists. stderr is left alone (it is not compared).
#
# Exits 0 on pass, 1 on failure with one "FAIL: ..." line saying why,
# followed by the captured output or a unified diff.
#
# Plain POSIX sh: it also runs under busybox sh in a minimal initramfs.

set -u

me=difftest.sh

if [ $# -lt 3 ]; then
	echo "usage: $me RUNSK|'' PROGRAM EXPECTED_STATUS [ARGS...]" >&2
	exit 1
fi
runsk=$1
prog=$2
want=$3
shift 3

case $want in
'' | *[!0-9]*)
	echo "FAIL: $me: EXPECTED_STATUS must be a number, not '$want'"
	exit 1
	;;
esac
if [ ! -x "$prog" ]; then
	echo "FAIL: $me: $prog is not an executable file"
	exit 1
fi
if [ -n "$runsk" ] && [ ! -x "$runsk" ]; then
	echo "FAIL: $me: runsk '$runsk' is not an executable file"
	exit 1
fi

name=${prog##*/}
secs=${DIFFTEST_TIMEOUT:-60}

# GNU coreutils and busybox >= 1.30 take `timeout [-k K] SECS PROG`,
# older busybox `timeout -t SECS PROG`; without one, runs are unlimited.
if timeout -k 1 5 true >/dev/null 2>&1; then
	tmo="timeout -k 5 $secs"
elif timeout 5 true >/dev/null 2>&1; then
	tmo="timeout $secs"
elif timeout -t 5 true >/dev/null 2>&1; then
	tmo="timeout -t $secs"
else
	tmo=
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/difftest.XXXXXX" 2>/dev/null) || {
	tmp=${TMPDIR:-/tmp}/difftest.$$
	mkdir -m 700 "$tmp" || {
		echo "FAIL: $me: cannot create a temporary directory"
		exit 1
	}
}
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Crashing hostile programs must not leave core files behind (ulimit -c
# is not POSIX but dash, bash and busybox sh all have it).
# shellcheck disable=SC3045
ulimit -c 0 2>/dev/null || :

# describe STATUS: "status 0", "status 139 (killed by SIGSEGV)", ...
describe() {
	case $1 in
	124) echo "status 124 (timed out after ${secs}s)" ;;
	130) echo "status 130 (killed by SIGINT)" ;;
	131) echo "status 131 (killed by SIGQUIT)" ;;
	132) echo "status 132 (killed by SIGILL)" ;;
	133) echo "status 133 (killed by SIGTRAP)" ;;
	134) echo "status 134 (killed by SIGABRT)" ;;
	135) echo "status 135 (killed by SIGBUS)" ;;
	136) echo "status 136 (killed by SIGFPE)" ;;
	137) echo "status 137 (killed by SIGKILL)" ;;
	139) echo "status 139 (killed by SIGSEGV)" ;;
	143) echo "status 143 (killed by SIGTERM, or timed out after ${secs}s)" ;;
	159) echo "status 159 (killed by SIGSYS)" ;;
	*) echo "status $1" ;;
	esac
}

# show LABEL FILE: the captured stdout of a failed run, its FAIL lines
# first so that a log cut short still names the failed checks.
show() {
	grep '^FAIL' "$2"
	echo "--- $1 stdout ---"
	cat "$2"
	echo "--- end of $1 stdout ---"
}

# run OUTFILE COMMAND...: sets $status.
run() {
	out=$1
	shift
	# shellcheck disable=SC2086 # $tmo is split on purpose
	$tmo "$@" </dev/null >"$out"
	status=$?
}

# judge LABEL OUTFILE: check $status and the program's own FAIL lines.
judge() {
	if [ "$status" -ne "$want" ]; then
		echo "FAIL: $name: $1 run exited with $(describe "$status"), expected $(describe "$want")"
		show "$1" "$2"
		exit 1
	fi
	if grep -q '^FAIL' "$2"; then
		echo "FAIL: $name: $1 run reported failed checks"
		show "$1" "$2"
		exit 1
	fi
}

run "$tmp/native.out" "$prog" "$@"
judge native "$tmp/native.out"

if [ -z "$runsk" ]; then
	echo "PASS: $name: native run, $(describe "$want") (no runsk: not compared)"
	exit 0
fi

# shellcheck disable=SC2086 # RUNSK_FLAGS is a list of flags
run "$tmp/runsk.out" "$runsk" "do" ${RUNSK_FLAGS:-} -- "$prog" "$@"
judge runsk "$tmp/runsk.out"

if ! cmp -s "$tmp/native.out" "$tmp/runsk.out"; then
	echo "FAIL: $name: stdout differs between the native and the runsk run"
	if diff -u /dev/null /dev/null >/dev/null 2>&1; then
		diff -u "$tmp/native.out" "$tmp/runsk.out" |
			sed -e "1s|^--- .*|--- native|" -e "2s|^+++ .*|+++ runsk|"
	else
		show native "$tmp/native.out"
		show runsk "$tmp/runsk.out"
	fi
	exit 1
fi
echo "PASS: $name: native and runsk runs agree, $(describe "$want")"
exit 0
