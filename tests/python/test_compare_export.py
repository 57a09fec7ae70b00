"""Tests of scripts/export_googlecpp.py: one entry per measured benchmark with its family's figure
and unit, no aggregates, no skipped or unresolved rows; and Google Benchmark's compare.py on two
exported runs shows no 0 -> 0 rows."""
import json
import pathlib
import subprocess

import pytest

import export_googlecpp
from compare_runs import CALL, FIBER, FUTEX, GBENCH_COMPARE, PYTHON, noisy, write_run

SCRIPT = pathlib.Path(export_googlecpp.__file__).resolve()
MEMORY = "memory/idle_thread/N:1000/iterations:1/repeats:5/manual_time"
COST = "preemption_cost/spin_work/K:1/iterations:1/repeats:5/manual_time"


def with_families(path):
    """A run with switch benchmarks (one skipped), a memory benchmark (its figure a counter) and an
    unresolved preemption_cost one."""
    write_run(path, {FUTEX: noisy(1400), FIBER: noisy(45, seed=2), MEMORY: noisy(3e7, reps=5),
                     COST: noisy(3e8, reps=5)},
              skipped={CALL: "skipped: not measured here"},
              counters={MEMORY: {"rss_bytes_per_task": [8000, 8100, 8200, 8300, 8400]},
                        COST: {"resolved": [0, 0, 1, 0, 0]}})
    data = json.loads(path.read_text())
    for e in data["benchmarks"]:
        e["family"] = e["name"].split("/")[0] if not e["name"].startswith("BM_") else "switch"
    path.write_text(json.dumps(data))
    return path


def export(tmp_path, *extra):
    out = tmp_path / "export.json"
    p = subprocess.run([PYTHON, SCRIPT, with_families(tmp_path / "run.json"), "-o", out, *extra],
                       capture_output=True, text=True, timeout=60)
    return p, json.loads(out.read_text()) if out.exists() else None


def test_one_entry_per_measured_benchmark_with_its_figure(tmp_path):
    p, data = export(tmp_path)
    assert p.returncode == 0, p.stderr
    entries = {e["name"]: e for e in data["benchmarks"]}
    assert len(entries) == len(data["benchmarks"]) == 3          # no repetitions, no aggregates
    assert set(entries) == {FUTEX, FIBER, "memory/idle_thread/N:1000/manual_time"}   # budget not in names
    assert all(e["real_time"] > 0 for e in entries.values())      # no 0 for the skipped one
    memory = entries["memory/idle_thread/N:1000/manual_time"]
    assert memory["real_time"] == 8200 and memory["time_unit"] == "B"   # the counter, not a creation time
    assert entries[FUTEX]["time_unit"] == "ns" and entries[FUTEX]["real_time"] == pytest.approx(1400, rel=0.03)
    assert not any(e.get("run_type") == "aggregate" for e in data["benchmarks"])
    assert f"{CALL}: skipped: not measured here" in p.stderr
    assert "preemption_cost/spin_work/K:1/manual_time: no ns_direct_per_involuntary_switch" in p.stderr


def test_repetitions_keep_time_figures_only(tmp_path):
    p, data = export(tmp_path, "--repetitions")
    assert p.returncode == 0, p.stderr
    names = [e["name"] for e in data["benchmarks"]]
    assert names.count(FUTEX) == 10 and "memory/idle_thread/N:1000/manual_time" not in names
    assert "not a time" in p.stderr


def test_bad_input_is_one_line(tmp_path):
    p = subprocess.run([PYTHON, SCRIPT, tmp_path / "absent.json"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and p.stderr.startswith("export_googlecpp.py: error:")


def test_a_failed_benchmark_is_not_exported_and_fails(tmp_path):
    run = write_run(tmp_path / "run.json", {FUTEX: noisy(1400)}, failed={FIBER: "pthread_create failed"})
    p = subprocess.run([PYTHON, SCRIPT, run, "-o", tmp_path / "out.json"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "failed benchmarks, not exported: " + FIBER in p.stderr
    assert [e["name"] for e in json.loads((tmp_path / "out.json").read_text())["benchmarks"]] == [FUTEX]


@pytest.mark.skipif(not GBENCH_COMPARE.exists(), reason="Google Benchmark's compare.py is not installed "
                                                       "(Debian package libbenchmark-tools)")
def test_google_benchmark_compare_on_exports_has_no_zero_rows(tmp_path):
    outs = []
    for side, seed in (("a", 1), ("b", 3)):
        run = write_run(tmp_path / f"{side}.json", {FUTEX: noisy(1400, reps=9, seed=seed), FIBER: noisy(45, reps=9)},
                        skipped={CALL: "skipped: not measured here"})
        outs.append(tmp_path / f"{side}-gb.json")
        subprocess.run([PYTHON, SCRIPT, run, "--repetitions", "-o", outs[-1]], check=True, capture_output=True,
                       timeout=60)
    p = subprocess.run([PYTHON, GBENCH_COMPARE, "--no-color", "benchmarks", *outs], capture_output=True,
                       text=True, timeout=60, cwd=tmp_path)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    assert f"{FUTEX}_pvalue" in p.stdout and CALL not in p.stdout
    assert "9+ repetitions recommended" not in p.stdout
