#!/usr/bin/python3
"""What a task switch costs in Python: asyncio tasks and generators (cooperative) against threads
and processes (preemptive), plus what creating each kind of task costs. Writes bench_switch JSON
(docs/JSON.md); docs/PYTHON.md says what each figure is.

Every switch benchmark hands a numbered token back and forth between two tasks. A round trip is two
one-way switches, and every figure is per one-way switch. Both sides check that the numbers arrive in
turn; a token out of turn fails the benchmark.

Layout: the mechanisms (one small function each, all `fn(n, probe) -> Outcome`), then the harness
that calibrates, repeats and aggregates them (written once), then the machine facts, the output and
the command line.
"""
import argparse
import asyncio
import collections
import datetime
import json
import math
import multiprocessing
import os
import platform
import queue
import re
import resource
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time

import bsjson
import output_file

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))

Outcome = collections.namedtuple("Outcome", "count errors last_seq")
Outcome.__doc__ = """What one batch of a mechanism did: `count` switches (or tasks created), `errors`
tokens that arrived out of turn (counted by both sides), `last_seq` the number the last token carried
(equal to `count` when every handoff happened in order)."""

Sample = collections.namedtuple("Sample", "wall_ns cpu_ns voluntary involuntary")


class Probe:
    """Times one batch: wall clock, plus CPU time and kernel context switches of every task involved.

    A mechanism calls start() once its tasks are set up and waiting and stop() after the last handoff,
    before any task exits, so neither setup nor teardown is timed.
    """

    def __init__(self):
        self.sample = None
        self._pids = ()
        self._begin = None

    def start(self, child_pids=()):
        """Start timing; `child_pids` are live child processes that take part in the handoff."""
        self._pids = tuple(child_pids)
        counters = self._counters()
        self._begin = (counters, time.perf_counter_ns())  # the clock read last: counter reads are not timed

    def stop(self):
        end_ns = time.perf_counter_ns()                    # the clock read first, for the same reason
        counters = self._counters()
        begin_counters, begin_ns = self._begin
        self.sample = Sample(end_ns - begin_ns, *(e - b for e, b in zip(counters, begin_counters)))

    def _counters(self):
        """(cpu_ns, voluntary, involuntary) so far, summed over this process (all its threads), the
        children it has reaped and the live children in `_pids`.

        The kernel counts from each task's birth (the interpreter's start-up and every earlier batch
        are in there), so only the difference between stop() and start() belongs to this batch.
        RUSAGE_SELF covers every thread of the process, dead ones included; RUSAGE_CHILDREN covers a
        child only once it is reaped, so a child that is alive during the batch (the switch benchmarks
        reap theirs after stop()) is read from /proc instead, and none is counted twice.
        """
        me = resource.getrusage(resource.RUSAGE_SELF)
        reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = time.process_time_ns() + round((reaped.ru_utime + reaped.ru_stime) * 1e9)
        voluntary = me.ru_nvcsw + reaped.ru_nvcsw
        involuntary = me.ru_nivcsw + reaped.ru_nivcsw
        for pid in self._pids:
            child_cpu, child_voluntary, child_involuntary = live_process_counters(pid)
            cpu += child_cpu
            voluntary += child_voluntary
            involuntary += child_involuntary
        return cpu, voluntary, involuntary


def live_process_counters(pid):
    """(cpu_ns, voluntary, involuntary) of a live single-threaded process, from /proc.

    /proc/<pid>/status and /proc/<pid>/schedstat describe the process's main thread only, which is
    all of it for our children: they start no threads.
    """
    counts = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"):
                counts[key] = int(value)
    try:
        with open(f"/proc/{pid}/schedstat", encoding="ascii") as f:
            cpu_ns = int(f.read().split()[0])   # time on CPU in ns (needs CONFIG_SCHED_INFO)
    except (FileNotFoundError, IndexError, ValueError):
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rpartition(")")[2].split()   # the name in (...) may hold spaces
        ticks = int(fields[11]) + int(fields[12])          # utime + stime, fields 14 and 15 of stat
        cpu_ns = ticks * 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    return cpu_ns, counts.get("voluntary_ctxt_switches", 0), counts.get("nonvoluntary_ctxt_switches", 0)


# ---------------------------------------------------------------------------------------------------
# Cooperative switches: one thread; a switch is a resume of Python code, no kernel involved.
# Every function takes `round_trips` (two switches each) and a Probe, and returns an Outcome.
# The "ping" side sends odd numbers and expects the next even one back; the "pong" side checks that
# each number is two more than the last it saw.
# ---------------------------------------------------------------------------------------------------

def py_generator_send(round_trips, probe=None):
    """Driver and generator: send() resumes the generator (one switch), its yield returns (another)."""
    probe = probe or Probe()

    def pong():
        errors, expect = 0, 1
        seq = yield 0
        while seq is not None:
            if seq != expect:
                errors += 1
            expect = seq + 2
            seq = yield seq + 1
        yield errors

    gen = pong()
    next(gen)                       # run the generator up to its first yield: started, not timed
    send = gen.send
    errors = seq = 0
    probe.start()
    for _ in range(round_trips):
        reply = send(seq + 1)
        if reply != seq + 2:
            errors += 1
        seq = reply
    probe.stop()
    errors += send(None)
    return Outcome(2 * round_trips, errors, seq)


def py_asyncio_event(round_trips, probe=None):
    """Two asyncio tasks, each waiting on its own asyncio.Event that the other sets."""
    return asyncio.run(_asyncio_event(round_trips, probe or Probe()))


async def _asyncio_event(round_trips, probe):
    to_pong, to_ping = asyncio.Event(), asyncio.Event()
    baton = [0]

    async def pong():
        errors, expect = 0, 1
        for _ in range(round_trips):
            await to_pong.wait()
            to_pong.clear()
            if baton[0] != expect:
                errors += 1
            expect = baton[0] + 2
            baton[0] += 1
            to_ping.set()
        return errors

    other = asyncio.create_task(pong())
    await asyncio.sleep(0)          # pong runs up to its first wait: the timed part holds only handoffs
    errors = seq = 0
    probe.start()
    for _ in range(round_trips):
        baton[0] = seq + 1
        to_pong.set()
        await to_ping.wait()
        to_ping.clear()
        if baton[0] != seq + 2:
            errors += 1
        seq = baton[0]
    probe.stop()
    return Outcome(2 * round_trips, errors + await other, seq)


def py_asyncio_queue(round_trips, probe=None):
    """Two asyncio tasks passing the token through two asyncio.Queue, one each way."""
    return asyncio.run(_asyncio_queue(round_trips, probe or Probe()))


async def _asyncio_queue(round_trips, probe):
    to_pong, to_ping = asyncio.Queue(), asyncio.Queue()

    async def pong():
        errors, expect = 0, 1
        for _ in range(round_trips):
            seq = await to_pong.get()
            if seq != expect:
                errors += 1
            expect = seq + 2
            await to_ping.put(seq + 1)      # unbounded queue: put never suspends, get does
        return errors

    other = asyncio.create_task(pong())
    await asyncio.sleep(0)          # pong runs up to its first get
    errors = seq = 0
    probe.start()
    for _ in range(round_trips):
        await to_pong.put(seq + 1)
        reply = await to_ping.get()
        if reply != seq + 2:
            errors += 1
        seq = reply
    probe.stop()
    return Outcome(2 * round_trips, errors + await other, seq)


def py_asyncio_sleep0(round_trips, probe=None):
    """Two asyncio tasks that both stay runnable and alternate by `await asyncio.sleep(0)`: the bare
    yield to the event loop, which then runs the other task."""
    return asyncio.run(_asyncio_sleep0(round_trips, probe or Probe()))


async def _asyncio_sleep0(round_trips, probe):
    baton = [0]

    async def pong():
        errors, expect = 0, 1
        for _ in range(round_trips):
            if baton[0] != expect:
                errors += 1
            expect = baton[0] + 2
            baton[0] += 1
            await asyncio.sleep(0)
        return errors

    # No warm-up yield here: pong is always runnable, so it must first run after ping's first token.
    other = asyncio.create_task(pong())
    errors = seq = 0
    probe.start()
    for _ in range(round_trips):
        baton[0] = seq + 1
        await asyncio.sleep(0)
        if baton[0] != seq + 2:
            errors += 1
        seq = baton[0]
    probe.stop()
    return Outcome(2 * round_trips, errors + await other, seq)


# ---------------------------------------------------------------------------------------------------
# Preemptive switches: kernel threads (which also pass the GIL) and processes. The main thread plays
# ping; a worker thread or a child process plays pong.
# ---------------------------------------------------------------------------------------------------

PING, PONG = 0, 1


class _Baton:
    """The token two threads pass under one Condition: its number, whose turn it is, and the
    exception that stopped the worker, if one did."""
    __slots__ = ("seq", "turn", "failure")

    def __init__(self):
        self.seq, self.turn, self.failure = 0, PONG, None


def py_thread_condition(round_trips, probe=None):
    """Two threads taking turns under one threading.Condition (wait / notify)."""
    probe = probe or Probe()
    cond = threading.Condition()
    baton = _Baton()
    pong_errors = [0]

    def pong():
        errors, expect = 0, 1
        with cond:
            try:
                baton.turn = PING           # "ready": hand the turn to ping before the first token
                cond.notify()
                for _ in range(round_trips):
                    while baton.turn != PONG:
                        cond.wait()
                    if baton.seq != expect:
                        errors += 1
                    expect = baton.seq + 2
                    baton.seq += 1
                    baton.turn = PING
                    cond.notify()
            except BaseException as e:     # hand the turn back, or ping would wait for ever
                baton.failure, baton.turn = e, PING
                cond.notify()
            pong_errors[0] = errors

    worker = threading.Thread(target=pong, name="pong", daemon=True)
    with cond:
        worker.start()
        while baton.turn != PING:
            cond.wait()
        errors = seq = 0
        probe.start()
        for _ in range(round_trips):
            baton.seq, baton.turn = seq + 1, PONG
            cond.notify()
            while baton.turn != PING:
                cond.wait()
            if baton.failure is not None:
                break
            if baton.seq != seq + 2:
                errors += 1
            seq = baton.seq
        probe.stop()
    worker.join()
    if baton.failure is not None:
        raise RuntimeError(f"the pong thread failed: {baton.failure!r}") from baton.failure
    return Outcome(2 * round_trips, errors + pong_errors[0], seq)


def py_thread_queue(round_trips, probe=None):
    """Two threads passing the token through two queue.Queue, one each way."""
    probe = probe or Probe()
    to_pong, to_ping = queue.Queue(), queue.Queue()

    def pong():
        try:
            errors, expect = 0, 1
            to_ping.put(0)                  # "ready"
            for _ in range(round_trips):
                seq = to_pong.get()
                if seq != expect:
                    errors += 1
                expect = seq + 2
                to_ping.put(seq + 1)
            to_ping.put(errors)
        except BaseException as e:         # passed on, or ping would wait for ever
            to_ping.put(e)

    worker = threading.Thread(target=pong, name="pong", daemon=True)
    worker.start()
    _expect_int(to_ping.get(), "the pong thread")
    errors = seq = 0
    probe.start()
    for _ in range(round_trips):
        to_pong.put(seq + 1)
        reply = to_ping.get()
        if reply != seq + 2:
            _expect_int(reply, "the pong thread")
            errors += 1
        seq = reply
    probe.stop()
    errors += _expect_int(to_ping.get(), "the pong thread")
    worker.join()
    return Outcome(2 * round_trips, errors, seq)


def _expect_int(value, who):
    """`value`, unless `who` sent an exception instead of a number."""
    if isinstance(value, BaseException):
        raise RuntimeError(f"{who} failed: {value!r}") from value
    return value


_TOKEN = struct.Struct("=q")
_STOP = -1


def _read_token(fd):
    """One token from a pipe. End of file (the other process is gone) raises EOFError."""
    data = os.read(fd, _TOKEN.size)
    while len(data) < _TOKEN.size:     # a pipe delivers an 8-byte write whole (< PIPE_BUF); be exact
        more = os.read(fd, _TOKEN.size - len(data))
        if not more:
            raise EOFError("the other process closed its end of the pipe")
        data += more
    return _TOKEN.unpack(data)[0]


def _write_token(fd, value):
    os.write(fd, _TOKEN.pack(value))


def _pong_over_fds(from_ping, to_ping):
    """The child's side of py_process_os_pipe: answer each token with the next number until _STOP,
    then send the count of tokens that came out of turn."""
    errors, expect = 0, 1
    _write_token(to_ping, 0)                # "ready"
    while True:
        seq = _read_token(from_ping)
        if seq == _STOP:
            break
        if seq != expect:
            errors += 1
        expect = seq + 2
        _write_token(to_ping, seq + 1)
    _write_token(to_ping, errors)


def kill_and_reap(pid):
    """End a child we no longer trust and wait for it, so no zombie or orphan outlives us."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def py_process_os_pipe(round_trips, probe=None):
    """Parent and os.fork()ed child passing 8-byte tokens through two os.pipe(), one each way."""
    probe = probe or Probe()
    to_child_r, to_child_w = os.pipe()
    to_parent_r, to_parent_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        # The child is a copy of the whole interpreter: the caller's stack, its finally blocks, atexit
        # handlers, buffered output, pytest. os._exit ends it here whatever happens; returning or
        # raising would run the parent's code a second time, in the child.
        status = 1
        try:
            os.close(to_child_w)            # the parent's ends: closed, so that when the parent
            os.close(to_parent_r)           # dies the child reads end of file instead of hanging
            _pong_over_fds(to_child_r, to_parent_w)
            status = 0
        finally:
            os._exit(status)
    reaped = False
    try:
        os.close(to_child_r)                # the child's ends: closed here for the same reason
        os.close(to_parent_w)
        _read_token(to_parent_r)            # the child is up and blocked in read()
        errors = seq = 0
        probe.start([pid])
        for _ in range(round_trips):
            _write_token(to_child_w, seq + 1)
            reply = _read_token(to_parent_r)
            if reply != seq + 2:
                errors += 1
            seq = reply
        probe.stop()                        # before the child exits: its /proc counters are read here
        _write_token(to_child_w, _STOP)
        errors += _read_token(to_parent_r)
        _, status = os.waitpid(pid, 0)
        reaped = True
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"the child exited with status {os.waitstatus_to_exitcode(status)}")
        return Outcome(2 * round_trips, errors, seq)
    finally:
        os.close(to_child_w)
        os.close(to_parent_r)
        if not reaped:
            kill_and_reap(pid)


def _mp_pong(conn, parent_end):
    """The child's side of py_process_mp_pipe."""
    parent_end.close()                      # inherited through fork; closed so EOF can be seen
    errors, expect = 0, 1
    conn.send(0)                            # "ready"
    while True:
        seq = conn.recv()
        if seq is None:
            break
        if seq != expect:
            errors += 1
        expect = seq + 2
        conn.send(seq + 1)
    conn.send(errors)


# "fork" by name: it is Linux's default up to Python 3.13, and naming it keeps the figure the same
# on interpreters whose default is another start method.
MP = multiprocessing.get_context("fork")


def py_process_mp_pipe(round_trips, probe=None):
    """Parent and multiprocessing.Process child passing the token through a multiprocessing.Pipe."""
    probe = probe or Probe()
    mine, theirs = MP.Pipe()
    child = MP.Process(target=_mp_pong, args=(theirs, mine), name="pong", daemon=True)
    child.start()
    try:
        theirs.close()                      # the child's end: only the child holds it now
        mine.recv()                         # the child is up and blocked in recv()
        errors = seq = 0
        probe.start([child.pid])
        for _ in range(round_trips):
            mine.send(seq + 1)
            reply = mine.recv()
            if reply != seq + 2:
                errors += 1
            seq = reply
        probe.stop()
        mine.send(None)
        errors += mine.recv()
        child.join()
        if child.exitcode != 0:
            raise RuntimeError(f"the child exited with status {child.exitcode}")
        return Outcome(2 * round_trips, errors, seq)
    finally:
        mine.close()
        if child.exitcode is None:          # still running (exitcode also reaps one that has ended)
            child.kill()
            child.join()


# ---------------------------------------------------------------------------------------------------
# Spawn: create a task, run it to completion, wait for it. Each task hands back its own number
# (a return value, or for processes an exit status) so that the count is checked like a token.
# ---------------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------------
# The benchmark list: adding a mechanism is one function above and one line here.
# ---------------------------------------------------------------------------------------------------

Benchmark = collections.namedtuple("Benchmark", "family mechanism kind task placement run")

MECHANISMS = [  # family, mechanism, kind, task, function
    ("switch", "py_asyncio_event", "cooperative", "coroutine", py_asyncio_event),
    ("switch", "py_asyncio_queue", "cooperative", "coroutine", py_asyncio_queue),
    ("switch", "py_asyncio_sleep0", "cooperative", "coroutine", py_asyncio_sleep0),
    ("switch", "py_generator_send", "cooperative", "coroutine", py_generator_send),
    ("switch", "py_thread_condition", "preemptive", "thread", py_thread_condition),
    ("switch", "py_thread_queue", "preemptive", "thread", py_thread_queue),
    ("switch", "py_process_mp_pipe", "preemptive", "process", py_process_mp_pipe),
    ("switch", "py_process_os_pipe", "preemptive", "process", py_process_os_pipe),
    ("spawn", "py_asyncio_task", "cooperative", "coroutine", spawn_asyncio_task),
    ("spawn", "py_thread", "preemptive", "thread", spawn_thread),
    ("spawn", "py_process_fork", "preemptive", "process", spawn_process_fork),
    ("spawn", "py_process_mp", "preemptive", "process", spawn_process_mp),
]


def all_benchmarks():
    """Every benchmark, in run order: preemptive ones pinned to one CPU and unpinned."""
    out = []
    for family, mechanism, kind, task, run in MECHANISMS:
        placements = ("same_cpu", "unpinned") if kind == "preemptive" else ("one_thread",)
        out += [Benchmark(family, mechanism, kind, task, p, run) for p in placements]
    return out


def benchmark_name(bench):
    return f"{bench.family}/{bench.mechanism}/{bench.placement}"


UNITS = {  # family -> (what one iteration is, the sentence for the entry's `unit`)
    "switch": ("switch", "ns per one-way switch (a round trip is two switches)"),
    "spawn": ("task", "ns to create, start and finish one task"),
}


# ---------------------------------------------------------------------------------------------------
# Pinning
# ---------------------------------------------------------------------------------------------------

def pin_process(cpu):
    """Pin every thread of this process to `cpu`; return the old masks for unpin_process().

    os.sched_setaffinity(0) moves only the calling thread (Linux affinity is per thread), so each
    thread in /proc/self/task is moved. The whole process, because threads that switch also pass
    the GIL among every thread of the process: if any of them stayed free, the handoff could cross
    CPUs and the figure would be a cross-CPU wake-up. Threads and processes started later inherit
    the mask of the thread that starts them, so workers and children land on `cpu` too.
    Raises OSError when the kernel refuses.
    """
    saved = {}
    try:
        for tid in _thread_ids():
            try:
                saved[tid] = os.sched_getaffinity(tid)
                os.sched_setaffinity(tid, {cpu})
            except ProcessLookupError:      # a thread that ended after it was listed (a joined
                pass                        # thread's kernel task lingers a moment): nothing to pin
    except BaseException:
        unpin_process(saved)
        raise
    return saved


def unpin_process(saved):
    for tid, mask in saved.items():
        try:
            os.sched_setaffinity(tid, mask)
        except OSError:                     # a thread that has ended since, or a refusal
            pass


def _thread_ids():
    try:
        return [int(t) for t in os.listdir("/proc/self/task")]
    except FileNotFoundError:
        return [0]


def pinning_cpu():
    """The CPU to pin to: the highest-numbered one we may use (CPU 0 usually takes the most
    device interrupts)."""
    return max(os.sched_getaffinity(0))


# ---------------------------------------------------------------------------------------------------
# The harness: calibrate, repeat, aggregate. Written once for every mechanism.
# ---------------------------------------------------------------------------------------------------

CALIBRATION_MARGIN = 1.2   # aim a little over --min-time, so that noise rarely leaves a batch under it
MAX_BATCH = 10 ** 10       # no real mechanism gets here: beyond it, a batch that stays short is a bug
UNSTABLE_CV = 0.10         # a coefficient of variation above this is flagged in the table


class Misbehaved(Exception):
    """A mechanism did not do what it must: tokens out of turn, a missing token, no timing."""


def run_batch(run, n):
    """Run one batch of `n` (round trips or tasks); return (Outcome, Sample) or raise Misbehaved."""
    probe = Probe()
    outcome = run(n, probe)
    if outcome.errors:
        raise Misbehaved(f"{outcome.errors} tokens arrived out of turn in {outcome.count}")
    if outcome.last_seq != outcome.count:
        raise Misbehaved(f"the last token was {outcome.last_seq}, expected {outcome.count}")
    if probe.sample is None:
        raise Misbehaved("the mechanism never stopped its probe")
    return outcome, probe.sample


def calibrate(run, min_time_ns):
    """The batch size whose batch lasts about `min_time_ns` (times CALIBRATION_MARGIN).

    Grows the batch (up to 100x a step) until one lasts a fifth of the target, long enough to be
    measured well, then scales linearly. The batches run here are the warm-up and are not reported.
    """
    n = 1
    while n <= MAX_BATCH:
        _, sample = run_batch(run, n)
        wall_ns = max(sample.wall_ns, 1)
        if wall_ns >= min_time_ns / 5:
            return max(1, math.ceil(n * min_time_ns * CALIBRATION_MARGIN / wall_ns))
        n = math.ceil(n * min(100.0, max(2.0, 2 * min_time_ns / 5 / wall_ns)))
    raise Misbehaved(f"a batch of {n // 100}+ still lasts under {min_time_ns / 5e9:g} s: "
                     f"its time does not grow with it")


def run_benchmark(bench, repetitions, min_time_s, family_index=0):
    """All entries of one benchmark (repetitions, then aggregates) and its status:
    'ok', 'skipped' (could not measure here) or 'failed'."""
    saved_masks = None
    if bench.placement == "same_cpu":
        if not hasattr(os, "sched_setaffinity"):
            message = "skipped: this platform has no sched_setaffinity"
            return [error_entry(bench, family_index, repetitions, message)], "skipped"
        try:
            saved_masks = pin_process(pinning_cpu())
        except OSError as e:
            reason = f"the kernel refused to pin to one CPU ({e.strerror or e})"
            return [error_entry(bench, family_index, repetitions, f"skipped: {reason}")], "skipped"
    try:
        n = calibrate(bench.run, min_time_s * 1e9)
        batches = [run_batch(bench.run, n) for _ in range(repetitions)]
    except Exception as e:                  # out-of-turn tokens, a child that died, ...: say so loudly
        return [error_entry(bench, family_index, repetitions, f"failed: {e}")], "failed"
    finally:
        if saved_masks:
            unpin_process(saved_masks)
    runs = [iteration_entry(bench, family_index, repetitions, i, outcome.count, sample)
            for i, (outcome, sample) in enumerate(batches)]
    return runs + aggregate_entries(bench, family_index, runs), "ok"


def _common_fields(bench, family_index, repetitions):
    """Google Benchmark's naming fields, in its order."""
    name = benchmark_name(bench)
    return {"name": name, "family_index": family_index, "per_family_instance_index": 0,
            "run_name": name, "run_type": "iteration", "repetitions": repetitions,
            "repetition_index": 0, "threads": 1}


def _bench_switch_fields(bench):
    """What bench_switch adds to every entry (docs/JSON.md)."""
    return {"family": bench.family, "mechanism": bench.mechanism, "kind": bench.kind,
            "task": bench.task, "placement": bench.placement, "language": "python",
            "params": {}, "unit": UNITS[bench.family][1]}


def iteration_entry(bench, family_index, repetitions, index, count, sample):
    """One repetition: times and counters divided by the number of switches (or tasks) it held."""
    what = UNITS[bench.family][0]
    entry = _common_fields(bench, family_index, repetitions)
    entry.update(repetition_index=index, iterations=count,
                 real_time=sample.wall_ns / count, cpu_time=sample.cpu_ns / count, time_unit="ns")
    # Counters are top-level numbers, as Google Benchmark writes user counters.
    entry[f"ns_per_{what}"] = sample.wall_ns / count
    entry[f"kernel_switches_per_{what}"] = (sample.voluntary + sample.involuntary) / count
    entry[f"voluntary_switches_per_{what}"] = sample.voluntary / count
    entry[f"involuntary_switches_per_{what}"] = sample.involuntary / count
    entry["cpu_utilisation"] = sample.cpu_ns / max(sample.wall_ns, 1)
    entry[f"{what}es" if what == "switch" else f"{what}s"] = count
    entry.update(_bench_switch_fields(bench))
    return entry


AGGREGATES = [  # name, unit, function: as Google Benchmark computes them (stddev is the sample's)
    ("mean", "time", statistics.mean),
    ("median", "time", statistics.median),
    ("stddev", "time", statistics.stdev),
    ("cv", "percentage", lambda xs: statistics.stdev(xs) / statistics.mean(xs) if statistics.mean(xs) else 0.0),
]

_NOT_AGGREGATED = {"name", "family_index", "per_family_instance_index", "run_name", "run_type",
                   "repetitions", "repetition_index", "threads", "iterations", "time_unit"}


def aggregate_entries(bench, family_index, runs):
    """mean, median, stddev and cv of real_time, cpu_time and every counter across the repetitions.
    Like Google Benchmark: none for a single repetition, and `iterations` is the repetition count."""
    if len(runs) < 2:
        return []
    numeric = [k for k, v in runs[0].items()
               if k not in _NOT_AGGREGATED and isinstance(v, (int, float)) and not isinstance(v, bool)]
    out = []
    for name, unit, compute in AGGREGATES:
        entry = _common_fields(bench, family_index, len(runs))
        entry["name"] += f"_{name}"
        entry.update(run_type="aggregate", aggregate_name=name, aggregate_unit=unit, iterations=len(runs))
        del entry["repetition_index"]
        for key in numeric:                 # real_time and cpu_time first, then the counters
            entry[key] = compute([r[key] for r in runs])
            if key == "cpu_time":
                entry["time_unit"] = "ns"
        entry.update(_bench_switch_fields(bench))
        out.append(entry)
    return out


def error_entry(bench, family_index, repetitions, message):
    """A benchmark that did not measure. Laid out as Google Benchmark lays out an errored run
    (zero iterations and times); it carries no counters."""
    entry = _common_fields(bench, family_index, repetitions)
    entry.update(iterations=0, real_time=0, cpu_time=0, time_unit="ns",
                 error_occurred=True, error_message=message)
    entry.update(_bench_switch_fields(bench))
    return entry


# ---------------------------------------------------------------------------------------------------
# What a reader needs to trust a figure: the machine, the interpreter, the revision.
# ---------------------------------------------------------------------------------------------------

def _read(path, default=None):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return default


def cpu_model():
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return platform.processor() or "unknown"


def mhz_per_cpu():
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "cpu MHz":
            return round(float(value))
    return 0


def caches():
    """CPU 0's caches, as Google Benchmark's context lists them."""
    out = []
    base = "/sys/devices/system/cpu/cpu0/cache"
    for index in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        d = os.path.join(base, index)
        size = _read(os.path.join(d, "size"), "")
        shared = _read(os.path.join(d, "shared_cpu_list"), "")
        if not index.startswith("index") or not size:
            continue
        factor = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}.get(size[-1], 1)
        out.append({"type": _read(os.path.join(d, "type"), "Unknown"),
                    "level": int(_read(os.path.join(d, "level"), "0")),
                    "size": int(size.rstrip("KMG")) * factor,
                    "num_sharing": _count_cpu_list(shared)})
    return out


def _count_cpu_list(text):
    count = 0
    for part in filter(None, text.split(",")):
        low, _, high = part.partition("-")
        count += int(high or low) - int(low) + 1
    return count


def git_revision():
    """The revision of the repository this script lives in, '-dirty' when tracked files changed;
    'unknown' outside a repository or without git."""
    def git(*args):
        # --no-optional-locks: `status` would otherwise refresh (write) the index of the checkout.
        return subprocess.run(["git", "--no-optional-locks", "-C", SCRIPT_DIR, *args],
                              capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    try:
        revision = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return revision + ("-dirty" if dirty else "")


def machine_context():
    """Google Benchmark's context keys that mean something here, plus context.bench_switch."""
    model, count, release = cpu_model(), len(os.sched_getaffinity(0)), os.uname().release
    governor = _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host_name": socket.gethostname(),
        "executable": os.path.abspath(__file__),
        "num_cpus": os.cpu_count(),
        "mhz_per_cpu": mhz_per_cpu(),
        "cpu_scaling_enabled": governor not in (None, "performance"),
        "caches": caches(),
        "load_avg": list(os.getloadavg()),
        "library_build_type": "release",
        "bench_switch": {
            "tool": "bench_switch",
            "schema_version": 1,
            "language": "python",
            "python_version": platform.python_version(),
            "python_implementation": platform.python_implementation(),
            "python_executable": sys.executable,
            "python_switch_interval_s": sys.getswitchinterval(),
            "multiprocessing_start_method": MP.get_start_method(),
            "git_revision": git_revision(),
            "cpu_model": model,
            "cpu_count": count,
            "kernel_release": release,
            "clocksource": _read("/sys/devices/system/clocksource/clocksource0/current_clocksource", "unknown"),
            "cpufreq_governor": governor or "none",
            "fingerprint": f"{model}|{count}|{release}",
        },
    }


# ---------------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------------

def _median_entry(entries):
    """The figure a reader looks at: the median aggregate, or the only repetition."""
    runs = [e for e in entries if not e.get("error_occurred")]
    for e in runs:
        if e.get("aggregate_name") == "median":
            return e
    return runs[0] if runs else None


def _cv(entries):
    for e in entries:
        if e.get("aggregate_name") == "cv":
            return e["real_time"]
    return None


def progress_line(position, total, bench, entries, status):
    """One line per benchmark, for stderr."""
    head = f"[{position}/{total}] {benchmark_name(bench)}:"
    if status != "ok":
        message = entries[0]["error_message"]
        return f"{head} {'FAILED: ' + message if status == 'failed' else message}"
    what = UNITS[bench.family][0]
    median, cv = _median_entry(entries), _cv(entries)
    runs = [e for e in entries if e["run_type"] == "iteration"]
    spread = f", cv {cv:.1%}" if cv is not None else ""
    return (f"{head} {median['real_time']:.0f} ns/{what}{spread}, "
            f"{median[f'kernel_switches_per_{what}']:.2f} kernel switches/{what} "
            f"({len(runs)} x {runs[0]['iterations']} {what}{'es' if what == 'switch' else 's'})")


def table(results):
    """The readable summary for stdout: one row per benchmark, explained underneath."""
    header = f"{'benchmark':<40} {'median ns':>11} {'cv':>6} {'x fastest':>9} {'kernel sw':>9} {'cpu util':>8}  note"
    fastest = {}
    for bench, entries, status in results:
        median = _median_entry(entries) if status == "ok" else None
        if median:
            fastest[bench.family] = min(fastest.get(bench.family, math.inf), median["real_time"])
    lines = [header, "-" * len(header)]
    for bench, entries, status in results:
        name = benchmark_name(bench)
        median = _median_entry(entries) if status == "ok" else None
        if median is None:
            lines.append(f"{name:<40} {'-':>11} {'-':>6} {'-':>9} {'-':>9} {'-':>8}  {entries[0]['error_message']}")
            continue
        what = UNITS[bench.family][0]
        cv = _cv(entries)
        note = f"unstable: cv {cv:.0%}, rerun on a quieter machine" if cv is not None and cv > UNSTABLE_CV else ""
        lines.append(f"{name:<40} {median['real_time']:>11.1f} "
                     f"{'-' if cv is None else format(cv, '.1%'):>6} "
                     f"{median['real_time'] / fastest[bench.family]:>9.1f} "
                     f"{median[f'kernel_switches_per_{what}']:>9.2f} {median['cpu_utilisation']:>8.2f}  {note}")
    lines += ["",
              "median ns: wall time of one one-way switch (switch/...), or of creating, starting and finishing",
              "           one task (spawn/...); the median of the repetitions.",
              "cv: standard deviation / mean across the repetitions.",
              "x fastest: median against the fastest benchmark of the same family in this run.",
              "kernel sw: context switches the kernel counted (voluntary + involuntary, all tasks involved)",
              "           per switch or per task.",
              "cpu util: CPU time of all tasks involved / wall time (2.0 = both CPUs busy)."]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------

QUICK_REPETITIONS, QUICK_MIN_TIME = 3, 0.05
DEFAULT_REPETITIONS, DEFAULT_MIN_TIME = 5, 0.1


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad command line gets one line on stderr (and exit status 2), not the usage."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parse_args(argv):
    p = _OneLineParser(
        prog="bench_python.py",
        description="Time one-way task switches in Python (asyncio tasks, generators, threads, processes) "
                    "and the cost of creating each kind of task; write the figures as bench_switch JSON "
                    "(Google Benchmark's layout, see docs/JSON.md and docs/PYTHON.md).",
        epilog="Progress goes to stderr, one line per benchmark; a table and the output path go to stdout. "
               "Exit status: 0 when every benchmark measured or was skipped, 1 when one failed "
               "(the JSON is still written), 2 for a bad command line.")
    p.add_argument("--json", metavar="PATH", default="bench_switch_python.json",
                   help="where to write the JSON, replaced whole or not at all (default: %(default)s)")
    p.add_argument("--repetitions", metavar="N", type=_positive_int,
                   help=f"timed batches per benchmark; mean, median, stddev and cv are computed over them "
                        f"when N > 1 (default: {DEFAULT_REPETITIONS}, {QUICK_REPETITIONS} with --quick)")
    p.add_argument("--min-time", metavar="SECONDS", type=_positive_float,
                   help=f"how long each timed batch lasts at least, about; the batch size is calibrated to it "
                        f"first (default: {DEFAULT_MIN_TIME}, {QUICK_MIN_TIME} with --quick)")
    p.add_argument("--quick", action="store_true",
                   help="fewer repetitions and shorter batches: a smoke run of about 10 s, noisier figures")
    p.add_argument("--filter", metavar="REGEX", type=_regex,
                   help="run only the benchmarks whose name (e.g. switch/py_thread_queue/same_cpu) "
                        "matches REGEX anywhere (Python re.search)")
    p.add_argument("--list", action="store_true", help="print the names of the selected benchmarks and exit")
    args = p.parse_args(argv)
    if args.repetitions is None:
        args.repetitions = QUICK_REPETITIONS if args.quick else DEFAULT_REPETITIONS
    if args.min_time is None:
        args.min_time = QUICK_MIN_TIME if args.quick else DEFAULT_MIN_TIME
    args.benchmarks = [b for b in all_benchmarks() if args.filter is None or args.filter.search(benchmark_name(b))]
    if not args.benchmarks:
        p.error(f"--filter {args.filter.pattern!r} matches no benchmark (try --list)")
    if not args.list:
        try:  # the calls the final write makes, before anything is measured
            output_file.check_writable(args.json)
        except OSError as e:
            print(f"bench_python.py: error: cannot write --json {args.json!r} ({e.strerror or e}); nothing measured",
                  file=sys.stderr)
            sys.exit(2)
    return args


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number of seconds")
    return value


def _regex(text):
    try:
        return re.compile(text)
    except re.error as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not a regular expression ({e})") from None


def main(argv=None):
    args = parse_args(argv)
    if args.list:
        print("\n".join(benchmark_name(b) for b in args.benchmarks))
        return 0
    context = machine_context()
    results = []
    for position, bench in enumerate(args.benchmarks, 1):
        entries, status = run_benchmark(bench, args.repetitions, args.min_time, family_index=position - 1)
        results.append((bench, entries, status))
        print(progress_line(position, len(args.benchmarks), bench, entries, status), file=sys.stderr, flush=True)
    document = {"context": context, "benchmarks": [e for _, entries, _ in results for e in entries]}
    try:
        output_file.write_output(args.json, json.dumps(document, indent=2) + "\n")
    except OSError as e:
        print(f"bench_python.py: error: cannot write {args.json} ({e.strerror or e})", file=sys.stderr)
        return 1
    console = sys.stderr if output_file.is_standard_output(args.json) else sys.stdout  # JSON alone there
    print(table(results), file=console)
    print(f"\nwrote {args.json}", file=console)
    failed = [benchmark_name(b) for b, _, status in results if status == "failed"]
    if failed:
        print(f"bench_python.py: {len(failed)} benchmark(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(bsjson.run_main("bench_python.py", main))
