"""Tests of scripts/python_suite/aggregates.py: Google Benchmark's aggregates, with its names, order
and fields, on repetitions whose figures are known."""
import pytest

from python_suite.aggregates import aggregate_entries
from python_suite.benchmarks import Benchmark
from python_suite.entries import iteration_entry
from python_suite.probe import Sample

BENCH = Benchmark("switch", "py_fake", "cooperative", "coroutine", "one_thread", None)


def repetitions(*walls_ns):
    """Iteration entries of 10 switches each, taking `walls_ns`, with half the wall time on CPU and
    one voluntary kernel switch per switch."""
    return [iteration_entry(BENCH, 7, len(walls_ns), i, 10, Sample(wall, wall / 2, 10, 0))
            for i, wall in enumerate(walls_ns)]


def test_no_aggregates_of_one_repetition():
    assert aggregate_entries(BENCH, 7, repetitions(100.0)) == []


def test_aggregates_as_google_benchmark_lays_them_out():
    runs = repetitions(100.0, 200.0, 600.0)             # 10, 20 and 60 ns per switch
    out = aggregate_entries(BENCH, 7, runs)
    assert [e["aggregate_name"] for e in out] == ["mean", "median", "stddev", "cv"]
    assert [e["aggregate_unit"] for e in out] == ["time", "time", "time", "percentage"]
    by_name = {e["aggregate_name"]: e for e in out}
    assert by_name["mean"]["real_time"] == pytest.approx(30.0)
    assert by_name["median"]["real_time"] == pytest.approx(20.0)
    assert by_name["stddev"]["real_time"] == pytest.approx(26.457513)     # the sample's: n - 1
    assert by_name["cv"]["real_time"] == pytest.approx(26.457513 / 30.0)
    assert by_name["median"]["cpu_time"] == pytest.approx(10.0)
    assert by_name["mean"]["kernel_switches_per_switch"] == pytest.approx(1.0)
    for e in out:
        assert e["name"] == f"switch/py_fake/one_thread_{e['aggregate_name']}"
        assert e["run_name"] == "switch/py_fake/one_thread" and e["run_type"] == "aggregate"
        assert e["iterations"] == 3 and e["repetitions"] == 3 and e["family_index"] == 7
        assert "repetition_index" not in e and e["time_unit"] == "ns" and e["language"] == "python"
        assert set(e) == set(runs[0]) - {"repetition_index"} | {"aggregate_name", "aggregate_unit"}


def test_cv_of_a_zero_mean_is_zero():
    out = aggregate_entries(BENCH, 0, repetitions(0.0, 0.0))
    assert out[-1]["aggregate_name"] == "cv" and out[-1]["real_time"] == 0.0
