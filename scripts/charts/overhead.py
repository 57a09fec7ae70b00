"""`overhead`: the time of one one-way switch for every mechanism and placement, preemptive above
cooperative above baselines, with the kernel's count of context switches beside each value."""
from .common import (Chart, fmt_ns, log_axis, need, new_figure, number, real_time_ns, rep_median, spread_note,
                     value_limits)
from .distribution import pooled_percentile
from .rows import TAIL_STYLE, collect_rows, draw_rows, layout_rows, row_values, rows_height, rows_legend


def draw(runs, args):
    """ns per one-way switch for every mechanism and placement, grouped by kind."""
    need(runs, "switch")
    rows = collect_rows(runs, "switch", real_time_ns, args.whiskers, force_placement=True)
    layout = layout_rows(rows, runs)
    all_points = [p for r in rows for p in r.points.values()]
    subtitle = (f"median; {spread_note(all_points)}; k = kernel context switches per switch (median)\n"
                "red (!): k is not what the kind promises (preemptive ≈ 1 on one CPU and > 0 anywhere, "
                "cooperative ≈ 0)")
    fig, ax = new_figure(11, rows_height(layout, runs), "Cost of one switch", subtitle)
    draw_rows(ax, layout, runs, fmt_ns, annotate=row_note, tail=p99)
    tails = [v for v in map(p99, all_points) if v is not None]
    lo, hi = value_limits(row_values(layout) + tails)
    ax.set_xscale("log")
    ax.set_xlim(lo, hi * 12)        # room for the value and k= notes
    log_axis(ax.xaxis, lo, hi, fmt_ns)
    ax.set_xlabel("time of one one-way switch (log scale; further right = slower)")
    rows_legend(ax, runs, layout, extra=[p99_handle()] if tails else [])
    reading = ("Time of one one-way switch per mechanism and placement on a log scale, preemptive "
               "(kernel) above cooperative (user space) above baselines; further right is slower, "
               f"{spread_note(all_points)}, k= is the kernel's count of context switches per switch "
               "(red where it contradicts the mechanism's kind)"
               + ("; ▼ is the p99 of the single handoffs' latency (or of the batch means, for "
                  "cooperative mechanisms), of every repetition's samples pooled, as on the latency charts, "
                  "and only where at least 5 samples lie beyond it." if tails else "."))
    return fig, reading


def p99(point):
    """The p99 of the benchmark's latency samples, every repetition's pooled (the very samples of its
    line on the latency charts), or None where they carry no histogram or too few samples."""
    return pooled_percentile(point.reps, 0.99)


def p99_handle():
    from matplotlib.lines import Line2D
    return Line2D([], [], color="#333333", linewidth=1, **{**TAIL_STYLE, "linestyle": ":"},
                  label="▼ p99 of the latency samples\n(all repetitions pooled)")


def row_note(point):
    """What follows a row's value: its p99 where it has one, then kernel_switch_note's k=."""
    tail, (note, alarm) = p99(point), kernel_switch_note(point)
    return (f"p99 {fmt_ns(tail)}   {note}".rstrip() if tail is not None else note), alarm


def kernel_switch_median(point):
    """The median over the repetitions of kernel_switches_per_switch (the median aggregate's, else the
    repetitions' own)."""
    given = number(point.median.get("kernel_switches_per_switch")) if point.median else None
    return given if given is not None else rep_median(point.reps or [point.entry], "kernel_switches_per_switch")


def kernel_switch_note(point):
    """('k=1.02', alarm?) for the overhead chart: k is the median's. A preemptive mechanism with no
    kernel switch at all (a spin on two CPUs) is marked wherever it is; one on one CPU must switch
    once per handoff."""
    k = kernel_switch_median(point)
    if k is None:
        return "", False
    kind, placement = point.entry.get("kind"), point.entry.get("placement")
    if kind in ("cooperative", "baseline") and k > 0.05:
        return f"k={k:.2f}  (!)", True
    if kind == "preemptive" and k < 0.05:
        return f"k={k:.2f}  (!) no kernel switch", True
    if kind == "preemptive" and placement == "same_cpu" and abs(k - 1.0) > 0.3:
        return f"k={k:.2f}  (!)", True
    return f"k={k:.2f}", False


FAMILIES = ("switch",)
CHART = Chart("overhead", "Cost of one switch", draw, families=FAMILIES)
