#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# payload.sh — the hwkvm suite's test driver, run inside the VM by run-vm.sh
# (busybox sh, /payload as working directory).
#
#   payload.sh [-t SECS] [-v] RUNSK DIFFTEST [NAME PROGRAM STATUS]...
#
# Runs `RUNSK selftest`, then `DIFFTEST RUNSK PROGRAM STATUS` for every
# NAME PROGRAM STATUS triple (or `sh PROGRAM RUNSK` when STATUS is the
# word "script": an integration script that checks for itself), each under a time limit of SECS [120] that kills
# its whole process group.  Prints one line per test ("PASS name",
# "FAIL name (...)" followed by the test's output; -v prints the output of
# passing tests too) and, last, exactly "N passed, N failed".  Exits 0 if
# nothing failed, 1 otherwise, 2 on a usage error.

limit=120
verbose=0
while [ $# -gt 0 ]; do
	case $1 in
	-t) limit=$2; shift 2 ;;
	-v) verbose=1; shift ;;
	*)  break ;;
	esac
done
if [ $# -lt 2 ] || [ $(( ($# - 2) % 3 )) -ne 0 ]; then
	echo "usage: $0 [-t SECS] [-v] RUNSK DIFFTEST [NAME PROGRAM STATUS]..." >&2
	exit 2
fi

abspath() {
	case $1 in
	/*) echo "$1" ;;
	*)  echo "$PWD/$1" ;;
	esac
}
runsk=$(abspath "$1")
difftest=$(abspath "$2")
shift 2

tmp=$(mktemp -d) || exit 2
passed=0
failed=0

# run_test NAME CMD [ARG...]: run CMD in a session of its own (so that a
# timeout kills everything it started), record PASS or FAIL.
run_test() {
	name=$1
	shift
	rm -f "$tmp/out" "$tmp/timedout"
	setsid "$@" >"$tmp/out" 2>&1 </dev/null &
	pid=$!
	(sleep "$limit"; : >"$tmp/timedout"; kill -KILL -"$pid") 2>/dev/null &
	watchdog=$!
	wait "$pid" 2>/dev/null
	rc=$?
	kill "$watchdog" 2>/dev/null
	wait "$watchdog" 2>/dev/null

	if [ -e "$tmp/timedout" ]; then
		why="timed out after ${limit}s"
	elif [ "$rc" -ne 0 ]; then
		why="exit status $rc"
	else
		passed=$((passed + 1))
		echo "PASS $name"
		[ "$verbose" = 1 ] && cat "$tmp/out"
		return 0
	fi
	failed=$((failed + 1))
	echo "FAIL $name ($why)"
	cat "$tmp/out"
}

run_test "runsk selftest" "$runsk" selftest

while [ $# -ge 3 ]; do
	if [ "$3" = script ]; then
		run_test "$1" sh "$(abspath "$2")" "$runsk"
	else
		run_test "$1" sh "$difftest" "$runsk" "$(abspath "$2")" "$3"
	fi
	shift 3
done

rm -rf "$tmp"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
