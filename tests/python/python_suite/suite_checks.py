"""Checks shared by the tests of scripts/python_suite/. No check asserts a timing: the machine is
shared and noisy."""
import os
import threading

import pytest

from python_suite.benchmarks import MECHANISMS
from python_suite.probe import Outcome, Probe

ROUND_TRIPS = 50


def mechanisms(family, module, kind=None, task=None):
    """(mechanism name, function) of `family` defined in `module`, for pytest.mark.parametrize."""
    return [(m, run) for f, m, k, t, run in MECHANISMS
            if f == family and run.__module__ == module.__name__ and kind in (None, k) and task in (None, t)]


def ids(pairs):
    return [m for m, _ in pairs]


def assert_no_children():
    """No child process is left, not even a zombie: waitpid has nobody to wait for."""
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def assert_switches_alternate_and_end(run):
    """`run` hands ROUND_TRIPS tokens back and forth in turn, times them, and leaves no thread or child."""
    threads_before = threading.active_count()
    probe = Probe()
    outcome = run(ROUND_TRIPS, probe)
    # 2 switches per round trip; the last token carries the number of switches; nothing out of turn.
    assert outcome == Outcome(count=2 * ROUND_TRIPS, errors=0, last_seq=2 * ROUND_TRIPS)
    assert probe.sample is not None and probe.sample.wall_ns > 0
    assert min(probe.sample.voluntary, probe.sample.involuntary) >= 0
    assert threading.active_count() == threads_before
    assert_no_children()
