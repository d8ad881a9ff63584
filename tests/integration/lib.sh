# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the integration scripts (POSIX sh; busybox sh in the
# hwkvm VM). Each script runs checks and ends with `finish`.

failures=0

ok() {
	echo "ok   $*"
}

fail() {
	echo "FAIL $*"
	failures=$((failures + 1))
}

# expect_status WANT DESCRIPTION CMD...: run CMD, compare its exit status.
expect_status() {
	want=$1
	what=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	if [ "$got" = "$want" ]; then
		ok "$what: status $got"
	else
		fail "$what: status $got, want $want"
		sed 's/^/    | /' "$tmp/out" "$tmp/err"
	fi
}

# expect_err_line PATTERN DESCRIPTION: the last command's stderr is exactly
# one line and matches PATTERN (grep -E).
expect_err_line() {
	# runsk's notice about this host's KVM (shadow paging: one vCPU at a
	# time) is not about the bad input: it is left out.
	errs=$(grep -v '^W [0-9.]* runsk\[[0-9]*\]: kvm: ' "$tmp/err")
	lines=$(printf '%s' "$errs" | grep -c '')
	if [ "$lines" -eq 1 ] && printf '%s\n' "$errs" | grep -Eq "$1"; then
		ok "$2: one line naming the problem"
	else
		fail "$2: stderr was not one line matching /$1/:"
		sed 's/^/    | /' "$tmp/err"
	fi
}

# have_bounding_cap N: capability N is in this shell's bounding set, and
# so in what `runsk do` gives its init (it drops what runsk's set lacks).
have_bounding_cap() {
	bnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
	[ $(((0x$bnd >> $1) & 1)) = 1 ]
}

# expect_line LINE DESCRIPTION: the last command printed LINE (a whole line of its stdout).
expect_line() {
	if grep -qx "$1" "$tmp/out"; then
		ok "$2: $1"
	else
		fail "$2: no line '$1' in:"
		sed 's/^/    | /' "$tmp/out" "$tmp/err"
	fi
}

finish() {
	rm -rf "$tmp"
	if [ "$failures" -ne 0 ]; then
		echo "$failures check(s) failed"
		exit 1
	fi
	exit 0
}

tmp=$(mktemp -d) || exit 2
