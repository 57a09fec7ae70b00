"""`idle_states`: the cross-CPU rows measured with the target CPUs in three states side by side —
`idle` (as configured: the idle:idle row, else the plain cross_cpu row), `awake` (polling only, the PM QoS latency request held
at 0) and `busy` (a SCHED_IDLE spinner the woken task preempts) — one group of bars per mechanism,
each bar labelled with its deep idle-state entries per switch, the proof of the state it claims."""
from .common import (Chart, NoData, fmt_ns, legend_outside, need, new_figure, number, params, points, real_time_ns,
                     ticker)

STATES = ("idle", "awake", "busy")
STATE_COLOUR = {"idle": "#c0392b", "awake": "#2471a3", "busy": "#7f8c8d"}
HATCHES = ("", "//", "..", "xx", "\\\\", "++")


def state_of(entry):
    state = params(entry).get("idle_state")
    return state if state in STATES else None


def deep_entries(point):
    """Deep idle entries per switch of the row's own batches (the median over the repetitions), or
    None for a row that does not read them (the plain cross_cpu row)."""
    values = [number(e.get("deep_idle_entries_per_switch")) for e in point.reps]
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else None


def collect(run):
    """{mechanism: {state: (point, deep entries per switch)}} for the mechanisms with an awake or busy row;
    of the two idle rows (the plain cross_cpu one and idle:idle), the one that carries its idle entries."""
    found = {}
    for p in points(run, "switch", real_time_ns):
        state = state_of(p.entry)
        if p.entry.get("placement") != "cross_cpu" or state is None:
            continue
        states = found.setdefault(str(p.entry.get("mechanism")), {})
        deep = deep_entries(p)
        if state not in states or (states[state][1] is None and deep is not None):
            states[state] = (p, deep)
    return {m: s for m, s in found.items() if "awake" in s or "busy" in s}


def draw(runs, args):
    """ns per one-way switch of each cross-CPU row in the three states, one group per mechanism."""
    need(runs, "switch")
    per_run = [(run, collect(run)) for run in runs]
    mechanisms = sorted({m for _, found in per_run for m in found})
    if not mechanisms:
        raise NoData("no switch row was measured with the CPUs awake or busy (the idle:awake and idle:busy rows)",
                     quiet=True)
    fig, ax = new_figure(max(6.5, 2.6 * len(mechanisms) * len(runs)), 5.4, "Cross-CPU wake-ups: the target CPU idle, awake, busy",
                         "bars: median ns per one-way switch, whiskers min–max over repetitions; "
                         "label: deep idle entries per switch")
    width = 0.8 / (len(STATES) * len(runs))
    labelled = set()
    for i, mechanism in enumerate(mechanisms):
        for r, (run, found) in enumerate(per_run):
            for s, state in enumerate(STATES):
                point, deep = found.get(mechanism, {}).get(state, (None, None))
                if point is None:
                    continue
                x = i - 0.4 + width * (r * len(STATES) + s + 0.5)
                label = state + (f" ({run.label})" if len(runs) > 1 else "")
                lo = point.value - point.lo if point.lo is not None else 0
                hi = point.hi - point.value if point.hi is not None else 0
                ax.bar(x, point.value, width, color=STATE_COLOUR[state], hatch=HATCHES[r % len(HATCHES)],
                       yerr=[[lo], [hi]], capsize=3, label=None if label in labelled else label)
                labelled.add(label)
                text = fmt_ns(point.value) + ("" if deep is None else f"\n{deep:.2g} deep/sw")
                ax.annotate(text, (x, point.hi if point.hi is not None else point.value), textcoords="offset points",
                            xytext=(0, 3), ha="center", va="bottom", fontsize=7.5)
    ax.set_xticks(range(len(mechanisms)), [f"{m} · cross_cpu" for m in mechanisms])
    ax.set_ylabel("ns per one-way switch")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(ticker().FuncFormatter(lambda v, _: fmt_ns(v)))
    legend_outside(ax)
    reading = ("The same cross-CPU handoff with the partner's CPU left to its idle governor (idle), kept polling by "
               "the PM QoS latency request (awake), and running a lowest-priority spinner (busy): the gap between "
               "idle and awake is the CPU's exit from its idle state, which the row's paired batches measure "
               "(summaries.findings: idle_exit_cost).")
    return fig, reading


FAMILIES = ("switch",)
CHART = Chart("idle_states", "Cross-CPU wake-ups with the target CPU idle, awake, busy", draw, families=FAMILIES)
