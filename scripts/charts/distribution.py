"""Distribution charts (latency per placement, cooperative batch means): the `latency` histograms of
the repetitions merged, drawn as small multiples of the density (where the modes are, one panel per
mechanism) above the share of samples slower than x on a log scale (where the tail is), one line per
mechanism (and per file). The percentiles marked are those of the very samples the lines pool, and
only where enough samples lie beyond them (SAMPLES_BEYOND).
"""
import math
import re
import textwrap
from dataclasses import dataclass

from .common import (RUN_DASHES, SERIES_COLOURS, fmt_count, fmt_ns, group_entries, is_python, log_axis,
                     mechanism, number, place_legend, pyplot)


@dataclass
class Distribution:
    """One benchmark's merged histogram: [(lo_ns, hi_ns, count)] ascending, and what it measured."""
    entry: dict
    run_index: int
    python: bool
    buckets: list
    latency: dict          # the first repetition's `latency` field (kind, what, clock, stamp cost)
    percentiles: dict      # q -> value, of the merged samples, for the q the sample count supports

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


# A percentile is marked only when this many samples lie beyond it: the p99.9 of 128 samples is
# their maximum, which says nothing about a 1-in-1000 event.
SAMPLES_BEYOND = 5
MARKED = ((0.5, "o", "p50"), (0.99, "v", "p99"), (0.999, "d", "p99.9"))


def supported(samples, q):
    return samples * (1 - q) >= SAMPLES_BEYOND


def pooled_percentiles(buckets):
    """{q: value} of the merged samples for each marked q that their count supports."""
    total = sum(c for _, _, c in buckets)
    return {q: quantile(buckets, q) for q, _, _ in MARKED if buckets and supported(total, q)}


def pooled_percentile(reps, q):
    """The q-quantile of the repetitions' samples pooled (their histograms merged), or None where
    they carry no histogram or too few samples."""
    return pooled_percentiles(merge_histograms(reps)).get(q)


def unsupported_note(dists):
    """'p99.9 not marked for 9 of 12 lines: under 5000 samples, fewer than 5 beyond it' or ''."""
    parts = []
    for q, _, name in MARKED:
        missing = sum(1 for d in dists if q not in d.percentiles)
        if missing:
            need = SAMPLES_BEYOND / (1 - q)
            parts.append(f"{name} not marked for {missing} of {len(dists)} lines: under {need:.0f} samples, "
                         f"fewer than {SAMPLES_BEYOND} would lie beyond it")
    return "; ".join(parts)


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
                                        pooled_percentiles(buckets)))
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
    text = mechanism(d.entry) + (" (py)" if d.python else "") + " —"
    text += "".join(f" {name} {fmt_ns(d.percentiles[q])}," for q, _, name in MARKED if q in d.percentiles)
    text += f" {fmt_count(d.samples)} {count_word}"
    return text + (f" — {runs[d.run_index].label}" if len(runs) > 1 else "")


PANEL_COLUMNS = 4


def draw_distributions(dists, runs, title, subtitle, value_name, mechs, count_word="samples"):
    """The figure: one small density panel per line (they would hide each other on one axes), above
    the share slower than x, all on one log x axis; `mechs` (sorted names) gives each mechanism its
    colour, the same on every chart of one invocation."""
    dists = sorted(dists, key=lambda d: (d.python, mechanism(d.entry), d.run_index))
    columns = min(PANEL_COLUMNS, len(dists))
    panel_rows = -(-len(dists) // columns)
    words = [line for part in subtitle.split("\n") for line in textwrap.wrap(part, 150)]
    fig = pyplot().figure(figsize=(11, 0.2 * len(words) + 1.3 * panel_rows + 4.6), layout="constrained")
    fig.suptitle(title, fontweight="bold")
    grid = fig.add_gridspec(panel_rows + 2, columns,
                            height_ratios=[0.16 * len(words)] + [1] * panel_rows + [3.0])
    heading = fig.add_subplot(grid[0, :])
    heading.axis("off")
    heading.text(0.5, 0.5, "\n".join(words), ha="center", va="center", color="#444444", fontsize="small")
    bottom = fig.add_subplot(grid[panel_rows + 1, :])
    panels = [fig.add_subplot(grid[1 + j // columns, j % columns], sharex=bottom) for j in range(len(dists))]
    handles, labels = [], []
    for d, panel in zip(dists, panels):
        style = {"color": SERIES_COLOURS[mechs.index(mechanism(d.entry)) % len(SERIES_COLOURS)],
                 "linestyle": RUN_DASHES[d.run_index % len(RUN_DASHES)], "linewidth": 1.5}
        panel.fill_between(*density_line(d.buckets), step=None, color=style["color"], alpha=0.25, lw=0)
        panel.plot(*density_line(d.buckets), **style)
        panel.set_title(mechanism(d.entry) + (" (py)" if d.python else "")
                        + (f" — {runs[d.run_index].name}" if len(runs) > 1 else ""), fontsize=8.5, pad=2)
        panel.set_ylim(bottom=0)
        panel.tick_params(labelbottom=True, labelsize=7)
        line, = bottom.plot(*slower_line(d.buckets), **style)
        for q, marker, _ in MARKED:
            if q in d.percentiles:
                bottom.plot([d.percentiles[q]], [1 - q], marker=marker, markersize=6.5, color=style["color"],
                            markeredgecolor="black", markeredgewidth=0.6, linestyle="none", zorder=5)
        handles.append(line)
        labels.append(line_label(d, runs, count_word))
    panels[0].set_ylabel("share per\ndecade", fontsize=8)
    finish_tail_axes(bottom, dists)
    bottom.set_xlabel(f"{value_name} (log scale); the panels above: where the samples lie, one per line")
    place_legend(bottom, handles, labels)
    return fig


def finish_tail_axes(bottom, dists):
    """x from the fastest sample to the end of the slowest line (the last sample but one of the
    line that reaches furthest), a tick at every decade; y down to one sample of the largest count."""
    lo = min(d.buckets[0][0] for d in dists) / 1.15
    hi = max([slower_line(d.buckets)[0][-1] for d in dists]
             + [v for d in dists for v in d.percentiles.values()]) * 1.15
    bottom.set_xscale("log")
    bottom.set_xlim(lo, hi)
    log_axis(bottom.xaxis, lo, hi, fmt_ns)
    bottom.set_yscale("log")
    bottom.set_ylim(min(1 / d.samples for d in dists) / 2, 1.5)
    for q, marker, name in MARKED:
        bottom.axhline(1 - q, color="#777777", linestyle=":", linewidth=1)
        symbol = {"o": "●", "v": "▼", "d": "◆"}[marker]
        bottom.annotate(f"{name} ({symbol})", (1, 1 - q), xycoords=("axes fraction", "data"), xytext=(-4, 3),
                        textcoords="offset points", ha="right", fontsize=8, color="#555555")
    bottom.set_ylabel("share of samples slower than x\n(log scale)")


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
    """The entries' own sentences saying what one sample is, each distinct one once; where the
    benchmarks' counts differ (batches, handoffs), the sentence gives their range, "8" or "96–424"."""
    ranges = {}
    for d in dists:
        text = str(d.latency.get("what") or "")
        if text:
            shape = NUMBER.sub("#", text)
            values = [float(v.replace(",", "")) for v in NUMBER.findall(text)]
            ranges.setdefault(shape, []).append(values)
    return "; ".join(fill_counts(shape, seen) for shape, seen in ranges.items())


NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")


def fill_counts(shape, seen):
    """`shape` with each "#" replaced by the range of the values `seen` at that place."""
    parts = shape.split("#")
    out = parts[0]
    for j, rest in enumerate(parts[1:]):
        column = [values[j] for values in seen if j < len(values)]
        low, high = min(column), max(column)
        out += (fmt_count(low) if low == high else f"{fmt_count(low)}–{fmt_count(high)}") + rest
    return out
