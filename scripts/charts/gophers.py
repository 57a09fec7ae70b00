"""`gophers`: one pile of books burnt four ways (one gopher, K sharing a furnace, a 4-stage pipeline,
K with a furnace each), as speedup over one gopher against K, one panel per kind of gopher:
threads, fibers on one thread, goroutines (bench_switch --with-go)."""
from .common import Chart, NoData, legend_outside, need, new_figure, param, points, real_time_ns, spread_note

TASKS = (("threads", "kernel threads (every CPU)"), ("fibers", "Boost.Fiber fibers (one thread)"),
         ("go", "goroutines (GOMAXPROCS = CPUs)"))
WAYS = {"shared": ("#c0392b", "o", "K sharing one furnace"), "independent": ("#27ae60", "s", "K with a furnace each"),
        "pipeline": ("#2471a3", "^", "4-stage pipeline (K = 4)"), "one": ("#555555", "D", "one gopher")}


def way_points(run, spread):
    """{(task, way): [(K, Point)]} of one run's gophers rows."""
    out = {}
    for p in points(run, "gophers", real_time_ns, spread):
        task, _, way = str(p.entry.get("mechanism", "")).partition("_")
        k = param(p.entry, "K")
        if way in WAYS and k is not None:
            out.setdefault((task, way), []).append((k, p))
    return out


def speedups(series, one):
    """(K, speedup, low, high) of each point: one gopher's time over the way's (whiskers inverted)."""
    rows = []
    for k, p in sorted(series, key=lambda kp: kp[0]):
        lo = one / p.hi if p.hi else None
        hi = one / p.lo if p.lo else None
        rows.append((k, one / p.value, lo, hi))
    return rows


def draw(runs, args):
    need(runs, "gophers")
    run = next((r for r in runs if r.entries("gophers")), None)
    series = way_points(run, args.whiskers)
    tasks = [(t, title) for t, title in TASKS if (t, "one") in series]
    if not tasks:
        raise NoData("the 'gophers' rows hold no one-gopher row to take a speedup against")
    fig, _ = new_figure(4.2 * len(tasks) + 2.5, 5.0, "The gophers: speedup over one gopher, four ways",
                        f"{run.label or run.name}; {spread_note([p for s in series.values() for _, p in s])}")
    fig.clear()
    axes = fig.subplots(1, len(tasks), sharey=True, squeeze=False)[0]
    for ax, (task, title) in zip(axes, tasks):
        one = series[(task, "one")][0][1].value
        for way, (colour, marker, label) in WAYS.items():
            rows = speedups(series.get((task, way), []), one)
            if not rows:
                continue
            ks, ys = [r[0] for r in rows], [r[1] for r in rows]
            err = [[y - (r[2] if r[2] is not None else y) for y, r in zip(ys, rows)],
                   [(r[3] if r[3] is not None else y) - y for y, r in zip(ys, rows)]]
            ax.errorbar(ks, ys, yerr=err, color=colour, marker=marker, label=label, capsize=3,
                        linestyle="-" if len(ks) > 1 else "none")
        ax.axhline(1.0, color="#999999", linestyle=":", linewidth=1)
        ax.set_xscale("log", base=2)
        ax.set_xticks([1, 2, 4, 8], ["1", "2", "4", "8"])
        ax.set_title(title)
        ax.set_xlabel("K = gophers")
    axes[0].set_ylabel("speedup over one gopher (its ns per book over this way's)")
    legend_outside(axes[-1])
    reading = ("How much faster each way burns the same pile than one gopher: sharing one furnace is bounded "
               "by the furnace's share of a book, independent furnaces by the CPUs, the pipeline by its "
               "slowest stage; fibers on one thread cannot beat one gopher, only lose to the interleaving.")
    return fig, reading


FAMILIES = ("gophers",)
CHART = Chart("gophers", "The gophers: four ways to burn the books", draw, families=FAMILIES)
