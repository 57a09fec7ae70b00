"""Row charts (overhead, spawn, memory): one row per mechanism and placement, grouped under a heading
per kind, a marker with whiskers per file."""
import re
from dataclasses import dataclass, field

from .common import (KIND_COLOUR, KIND_ORDER, KIND_TITLE, PYTHON_COLOUR, RUN_COLOURS,
                     entry_label, is_python, mechanism, params_text, placement_rank, points, whiskers)


@dataclass
class Row:
    key: tuple
    label: str
    kind: str
    python: bool
    points: dict = field(default_factory=dict)    # run index -> Point


def collect_rows(runs, family, value, spread, force_placement=False, no_placement=False):
    """Rows keyed by mechanism, placement and (where they would collide) params; `no_placement` for
    families whose placement tells nothing (idle tasks)."""
    per_run = [(i, run, points(run, family, value, spread)) for i, run in enumerate(runs)]
    placements = {p.entry.get("placement") for _, _, pts in per_run for p in pts}
    with_placement = not no_placement and (force_placement or len(placements) > 1)
    names = [(mechanism(p.entry), p.entry.get("placement")) for _, _, pts in per_run for p in pts]
    collide = len(names) != len(set(names)) * max(1, sum(1 for _, _, pts in per_run if pts))
    rows = {}
    for i, run, pts in per_run:
        for p in pts:
            extra = params_text(p.entry) if collide else ""
            key = (mechanism(p.entry), p.entry.get("placement") if with_placement else None, extra,
                   is_python(p.entry, run))
            row = rows.setdefault(key, Row(key, entry_label(p.entry, run, with_placement, extra),
                                           str(p.entry.get("kind") or "other"), is_python(p.entry, run)))
            row.points.setdefault(i, p)
    return list(rows.values())


def layout_rows(rows, runs):
    """[("heading", kind) | ("row", Row)]: kinds in KIND_ORDER, within a kind placements in
    the catalogue's order (nearest first), within a placement most expensive first, companions together (COMPANIONS)."""
    rank = placement_rank(runs)
    kinds = sorted({r.kind for r in rows}, key=lambda k: (KIND_ORDER + (k,)).index(k))
    layout = []
    for kind in kinds:
        members = [r for r in rows if r.kind == kind]
        dearest = {}
        for r in members:
            group = (r.key[1], companion(r))
            dearest[group] = max(dearest.get(group, 0.0), first_value(r))

        def order(r):
            group = companion(r)
            top = first_value(r) if group is None else dearest[(r.key[1], group)]
            return rank(r.key[1]), -top, -1 if group is None else group, -first_value(r)
        members.sort(key=order)
        layout.append(("heading", kind))
        layout += [("row", r) for r in members]
    return layout


# Rows a reader compares with each other, whatever their figures: Asio's event loop (C++) beside
# Python's asyncio. Within a placement, a group sits together where its dearest member would sort.
COMPANIONS = (re.compile(r"(^|_)(asio|asyncio)(_|$)"),)


def companion(row):
    """The index of the row's group in COMPANIONS, or None."""
    return next((j for j, pattern in enumerate(COMPANIONS) if pattern.search(row.key[0])), None)


def first_value(row):
    return next(iter(row.points.values())).value


def row_style(row, run_index, several):
    colour = RUN_COLOURS[run_index % len(RUN_COLOURS)] if several else \
        PYTHON_COLOUR if row.python else KIND_COLOUR.get(row.kind, "#333333")
    return {"color": colour, "marker": "D" if row.python else "o",
            "markerfacecolor": "white" if row.python else colour, "markersize": 7 if row.python else 6.5}


def draw_rows(ax, layout, runs, value_fmt, annotate=None, tail=None):
    """Markers with whiskers, one row per mechanism, headings per kind; y labels from the data;
    each value printed beside its marker, with `annotate`'s note after it; `tail(point)`, where it
    gives a value, is drawn as a ▼ joined to the marker by a dotted line (the p99 of the overhead chart)."""
    several = len(runs) > 1
    offset = 0.6 / len(runs) if several else 0.0
    labels, y_of, previous = [], {}, None
    for y, (what, item) in enumerate(layout):
        labels.append(KIND_TITLE.get(item, str(item).upper()) if what == "heading" else item.label)
        if what == "heading":
            ax.axhspan(y - 0.5, y + 0.5, color=KIND_COLOUR.get(item, "#999999"), alpha=0.10, lw=0)
            previous = None
            continue
        if previous != item.key[1]:     # a new placement block: a line above it, its name in words
            if previous is not None:
                ax.axhline(y - 0.5, color="#bbbbbb", linewidth=0.8)
            if item.key[1] and block_size(layout, y) > 1:
                # left, where a block's first (dearest) row leaves room; a block of one row has its
                # placement in its own label
                ax.annotate(placement_words(item.key[1]), (0, y - 0.5), xycoords=("axes fraction", "data"),
                            xytext=(4, -2), textcoords="offset points", ha="left", va="top", fontsize=8,
                            fontstyle="italic", color="#555555")
        previous = item.key[1]
        y_of[item.key] = y
        present = sorted(item.points)
        for slot, (i, p) in enumerate(sorted(item.points.items())):
            yy = y + (slot - (len(present) - 1) / 2) * offset     # centred on the row's label
            style = row_style(item, i, several)
            if p.value <= 0:        # a log axis has no 0: the value in words at its left edge
                ax.annotate(f"{value_fmt(p.value)} (no point: log scale)", (0, yy), xycoords=("axes fraction", "data"),
                            xytext=(4, 0), textcoords="offset points", va="center", fontsize=7.5,
                            color=style["color"])
                continue
            err = whiskers([p], log=True)
            ax.errorbar([p.value], [yy], xerr=err, capsize=3, elinewidth=1.2, linestyle="none", **style)
            far = tail(p) if tail else None
            if far is not None:
                ax.plot([p.value, far], [yy, yy], linestyle=":", linewidth=1, color=style["color"])
                ax.plot([far], [yy], **TAIL_STYLE, color=style["color"])
            note, alarm = annotate(p) if annotate else ("", False)
            ax.annotate(f"{value_fmt(p.value)}   {note}".rstrip(), (max(p.value, p.hi or 0, far or 0), yy),
                        xytext=(8, 0), textcoords="offset points", va="center", fontsize=7.5,
                        color="#c0392b" if alarm else "#444444", fontweight="bold" if alarm else "normal")
    ax.set_yticks(range(len(layout)), labels)
    for tick, (what, item) in zip(ax.get_yticklabels(), layout):
        if what == "heading":
            tick.set_fontweight("bold")
            tick.set_color(KIND_COLOUR.get(item, "#333333"))
    ax.set_ylim(len(layout) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    return y_of


def block_size(layout, y):
    """Rows from layout[y] on that share its placement (and kind)."""
    placement, n = layout[y][1].key[1], 0
    while y + n < len(layout) and layout[y + n][0] == "row" and layout[y + n][1].key[1] == placement:
        n += 1
    return n


PLACEMENT_WORDS = {"same_cpu": "both tasks pinned to one CPU", "smt_sibling": "on two SMT siblings of one core",
                   "cross_cpu": "on two CPUs", "cross_llc": "on two CPUs that share no last-level cache",
                   "cross_package": "on two packages", "cross_numa": "on two NUMA nodes",
                   "unpinned": "where the scheduler puts them", "one_thread": "both in one thread"}


def placement_words(placement):
    """'same_cpu: both tasks pinned to one CPU'."""
    words = PLACEMENT_WORDS.get(placement)
    return f"{placement}: {words}" if words else str(placement)


TAIL_STYLE = {"marker": "v", "markersize": 6, "markeredgecolor": "black", "markeredgewidth": 0.5,
              "linestyle": "none"}


def row_values(layout):
    vals = []
    for what, item in layout:
        if what == "row":
            for p in item.points.values():
                vals += [v for v in (p.value, p.lo, p.hi) if v is not None and v > 0]
    return vals


def rows_legend(ax, runs, layout, extra=()):
    """Legend: files (several runs) or kinds, plus the Python marker where Python rows exist, then
    the `extra` handles."""
    from matplotlib.lines import Line2D
    rows = [item for what, item in layout if what == "row"]
    handles = []
    if len(runs) > 1:
        present = {i for r in rows for i in r.points}
        handles += [Line2D([], [], color=RUN_COLOURS[i % len(RUN_COLOURS)], marker="o", linestyle="none",
                           label=run.label) for i, run in enumerate(runs) if i in present]
    if any(r.python for r in rows):
        handles.append(Line2D([], [], color="#999999" if len(runs) > 1 else PYTHON_COLOUR, marker="D",
                              markerfacecolor="white", linestyle="none", label="Python mechanism (py)"))
        if not all(r.python for r in rows):
            handles.append(Line2D([], [], color="#999999", marker="o", linestyle="none", label="C++ mechanism"))
    handles += extra
    if handles:     # rows run from dear (top right) to cheap (bottom left): bottom right is free
        ax.legend(handles=handles, loc="lower right")


def rows_height(layout, runs):
    return 1.9 + 0.22 * len(layout) * (1 + 0.25 * (len(runs) - 1))


def merge_rows(first, second):
    rows = {r.key: r for r in second}
    rows.update({r.key: r for r in first})
    return list(rows.values())
