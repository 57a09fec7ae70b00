"""`overhead`: the time of one one-way switch for every mechanism and placement, preemptive above
cooperative above baselines, with the kernel's count of context switches beside each value."""
from .rows import collect_rows, draw_rows, layout_rows, row_values, rows_height, rows_legend
from .common import Chart, fmt_ns, log_axis, need, new_figure, number, real_time_ns, spread_note, value_limits


def draw(runs, args):
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


CHART = Chart("overhead", "Cost of one switch", draw)
