"""`contention`: speedup of N tasks with one shared lock against N with independent work."""
from .common import Chart, NoData, counter, fmt_count, legend_outside, need, new_figure, spread_note
from .curves import collect_series, draw_curves, finish_curve_axes


def draw(runs, args):
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


CHART = Chart("contention", "Speedup: shared lock vs independent work", draw)
