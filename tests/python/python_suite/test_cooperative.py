"""Tests of scripts/python_suite/cooperative.py: every one-thread mechanism alternates and ends."""
import pytest

from python_suite import cooperative
from suite_checks import assert_switches_alternate_and_end, ids, mechanisms

COOPERATIVE = mechanisms("switch", cooperative)


def test_every_cooperative_mechanism_is_listed():
    assert len(COOPERATIVE) == 4


@pytest.mark.parametrize("mechanism,run", COOPERATIVE, ids=ids(COOPERATIVE))
def test_cooperative_mechanism_alternates_and_ends(mechanism, run):
    assert_switches_alternate_and_end(run)
