"""Tests of scripts/python_suite/spawn.py: every kind of task is created, runs and is waited for."""
import threading

import pytest

from python_suite import spawn
from python_suite.probe import Outcome
from suite_checks import assert_no_children, ids, mechanisms

SPAWN = mechanisms("spawn", spawn)


def test_every_spawn_mechanism_is_listed():
    assert len(SPAWN) == 4


@pytest.mark.parametrize("mechanism,run", SPAWN, ids=ids(SPAWN))
def test_spawn_mechanism_runs_each_task(mechanism, run):
    threads_before = threading.active_count()
    assert run(5) == Outcome(count=5, errors=0, last_seq=5)
    assert threading.active_count() == threads_before
    assert_no_children()
