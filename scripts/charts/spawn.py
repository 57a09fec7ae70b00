"""`spawn`: what it costs to create, start and finish one task of each kind."""
from .rows import collect_rows, draw_rows, layout_rows, row_values, rows_height, rows_legend
from .common import Chart, fmt_ns, log_axis, need, new_figure, real_time_ns, spread_note, value_limits


def draw(runs, args):
    """Creation cost (create, start, finish one task) per mechanism."""
    need(runs, "spawn")
    layout = layout_rows(collect_rows(runs, "spawn", real_time_ns, args.whiskers), runs)
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


FAMILIES = ("spawn",)
CHART = Chart("spawn", "Cost of creating a task", draw, families=FAMILIES)
