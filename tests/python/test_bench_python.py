"""Tests of scripts/bench_python.py, the command: its JSON follows docs/JSON.md, a failed benchmark
fails the run (its JSON still written), bad flags exit with one line. The mechanisms, the harness and
the aggregates are tested beside their modules, in python_suite/.

No test asserts a timing: the machine is shared and noisy.
"""
import datetime
import os
import pathlib
import subprocess
import sys

import pytest

import bench_python
import bsjson
from python_suite import benchmarks
from python_suite.probe import Outcome

SCRIPT = pathlib.Path(bench_python.__file__).resolve()
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def test_failed_benchmark_makes_the_run_fail(monkeypatch, tmp_path, capsys):
    def out_of_turn(round_trips, probe):
        probe.start()
        probe.stop()
        return Outcome(2 * round_trips, 1, 2 * round_trips)
    monkeypatch.setattr(benchmarks, "MECHANISMS", [("switch", "py_fake", "cooperative", "coroutine", out_of_turn)])
    out = tmp_path / "out.json"
    assert bench_python.main(["--json", str(out), "--repetitions", "2", "--min-time", "0.001"]) == 1
    assert "failed" in capsys.readouterr().err
    assert bsjson.is_failed(bsjson.load(out)["benchmarks"][0])     # the JSON is still written


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
    assert len(names) == len(benchmarks.all_benchmarks()) == 19
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
