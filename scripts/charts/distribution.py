"""Distribution charts (latency per placement, cooperative batch means): the `latency` histograms of
the repetitions merged, drawn as a density (where the modes are) above the share of samples slower
than x on a log scale (where the tail is), one line per mechanism (and per file), p50 and p99 marked.
"""
import math
import re
import textwrap
from dataclasses import dataclass

from .common import (RUN_DASHES, SERIES_COLOURS, fmt_count, fmt_ns, group_entries, is_python, log_axis,
                     mechanism, number, place_legend, pyplot, rep_median)


@dataclass
class Distribution:
    """One benchmark's merged histogram: [(lo_ns, hi_ns, count)] ascending, and what it measured."""
    entry: dict
    run_index: int
    python: bool
    buckets: list
    latency: dict          # the first repetition's `latency` field (kind, what, clock, stamp cost)
    p50: float
    p99: float

    @property
    def samples(self):
        return sum(c for _, _, c in self.buckets)


def histogram(entry):
    """The entry's `latency.histogram` as [(lo, hi, count)], buckets that are not numbers with
    0 < lo < hi and count > 0 left out (a defensive reader of a new field)."""
    latency = entry.get("latency")
    rows = latency.get("histogram") if isinstance(latency, dict) else None
    out = []
    for row in rows if isinstance(rows, list) else ():
        if isinstance(row, list) and len(row) == 3:
            lo, hi, count = map(number, row)
            if lo is not None and hi is not None and count and 0 < lo < hi and count > 0:
                out.append((lo, hi, count))
    return out


def merge_histograms(entries):
    """The repetitions' histograms as one: the counts of a bucket (the same lo and hi) summed."""
    merged = {}
    for e in entries:
        for lo, hi, count in histogram(e):
            merged[(lo, hi)] = merged.get((lo, hi), 0) + count
    return sorted((lo, hi, count) for (lo, hi), count in merged.items())


def quantile(buckets, q):
    """The q-quantile of merged buckets, interpolated in log x inside its bucket."""
    total = sum(c for _, _, c in buckets)
    seen = 0
    for lo, hi, count in buckets:
        if seen + count >= q * total:
            return lo * (hi / lo) ** ((q * total - seen) / count)
        seen += count
    return buckets[-1][1]


def median_counter(reps, name, buckets, q):
    """The median over the repetitions of counter `name` (what bench_switch computed from every
    sample), or the merged histogram's quantile where the repetitions lack it."""
    given = rep_median(reps, name)
    return given if given is not None else quantile(buckets, q)


def distributions(runs, family, latency_kind):
    """Every benchmark of `family` whose repetitions carry histograms of `latency_kind`."""
    out = []
    for i, run in enumerate(runs):
        for group in group_entries(run.entries(family)).values():
            reps = [e for e in group["iterations"] if isinstance(e.get("latency"), dict)
                    and e["latency"].get("kind") == latency_kind]
            buckets = merge_histograms(reps)
            if buckets:
                out.append(Distribution(reps[0], i, is_python(reps[0], run), buckets, reps[0]["latency"],
                                        median_counter(reps, "latency_p50_ns", buckets, 0.5),
                                        median_counter(reps, "latency_p99_ns", buckets, 0.99)))
    return out


# The density is drawn over bins of a fixed log width, not over the histogram's own buckets: those
# are under 1 % wide, and the first and last are cut to the minimum and maximum, so a bucket holding
# one sample would stand as a spike hundreds of times higher than its share.
BINS_PER_DECADE = 10


def density_line(buckets):
    """Step line of the share of samples per decade of x (a log-x histogram whose area is 1), over
    bins of 1/BINS_PER_DECADE decade, each bucket counted in the bin of its midpoint; 0 where empty."""
    total = sum(c for _, _, c in buckets)
    bins = {}
    for lo, hi, count in buckets:
        mid = math.sqrt(max(lo, 1e-3) * hi)
        k = math.floor(math.log10(mid) * BINS_PER_DECADE)
        bins[k] = bins.get(k, 0) + count
    first, last = min(bins), max(bins)
    xs, ys = [10 ** (first / BINS_PER_DECADE)], [0.0]
    for k in range(first, last + 1):
        height = bins.get(k, 0) / total * BINS_PER_DECADE
        xs += [10 ** (k / BINS_PER_DECADE), 10 ** ((k + 1) / BINS_PER_DECADE)]
        ys += [height, height]
    xs.append(10 ** ((last + 1) / BINS_PER_DECADE))
    ys.append(0.0)
    return xs, ys


def slower_line(buckets):
    """The share of samples slower than x at each bucket's upper edge (1 at the lowest edge); ends at
    the last bucket that leaves a sample above it (log y has no 0)."""
    total = sum(c for _, _, c in buckets)
    xs, ys, seen = [buckets[0][0]], [1.0], 0
    for _, hi, count in buckets:
        seen += count
        if seen < total:
            xs.append(hi)
            ys.append((total - seen) / total)
    return xs, ys


def line_label(d, runs, count_word):
    text = mechanism(d.entry) + (" (py)" if d.python else "")
    text += f" — p50 {fmt_ns(d.p50)}, p99 {fmt_ns(d.p99)}, {fmt_count(d.samples)} {count_word}"
    return text + (f" — {runs[d.run_index].label}" if len(runs) > 1 else "")


def draw_distributions(dists, runs, title, subtitle, value_name, mechs, count_word="samples"):
    """The figure: density above, share slower than x below, both on one log x axis; `mechs` (sorted
    names) gives each mechanism its colour, the same on every chart of one invocation."""
    fig = pyplot().figure(figsize=(11, 7.6), layout="constrained")
    fig.suptitle(title, fontweight="bold")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1, 1.15])
    top.set_title(textwrap.fill(subtitle, 150), color="#444444", fontsize="small")
    handles, labels = [], []
    for d in sorted(dists, key=lambda d: (d.python, mechanism(d.entry), d.run_index)):
        style = {"color": SERIES_COLOURS[mechs.index(mechanism(d.entry)) % len(SERIES_COLOURS)],
                 "linestyle": RUN_DASHES[d.run_index % len(RUN_DASHES)], "linewidth": 1.5}
        top.plot(*density_line(d.buckets), **style)
        line, = bottom.plot(*slower_line(d.buckets), **style)
        for share, value, marker in ((0.5, d.p50, "o"), (0.01, d.p99, "v")):
            bottom.plot([value], [share], marker=marker, markersize=6.5, color=style["color"],
                        markeredgecolor="black", markeredgewidth=0.6, linestyle="none", zorder=5)
        handles.append(line)
        labels.append(line_label(d, runs, count_word))
    lows = [d.buckets[0][0] for d in dists]
    highs = [d.buckets[-1][1] for d in dists]
    lo, hi = min(lows) / 1.3, max(highs) * 1.3
    bottom.set_xscale("log")
    bottom.set_xlim(lo, hi)
    log_axis(bottom.xaxis, lo, hi, fmt_ns)
    top.set_ylim(bottom=0)
    top.set_ylabel("share of samples per decade of x")
    smallest = min(1 / d.samples for d in dists)
    bottom.set_yscale("log")
    bottom.set_ylim(smallest / 2, 1.5)
    for share, name in ((0.5, "p50 (●)"), (0.01, "p99 (▼)")):
        bottom.axhline(share, color="#777777", linestyle=":", linewidth=1)
        bottom.annotate(name, (1, share), xycoords=("axes fraction", "data"), xytext=(-4, 3),
                        textcoords="offset points", ha="right", fontsize=8, color="#555555")
    bottom.set_ylabel("share of samples slower than x (log scale)")
    bottom.set_xlabel(f"{value_name} (log scale)")
    place_legend(bottom, handles, labels)
    return fig


def clock_note(dists):
    """'clock tsc, one stamp 12.5 ns (in every sample)' from the entries' latency fields."""
    clocks = sorted({str(d.latency.get("clock")) for d in dists if d.latency.get("clock")})
    costs = [c for c in (number(d.latency.get("stamp_cost_ns")) for d in dists) if c is not None]
    parts = [f"clock {', '.join(clocks)}"] if clocks else []
    if costs:
        span = fmt_ns(min(costs)) if min(costs) == max(costs) else f"{fmt_ns(min(costs))}–{fmt_ns(max(costs))}"
        parts.append(f"one time stamp costs {span}")
    return ", ".join(parts)


def what_note(dists):
    """The entries' own sentence saying what one sample is, each distinct one once; the counts of
    batches and handoffs in it (which differ from benchmark to benchmark) read "N", so that one
    sentence stands for all of them (the JSON keeps each entry's own)."""
    general = (re.sub(r"\b\d[\d,.]*\b", "N", str(d.latency.get("what"))) for d in dists if d.latency.get("what"))
    return "; ".join(dict.fromkeys(general))
