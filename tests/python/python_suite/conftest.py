"""Fixtures shared by the tests of scripts/python_suite/ (the parent conftest makes scripts/ importable)."""
import pytest

from python_suite import harness


@pytest.fixture
def pinned():
    """Every thread of the test process pinned to one CPU, as the same_cpu benchmarks run."""
    try:
        saved = harness.pin_process(harness.pinning_cpu())
    except OSError as e:
        pytest.skip(f"pinning refused here: {e}")
    yield
    harness.unpin_process(saved)
