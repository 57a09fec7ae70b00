"""`batch_means`: the distribution of per-batch mean switch times of the cooperative mechanisms. One
user-space switch is shorter than a clock read, so these are not single switches: each sample is the
mean ns per switch of one short batch, over many batches."""
from .common import Chart, NoData, mechanism
from .distribution import clock_note, distributions, draw_distributions, unsupported_note, what_note


def draw(runs, args):
    dists = distributions(runs, "switch", "batch_mean")
    if not dists:
        raise NoData("no switch benchmark carries a batch-mean histogram", quiet=True)
    mechs = sorted({mechanism(d.entry) for d in dists})
    title = "Per-batch mean switch time, cooperative mechanisms"
    subtitle = (f"NOT single switches: each sample is one short batch's mean ns per switch ({what_note(dists)})"
                f"\n{clock_note(dists)}; each line and its marks: every batch of every repetition pooled "
                f"(histograms summed per bucket)\n{unsupported_note(dists)}").rstrip()
    fig = draw_distributions(dists, runs, title, subtitle, "mean time of one switch in a batch", mechs,
                             count_word="batches")
    reading = ("How the mean time per switch of short batches of user-space switches is distributed, per "
               "mechanism (single switches are too short to time one by one): a narrow peak means every "
               "batch ran alike; ● marks the median batch (p50), ▼ the p99 and ◆ the p99.9 of the same pooled "
               "batches, each only where at least 5 batches lie beyond it.")
    return fig, reading


FAMILIES = ("switch",)
CHART = Chart("batch_means", "Per-batch mean switch time (cooperative)", draw, families=FAMILIES)
