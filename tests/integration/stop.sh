#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# stop.sh RUNSK [SPIN]: a program spinning in user mode (never making a
# syscall) is stopped by SIGTERM or SIGHUP to runsk, which exits 128+signal
# promptly and leaves no process behind; a signal the program ignores
# leaves it running, and one it handles runs its handler, as it would
# natively.
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
spin=${2:-$(dirname "$0")/spin-glibc}

# wait_spinning: until the program runs (it prints before spinning).
wait_spinning() {
	i=0
	while [ $i -lt 100 ] && ! grep -q spinning "$tmp/out" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
}

# SIGHUP rather than SIGINT: a background job of a non-interactive shell
# starts with SIGINT ignored, and the program would ignore it natively too.
for sig in TERM HUP; do
	rm -f "$tmp/out" # never read the previous run's "spinning"
	"$runsk" do -- "$spin" >"$tmp/out" 2>&1 </dev/null &
	pid=$!
	wait_spinning
	kill -s "$sig" "$pid"
	start=$(date +%s)
	wait "$pid"
	rc=$?
	took=$(($(date +%s) - start))
	case $sig in TERM) want=143 ;; HUP) want=129 ;; esac
	if [ "$rc" = "$want" ] && [ "$took" -le 10 ]; then
		ok "SIG$sig stops a spinning sandbox: status $rc after ${took}s"
	else
		fail "SIG$sig: status $rc after ${took}s, want $want within 10s"
		sed 's/^/    | /' "$tmp/out"
	fi
	if kill -0 "$pid" 2>/dev/null; then
		fail "runsk ($pid) still exists after SIG$sig"
		kill -KILL "$pid"
	fi
done

# Started with SIGINT ignored, the program ignores it: SIGINT leaves it
# running; SIGTERM then still stops it.
rm -f "$tmp/out"
(
	trap '' INT
	exec "$runsk" do -- "$spin" >"$tmp/out" 2>&1 </dev/null
) &
pid=$!
wait_spinning
kill -s INT "$pid"
sleep 1
if kill -0 "$pid" 2>/dev/null; then
	ok "SIGINT, ignored by the program, leaves it running"
else
	fail "SIGINT stopped a program that ignores it"
fi
kill -s TERM "$pid"
wait "$pid"
rc=$?
if [ "$rc" = 143 ]; then
	ok "then SIGTERM stops it: status 143"
else
	fail "SIGTERM afterwards: status $rc, want 143"
fi

# A program that ignores SIGTERM itself: runsk's SIGTERM must leave it
# running however the host delivers it (to any of runsk's threads).
bb=/bin/busybox
if [ -x "$bb" ]; then
	rm -f "$tmp/out"
	"$runsk" do -- "$bb" sh -c 'trap "" TERM; echo spinning; sleep 3; echo survived' \
		>"$tmp/out" 2>&1 </dev/null &
	pid=$!
	wait_spinning
	for i in 1 2 3 4 5; do
		kill -s TERM "$pid" 2>/dev/null
		sleep 0.1
	done
	wait "$pid"
	rc=$?
	if [ "$rc" = 0 ] && grep -q survived "$tmp/out"; then
		ok "SIGTERM to runsk, ignored by the program: it runs to its end"
	else
		fail "a program ignoring SIGTERM: status $rc, output: $(cat "$tmp/out")"
	fi

	# One that handles it: the handler runs, as natively, and its exit
	# status is runsk's.
	rm -f "$tmp/out"
	"$runsk" do -- "$bb" sh -c 'trap "echo got TERM; exit 3" TERM; echo spinning; while :; do sleep 1; done' \
		>"$tmp/out" 2>&1 </dev/null &
	pid=$!
	wait_spinning
	kill -s TERM "$pid"
	wait "$pid"
	rc=$?
	if [ "$rc" = 3 ] && grep -q "got TERM" "$tmp/out"; then
		ok "SIGTERM to runsk, handled by the program: its handler runs (exit 3)"
	else
		fail "a program handling SIGTERM: status $rc, output: $(cat "$tmp/out")"
	fi
fi

finish
