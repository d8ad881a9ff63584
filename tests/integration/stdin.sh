#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# stdin.sh RUNSK [PROG]: a guest thread blocked reading the sandbox's stdin
# (a host pipe whose writer stays open) holds no vCPU, so the rest of the
# program runs; a signal ends the read as on Linux. PROG (stdin_block.c)
# runs natively and under runsk with the same stdin; both must pass with
# the same output.
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
prog=${2:-$(dirname "$0")/stdin_block-glibc}
mkfifo "$tmp/fifo"

# run_held OUT CMD...: CMD with stdin the read end of a pipe kept open, and
# never written, by a sleeping writer.
run_held() {
	out=$1
	shift
	sleep 60 >"$tmp/fifo" &
	writer=$!
	"$@" <"$tmp/fifo" >"$out" 2>&1
	rc=$?
	kill "$writer" 2>/dev/null
	wait "$writer" 2>/dev/null
	return $rc
}

run_held "$tmp/native" "$prog"
native_rc=$?
run_held "$tmp/runsk" "$runsk" do -- "$prog"
runsk_rc=$?
if [ "$native_rc" = 0 ] && [ "$runsk_rc" = 0 ] && cmp -s "$tmp/native" "$tmp/runsk"; then
	ok "a blocked stdin read: same output and status natively and under runsk"
else
	fail "a blocked stdin read: native status $native_rc, runsk status $runsk_rc"
	sed 's/^/    native | /' "$tmp/native"
	sed 's/^/    runsk  | /' "$tmp/runsk"
fi
finish
