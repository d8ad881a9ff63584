# SPDX-License-Identifier: Apache-2.0
# Shared by the debian*.sh integration scripts, sourced after lib.sh with
# $runsk set: where Debian's programs are, and the differential `same`.
#
# Programs are taken from next to the scripts when there (the hwkvm VM's
# /payload, which run-vm.sh fills with them and their libraries), else from
# the host's /usr/bin. A program found in neither place fails the check.
# ONLY=PREFIX in the environment runs only the checks whose description
# starts with PREFIX; DEBIAN_SLOW=N reports a sandboxed run of N seconds
# or more (default 10).
here=$(cd "$(dirname "$0")" && pwd)

prog() {
	if [ -x "$here/$1" ]; then
		echo "$here/$1"
	else
		echo "/usr/bin/$1"
	fi
}
bash=$(prog bash)
# python3 with its standard library: staged next to us in the VM.
if [ -x "$here/pyroot/usr/bin/python3" ] || [ -n "$(ls "$here"/pyroot/usr/bin/python3* 2>/dev/null)" ]; then
	python=$(ls "$here"/pyroot/usr/bin/python3* | head -n 1)
else
	python=/usr/bin/python3
fi

# same DESCRIPTION CMD...: run CMD natively and sandboxed, compare.
same() {
	[ -n "${ONLY:-}" ] && case $1 in $ONLY*) ;; *) return ;; esac
	what=$1
	shift
	"$@" >"$tmp/native" 2>"$tmp/native.err" </dev/null
	want=$?
	if [ -n "$expect" ] && [ "$want" != "$expect" ]; then
		fail "$what: natively status $want, not $expect: the check itself is broken"
		sed 's/^/    | /' "$tmp/native.err" | tail -20
		expect=
		return
	fi
	expect=
	start=$(date +%s)
	# A hang fails this check only: runsk stops the sandbox on SIGTERM.
	timeout 60 "$runsk" do -- "$@" >"$tmp/sandboxed" 2>"$tmp/err" </dev/null
	got=$?
	secs=$(($(date +%s) - start))
	[ "$secs" -lt "${DEBIAN_SLOW:-10}" ] || echo "slow $what: ${secs}s sandboxed"
	if [ "$got" != "$want" ]; then
		fail "$what: status $got, natively $want"
		sed 's/^/    | /' "$tmp/err" | tail -20
	elif ! cmp -s "$tmp/native" "$tmp/sandboxed"; then
		fail "$what: output differs from native"
		diff "$tmp/native" "$tmp/sandboxed" | head -20 | sed 's/^/    | /'
	else
		ok "$what: same output, status $got"
	fi
}

# status N DESCRIPTION CMD...: `same`, and the native run must exit N (a
# check whose native run fails the same way as the sandboxed one proves
# nothing).
expect=
status() {
	expect=$1
	shift
	same "$@"
}
