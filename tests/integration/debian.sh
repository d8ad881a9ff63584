#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# debian.sh RUNSK: Debian's own dynamically linked programs (bash and its
# job control, traps and signals; coreutils, sqlite3, python3) run under
# `runsk do` with the same output and status as natively; their libraries
# and the files they read come through the gofer, and what they write
# stays in the sandbox's overlay. debian_python.sh,
# debian_multiprocessing.sh and debian_toolchain.sh go on with python3's
# threads and processes, perl, gcc and make; debian_lib.sh says where the
# programs come from. Each script stays within the hwkvm VM's 120 s limit.
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
. "$(dirname "$0")/debian_lib.sh"

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

# bash's job control, traps and signals (bash forks a lot: every pipeline
# stage, subshell, $(...) and & job is a child it waits for).
sleep=$(prog sleep)
status 5 "bash: trap on EXIT" "$bash" -c 'trap "echo bye \$?" EXIT; echo hi; exit 5'
status 7 "bash: trap on a signal sent to itself" "$bash" -c '
trap "echo got USR1" USR1; kill -USR1 $$; echo after USR1
trap "echo got TERM; exit 7" TERM; kill $$; echo not reached'
status 0 "bash: & jobs and wait for each status" "$bash" -c '
(exit 3) & a=$!; ('"$sleep"' 0.1; exit 4) & b=$!; '"$sleep"' 5 & c=$!
kill -TERM $c; wait $a; echo "a $?"; wait $b; echo "b $?"; wait $c; echo "c $?"
'"$sleep"' 0.1 & '"$sleep"' 0.05 & wait; echo "all $?"'
status 0 "bash: subshells and nested \$(...)" "$bash" -c '
x=$(echo a; (echo b; (echo c)) | '"$(prog tac)"'); echo "$x" | '"$(prog wc)"' -l
y=$( (exit 4); echo "inner $?" ); echo "$y"; (cd /; pwd); echo "$(( $(echo 6) * $(echo 7) ))"'
status 0 "bash: a while-read loop fed by a pipe" "$bash" -c '
'"$(prog seq)"' 1 5 | while read -r n; do echo $((n * n)); done
printf "a b\nc d\n" | { while read -r x y; do echo "$y$x"; done; echo "loop done"; }'
status 4 "bash: set -e exits with the failing status" "$bash" -c \
	'set -e; echo before; f() { return 4; }; if false; then :; fi; f; echo not reached'

# coreutils that sleep, time out, run others and change their environment.
printf '10\n9\n100\n-3\n2.5\n0x10\n' >"$tmp/tree/nums"
date=$(prog date)
status 0 "date -d @0 -u" "$date" -d @0 -u
status 0 "sleep 0.2 sleeps that long" "$bash" -c '
s=$('"$date"' +%s%N); '"$sleep"' 0.2; e=$('"$date"' +%s%N)
[ $(( (e - s) / 1000000 )) -ge 200 ] && echo slept'
status 124 "timeout 1 sleep 5 exits 124" "$(prog timeout)" 1 "$sleep" 5
status 137 "timeout -s KILL 1 sleep 5 exits 137" "$(prog timeout)" -s KILL 1 "$sleep" 5
status 0 "sort -n" "$(prog sort)" -n "$tmp/tree/nums"
status 0 "xargs -P2 -n1 echo (sorted)" "$bash" -c \
	"$(prog seq) 1 8 | $(prog xargs) -P2 -n1 $(prog echo) | $(prog sort) -n"
status 0 "seq | wc -l" "$bash" -c "$(prog seq) 1 100000 | $(prog wc) -l"
status 0 "env -i" "$(prog env)" -i A=1 B=2 "$(prog env)"
status 0 "nice -n 5 nice" "$(prog nice)" -n 5 "$(prog nice)"
status 0 "nohup ignores SIGHUP" "$(prog nohup)" "$bash" -c 'kill -HUP $$; echo survived'

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
