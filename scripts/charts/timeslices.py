"""`timeslices`: the run lengths and waits the kernel really gives K busy tasks on one CPU, beside what
its settings advertise."""
import math

from .common import (Chart, NoData, RUN_MARKERS, counter, fmt_count, fmt_ns, log_axis, need, number, param,
                     points, pyplot, ticker, value_limits)

# Series colours here: none red or blue (preemptive and cooperative elsewhere); the kernel's own figures
# (advertised, predicted, the tick) are black and grey.
SERIES_COLOURS = ("#e67e22", "#1e8449", "#7d3c98", "#17a589", "#b7950b", "#6e2c00")
# The settings summaries.timeslice_observed.advertised names, in words.
ADVERTISED_WORDS = {"sched_rr_get_interval_rr_ns": "SCHED_RR interval the kernel reports",
                    "sched_rr_get_interval_normal_ns": "normal-policy interval the kernel reports",
                    "sched_rr_timeslice_ms": "SCHED_RR time-slice setting"}


def draw(runs, args):
    """Observed run lengths and gaps per K, p10-median-p90, with the kernel's advertised values."""
    need(runs, "timeslice")
    legend_rows = 3 + (len(runs) - 1) * 2          # a legend row under both panels
    fig = pyplot().figure(figsize=(12, 5.8 + 0.2 * legend_rows), layout="constrained")
    fig.suptitle("Time slices the kernel actually gives", fontweight="bold")
    panels = fig.subplot_mosaic([["slice", "gap"], ["legend", "legend"]],
                                height_ratios=[5.4, 0.2 * legend_rows + 0.1])
    axes = [panels["slice"], panels["gap"]]
    drawn = [draw_slice_panel(ax, runs, quantity, title) for ax, quantity, title in (
        (axes[0], "slice", "run length: how long a busy task runs before it is preempted"),
        (axes[1], "gap", "gap: how long it then waits for the CPU"))]
    if not any(drawn):
        raise NoData("the 'timeslice' benchmarks carry no slice_median_ns / gap_median_ns counters")
    values = [v for ax in axes for line in ax.get_lines() for v in line.get_ydata() if v > 0]
    advertised = advertised_values(runs)
    tick = scheduler_tick(runs)
    values += list(advertised.values()) + ([tick] if tick else [])
    lo, hi = value_limits(values, pad=2)
    for ax in axes:
        ax.set_yscale("log")
        ax.set_ylim(lo, hi)
        log_axis(ax.yaxis, lo, hi, fmt_ns)
        if tick:        # the slices are whole ticks: mark the tick itself on the axis
            ax.axhline(tick, color="#888888", linestyle=":", linewidth=1, zorder=0)
            ticks = [t for t in ax.get_yticks() if lo <= t <= hi and abs(math.log(t / tick)) > 0.15]
            ax.yaxis.set_major_locator(ticker().FixedLocator(sorted(ticks + [tick])))
            if ax is axes[0]:
                ax.annotate(f"one scheduler tick ({fmt_ns(tick)})", (1, tick), xycoords=("axes fraction", "data"),
                            xytext=(-4, 3), textcoords="offset points", ha="right", fontsize=8, color="#555555")
        ax.set_xlabel("K = busy tasks sharing one CPU")
        draw_advertised(ax, advertised, labels=ax is axes[1])
    axes[0].set_ylabel("time (log scale); whiskers: p10 – p90")
    combined_legend(axes, panels["legend"], advertised)
    reading = ("How long a busy task really runs before the kernel preempts it (left) and how long it "
               "then waits (right), per number K of busy tasks on one CPU: dot = median, whiskers = "
               "p10 – p90, dashed lines and black dashes = what the kernel's settings advertise, black crosses = "
               "the slice they predict, the dotted line one scheduler tick (1/HZ); 'outside' = share of the "
               "window in which no busy task ran.")
    return fig, reading


def slice_series(runs, quantity):
    """{(task, policy, run index): [(K, median, p10, p90, advertised)]}"""
    out = {}
    for i, run in enumerate(runs):
        for p in points(run, "timeslice", counter(f"{quantity}_median_ns")):
            k = param(p.entry, "K")
            if k is None:
                continue
            policy = param(p.entry, "policy")
            key = (str(p.entry.get("task") or ""), "SCHED_RR" if policy == 1 else "normal", i)
            out.setdefault(key, []).append((k, p.value, number(p.entry.get(f"{quantity}_p10_ns")),
                                            number(p.entry.get(f"{quantity}_p90_ns")),
                                            number(p.entry.get("advertised_ns")),
                                            number(p.entry.get("predicted_slice_ns")),
                                            number(p.entry.get("outside_share"))))
    return out


def draw_slice_panel(ax, runs, quantity, title):
    series = slice_series(runs, quantity)
    ks = sorted({row[0] for rows in series.values() for row in rows})
    width = 0.7 / max(1, len(series))
    kinds = sorted({key[:2] for key in series})
    for j, (key, rows) in enumerate(sorted(series.items())):
        task, policy, i = key
        colour = SERIES_COLOURS[kinds.index(key[:2]) % len(SERIES_COLOURS)]
        xs = [ks.index(r[0]) + (j - (len(series) - 1) / 2) * width for r in sorted(rows)]
        rows = sorted(rows)
        err = [[max(r[1] - (r[2] or r[1]), 0) for r in rows], [max((r[3] or r[1]) - r[1], 0) for r in rows]]
        label = " ".join(x for x in (task, policy) if x) + (f" — {runs[i].label}" if len(runs) > 1 else "")
        ax.errorbar(xs, [r[1] for r in rows], yerr=err, color=colour, marker=RUN_MARKERS[i % len(RUN_MARKERS)],
                    linestyle="none", capsize=4, markersize=7, elinewidth=1.4, label=label)
        if quantity == "slice":
            adv = [(x, r[4]) for x, r in zip(xs, rows) if r[4]]
            ax.plot([x for x, _ in adv], [a for _, a in adv], linestyle="none", marker="_", markersize=16,
                    markeredgewidth=2.2, color="black",
                    label="what the kernel's settings advertise" if j == 0 else None)
            predicted = [(x, r[5]) for x, r in zip(xs, rows) if r[5]]
            ax.plot([x for x, _ in predicted], [v for _, v in predicted], linestyle="none", marker="x",
                    markersize=9, markeredgewidth=1.8, color="#222222",
                    label="the slice those settings predict" if j == 0 else None)
            for x, r in zip(xs, rows):
                if r[6] is not None:
                    ax.annotate(f"outside\n{r[6] * 100:.1f} %", (x, r[1]), xytext=(0, -22), textcoords="offset points", ha="center",
                                fontsize=7, color="#555555")
    ax.set_xticks(range(len(ks)), [fmt_count(k) for k in ks])
    ax.set_xlim(-0.6, len(ks) - 0.4)
    ax.set_title(title, color="#444444")
    ax.grid(axis="x", visible=False)
    return bool(series)


def advertised_values(runs):
    """name -> ns from summaries.timeslice_observed.advertised (unit from the name's suffix)."""
    out = {}
    for run in runs:
        advertised = run.summary("timeslice_observed").get("advertised")
        for name, value in (advertised.items() if isinstance(advertised, dict) else ()):
            ns = as_ns(name, value)
            if ns:
                out.setdefault(str(name), ns)
    return out


def scheduler_tick(runs):
    """One scheduler tick in ns (1/HZ from summaries.timeslice_observed.scheduler_facts), or None."""
    for run in runs:
        facts = run.summary("timeslice_observed").get("scheduler_facts")
        hz = facts.get("hz") if isinstance(facts, dict) else None
        value = number(hz.get("value")) if isinstance(hz, dict) else None
        if value and value > 0:
            return 1e9 / value
    return None


def advertised_words(name):
    """A setting's name in words: ADVERTISED_WORDS, else the name without its unit, spaced."""
    words = ADVERTISED_WORDS.get(str(name))
    if words:
        return words
    stem = str(name)
    for suffix in ("_ns", "_us", "_ms", "_s"):
        stem = stem.removesuffix(suffix)
    return stem.replace("_", " ")


def as_ns(name, value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    scale = next((s for suffix, s in (("_ns", 1), ("_us", 1e3), ("_ms", 1e6), ("_s", 1e9))
                  if str(name).endswith(suffix)), 1)
    return value * scale if value > 0 and math.isfinite(value) else None


def combined_legend(axes, where, advertised):
    """One legend for both panels: the series once each, the advertised markers and lines."""
    from matplotlib.lines import Line2D
    entries = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    if advertised:
        entries["kernel settings (summaries)"] = Line2D([], [], color="#333333", linestyle="--", linewidth=0.9)
    where.axis("off")
    where.legend(list(entries.values()), list(entries.keys()), loc="center", ncol=2, borderaxespad=0)


def draw_advertised(ax, advertised, labels):
    # Settings of equal value share one line and one label, so their names do not print over each other.
    by_value = {}
    for name, ns in advertised.items():
        by_value.setdefault(ns, []).append(name)
    for ns, names in sorted(by_value.items()):
        ax.axhline(ns, color="#333333", linestyle="--", linewidth=0.9, zorder=0)
        if labels:
            ax.annotate(f"{' = '.join(sorted(map(advertised_words, names)))} = {fmt_ns(ns)}", (1, ns), xycoords=("axes fraction", "data"),
                        xytext=(-4, 3), textcoords="offset points", ha="right", va="bottom",
                        fontsize=8, color="#333333")


FAMILIES = ("timeslice",)
CHART = Chart("timeslices", "Time slices the kernel actually gives", draw, families=FAMILIES)
