"""`trend` (several files only): chosen switch benchmarks across the files, ordered by date."""
import re

from .common import (Chart, NoData, RUN_COLOURS, fmt_ns, group_name, is_python, legend_outside, log_axis,
                     mechanism, need, new_figure, parse_date, points, real_time_ns, short_date,
                     value_limits, whiskers)


DEFAULT_TREND = r"^(thread_futex|process_pipe|fcontext_fiber)/(same_cpu|one_thread)$"


def trend_keys(runs, pattern, pattern_given):
    """Switch benchmarks to follow: those matching `pattern`, else (default only) one per kind."""
    keys = {}
    for run in runs:
        for p in points(run, "switch", real_time_ns):
            key = f"{mechanism(p.entry)}/{p.entry.get('placement') or ''}"
            if pattern.search(key) or pattern.search(group_name(p.entry)):
                keys.setdefault(key, p.entry.get("kind"))
    if keys or pattern_given:
        return sorted(keys)
    fallback = {}
    for run in runs:
        for p in sorted(points(run, "switch", real_time_ns), key=lambda p: mechanism(p.entry)):
            fallback.setdefault(p.entry.get("kind"), f"{mechanism(p.entry)}/{p.entry.get('placement') or ''}")
    return sorted(fallback.values())


def draw(runs, args):
    """Chosen switch benchmarks across files ordered by date."""
    if len(runs) < 2:
        raise NoData("the trend needs two or more files", quiet=True)
    need(runs, "switch")
    keys = trend_keys(runs, re.compile(args.trend or DEFAULT_TREND), args.trend is not None)
    if not keys:
        raise NoData(f"no switch benchmark matches --trend {args.trend!r}")
    ordered = sorted(runs, key=run_order)
    dated = all(parse_date(r.context.get("date")) for r in ordered)
    at = [parse_date(r.context.get("date")).timestamp() / 86400 for r in ordered] if dated else \
        list(range(len(ordered)))
    fig, ax = new_figure(11, 5.8, "Switch cost over time",
                         ("x: each file's context.date, to scale" if dated else
                          "files in order, evenly spaced (not every file has a context.date)")
                         + "; median, whiskers as in the cost chart; under each file its git revision")
    values = []
    for j, key in enumerate(keys):
        xs, pts, python = trend_series(ordered, key, args.whiskers)
        xs = [at[x] for x in xs]
        values += [v for p in pts for v in (p.value, p.lo, p.hi) if v]
        ax.errorbar(xs, [p.value for p in pts], yerr=whiskers(pts, True), marker="D" if python else "o",
                    markerfacecolor="white" if python else None, capsize=3, linewidth=1.6,
                    color=RUN_COLOURS[j % len(RUN_COLOURS)],
                    label=key.replace("/", " · ") + (" (py)" if python else ""))
    lo, hi = value_limits(values)
    ax.set_yscale("log")
    ax.set_ylim(lo, hi)
    log_axis(ax.yaxis, lo, hi, fmt_ns)
    span = (max(at) - min(at)) or 1.0
    ax.set_xticks(at, staggered([trend_tick(r) for r in ordered], at, span), fontsize=8)
    ax.set_xlim(min(at) - 0.06 * span, max(at) + 0.06 * span)
    ax.set_ylabel("time of one one-way switch (log scale)")
    legend_outside(ax)
    reading = ("The chosen switch benchmarks (--trend) in each file, at each file's date (to scale), "
               "oldest left: a step up is a regression or a different machine, kernel or revision (named "
               "under each point with its git revision).")
    return fig, reading


def trend_series(ordered, key, spread):
    """x positions (file index), Points, and whether the benchmark is a Python one, for one key."""
    xs, pts, python = [], [], False
    for x, run in enumerate(ordered):
        found = [p for p in points(run, "switch", real_time_ns, spread)
                 if f"{mechanism(p.entry)}/{p.entry.get('placement') or ''}" == key]
        if found:
            xs.append(x)
            pts.append(found[0])
            python = python or is_python(found[0].entry, run)
    return xs, pts, python


def run_order(run):
    date = parse_date(run.context.get("date"))
    return (date is None, date.timestamp() if date else 0, run.name)


def staggered(labels, at, span):
    """Labels of files closer than a tenth of the span pushed below their neighbour's, not over it."""
    out = []
    for j, label in enumerate(labels):
        close = j > 0 and at[j] - at[j - 1] < 0.1 * span
        out.append("\n" * (out[-1].count("\n") + 2) + label if close else label)
    return out


def trend_tick(run):
    language = "python" if run.bs.get("language") == "python" else ""
    revision = run.fact("git_revision")
    return "\n".join(x for x in (short_date(run.context.get("date")), run.fact("host_name"),
                                 run.fact("kernel_release"), short_revision(revision), language) if x)


def short_revision(revision):
    """The first 12 characters of a git hash, '-dirty' kept."""
    dirty = revision.endswith("-dirty")
    base = revision.removesuffix("-dirty")
    return base[:12] + ("-dirty" if dirty else "")


FAMILIES = ("switch",)
CHART = Chart("trend", "Switch cost over time", draw, families=FAMILIES)
