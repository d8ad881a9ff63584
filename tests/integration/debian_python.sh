#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# debian_python.sh RUNSK: Debian's python3 with threads (Lock,
# Condition, Queue, Event, Timer), subprocess pipes, signal handlers,
# alarm and interval timers, os.fork and os.waitpid.
# Same output and status under `runsk do` as natively (debian_lib.sh).
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
. "$(dirname "$0")/debian_lib.sh"

# python3: threads, subprocesses, signals and timers, fork.
status 0 "python3: threading with a Lock, a Condition and join" "$python" -c '
import queue, threading
lock, cond, done, total = threading.Lock(), threading.Condition(), [], [0]
q = queue.Queue()
def work(i):
    for _ in range(2000):
        with lock:
            total[0] += 1
    q.put(i * i)
    with cond:
        done.append(i)
        cond.notify_all()
ts = [threading.Thread(target=work, args=(i,)) for i in range(6)]
for t in ts:
    t.start()
with cond:
    print(cond.wait_for(lambda: len(done) == len(ts), timeout=60))
for t in ts:
    t.join()
print(total[0], sorted(done), sorted(q.get() for _ in ts), threading.active_count())
ev = threading.Event()
threading.Timer(0.05, ev.set).start()
print(ev.wait(60))'
status 0 "python3: subprocess pipes" "$python" -c '
import subprocess
r = subprocess.run(["'"$(prog cat)"'"], input=b"through cat\n" * 3000, capture_output=True)
print(len(r.stdout), r.stdout[:12], r.returncode)
p1 = subprocess.Popen(["'"$(prog seq)"'", "1", "5000"], stdout=subprocess.PIPE)
p2 = subprocess.Popen(["'"$(prog wc)"'", "-l"], stdin=p1.stdout, stdout=subprocess.PIPE)
p1.stdout.close()
print(p2.communicate()[0], p1.wait(), p2.returncode)
p = subprocess.Popen(["'"$(prog sort)"'", "-r"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
print(p.communicate("b\na\nc\n"))
r = subprocess.run(["'"$bash"'", "-c", "echo err >&2; exit 9"], capture_output=True)
print(r.stderr, r.returncode)'
status 0 "python3: signal handlers, alarm and setitimer" "$python" -c '
import os, signal, time
got = []
signal.signal(signal.SIGUSR1, lambda s, f: got.append(s))
os.kill(os.getpid(), signal.SIGUSR1)
print("usr1", got)
signal.signal(signal.SIGALRM, lambda s, f: got.append("alarm"))
signal.alarm(1)
t = time.monotonic()
while "alarm" not in got:
    signal.pause()
print("alarm", round(time.monotonic() - t) == 1)
ticks = []
signal.signal(signal.SIGALRM, lambda s, f: ticks.append(1))
signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
while len(ticks) < 3:
    time.sleep(1)
signal.setitimer(signal.ITIMER_REAL, 0)
print("ticks", len(ticks) >= 3, signal.getitimer(signal.ITIMER_REAL))
signal.setitimer(signal.ITIMER_REAL, 0.05)
t = time.monotonic()
time.sleep(0.3)  # interrupted by the timer, then resumed (PEP 475)
print("slept on", time.monotonic() - t >= 0.3)'
status 0 "python3: os.fork and os.waitpid" "$python" -c '
import os, signal
pid = os.fork()
if pid == 0:
    os._exit(7)
p, st = os.waitpid(pid, 0)
print(p == pid, os.WIFEXITED(st), os.WEXITSTATUS(st))
pid = os.fork()
if pid == 0:
    signal.pause()
    os._exit(0)
os.kill(pid, signal.SIGKILL)
p, st = os.waitpid(pid, 0)
print(os.WIFSIGNALED(st), os.WTERMSIG(st))
try:
    os.waitpid(-1, 0)
except ChildProcessError as e:
    print("ECHILD", e.errno)'
finish
