"""Spawn: create a task, run it to completion, wait for it. Each task hands back its own number
(a return value, or for processes an exit status) so that the count is checked like a token.
Every function takes a number of `tasks` and a Probe, and returns an Outcome."""
import asyncio
import os
import sys
import threading

from .kernel import MP, kill_and_reap
from .probe import Outcome, Probe


def spawn_asyncio_task(tasks, probe=None):
    """asyncio.create_task() of a coroutine that returns at once, awaited to completion."""
    return asyncio.run(_spawn_asyncio_tasks(tasks, probe or Probe()))


async def _identity(value):
    return value


async def _spawn_asyncio_tasks(tasks, probe):
    errors = last = 0
    probe.start()
    for i in range(1, tasks + 1):
        got = await asyncio.create_task(_identity(i))
        if got != i:
            errors += 1
        last = got
    probe.stop()
    return Outcome(tasks, errors, last)


def spawn_thread(tasks, probe=None):
    """threading.Thread start() and join() of a thread that records its number and ends."""
    probe = probe or Probe()
    done = []
    probe.start()
    for i in range(1, tasks + 1):
        t = threading.Thread(target=done.append, args=(i,))
        t.start()
        t.join()
    probe.stop()
    errors = sum(got != i for i, got in enumerate(done, 1)) + abs(tasks - len(done))
    return Outcome(tasks, errors, done[-1] if done else 0)


def _exit_status(i):
    """The exit status child number `i` ends with: its number, as much of it as a status holds."""
    return i % 128


def spawn_process_fork(tasks, probe=None):
    """os.fork() of a child that os._exit()s at once, and os.waitpid() for it."""
    probe = probe or Probe()
    errors = last = 0
    probe.start()
    for i in range(1, tasks + 1):
        pid = os.fork()
        if pid == 0:
            os._exit(_exit_status(i))       # at once: the copy of this interpreter must run nothing
        try:
            _, status = os.waitpid(pid, 0)
        except BaseException:               # e.g. Ctrl-C while waiting: leave no orphan
            kill_and_reap(pid)
            raise
        if os.waitstatus_to_exitcode(status) != _exit_status(i):
            errors += 1
        last = i
    probe.stop()
    return Outcome(tasks, errors, last)


def spawn_process_mp(tasks, probe=None):
    """multiprocessing.Process start() and join() of a child that exits at once."""
    probe = probe or Probe()
    errors = last = 0
    probe.start()
    for i in range(1, tasks + 1):
        child = MP.Process(target=sys.exit, args=(_exit_status(i),))
        child.start()
        try:
            child.join()
        finally:
            if child.exitcode is None:
                child.kill()
                child.join()
        if child.exitcode != _exit_status(i):
            errors += 1
        last = i
    probe.stop()
    return Outcome(tasks, errors, last)
