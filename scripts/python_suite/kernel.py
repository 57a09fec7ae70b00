"""Preemptive switches: kernel threads (which also pass the GIL) and processes. The main thread plays
ping; a worker thread or a child process plays pong. Every function takes `round_trips` (two
switches each) and a Probe, and returns an Outcome."""
import multiprocessing
import os
import queue
import signal
import struct
import threading

from .probe import Outcome, Probe

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
