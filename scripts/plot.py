#!/usr/bin/python3
"""Draw bench_switch JSON results as charts (PNG and SVG) with an index.md and index.html.

    scripts/plot.py results/run.json -o charts/
    scripts/plot.py results/*.json -o charts/ --trend 'futex|fiber'

One file: one series per mechanism. Several files: the same charts with one series per file,
labelled from each file's context, plus trend.png over the files ordered by date.
docs/PLOTS.md says what each chart shows; docs/JSON.md what the input holds.
"""
import argparse
import datetime
import html
import io
import math
import os
import re
import statistics
import sys
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bsjson  # noqa: E402  (lives beside this script)
import output_file  # noqa: E402

PROG = "plot.py"
DEFAULT_TREND = r"^(thread_futex|process_pipe|fcontext_fiber)/(same_cpu|one_thread)$"
KIND_ORDER = ("preemptive", "cooperative", "baseline")
PLACEMENT_ORDER = ("same_cpu", "cross_cpu", "unpinned", "one_thread")
KIND_TITLE = {"preemptive": "PREEMPTIVE  (the kernel switches)",
              "cooperative": "COOPERATIVE  (user space switches)",
              "baseline": "BASELINE  (no switch)"}
KIND_COLOUR = {"preemptive": "#c0392b", "cooperative": "#2471a3", "baseline": "#7f8c8d"}
PYTHON_COLOUR = "#8e44ad"
RUN_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#222222", "#e377c2", "#17becf")
CURVE_FAMILIES = ("granularity", "footprint", "ring", "contention", "preemption_cost")
SERIES_COLOURS = RUN_COLOURS + ("#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39",
                               "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363")
RUN_MARKERS = ("o", "s", "^", "v", "P", "X", "<", ">")
RUN_DASHES = ("-", "--", ":", "-.")
RC = {"svg.hashsalt": "bench_switch",   # fixed ids in SVG: same JSON -> same bytes
      "svg.fonttype": "none",          # text stays text: searchable, small
      "font.size": 10, "axes.titlesize": 9.5, "axes.labelsize": 10, "figure.titlesize": 13,
      "axes.grid": True, "grid.alpha": 0.3, "grid.linewidth": 0.6,
      "axes.spines.top": False, "axes.spines.right": False,
      "legend.fontsize": 8.5, "legend.framealpha": 0.9, "xtick.labelsize": 9, "ytick.labelsize": 9}
SAVE_METADATA = {"png": {"Software": None},
                 "svg": {"Date": None, "Creator": "bench_switch scripts/plot.py"}}


class NoData(Exception):
    """A chart that has nothing to draw from these files; the message says why."""


# ---------------------------------------------------------------- reading the JSON, defensively

@dataclass
class Run:
    """One input file."""
    path: str
    data: dict
    label: str = ""

    @property
    def context(self):
        ctx = self.data.get("context")
        return ctx if isinstance(ctx, dict) else {}

    @property
    def bs(self):
        return bsjson.bs_context(self.data)

    @property
    def name(self):
        return os.path.basename(self.path)

    def fact(self, key):
        """A machine fact from bench_switch's context, else Google Benchmark's, else ''."""
        value = self.bs.get(key, self.context.get(key, ""))
        return "" if value is None else str(value)

    def summary(self, key):
        summaries = self.data.get("summaries")
        value = summaries.get(key) if isinstance(summaries, dict) else None
        return value if isinstance(value, dict) else {}

    def entries(self, family):
        """Entries of `family` that measured (no error)."""
        return [b for b in self.data["benchmarks"]
                if b.get("family") == family and not b.get("error_occurred")]


@dataclass
class Point:
    """One benchmark point: its centre value, whiskers, and the entry that names it."""
    entry: dict
    value: float
    lo: float = None
    hi: float = None
    spread: str = ""          # "min-max", "stddev", "ci95" or ""
    median: dict = None       # the median aggregate entry, when there is one
    reps: list = field(default_factory=list)   # the repetitions' entries


def number(value):
    """A finite float, or None for anything else (strings, bools, null, NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def params(entry):
    p = entry.get("params")
    return p if isinstance(p, dict) else {}


def param(entry, key):
    """A parameter from `params`, or a top-level field of that name."""
    value = number(params(entry).get(key))
    return value if value is not None else number(entry.get(key))


def counter(name):
    """A value function reading the user counter `name`."""
    return lambda entry: number(entry.get(name))


def real_time_ns(entry):
    """`real_time` in ns, whatever `time_unit` says."""
    value = number(entry.get("real_time"))
    scale = bsjson.NS_PER_TIME_UNIT.get(entry.get("time_unit", "ns"))
    return None if value is None or scale is None else value * scale


def group_name(entry):
    """The name that ties repetitions and their aggregates together."""
    run_name = entry.get("run_name")
    if isinstance(run_name, str) and run_name:
        return run_name
    name, agg = str(entry.get("name", "")), entry.get("aggregate_name")
    if entry.get("run_type") == "aggregate" and agg and name.endswith("_" + str(agg)):
        return name[:-len(str(agg)) - 1]
    return name


def is_python(entry, run):
    return entry.get("language") == "python" or run.bs.get("language") == "python"


def mechanism(entry):
    return str(entry.get("mechanism") or group_name(entry))


def group_entries(entries):
    """run name -> {"iterations": [...], "aggregates": {name: entry}}, in file order."""
    groups = {}
    for e in entries:
        g = groups.setdefault(group_name(e), {"iterations": [], "aggregates": {}})
        if e.get("run_type") == "aggregate":
            g["aggregates"][str(e.get("aggregate_name"))] = e
        else:
            g["iterations"].append(e)
    return groups


def make_point(group, value, spread):
    """Centre = the median aggregate (or the median of the repetitions); whiskers per `spread`."""
    reps = [v for v in map(value, group["iterations"]) if v is not None]
    median_entry, stddev_entry = group["aggregates"].get("median"), group["aggregates"].get("stddev")
    centre = value(median_entry) if median_entry else None
    if centre is None and reps:
        centre = statistics.median(reps)
    if centre is None:
        return None
    meta = group["iterations"][0] if group["iterations"] else median_entry
    point = Point(meta, centre, median=median_entry, reps=group["iterations"])
    sd = value(stddev_entry) if stddev_entry else None
    if len(reps) >= 2 and (spread == "minmax" or sd is None):
        point.lo, point.hi, point.spread = min(reps), max(reps), "min-max"
    elif sd is not None:
        point.lo, point.hi, point.spread = centre - sd, centre + sd, "stddev"
    return point


def points(run, family, value, spread="minmax"):
    """One Point per benchmark of `family` in `run` that has a value."""
    groups = group_entries(run.entries(family))
    return [p for p in (make_point(g, value, spread) for g in groups.values()) if p is not None]


def spread_note(all_points):
    kinds = {p.spread for p in all_points if p.spread}
    if not kinds:
        return "no whiskers: one repetition per point"
    text = {"min-max": "whiskers: min–max of the repetitions",
            "stddev": "whiskers: median ± stddev",
            "ci95": "whiskers: 95 % intervals, the union over the repetitions"}
    return "; ".join(text[k] for k in sorted(kinds))


def need(runs, family, what=None):
    """Raise NoData unless some run measured `family`."""
    if not any(run.entries(family) for run in runs):
        names = ", ".join(run.name for run in runs)
        raise NoData(f"no measured '{family}' benchmarks in {names}" + (f" ({what})" if what else ""))


# ---------------------------------------------------------------- labels and units

def fmt_ns(ns):
    """3 significant digits in the unit that suits: 1.4 µs, 2.8 ms."""
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_bytes(n):
    for unit, scale in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if abs(n) >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.3g} B"


def fmt_count(n):
    return f"{n:.0f}" if float(n).is_integer() else f"{n:.3g}"


def short_date(date):
    text = str(date or "")
    return text[:16].replace("T", " ") if len(text) >= 16 else text


def parse_date(date):
    try:
        value = datetime.datetime.fromisoformat(str(date))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)


def label_runs(runs):
    """Legend labels: the context facts that tell the files apart (host, CPU, kernel, date)."""
    facts = {"host_name": lambda r: r.fact("host_name"), "cpu_model": lambda r: r.fact("cpu_model"),
             "kernel_release": lambda r: r.fact("kernel_release"),
             "language": lambda r: "python" if r.bs.get("language") == "python" else "",
             "date": lambda r: short_date(r.context.get("date"))}
    if len(runs) == 1:
        runs[0].label = runs[0].fact("host_name") or runs[0].name
        return
    differing = [f for f in facts.values() if len({f(r) for r in runs}) > 1]
    for run in runs:
        parts = [f(run) for f in differing if f(run)]
        run.label = " · ".join(parts) if parts else run.name
    if len({r.label for r in runs}) < len(runs):
        for run in runs:
            run.label = f"{run.label} ({run.name})"


def entry_label(entry, run, with_placement=True, extra=""):
    """mechanism · placement [params] (py)"""
    text = mechanism(entry)
    if with_placement and entry.get("placement"):
        text += f" · {entry['placement']}"
    if extra:
        text += f" {extra}"
    return text + (" (py)" if is_python(entry, run) else "")


def params_text(entry, skip=()):
    return " ".join(f"{k}={fmt_count(v)}" for k, v in sorted(params(entry).items())
                    if k not in skip and number(v) is not None)


# ---------------------------------------------------------------- axes helpers

def pyplot():
    """matplotlib, headless; imported only once the inputs are known to be good (fast errors)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def ticker():
    import matplotlib.ticker
    return matplotlib.ticker


def log_axis(axis, lo, hi, fmt):
    """Log scale with readable labels (fmt) at decades, or at 1-2-5 steps on short ranges."""
    tk = ticker()
    decades = math.log10(hi / lo) if lo > 0 and hi > lo else 0
    subs = (1.0,) if decades > 2.2 else (1.0, 2.0, 5.0) if decades > 0.7 else (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)
    axis.set_major_locator(tk.LogLocator(base=10, subs=subs))
    axis.set_major_formatter(tk.FuncFormatter(lambda v, _: fmt(v)))
    axis.set_minor_formatter(tk.NullFormatter())


def bytes_axis(axis, lo, hi, most=8):
    """Log-2 axis ticked at powers of two, every 1, 2, 5 or 10 (B, KiB, MiB, GiB) doublings."""
    tk = ticker()
    first, last = math.ceil(math.log2(max(lo, 1))), math.floor(math.log2(max(hi, 2)))
    step = next((s for s in (1, 2, 5, 10) if (last - first) / s < most), 10)
    ticks = [2.0 ** e for e in range(first, last + 1) if e % step == 0]
    axis.set_major_locator(tk.FixedLocator(ticks))
    axis.set_major_formatter(tk.FuncFormatter(lambda v, _: fmt_bytes(v)))
    axis.set_minor_locator(tk.NullLocator())


def measured_ticks(axis, values, fmt, most=9):
    """Log-2 axis ticked at the measured x values (thinned to at most `most`)."""
    tk = ticker()
    ticks = sorted({v for v in values if v > 0})
    step = max(1, math.ceil(len(ticks) / most))
    axis.set_major_locator(tk.FixedLocator(ticks[::step]))
    axis.set_major_formatter(tk.FuncFormatter(lambda v, _: fmt(v)))
    axis.set_minor_locator(tk.NullLocator())


def value_limits(values, pad=1.6):
    positive = [v for v in values if v is not None and v > 0]
    if not positive:
        return 0.1, 10.0
    return min(positive) / pad, max(positive) * pad


def wants_log(values, ratio=25.0):
    positive = [v for v in values if v is not None and v > 0]
    return bool(positive) and max(positive) / min(positive) > ratio


def whiskers(pts, log):
    """errorbar's (2, n) array; lows clamped above 0 on a log axis."""
    lows, highs = [], []
    for p in pts:
        lo = p.value if p.lo is None else p.lo
        hi = p.value if p.hi is None else p.hi
        if log and lo <= 0:
            lo = p.value / 10
        lows.append(max(p.value - lo, 0.0))
        highs.append(max(hi - p.value, 0.0))
    return [lows, highs]


def new_figure(width, height, title, subtitle=""):
    fig = pyplot().figure(figsize=(width, height), layout="constrained")
    fig.suptitle(title, fontweight="bold")
    ax = fig.add_subplot()
    if subtitle:
        ax.set_title(subtitle, color="#444444")
    return fig, ax


def legend_outside(ax):
    """Right of the axes for short labels; below the x label for long ones (several files)."""
    place_legend(ax, *ax.get_legend_handles_labels())


def place_legend(ax, handles, labels):
    if not handles:
        return
    longest = max(len(label) for label in labels)
    if longest <= 34:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    else:
        ncol = 1 if longest > 60 else 2
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), borderaxespad=4.3,
                  ncol=ncol)
        fig = ax.figure      # grow the figure by the legend's height so the plot keeps its size
        fig.set_figheight(fig.get_figheight() + 0.6 + 0.21 * math.ceil(len(labels) / ncol))


# ---------------------------------------------------------------- row charts (one row per mechanism)

@dataclass
class Row:
    key: tuple
    label: str
    kind: str
    python: bool
    points: dict = field(default_factory=dict)    # run index -> Point


def collect_rows(runs, family, value, spread, force_placement=False):
    """Rows keyed by mechanism, placement and (where they would collide) params."""
    per_run = [(i, run, points(run, family, value, spread)) for i, run in enumerate(runs)]
    placements = {p.entry.get("placement") for _, _, pts in per_run for p in pts}
    with_placement = force_placement or len(placements) > 1
    names = [(mechanism(p.entry), p.entry.get("placement")) for _, _, pts in per_run for p in pts]
    collide = len(names) != len(set(names)) * max(1, sum(1 for _, _, pts in per_run if pts))
    rows = {}
    for i, run, pts in per_run:
        for p in pts:
            extra = params_text(p.entry) if collide else ""
            key = (mechanism(p.entry), p.entry.get("placement") if with_placement else None, extra,
                   is_python(p.entry, run))
            row = rows.setdefault(key, Row(key, entry_label(p.entry, run, with_placement, extra),
                                           str(p.entry.get("kind") or "other"), is_python(p.entry, run)))
            row.points.setdefault(i, p)
    return list(rows.values())


def layout_rows(rows):
    """[("heading", kind) | ("row", Row)]: kinds in KIND_ORDER, within a kind placements in
    PLACEMENT_ORDER, within a placement most expensive first."""
    kinds = sorted({r.kind for r in rows}, key=lambda k: (KIND_ORDER + (k,)).index(k))
    layout = []
    for kind in kinds:
        members = [r for r in rows if r.kind == kind]
        members.sort(key=lambda r: (placement_rank(r.key[1]), -next(iter(r.points.values())).value))
        layout.append(("heading", kind))
        layout += [("row", r) for r in members]
    return layout


def placement_rank(placement):
    return PLACEMENT_ORDER.index(placement) if placement in PLACEMENT_ORDER else len(PLACEMENT_ORDER)


def row_style(row, run_index, several):
    colour = RUN_COLOURS[run_index % len(RUN_COLOURS)] if several else \
        PYTHON_COLOUR if row.python else KIND_COLOUR.get(row.kind, "#333333")
    return {"color": colour, "marker": "D" if row.python else "o",
            "markerfacecolor": "white" if row.python else colour, "markersize": 7 if row.python else 6.5}


def draw_rows(ax, layout, runs, value_fmt, annotate=None):
    """Markers with whiskers, one row per mechanism, headings per kind; y labels from the data;
    each value printed beside its marker, with `annotate`'s note after it."""
    several = len(runs) > 1
    offset = 0.6 / len(runs) if several else 0.0
    labels, y_of, previous = [], {}, None
    for y, (what, item) in enumerate(layout):
        labels.append(KIND_TITLE.get(item, str(item).upper()) if what == "heading" else item.label)
        if what == "heading":
            ax.axhspan(y - 0.5, y + 0.5, color=KIND_COLOUR.get(item, "#999999"), alpha=0.10, lw=0)
            previous = None
            continue
        if previous is not None and previous != item.key[1]:     # a new placement block
            ax.axhline(y - 0.5, color="#bbbbbb", linewidth=0.8)
        previous = item.key[1]
        y_of[item.key] = y
        present = sorted(item.points)
        for slot, (i, p) in enumerate(sorted(item.points.items())):
            yy = y + (slot - (len(present) - 1) / 2) * offset     # centred on the row's label
            err = whiskers([p], log=True)
            ax.errorbar([p.value], [yy], xerr=err, capsize=3, elinewidth=1.2, linestyle="none",
                        **row_style(item, i, several))
            note, alarm = annotate(p) if annotate else ("", False)
            ax.annotate(f"{value_fmt(p.value)}   {note}".rstrip(), (max(p.value, p.hi or 0), yy),
                        xytext=(8, 0), textcoords="offset points", va="center", fontsize=7.5,
                        color="#c0392b" if alarm else "#444444", fontweight="bold" if alarm else "normal")
    ax.set_yticks(range(len(layout)), labels)
    for tick, (what, item) in zip(ax.get_yticklabels(), layout):
        if what == "heading":
            tick.set_fontweight("bold")
            tick.set_color(KIND_COLOUR.get(item, "#333333"))
    ax.set_ylim(len(layout) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    return y_of


def row_values(layout):
    vals = []
    for what, item in layout:
        if what == "row":
            for p in item.points.values():
                vals += [v for v in (p.value, p.lo, p.hi) if v is not None and v > 0]
    return vals


def rows_legend(ax, runs, layout):
    """Legend: files (several runs) or kinds, plus the Python marker where Python rows exist."""
    from matplotlib.lines import Line2D
    rows = [item for what, item in layout if what == "row"]
    handles = []
    if len(runs) > 1:
        present = {i for r in rows for i in r.points}
        handles += [Line2D([], [], color=RUN_COLOURS[i % len(RUN_COLOURS)], marker="o", linestyle="none",
                           label=run.label) for i, run in enumerate(runs) if i in present]
    if any(r.python for r in rows):
        handles.append(Line2D([], [], color="#333333" if len(runs) > 1 else PYTHON_COLOUR, marker="D",
                              markerfacecolor="white", linestyle="none", label="Python mechanism (py)"))
        if not all(r.python for r in rows):
            handles.append(Line2D([], [], color="#333333", marker="o", linestyle="none", label="C++ mechanism"))
    if handles:     # rows run from dear (top right) to cheap (bottom left): bottom right is free
        ax.legend(handles=handles, loc="lower right")


def rows_height(layout, runs):
    return 1.9 + 0.30 * len(layout) * (1 + 0.25 * (len(runs) - 1))


# ---------------------------------------------------------------- the charts

def chart_overhead(runs, args):
    """ns per one-way switch for every mechanism and placement, grouped by kind."""
    need(runs, "switch")
    rows = collect_rows(runs, "switch", real_time_ns, args.whiskers, force_placement=True)
    layout = layout_rows(rows)
    all_points = [p for r in rows for p in r.points.values()]
    subtitle = (f"median; {spread_note(all_points)}; k = kernel context switches per switch\n"
                "red (!): k is not what the kind promises (preemptive same_cpu ≈ 1, cooperative ≈ 0)")
    fig, ax = new_figure(11, rows_height(layout, runs), "Cost of one switch", subtitle)
    draw_rows(ax, layout, runs, fmt_ns, annotate=kernel_switch_note)
    lo, hi = value_limits(row_values(layout))
    ax.set_xscale("log")
    ax.set_xlim(lo, hi * 12)        # room for the value and k= notes
    log_axis(ax.xaxis, lo, hi, fmt_ns)
    ax.set_xlabel("time of one one-way switch (log scale; further right = slower)")
    rows_legend(ax, runs, layout)
    reading = ("Time of one one-way switch per mechanism and placement on a log scale, preemptive "
               "(kernel) above cooperative (user space) above baselines; further right is slower, "
               f"{spread_note(all_points)}, k= is the kernel's count of context switches per switch "
               "(red where it contradicts the mechanism's kind).")
    return fig, reading


def kernel_switch_note(point):
    """('k=1.02', alarm?) for the overhead chart."""
    k = number(point.entry.get("kernel_switches_per_switch"))
    if k is None:
        return "", False
    kind, placement = point.entry.get("kind"), point.entry.get("placement")
    alarm = (kind in ("cooperative", "baseline") and k > 0.05) or \
            (kind == "preemptive" and placement == "same_cpu" and abs(k - 1.0) > 0.3)
    return f"k={k:.2f}" + ("  (!)" if alarm else ""), alarm


def chart_spawn(runs, args):
    """Creation cost (create, start, finish one task) per mechanism."""
    need(runs, "spawn")
    layout = layout_rows(collect_rows(runs, "spawn", real_time_ns, args.whiskers))
    all_points = [p for what, r in layout if what == "row" for p in r.points.values()]
    fig, ax = new_figure(10, rows_height(layout, runs), "Cost of creating a task",
                         f"create, start and finish one task; median, {spread_note(all_points)}")
    draw_rows(ax, layout, runs, fmt_ns)
    lo, hi = value_limits(row_values(layout))
    ax.set_xscale("log")
    ax.set_xlim(lo, hi * 4)        # room for the values
    log_axis(ax.xaxis, lo, hi, fmt_ns)
    ax.set_xlabel("time to create, start and finish one task (log scale)")
    rows_legend(ax, runs, layout)
    reading = ("Time to create, start and finish one task per mechanism on a log scale "
               "(each grid line is ten times the one before it); further right is dearer.")
    return fig, reading


def chart_memory(runs, args):
    """Resident and virtual memory per task, side by side, same rows."""
    need(runs, "memory")
    rss = collect_rows(runs, "memory", counter("rss_bytes_per_task"), args.whiskers)
    virt = collect_rows(runs, "memory", counter("virtual_bytes_per_task"), args.whiskers)
    if not rss and not virt:
        raise NoData("the 'memory' benchmarks carry no rss_bytes_per_task / virtual_bytes_per_task")
    layout = layout_rows(merge_rows(rss, virt))
    fig = pyplot().figure(figsize=(12, rows_height(layout, runs)), layout="constrained")
    fig.suptitle("Memory per task", fontweight="bold")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, rows, title in ((axes[0], rss, "resident (RSS): memory really used"),
                            (axes[1], virt, "virtual: address space reserved")):
        by_key = {r.key: r for r in rows}
        sub = [(w, by_key.get(item.key, Row(item.key, item.label, item.kind, item.python)))
               if w == "row" else (w, item) for w, item in layout]
        draw_rows(ax, sub, runs, fmt_bytes)
        lo, hi = value_limits(row_values(sub))
        ax.set_xscale("log", base=2)
        ax.set_xlim(lo, hi * 6)        # room for the values
        bytes_axis(ax.xaxis, lo, hi * 6)
        ax.set_title(title, color="#444444")
        ax.set_xlabel("bytes per task (log scale)")
    axes[1].tick_params(axis="y", labelleft=False)
    rows_legend(axes[1], runs, layout)
    reading = ("Bytes per task: resident memory actually touched (left) and virtual address space "
               "reserved, mostly stacks (right), both on log scales.")
    return fig, reading


def merge_rows(first, second):
    rows = {r.key: r for r in second}
    rows.update({r.key: r for r in first})
    return list(rows.values())


# ---------------------------------------------------------------- curve charts (x = a parameter)

def series_key(entry, run, xparam, dash_param=None):
    """A curve: mechanism, placement, language and every parameter except x."""
    other = params_text(entry, skip=(xparam, dash_param))
    return (mechanism(entry), str(entry.get("placement") or ""), is_python(entry, run), other)


def collect_series(runs, family, xparam, value, spread, dash_param=None):
    """{(key, run index): [(x, Point)]} sorted by x, and the key order."""
    series = {}
    for i, run in enumerate(runs):
        for p in points(run, family, value, spread):
            x = param(p.entry, xparam)
            if x is None or x <= 0:
                continue
            key = series_key(p.entry, run, xparam, dash_param)
            series.setdefault((key, i), []).append((x, p))
    for pts in series.values():
        pts.sort(key=lambda xp: xp[0])
    keys = sorted({k for k, _ in series}, key=lambda k: (k[2], k[0], k[1], k[3]))
    return series, keys


def series_label(key, runs, run_index, placements, dash_value=None, dash_names=None):
    mech, placement, python, other = key
    text = mech + (f" · {placement}" if placements > 1 and placement else "")
    text += (f" {other}" if other else "") + (" (py)" if python else "")
    if dash_names and dash_value is not None:
        text += f", {dash_names.get(dash_value, dash_value)}"
    return text + (f" — {runs[run_index].label}" if len(runs) > 1 else "")


def draw_curves(ax, runs, series, keys, log_y, dash_param=None, dash_names=None, label_extra=None):
    """One line per (series, file): colour per series, marker per file, whiskers as error bars."""
    placements = len({k[1] for k in keys})
    colour = series_colours(runs, keys)
    for (key, i), pts in sorted(series.items(), key=lambda kv: (keys.index(kv[0][0]), kv[0][1])):
        for dash_value, sub in split_by(pts, dash_param):
            xs = [x for x, _ in sub]
            ps = [p for _, p in sub]
            style = "--" if dash_value else RUN_DASHES[i % len(RUN_DASHES)] if dash_param is None else "-"
            label = series_label(key, runs, i, placements, dash_value, dash_names)
            if label_extra:
                label += label_extra(key, i)
            hollow = key[2] or bool(dash_value)      # Python, or the dashed half of a split
            ax.errorbar(xs, [p.value for p in ps], yerr=whiskers(ps, log_y), color=colour[key],
                        marker=RUN_MARKERS[i % len(RUN_MARKERS)], markersize=5.5, linestyle=style,
                        linewidth=1.6, capsize=2.5, elinewidth=1, label=label,
                        markerfacecolor="white" if hollow else colour[key])
    return colour


def series_colours(runs, keys):
    """Series key -> colour: a mechanism keeps its colour on every chart of one invocation, unless
    two series of this chart would share one."""
    mechs = sorted({mechanism(b) for run in runs for b in run.data["benchmarks"]
                    if b.get("mechanism") and b.get("family") in CURVE_FAMILIES})
    index = {m: j for j, m in enumerate(mechs)}
    wanted = {k: SERIES_COLOURS[index.get(k[0], len(mechs)) % len(SERIES_COLOURS)] for k in keys}
    if len(set(wanted.values())) == len(keys):
        return wanted
    return {k: SERIES_COLOURS[j % len(SERIES_COLOURS)] for j, k in enumerate(keys)}


def split_by(pts, dash_param):
    """[(value of dash_param, points)] or [(None, points)] when curves are not split."""
    if dash_param is None:
        return [(None, pts)]
    groups = {}
    for x, p in pts:
        groups.setdefault(param(p.entry, dash_param), []).append((x, p))
    return sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))


def finish_curve_axes(ax, series, log_y, x_fmt, y_fmt, x_measured=True):
    xs = [x for pts in series.values() for x, _ in pts]
    ys = [v for pts in series.values() for _, p in pts for v in (p.value, p.lo, p.hi) if v is not None]
    ax.set_xscale("log", base=2 if x_measured else 10)
    if x_measured:
        measured_ticks(ax.xaxis, xs, x_fmt)
    else:
        log_axis(ax.xaxis, min(xs), max(xs), x_fmt)
    if log_y:
        lo, hi = value_limits(ys, pad=1.4)
        ax.set_yscale("log")
        ax.set_ylim(lo, hi)
        log_axis(ax.yaxis, lo, hi, y_fmt)
    else:
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(ticker().FuncFormatter(lambda v, _: y_fmt(v)))


def curve_chart(runs, args, family, xparam, value, title, xlabel, ylabel, x_fmt, y_fmt):
    """The shared body of footprint, ring and preemption."""
    need(runs, family)
    series, keys = collect_series(runs, family, xparam, value, args.whiskers)
    if not series:
        raise NoData(f"the '{family}' benchmarks carry no {xparam} parameter or no value")
    ys = [p.value for pts in series.values() for _, p in pts]
    log_y = wants_log(ys)
    all_points = [p for pts in series.values() for _, p in pts]
    fig, ax = new_figure(10.5, 5.6, title, f"median; {spread_note(all_points)}")
    draw_curves(ax, runs, series, keys, log_y)
    finish_curve_axes(ax, series, log_y, x_fmt, y_fmt)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel + (" (log scale)" if log_y else ""))
    legend_outside(ax)
    return fig, all_points


def with_interval(series, lo_key, hi_key, scale=1.0):
    """Whiskers = the point's interval as the summaries give it: the union of its repetitions' 95 %
    intervals (counters `lo_key`, `hi_key`, times `scale`), in place of the repetitions' spread."""
    for pts in series.values():
        for _, p in pts:
            los = [v for v in (number(r.get(lo_key)) for r in p.reps) if v is not None]
            his = [v for v in (number(r.get(hi_key)) for r in p.reps) if v is not None]
            if los and his:
                p.lo, p.hi, p.spread = min(los) * scale, max(his) * scale, "ci95"


def chart_footprint(runs, args):
    """Net switch cost against S, with its interval, on a symmetric-log axis: a net of zero (or a
    little below, within its interval) is drawn where it is, not dropped as a log axis would."""
    need(runs, "footprint")
    series, keys = collect_series(runs, "footprint", "S_bytes", counter("ns_per_switch_net"), args.whiskers)
    if not series:
        raise NoData("the 'footprint' benchmarks carry no S_bytes parameter or no net")
    with_interval(series, "net_lo_ns", "net_hi_ns")
    fig, ax = new_figure(10.5, 5.6, "Switch cost when each task touches S bytes between switches",
                         "median of the repetitions; whiskers: 95 % intervals of the net, the union over the repetitions")
    draw_curves(ax, runs, series, keys, log_y=False)
    finish_curve_axes(ax, series, False, fmt_bytes, fmt_ns)
    ax.set_yscale("symlog", linthresh=10, linscale=0.5)
    ys = [v for pts in series.values() for _, p in pts for v in (p.value, p.lo, p.hi) if v is not None]
    ax.set_ylim(min(ys + [0]) * 1.3 - 1, max(ys) * 1.5)
    ax.axhline(0, color="#777777", linewidth=0.8)
    ax.yaxis.set_major_formatter(ticker().FuncFormatter(lambda v, _: fmt_ns(v) if v > 0 else "0" if v == 0 else "-" + fmt_ns(-v)))
    ax.set_xlabel("S = bytes each task touches between switches (log scale)")
    ax.set_ylabel("ns per switch beyond the same accesses\nand syscalls with no switch (symmetric log)")
    legend_outside(ax)
    reading = ("What a switch costs beyond the same memory accesses (both tasks' working sets, in "
               "the same order) and the same syscalls done in one task with no switch, against how "
               "much memory each task touches between switches: the switch and the cache refill it "
               "causes. Whiskers are 95 % intervals; a net within its interval of zero is no cost.")
    return fig, reading


def chart_ring(runs, args):
    fig, _ = curve_chart(runs, args, "ring", "N", real_time_ns,
                         "Switch cost in a ring of N tasks passing a token",
                         "N = tasks in the ring (log scale)", "time per token pass (one switch)",
                         fmt_count, fmt_ns)
    reading = ("Time of one token pass (one switch) in a ring of N tasks; a flat line means the "
               "mechanism scales with the number of tasks, a rising one that it does not.")
    return fig, reading


def preemption_points(run):
    """[(K, figure or None, uncertainty)] of one file: the figure is None where it is unresolved."""
    out = []
    for entry in run.entries("preemption_cost"):
        k, se = param(entry, "K"), number(entry.get("ns_direct_uncertainty"))
        if k is None:
            continue
        resolved = number(entry.get("resolved")) == 1
        out.append((k, number(entry.get("ns_direct_per_involuntary_switch")) if resolved else None, se))
    return sorted(out, key=lambda row: row[0])


def chart_preemption(runs, args):
    """The loss per involuntary switch beyond a lone worker's, with its uncertainty; unresolved marked."""
    need(runs, "preemption_cost")
    rows = [preemption_points(run) for run in runs]
    if not any(rows):
        raise NoData("the 'preemption_cost' benchmarks carry no K parameter")
    fig, ax = new_figure(10.5, 5.6, "Work lost per preemption",
                         "beyond what a lone worker loses on that CPU; bars = ± standard error over the triples")
    top = 0.0
    for i, (run, pts) in enumerate(zip(runs, rows)):
        colour, marker = RUN_COLOURS[i % len(RUN_COLOURS)], RUN_MARKERS[i % len(RUN_MARKERS)]
        resolved = [(k, v, se or 0) for k, v, se in pts if v is not None]
        if resolved:
            ax.errorbar([r[0] for r in resolved], [r[1] for r in resolved], yerr=[r[2] for r in resolved],
                        color=colour, marker=marker, capsize=4, linestyle="-", label=run.label)
            top = max(top, max(v + se for _, v, se in resolved))
        # An unresolved figure has no value to draw: its uncertainty is drawn as a hollow bar from
        # zero, the range it could not be told apart from, and labelled.
        for k, _, se in (row for row in pts if row[1] is None):
            height = se if se and math.isfinite(se) else 0
            ax.errorbar([k], [0], yerr=[[0], [height]], color=colour, marker=marker, markerfacecolor="none",
                        capsize=4, linestyle="none")
            ax.annotate("unresolved", (k, height), xytext=(0, 4), textcoords="offset points", ha="center",
                        fontsize=8, color=colour)
            top = max(top, height)
    ax.set_xscale("log", base=2)
    ks = sorted({k for pts in rows for k, _, _ in pts})
    ax.set_xticks(ks, [fmt_count(k) for k in ks])
    ax.set_ylim(0, top * 1.25 if top > 0 else 1)
    ax.yaxis.set_major_formatter(ticker().FuncFormatter(lambda v, _: fmt_ns(v)))
    ax.set_xlabel("K = competitors of one busy task on its CPU (log scale)")
    ax.set_ylabel("CPU time lost per involuntary switch")
    legend_outside(ax)
    reading = ("CPU time each preemption costs a busy task beyond what the machine takes from a lone task "
               "on that CPU anyway (interrupts, the host), against the number K of competitors; a hollow "
               "bar from zero marks a figure that did not rise above its own uncertainty.")
    return fig, reading


def chart_contention(runs, args):
    """Speedup vs N, one lock shared (dashed) vs independent work (solid)."""
    need(runs, "contention")
    series, keys = collect_series(runs, "contention", "N", counter("speedup"), args.whiskers,
                                  dash_param="shared")
    if not series:
        raise NoData("the 'contention' benchmarks carry no N parameter or no speedup counter")
    all_points = [p for pts in series.values() for _, p in pts]
    fig, ax = new_figure(10.5, 5.6, "Speedup with N tasks: one shared lock vs independent work",
                         f"solid: independent work, dashed: one shared lock; {spread_note(all_points)}")
    draw_curves(ax, runs, series, keys, log_y=False, dash_param="shared",
                dash_names={0.0: "independent", 1.0: "shared lock"})
    xs = sorted({x for pts in series.values() for x, _ in pts})
    ax.plot(xs, xs, color="#999999", linestyle=":", linewidth=1.2, label="ideal (speedup = N)", zorder=0)
    finish_curve_axes(ax, series, False, fmt_count, lambda v: f"{v:g}×")
    ax.set_xlabel("N = tasks working at once (log scale)")
    ax.set_ylabel("speedup against N = 1")
    legend_outside(ax)
    reading = ("Throughput with N tasks relative to one task: solid lines do independent work, dashed "
               "ones fight over one lock, the dotted diagonal is perfect scaling; threads can scale, "
               "fibers on one thread cannot.")
    return fig, reading


def chart_granularity(runs, args):
    """Efficiency vs W, break-even points, the OS time slice as a band."""
    need(runs, "granularity")
    series, keys = collect_series(runs, "granularity", "W_ns", efficiency_percent, args.whiskers)
    if not series:
        raise NoData("the 'granularity' benchmarks carry no W_ns parameter or no efficiency counter")
    with_interval(series, "efficiency_lo", "efficiency_hi", scale=100)
    breakeven = {(k, i): breakeven_points(runs[i], k[0], pts) for (k, i), pts in series.items()}
    fig, ax = new_figure(11, 6, "Efficiency against work per switch",
                         "share of time spent on useful work when every W ns of work is followed by a "
                         "switch; ▲ 90 % and ★ 99 % break-even")
    colour = draw_curves(ax, runs, series, keys, log_y=False,
                         label_extra=lambda k, i: breakeven_text(breakeven[(k, i)]))
    draw_breakeven_marks(ax, breakeven, colour)
    for level in (90, 99):
        ax.axhline(level, color="#777777", linestyle=":", linewidth=1)
        ax.annotate(f"{level} %", (0, level), xycoords=("axes fraction", "data"), xytext=(3, -9),
                    textcoords="offset points", fontsize=8, color="#555555")
    draw_timeslice_band(ax, runs)
    draw_timesliced_point(ax, runs)
    finish_curve_axes(ax, series, False, fmt_ns, lambda v: f"{v:.0f} %", x_measured=False)
    top = max([p.value for pts in series.values() for _, p in pts] + [100])
    ax.set_ylim(0, top * 1.02)     # efficiency is not clamped: noise can put it a little over 100 %
    ax.set_xlabel("W = work between two switches (log scale)")
    ax.set_ylabel("efficiency: useful work / elapsed time")
    legend_outside(ax)
    reading = ("Share of time spent on useful work when every W ns of work is followed by a switch; "
               "where a curve crosses 90 % and 99 % (marked, values in the legend) is the smallest "
               "work item that mechanism suits, the grey band is the OS time slice for scale; the "
               "black diamond is two CPU-bound threads the kernel time-slices: the granularity the OS "
               "chooses, and its efficiency.")
    return fig, reading


def draw_timesliced_point(ax, runs):
    """summaries.granularity_timesliced: W = the observed slice, efficiency lost to each preemption."""
    for run in runs:
        point = run.summary("granularity_timesliced")
        w, eff = number(point.get("W_ns")), number(point.get("efficiency"))
        if w and eff is not None:
            ax.plot([w], [eff * 100], marker="D", markersize=8, color="black", linestyle="none", zorder=6,
                    label=f"time-sliced threads (the OS's choice: {fmt_ns(w)}, {eff * 100:.1f} %)")


def efficiency_percent(entry):
    value = number(entry.get("efficiency"))
    return None if value is None else value * 100


def breakeven_points(run, mech, pts):
    """{90: W, 99: W} from summaries.granularity_breakeven, else interpolated on the curve."""
    summary = run.summary("granularity_breakeven").get(mech)
    result = {}
    for level in (90, 99):
        given = summary.get(f"efficiency_{level}_W_ns", "absent") if isinstance(summary, dict) else "absent"
        result[level] = number(given) if given != "absent" else interpolate_crossing(pts, level)
    return result


def interpolate_crossing(pts, level):
    """The W at which the curve first reaches `level` %, linear in log W; None if never."""
    prev = None
    for x, p in pts:
        if p.value >= level:
            if prev is None or prev[1] >= level:
                return x
            (x0, y0), (x1, y1) = prev, (x, p.value)
            return x0 * (x1 / x0) ** ((level - y0) / (y1 - y0))
        prev = (x, p.value)
    return None


def breakeven_text(points_at):
    parts = [f"{level} % at {fmt_ns(w)}" if w else f"{level} % not reached"
             for level, w in sorted(points_at.items())]
    return "  (" + ", ".join(parts) + ")"


def draw_breakeven_marks(ax, breakeven, colour):
    for (key, _), at in breakeven.items():
        for level, marker, size in ((90, "^", 9), (99, "*", 13)):
            if at.get(level):
                ax.plot([at[level]], [level], marker=marker, markersize=size, color=colour[key],
                        markeredgecolor="black", markeredgewidth=0.6, linestyle="none", zorder=5)


def observed_slice(run):
    """(p10, median, p90) of the observed time slice in ns, or None."""
    median = number(run.summary("timeslice_observed").get("slice_median_ns"))
    entries = [p.entry for p in points(run, "timeslice", counter("slice_median_ns"))
               if param(p.entry, "policy") in (None, 0.0)]
    medians = [v for v in map(counter("slice_median_ns"), entries) if v]
    if median is None and medians:
        median = statistics.median(medians)
    if median is None:
        return None
    lows = [v for v in map(counter("slice_p10_ns"), entries) if v]
    highs = [v for v in map(counter("slice_p90_ns"), entries) if v]
    lo = statistics.median(lows) if lows else median / 1.15
    hi = statistics.median(highs) if highs else median * 1.15
    return min(lo, median), median, max(hi, median)


def draw_timeslice_band(ax, runs):
    """Grey band p10-p90 and a line at the median of each file's observed slice."""
    labelled = []
    for run in runs:
        band = observed_slice(run)
        if not band:
            continue
        lo, median, hi = band
        ax.axvspan(lo, hi, color="#888888", alpha=0.15, lw=0, zorder=0)
        ax.axvline(median, color="#666666", linewidth=1, zorder=0)
        if any(abs(math.log(median / m)) < 0.35 for m in labelled):
            continue        # a label would sit on top of another one
        labelled.append(median)
        ax.annotate(f"OS time slice ≈ {fmt_ns(median)}", (median, 4 + 30 * (len(labelled) - 1)), rotation=90,
                    xytext=(-4, 0), textcoords="offset points", ha="right", va="bottom", fontsize=8,
                    color="#444444")


def chart_timeslices(runs, args):
    """Observed run lengths and gaps per K, p10-median-p90, with the kernel's advertised values."""
    need(runs, "timeslice")
    legend_rows = 3 + (len(runs) - 1) * 2          # a legend row under both panels
    fig = pyplot().figure(figsize=(12, 5.8 + 0.2 * legend_rows), layout="constrained")
    fig.suptitle("Time slices the kernel actually gives", fontweight="bold")
    panels = fig.subplot_mosaic([["slice", "gap"], ["legend", "legend"]],
                                height_ratios=[5.4, 0.2 * legend_rows + 0.1])
    axes = [panels["slice"], panels["gap"]]
    drawn = [draw_slice_panel(ax, runs, quantity, title) for ax, quantity, title in (
        (axes[0], "slice", "run length: how long a busy task runs before it is preempted"),
        (axes[1], "gap", "gap: how long it then waits for the CPU"))]
    if not any(drawn):
        raise NoData("the 'timeslice' benchmarks carry no slice_median_ns / gap_median_ns counters")
    values = [v for ax in axes for line in ax.get_lines() for v in line.get_ydata() if v > 0]
    advertised = advertised_values(runs)
    values += list(advertised.values())
    lo, hi = value_limits(values, pad=2)
    for ax in axes:
        ax.set_yscale("log")
        ax.set_ylim(lo, hi)
        log_axis(ax.yaxis, lo, hi, fmt_ns)
        ax.set_xlabel("K = busy tasks sharing one CPU")
        draw_advertised(ax, advertised, labels=ax is axes[1])
    axes[0].set_ylabel("time (log scale); whiskers: p10 – p90")
    combined_legend(axes, panels["legend"], advertised)
    reading = ("How long a busy task really runs before the kernel preempts it (left) and how long it "
               "then waits (right), per number K of busy tasks on one CPU: dot = median, whiskers = "
               "p10 – p90, dashed lines and black dashes = what the kernel's settings advertise, red crosses = "
               "the slice they predict; 'outside' = share of the window in which no busy task ran.")
    return fig, reading


def slice_series(runs, quantity):
    """{(task, policy, run index): [(K, median, p10, p90, advertised)]}"""
    out = {}
    for i, run in enumerate(runs):
        for p in points(run, "timeslice", counter(f"{quantity}_median_ns")):
            k = param(p.entry, "K")
            if k is None:
                continue
            policy = param(p.entry, "policy")
            key = (str(p.entry.get("task") or ""), "SCHED_RR" if policy == 1 else "normal", i)
            out.setdefault(key, []).append((k, p.value, number(p.entry.get(f"{quantity}_p10_ns")),
                                            number(p.entry.get(f"{quantity}_p90_ns")),
                                            number(p.entry.get("advertised_ns")),
                                            number(p.entry.get("predicted_slice_ns")),
                                            number(p.entry.get("outside_share"))))
    return out


def draw_slice_panel(ax, runs, quantity, title):
    series = slice_series(runs, quantity)
    ks = sorted({row[0] for rows in series.values() for row in rows})
    width = 0.7 / max(1, len(series))
    kinds = sorted({key[:2] for key in series})
    for j, (key, rows) in enumerate(sorted(series.items())):
        task, policy, i = key
        colour = RUN_COLOURS[kinds.index(key[:2]) % len(RUN_COLOURS)]
        xs = [ks.index(r[0]) + (j - (len(series) - 1) / 2) * width for r in sorted(rows)]
        rows = sorted(rows)
        err = [[max(r[1] - (r[2] or r[1]), 0) for r in rows], [max((r[3] or r[1]) - r[1], 0) for r in rows]]
        label = " ".join(x for x in (task, policy) if x) + (f" — {runs[i].label}" if len(runs) > 1 else "")
        ax.errorbar(xs, [r[1] for r in rows], yerr=err, color=colour, marker=RUN_MARKERS[i % len(RUN_MARKERS)],
                    linestyle="none", capsize=4, markersize=7, elinewidth=1.4, label=label)
        if quantity == "slice":
            adv = [(x, r[4]) for x, r in zip(xs, rows) if r[4]]
            ax.plot([x for x, _ in adv], [a for _, a in adv], linestyle="none", marker="_", markersize=16,
                    markeredgewidth=2.2, color="black",
                    label="advertised_ns (kernel setting)" if j == 0 else None)
            predicted = [(x, r[5]) for x, r in zip(xs, rows) if r[5]]
            ax.plot([x for x, _ in predicted], [v for _, v in predicted], linestyle="none", marker="x",
                    markersize=9, markeredgewidth=1.8, color="#d62728",
                    label="predicted slice (kernel settings, rule in summaries)" if j == 0 else None)
            for x, r in zip(xs, rows):
                if r[6] is not None:
                    ax.annotate(f"outside\n{r[6] * 100:.1f} %", (x, r[1]), xytext=(0, -22), textcoords="offset points", ha="center",
                                fontsize=7, color="#555555")
    ax.set_xticks(range(len(ks)), [fmt_count(k) for k in ks])
    ax.set_xlim(-0.6, len(ks) - 0.4)
    ax.set_title(title, color="#444444")
    ax.grid(axis="x", visible=False)
    return bool(series)


def advertised_values(runs):
    """name -> ns from summaries.timeslice_observed.advertised (unit from the name's suffix)."""
    out = {}
    for run in runs:
        advertised = run.summary("timeslice_observed").get("advertised")
        for name, value in (advertised.items() if isinstance(advertised, dict) else ()):
            ns = as_ns(name, value)
            if ns:
                out.setdefault(str(name), ns)
    return out


def as_ns(name, value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    scale = next((s for suffix, s in (("_ns", 1), ("_us", 1e3), ("_ms", 1e6), ("_s", 1e9))
                  if str(name).endswith(suffix)), 1)
    return value * scale if value > 0 and math.isfinite(value) else None


def combined_legend(axes, where, advertised):
    """One legend for both panels: the series once each, the advertised markers and lines."""
    from matplotlib.lines import Line2D
    entries = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    if advertised:
        entries["kernel settings (summaries)"] = Line2D([], [], color="#333333", linestyle="--", linewidth=0.9)
    where.axis("off")
    where.legend(list(entries.values()), list(entries.keys()), loc="center", ncol=2, borderaxespad=0)


def draw_advertised(ax, advertised, labels):
    # Settings of equal value share one line and one label, so their names do not print over each other.
    by_value = {}
    for name, ns in advertised.items():
        by_value.setdefault(ns, []).append(name)
    for ns, names in sorted(by_value.items()):
        ax.axhline(ns, color="#333333", linestyle="--", linewidth=0.9, zorder=0)
        if labels:
            ax.annotate(f"{' = '.join(sorted(names))} = {fmt_ns(ns)}", (1, ns), xycoords=("axes fraction", "data"),
                        xytext=(-4, 3), textcoords="offset points", ha="right", va="bottom",
                        fontsize=8, color="#333333")


def trend_keys(runs, pattern, pattern_given):
    """Switch benchmarks to follow: those matching `pattern`, else (default only) one per kind."""
    keys = {}
    for run in runs:
        for p in points(run, "switch", real_time_ns):
            key = f"{mechanism(p.entry)}/{p.entry.get('placement') or ''}"
            if pattern.search(key) or pattern.search(group_name(p.entry)):
                keys.setdefault(key, p.entry.get("kind"))
    if keys or pattern_given:
        return sorted(keys)
    fallback = {}
    for run in runs:
        for p in sorted(points(run, "switch", real_time_ns), key=lambda p: mechanism(p.entry)):
            fallback.setdefault(p.entry.get("kind"), f"{mechanism(p.entry)}/{p.entry.get('placement') or ''}")
    return sorted(fallback.values())


def chart_trend(runs, args):
    """Chosen switch benchmarks across files ordered by date."""
    if len(runs) < 2:
        raise NoData("the trend needs two or more files")
    need(runs, "switch")
    keys = trend_keys(runs, re.compile(args.trend or DEFAULT_TREND), args.trend is not None)
    if not keys:
        raise NoData(f"no switch benchmark matches --trend {args.trend!r}")
    ordered = sorted(runs, key=run_order)
    fig, ax = new_figure(11, 5.8, "Switch cost over time", "files ordered by context.date; median, "
                         "whiskers as in the cost chart")
    values = []
    for j, key in enumerate(keys):
        xs, pts, python = trend_series(ordered, key, args.whiskers)
        values += [v for p in pts for v in (p.value, p.lo, p.hi) if v]
        ax.errorbar(xs, [p.value for p in pts], yerr=whiskers(pts, True), marker="D" if python else "o",
                    markerfacecolor="white" if python else None, capsize=3, linewidth=1.6,
                    color=RUN_COLOURS[j % len(RUN_COLOURS)],
                    label=key.replace("/", " · ") + (" (py)" if python else ""))
    lo, hi = value_limits(values)
    ax.set_yscale("log")
    ax.set_ylim(lo, hi)
    log_axis(ax.yaxis, lo, hi, fmt_ns)
    ax.set_xticks(range(len(ordered)), [trend_tick(r) for r in ordered], fontsize=8)
    ax.set_xlim(-0.5, len(ordered) - 0.5)
    ax.set_ylabel("time of one one-way switch (log scale)")
    legend_outside(ax)
    reading = ("The chosen switch benchmarks (--trend) in each file, oldest file left: a step up is a "
               "regression or a different machine/kernel (named under each point).")
    return fig, reading


def trend_series(ordered, key, spread):
    """x positions (file index), Points, and whether the benchmark is a Python one, for one key."""
    xs, pts, python = [], [], False
    for x, run in enumerate(ordered):
        found = [p for p in points(run, "switch", real_time_ns, spread)
                 if f"{mechanism(p.entry)}/{p.entry.get('placement') or ''}" == key]
        if found:
            xs.append(x)
            pts.append(found[0])
            python = python or is_python(found[0].entry, run)
    return xs, pts, python


def run_order(run):
    date = parse_date(run.context.get("date"))
    return (date is None, date.timestamp() if date else 0, run.name)


def trend_tick(run):
    language = "python" if run.bs.get("language") == "python" else ""
    return "\n".join(x for x in (short_date(run.context.get("date")), run.fact("host_name"),
                                 run.fact("kernel_release"), language) if x)


@dataclass
class Chart:
    name: str
    title: str
    draw: object


CHARTS = (Chart("overhead", "Cost of one switch", chart_overhead),
          Chart("granularity", "Efficiency against work per switch", chart_granularity),
          Chart("timeslices", "Time slices the kernel actually gives", chart_timeslices),
          Chart("preemption", "Work lost per preemption", chart_preemption),
          Chart("footprint", "Switch cost against memory touched", chart_footprint),
          Chart("ring", "Switch cost in a ring of N tasks", chart_ring),
          Chart("spawn", "Cost of creating a task", chart_spawn),
          Chart("memory", "Memory per task", chart_memory),
          Chart("contention", "Speedup: shared lock vs independent work", chart_contention),
          Chart("trend", "Switch cost over time", chart_trend))


# ---------------------------------------------------------------- output

def save_figure(fig, folder, name, dpi):
    """PNG and SVG without dates or random ids, each written whole (temp file, then rename)."""
    for fmt in ("png", "svg"):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=SAVE_METADATA[fmt])
        output_file.write_output(os.path.join(folder, f"{name}.{fmt}"), buf.getvalue())


def remove_stale(folder, name):
    """A chart left by an earlier run in this folder would sit beside an index that no longer lists it."""
    for fmt in ("png", "svg"):
        try:
            os.remove(os.path.join(folder, f"{name}.{fmt}"))
        except FileNotFoundError:
            pass


def machine_rows(runs):
    return [(run.name, run.fact("host_name"), run.fact("cpu_model"), run.fact("kernel_release"),
             str(run.context.get("date", "")), run.fact("git_revision"), run.fact("language"))
            for run in runs]


MACHINE_HEADER = ("file", "host", "CPU", "kernel", "date", "git revision", "language")


def measured_notes(runs):
    """Lines about benchmarks that were skipped or failed (once per benchmark), and families no
    chart draws."""
    charted = set(CURVE_FAMILIES) | {"switch", "timeslice", "spawn", "memory"}
    families = sorted({str(b["family"]) for run in runs for b in run.data["benchmarks"] if b.get("family")}
                      - charted)
    lines = [f"{family} benchmarks are in the input but no chart draws them" for family in families]
    for run in runs:
        for b in run.data["benchmarks"]:
            if bsjson.is_skipped(b) or bsjson.is_failed(b):
                what = "skipped" if bsjson.is_skipped(b) else "FAILED"
                message = str(b.get("error_message", "")).removeprefix("skipped:").strip()
                lines.append(f"{run.name}: {group_name(b)} {what}: {message}")
    return list(dict.fromkeys(lines))


def md_cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def index_markdown(runs, drawn, notes):
    lines = ["# bench_switch charts", "", "## Machines", "",
             "| " + " | ".join(MACHINE_HEADER) + " |", "|" + "---|" * len(MACHINE_HEADER)]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in machine_rows(runs)]
    lines += ["", "## Charts", ""]
    for chart, reading in drawn:
        lines += [f"### {chart.title}", "", f"![{chart.title}]({chart.name}.png)", "",
                  f"{reading} ([SVG]({chart.name}.svg))", ""]
    if notes:
        lines += ["## Notes", ""] + [f"- {md_cell(n)}" for n in notes] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


HTML_STYLE = ("body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
              "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;padding:3px 8px;"
              "text-align:left}img{max-width:100%;border:1px solid #eee}figure{margin:2em 0}"
              "figcaption{margin-top:.4em}li{margin:.2em 0}")


def index_html(runs, drawn, notes):
    esc = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>bench_switch charts</title>", f"<style>{HTML_STYLE}</style></head><body>",
             "<h1>bench_switch charts</h1>", "<h2>Machines</h2>", "<table>",
             "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in MACHINE_HEADER) + "</tr>"]
    parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in machine_rows(runs)]
    parts += ["</table>", "<h2>Charts</h2>"]
    for chart, reading in drawn:
        parts += [f'<figure id="{chart.name}"><h3>{esc(chart.title)}</h3>',
                  f'<a href="{chart.name}.svg"><img src="{chart.name}.png" alt="{esc(chart.title)}"></a>',
                  f"<figcaption>{esc(reading)}</figcaption></figure>"]
    if notes:
        parts += ["<h2>Notes</h2>", "<ul>"] + [f"<li>{esc(n)}</li>" for n in notes] + ["</ul>"]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------- command line

def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog=PROG, description="Draw bench_switch JSON results as PNG and SVG charts, with an index.md "
        "and index.html that say how to read each chart. See docs/PLOTS.md.")
    parser.add_argument("json", nargs="+", metavar="JSON",
                        help="bench_switch result file(s). Several files: one series per file, labelled "
                        "from its context (host, CPU, kernel, date), and a trend chart across them.")
    parser.add_argument("-o", "--out", default="charts", metavar="DIR",
                        help="folder for the charts and index files, created if missing (default: ./charts)")
    parser.add_argument("--trend", metavar="REGEX", default=None,
                        help="switch benchmarks to follow in trend.png (several files only), matched "
                        "against 'mechanism/placement' (e.g. 'thread_futex/same_cpu') and the benchmark's "
                        f"name (default: {DEFAULT_TREND})")
    parser.add_argument("--whiskers", choices=("minmax", "stddev"), default="minmax",
                        help="whisker extent: 'minmax' = lowest to highest repetition (default), 'stddev' "
                        "= median ± the stddev aggregate; each falls back to the other when its data is "
                        "missing, and every chart says which it shows")
    parser.add_argument("--charts", metavar="LIST", default=None,
                        help="comma-separated charts to draw (default: all): " + ", ".join(c.name for c in CHARTS))
    parser.add_argument("--dpi", type=int, default=120, help="PNG resolution in dots per inch (default: 120)")
    parser.add_argument("--traceback", action="store_true",
                        help="on an unexpected error inside a chart, show the Python traceback (for debugging)")
    return parser.parse_args(argv)


def load_runs(paths):
    runs = []
    for path in paths:
        data = bsjson.load(path)
        data["benchmarks"] = [b for b in data["benchmarks"] if isinstance(b, dict)]
        runs.append(Run(path, data))
    label_runs(runs)
    return runs


def chosen_charts(spec):
    if spec is None:
        return list(CHARTS)
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in {c.name for c in CHARTS}]
    if unknown:
        raise bsjson.BadInput(f"unknown chart(s) {', '.join(unknown)}; known: "
                              + ", ".join(c.name for c in CHARTS))
    return [c for c in CHARTS if c.name in names]


def prepare(args):
    """Everything that can fail on the user's input, before any drawing. Raises BadInput."""
    runs = load_runs(args.json)
    charts = chosen_charts(args.charts)
    if args.trend is not None:
        try:
            re.compile(args.trend)
        except re.error as e:
            raise bsjson.BadInput(f"--trend {args.trend!r}: not a regular expression ({e})") from None
    if args.dpi < 10 or args.dpi > 1200:
        raise bsjson.BadInput(f"--dpi {args.dpi}: choose between 10 and 1200")
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        raise bsjson.BadInput(f"{args.out}: cannot create the output folder ({e.strerror})") from None
    if not os.access(args.out, os.W_OK):
        raise bsjson.BadInput(f"{args.out}: output folder is not writable")
    return runs, charts


def draw_all(runs, charts, args):
    """Draw each chart; returns (drawn [(Chart, reading)], notes, failed?)."""
    plt = pyplot()
    drawn, notes, failed = [], [], False
    with plt.rc_context(RC):
        for chart in charts:
            try:
                fig, reading = chart.draw(runs, args)
            except NoData as e:
                remove_stale(args.out, chart.name)
                if chart.name != "trend" or len(runs) > 1:
                    notes.append(f"{chart.name} chart not drawn: {e}")
                    print(f"{PROG}: note: {notes[-1]}", file=sys.stderr)
                continue
            except Exception as e:   # a bug or data we did not foresee: say so in one line
                if args.traceback:
                    raise
                failed = True
                print(f"{PROG}: error: {chart.name} chart failed ({type(e).__name__}: {e}); "
                      "rerun with --traceback for details", file=sys.stderr)
                continue
            try:
                save_figure(fig, args.out, chart.name, args.dpi)
            finally:
                plt.close(fig)
            drawn.append((chart, reading))
    return drawn, notes, failed


def main(argv=None):
    args = parse_args(argv)
    try:
        runs, charts = prepare(args)
        drawn, notes, failed = draw_all(runs, charts, args)
        notes += measured_notes(runs)
        output_file.write_output(os.path.join(args.out, "index.md"), index_markdown(runs, drawn, notes))
        output_file.write_output(os.path.join(args.out, "index.html"), index_html(runs, drawn, notes))
    except bsjson.BadInput as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"{PROG}: error: cannot write to {args.out} ({e.strerror or e})", file=sys.stderr)
        return 1
    if not drawn:
        print(f"{PROG}: error: no chart could be drawn from {', '.join(r.name for r in runs)}",
              file=sys.stderr)
        return 1
    print(f"{PROG}: wrote {len(drawn)} chart(s), index.md and index.html to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
