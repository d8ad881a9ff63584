#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# cpython.sh RUNSK: CPython's own regression tests (Debian's
# libpython3.11-testsuite) of the modules that lean on the kernel most, run
# natively and under `runsk do`: each module must pass both ways. They
# found fexecve, pidfd_send_signal on /proc/PID, F_NOTIFY and the clock
# setters missing; what they check is Linux's behaviour, so Linux is the
# oracle here as in the guest tests.
#
# Tests that need an AF_INET socket (the sandbox has none yet) are left
# out by name. CPYTHON_MODULES overrides the module list.
set -u
. "$(dirname "$0")/lib.sh"
# Absolute: each run starts in a scratch directory of its own.
case $1 in
/*) runsk=$1 ;;
*) runsk=$PWD/$1 ;;
esac
python=/usr/bin/python3

modules=${CPYTHON_MODULES:-"test_posix test_os test_fcntl test_time test_pty test_mmap test_select
	test_poll test_resource test_fileio test_tempfile test_threadsignals test_wait4
	test_fork1 test_stat test_sched"}
# Each needs AF_INET: a TCP server or socket.socket() with its defaults.
skip="-i *TestSendfile* -i *test_invalid_socket -i *test_set_wakeup_fd_socket_result"

if ! "$python" -c 'import test.libregrtest' 2>/dev/null; then
	fail "CPython's test package is missing (apt-get install libpython3.11-testsuite)"
	finish
fi

# run WHERE MODULE CMD...: one module's tests; "Tests result: SUCCESS" and status 0.
run() {
	where=$1
	m=$2
	shift 2
	# regrtest works in the current directory: a scratch one per run.
	mkdir -p "$tmp/$where.$m" && cd "$tmp/$where.$m" || exit 2
	# shellcheck disable=SC2086 # skip is a list of words
	timeout 300 "$@" -m test $skip "$m" >"$tmp/out" 2>&1 </dev/null
	rc=$?
	cd "$tmp" || exit 2
	if [ "$rc" = 0 ] && grep -q '^Tests result: SUCCESS' "$tmp/out"; then
		return 0
	fi
	fail "$m $where: status $rc"
	grep -E '^(FAIL|ERROR)|Error:|^Tests result' "$tmp/out" | head -20 | sed 's/^/    | /'
	return 1
}

for m in $modules; do
	run natively "$m" "$python" || continue
	run sandboxed "$m" "$runsk" do -- "$python" && ok "$m: passes natively and sandboxed"
done
finish
