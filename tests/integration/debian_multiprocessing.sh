#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# debian_multiprocessing.sh RUNSK: Debian's python3's multiprocessing with
# the fork and the spawn start methods, and concurrent.futures' thread and
# process pools.
# Same output and status under `runsk do` as natively (debian_lib.sh).
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
. "$(dirname "$0")/debian_lib.sh"

# Pool.map, Process with a Queue, and Pipe(duplex=True), an AF_UNIX
# socketpair. Its locks are sem_open(3) semaphores in /dev/shm files,
# shared futexes between the processes.
cat >"$tmp/mp.py" <<'PY'
import multiprocessing as mp, os, sys

def square(x):
    return x * x

def child(q, n):
    q.put((n, os.getpid() != os.getppid()))

def double(conn):
    conn.send(conn.recv() * 2)

if __name__ == "__main__":
    ctx = mp.get_context(sys.argv[1])
    with ctx.Pool(2) as pool:
        print(pool.map(square, range(10)))
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(q, 7))
    p.start()
    print(q.get(timeout=60))
    p.join()
    print("exitcode", p.exitcode)
    a, b = ctx.Pipe(duplex=True)
    p = ctx.Process(target=double, args=(b,))
    p.start()
    a.send(21)
    print(a.recv())
    p.join()
    print("exitcode", p.exitcode)
PY
status 0 "python3: multiprocessing, fork" "$python" "$tmp/mp.py" fork
status 0 "python3: multiprocessing, spawn" "$python" "$tmp/mp.py" spawn
status 0 "python3: concurrent.futures thread and process pools" "$python" -c '
import concurrent.futures as cf
with cf.ThreadPoolExecutor(4) as ex:
    print(list(ex.map(lambda x: x * 3, range(8))))
with cf.ProcessPoolExecutor(2) as ex:
    print(list(ex.map(pow, range(8), range(8))))
    print(ex.submit(sum, [1, 2, 3]).result())'
finish
