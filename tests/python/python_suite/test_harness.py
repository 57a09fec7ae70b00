"""Tests of scripts/python_suite/harness.py: it pins every thread and restores the masks, calibrates
one batch size, repeats, and fails or skips loudly instead of reporting a figure it cannot trust."""
import os
import threading

import bsjson
import pytest

from python_suite import harness
from python_suite.benchmarks import Benchmark, all_benchmarks
from python_suite.probe import Outcome


def fake_benchmark(errors=0, lost=0):
    """A mechanism that reports `errors` tokens out of turn and loses `lost` tokens."""
    def run(round_trips, probe):
        probe.start()
        for _ in range(round_trips):        # time that grows with the batch, as a real one does
            pass
        probe.stop()
        return Outcome(2 * round_trips, errors, 2 * round_trips - lost)
    return Benchmark("switch", "py_fake", "cooperative", "coroutine", "one_thread", run)


def test_pinning_covers_threads_started_later(pinned):
    cpu = harness.pinning_cpu()
    seen = []
    worker = threading.Thread(target=lambda: seen.append(os.sched_getaffinity(0)))
    worker.start()
    worker.join()
    assert seen == [{cpu}]
    for tid in harness._thread_ids():
        try:
            assert os.sched_getaffinity(tid) == {cpu}
        except ProcessLookupError:          # a joined thread whose kernel task just ended
            pass


@pytest.mark.parametrize("errors,lost,message", [(1, 0, "out of turn"), (0, 2, "last token")])
def test_harness_fails_loudly_on_broken_alternation(errors, lost, message):
    entries, status = harness.run_benchmark(fake_benchmark(errors, lost), 3, 0.001)
    assert status == "failed"
    assert len(entries) == 1 and bsjson.is_failed(entries[0])
    assert message in entries[0]["error_message"]


def test_harness_skips_when_pinning_is_refused(monkeypatch):
    def refuse(pid, mask):
        raise PermissionError(1, "Operation not permitted")
    monkeypatch.setattr(os, "sched_setaffinity", refuse)
    bench = next(b for b in all_benchmarks() if b.placement == "same_cpu")
    entries, status = harness.run_benchmark(bench, 3, 0.001)
    assert status == "skipped"
    assert len(entries) == 1 and bsjson.is_skipped(entries[0])
    assert entries[0]["error_message"].startswith("skipped: ")


def test_harness_repeats_and_aggregates():
    bench = next(b for b in all_benchmarks() if b.mechanism == "py_generator_send")
    entries, status = harness.run_benchmark(bench, 3, 0.002)
    assert status == "ok"
    runs = [e for e in entries if e["run_type"] == "iteration"]
    aggregates = {e["aggregate_name"]: e for e in entries if e["run_type"] == "aggregate"}
    assert [e["repetition_index"] for e in runs] == [0, 1, 2]
    assert set(aggregates) == {"mean", "median", "stddev", "cv"}
    assert len({e["iterations"] for e in runs}) == 1                 # one calibrated batch size
    assert aggregates["median"]["real_time"] == sorted(e["real_time"] for e in runs)[1]


def test_harness_restores_the_affinity_after_a_pinned_benchmark():
    before = os.sched_getaffinity(0)
    bench = fake_benchmark()._replace(placement="same_cpu")
    entries, status = harness.run_benchmark(bench, 2, 0.001)
    assert status in ("ok", "skipped")
    assert os.sched_getaffinity(0) == before


def test_harness_fails_when_a_batch_does_not_grow():
    def constant(round_trips, probe):
        probe.start()
        probe.stop()
        return Outcome(2 * round_trips, 0, 2 * round_trips)
    bench = fake_benchmark()._replace(run=constant)
    entries, status = harness.run_benchmark(bench, 2, 0.01)
    assert status == "failed" and "does not grow" in entries[0]["error_message"]
