"""`preemption`: CPU time a busy task loses per involuntary switch, against K competitors."""
import math

from .common import (Chart, NoData, RUN_COLOURS, RUN_MARKERS, fmt_count, fmt_ns, legend_outside, need,
                     new_figure, number, param, ticker)


def preemption_points(run):
    """[(K, figure or None, uncertainty)] of one file: the figure is None where it is unresolved."""
    out = []
    for entry in run.entries("preemption_cost"):
        k, se = param(entry, "K"), number(entry.get("ns_direct_uncertainty"))
        if k is None:
            continue
        resolved = number(entry.get("resolved")) == 1
        out.append((k, number(entry.get("ns_direct_per_involuntary_switch")) if resolved else None, se))
    return sorted(out, key=lambda row: row[0])


def draw(runs, args):
    """The loss per involuntary switch beyond a lone worker's, with its uncertainty; unresolved marked."""
    need(runs, "preemption_cost")
    rows = [preemption_points(run) for run in runs]
    if not any(rows):
        raise NoData("the 'preemption_cost' benchmarks carry no K parameter")
    fig, ax = new_figure(10.5, 5.6, "Work lost per preemption",
                         "beyond what a lone worker loses on that CPU; bars = ± standard error over the triples")
    top = 0.0
    for i, (run, pts) in enumerate(zip(runs, rows)):
        colour, marker = RUN_COLOURS[i % len(RUN_COLOURS)], RUN_MARKERS[i % len(RUN_MARKERS)]
        resolved = [(k, v, se or 0) for k, v, se in pts if v is not None]
        if resolved:
            ax.errorbar([r[0] for r in resolved], [r[1] for r in resolved], yerr=[r[2] for r in resolved],
                        color=colour, marker=marker, capsize=4, linestyle="-", label=run.label)
            top = max(top, max(v + se for _, v, se in resolved))
        # An unresolved figure has no value to draw: its uncertainty is drawn as a hollow bar from
        # zero, the range it could not be told apart from, and labelled.
        for k, _, se in (row for row in pts if row[1] is None):
            height = se if se and math.isfinite(se) else 0
            ax.errorbar([k], [0], yerr=[[0], [height]], color=colour, marker=marker, markerfacecolor="none",
                        capsize=4, linestyle="none")
            ax.annotate("unresolved", (k, height), xytext=(0, 4), textcoords="offset points", ha="center",
                        fontsize=8, color=colour)
            top = max(top, height)
    ax.set_xscale("log", base=2)
    ks = sorted({k for pts in rows for k, _, _ in pts})
    ax.set_xticks(ks, [fmt_count(k) for k in ks])
    ax.set_ylim(0, top * 1.25 if top > 0 else 1)
    ax.yaxis.set_major_formatter(ticker().FuncFormatter(lambda v, _: fmt_ns(v)))
    ax.set_xlabel("K = competitors of one busy task on its CPU (log scale)")
    ax.set_ylabel("CPU time lost per involuntary switch")
    legend_outside(ax)
    reading = ("CPU time each preemption costs a busy task beyond what the machine takes from a lone task "
               "on that CPU anyway (interrupts, the host), against the number K of competitors; a hollow "
               "bar from zero marks a figure that did not rise above its own uncertainty.")
    return fig, reading


CHART = Chart("preemption", "Work lost per preemption", draw)
