"""What every chart shares: reading bench_switch JSON defensively (Run, Point, the medians and
whiskers of a benchmark), labels and units, and the axes, figure and legend helpers.

A chart module (one per chart, listed in charts/__init__.py) imports what it needs from here, and from
rows.py (one row per mechanism) or curves.py (x = a parameter) when it has one of those shapes.
"""
import datetime
import functools
import math
import os
import statistics
from dataclasses import dataclass, field

import bsjson
from units import fmt_ns  # noqa: F401  (for the chart modules: one time formatter for all of scripts/)
import catalogue

KIND_ORDER = ("preemptive", "cooperative", "goroutine", "baseline")
KIND_TITLE = {"preemptive": "PREEMPTIVE  (the kernel switches)",
              "cooperative": "COOPERATIVE  (user space switches)",
              "goroutine": "GOROUTINES  (user space, M:N: Go's scheduler switches)",
              "baseline": "BASELINE  (no switch)"}
KIND_COLOUR = {"preemptive": "#c0392b", "cooperative": "#2471a3", "goroutine": "#00add8", "baseline": "#7f8c8d"}
PYTHON_COLOUR = "#8e44ad"
# One colour per input file: none of them red, blue, Go's cyan or grey, which say preemptive,
# cooperative, goroutine and baseline on the same charts.
RUN_COLOURS = ("#e67e22", "#1e8449", "#222222", "#b7950b", "#e377c2", "#6e2c00", "#17a589", "#7d3c98")
SERIES_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#222222", "#e377c2", "#17becf",
                  "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39",
                               "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363")
RUN_MARKERS = ("o", "s", "^", "v", "P", "X", "<", ">")
RUN_DASHES = ("-", "--", ":", "-.")
RC = {"svg.hashsalt": "bench_switch",   # fixed ids in SVG: same JSON -> same bytes
      "svg.fonttype": "none",          # text stays text: searchable, small
      "font.size": 10, "axes.titlesize": 9.5, "axes.labelsize": 10, "figure.titlesize": 13,
      "axes.grid": True, "grid.alpha": 0.3, "grid.linewidth": 0.6,
      "axes.spines.top": False, "axes.spines.right": False,
      "legend.fontsize": 8.5, "legend.framealpha": 0.9, "xtick.labelsize": 9, "ytick.labelsize": 9}


class NoData(Exception):
    """A chart that has nothing to draw from these files; the message says why. `quiet`: the files
    do not carry this kind of data at all (one file for a trend, a run without latency histograms),
    so its absence is no news and is not noted."""

    def __init__(self, message, quiet=False):
        super().__init__(message)
        self.quiet = quiet


@dataclass
class Chart:
    """One entry of the list in charts/__init__.py. `draw(runs, args)` returns (figure, reading), or,
    when `several` (one figure per placement, per carrier), a list of Drawing named `<name>_<what>`.
    `families`: the family it draws first, then any it takes a reference from; declared once, as the
    module's one-line FAMILIES, which bench_switch's catalogue reads too (the charts each family
    feeds). `curves`: x is a parameter, and a mechanism keeps its colour across such charts."""
    name: str
    title: str
    draw: object
    several: bool = False
    families: tuple = ()
    curves: bool = False


@dataclass
class Drawing:
    """One figure to save as <name>.png and .svg, with its title and reading for the index, and the
    files to write beside it (suffix -> text, e.g. {"csv": ...})."""
    name: str
    title: str
    figure: object
    reading: str
    files: dict = field(default_factory=dict)


# ---------------------------------------------------------------- reading the JSON, defensively

@dataclass
class Run:
    """One input file."""
    path: str
    data: dict
    label: str = ""
    read: set = field(default_factory=set)      # families and summaries the chart being drawn read (checked
                                                # against its FAMILIES)
    charted: set = field(default_factory=set)   # the families of every chart drawn so far

    @property
    def context(self):
        ctx = self.data.get("context")
        return ctx if isinstance(ctx, dict) else {}

    @property
    def bs(self):
        return bsjson.bs_context(self.data)

    @functools.cached_property
    def catalogue(self):
        return catalogue.catalogue_of(self.data)

    @property
    def name(self):
        return os.path.basename(self.path)

    def fact(self, key):
        """A machine fact from bench_switch's context, else Google Benchmark's, else ''."""
        value = self.bs.get(key, self.context.get(key, ""))
        return "" if value is None else str(value)

    def summary(self, key):
        self.read.add(key)
        summaries = self.data.get("summaries")
        value = summaries.get(key) if isinstance(summaries, dict) else None
        return value if isinstance(value, dict) else {}

    def entries(self, family):
        """Entries of `family` that measured (no error)."""
        self.read.add(family)
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


def rep_median(entries, name):
    """The median of counter `name` over `entries` (the repetitions), or None where none has it."""
    values = [v for v in (number(e.get(name)) for e in entries) if v is not None]
    return statistics.median(values) if values else None


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


def placement_rank(runs):
    """A sort key: the placements of the runs' catalogues nearest first, then any other placement."""
    order = catalogue.placement_order([run.catalogue for run in runs])
    return lambda placement: order.index(placement) if placement in order else len(order)


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
    axis.set_major_locator(tk.LogLocator(base=10, subs=subs, numticks=99))    # every decade
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
