"""Tests of scripts/python_suite/kernel.py: threads and processes alternate, pinned or not, and a
child never outlives an error."""
import os
import signal

import pytest

from python_suite import kernel
from python_suite.probe import Outcome, Probe
from suite_checks import ROUND_TRIPS, assert_no_children, assert_switches_alternate_and_end, ids, mechanisms

KERNEL = mechanisms("switch", kernel)
PROCESSES = mechanisms("switch", kernel, task="process")


def test_every_kernel_mechanism_is_listed():
    assert len(KERNEL) == 4 and len(PROCESSES) == 2


@pytest.mark.parametrize("mechanism,run", KERNEL, ids=ids(KERNEL))
def test_kernel_mechanism_alternates_and_ends(mechanism, run):
    assert_switches_alternate_and_end(run)


@pytest.mark.parametrize("mechanism,run", KERNEL, ids=ids(KERNEL))
def test_kernel_mechanism_alternates_pinned(mechanism, run, pinned):
    assert run(ROUND_TRIPS) == Outcome(2 * ROUND_TRIPS, 0, 2 * ROUND_TRIPS)
    assert_no_children()


class FailingProbe(Probe):
    """Raises where the timed part would begin, as an error in the parent would."""

    def start(self, child_pids=()):
        raise RuntimeError("boom")


class ChildKillingProbe(Probe):
    """Kills the child just before the timed part: the parent must notice, not hang."""

    def start(self, child_pids=()):
        for pid in child_pids:
            os.kill(pid, signal.SIGKILL)
        super().start(())


@pytest.mark.parametrize("mechanism,run", PROCESSES, ids=ids(PROCESSES))
def test_parent_error_kills_and_reaps_child(mechanism, run):
    with pytest.raises(RuntimeError, match="boom"):
        run(ROUND_TRIPS, FailingProbe())
    assert_no_children()


@pytest.mark.parametrize("mechanism,run", PROCESSES, ids=ids(PROCESSES))
def test_dead_child_is_noticed_and_reaped(mechanism, run):
    with pytest.raises((EOFError, OSError)):
        run(ROUND_TRIPS, ChildKillingProbe())
    assert_no_children()


def test_pong_side_counts_tokens_out_of_turn():
    from_ping_r, from_ping_w = os.pipe()
    to_ping_r, to_ping_w = os.pipe()
    try:
        for token in (1, 3, 9, kernel._STOP):   # 9 comes out of turn: 5 was due
            kernel._write_token(from_ping_w, token)
        kernel._pong_over_fds(from_ping_r, to_ping_w)
        replies = [kernel._read_token(to_ping_r) for _ in range(5)]
    finally:
        for fd in (from_ping_r, from_ping_w, to_ping_r, to_ping_w):
            os.close(fd)
    assert replies == [0, 2, 4, 10, 1]          # ready, three replies, then the error count
