"""Tests of scripts/compare.py against a history of runs, confirmed by a rerun, and on a latency
percentile (--metric) in place of real_time."""
import json
import statistics

import pytest

import bsjson
import compare
from compare_runs import CPU_A, CPU_B, FIBER, FUTEX, KERNEL, baseline_dir, fake_binary, noisy, run, verdicts, write_run


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
