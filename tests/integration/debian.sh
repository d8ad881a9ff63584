#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# debian.sh RUNSK: Debian's own dynamically linked programs (bash,
# coreutils, python3) run under `runsk do` with the same output and status
# as natively; their libraries and the files they read come through the
# gofer, and what they write stays in the sandbox's overlay.
#
# Programs are taken from next to this script when there (the hwkvm VM's
# /payload, which run-vm.sh fills with them and their libraries), else from
# the host's /usr/bin. A program found in neither place fails the check.
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
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
	what=$1
	shift
	"$@" >"$tmp/native" 2>"$tmp/native.err" </dev/null
	want=$?
	"$runsk" do -- "$@" >"$tmp/sandboxed" 2>"$tmp/err" </dev/null
	got=$?
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

# A small tree to look at, made natively before the runs.
mkdir -p "$tmp/tree/sub"
printf 'banana\napple\ncherry\napple\n' >"$tmp/tree/fruit"
seq 1 2000 >"$tmp/tree/sub/numbers"
ln -s fruit "$tmp/tree/link"
touch -d '2020-01-02 03:04:05' "$tmp/tree/fruit" "$tmp/tree/sub/numbers" "$tmp/tree/sub" "$tmp/tree"

same "bash: builtins and arithmetic" "$bash" -c 'x=6; echo $((x * 7)); exit 3'
same "bash: a pipeline of coreutils" "$bash" -c "$(prog sort) $tmp/tree/fruit | $(prog uniq) -c"
same "bash: command substitution and a subshell" "$bash" -c \
	'n=$('"$(prog wc)"' -l <'"$tmp"'/tree/sub/numbers); (echo "lines: $n"); exit 0'
same "bash: a script with a function and a loop" "$bash" -c \
	'f() { for i in 1 2 3; do echo "$1$i"; done; }; f x; f y | '"$(prog tac)"
same "ls -l of a directory" "$(prog ls)" -l --time-style=+%F "$tmp/tree"
same "ls -lR" "$(prog ls)" -lR --time-style=+%F "$tmp/tree"
same "sha256sum" "$(prog sha256sum)" "$tmp/tree/sub/numbers" "$tmp/tree/fruit"
same "cat of a symlink" "$(prog cat)" "$tmp/tree/link"
same "head and tail" "$bash" -c "$(prog head) -n 3 $tmp/tree/sub/numbers; $(prog tail) -c 20 $tmp/tree/sub/numbers"
same "stat of a file" "$(prog stat)" -c '%n %s %a %F' "$tmp/tree/fruit"
same "readlink -f" "$(prog readlink)" -f "$tmp/tree/link"
same "missing file" "$(prog cat)" "$tmp/no/such/file"
same "sqlite3: a database file (fcntl locks)" "$(prog sqlite3)" "$tmp/x.db" \
	'create table if not exists t(a); delete from t; insert into t values(1); select * from t;'

same "python3: the standard library and a computation" "$python" -c '
import collections, hashlib, json, re, statistics
words = re.findall(r"\w+", open("'"$tmp"'/tree/fruit").read())
print(json.dumps(collections.Counter(words).most_common(), sort_keys=True))
print(hashlib.sha256(open("'"$tmp"'/tree/sub/numbers", "rb").read()).hexdigest())
print(statistics.mean(range(1, 2001)), sum(i * i for i in range(100000)))'
same "python3: files, directories and a subprocess" "$python" -c '
import os, subprocess, tempfile
with tempfile.TemporaryDirectory() as d:
    p = os.path.join(d, "f")
    with open(p, "w") as f:
        f.write("x" * 10000)
    print(os.path.getsize(p), sorted(os.listdir(d)))
r = subprocess.run(["'"$bash"'", "-c", "echo child $((2 + 3)); exit 4"], capture_output=True, text=True)
print(repr(r.stdout), r.returncode)'
same "python3: an uncaught exception" "$python" -c 'raise SystemExit(sum(range(10)))'

# Writes go to the in-memory overlay: visible inside, never on the host.
"$runsk" do -- "$bash" -c "echo changed >$tmp/tree/fruit; echo new >$tmp/tree/new; cat $tmp/tree/fruit $tmp/tree/new; rm $tmp/tree/sub/numbers; ls $tmp/tree/sub | wc -l" \
	>"$tmp/out" 2>"$tmp/err" </dev/null
if [ "$(cat "$tmp/out")" = "$(printf 'changed\nnew\n0')" ] &&
	[ "$(head -n 1 "$tmp/tree/fruit")" = banana ] && [ ! -e "$tmp/tree/new" ] &&
	[ -e "$tmp/tree/sub/numbers" ]; then
	ok "overlay: writes seen inside, host files untouched"
else
	fail "overlay: inside printed '$(cat "$tmp/out")', host fruit starts '$(head -n 1 "$tmp/tree/fruit")'"
	sed 's/^/    | /' "$tmp/err" | tail -20
fi

# rename(2) of a directory of the image (python calls it directly; mv would copy on EXDEV).
"$runsk" do -- "$python" -c "import os; os.rename('$tmp/tree/sub', '$tmp/tree/moved'); print(sorted(os.listdir('$tmp/tree/moved')), os.path.exists('$tmp/tree/sub'), open('$tmp/tree/moved/numbers').readline().strip())" \
	>"$tmp/out" 2>"$tmp/err" </dev/null
if [ "$(cat "$tmp/out")" = "['numbers'] False 1" ] && [ -e "$tmp/tree/sub/numbers" ] && [ ! -e "$tmp/tree/moved" ]; then
	ok "overlay: rename(2) of an image directory, host tree untouched"
else
	fail "overlay: rename of an image directory printed '$(cat "$tmp/out")'"
	sed 's/^/    | /' "$tmp/err" | tail -20
fi

# --overlay2=none writes through the gofer to the host.
"$runsk" do --overlay2=none -- "$bash" -c "echo through >$tmp/tree/through" >"$tmp/out" 2>"$tmp/err" </dev/null
if [ "$(cat "$tmp/tree/through" 2>/dev/null)" = through ]; then
	ok "--overlay2=none: a write reaches the host file"
else
	fail "--overlay2=none: the host file does not have the write"
	sed 's/^/    | /' "$tmp/err" | tail -20
fi

finish
