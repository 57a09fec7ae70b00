"""Tests of the latency and core-to-core charts (scripts/charts/): latency distributions per placement, the
cooperative batch means, the p99 beside the overhead rows, the c2c heatmaps and their CSV, on the
fixtures latency.json (4 CPUs) and c2c_2x2.json written by fixtures/plot/make_fixtures.py.

Each chart is drawn as a user draws it (plot.py in a subprocess) and read back from its SVG text and
the files written; the pieces that decide what is drawn (merging, ordering, CSV) are also called
directly. Nothing here depends on how fast the machine is.
"""
import html
import json
import re

import pytest

import plot
from charts import common, distribution, rows
from test_plot import FIXTURES, FULL, draw_into, run_plot, svg_text

LATENCY, C2C_SMALL = FIXTURES / "latency.json", FIXTURES / "c2c_2x2.json"
NEW_CHARTS = ("latency_same_cpu", "latency_smt_sibling", "latency_cross_cpu", "latency_unpinned",
              "batch_means", "c2c_spin", "c2c_futex")


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    return draw_into(tmp_path_factory, "latency", LATENCY)


def load(path):
    (run,) = plot.load_runs([str(path)])
    return run


def test_every_new_chart_is_drawn_in_order_of_distance(drawn):
    out, result = drawn
    for name in NEW_CHARTS:
        assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert "<svg" in (out / f"{name}.svg").read_text(encoding="utf-8"), name
    md = (out / "index.md").read_text(encoding="utf-8")
    positions = [md.index(f"({name}.png)") for name in NEW_CHARTS]
    assert positions == sorted(positions), "placements by distance, then batch means, then c2c"
    assert "Traceback" not in result.stderr and "latency chart" not in result.stderr


def test_latency_charts_say_what_was_timed_and_mark_p50_p99(drawn):
    out, _ = drawn
    text = svg_text(out / "latency_cross_cpu.svg")
    assert "One-way handoff latency, cross_cpu" in text
    assert "one handoff, from the waker's stamp" in text and "clock tsc" in text
    assert "over 8 stamped batches of 32–25000 handoffs" in text, "the counts, as a range"
    assert "p50 (●)" in text and "p99 (▼)" in text
    assert re.search(r"thread_futex — p50 [\d.]+ µs, p99 [\d.]+ µs, p99\.9 [\d.]+ µs, \d+ samples", text)
    assert re.search(r"process_pipe — p50 [\d.]+ µs, p99 [\d.]+ µs, 76\d samples", text), "no p99.9 of 766"
    assert "thread_asio" not in text                      # a same_cpu row only
    assert "thread_asio" in svg_text(out / "latency_same_cpu.svg")


def test_batch_means_are_labelled_as_such(drawn):
    out, _ = drawn
    text = svg_text(out / "batch_means.svg")
    assert "Per-batch mean switch time" in text and "NOT single switches" in text
    assert re.search(r"asio_coroutine — p50 [\d.]+ ns, p99 [\d.]+ ns, p99\.9 [\d.]+ ns, 12000 batches", text)
    assert "py_asyncio" not in text                       # Python rows carry no histogram
    assert "thread_futex" not in text                     # one-way samples are not batch means


def test_histograms_of_the_repetitions_are_summed_per_bucket():
    reps = [{"latency": {"histogram": [[1, 2, 3], [2, 4, 1]]}},
            {"latency": {"histogram": [[1, 2, 2], [4, 8, 5], [8, 4, 1], ["x", 9, 1], [9, 10, 0]]}},
            {"latency": "not an object"}]
    assert distribution.merge_histograms(reps) == [(1, 2, 5), (2, 4, 1), (4, 8, 5)]


def test_distributions_merge_the_repetitions_not_the_aggregates():
    run = load(LATENCY)
    data = run.data
    # An aggregate that also carried the field must not be counted on top of the repetitions.
    median = next(b for b in data["benchmarks"] if b.get("aggregate_name") == "median"
                  and b["mechanism"] == "thread_futex" and b["placement"] == "unpinned")
    reps = [b for b in data["benchmarks"] if b.get("run_type") == "iteration"
            and b.get("run_name") == median["run_name"]]
    median["latency"] = reps[0]["latency"]
    (d,) = [d for d in distribution.distributions([run], "switch", "one_way_sample")
            if d.entry["placement"] == "unpinned"]
    assert d.samples == sum(c for r in reps for _, _, c in r["latency"]["histogram"])
    assert d.percentiles[0.99] == distribution.quantile(distribution.merge_histograms(reps), 0.99)


def test_the_density_keeps_both_modes_of_unpinned():
    (d,) = [d for d in distribution.distributions([load(LATENCY)], "switch", "one_way_sample")
            if d.entry["placement"] == "unpinned"]
    _, ys = distribution.density_line(d.buckets)
    heights = [y for i, y in enumerate(ys) if i % 2 == 1]        # one value per bucket step
    peaks = [i for i in range(1, len(heights) - 1) if heights[i - 1] < heights[i] >= heights[i + 1]]
    assert len(peaks) == 2, heights
    dip = min(heights[peaks[0]:peaks[1]])
    assert dip < 0.1 * min(heights[p] for p in peaks)


def test_overhead_draws_p99_beside_rows_that_have_it(drawn, tmp_path):
    out, _ = drawn
    text = svg_text(out / "overhead.svg")
    assert "p99 of the latency samples" in text
    assert re.search(r"1\.45 µs   p99 [\d.]+ µs   k=1\.00", text)     # thread_futex same_cpu
    assert re.search(r"95 ns   k=0\.00", text)                          # py_generator: no p99
    result = run_plot(FULL, "-o", tmp_path, "--charts", "overhead")
    assert result.returncode == 0 and "p99" not in svg_text(tmp_path / "overhead.svg")


def test_overhead_orders_placements_by_distance_and_puts_asio_beside_asyncio():
    runs = [load(LATENCY)]
    layout = rows.layout_rows(rows.collect_rows(runs, "switch", common.real_time_ns, "minmax", force_placement=True),
                              runs)
    labels = [item.label for what, item in layout if what == "row"]
    placements = [label.split(" · ")[1].split()[0] for label in labels if "one_thread" not in label]
    assert placements == sorted(placements, key=common.placement_rank(runs))
    assert placements.index("smt_sibling") > placements.index("same_cpu")
    coop = [label for label in labels if "one_thread" in label]
    event_loops = [i for i, label in enumerate(coop) if re.search(r"(^|_)(asio|asyncio)_", label)]
    assert len(event_loops) == 3 and event_loops == list(range(event_loops[0], event_loops[0] + 3)), coop
    # Everything else stays most expensive first.
    assert coop[event_loops[-1] + 1:] == ["py_generator · one_thread (py)", "fcontext_fiber · one_thread",
                                          "coroutine · one_thread"]


def test_c2c_heatmaps_label_cpus_mark_groups_and_say_the_unit(drawn):
    out, _ = drawn
    text = svg_text(out / "c2c_spin.svg")
    assert "Core-to-core handoff latency, spin" in text
    assert "ns per one-way handoff" in text and "hatched: not measured" in text
    assert "5 of 6 pairs measured (sampled)" in text
    assert "partner CPU (OS number)" in text and "measuring CPU (OS number)" in text
    for value in ("21.5", "52.1", "130", "128"):
        assert value in text.splitlines(), value
    assert "20.4–23.2" in text.splitlines()                # the pair's interval, under its value
    assert "boundary between cores" in text and "boundary between NUMA nodes" in text
    assert "9120" in svg_text(out / "c2c_futex.svg").splitlines()


def test_c2c_csv_4x4_with_nulls(drawn):
    out, _ = drawn
    assert (out / "c2c_spin.csv").read_text() == ("cpu,0,2,1,3\n"
                                                  "0,,21.5,52.1,130.0\n"
                                                  "2,21.9,,51.7,128.4\n"
                                                  "1,52.4,51.0,,\n"
                                                  "3,131.2,127.9,,\n")
    assert (out / "c2c_futex.csv").read_text().splitlines()[3] == "1,3920.0,3880.0,1410.0,"
    assert "[CSV](c2c_spin.csv)" in (out / "index.md").read_text(encoding="utf-8")
    assert 'href="c2c_spin.csv"' in (out / "index.html").read_text(encoding="utf-8")


def test_c2c_csv_2x2(tmp_path):
    result = run_plot(C2C_SMALL, "-o", tmp_path, "--charts", "c2c,latency,batch_means")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "c2c_spin.csv").read_text() == "cpu,0,1\n0,,52.1\n1,51.9,\n"
    assert (tmp_path / "c2c_futex.csv").read_text() == "cpu,0,1\n0,1401.5,3900.25\n1,3899.0,1398.0\n"
    assert not list(tmp_path.glob("latency_*")) and not (tmp_path / "batch_means.png").exists()


def test_new_charts_are_absent_without_their_data_and_stale_ones_go(tmp_path):
    for name in ("latency_cross_cpu.png", "latency_isolated.svg", "c2c_spin.csv", "batch_means.png"):
        (tmp_path / name).write_bytes(b"left by an earlier run")
    (tmp_path / "c2c_notes.txt").write_text("not ours")
    result = run_plot(FULL, "-o", tmp_path, "--charts", "overhead,latency,batch_means,c2c")
    assert result.returncode == 0, result.stderr
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(("latency_", "batch_", "c2c_"))
                and p.name != "c2c_notes.txt"]
    assert (tmp_path / "c2c_notes.txt").exists()
    md = (tmp_path / "index.md").read_text(encoding="utf-8")
    assert "latency" not in md and "c2c" not in md and "batch" not in md
    assert "latency" not in result.stderr and "c2c" not in result.stderr


def test_a_placement_no_longer_present_is_removed(tmp_path):
    assert run_plot(LATENCY, "-o", tmp_path, "--charts", "latency").returncode == 0
    data = json.loads(LATENCY.read_text(encoding="utf-8"))
    data["benchmarks"] = [b for b in data["benchmarks"] if b.get("placement") != "smt_sibling"]
    fewer = tmp_path / "fewer.json"
    fewer.write_text(json.dumps(data), encoding="utf-8")
    assert run_plot(fewer, "-o", tmp_path, "--charts", "latency").returncode == 0
    assert not (tmp_path / "latency_smt_sibling.png").exists()
    assert (tmp_path / "latency_same_cpu.png").exists()


@pytest.mark.parametrize("c2c", [
    {"cpus": "all", "carriers": {}},
    {"cpus": [{"cpu": 0}, {"cpu": 1}], "carriers": {"spin": {"median_ns": [[None, 5]]}}},
    {"cpus": [{"cpu": 0}, {"cpu": 1}], "carriers": {"spin": {"median_ns": [[None, None], [None, None]]}}},
])
def test_a_malformed_c2c_is_a_note_not_a_failure(tmp_path, c2c):
    data = json.loads(C2C_SMALL.read_text(encoding="utf-8"))
    data["summaries"]["c2c"] = c2c
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(data), encoding="utf-8")
    result = run_plot(odd, "-o", tmp_path / "out", "--charts", "overhead,c2c")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^plot\.py: note: c2c chart not drawn: odd\.json: summaries\.c2c", result.stderr, re.M)
    assert "Traceback" not in result.stderr and not list((tmp_path / "out").glob("c2c_*"))


def test_odd_latency_fields_drop_lines_not_the_run(tmp_path):
    data = json.loads(LATENCY.read_text(encoding="utf-8"))
    for i, b in enumerate(data["benchmarks"]):
        if "latency" in b and i % 3 == 0:
            b["latency"] = {"kind": "one_way_sample", "histogram": "none"}
        elif "latency" in b and i % 3 == 1:
            b["latency"]["histogram"] = [[5, 1, 3], [None, 2, 1]]
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(data), encoding="utf-8")
    result = run_plot(odd, "-o", tmp_path / "out", "--charts", "overhead,latency,batch_means")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "failed" not in result.stderr


def test_several_files_one_line_per_file_and_one_heatmap_each(tmp_path):
    result = run_plot(LATENCY, C2C_SMALL, "-o", tmp_path, "--charts", "c2c")
    assert result.returncode == 0, result.stderr
    assert {p.name for p in tmp_path.glob("c2c_*.csv")} == {"c2c_spin_1.csv", "c2c_futex_1.csv",
                                                            "c2c_spin_2.csv", "c2c_futex_2.csv"}
    assert "— delta" in svg_text(tmp_path / "c2c_spin_1.svg")


# ---- every mark agrees with the data it sits on; no placeholders; every family accounted for; the
# index opens with the answer

def share_above(buckets, value):
    """(lowest, highest) share of the samples that can lie above `value`, from whole buckets."""
    total = sum(c for _, _, c in buckets)
    surely = sum(c for lo, _, c in buckets if lo >= value)
    maybe = sum(c for _, hi, c in buckets if hi > value)
    return surely / total, maybe / total


def test_percentile_marks_come_from_the_pooled_samples_of_their_line():
    """Each ● ▼ ◆ sits where its own line (every repetition's samples pooled) crosses its share, and is
    drawn only where at least SAMPLES_BEYOND samples lie beyond it."""
    dists = distribution.distributions([load(LATENCY)], "switch", "one_way_sample") + \
        distribution.distributions([load(LATENCY)], "switch", "batch_mean")
    skipped = 0
    for d in dists:
        for q, _, name in distribution.MARKED:
            if q not in d.percentiles:
                assert d.samples * (1 - q) < distribution.SAMPLES_BEYOND, (mechanism_of(d), name)
                skipped += 1
                continue
            low, high = share_above(d.buckets, d.percentiles[q])
            assert low <= 1 - q <= high, (mechanism_of(d), name, d.percentiles[q], low, high)
    assert skipped, "the fixture holds a line too short for a p99.9"


def mechanism_of(d):
    return f"{d.entry['mechanism']} · {d.entry['placement']}"


def test_overhead_p99_is_the_latency_charts_p99(drawn):
    """The ▼ beside a row of the cost chart is the p99 of the same pooled samples as its latency line."""
    out, _ = drawn
    text = svg_text(out / "overhead.svg")
    for d in distribution.distributions([load(LATENCY)], "switch", "one_way_sample"):
        if 0.99 in d.percentiles:
            assert f"p99 {common.fmt_ns(d.percentiles[0.99])}" in text, mechanism_of(d)


def test_an_unsupported_percentile_is_not_drawn_and_the_chart_says_so(drawn):
    out, _ = drawn
    text = svg_text(out / "latency_cross_cpu.svg")
    assert "p99.9 not marked for 1 of 2 lines: under 5000 samples" in text.replace("\n", " ")


def test_no_placeholder_in_any_title_and_the_machine_in_every_one(drawn):
    """A subtitle says the counts it stands for; an "N" is only ever a quantity with its value or
    meaning beside it ("N = tasks ...")."""
    out, _ = drawn
    svgs = sorted(out.glob("*.svg"))
    assert len(svgs) >= len(NEW_CHARTS)
    for svg in svgs:
        text = svg_text(svg)
        assert not re.search(r"\bN\b(?!\s*=)", text), (svg.name, re.findall(r".{30}\bN\b(?!\s*=).{30}", text))
        assert "Example 9000, 8 CPUs" in text, (svg.name, "the machine is named in the title")


def test_every_family_of_the_input_is_charted_or_named_with_its_reason(drawn):
    out, _ = drawn
    md = (out / "index.md").read_text(encoding="utf-8")
    notes = md[md.index("## Notes"):]
    families = {b.get("family") for b in load(LATENCY).data["benchmarks"]} - {None}
    assert {"switch", "c2c", "fpenv"} <= families
    assert re.search(r"^- fpenv \(1 entries\): no chart draws this family", notes, re.M)
    for family in families - {"fpenv"}:
        assert not re.search(rf"^- {family} \(", notes, re.M), f"{family} is charted, yet named as not"
    assert "c2c benchmarks are in the input but no chart draws them" not in md


def test_the_index_opens_with_the_findings_then_the_contents(drawn):
    out, _ = drawn
    findings = [f["text"] for f in load(LATENCY).data["summaries"]["findings"]]
    page = (out / "index.html").read_text(encoding="utf-8")
    body = page[page.index("<body>"):]
    first_image = body.index("<img")
    for text in findings:
        assert html.escape(text) in body[:first_image], text
    assert body.index("Findings") < body.index("Contents") < first_image
    assert "(unresolved)" in body[:first_image]
    md = (out / "index.md").read_text(encoding="utf-8")
    assert md.index("## Findings") < md.index("## Contents") < md.index("![")
    assert all(text in md[:md.index("![")] for text in findings)


def test_file_colours_are_not_kind_colours():
    kind = {c.lower() for c in common.KIND_COLOUR.values()} | {"#d62728", "#1f77b4", "#c0392b", "#2471a3"}
    assert not kind & {c.lower() for c in common.RUN_COLOURS}
