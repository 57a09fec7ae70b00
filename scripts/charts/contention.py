"""`contention`: speedup of N tasks with one shared lock against N with independent work."""
import math

from .common import Chart, NoData, counter, fmt_count, legend_outside, need, new_figure, number, spread_note
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
    # the shared-lock half of each pair a little to the right: where the two coincide (fibers on one
    # thread, which cannot scale either way) both stay visible
    draw_curves(ax, runs, series, keys, log_y=False, dash_param="shared",
                dash_names={0.0: "independent", 1.0: "shared lock"}, offset=lambda j: 1.0 if j % 2 == 0 else 1.06)
    xs = sorted({x for pts in series.values() for x, _ in pts})
    cpus = min((number(run.bs.get("cpu_count")) or math.inf for run in runs), default=math.inf)
    ideal = [min(x, cpus) for x in xs]
    ax.plot(xs, ideal, color="#999999", linestyle=":", linewidth=1.2, zorder=0,
            label="ideal: speedup = N" + (f", up to the {cpus:.0f} CPUs" if math.isfinite(cpus) else ""))
    finish_curve_axes(ax, series, False, fmt_count, lambda v: f"{v:g}×")
    ax.set_xlabel("N = tasks working at once (log scale)")
    ax.set_ylabel("speedup against N = 1")
    legend_outside(ax)
    reading = ("Throughput with N tasks relative to one task: solid lines do independent work, dashed "
               "ones fight over one lock (drawn a little to the right, so that a pair that coincides stays "
               "visible), the dotted line is perfect scaling up to the machine's CPU count; threads can "
               "scale, fibers on one thread cannot.")
    return fig, reading


FAMILIES = ("contention",)
CHART = Chart("contention", "Speedup: shared lock vs independent work", draw, families=FAMILIES, curves=True)
