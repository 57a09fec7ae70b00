"""`granularity`: efficiency against the work W between switches, with the 90 % and 99 % break-even
points and the OS time slice for scale. A break-even is drawn solid only where the measured curve
crosses it between two measured points; elsewhere the summaries' model (from the switch overhead) is
drawn hollow and named a model."""
import math
import statistics

from .common import Chart, NoData, counter, fmt_ns, legend_outside, need, new_figure, number, param, points
from .curves import collect_series, draw_curves, finish_curve_axes, with_interval


def draw(runs, args):
    """Efficiency vs W, break-even points, the OS time slice as a band."""
    need(runs, "granularity")
    series, keys = collect_series(runs, "granularity", "W_ns", efficiency_percent, args.whiskers)
    if not series:
        raise NoData("the 'granularity' benchmarks carry no W_ns parameter or no efficiency counter")
    with_interval(series, "efficiency_lo", "efficiency_hi", scale=100)
    breakeven = {(k, i): breakeven_points(runs[i], k[0], pts) for (k, i), pts in series.items()}
    fig, ax = new_figure(11, 6, "Efficiency against work per switch",
                         "share of time spent on useful work when every W ns of work is followed by a "
                         "switch;\n▲ 90 % and ★ 99 % break-even where the measured curve crosses it; hollow: "
                         "the model's (from the overhead), where it does not")
    colour = draw_curves(ax, runs, series, keys, log_y=False,
                         label_extra=lambda k, i: breakeven_text(breakeven[(k, i)]))
    draw_breakeven_marks(ax, breakeven, colour)
    if any(at and not at[1] for marks in breakeven.values() for at in marks.values()):
        ax.plot([], [], marker="*", markersize=11, color="#555555", markerfacecolor="white", markeredgewidth=1.5,
                linestyle="none", label="hollow ▲ ★: the model's break-even, where the measured curve "
                "does not cross")
    for level in (90, 99):
        ax.axhline(level, color="#777777", linestyle=":", linewidth=1)
        ax.annotate(f"{level} %", (0, level), xycoords=("axes fraction", "data"), xytext=(3, -9),
                    textcoords="offset points", fontsize=8, color="#555555")
    band = draw_timeslice_band(ax, runs)
    diamond = draw_timesliced_point(ax, runs)
    finish_curve_axes(ax, series, False, fmt_ns, lambda v: f"{v:.0f} %", x_measured=False)
    top = max([p.value for pts in series.values() for _, p in pts] + [100])
    ax.set_ylim(0, top * 1.02)     # efficiency is not clamped: noise can put it a little over 100 %
    ax.set_xlabel("W = work between two switches (log scale)")
    ax.set_ylabel("efficiency: useful work / elapsed time")
    legend_outside(ax)
    reading = ("Share of time spent on useful work when every W ns of work is followed by a switch; "
               "where a curve crosses 90 % and 99 % (marked solid, values in the legend) is the smallest "
               "work item that mechanism suits; a hollow mark is the model's break-even (the overhead "
               "per switch scaled), drawn where the measured curve does not cross that level between "
               "two measured points"
               + ("; the grey band is the OS time slice for scale" if band else "")
               + ("; the black diamond is two CPU-bound threads the kernel time-slices: the granularity "
                  "the OS chooses, and its efficiency" if diamond else "") + ".")
    return fig, reading


def draw_timesliced_point(ax, runs):
    """summaries.granularity_timesliced: W = the observed slice, efficiency lost to each preemption.
    Whether any was drawn."""
    drawn = False
    for run in runs:
        point = run.summary("granularity_timesliced")
        w, eff = number(point.get("W_ns")), number(point.get("efficiency"))
        if w and eff is not None:
            ax.plot([w], [eff * 100], marker="D", markersize=8, color="black", linestyle="none", zorder=6,
                    label=f"time-sliced threads (the OS's choice: {fmt_ns(w)}, {eff * 100:.1f} %)")
            drawn = True
    return drawn


def efficiency_percent(entry):
    value = number(entry.get("efficiency"))
    return None if value is None else value * 100


def breakeven_points(run, mech, pts):
    """{90: (W, measured?), 99: ...}: where the measured curve crosses the level between two measured
    points, else summaries.granularity_breakeven's model value (not measured), else None."""
    summary = run.summary("granularity_breakeven").get(mech)
    result = {}
    for level in (90, 99):
        measured = measured_crossing(pts, level)
        model = number(summary.get(f"efficiency_{level}_W_ns")) if isinstance(summary, dict) else None
        result[level] = (measured, True) if measured else (model, False) if model else None
    return result


def measured_crossing(pts, level):
    """The W at which the curve rises through `level` % between two measured points, or None where
    it starts above the level or never reaches it."""
    if not pts or pts[0][1].value >= level:
        return None
    return interpolate_crossing(pts, level)


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
    parts = []
    for level, at in sorted(points_at.items()):
        if at is None:
            parts.append(f"{level} % not reached")
        else:
            parts.append(f"{level} % at {fmt_ns(at[0])}" + ("" if at[1] else " by the model, not measured"))
    return "  (" + ", ".join(parts) + ")"


def draw_breakeven_marks(ax, breakeven, colour):
    """Solid where measured, hollow (white face) where only the model gives the point."""
    for (key, _), at in breakeven.items():
        for level, marker, size in ((90, "^", 9), (99, "*", 13)):
            if at.get(level):
                w, measured = at[level]
                ax.plot([w], [level], marker=marker, markersize=size, color=colour[key],
                        markerfacecolor=colour[key] if measured else "white",
                        markeredgecolor="black" if measured else colour[key],
                        markeredgewidth=0.6 if measured else 1.5, linestyle="none", zorder=5)


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
    """Grey band p10-p90 and a line at the median of each file's observed slice; whether any was drawn."""
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
    return bool(labelled)


FAMILIES = ("granularity", "timeslice")
CHART = Chart("granularity", "Efficiency against work per switch", draw, families=FAMILIES, curves=True)
