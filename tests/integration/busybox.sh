#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# busybox.sh RUNSK [BUSYBOX]: busybox-static applets that do not fork run
# under runsk do with the same output and status as natively.
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
bb=${2:-/bin/busybox}

# same DESCRIPTION ARGS...: run `bb ARGS` natively and sandboxed, compare.
same() {
	what=$1
	shift
	"$bb" "$@" >"$tmp/native" 2>/dev/null </dev/null
	want=$?
	"$runsk" do -- "$bb" "$@" >"$tmp/sandboxed" 2>"$tmp/err" </dev/null
	got=$?
	if [ "$got" != "$want" ]; then
		fail "$what: status $got, natively $want"
		sed 's/^/    | /' "$tmp/err"
	elif ! cmp -s "$tmp/native" "$tmp/sandboxed"; then
		fail "$what: output differs from native"
		diff "$tmp/native" "$tmp/sandboxed" | head -20 | sed 's/^/    | /'
	else
		ok "$what: same output, status $got"
	fi
}

same "echo" echo hello from the sandbox
same "true" true
same "false" false
same "printf" printf '%s-%d-%x\n' abc 42 255
same "seq 1 100000" seq 1 100000
same "sh -c builtins" sh -c 'x=3; echo $((x * 7)); exit 7'
same "expr" expr 6 \* 7
same "basename" basename /usr/lib/x86_64-linux-gnu/libc.so.6 .so.6
same "base64 of stdin" base64

"$runsk" do -- "$bb" uname -a >"$tmp/out" 2>"$tmp/err" </dev/null
if grep -q "^Linux .* x86_64" "$tmp/out"; then
	ok "uname -a: $(cat "$tmp/out")"
else
	fail "uname -a printed: $(cat "$tmp/out" "$tmp/err")"
fi

# procfs and sysfs describe the sandbox: its vCPUs, its memory, its processes.
# stderr apart: under shadow paging runsk warns that threads run one at a time.
"$runsk" do --cpus 2 -- "$bb" nproc >"$tmp/out" 2>"$tmp/err" </dev/null
if [ "$(cat "$tmp/out")" = 2 ]; then
	ok "nproc with --cpus 2: 2"
else
	fail "nproc with --cpus 2: $(cat "$tmp/out" "$tmp/err")"
fi
if "$runsk" do -- "$bb" free >"$tmp/out" 2>&1 </dev/null && grep -q '^Mem: ' "$tmp/out"; then
	ok "free"
else
	fail "free: $(cat "$tmp/out")"
fi
if "$runsk" do -- "$bb" ps >"$tmp/out" 2>&1 </dev/null && grep -q '^ *1 .*busybox ps' "$tmp/out"; then
	ok "ps lists itself as PID 1"
else
	fail "ps: $(cat "$tmp/out")"
fi
if "$runsk" do -- "$bb" top -n 1 -b >"$tmp/out" 2>&1 </dev/null && grep -q '^Load average: ' "$tmp/out"; then
	ok "top -n 1 -b"
else
	fail "top -n 1 -b: $(head -5 "$tmp/out")"
fi

"$runsk" do --strace -- "$bb" echo traced >"$tmp/out" 2>"$tmp/err" </dev/null
if grep -q 'write(1, 0x[0-9a-f]*, 7) = 0x7' "$tmp/err" && grep -q 'exit_group(0)' "$tmp/err"; then
	ok "--strace shows write and exit_group with decoded arguments"
else
	fail "--strace output lacks write(1, ..., 7) or exit_group(0):"
	sed 's/^/    | /' "$tmp/err" | tail -5
fi

"$runsk" do --profile="$tmp/profile" -- "$bb" seq 1 1000 >/dev/null 2>"$tmp/err" </dev/null
if grep -q "^runsk profile of .*busybox on the kvm platform" "$tmp/profile" &&
	grep -Eq "^write +[0-9]+ " "$tmp/profile" && grep -q "^exits [0-9]*: " "$tmp/profile"; then
	ok "--profile writes a report with per-syscall lines"
else
	fail "--profile report missing or incomplete:"
	sed 's/^/    | /' "$tmp/profile" "$tmp/err" 2>/dev/null | head -20
fi

finish
