"""Tests of compare.py's honest verdicts: nothing judged is never a pass, sides of several runs
pooled, "cannot tell" within a side's own spread, quick and full kept apart in a history, names
that had their budget in them, two kernels of one machine, and git bisect run's exit statuses.

Synthetic runs with deterministic pseudo-noise (test_compare.write_run), so every verdict is the
same on every machine.
"""
import json
import pathlib

import pytest

import compare
from compare_runs import FIBER, FUTEX, KERNEL, noisy, run, verdicts, write_run


def edit(path, **context):
    """Set fields of the file's context.bench_switch (as a kernel developer would edit a copy)."""
    data = json.loads(pathlib.Path(path).read_text())
    data["context"]["bench_switch"].update(context)
    if "kernel_release" in context:
        bs = data["context"]["bench_switch"]
        bs["fingerprint"] = f"{bs['cpu_model']}|{bs['cpu_count']}|{context['kernel_release']}"
    pathlib.Path(path).write_text(json.dumps(data))
    return str(path)


# --- nothing judged -------------------------------------------------------------------------------

def test_an_a_a_comparison_that_judges_nothing_exits_non_zero(tmp_path, capsys):
    # One repetition a side (the families that run once): nothing can be tested, so no "no regression".
    a = write_run(tmp_path / "a.json", {FUTEX: [1400.0], FIBER: [45.0]})
    b = write_run(tmp_path / "b.json", {FUTEX: [1400.0], FIBER: [45.0]})
    for extra in ([], ["--report-only"]):
        status, out, _ = run(capsys, a, b, *extra)
        assert status == compare.NOTHING_JUDGED != 0
        assert out.rstrip().splitlines()[-1].startswith("verdict: nothing judged:")
        assert "no regression" not in out


def test_nothing_in_common_is_nothing_judged(tmp_path, capsys):
    a = write_run(tmp_path / "a.json", {FUTEX: noisy(1400)})
    b = write_run(tmp_path / "b.json", {FIBER: noisy(45)})
    status, out, _ = run(capsys, a, b)
    assert status == compare.NOTHING_JUDGED
    assert "no benchmark was measured on both sides" in out


def test_the_minimum_repetitions_are_stated():
    assert compare.min_repetitions(0.05) == 4
    assert compare.min_repetitions(0.01) == 5


# --- several runs a side, and "cannot tell" ----------------------------------------------------

def sides(tmp_path, centers, prefix):
    return [write_run(tmp_path / f"{prefix}{i}.json", {FUTEX: noisy(c, reps=5, seed=10 * i + len(prefix)),
                                                       FIBER: noisy(45, reps=5, seed=i)},
                      date=f"2024-03-0{i + 1}T12:00:00+00:00")
            for i, c in enumerate(centers)]


def test_pooled_sides_that_drift_between_runs_cannot_tell(tmp_path, capsys):
    # Each run tight, the runs of each side apart by half (drift): A/A, three runs a side.
    old = sides(tmp_path, [1400, 2100, 1450], "a")
    new = sides(tmp_path, [2100, 2150, 1500], "b")
    status, out, _ = run(capsys, "--old", *old, "--new", *new)
    assert status == 0
    assert verdicts(out)[FUTEX] in (compare.CANNOT_TELL, compare.SAME)
    assert "15/15" in out and "3 runs pooled" in out
    # The same two middle runs alone: two files see a clear "regression" a side's spread cannot explain.
    # One against one, nothing shows the drift: the difference cannot be told from it.
    status, out, _ = run(capsys, old[0], new[0])
    assert status == 0 and verdicts(out)[FUTEX] == compare.CANNOT_TELL and "one run a side" in out
    # Unless the user vouches that runs agree here: then the repetitions alone judge.
    status, out, _ = run(capsys, old[0], new[0], "--assume-no-drift")
    assert status == 1 and verdicts(out)[FUTEX] == compare.SLOWER and "--ab decides" in out


def test_a_real_slowdown_stands_out_of_pooled_sides(tmp_path, capsys):
    old = sides(tmp_path, [1400, 1420, 1390], "a")
    new = sides(tmp_path, [2800, 2820, 2790], "b")
    status, out, _ = run(capsys, "--old", *old, "--new", *new)
    assert status == 1 and verdicts(out)[FUTEX] == compare.SLOWER


def test_cannot_tell_when_one_side_is_noisier_than_the_difference(tmp_path, capsys):
    old = write_run(tmp_path / "a.json", {FUTEX: noisy(1400, reps=20, seed=1, spread=0.01)})
    new = write_run(tmp_path / "b.json", {FUTEX: noisy(1800, reps=20, seed=3, spread=0.6)})
    status, out, _ = run(capsys, old, new)
    assert status == 0 and verdicts(out)[FUTEX] == compare.CANNOT_TELL
    assert "spread" in out and "1 cannot tell" in out.splitlines()[-1]


# --- history: quick and full apart ------------------------------------------------------------

def test_quick_and_full_runs_are_kept_apart_in_the_history(tmp_path, capsys):
    history = tmp_path / "history"
    for i in range(4):
        path = write_run(tmp_path / f"full{i}.json", {FUTEX: noisy(1400, seed=i)}, date=f"2024-03-0{i + 1}")
        assert run(capsys, "--history-dir", history, "--record", path)[0] == 0
    quick = edit(write_run(tmp_path / "quick.json", {FIBER: noisy(45, seed=9)}, date="2024-03-09"), mode="quick")
    assert run(capsys, "--history-dir", history, "--record", quick)[0] == 0
    current = write_run(tmp_path / "cur.json", {FUTEX: noisy(1400, seed=7)}, date="2024-04-01")
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 10, current)
    assert status == 0 and verdicts(out)[FUTEX] == compare.SAME
    assert "last 4 recorded full runs" in out and "left out 1 recorded runs of another mode (1 quick)" in out
    assert "new (not in" not in out
    # A quick run is judged against quick runs only: one is not enough.
    quick2 = edit(write_run(tmp_path / "quick2.json", {FIBER: noisy(45, seed=8)}, date="2024-04-02"), mode="quick")
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 10, quick2)
    assert status == compare.NOTHING_JUDGED and "fewer than 3 recorded runs" in out


# --- names with the budget in them ----------------------------------------------------------------

def test_old_names_with_the_budget_are_read_under_todays_names(tmp_path, capsys):
    old_name = FUTEX + "/min_time:0.020/repeats:3"
    old = write_run(tmp_path / "old.json", {old_name + "/manual_time": noisy(1400)})
    new = write_run(tmp_path / "new.json", {FUTEX + "/manual_time": noisy(1400, seed=2)})
    status, out, _ = run(capsys, old, new)
    assert status == 0 and "new (not in" not in out and "missing from" not in out
    assert "carry their budget" in out and "accepted for one release" in out


# --- two kernels, and git bisect run --------------------------------------------------------------

def kernel_pair(tmp_path, slower=1.0):
    """The same machine under two kernels: the files' kernel_release (and the context) edited."""
    good = edit(write_run(tmp_path / "good.json", {FUTEX: noisy(1400, seed=1), FIBER: noisy(45, seed=2)}),
                kernel_release="6.1.0-18-amd64", preempt={"mode": "voluntary", "source": "t"},
                hz={"value": 250, "source": "t"})
    this = edit(write_run(tmp_path / "this.json", {FUTEX: noisy(1400 * slower, seed=3), FIBER: noisy(45, seed=4)}),
                kernel_release="6.5.0-1-amd64", preempt={"mode": "full", "source": "t"},
                hz={"value": 1000, "source": "t"})
    return good, this


def test_two_kernels_are_compared_and_what_else_differs_is_listed(tmp_path, capsys):
    good, this = kernel_pair(tmp_path, slower=2.0)
    status, out, _ = run(capsys, "--across-kernels", good, this, "--assume-no-drift")
    assert status == 1 and verdicts(out)[FUTEX] == compare.SLOWER
    assert "kernels: 6.1.0-18-amd64 -> 6.5.0-1-amd64" in out
    assert "preempt.mode 'voluntary' vs 'full'" in out and "hz.value '250' vs '1000'" in out
    assert "different machines" not in out and "old kernel" in out
    # Without the flag: a warning that points to it.
    out = run(capsys, good, this)[1]
    assert "different machines" in out and "--across-kernels" in out


def test_across_kernels_refuses_two_machines(tmp_path, capsys):
    good, this = kernel_pair(tmp_path)
    edit(this, cpu_model="Other CPU")
    status, _, err = run(capsys, "--across-kernels", good, this)
    assert status == 2 and "differ in cpu_model" in err


@pytest.mark.parametrize("slower, expected", [(1.0, 0), (2.0, 1)])
def test_bisect_maps_the_verdict_to_git_bisect_run(tmp_path, capsys, slower, expected):
    good, this = kernel_pair(tmp_path, slower=slower)
    status, out, _ = run(capsys, "--across-kernels", "--bisect", "--assume-no-drift", "--filter", "thread_futex",
                         good, this)
    assert status == expected
    assert out.rstrip().splitlines()[-1].startswith("verdict: " + ("bad" if expected else "good"))
    assert FIBER not in out                  # --filter: only the benchmark being bisected


def test_bisect_cannot_tell_is_125(tmp_path, capsys):
    good, this = kernel_pair(tmp_path)
    one = write_run(tmp_path / "one.json", {FUTEX: [1400.0]}, kernel=KERNEL)
    assert run(capsys, "--bisect", one, one)[0] == 125                   # nothing judged
    (tmp_path / "slow").mkdir()
    slow_good, slow_this = kernel_pair(tmp_path / "slow", slower=2.0)
    assert run(capsys, "--across-kernels", "--bisect", slow_good, slow_this)[0] == 125  # one run a kernel: drift?
    assert run(capsys, "--bisect", good, tmp_path / "absent.json")[0] == 125   # no run at this commit
    with pytest.raises(SystemExit):
        compare.main(["--bisect", "--report-only", good, this])


def test_history_and_filter_agree(tmp_path, capsys):
    history = tmp_path / "history"
    for i in range(3):
        path = write_run(tmp_path / f"r{i}.json", {FUTEX: noisy(1400, seed=i), FIBER: noisy(45, seed=i)},
                         date=f"2024-03-0{i + 1}")
        run(capsys, "--history-dir", history, "--record", path)
    cur = write_run(tmp_path / "cur.json", {FUTEX: noisy(1400, seed=7), FIBER: noisy(45, seed=7)}, date="2024-04-01")
    status, out, _ = run(capsys, "--history-dir", history, "--against-history", 5, "--filter", "thread_futex", cur)
    assert status == 0 and FIBER not in out and "missing" not in out


def test_help_names_the_new_options():
    text = compare.build_parser().format_help()
    for option in ("--old", "--new", "--allow-unjudged", "--across-kernels", "--bisect", "--filter",
                   "125 cannot tell", "3  nothing judged"):
        assert option in text
    assert "BM_Switch" not in text          # the old example matched no benchmark


def test_a_record_from_before_modes_is_known_quick_by_its_budget_names():
    from comparing.history import record_mode
    assert record_mode({"median_ns": {"ring/x/N:2/min_time:0.005/repeats:5/manual_time": 1.0}}) == "quick"
    assert record_mode({"median_ns": {"switch/x/same_cpu/manual_time": 1.0}}) == "unrecorded"
    assert record_mode({"mode": "full", "median_ns": {}}) == "full"
