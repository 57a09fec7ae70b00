"""`latency_<placement>`: the distribution of one-way handoff latency, one chart per placement (in order
of distance), one line per mechanism, the repetitions' histograms merged. The density shows the modes
(two where the scheduler sometimes keeps both tasks on one CPU, `unpinned`), the share slower than x
the tail (wake-ups of an idle CPU, `cross_cpu`)."""
from .common import Chart, Drawing, NoData, mechanism, placement_rank
from .distribution import clock_note, distributions, draw_distributions, unsupported_note, what_note


def draw(runs, args):
    dists = distributions(runs, "switch", "one_way_sample")
    if not dists:
        raise NoData("no switch benchmark carries a one-way latency histogram", quiet=True)
    mechs = sorted({mechanism(d.entry) for d in dists})
    placements = sorted({str(d.entry.get("placement") or "none") for d in dists}, key=placement_rank(runs))
    drawings = []
    for placement in placements:
        here = [d for d in dists if str(d.entry.get("placement") or "none") == placement]
        title = f"One-way handoff latency, {placement}"
        subtitle = (f"{what_note(here)}\n{clock_note(here)}; each line and its marks: every sample of every "
                    f"repetition pooled (histograms summed per bucket)\n{unsupported_note(here)}").rstrip()
        fig = draw_distributions(here, runs, title, subtitle, "one-way latency of one handoff", mechs)
        reading = (f"How the latency of single one-way handoffs between two tasks ({placement}) is "
                   "distributed, per mechanism: the small panels show where each mechanism's samples lie "
                   "(a peak per mode), the lower one the share slower than x on a log scale (the tail); "
                   "● marks the median (p50), ▼ the p99 and ◆ the p99.9 of the same pooled samples, each "
                   "only where at least 5 samples lie beyond it.")
        drawings.append(Drawing(f"latency_{placement}", title, fig, reading))
    return drawings


FAMILIES = ("switch",)
CHART = Chart("latency", "One-way handoff latency per placement", draw, several=True, families=FAMILIES)
