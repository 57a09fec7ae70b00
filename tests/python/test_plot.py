"""Tests of scripts/plot.py on the small runs in fixtures/plot/ (written by make_fixtures.py).

The CLI is run as the user runs it (a subprocess of Debian's python3), so exit codes, stderr lines and
the absence of tracebacks are what a user would see. Labels are checked in the SVGs, whose text
plot.py keeps as text (svg.fonttype none).
"""
import importlib.util
import json
import math
import pathlib
import re
import subprocess
import sys

import pytest

import bsjson
import plot
from charts import CHARTS, common, granularity, overhead

SCRIPT = pathlib.Path(plot.__file__).resolve()
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "plot"
FULL, SECOND, PYTHON_RUN, PARTIAL = (FIXTURES / n for n in ("full.json", "second.json", "python.json",
                                                              "partial.json"))
# The charts one file of FULL draws: each one-figure chart whose families it holds, but for those
# that need more than its entries carry (two files, batch means, idle rows).
SINGLE_CHARTS = tuple(c.name for c in CHARTS if not c.several and c.name not in {"trend", "batch_means", "idle_states"}
                      and {b["family"] for b in bsjson.load(FULL)["benchmarks"]} >= set(c.families))


def run_plot(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def svg_text(path):
    """The text a reader sees in an SVG, XML entities resolved."""
    texts = re.findall(r"<text[^>]*>(.*?)</text>", path.read_text(encoding="utf-8"), flags=re.S)
    return "\n".join(t.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">") for t in texts)


def medians(path, family):
    return bsjson.aggregate(bsjson.load(path), "median", family)


def draw_into(tmp_path_factory, folder, *inputs):
    """Every chart of `inputs` drawn into a new folder; (folder, the finished process)."""
    out = tmp_path_factory.mktemp(folder)
    result = run_plot(*inputs, "-o", out)
    assert result.returncode == 0, result.stderr
    return out, result


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    return draw_into(tmp_path_factory, "single", FULL)


@pytest.fixture(scope="module")
def several(tmp_path_factory):
    """Given newest first on purpose: the trend must order by context.date, not by argument."""
    return draw_into(tmp_path_factory, "several", SECOND, PYTHON_RUN, FULL)


def test_fixtures_match_their_generator():
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, value in module.fixtures().items():
        assert (FIXTURES / name).read_text(encoding="utf-8") == module.render(value), \
            f"{name} is stale: rerun make_fixtures.py"


def test_every_chart_of_one_run_is_drawn(single):
    out, result = single
    for name in SINGLE_CHARTS:
        assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert "<svg" in (out / f"{name}.svg").read_text(encoding="utf-8"), name
    assert not (out / "trend.png").exists(), "a trend needs two files"
    assert "Traceback" not in result.stderr
    assert not list(out.glob(".tmp-*")), "a temporary file was left behind"


def test_overhead_labels_come_from_the_data(single):
    out, _ = single
    text = svg_text(out / "overhead.svg")
    for e in medians(FULL, "switch"):
        label = f"{e['mechanism']} · {e['placement']}" + (" (py)" if e["language"] == "python" else "")
        assert label in text, label
    assert "PREEMPTIVE" in text and "COOPERATIVE" in text and "BASELINE" in text
    assert "whiskers: min–max of the repetitions" in text


def test_overhead_flags_kernel_switch_counts_that_contradict_the_kind(single):
    out, _ = single
    text = svg_text(out / "overhead.svg")
    flagged = {line.split()[-2] for line in text.splitlines() if line.endswith("(!)")}
    # fixture: thread_condvar same_cpu has k=1.9 (preemptive same_cpu should be ~1), boost_fiber k=0.08
    assert flagged == {"k=1.90", "k=0.08"}, flagged
    assert "1.4 µs   k=1.00" in text        # thread_futex same_cpu: value and k, not flagged


def test_overhead_k_is_the_medians_not_the_first_repetitions(single):
    """Every k= beside a row is its benchmark's median kernel_switches_per_switch."""
    out, _ = single
    text = svg_text(out / "overhead.svg")
    data = bsjson.load(FULL)
    checked = 0
    for median in medians(FULL, "switch"):
        first = next(b for b in data["benchmarks"] if b.get("run_name") == median["run_name"]
                     and b.get("run_type") == "iteration")
        k, k0 = median["kernel_switches_per_switch"], first["kernel_switches_per_switch"]
        assert re.search(rf"\bk={k:.2f}\b", text), (median["run_name"], k)
        if f"{k:.2f}" != f"{k0:.2f}":
            checked += 1
            row = f"{common.fmt_ns(median['real_time'])}   k="
            assert f"{row}{k0:.2f}" not in text, (median["run_name"], "k from repetition 0")
    assert checked, "the fixture must hold repetitions whose k differs from the median's"


def test_kernel_switch_note_rules():
    def note(kind, placement, k):
        return overhead.kernel_switch_note(common.Point({"kind": kind, "placement": placement,
                                                   "kernel_switches_per_switch": k}, 1.0))[1]
    assert note("cooperative", "one_thread", 0.06) and not note("cooperative", "one_thread", 0.04)
    assert note("preemptive", "same_cpu", 1.31) and note("preemptive", "same_cpu", 0.69)
    assert not note("preemptive", "same_cpu", 1.2) and not note("preemptive", "cross_cpu", 0.2)
    assert note("baseline", "one_thread", 0.5)
    assert note("preemptive", "cross_cpu", 0.0), "a preemptive row with no kernel switch, at any placement"


def test_python_mechanisms_are_marked_from_the_file_context(tmp_path):
    result = run_plot(PYTHON_RUN, "-o", tmp_path, "--charts", "overhead")
    assert result.returncode == 0, result.stderr
    text = svg_text(tmp_path / "overhead.svg")
    for mech in ("py_thread_queue · same_cpu (py)", "py_greenlet · one_thread (py)", "Python mechanism (py)"):
        assert mech in text


def test_granularity_marks_breakeven_and_timeslice(single):
    out, _ = single
    text = svg_text(out / "granularity.svg")
    # measured crossings, not the summaries' model (12.6 µs and 139 µs for thread_futex)
    assert "thread_futex  (90 % at 13.9 µs, 99 % at 159 µs)" in text
    assert re.search(r"fcontext_fiber  \(90 % at 4\d\.\d ns, 99 % at 5\d\d ns\)", text), text
    assert "OS time slice ≈ 2.8 ms" in text
    assert "black diamond" not in granularity_reading(), "the caption names no mark the chart lacks"


def granularity_reading():
    run = plot.load_runs([str(FULL)])
    with common.pyplot().rc_context(common.RC):
        fig, reading = granularity.draw(run, plot.parse_args([str(FULL)]))
    common.pyplot().close(fig)
    return reading


def curve_at(pts, w):
    """The measured curve at w, linear in log W between the two measured points around it."""
    for (x0, p0), (x1, p1) in zip(pts, pts[1:]):
        if x0 <= w <= x1:
            return p0.value + (p1.value - p0.value) * math.log(w / x0) / math.log(x1 / x0)
    return None


def test_granularity_solid_marks_sit_on_the_measured_curve():
    """A solid break-even mark is where its curve crosses the level; where the curve does not cross
    it between two measured points, only the model's mark is drawn, and it is named a model."""
    (run,) = plot.load_runs([str(FULL)])
    series, _ = granularity.collect_series([run], "granularity", "W_ns", granularity.efficiency_percent, "minmax")
    solid = model = 0
    for (key, _), pts in series.items():
        for level, at in granularity.breakeven_points(run, key[0], pts).items():
            if at is None:
                assert max(p.value for _, p in pts) < level or pts[0][1].value >= level
            elif at[1]:
                solid += 1
                assert curve_at(pts, at[0]) == pytest.approx(level, abs=1e-6), (key, level)
            else:
                model += 1
                assert curve_at(pts, at[0]) is None or pts[0][1].value >= level or \
                    max(p.value for _, p in pts) < level, (key, level, "a model drawn where the curve crosses")
    assert solid >= 3
    starts_above = [(10.0, common.Point({}, 95.0)), (100.0, common.Point({}, 99.5))]
    assert granularity.measured_crossing(starts_above, 90) is None, "left of the first point: not measured"
    assert granularity.breakeven_text({90: (8.0, False), 99: None}) == \
        "  (90 % at 8 ns by the model, not measured, 99 % not reached)"


def test_interpolated_breakeven():
    pts = [(10.0, common.Point({}, 50.0)), (100.0, common.Point({}, 95.0)), (1000.0, common.Point({}, 99.5))]
    assert granularity.interpolate_crossing(pts, 90) == pytest.approx(10 * 10 ** (40 / 45))
    assert granularity.interpolate_crossing(pts, 99) == pytest.approx(100 * 10 ** (4 / 4.5))
    assert granularity.interpolate_crossing(pts, 99.9) is None
    assert granularity.interpolate_crossing(pts, 40) == 10.0


def test_timeslices_show_advertised_values(single):
    out, _ = single
    text = svg_text(out / "timeslices.svg")
    assert "SCHED_RR time-slice setting = 100 ms" in text and "sched base slice = 3 ms" in text
    assert "_ns" not in text and "_ms" not in text, "settings are named in words, not identifiers"
    assert "what the kernel's settings advertise" in text
    assert "thread SCHED_RR" in text and "thread normal" in text


def test_curve_charts_label_series_by_mechanism(single):
    out, _ = single
    for chart, family in (("footprint", "footprint"), ("ring", "ring"), ("contention", "contention")):
        text = svg_text(out / f"{chart}.svg")
        mechanisms = {b["mechanism"] for b in bsjson.load(FULL)["benchmarks"] if b.get("family") == family}
        assert mechanisms and all(m in text for m in mechanisms), chart
    assert "thread_mutex, shared lock" in svg_text(out / "contention.svg")
    assert "16 MiB" in svg_text(out / "footprint.svg")


def test_rows_of_spawn_and_memory(single):
    out, _ = single
    spawn, memory = svg_text(out / "spawn.svg"), svg_text(out / "memory.svg")
    for mech in ("pthread_create", "fork", "posix_spawn", "fcontext_fiber", "coroutine"):
        assert mech in spawn
    assert "200 KiB" in memory and "64 KiB" in memory and "320 B" in memory


def test_several_files_one_series_each_labelled_from_context(several):
    out, _ = several
    text = svg_text(out / "overhead.svg")
    for host_kernel in ("alpha · 6.1.0-18-amd64", "beta · 6.8.0-1-amd64"):
        assert host_kernel in text
    assert "granularity" not in text
    assert "— beta · 6.8.0-1-amd64" in svg_text(out / "ring.svg")


def test_trend_orders_files_by_date_and_follows_the_default_benchmarks(several):
    out, _ = several
    text = svg_text(out / "trend.svg")
    dates = [d for d in re.findall(r"2024-\d\d-\d\d \d\d:\d\d", text)]
    assert dates == sorted(dates) and len(dates) == 3, dates
    for key in ("thread_futex · same_cpu", "process_pipe · same_cpu", "fcontext_fiber · one_thread"):
        assert key in text
    assert "coroutine" not in text


def test_trend_regex_chooses_benchmarks(tmp_path):
    result = run_plot(FULL, SECOND, "-o", tmp_path, "--charts", "trend", "--trend", "coroutine|indirect")
    assert result.returncode == 0, result.stderr
    text = svg_text(tmp_path / "trend.svg")
    assert "coroutine · one_thread" in text and "indirect_call · one_thread" in text
    assert "thread_futex" not in text


def test_whiskers_option_is_stated_on_the_chart(tmp_path):
    result = run_plot(FULL, "-o", tmp_path, "--charts", "overhead", "--whiskers", "stddev")
    assert result.returncode == 0, result.stderr
    assert "whiskers: median ± stddev" in svg_text(tmp_path / "overhead.svg")


def test_same_input_gives_byte_identical_files(single, tmp_path):
    out, _ = single
    result = run_plot(FULL, "-o", tmp_path)
    assert result.returncode == 0, result.stderr
    first = sorted(p.name for p in out.iterdir())
    assert first == sorted(p.name for p in tmp_path.iterdir())
    for name in first:
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name
    svg = (out / "overhead.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg


def test_index_files_describe_every_chart_and_machine(several):
    out, _ = several
    md, page = (out / "index.md").read_text(encoding="utf-8"), (out / "index.html").read_text(encoding="utf-8")
    for name in SINGLE_CHARTS + ("trend",):
        assert f"({name}.png)" in md and f'src="{name}.png"' in page, name
    for fact in ("alpha", "beta", "6.8.0-1-amd64", "Example CPU 9000", "def5678-dirty", "2024-04-15"):
        assert fact in md and fact in page, fact
    readings = [line for line in md.splitlines() if line.endswith(".svg))")]
    assert len(readings) == len(SINGLE_CHARTS) + 1
    assert not re.search(r"(src|href)=\"https?:", page), "index.html must not fetch anything"
    assert re.search(r"^- 2 benchmarks skipped: vfork is not available \(.*BM_Spawn/vfork", md, re.M)


@pytest.mark.parametrize("make_input, expected", [
    (lambda d: d / "missing.json", "no such file"),
    (lambda d: FIXTURES / "not_json.json", "not valid JSON"),
    (lambda d: FIXTURES / "not_bench_switch.json", "not written by bench_switch"),
    (lambda d: d, "is a directory"),
])
def test_bad_input_fails_in_one_line(tmp_path, make_input, expected):
    result = run_plot(FULL, make_input(tmp_path), "-o", tmp_path / "out")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert not (tmp_path / "out").exists(), "nothing is written when an input is bad"


def test_output_folder_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_plot(FULL, "-o", blocker / "charts")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "cannot create the output folder" in result.stderr


def test_bad_options_fail_in_one_line(tmp_path):
    for option in (["--trend", "("], ["--charts", "overhead,nonsense"]):
        result = run_plot(FULL, "-o", tmp_path, *option)
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1, result.stderr


def test_run_lacking_families_draws_what_it_can(tmp_path):
    (tmp_path / "ring.png").write_bytes(b"left by an earlier run")
    result = run_plot(PARTIAL, "-o", tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "overhead.png").exists() and (tmp_path / "overhead.svg").exists()
    md = (tmp_path / "index.md").read_text(encoding="utf-8")
    # What PARTIAL holds (only the switch family) draws; every chart of a family it lacks says so.
    present = {b.get("family") for b in bsjson.load(PARTIAL)["benchmarks"]}
    lacking = [c.name for c in CHARTS if c.name in SINGLE_CHARTS and not present >= set(c.families)]
    assert lacking, "PARTIAL lacks some family"
    for name in lacking:
        assert not (tmp_path / f"{name}.png").exists(), name
        assert f"{name} chart not drawn" in md, name
        assert re.search(rf"^plot\.py: note: {name} chart not drawn: .+$", result.stderr, re.M), name
    assert "Traceback" not in result.stderr
    assert "needs CAP_SYS_NICE" in md


def test_run_without_any_measurement_fails(tmp_path):
    empty = tmp_path / "empty.json"
    data = json.loads(FULL.read_text(encoding="utf-8"))
    data["benchmarks"] = [b for b in data["benchmarks"] if b.get("error_occurred")]
    empty.write_text(json.dumps(data), encoding="utf-8")
    result = run_plot(empty, "-o", tmp_path / "out")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "no chart could be drawn" in result.stderr.splitlines()[-1]


def test_odd_values_are_read_defensively(tmp_path):
    """Provisional families may change shape: wrong types and missing fields drop points, not the run."""
    data = json.loads(FULL.read_text(encoding="utf-8"))
    for i, b in enumerate(data["benchmarks"]):
        if i % 7 == 0:
            b["params"] = None
        if i % 5 == 1:
            b["real_time"] = "fast"
        if i % 11 == 2:
            b.pop("mechanism", None)
        if b.get("family") == "timeslice" and i % 2:
            b["slice_p90_ns"] = None
    data["benchmarks"].append("not an entry")
    data["summaries"] = {"granularity_breakeven": {"thread_futex": "?"}, "timeslice_observed": [1]}
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(data), encoding="utf-8")
    result = run_plot(odd, "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "failed" not in result.stderr
    assert (tmp_path / "out" / "overhead.png").exists()


def test_help_explains_every_option():
    result = run_plot("--help")
    assert result.returncode == 0
    for option in ("-o DIR", "--trend REGEX", "--whiskers", "--charts LIST", "--dpi", "--traceback"):
        assert option in result.stdout, option


def test_every_chart_module_is_in_the_list_under_its_own_name():
    """A chart is one file in scripts/charts/ and one line in its CHART_MODULES: neither without the other."""
    import charts
    helpers = {"__init__", "common", "rows", "curves", "distribution", "output"}
    modules = {p.stem for p in (SCRIPT.parent / "charts").glob("*.py")} - helpers
    assert modules == set(charts.CHART_MODULES)
    assert [c.name for c in charts.CHARTS] == list(charts.CHART_MODULES)


def test_unresolved_points_are_grey_with_their_interval_and_on_no_line():
    """A point whose interval holds 0 keeps its interval, turns grey and breaks its line, so that a run
    of them does not read as a trend."""
    from charts import curves
    key = ("fcontext_fiber", "one_thread", False, "")
    pts = [(1024.0, common.Point({}, 5.0, 4.0, 6.0)), (4096.0, common.Point({}, -2.0, -9.0, 3.0)),
           (16384.0, common.Point({}, 7.0, 6.0, 8.0))]
    runs = [common.Run("x.json", {"benchmarks": []})]
    plt = common.pyplot()
    fig, ax = common.new_figure(6, 4, "t")
    curves.draw_curves(ax, runs, {(key, 0): pts}, [key], log_y=False, grey_unresolved=True)
    coloured = [line for line in ax.get_lines() if len(line.get_xdata()) == 3]
    assert coloured and math.isnan(coloured[0].get_ydata()[1]), "the line must not pass through it"
    grey = {(x, y) for line in ax.get_lines() if line.get_color() == curves.UNRESOLVED_COLOUR
            for x, y in zip(line.get_xdata(), line.get_ydata())}
    # the marker, and the caps of its whole interval, all grey; nothing else
    assert grey == {(4096.0, -2.0), (4096.0, -9.0), (4096.0, 3.0)}, grey
    plt.close(fig)
