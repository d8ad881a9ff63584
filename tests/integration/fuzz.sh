#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# fuzz.sh RUNSK [FUZZER]: a hostile guest throwing random syscalls with
# random arguments (syscall_fuzz.c) never crashes or hangs the Sentry:
# `RUNSK do -- FUZZER SEED CALLS` exits 0 and prints the fuzzer's summary
# for every seed. A Sentry crash shows as runsk's own status (125, 134,
# 139) or a missing summary, a hang as the time limit. --debug-check-mm
# makes a broken VMA set a crash after the syscall that broke it.
# FUZZ_SEEDS (20), FUZZ_CALLS (2000) and FUZZ_LIMIT (seconds per run, 30)
# override the defaults; a failing seed is reproduced with
# `runsk do -- syscall_fuzz SEED CALLS v` (v prints every call first).
set -u
. "$(dirname "$0")/lib.sh"

abspath() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$PWD/$1" ;;
	esac
}
runsk=$(abspath "$1")
fuzzer=$(abspath "${2:-$(dirname "$0")/syscall_fuzz}")
seeds=${FUZZ_SEEDS:-20}
calls=${FUZZ_CALLS:-2000}
limit=${FUZZ_LIMIT:-30}

# run_limited SECS CMD...: CMD's status, or 137 after SECS (and the file
# $tmp/timedout).
run_limited() {
	secs=$1
	shift
	rm -f "$tmp/timedout"
	"$@" &
	pid=$!
	(sleep "$secs" && : >"$tmp/timedout" && kill -KILL "$pid") 2>/dev/null &
	watchdog=$!
	wait "$pid"
	rc=$?
	kill "$watchdog" 2>/dev/null
	wait "$watchdog" 2>/dev/null
	return $rc
}

start=$(date +%s)
seed=1
while [ "$seed" -le "$seeds" ]; do
	# Each run starts in an empty directory of its own.
	mkdir "$tmp/$seed" && cd "$tmp/$seed" || exit 2
	run_limited "$limit" "$runsk" do --debug-check-mm -- "$fuzzer" "$seed" "$calls" \
		>"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	cd / || exit 2
	if [ -e "$tmp/timedout" ]; then
		fail "seed $seed: no exit after ${limit}s (a hang?)"
	elif [ "$rc" != 0 ]; then
		fail "seed $seed: runsk exited with status $rc"
	elif ! grep -qx "fuzz: $calls calls, survived" "$tmp/out"; then
		fail "seed $seed: status 0 but no summary line"
	else
		ok "seed $seed: $calls calls"
		rm -rf "${tmp:?}/$seed"
		seed=$((seed + 1))
		continue
	fi
	echo "    reproduce: $runsk do -- $fuzzer $seed $calls v"
	echo "    stdout:"
	tail -n 5 "$tmp/out" | sed 's/^/    | /'
	echo "    stderr:"
	tail -n 20 "$tmp/err" | sed 's/^/    | /'
	seed=$((seed + 1))
done
echo "fuzz: $seeds seeds x $calls calls in $(($(date +%s) - start))s"

finish
