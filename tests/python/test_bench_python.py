"""Tests of scripts/bench_python.py: every mechanism alternates and ends, children are reaped, the
harness fails loudly on a token out of turn, the JSON follows docs/JSON.md, bad flags exit cleanly.

No test asserts a timing: the machine is shared and noisy.
"""
import datetime
import os
import pathlib
import signal
import subprocess
import sys
import threading

import pytest

import bench_python as bp
import bsjson

SCRIPT = pathlib.Path(bp.__file__).resolve()
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

SWITCH = [(mechanism, run) for family, mechanism, _, _, run in bp.MECHANISMS if family == "switch"]
SPAWN = [(mechanism, run) for family, mechanism, _, _, run in bp.MECHANISMS if family == "spawn"]
PREEMPTIVE_SWITCH = [(m, run) for family, m, kind, _, run in bp.MECHANISMS
                     if family == "switch" and kind == "preemptive"]
PROCESS_SWITCH = [(m, run) for family, m, _, task, run in bp.MECHANISMS if family == "switch" and task == "process"]
ROUND_TRIPS = 50


def assert_no_children():
    """No child process is left, not even a zombie: waitpid has nobody to wait for."""
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.fixture
def pinned():
    """Every thread of the test process pinned to one CPU, as the same_cpu benchmarks run."""
    try:
        saved = bp.pin_process(bp.pinning_cpu())
    except OSError as e:
        pytest.skip(f"pinning refused here: {e}")
    yield
    bp.unpin_process(saved)


# --- every mechanism alternates and ends ---------------------------------------------------------

@pytest.mark.parametrize("mechanism,run", SWITCH, ids=[m for m, _ in SWITCH])
def test_switch_mechanism_alternates_and_ends(mechanism, run):
    threads_before = threading.active_count()
    probe = bp.Probe()
    outcome = run(ROUND_TRIPS, probe)
    # 2 switches per round trip; the last token carries the number of switches; nothing out of turn.
    assert outcome == bp.Outcome(count=2 * ROUND_TRIPS, errors=0, last_seq=2 * ROUND_TRIPS)
    assert probe.sample is not None and probe.sample.wall_ns > 0
    assert min(probe.sample.voluntary, probe.sample.involuntary) >= 0
    assert threading.active_count() == threads_before
    assert_no_children()


@pytest.mark.parametrize("mechanism,run", PREEMPTIVE_SWITCH, ids=[m for m, _ in PREEMPTIVE_SWITCH])
def test_preemptive_mechanism_alternates_pinned(mechanism, run, pinned):
    assert run(ROUND_TRIPS) == bp.Outcome(2 * ROUND_TRIPS, 0, 2 * ROUND_TRIPS)
    assert_no_children()


@pytest.mark.parametrize("mechanism,run", SPAWN, ids=[m for m, _ in SPAWN])
def test_spawn_mechanism_runs_each_task(mechanism, run):
    threads_before = threading.active_count()
    assert run(5) == bp.Outcome(count=5, errors=0, last_seq=5)
    assert threading.active_count() == threads_before
    assert_no_children()


def test_pinning_covers_threads_started_later(pinned):
    cpu = bp.pinning_cpu()
    seen = []
    worker = threading.Thread(target=lambda: seen.append(os.sched_getaffinity(0)))
    worker.start()
    worker.join()
    assert seen == [{cpu}]
    for tid in bp._thread_ids():
        try:
            assert os.sched_getaffinity(tid) == {cpu}
        except ProcessLookupError:          # a joined thread whose kernel task just ended
            pass


# --- children never outlive an error -------------------------------------------------------------

class FailingProbe(bp.Probe):
    """Raises where the timed part would begin, as an error in the parent would."""

    def start(self, child_pids=()):
        raise RuntimeError("boom")


class ChildKillingProbe(bp.Probe):
    """Kills the child just before the timed part: the parent must notice, not hang."""

    def start(self, child_pids=()):
        for pid in child_pids:
            os.kill(pid, signal.SIGKILL)
        super().start(())


@pytest.mark.parametrize("mechanism,run", PROCESS_SWITCH, ids=[m for m, _ in PROCESS_SWITCH])
def test_parent_error_kills_and_reaps_child(mechanism, run):
    with pytest.raises(RuntimeError, match="boom"):
        run(ROUND_TRIPS, FailingProbe())
    assert_no_children()


@pytest.mark.parametrize("mechanism,run", PROCESS_SWITCH, ids=[m for m, _ in PROCESS_SWITCH])
def test_dead_child_is_noticed_and_reaped(mechanism, run):
    with pytest.raises((EOFError, OSError)):
        run(ROUND_TRIPS, ChildKillingProbe())
    assert_no_children()


def test_pong_side_counts_tokens_out_of_turn():
    from_ping_r, from_ping_w = os.pipe()
    to_ping_r, to_ping_w = os.pipe()
    try:
        for token in (1, 3, 9, bp._STOP):   # 9 comes out of turn: 5 was due
            bp._write_token(from_ping_w, token)
        bp._pong_over_fds(from_ping_r, to_ping_w)
        replies = [bp._read_token(to_ping_r) for _ in range(5)]
    finally:
        for fd in (from_ping_r, from_ping_w, to_ping_r, to_ping_w):
            os.close(fd)
    assert replies == [0, 2, 4, 10, 1]      # ready, three replies, then the error count


# --- the harness ---------------------------------------------------------------------------------

def fake_benchmark(errors=0, lost=0):
    """A mechanism that reports `errors` tokens out of turn and loses `lost` tokens."""
    def run(round_trips, probe):
        probe.start()
        for _ in range(round_trips):        # time that grows with the batch, as a real one does
            pass
        probe.stop()
        return bp.Outcome(2 * round_trips, errors, 2 * round_trips - lost)
    return bp.Benchmark("switch", "py_fake", "cooperative", "coroutine", "one_thread", run)


@pytest.mark.parametrize("errors,lost,message", [(1, 0, "out of turn"), (0, 2, "last token")])
def test_harness_fails_loudly_on_broken_alternation(errors, lost, message):
    entries, status = bp.run_benchmark(fake_benchmark(errors, lost), 3, 0.001)
    assert status == "failed"
    assert len(entries) == 1 and bsjson.is_failed(entries[0])
    assert message in entries[0]["error_message"]


def test_failed_benchmark_makes_the_run_fail(monkeypatch, tmp_path, capsys):
    def out_of_turn(round_trips, probe):
        probe.start()
        probe.stop()
        return bp.Outcome(2 * round_trips, 1, 2 * round_trips)
    monkeypatch.setattr(bp, "MECHANISMS", [("switch", "py_fake", "cooperative", "coroutine", out_of_turn)])
    out = tmp_path / "out.json"
    assert bp.main(["--json", str(out), "--repetitions", "2", "--min-time", "0.001"]) == 1
    assert "failed" in capsys.readouterr().err
    assert bsjson.is_failed(bsjson.load(out)["benchmarks"][0])     # the JSON is still written


def test_harness_skips_when_pinning_is_refused(monkeypatch):
    def refuse(pid, mask):
        raise PermissionError(1, "Operation not permitted")
    monkeypatch.setattr(os, "sched_setaffinity", refuse)
    bench = next(b for b in bp.all_benchmarks() if b.placement == "same_cpu")
    entries, status = bp.run_benchmark(bench, 3, 0.001)
    assert status == "skipped"
    assert len(entries) == 1 and bsjson.is_skipped(entries[0])
    assert entries[0]["error_message"].startswith("skipped: ")


def test_harness_repeats_and_aggregates():
    bench = next(b for b in bp.all_benchmarks() if b.mechanism == "py_generator_send")
    entries, status = bp.run_benchmark(bench, 3, 0.002)
    assert status == "ok"
    runs = [e for e in entries if e["run_type"] == "iteration"]
    aggregates = {e["aggregate_name"]: e for e in entries if e["run_type"] == "aggregate"}
    assert [e["repetition_index"] for e in runs] == [0, 1, 2]
    assert set(aggregates) == {"mean", "median", "stddev", "cv"}
    assert len({e["iterations"] for e in runs}) == 1                 # one calibrated batch size
    assert aggregates["median"]["real_time"] == sorted(e["real_time"] for e in runs)[1]
    assert aggregates["cv"]["aggregate_unit"] == "percentage"
    assert all(e["iterations"] == 3 for e in aggregates.values())     # as Google Benchmark: the repetitions


# --- the script: JSON output and command line ----------------------------------------------------

def run_script(*args):
    return subprocess.run([PYTHON, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


QUICK_FILTER = ("py_generator_send|py_asyncio_sleep0|py_thread_queue/same_cpu|py_process_os_pipe/unpinned"
                "|spawn/py_process_fork/same_cpu")
COUNTERS = {
    "switch": ["ns_per_switch", "kernel_switches_per_switch", "voluntary_switches_per_switch",
               "involuntary_switches_per_switch", "cpu_utilisation", "switches"],
    "spawn": ["ns_per_task", "kernel_switches_per_task", "voluntary_switches_per_task",
              "involuntary_switches_per_task", "cpu_utilisation", "tasks"],
}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "py.json"
    proc = run_script("--quick", "--filter", QUICK_FILTER, "--json", str(out))
    return proc, out


def test_quick_run_succeeds_and_reports(quick_run):
    proc, out = quick_run
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"wrote {out}" in proc.stdout.splitlines()[-1]
    assert len([line for line in proc.stderr.splitlines() if line.startswith("[")]) == 5   # one per benchmark
    assert "switch/py_generator_send/one_thread" in proc.stdout                              # the table


def test_quick_run_context(quick_run):
    data = bsjson.load(quick_run[1])
    ctx, bs = data["context"], bsjson.bs_context(data)
    datetime.datetime.fromisoformat(ctx["date"])
    assert ctx["host_name"] and ctx["executable"] and ctx["num_cpus"] >= 1
    assert ctx["library_build_type"] == "release"
    assert bs["tool"] == "bench_switch" and bs["schema_version"] == 1 and bs["language"] == "python"
    for key in ("python_version", "python_implementation", "cpu_model", "kernel_release", "git_revision"):
        assert isinstance(bs[key], str) and bs[key], key
    assert isinstance(bs["cpu_count"], int) and bs["cpu_count"] >= 1
    assert bs["fingerprint"] == f"{bs['cpu_model']}|{bs['cpu_count']}|{bs['kernel_release']}"
    assert bsjson.fingerprint(data) == bs["fingerprint"]


def test_quick_run_entries(quick_run):
    data = bsjson.load(quick_run[1])
    names = set()
    for e in data["benchmarks"]:
        assert e["name"].startswith(e["run_name"])
        assert e["run_name"] == f"{e['family']}/{e['mechanism']}/{e['placement']}"
        assert e["family"] in ("switch", "spawn") and e["mechanism"].startswith("py_")
        assert e["kind"] in ("cooperative", "preemptive") and e["task"] in ("coroutine", "thread", "process")
        expected_placements = ("one_thread",) if e["kind"] == "cooperative" else ("same_cpu", "unpinned")
        assert e["placement"] in expected_placements
        assert e["language"] == "python" and e["params"] == {} and e["unit"]
        assert e["time_unit"] == "ns" and e["threads"] == 1 and e["repetitions"] >= 1
        names.add(e["run_name"])
        if bsjson.is_skipped(e):           # pinning may be refused where the tests run
            continue
        assert not e.get("error_occurred"), e.get("error_message")
        assert e["real_time"] > 0 and e["cpu_time"] >= 0 and e["iterations"] >= 1
        for counter in COUNTERS[e["family"]]:
            assert isinstance(e[counter], (int, float)) and e[counter] >= 0, counter
        if e["run_type"] == "iteration":
            assert 0 <= e["repetition_index"] < e["repetitions"]
            assert e["real_time"] == e[f"ns_per_{'switch' if e['family'] == 'switch' else 'task'}"]
        else:
            assert e["name"] == f"{e['run_name']}_{e['aggregate_name']}"
    assert len(names) == 5
    medians = {e["run_name"] for e in bsjson.aggregate(data, "median")}
    assert "switch/py_generator_send/one_thread" in medians


def test_help_explains_every_option():
    proc = run_script("--help")
    assert proc.returncode == 0
    for option in ("--json", "--repetitions", "--min-time", "--quick", "--filter", "--list"):
        assert option in proc.stdout


def test_list_names_every_benchmark():
    proc = run_script("--list")
    assert proc.returncode == 0
    names = proc.stdout.split()
    assert len(names) == len(bp.all_benchmarks()) == 19
    assert "switch/py_process_os_pipe/same_cpu" in names and "spawn/py_process_mp/unpinned" in names


@pytest.mark.parametrize("args", [
    ["--bogus"], ["--repetitions", "0"], ["--repetitions", "many"], ["--min-time", "-1"],
    ["--min-time", "nan"], ["--filter", "("], ["--filter", "no_such_benchmark"],
    ["--json", "/no/such/folder/out.json"],
], ids=lambda a: " ".join(a))
def test_bad_flag_exits_cleanly(args):
    proc = run_script(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and "error" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_harness_restores_the_affinity_after_a_pinned_benchmark():
    before = os.sched_getaffinity(0)
    bench = fake_benchmark()._replace(placement="same_cpu")
    entries, status = bp.run_benchmark(bench, 2, 0.001)
    assert status in ("ok", "skipped")
    assert os.sched_getaffinity(0) == before


def test_harness_fails_when_a_batch_does_not_grow():
    def constant(round_trips, probe):
        probe.start()
        probe.stop()
        return bp.Outcome(2 * round_trips, 0, 2 * round_trips)
    bench = fake_benchmark()._replace(run=constant)
    entries, status = bp.run_benchmark(bench, 2, 0.01)
    assert status == "failed" and "does not grow" in entries[0]["error_message"]
