"""`granularity`: efficiency against the work W between switches, with the 90 % and 99 % break-even
points and the OS time slice for scale."""
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


CHART = Chart("granularity", "Efficiency against work per switch", draw)
