"""Tests of scripts/compare.py --ab with fake binaries (flagged, confirmed, unconfirmed, killed with
their children), and that Google Benchmark's own compare.py reads our layout."""
import pathlib
import re
import subprocess
import time

import pytest

import compare
from compare_runs import CALL, FIBER, FUTEX, GBENCH_COMPARE, PYTHON, SCRIPT, fake_binary, noisy, run, verdicts, write_run


# --- A/B with fake binaries ----------------------------------------------------------------------
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
