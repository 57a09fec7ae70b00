"""Curve charts (granularity, footprint, ring, contention): x = a parameter of the benchmark, one line
per mechanism (and per file)."""
import math

from .common import (NoData, RUN_DASHES, RUN_MARKERS, SERIES_COLOURS, is_python,
                     legend_outside, log_axis, measured_ticks, mechanism, need, new_figure, number, param,
                     params_text, points, spread_note, ticker, value_limits, wants_log, whiskers)


def series_key(entry, run, xparam, dash_param=None):
    """A curve: mechanism, placement, language and every parameter except x."""
    other = params_text(entry, skip=(xparam, dash_param))
    return (mechanism(entry), str(entry.get("placement") or ""), is_python(entry, run), other)


def collect_series(runs, family, xparam, value, spread, dash_param=None):
    """{(key, run index): [(x, Point)]} sorted by x, and the key order."""
    series = {}
    for i, run in enumerate(runs):
        for p in points(run, family, value, spread):
            x = param(p.entry, xparam)
            if x is None or x <= 0:
                continue
            key = series_key(p.entry, run, xparam, dash_param)
            series.setdefault((key, i), []).append((x, p))
    for pts in series.values():
        pts.sort(key=lambda xp: xp[0])
    keys = sorted({k for k, _ in series}, key=lambda k: (k[2], k[0], k[1], k[3]))
    return series, keys


def series_label(key, runs, run_index, placements, dash_value=None, dash_names=None):
    mech, placement, python, other = key
    text = mech + (f" · {placement}" if placements > 1 and placement else "")
    text += (f" {other}" if other else "") + (" (py)" if python else "")
    if dash_names and dash_value is not None:
        text += f", {dash_names.get(dash_value, dash_value)}"
    return text + (f" — {runs[run_index].label}" if len(runs) > 1 else "")


UNRESOLVED_COLOUR = "#9a9a9a"


def unresolved(point):
    """A point whose interval holds 0: no figure, only its uncertainty."""
    return point.lo is not None and point.hi is not None and point.lo <= 0 <= point.hi


def draw_curves(ax, runs, series, keys, log_y, dash_param=None, dash_names=None, label_extra=None,
                grey_unresolved=False, offset=None):
    """One line per (series, file): colour per series, marker per file, whiskers as error bars. With
    `grey_unresolved`, a point whose interval holds 0 is grey, hollow and joined to no line, so that
    a run of them does not read as a trend. `offset(j)`: a factor on x for the j-th line drawn, so
    that lines which coincide stay apart."""
    placements = len({k[1] for k in keys})
    colour = series_colours(runs, keys)
    drawn = 0
    for (key, i), pts in sorted(series.items(), key=lambda kv: (keys.index(kv[0][0]), kv[0][1])):
        for dash_value, sub in split_by(pts, dash_param):
            shift = offset(drawn) if offset else 1.0
            drawn += 1
            xs = [x * shift for x, _ in sub]
            ps = [p for _, p in sub]
            style = "--" if dash_value else RUN_DASHES[i % len(RUN_DASHES)] if dash_param is None else "-"
            label = series_label(key, runs, i, placements, dash_value, dash_names)
            if label_extra:
                label += label_extra(key, i)
            hollow = key[2] or bool(dash_value)      # Python, or the dashed half of a split
            grey = [grey_unresolved and unresolved(p) for p in ps]
            ax.errorbar(xs, [math.nan if g else p.value for p, g in zip(ps, grey)], yerr=whiskers(ps, log_y),
                        color=colour[key], marker=RUN_MARKERS[i % len(RUN_MARKERS)], markersize=5.5,
                        linestyle=style, linewidth=1.6, capsize=2.5, elinewidth=1, label=label,
                        markerfacecolor="white" if hollow else colour[key])
            if any(grey):
                gp = [(x, p) for x, p, g in zip(xs, ps, grey) if g]
                ax.errorbar([x for x, _ in gp], [p.value for _, p in gp], yerr=whiskers([p for _, p in gp], log_y),
                            color=UNRESOLVED_COLOUR, marker=RUN_MARKERS[i % len(RUN_MARKERS)], markersize=5.5,
                            linestyle="none", capsize=2.5, elinewidth=1, markerfacecolor="white",
                            markeredgecolor=colour[key], zorder=1)     # the edge still says whose point
    return colour


def curve_families():
    """The families drawn as curves: the first each curve chart declares (Chart.curves)."""
    from . import CHARTS    # the chart modules import this one
    return {chart.families[0] for chart in CHARTS if chart.curves and chart.families}


def series_colours(runs, keys):
    """Series key -> colour: a mechanism keeps its colour on every chart of one invocation, unless
    two series of this chart would share one."""
    mechs = sorted({mechanism(b) for run in runs for b in run.data["benchmarks"]
                    if b.get("mechanism") and b.get("family") in curve_families()})
    index = {m: j for j, m in enumerate(mechs)}
    wanted = {k: SERIES_COLOURS[index.get(k[0], len(mechs)) % len(SERIES_COLOURS)] for k in keys}
    if len(set(wanted.values())) == len(keys):
        return wanted
    return {k: SERIES_COLOURS[j % len(SERIES_COLOURS)] for j, k in enumerate(keys)}


def split_by(pts, dash_param):
    """[(value of dash_param, points)] or [(None, points)] when curves are not split."""
    if dash_param is None:
        return [(None, pts)]
    groups = {}
    for x, p in pts:
        groups.setdefault(param(p.entry, dash_param), []).append((x, p))
    return sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))


def finish_curve_axes(ax, series, log_y, x_fmt, y_fmt, x_measured=True):
    xs = [x for pts in series.values() for x, _ in pts]
    ys = [v for pts in series.values() for _, p in pts for v in (p.value, p.lo, p.hi) if v is not None]
    ax.set_xscale("log", base=2 if x_measured else 10)
    if x_measured:
        measured_ticks(ax.xaxis, xs, x_fmt)
    else:
        log_axis(ax.xaxis, min(xs), max(xs), x_fmt)
    if log_y:
        lo, hi = value_limits(ys, pad=1.4)
        ax.set_yscale("log")
        ax.set_ylim(lo, hi)
        log_axis(ax.yaxis, lo, hi, y_fmt)
    else:
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(ticker().FuncFormatter(lambda v, _: y_fmt(v)))


def curve_chart(runs, args, family, xparam, value, title, xlabel, ylabel, x_fmt, y_fmt):
    """The shared body of footprint, ring and preemption."""
    need(runs, family)
    series, keys = collect_series(runs, family, xparam, value, args.whiskers)
    if not series:
        raise NoData(f"the '{family}' benchmarks carry no {xparam} parameter or no value")
    ys = [p.value for pts in series.values() for _, p in pts]
    log_y = wants_log(ys)
    all_points = [p for pts in series.values() for _, p in pts]
    fig, ax = new_figure(10.5, 5.6, title, f"median; {spread_note(all_points)}")
    draw_curves(ax, runs, series, keys, log_y)
    finish_curve_axes(ax, series, log_y, x_fmt, y_fmt)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel + (" (log scale)" if log_y else ""))
    legend_outside(ax)
    return fig, all_points


def with_interval(series, lo_key, hi_key, scale=1.0):
    """Whiskers = the point's interval as the summaries give it: the union of its repetitions' 95 %
    intervals (counters `lo_key`, `hi_key`, times `scale`), in place of the repetitions' spread."""
    for pts in series.values():
        for _, p in pts:
            los = [v for v in (number(r.get(lo_key)) for r in p.reps) if v is not None]
            his = [v for v in (number(r.get(hi_key)) for r in p.reps) if v is not None]
            if los and his:
                p.lo, p.hi, p.spread = min(los) * scale, max(his) * scale, "ci95"
