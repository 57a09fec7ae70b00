"""`c2c_<carrier>`: core-to-core handoff latency (summaries.c2c), one heatmap per carrier:
measuring CPU down, partner CPU across, both by OS number, lines where the topology's groups (core,
LLC, package, NUMA node) change; each heatmap's matrix is also written as c2c_<carrier>.csv."""
import json
import math
import textwrap
import re

from .common import Chart, Drawing, NoData, number, pyplot, wants_log

COLOUR_BAR_FROM = 2          # distinct measured values: below this, one colour and no colour bar
ONE_COLOUR = "#21918c"      # viridis's middle, for a matrix of one value
ANNOTATE_UP_TO = 16          # CPUs: beyond this a cell is too small for its value
INTERVAL_UP_TO = 8           # CPUs: up to this, the pair's interval (lo_ns-hi_ns) under its value
# Group boundaries, widest first: the line drawn between two neighbours is that of the widest group
# they do not share.
GROUPS = (("numa", "NUMA node", {"color": "black", "linewidth": 3.2}),
          ("package", "package", {"color": "#222222", "linewidth": 2.4}),
          ("llc", "last-level cache", {"color": "#444444", "linewidth": 1.6, "linestyle": "--"}),
          ("core", "core (SMT siblings inside)", {"color": "white", "linewidth": 1.0, "linestyle": ":"}))


def matrix(value, n):
    """`value` as n rows of n numbers or None, or None when it is not such a matrix."""
    if not isinstance(value, list) or len(value) != n:
        return None
    rows = []
    for row in value:
        if not isinstance(row, list) or len(row) != n:
            return None
        rows.append([v if number(v) is not None else None for v in row])
    return rows


def cpu_list(c2c):
    cpus = c2c.get("cpus")
    if not isinstance(cpus, list) or not cpus or not all(isinstance(c, dict) and number(c.get("cpu")) is not None
                                                         for c in cpus):
        return None
    return cpus


def cpu_label(cpu):
    text = f"{number(cpu['cpu']):.0f}"
    return text + (f" {cpu['kind']}" if isinstance(cpu.get("kind"), str) and cpu["kind"] else "")


def csv_text(cpus, medians):
    """header `cpu,<cpu>,...`, one row per measuring CPU, the JSON's numbers as written, empty for null."""
    labels = [f"{number(c['cpu']):.0f}" for c in cpus]
    lines = ["cpu," + ",".join(labels)]
    lines += [label + "," + ",".join("" if v is None else json.dumps(v) for v in row)
              for label, row in zip(labels, medians)]
    return "\n".join(lines) + "\n"


def boundaries(cpus):
    """[(index between i-1 and i, group style)] where neighbours in matrix order change group."""
    out = []
    for i in range(1, len(cpus)):
        for key, name, style in GROUPS:
            if cpus[i].get(key) != cpus[i - 1].get(key):
                out.append((i, name, style))
                break
    return out


def cell_text(ns):
    """The cell's value in ns, the unit of the colour bar: whole ns from 1 µs, else 3 digits."""
    return f"{ns:.0f}" if ns >= 1000 else f"{ns:.3g}"


def coverage(c2c, info=None):
    """'5 of 6 pairs measured (sampled), every PU; budget 4 s, took 3.1 s' from summaries.c2c; the
    pair counts the carrier's own (`info`) where it has them, the matrix's in all otherwise."""
    counts = info if info and "pairs_measured" in info else c2c
    parts = [f"{counts.get('pairs_measured', '?')} of {counts.get('pairs_total', '?')} pairs measured"
             + (" (sampled)" if c2c.get("sampled") else "")]
    parts += [str(c2c["pus"])] if c2c.get("pus") else []
    times = [f"{what} {c2c[key]:.2g} s" for key, what in (("budget_s", "budget"), ("elapsed_s", "took both carriers"))
             if number(c2c.get(key)) is not None]
    return ", ".join(parts) + ("; " + ", ".join(times) if times else "")


def draw_heatmap(c2c, cpus, carrier, medians, title):
    import matplotlib.colors
    import matplotlib.patches
    from matplotlib.lines import Line2D
    n = len(cpus)
    values = [v for row in medians for v in row if v is not None]
    side = min(14.0, 4.2 + 0.5 * n)
    fig = pyplot().figure(figsize=(side + 1.6, side + 0.4), layout="constrained")
    fig.suptitle(title, fontweight="bold")
    ax = fig.add_subplot()
    info = c2c["carriers"][carrier]
    intervals = [matrix(info.get(key), n) for key in ("lo_ns", "hi_ns")] if n <= INTERVAL_UP_TO else [None]
    with_interval = all(m is not None for m in intervals)
    # Two short lines: what the carrier is (the entry's sentence up to its first colon; the whole
    # sentence is in the index), then what a cell holds and how many pairs were measured.
    ax.set_title(textwrap.shorten(str(info.get('what', '')).split(":")[0], 100) + ": median per pair"
                 + (", its interval lo–hi under it" if with_interval else "") + f", {info.get('unit', 'ns')}"
                 + f"\n{coverage(c2c, info)}; hatched: not measured", color="#444444", fontsize="small")
    log = wants_log(values)
    norm = (matplotlib.colors.LogNorm if log else matplotlib.colors.Normalize)(min(values), max(values))
    grid = [[math.nan if v is None else float(v) for v in row] for row in medians]
    spread = len(set(values)) >= COLOUR_BAR_FROM
    image = ax.imshow(grid, cmap="viridis" if spread else matplotlib.colors.ListedColormap([ONE_COLOUR]), norm=norm, interpolation="nearest")
    if spread:      # a scale of one or two values would only restate the cells' own numbers
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        bar.set_label(f"{info.get('unit', 'ns')}" + (" (log scale)" if log else ""))
    for i, row in enumerate(medians):
        for j, v in enumerate(row):
            if v is None:
                ax.add_patch(matplotlib.patches.Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#eeeeee",
                                                          edgecolor="#aaaaaa", hatch="///", linewidth=0))
            elif n <= ANNOTATE_UP_TO:
                light = spread and norm(float(v)) > 0.6          # viridis is light at the top: dark text there
                text = cell_text(float(v))
                if with_interval and intervals[0][i][j] is not None and intervals[1][i][j] is not None:
                    text += f"\n{cell_text(float(intervals[0][i][j]))}–{cell_text(float(intervals[1][i][j]))}"
                ax.text(j, i, text, ha="center", va="center", fontsize=8 if n <= 8 else 6.5,
                        color="black" if light else "white")
    handles = {}
    for i, name, style in boundaries(cpus):
        ax.axvline(i - 0.5, **style)
        ax.axhline(i - 0.5, **style)
        handles.setdefault(name, Line2D([], [], **style))
    labels = [cpu_label(c) for c in cpus]
    step = max(1, math.ceil(n / 32))
    ax.set_xticks(range(0, n, step), labels[::step], fontsize=8)
    ax.set_yticks(range(0, n, step), labels[::step], fontsize=8)
    ax.set_xlabel("partner CPU (OS number)")
    ax.set_ylabel("measuring CPU (OS number)")
    ax.grid(False)
    ax.set_facecolor("#eeeeee")
    if handles:   # the core lines are white: the legend needs a background they show on
        ax.legend(handles.values(), [f"boundary between {k}s" if not k.startswith("core") else
                                     "boundary between cores" for k in handles],
                  loc="upper center", bbox_to_anchor=(0.5, 0.0), borderaxespad=3.6, ncol=2,
                  facecolor="#bbbbbb")     # below the x label, not over it
    return fig


def draw(runs, args):
    with_c2c = [(i, run, run.summary("c2c")) for i, run in enumerate(runs) if run.summary("c2c")]
    if not with_c2c:
        raise NoData("no file carries summaries.c2c", quiet=True)
    drawings, problems = [], []
    for i, run, c2c in with_c2c:
        cpus = cpu_list(c2c)
        carriers = c2c.get("carriers") if isinstance(c2c.get("carriers"), dict) else {}
        if cpus is None or not carriers:
            problems.append(f"{run.name}: summaries.c2c has no cpus list or no carriers")
            continue
        for carrier, info in carriers.items():
            medians = matrix(info.get("median_ns") if isinstance(info, dict) else None, len(cpus))
            if medians is None or all(v is None for row in medians for v in row):
                problems.append(f"{run.name}: summaries.c2c.carriers.{carrier}.median_ns is not a "
                                f"{len(cpus)}×{len(cpus)} matrix with a value")
                continue
            name = "c2c_" + re.sub(r"[^A-Za-z0-9_]+", "-", str(carrier))
            name += f"_{i + 1}" if len(with_c2c) > 1 else ""
            title = f"Core-to-core handoff latency, {carrier}" + (f" — {run.label}" if len(runs) > 1 else "")
            fig = draw_heatmap(c2c, cpus, carrier, medians, title)
            reading = (f"{info.get('what', '')}. " if isinstance(info, dict) and info.get("what") else "")
            reading += (f"The median time of one one-way {carrier} handoff from the CPU of each row to the "
                       "CPU of each column (OS numbers), lines where the two stop sharing a core, a "
                       "last-level cache, a package or a NUMA node; hatched pairs were not measured. The "
                       f"matrix is in {name}.csv.")
            drawings.append(Drawing(name, title, fig, reading, {"csv": csv_text(cpus, medians)}))
    if not drawings:
        raise NoData("; ".join(problems))
    return drawings


FAMILIES = ("c2c",)
CHART = Chart("c2c", "Core-to-core handoff latency", draw, several=True, families=FAMILIES)
