"""Tests of scripts/compare.py: verdicts on synthetic runs (slower, within noise, identical, too few
repetitions), the benchmarks that cannot be compared, bad input, baselines and history per machine,
interleaved A/B with fake binaries, and that Google Benchmark's own compare.py reads our layout.

The runs are built here with deterministic pseudo-noise, so every verdict is the same on every machine.
"""
import json
import pathlib
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time

import pytest

import bsjson
import compare

PYTHON = "/usr/bin/python3"
SCRIPT = pathlib.Path(compare.__file__).resolve()
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "compare"
GBENCH_COMPARE = pathlib.Path("/usr/share/benchmark/compare.py")

FUTEX = "BM_Switch/thread_futex/placement:same_cpu"
FIBER = "BM_Switch/fcontext_fiber/placement:one_thread"
CALL = "BM_Switch/indirect_call/placement:one_thread"
CPU_A, CPU_B = "Example CPU 9000 @ 3.0GHz", "Other CPU 7 @ 2.1GHz"
KERNEL = "6.1.0-18-amd64"


def noisy(center, reps=10, seed=1, spread=0.03):
    """`reps` repetitions around `center`, each off by up to `spread` (relative), always the same."""
    rng = random.Random(seed)
    return [center * (1 + rng.uniform(-spread, spread)) for _ in range(reps)]


def write_run(path, benches, skipped=None, failed=None, cpu_model=CPU_A, cpu_count=8, kernel=KERNEL,
              fingerprint=None, date="2024-03-01T12:00:00+00:00", revision="abc1234",
              build_type="Release", aggregates_only=False, counters=None):
    """A bench_switch-layout file: per benchmark its repetitions (run_type 'iteration'; left out with
    `aggregates_only`) then Google Benchmark's mean/median/stddev/cv aggregates; skipped and failed
    entries carry zero timings, as Google Benchmark writes errored runs (its compare.py needs them).
    `counters`: benchmark -> {counter: one value per repetition}, aggregated like the times."""
    counters = counters or {}
    def entry(run_name, real_time, **extra):
        e = {"name": run_name, "run_name": run_name, "run_type": "iteration", "threads": 1,
             "iterations": 1000, "real_time": real_time, "cpu_time": real_time, "time_unit": "ns",
             "family": "switch", "mechanism": run_name.split("/")[1], "params": {},
             "unit": "ns per one-way switch"}
        e.update(extra)
        return e

    entries = []
    for name, values in benches.items():
        extra = counters.get(name, {})
        for i, v in enumerate([] if aggregates_only else values):
            entries.append(entry(name, v, repetitions=len(values), repetition_index=i,
                                 **{k: vs[i] for k, vs in extra.items()}))
        if len(values) > 1:
            for agg, fn in (("mean", statistics.mean), ("median", statistics.median),
                            ("stddev", statistics.stdev),
                            ("cv", lambda xs: statistics.stdev(xs) / statistics.mean(xs))):
                entries.append(entry(name, fn(values), name=f"{name}_{agg}", run_type="aggregate",
                                     aggregate_name=agg, repetitions=len(values),
                                     aggregate_unit="percentage" if agg == "cv" else "time",
                                     **{k: fn(vs) for k, vs in extra.items()}))
    for errors in (skipped or {}, failed or {}):
        for name, message in errors.items():
            entries.append(entry(name, 0, repetitions=1, repetition_index=0, error_occurred=True,
                                 error_message=message))
    bs = {"tool": "bench_switch", "schema_version": 1, "language": "c++", "git_revision": revision,
          "build_type": build_type, "compiler": "GNU 12.2.0", "cpu_model": cpu_model,
          "cpu_count": cpu_count, "kernel_release": kernel,
          "fingerprint": fingerprint or f"{cpu_model}|{cpu_count}|{kernel}"}
    context = {"date": date, "host_name": "alpha", "executable": "./bench_switch", "num_cpus": 8,
               "mhz_per_cpu": 3000, "library_build_type": "debug", "bench_switch": bs}
    path = pathlib.Path(path)
    path.write_text(json.dumps({"context": context, "benchmarks": entries}, indent=1))
    return str(path)


def run(capsys, *args):
    """compare.main in this process: (exit status, stdout, stderr)."""
    status = compare.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def verdicts(out):
    """benchmark -> verdict, read from the printed table (the verdict is the 7th column)."""
    found = {}
    for line in out.splitlines():
        for name in (FUTEX, FIBER, CALL):
            if line.startswith(name + " "):
                found[name] = next(v for v in (compare.SLOWER, compare.FASTER, compare.SMALL,
                                               compare.SAME, compare.UNJUDGED, compare.UNCONFIRMED,
                                               compare.CANNOT_TELL)
                                   if f"  {v}" in line)
    return found


@pytest.fixture
def base(tmp_path):
    return write_run(tmp_path / "base.json", {FUTEX: noisy(1400, seed=1), FIBER: noisy(45, seed=2)})


# --- two runs -----------------------------------------------------------------------------------

def test_a_2x_slowdown_is_flagged(tmp_path, capsys, base):
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(2800, seed=3), FIBER: noisy(45, seed=4)})
    status, out, _ = run(capsys, base, cur, "--assume-no-drift")
    assert status == 1
    assert verdicts(out) == {FUTEX: compare.SLOWER, FIBER: compare.SAME}
    row = {r.name: r for r in compare.compare_files(compare.read_run(base), compare.read_run(cur),
                                                    compare.build_parser().parse_args([])).rows}[FUTEX]
    assert row.change == pytest.approx(1.0, abs=0.05) and row.p < 0.001
    # Two files: the verdict names the regression and says that it cannot cancel drift.
    verdict = out.rstrip().splitlines()[-1]
    assert verdict.startswith(f"verdict: regression: {FUTEX} (two separate runs: drift")
    assert "--ab decides" in verdict


def test_report_only_shows_the_regression_but_exits_0(tmp_path, capsys, base):
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(2800, seed=3), FIBER: noisy(45, seed=4)})
    status, out, _ = run(capsys, base, cur, "--report-only", "--assume-no-drift")
    assert status == 0
    assert verdicts(out)[FUTEX] == compare.SLOWER and "report only" in out


def test_a_2x_speedup_is_faster_not_a_regression(tmp_path, capsys, base):
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(700, seed=3), FIBER: noisy(45, seed=4)})
    status, out, _ = run(capsys, base, cur, "--assume-no-drift")
    assert status == 0 and verdicts(out)[FUTEX] == compare.FASTER


def test_a_5_percent_change_inside_the_floor_is_not_flagged(tmp_path, capsys, base):
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(1470, seed=3), FIBER: noisy(45, seed=4)})
    status, out, _ = run(capsys, base, cur, "--assume-no-drift")
    assert status == 0
    assert verdicts(out)[FUTEX] in (compare.SAME, compare.SMALL)
    # The same data with a 1 % floor is flagged: it is the relative floor that keeps it quiet.
    status, out, _ = run(capsys, base, cur, "--min-effect", "0.01", "--assume-no-drift")
    assert status == 1 and verdicts(out)[FUTEX] == compare.SLOWER


def test_identical_runs_are_the_same(tmp_path, capsys, base):
    status, out, _ = run(capsys, base, shutil.copy(base, tmp_path / "cur.json"))
    assert status == 0
    assert verdicts(out) == {FUTEX: compare.SAME, FIBER: compare.SAME}
    assert "warning" not in out


def test_a_sub_ns_shift_stays_under_the_absolute_floor(tmp_path, capsys):
    old = write_run(tmp_path / "old.json", {CALL: noisy(0.5, seed=5)})
    new = write_run(tmp_path / "new.json", {CALL: noisy(1.0, seed=6)})      # 2x, but 0.5 ns
    status, out, _ = run(capsys, old, new, "--assume-no-drift")
    assert status == 0 and verdicts(out)[CALL] == compare.SMALL
    status, out, _ = run(capsys, old, new, "--min-abs-ns", "0.1", "--assume-no-drift")
    assert status == 1 and verdicts(out)[CALL] == compare.SLOWER


def test_a_run_with_only_aggregates_shows_the_change_unjudged(tmp_path, capsys, base):
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(2800, seed=3), FIBER: noisy(45, seed=4)},
                    aggregates_only=True)
    status, out, _ = run(capsys, base, cur)
    # Nothing could be judged: never a pass, whatever --report-only says.
    assert status == 3 and verdicts(out) == {FUTEX: compare.UNJUDGED, FIBER: compare.UNJUDGED}
    assert "10/1" in out and "+9" in out        # the median stands in as one sample
    assert run(capsys, base, cur, "--report-only")[0] == 3
    assert out.rstrip().splitlines()[-1].startswith("verdict: nothing judged: all 2 benchmarks")


@pytest.mark.parametrize("reps", [2, 3])
def test_too_few_repetitions_are_not_judged(tmp_path, capsys, reps):
    # 3 against 3 cannot reach p < 0.05 with Mann-Whitney (smallest p = 0.1), so it is not judged either.
    old = write_run(tmp_path / "old.json", {FUTEX: noisy(1400, reps=reps, seed=1), FIBER: noisy(45, seed=2)})
    new = write_run(tmp_path / "new.json", {FUTEX: noisy(2800, reps=reps, seed=2), FIBER: noisy(45, seed=3)})
    status, out, _ = run(capsys, old, new)
    assert status == 0 and verdicts(out) == {FUTEX: compare.UNJUDGED, FIBER: compare.SAME}
    assert "too few repetitions" in out and "needs at least 4 a side" in out
    assert "1 not judged" in out and "; 1 of 2 not judged" in out.splitlines()[-1]


def test_smallest_p_values_explain_the_repetition_rules():
    assert compare.smallest_p_mann_whitney(3, 3) == pytest.approx(0.1)
    assert compare.smallest_p_mann_whitney(4, 4) == pytest.approx(2 / 70)
    assert compare.smallest_p_wilcoxon(9) == pytest.approx(2 / 512)
    assert compare.smallest_p_wilcoxon(5) > 0.05


def test_new_and_missing_benchmarks_are_listed_not_fatal(tmp_path, capsys, base):
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(1400, seed=3), CALL: noisy(1.1, seed=4)})
    status, out, _ = run(capsys, base, cur)
    assert status == 0
    assert "new (not in the baseline):\n  " + CALL in out
    assert "missing from the current run:\n  " + FIBER in out
    assert run(capsys, base, cur, "--fail-on-missing")[0] == 1
    assert run(capsys, base, cur, "--fail-on-missing", "--report-only")[0] == 1


def test_skipped_is_listed_and_failed_always_fails(tmp_path, capsys, base):
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(1400, seed=3)},
                    skipped={FIBER: "skipped: no boost.context"})
    status, out, _ = run(capsys, base, cur)
    assert status == 0
    assert f"skipped (not compared):\n  {FIBER}  (skipped: no boost.context)" in out
    assert FIBER not in verdicts(out)
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(1400, seed=3)},
                    failed={FIBER: "pthread_create failed"})
    status, out, _ = run(capsys, base, cur, "--report-only")
    assert status == 1
    assert f"FAILED:\n  {FIBER}  (pthread_create failed)" in out


def test_markdown_output(tmp_path, capsys, base):
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(2800, seed=3), FIBER: noisy(45, seed=4)},
                    cpu_model=CPU_B)
    status, out, _ = run(capsys, base, cur, "--markdown", "--assume-no-drift")
    assert status == 1
    assert "| benchmark | baseline | current | change | p | n | verdict | note |" in out
    assert f"| {FUTEX} |" in out and "| SLOWER |" in out
    assert "> **warning:**" in out and f"**verdict:** regression: {FUTEX} (two separate runs" in out


# --- bad input ------------------------------------------------------------------------------------

def bad_files(tmp_path):
    """name -> path of a file compare.py must refuse."""
    not_json = tmp_path / "not.json"
    not_json.write_text("{ this is not JSON")
    bad_time = tmp_path / "bad_time.json"
    data = json.loads(pathlib.Path(write_run(tmp_path / "x.json", {FUTEX: [1.0, 2.0, 3.0]})).read_text())
    data["benchmarks"][0]["real_time"] = "fast"
    bad_time.write_text(json.dumps(data))
    return {"missing": tmp_path / "nope.json", "not JSON": not_json, "directory": tmp_path,
            "not bench_switch": FIXTURES / "gbench_plain.json", "bad real_time": bad_time}


@pytest.mark.parametrize("case", ["missing", "not JSON", "directory", "not bench_switch", "bad real_time"])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, base, case):
    status, out, err = run(capsys, base, bad_files(tmp_path)[case])
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("compare.py: error: ")


@pytest.mark.parametrize("args", [["--bogus"], ["only_one.json"], ["a.json", "b.json", "c.json"],
                                  ["--alpha", "2", "a.json", "b.json"], ["--rounds", "3", "--ab", "x", "y"],
                                  ["--update-baseline", "a.json"], ["--ab", "x", "y", "a.json"]])
def test_bad_options_are_usage_errors(capsys, args):
    with pytest.raises(SystemExit) as e:
        compare.main(args)
    assert e.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("compare.py: error: ")


def test_from_the_shell_bad_input_gives_no_traceback(tmp_path, base):
    files = bad_files(tmp_path)
    for args in ([base, files["missing"]], [base, files["not JSON"]], [files["not bench_switch"], base],
                 ["--no-such-flag"]):
        p = subprocess.run([PYTHON, SCRIPT, *map(str, args)], capture_output=True, text=True, timeout=30)
        assert p.returncode == 2, args
        assert "Traceback" not in p.stderr and p.stdout == ""
        assert p.stderr.strip().splitlines()[-1].startswith("compare.py: error: ")


def test_help_explains_every_option():
    p = subprocess.run([PYTHON, SCRIPT, "--help"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0
    for option in ("--alpha", "--min-effect", "--min-abs-ns", "--report-only", "--fail-on-missing",
                   "--markdown", "--baseline-dir", "--update-baseline", "--history-dir", "--record",
                   "--against-history", "--ab", "--filter", "--rounds", "--min-time", "--timeout", "--metric",
                   "exit status"):
        assert option in p.stdout


# --- machines -------------------------------------------------------------------------------------

def test_different_machines_give_a_warning(tmp_path, capsys, base):
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(1400, seed=3), FIBER: noisy(45, seed=4)},
                    cpu_model=CPU_B, kernel="6.5.0-1-amd64")
    status, out, _ = run(capsys, base, cur)
    assert status == 0
    warning = [line for line in out.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1
    assert CPU_A in warning[0] and CPU_B in warning[0] and "6.5.0-1-amd64" in warning[0]


def test_a_different_cpu_count_shows_in_the_fingerprint_warning(tmp_path, capsys, base):
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(1400, seed=3)}, cpu_count=4)
    out = run(capsys, base, cur)[1]
    assert "warning: the runs come from different machines (fingerprint" in out


def test_a_different_build_gives_a_warning(tmp_path, capsys, base):
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(1400, seed=3)}, build_type="Debug")
    out = run(capsys, base, cur)[1]
    assert "warning: the runs come from different builds (build_type 'Release' vs 'Debug')" in out
    assert "different machines" not in out


# --- baselines ------------------------------------------------------------------------------------

def baseline_dir(tmp_path):
    """A baseline folder holding a baseline for machine A (futex 1400 ns) and B (futex 2800 ns)."""
    folder = tmp_path / "baselines"
    folder.mkdir()
    for cpu, ns in ((CPU_A, 1400), (CPU_B, 2800)):
        write_run(folder / (bsjson.slug(f"{cpu}|8|{KERNEL}") + ".json"), {FUTEX: noisy(ns, seed=7)},
                  cpu_model=cpu)
    return folder


def test_the_baseline_is_picked_by_fingerprint(tmp_path, capsys):
    folder = baseline_dir(tmp_path)
    # 2800 ns is a regression against machine A's baseline and no change against machine B's.
    cur_a = write_run(tmp_path / "a.json", {FUTEX: noisy(2800, seed=8)}, cpu_model=CPU_A)
    cur_b = write_run(tmp_path / "b.json", {FUTEX: noisy(2800, seed=8)}, cpu_model=CPU_B)
    status, out, _ = run(capsys, "--baseline-dir", folder, cur_a, "--assume-no-drift")
    assert status == 1 and "example-cpu-9000-3-0ghz-8-6-1-0-18-amd64.json" in out
    status, out, _ = run(capsys, "--baseline-dir", folder, cur_b, "--assume-no-drift")
    assert status == 0 and verdicts(out)[FUTEX] == compare.SAME and "other-cpu-7" in out


def test_no_baseline_for_the_machine(tmp_path, capsys):
    folder = baseline_dir(tmp_path)
    cur = write_run(tmp_path / "c.json", {FUTEX: noisy(1400, seed=8)}, cpu_model="Third CPU")
    status, out, err = run(capsys, "--baseline-dir", folder, cur)
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert "no baseline for this machine" in err and "third-cpu-8-6-1-0-18-amd64.json" in err
    # With --report-only it says so, and still does not pass: nothing was judged.
    status, out, err = run(capsys, "--baseline-dir", folder, cur, "--report-only")
    assert status == 3 and "no baseline for this machine" in out and err == ""
    assert out.rstrip().splitlines()[-1].startswith("verdict: nothing judged: no comparison was made")
    status, out, err = run(capsys, "--baseline-dir", folder, cur, "--allow-unjudged")
    assert status == 0 and "(allowed by --allow-unjudged)" in out
    assert run(capsys, "--baseline-dir", tmp_path / "absent", cur, "--report-only")[0] == 2


def test_update_baseline_then_compare(tmp_path, capsys):
    folder = baseline_dir(tmp_path)
    cur = write_run(tmp_path / "c.json", {FUTEX: noisy(1400, seed=8)}, cpu_model="Third CPU")
    status, out, _ = run(capsys, "--baseline-dir", folder, "--update-baseline", cur)
    assert status == 0 and "baseline updated" in out
    stored = folder / "third-cpu-8-6-1-0-18-amd64.json"
    assert stored.read_text() == pathlib.Path(cur).read_text()
    assert sorted(p.name for p in folder.iterdir()) == sorted([stored.name, *(
        bsjson.slug(f"{c}|8|{KERNEL}") + ".json" for c in (CPU_A, CPU_B))])   # no temp file left
    status, out, _ = run(capsys, "--baseline-dir", folder, cur)
    assert status == 0 and verdicts(out)[FUTEX] == compare.SAME


def test_a_run_with_failures_is_not_stored_as_baseline(tmp_path, capsys):
    folder = baseline_dir(tmp_path)
    cur = write_run(tmp_path / "c.json", {FUTEX: noisy(1400, seed=8)}, failed={FIBER: "crashed"},
                    cpu_model="Third CPU")
    status, _, err = run(capsys, "--baseline-dir", folder, "--update-baseline", cur)
    assert status == 2 and "failed benchmarks" in err
    assert not (folder / "third-cpu-8-6-1-0-18-amd64.json").exists()


# --- --metric: a latency percentile in place of real_time ----------------------------------------

def latency_run(path, futex_p99, futex_ns=1400, seed=1, fiber_counters=False, **kw):
    """FUTEX with latency counters (p99 around `futex_p99`), FIBER without them unless asked."""
    counters = {FUTEX: {"latency_p50_ns": noisy(futex_ns, seed=seed + 50),
                        "latency_p99_ns": noisy(futex_p99, seed=seed + 60)}}
    if fiber_counters:
        counters[FIBER] = {"latency_p99_ns": noisy(60, seed=seed + 70)}
    return write_run(path, {FUTEX: noisy(futex_ns, seed=seed), FIBER: noisy(45, seed=seed + 1)},
                     counters=counters, **kw)


def test_metric_p99_finds_a_tail_regression_the_median_does_not_see(tmp_path, capsys):
    base = latency_run(tmp_path / "base.json", futex_p99=9000, seed=1)
    cur = latency_run(tmp_path / "cur.json", futex_p99=18000, seed=3)
    status, out, _ = run(capsys, base, cur, "--assume-no-drift")
    assert status == 0 and verdicts(out)[FUTEX] == compare.SAME
    assert "[metric:" not in out
    status, out, _ = run(capsys, "--metric", "p99", base, cur, "--assume-no-drift")
    assert status == 1 and verdicts(out)[FUTEX] == compare.SLOWER
    assert "[metric: p99 of the single handoffs, counter latency_p99_ns]" in out
    row = next(compare_row for compare_row in compare.compare_files(
        compare.read_run(base, "p99"), compare.read_run(cur, "p99"),
        compare.build_parser().parse_args(["--metric", "p99"])).rows if compare_row.name == FUTEX)
    assert row.change == pytest.approx(1.0, abs=0.08)      # 2x: the counters, not real_time
    status, out, _ = run(capsys, "--metric", "p50", base, cur, "--assume-no-drift")
    assert status == 0 and verdicts(out)[FUTEX] == compare.SAME


def test_metric_a_benchmark_without_the_counter_is_listed_not_judged(tmp_path, capsys):
    base = latency_run(tmp_path / "base.json", futex_p99=9000, seed=1)
    cur = latency_run(tmp_path / "cur.json", futex_p99=9000, seed=3)
    status, out, _ = run(capsys, "--metric", "p99", base, cur)
    assert status == 0
    assert FIBER not in verdicts(out) and verdicts(out)[FUTEX] in (compare.SAME, compare.SMALL)
    assert "not comparable on p99 (no latency_p99_ns counter on both sides):" in out
    assert f"  {FIBER}  (no latency_p99_ns counter in the current run)" in out
    assert out.splitlines()[-3].endswith("1 not comparable on p99")
    # Present in the current run only: the baseline is the side that lacks it.
    cur2 = latency_run(tmp_path / "cur2.json", futex_p99=9000, seed=3, fiber_counters=True)
    status, out, _ = run(capsys, "--metric", "p99", base, cur2)
    assert f"  {FIBER}  (no latency_p99_ns counter in the baseline)" in out


def test_metric_with_no_counter_anywhere_is_not_a_pass(tmp_path, capsys, base):
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(1400, seed=3), FIBER: noisy(45, seed=4)})
    status, out, _ = run(capsys, "--metric", "max", base, cur)
    assert status == 2
    assert "nothing comparable on max: no benchmark carries latency_max_ns on both sides" in out
    assert "2 not comparable on max" in out


def test_metric_from_an_aggregates_only_run(tmp_path, capsys):
    base = latency_run(tmp_path / "base.json", futex_p99=9000, seed=1)
    cur = latency_run(tmp_path / "cur.json", futex_p99=18000, seed=3, aggregates_only=True)
    status, out, _ = run(capsys, "--metric", "p99", base, cur)
    row = next(line for line in out.splitlines() if line.startswith(FUTEX))
    assert compare.UNJUDGED in row and "10/1" in row


def test_metric_against_the_history(tmp_path, capsys):
    history = tmp_path / "history"
    for i in range(4):
        path = latency_run(tmp_path / f"run{i}.json", futex_p99=9000, seed=100 + i,
                           date=f"2024-03-0{i + 1}T12:00:00+00:00", revision=f"rev{i}")
        assert run(capsys, "--history-dir", history, "--record", path)[0] == 0
    (file,) = history.iterdir()
    record = json.loads(file.read_text().splitlines()[0])
    assert set(record["latency_ns"]) == {"p50", "p99"} and set(record["latency_ns"]["p99"]) == {FUTEX}
    assert record["median_ns"][FUTEX] == pytest.approx(statistics.median(noisy(1400, seed=100)))
    slow = latency_run(tmp_path / "slow.json", futex_p99=18000, seed=9, fiber_counters=True)
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 4, slow)
    assert status == 0 and verdicts(out)[FUTEX] in (compare.SAME, compare.SMALL)
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 4, "--metric", "p99", slow)
    assert status == 1 and verdicts(out)[FUTEX] == compare.SLOWER
    assert f"  {FIBER}  (no p99 recorded in the latest recorded run)" in out


def test_metric_rejects_an_unknown_percentile(capsys):
    with pytest.raises(SystemExit) as exit_info:
        compare.main(["--metric", "p95", "a.json", "b.json"])
    assert exit_info.value.code == 2 and "invalid choice" in capsys.readouterr().err


# --- history --------------------------------------------------------------------------------------

def record_history(tmp_path, capsys, runs=5):
    """Record `runs` ordinary runs of machine A; the history folder."""
    history = tmp_path / "history"
    for i in range(runs):
        path = write_run(tmp_path / f"run{i}.json", {FUTEX: noisy(1400, seed=100 + i),
                                                     FIBER: noisy(45, seed=200 + i)},
                         date=f"2024-03-0{i + 1}T12:00:00+00:00", revision=f"rev{i}")
        status, out, _ = run(capsys, "--history-dir", history, "--record", path)
        assert status == 0 and "history: recorded" in out
    return history


def test_history_record_then_judge(tmp_path, capsys):
    history = record_history(tmp_path, capsys)
    (file,) = history.iterdir()                       # one file per machine, no temp file left
    assert file.name == bsjson.slug(f"{CPU_A}|8|{KERNEL}") + ".jsonl"
    records = [json.loads(line) for line in file.read_text().splitlines()]
    assert [r["git_revision"] for r in records] == [f"rev{i}" for i in range(5)]
    assert set(records[0]["median_ns"]) == {FUTEX, FIBER} and records[0]["date"].startswith("2024-03-01")

    ordinary = write_run(tmp_path / "ok.json", {FUTEX: noisy(1400, seed=9), FIBER: noisy(45, seed=10)})
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 5, ordinary)
    assert status == 0      # above or below all 5 recorded runs is likely (2 in 6), but within the floor
    assert set(verdicts(out).values()) <= {compare.SAME, compare.SMALL}
    slow = write_run(tmp_path / "slow.json", {FUTEX: noisy(2800, seed=9), FIBER: noisy(45, seed=10)})
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 5, slow)
    assert status == 1 and verdicts(out)[FUTEX] == compare.SLOWER
    # Above every recorded run but by less than 10 %: outside the history, within the floor.
    nudged = write_run(tmp_path / "nudged.json", {FUTEX: noisy(1500, seed=9, spread=0.001)})
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 5, nudged)
    assert status == 0 and verdicts(out)[FUTEX] == compare.SMALL


def test_history_a_value_inside_its_spread_is_not_flagged(tmp_path, capsys):
    # A noisy history (medians 1000 .. 1500 ns): 1300 ns is 18 % above its median, but not above the
    # largest recorded run, so the history's own spread explains it.
    history = tmp_path / "history"
    for i, ns in enumerate((1000, 1050, 1100, 1150, 1500)):
        path = write_run(tmp_path / f"run{i}.json", {FUTEX: noisy(ns, seed=i, spread=0.001)},
                         date=f"2024-03-0{i + 1}", revision=f"rev{i}")
        assert run(capsys, "--history-dir", history, "--record", path)[0] == 0
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(1300, seed=9, spread=0.001)})
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 5, cur)
    assert status == 0 and verdicts(out) == {FUTEX: compare.SAME}
    assert "+18." in out and "history " in out
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(1700, seed=9, spread=0.001)})
    assert run(capsys, "--history-dir", history, "--against-history", 5, cur)[0] == 1


def test_history_floor_grows_with_the_run_to_run_spread(tmp_path, capsys):
    # Medians 900 .. 1300 ns: a robust run-to-run spread of ~13 %, so 4 x that is a ~54 % floor.
    # 1400 ns is above every run and 27 % above their median: within what this benchmark drifts.
    history = tmp_path / "history"
    for i, ns in enumerate((1000, 1200, 900, 1100, 1300)):
        path = write_run(tmp_path / f"run{i}.json", {FUTEX: noisy(ns, seed=i, spread=0.001)},
                         date=f"2024-03-0{i + 1}", revision=f"rev{i}")
        assert run(capsys, "--history-dir", history, "--record", path)[0] == 0
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(1400, seed=9, spread=0.001)})
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 5, cur)
    assert status == 0 and verdicts(out) == {FUTEX: compare.SMALL} and "floor 54%" in out
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 5, "--noise-z", 0, cur)
    assert status == 1 and verdicts(out) == {FUTEX: compare.SLOWER}
    slow = write_run(tmp_path / "slow.json", {FUTEX: noisy(2800, seed=9, spread=0.001)})
    assert run(capsys, "--history-dir", history, "--against-history", 5, slow)[0] == 1


def test_confirm_keeps_a_slowdown_the_rerun_sees_again(tmp_path, capsys, private_tmp):
    history = record_history(tmp_path, capsys)
    slow = write_run(tmp_path / "slow.json", {FUTEX: noisy(2800, seed=9), FIBER: noisy(45, seed=10)})
    binary = fake_binary(tmp_path, "slowed", slow={FUTEX: 2.0})
    status, out, err = run(capsys, "--history-dir", history, "--against-history", 5, "--confirm", binary, slow)
    assert status == 1 and verdicts(out)[FUTEX] == compare.SLOWER and "confirmed" in out
    assert "confirming with a rerun" in err and list(private_tmp.iterdir()) == []


def test_confirm_drops_a_slowdown_the_rerun_does_not_see(tmp_path, capsys):
    history = record_history(tmp_path, capsys)
    slow = write_run(tmp_path / "slow.json", {FUTEX: noisy(2800, seed=9), FIBER: noisy(45, seed=10)})
    binary = fake_binary(tmp_path, "healthy")      # the machine was busy for the run, not the rerun
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 5, "--confirm", binary, slow)
    assert status == 0 and verdicts(out)[FUTEX] == compare.UNCONFIRMED


def test_history_judges_before_recording_and_never_twice(tmp_path, capsys):
    history = record_history(tmp_path, capsys, runs=3)
    file = next(history.iterdir())
    status, out, _ = run(capsys, "--history-dir", history, "--record", tmp_path / "run0.json")
    assert status == 0 and "already recorded" in out and len(file.read_text().splitlines()) == 3
    slow = write_run(tmp_path / "slow.json", {FUTEX: noisy(2800, seed=9)}, date="2024-04-01")
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 3, "--record", slow)
    assert status == 1 and verdicts(out)[FUTEX] == compare.SLOWER   # not judged against itself
    assert len(file.read_text().splitlines()) == 4


def test_short_or_absent_history_is_not_judged(tmp_path, capsys):
    history = record_history(tmp_path, capsys, runs=2)
    slow = write_run(tmp_path / "slow.json", {FUTEX: noisy(2800, seed=9)})
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 5, slow)
    assert status == 3 and verdicts(out)[FUTEX] == compare.UNJUDGED
    other = write_run(tmp_path / "other.json", {FUTEX: noisy(2800, seed=9)}, cpu_model=CPU_B)
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 5, other)
    assert status == 3 and "no recorded runs for this machine yet" in out
    # A machine's first runs build the history up: --allow-unjudged lets that pass, and says so.
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 5, "--allow-unjudged", "--record", other)
    assert status == 0 and "nothing judged" in out and "history: recorded" in out


def test_history_defaults_to_the_baseline_folder(tmp_path, capsys):
    folder = baseline_dir(tmp_path)
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(1400, seed=8)})
    status, out, _ = run(capsys, "--baseline-dir", folder, "--record", cur)
    assert status == 0 and (folder / "history" / (bsjson.slug(f"{CPU_A}|8|{KERNEL}") + ".jsonl")).exists()


def test_a_corrupt_history_is_bad_input(tmp_path, capsys):
    history = record_history(tmp_path, capsys, runs=1)
    with open(next(history.iterdir()), "a") as f:
        f.write("not json\n")
    status, _, err = run(capsys, "--history-dir", history, "--against-history", 3, tmp_path / "run0.json")
    assert status == 2 and ".jsonl:2: not a run summary" in err


# --- A/B with fake binaries ----------------------------------------------------------------------

def fake_binary(tmp_path, name, **settings):
    """An executable copy of fixtures/compare/fake_bench.py with its SETTINGS filled in."""
    settings.setdefault("seed", name)
    settings.setdefault("counter", str(tmp_path / f"{name}.count"))
    source = (FIXTURES / "fake_bench.py").read_text()
    path = tmp_path / name
    path.write_text(source.replace("SETTINGS = {}", f"SETTINGS = {json.dumps(settings)}", 1))
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """compare.py's temp folders go here, so a test can see that none is left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_ab_flags_a_slowed_binary_and_confirms_it(tmp_path, capsys, private_tmp):
    old = fake_binary(tmp_path, "old")
    new = fake_binary(tmp_path, "new", slow={FUTEX: 2.0})
    status, out, err = run(capsys, "--ab", old, new, "--min-time", "0.01")
    assert status == 1
    assert verdicts(out) == {FUTEX: compare.SLOWER, FIBER: compare.SAME}
    assert "confirmed" in out and "9 pairs" in out
    assert "round 3/9 A " in err and "confirm round 9/9 B " in err
    # 9 rounds of both, then 9 confirming rounds of both
    assert pathlib.Path(tmp_path / "old.count").read_text() == "18"
    assert list(private_tmp.iterdir()) == []


def test_ab_a_slowdown_the_rerun_does_not_see_is_unconfirmed(tmp_path, capsys, private_tmp):
    old = fake_binary(tmp_path, "old")
    new = fake_binary(tmp_path, "new", slow={FUTEX: 2.0}, slow_runs=9)    # slow in the first 9 runs only
    status, out, err = run(capsys, "--ab", old, new)
    assert status == 0 and verdicts(out) == {FUTEX: compare.UNCONFIRMED, FIBER: compare.SAME}
    assert "confirm round 9/9" in err and "rerun: " in out


def test_ab_identical_binaries_are_not_flagged(tmp_path, capsys, private_tmp):
    old, new = fake_binary(tmp_path, "old"), fake_binary(tmp_path, "new")
    status, out, err = run(capsys, "--ab", old, new, "--filter", "thread_futex")
    assert status == 0 and verdicts(out) == {FUTEX: compare.SAME}     # the filter reached the binary
    assert "confirm" not in err and pathlib.Path(tmp_path / "new.count").read_text() == "9"
    assert list(private_tmp.iterdir()) == []


def test_exact_filter_matches_only_the_names():
    pattern = compare.exact_filter(["BM_X/a:1.5", "BM_Y/(b)"])
    assert re.match(pattern, "BM_X/a:1.5") and re.match(pattern, "BM_Y/(b)")
    assert not re.match(pattern, "BM_X/a:105") and not re.match(pattern, "BM_X/a:1.50")
    # Google Benchmark's own names still carry a fixed budget, which the JSON's names no longer do.
    pattern = compare.exact_filter(["ring/thread_ring/N:2/manual_time"])
    assert re.match(pattern, "ring/thread_ring/N:2/min_time:0.020/repeats:3/manual_time")
    assert re.match(pattern, "ring/thread_ring/N:2/manual_time")
    assert not re.match(pattern, "ring/thread_ring/N:20/manual_time")


def test_ab_a_failing_binary_is_one_clean_line(tmp_path, capsys, private_tmp):
    old, new = fake_binary(tmp_path, "old"), fake_binary(tmp_path, "new", fail=3)
    status, out, err = run(capsys, "--ab", old, new)
    assert status == 2 and out == ""
    last = err.strip().splitlines()[-1]
    assert last == f"compare.py: error: {new}: exited with status 3: fake_bench: cannot pin to CPU 0"
    assert list(private_tmp.iterdir()) == []
    status, _, err = run(capsys, "--ab", old, tmp_path / "no_such_binary")
    assert status == 2
    assert err.strip() == f"compare.py: error: {tmp_path / 'no_such_binary'}: no such executable"


def test_ab_from_the_shell_no_traceback(tmp_path):
    old, new = fake_binary(tmp_path, "old"), fake_binary(tmp_path, "new", fail=1)
    p = subprocess.run([PYTHON, SCRIPT, "--ab", old, new], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines()[-1].startswith("compare.py: error: ")


def assert_all_dead(pids):
    """Each of `pids` is gone, or a zombie (dead; only its reaper is missing), within a second: the
    SIGKILL compare.py sends its process group takes a moment to land in a grandchild."""
    def alive(pid):
        try:
            return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False
    deadline = time.monotonic() + 1.0
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not [pid for pid in pids if alive(pid)], "still running"


def test_ab_a_hanging_binary_is_killed_with_its_children(tmp_path, capsys, private_tmp):
    pids = tmp_path / "pids"
    old, new = fake_binary(tmp_path, "old", hang=str(pids)), fake_binary(tmp_path, "new")
    status, _, err = run(capsys, "--ab", old, new, "--timeout", "2")    # time to write its pids
    assert status == 2 and "no result after 2 s; killed it" in err
    assert_all_dead(pids.read_text().split())
    assert list(private_tmp.iterdir()) == []


def test_ab_children_a_binary_leaves_behind_are_killed(tmp_path, capsys, private_tmp):
    pids = tmp_path / "pids"
    old, new = fake_binary(tmp_path, "old", linger=str(pids)), fake_binary(tmp_path, "new")
    assert run(capsys, "--ab", old, new)[0] == 0
    assert len(pids.read_text().split()) == 9
    assert_all_dead(pids.read_text().split())


# --- Google Benchmark's own compare.py ------------------------------------------------------------

@pytest.mark.skipif(not GBENCH_COMPARE.exists(), reason="Google Benchmark's compare.py is not installed "
                                                       "(Debian package libbenchmark-tools)")
def test_google_benchmark_compare_reads_our_layout(tmp_path):
    a = write_run(tmp_path / "a.json", {FUTEX: noisy(1400, seed=1), FIBER: noisy(45, seed=2)},
                  skipped={CALL: "skipped: not measured here"})
    b = write_run(tmp_path / "b.json", {FUTEX: noisy(2800, seed=3), FIBER: noisy(45, seed=4)},
                  skipped={CALL: "skipped: not measured here"})
    p = subprocess.run([PYTHON, GBENCH_COMPARE, "--no-color", "benchmarks", a, b], capture_output=True,
                       text=True, timeout=60, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    assert f"{FUTEX}_pvalue" in p.stdout and FIBER in p.stdout
