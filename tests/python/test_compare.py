"""Tests of scripts/compare.py on two runs: verdicts on synthetic runs (slower, within noise, identical,
too few repetitions), the benchmarks that cannot be compared, bad input, machines and baselines.

The runs are built with deterministic pseudo-noise (compare_runs.py), so every verdict is the same
on every machine.
"""
import json
import pathlib
import shutil
import subprocess

import pytest

import bsjson
import compare
from compare_runs import CALL, CPU_A, CPU_B, FIBER, FIXTURES, FUTEX, KERNEL, PYTHON, SCRIPT, baseline_dir, noisy, run, verdicts, write_run


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
