"""bench_switch --with-go: bench_go's rows merged into the run's JSON, as the Python suite's are; a
missing bench_go skipped with its reason; a failing one ending the run with nothing written. A
stand-in bench_go (BENCH_SWITCH_GO) replays a real bench_go file (fixtures/go/), so these tests
need no Go toolchain and take no Go measurement; one C++ row is measured, briefly."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

BINARY = os.environ.get("BENCH_SWITCH_BINARY", "build/bench_switch")
FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "go" / "bench_go_chan.json"
pytestmark = pytest.mark.skipif(not os.path.exists(BINARY), reason="needs a built bench_switch (BENCH_SWITCH_BINARY)")

FAST = ["--benchmark_filter=^switch/fcontext_fiber/", "--benchmark_repetitions=2", "--benchmark_min_time=0.001"]


def stand_in(tmp_path, exit_status=0):
    """An executable that writes the fixture where --json says, then exits with `exit_status`."""
    script = tmp_path / "bench_go"
    script.write_text(f"""#!{sys.executable}
import shutil, sys
args = sys.argv[1:]
if {exit_status} == 0:
    shutil.copyfile({str(FIXTURE)!r}, args[args.index("--json") + 1])
sys.exit({exit_status})
""")
    script.chmod(0o755)
    return script


def run(tmp_path, go, *extra):
    out = tmp_path / "out.json"
    env = dict(os.environ, BENCH_SWITCH_GO=str(go))
    done = subprocess.run([BINARY, "--with-go", "--json", str(out), *FAST, *extra], env=env,
                          capture_output=True, text=True, timeout=120)
    return done, out


def test_go_rows_are_merged_with_their_fields_and_context(tmp_path):
    done, out = run(tmp_path, stand_in(tmp_path))
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text())
    go = [e for e in doc["benchmarks"] if e.get("language") == "go"]
    expected = json.loads(FIXTURE.read_text())["benchmarks"]
    assert go == expected                                   # every entry, untouched
    assert {e["kind"] for e in go} == {"goroutine"}
    assert all(e["family"] == "switch" and e["placement"] == "one_p" for e in go)
    assert doc["context"]["bench_switch"]["go"]["language"] == "go"
    assert any(e.get("language", "c++") == "c++" for e in doc["benchmarks"])   # beside the C++ rows
    found = {f["name"]: f for f in doc["summaries"]["findings"]}
    # The goroutine handoff is set against the fiber measured in the same run, as a ratio.
    assert "switch/fcontext_fiber/one_thread" in found["goroutine_handoff"]["benchmarks"]
    assert "× (±" in found["goroutine_handoff"]["text"]


def test_a_missing_bench_go_is_skipped_with_the_reason(tmp_path):
    done, out = run(tmp_path, tmp_path / "no-such-bench_go")
    assert done.returncode == 0, done.stderr
    assert "the Go rows are skipped" in done.stderr and "does not exist" in done.stderr
    doc = json.loads(out.read_text())
    assert "does not exist" in doc["context"]["bench_switch"]["go"]["skipped"]
    assert not [e for e in doc["benchmarks"] if e.get("language") == "go"]


def test_a_failing_bench_go_ends_the_run_with_nothing_written(tmp_path):
    done, out = run(tmp_path, stand_in(tmp_path, exit_status=1))
    assert done.returncode == 1
    assert "the Go suite failed (exit 1); nothing written" in done.stderr
    assert not out.exists()
