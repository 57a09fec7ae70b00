"""`footprint`: the net cost of a switch against the bytes each task touches between switches."""
from .common import Chart, NoData, counter, fmt_bytes, fmt_ns, legend_outside, need, new_figure, ticker
from .curves import UNRESOLVED_COLOUR, collect_series, draw_curves, finish_curve_axes, unresolved, with_interval


def draw(runs, args):
    """Net switch cost against S, with its interval, on a symmetric-log axis: a net of zero (or a
    little below, within its interval) is drawn where it is, not dropped as a log axis would."""
    need(runs, "footprint")
    series, keys = collect_series(runs, "footprint", "S_bytes", counter("ns_per_switch_net"), args.whiskers)
    if not series:
        raise NoData("the 'footprint' benchmarks carry no S_bytes parameter or no net")
    with_interval(series, "net_lo_ns", "net_hi_ns")
    fig, ax = new_figure(10.5, 5.6, "Switch cost when each task touches S bytes between switches",
                         "median of the repetitions; whiskers: 95 % intervals of the net, the union over the repetitions")
    draw_curves(ax, runs, series, keys, log_y=False, grey_unresolved=True)
    if any(unresolved(p) for pts in series.values() for _, p in pts):
        ax.errorbar([], [], yerr=[], color=UNRESOLVED_COLOUR, marker="o", markerfacecolor="white", linestyle="none",
                    label="grey: unresolved, the interval holds 0 (no line through it)")
    finish_curve_axes(ax, series, False, fmt_bytes, fmt_ns)
    ax.set_yscale("symlog", linthresh=10, linscale=0.5)
    ys = [v for pts in series.values() for _, p in pts for v in (p.value, p.lo, p.hi) if v is not None]
    ax.set_ylim(min(ys + [0]) * 1.3 - 1, max(ys) * 1.5)
    ax.axhline(0, color="#777777", linewidth=0.8)
    ax.yaxis.set_major_formatter(ticker().FuncFormatter(lambda v, _: fmt_ns(v) if v > 0 else "0" if v == 0 else "-" + fmt_ns(-v)))
    ax.set_xlabel("S = bytes each task touches between switches (log scale)")
    ax.set_ylabel("ns per switch beyond the same accesses\nand syscalls with no switch (symmetric log)")
    legend_outside(ax)
    reading = ("What a switch costs beyond the same memory accesses (both tasks' working sets, in "
               "the same order) and the same syscalls done in one task with no switch, against how "
               "much memory each task touches between switches: the switch and the cache refill it "
               "causes. Whiskers are 95 % intervals; a point whose interval holds zero is unresolved: grey, "
               "hollow and joined to no line.")
    return fig, reading


FAMILIES = ("footprint",)
CHART = Chart("footprint", "Switch cost against memory touched", draw, families=FAMILIES, curves=True)
