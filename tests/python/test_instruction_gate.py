"""The instruction-count gate is deterministic and notices a change."""
import os
import shutil

import pytest

import instruction_gate

BINARY = os.environ.get("BENCH_SWITCH_BINARY", "build/bench_switch")
needs_binary = pytest.mark.skipif(shutil.which("valgrind") is None or not os.path.exists(BINARY),
                                  reason="needs valgrind and a built bench_switch (BENCH_SWITCH_BINARY)")


@needs_binary
def test_repeated_runs_count_the_same_instructions():
    mechanisms = ["fcontext_fiber", "coroutine"]
    first = instruction_gate.measure(BINARY, mechanisms, 2000)
    second = instruction_gate.measure(BINARY, mechanisms, 2000)
    assert first == second
    assert all(v > 0 for v in first.values())


@needs_binary
def test_every_added_round_trip_costs_exactly_the_same():
    # The bracket holds the switches plus a constant (the toggles themselves): totals are linear in
    # the number of round trips, with no drift.
    total = {n: instruction_gate.total_instructions(BINARY, "asm_switch", n) for n in (1000, 2000, 3000)}
    assert total[3000] - total[2000] == total[2000] - total[1000] > 0


def test_a_change_is_flagged_and_a_new_mechanism_is_not():
    lines, changed = instruction_gate.compare({"a": 40.0}, {"a": 40.0, "b": 10.0})
    assert not changed and "new" in lines[1]
    lines, changed = instruction_gate.compare({"a": 40.0}, {"a": 41.5})
    assert changed and "CHANGED" in lines[0]
    # Half an instruction a switch (one a round trip) is a path change; the toggles' constant, a
    # few thousandths a switch when the code around them moves, is not.
    assert instruction_gate.compare({"a": 40.0}, {"a": 40.5})[1]
    lines, changed = instruction_gate.compare({"a": 47.0017}, {"a": 47.0003})
    assert not changed and "unchanged" in lines[0]


def test_without_a_binary_it_fails_in_one_line(tmp_path, capsys):
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind not installed")
    assert instruction_gate.main(["--binary", str(tmp_path / "missing"), "--mechanisms", "coroutine"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
