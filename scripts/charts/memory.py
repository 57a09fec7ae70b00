"""`memory`: resident and virtual bytes per task, side by side on the same rows."""
from .common import Chart, NoData, bytes_axis, counter, fmt_bytes, fmt_count, need, param, pyplot, value_limits
from .rows import Row, collect_rows, draw_rows, layout_rows, merge_rows, row_values, rows_height, rows_legend


def draw(runs, args):
    """Resident and virtual memory per task, side by side, same rows."""
    need(runs, "memory")
    rss = collect_rows(runs, "memory", counter("rss_bytes_per_task"), args.whiskers, no_placement=True)
    virt = collect_rows(runs, "memory", counter("virtual_bytes_per_task"), args.whiskers, no_placement=True)
    if not rss and not virt:
        raise NoData("the 'memory' benchmarks carry no rss_bytes_per_task / virtual_bytes_per_task")
    layout = layout_rows(merge_rows(rss, virt), runs)
    fig = pyplot().figure(figsize=(12, rows_height(layout, runs)), layout="constrained")
    fig.suptitle("Memory per task" + task_counts(rss + virt), fontweight="bold")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, rows, title in ((axes[0], rss, "resident (RSS): memory really used"),
                            (axes[1], virt, "virtual: address space reserved")):
        by_key = {r.key: r for r in rows}
        sub = [(w, by_key.get(item.key, Row(item.key, item.label, item.kind, item.python)))
               if w == "row" else (w, item) for w, item in layout]
        draw_rows(ax, sub, runs, fmt_bytes)
        lo, hi = value_limits(row_values(sub))
        ax.set_xscale("log", base=2)
        ax.set_xlim(lo, hi * 6)        # room for the values
        bytes_axis(ax.xaxis, lo, hi * 6)
        ax.set_title(title, color="#444444")
        ax.set_xlabel("bytes per task (log scale)")
    axes[1].tick_params(axis="y", labelleft=False)
    rows_legend(axes[1], runs, layout)
    reading = ("Bytes per task: resident memory actually touched (left) and virtual address space "
               "reserved, mostly stacks (right), both on log scales.")
    return fig, reading


def task_counts(rows):
    """' (N = 1000 idle tasks of each kind)' from the benchmarks' N, or ''."""
    counts = sorted({param(p.entry, "N") for r in rows for p in r.points.values()} - {None})
    if not counts:
        return ""
    text = " or ".join(fmt_count(n) for n in counts)
    return f" (N = {text} idle tasks of each kind)"


FAMILIES = ("memory",)
CHART = Chart("memory", "Memory per task", draw, families=FAMILIES)
