"""`preemption`: what one involuntary switch costs. Left, the distributions side by side: the voluntary
futex handoff on one CPU (family switch, one-way samples), the involuntary handovers (family
involuntary_switch, per K and task kind) and a lone task's tick, each as the share of events slower
than x. Right, the refill per preemption against the working set S, with its interval; points whose
interval reaches zero are grey and hollow (unresolved), never left out, never a bare whisker."""
from .common import (RUN_DASHES, SERIES_COLOURS, Chart, NoData, bytes_axis, fmt_count, fmt_ns, log_axis, number,
                     need, param, place_legend, pyplot, ticker)
from .distribution import distributions, quantile, slower_line

UNRESOLVED_GREY = "#9a9a9a"


def event_distributions(runs):
    """(label, Distribution) of the voluntary handoff, each involuntary handover set and the tick."""
    out = []
    for d in distributions(runs, "switch", "one_way_sample"):
        if d.entry.get("mechanism") == "thread_futex" and d.entry.get("placement") == "same_cpu":
            out.append(("voluntary: futex handoff", d))
    for kind, word in (("handover_span", "involuntary"), ("tick_span", "tick alone")):
        for d in distributions(runs, "involuntary_switch", kind):
            k, policy = param(d.entry, "K"), param(d.entry, "policy")
            what = f"{word}: {d.entry.get('task', '')}" + ("es" if d.entry.get('task') == "process" else "s") + f" K={k:g}" if kind == "handover_span" else "lone task's tick"
            out.append((what + (" RR" if policy == 1 else ""), d))
    return out


def draw_events(ax, runs, events):
    ax.set_title("each event: share slower than x", color="#444444", fontsize="small")
    handles, labels = [], []
    series = list(dict.fromkeys(label for label, _ in events))  # one colour per series, one dash per file
    for label, d in events:
        colour = "#222222" if label.startswith("voluntary") else SERIES_COLOURS[series.index(label) % len(SERIES_COLOURS)]
        line, = ax.plot(*slower_line(d.buckets), color=colour, linestyle=RUN_DASHES[d.run_index % len(RUN_DASHES)],
                        linewidth=2.2 if label.startswith("voluntary") else 1.4)
        ax.plot([quantile(d.buckets, 0.5)], [0.5], marker="o", color=colour, markeredgecolor="black", linestyle="none", zorder=5)
        handles.append(line)
        run = f" — {runs[d.run_index].label}" if len(runs) > 1 else ""
        labels.append(f"{label}: p50 {fmt_ns(quantile(d.buckets, 0.5))}, {fmt_count(d.samples)} events{run}")
    lo = min(d.buckets[0][0] for _, d in events) / 1.3
    hi = max(d.buckets[-1][1] for _, d in events) * 1.3
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    log_axis(ax.xaxis, lo, hi, fmt_ns)
    ax.set_yscale("log")
    ax.set_ylim(min(1 / d.samples for _, d in events) / 2, 1.5)
    ax.axhline(0.5, color="#777777", linestyle=":", linewidth=1)
    ax.set_xlabel("time of one switch or span (log scale)")
    ax.set_ylabel("share of events slower than x (log scale)")
    place_legend(ax, handles, labels)


def refill_points(run):
    """[(S_bytes, ns, lo, hi, resolved)] from summaries.involuntary_switch.refill."""
    rows = run.summary("involuntary_switch").get("refill")
    out = []
    for row in rows if isinstance(rows, list) else ():
        s, ns = number(row.get("S_bytes")), number(row.get("ns"))
        if s is not None and ns is not None:
            out.append((s, ns, number(row.get("lo_ns")), number(row.get("hi_ns")), row.get("resolved") is True))
    return sorted(out)


def draw_refill(ax, runs):
    ax.set_title("refill per preemption (first pass after a handover − after a tick alone); bars: 95 % interval",
                 color="#444444", fontsize="small")
    sizes = []
    for i, run in enumerate(runs):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        pts = refill_points(run)
        sizes += [p[0] for p in pts]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], color=colour, linewidth=1, alpha=0.6,
                    linestyle=RUN_DASHES[i % len(RUN_DASHES)], label=run.label if len(runs) > 1 else None)
        for s, ns, lo, hi, resolved in pts:
            face, edge = (colour, colour) if resolved else ("none", UNRESOLVED_GREY)
            yerr = [[ns - lo], [hi - ns]] if lo is not None and hi is not None else None
            ax.errorbar([s], [ns], yerr=yerr, marker="o", markerfacecolor=face, color=edge, capsize=4, linestyle="none")
    if not sizes:
        ax.text(0.5, 0.5, "no refill points in these files", ha="center", va="center", transform=ax.transAxes,
                color=UNRESOLVED_GREY)
        return
    ax.axhline(0, color="#777777", linewidth=0.8)
    ax.set_xscale("log", base=2)
    bytes_axis(ax.xaxis, min(sizes), max(sizes))
    ax.yaxis.set_major_formatter(ticker().FuncFormatter(lambda v, _: fmt_ns(v)))
    ax.set_xlabel("S = each task's working set (log scale); grey hollow = unresolved (interval reaches 0)")
    ax.set_ylabel("time per preemption")
    if len(runs) > 1:
        ax.legend(loc="upper left")


def draw(runs, args):
    need(runs, "involuntary_switch")
    events = event_distributions(runs)
    if not events and not any(refill_points(run) for run in runs):
        raise NoData("no measured 'involuntary_switch' benchmarks (handover histograms or refill points)")
    fig = pyplot().figure(figsize=(15, 6.4), layout="constrained")
    fig.suptitle("What one involuntary switch costs", fontweight="bold")
    left, right = fig.subplots(1, 2, width_ratios=[1.25, 1])
    if events:
        draw_events(left, runs, events)
    else:
        left.text(0.5, 0.5, "no handover histograms in these files", ha="center", va="center",
                  transform=left.transAxes, color=UNRESOLVED_GREY)
    draw_refill(right, runs)
    reading = ("Left: how long single switches take, each as the share of events slower than x: the voluntary "
               "futex handoff on one CPU (black), the involuntary handovers of K busy tasks on one CPU (the tick, "
               "the scheduler and the switch, from one task's last clock read to the next one's first) and a lone "
               "task's tick without a switch; ● is the p50. Right: the time a task loses refilling its own working "
               "set of S bytes after each preemption, beyond what it loses after a tick alone; grey hollow points "
               "could not be told from zero.")
    return fig, reading


FAMILIES = ("involuntary_switch", "switch")
CHART = Chart("preemption", "What one involuntary switch costs", draw, families=FAMILIES, curves=True)
