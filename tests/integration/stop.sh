#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# stop.sh RUNSK [SPIN]: a program spinning in user mode (never making a
# syscall) is stopped by SIGTERM to runsk, which exits 128+15 promptly and
# leaves no process behind.
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
spin=${2:-$(dirname "$0")/spin-glibc}

for sig in TERM INT; do
	"$runsk" do -- "$spin" >"$tmp/out" 2>&1 </dev/null &
	pid=$!
	# Wait until the program runs (it prints before spinning).
	i=0
	while [ $i -lt 100 ] && ! grep -q spinning "$tmp/out"; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -s "$sig" "$pid"
	start=$(date +%s)
	wait "$pid"
	rc=$?
	took=$(($(date +%s) - start))
	case $sig in TERM) want=143 ;; INT) want=130 ;; esac
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

finish
