"""The idle_states chart (scripts/charts/idle_states.py): the cross-CPU rows in the three states of the
target CPU side by side, each bar labelled with its deep idle entries per switch; drawn from the plot
fixture full.json with three synthetic rows added, as a user draws it (plot.py in a subprocess)."""
import json

from test_plot import FULL, run_plot, svg_text

MECHANISM = "thread_futex"


def entries(state, times_ns, deep):
    """Repetitions and a median aggregate of switch/thread_futex/cross_cpu[/idle:<state>]."""
    name = f"switch/{MECHANISM}/cross_cpu" + ("" if state is None else f"/idle:{state}") + "/manual_time"
    common = {"family": "switch", "mechanism": MECHANISM, "kind": "preemptive", "task": "thread",
              "placement": "cross_cpu", "language": "c++", "params": {"idle_state": state or "idle"}, "unit": "ns per switch",
              "run_name": name, "time_unit": "ns"}
    out = []
    for t in times_ns:
        e = dict(common, name=name, run_type="iteration", real_time=t)
        if deep is not None:
            e["deep_idle_entries_per_switch"] = deep
        out.append(e)
    out.append(dict(common, name=name + "_median", run_type="aggregate", aggregate_name="median",
                    real_time=sorted(times_ns)[len(times_ns) // 2]))
    return out


def with_idle_rows(tmp_path):
    data = json.loads(FULL.read_text(encoding="utf-8"))
    data["benchmarks"] = [b for b in data["benchmarks"]
                          if not (b.get("mechanism") == MECHANISM and b.get("placement") == "cross_cpu")]
    data["benchmarks"] += (entries(None, [15000, 15500, 16000], None)
                           + entries("idle", [16000, 16500, 17000], 1.25)
                           + entries("awake", [3100, 3200, 3300], 0.0)
                           + entries("busy", [5000, 5200, 5400], 0.0))
    path = tmp_path / "idle.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_three_states_side_by_side_with_their_deep_entries(tmp_path):
    out = tmp_path / "charts"
    result = run_plot(with_idle_rows(tmp_path), "-o", out, "--charts", "idle_states")
    assert result.returncode == 0, result.stderr
    text = svg_text(out / "idle_states.svg")
    assert "Cross-CPU wake-ups: the target CPU idle, awake, busy" in text
    assert f"{MECHANISM} · cross_cpu" in text
    for state in ("idle", "awake", "busy"):
        assert state in text, state
    assert "16.5 µs" in text and "3.2 µs" in text and "5.2 µs" in text
    assert "1.2 deep/sw" in text   # the idle bar is the idle:idle row, with its own proof
    assert "15.5 µs" not in text   # not the plain cross_cpu row, which reads no idle entries
    assert text.count("0 deep/sw") == 2


def test_a_run_without_awake_or_busy_rows_draws_nothing_and_says_nothing(tmp_path):
    out = tmp_path / "charts"
    result = run_plot(FULL, "-o", out, "--charts", "overhead,idle_states")
    assert result.returncode == 0, result.stderr
    assert (out / "overhead.svg").exists()
    assert not (out / "idle_states.svg").exists()
    assert "idle" not in result.stderr and "Traceback" not in result.stderr
