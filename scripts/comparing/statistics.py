"""The judgement of one benchmark: rank tests (Mann-Whitney U for two runs, Wilcoxon signed-rank
for A/B pairs), a history's range, and the floors a difference must clear (compare.py's docstring
says why each)."""
import math
import statistics
import warnings
from dataclasses import dataclass

import bsjson
from units import fmt_ns

from .formats import TIME_DIGITS

MIN_HISTORY = 3            # fewer recorded runs than this: never judged
MIN_ROUNDS = 9             # A/B rounds per set

# Verdicts of one benchmark.
SLOWER = "SLOWER"          # significant and beyond both floors: a regression
FASTER = "faster"          # significant and beyond both floors, the good way
SMALL = "small"            # significant (or outside the history), but within a floor
SAME = "same"              # no significant difference
CANNOT_TELL = "cannot tell"  # significant, but one side's own spread is as large as the difference
UNJUDGED = "not judged"    # too few repetitions, rounds or recorded runs to test
UNCONFIRMED = "unconfirmed"  # slower in the first measurement, not in the confirming rerun
JUDGED = (SLOWER, FASTER, SMALL, SAME, CANNOT_TELL, UNCONFIRMED)


@dataclass
class Row:
    """The judgement of one benchmark present on both sides."""
    name: str
    old_ns: float
    new_ns: float
    change: float | None   # new/old - 1 (A/B: median of the per-round ratios - 1)
    p: float | None        # p-value of the test; None when no test ran
    n: str                 # what the judgement rests on: "10/10" repetitions, "9 pairs", "19 runs"
    verdict: str
    note: str = ""


def scipy_stats():
    """scipy.stats, imported only when a test runs (so --help and input errors need no scipy)."""
    try:
        from scipy import stats
    except ImportError:
        raise bsjson.BadInput("scipy is missing: run with Debian's /usr/bin/python3 "
                              "(apt install python3-scipy)") from None
    return stats


def mann_whitney_p(old, new):
    """Two-sided Mann-Whitney U p-value of two unpaired samples (1.0 when all values are equal)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = scipy_stats().mannwhitneyu(old, new, alternative="two-sided").pvalue
    return 1.0 if math.isnan(p) else float(p)


def wilcoxon_p(differences):
    """Two-sided Wilcoxon signed-rank p-value of paired differences (1.0 when none differs)."""
    if all(d == 0 for d in differences):
        return 1.0                       # scipy refuses this case; no pair differs: no evidence
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "zeros: normal approximation" is what we want anyway
        p = scipy_stats().wilcoxon(differences).pvalue
    return 1.0 if math.isnan(p) else float(p)


def smallest_p_mann_whitney(n, m):
    """The smallest two-sided p-value Mann-Whitney can give with n and m values: all of one side
    below all of the other is 1 of C(n+m, n) equally likely orders, counted at both ends."""
    return min(1.0, 2.0 / math.comb(n + m, n))


def smallest_p_wilcoxon(n):
    """The smallest two-sided p-value of the signed-rank test on n pairs: all signs alike, 2 / 2^n."""
    return min(1.0, 2.0 ** (1 - n))


def min_repetitions(alpha):
    """The fewest repetitions a side (equal sides) with which Mann-Whitney can reach p < alpha:
    4 for alpha 0.05 (2 / C(8, 4) = 0.029; 3 against 3 gives at best 0.10)."""
    n = 1
    while smallest_p_mann_whitney(n, n) >= alpha:
        n += 1
    return n


def classify(change, shift_ns, p, opts):
    """The verdict for a difference: a test's p-value, then both floors (see compare.py)."""
    if p >= opts.alpha:
        return SAME
    if abs(change) <= opts.min_effect or abs(shift_ns) <= opts.min_abs_ns:
        return SMALL
    return SLOWER if change > 0 else FASTER


def relative(new, old):
    """new/old - 1, or None when old is not positive."""
    return new / old - 1.0 if old > 0 else None


def spread(values, run_medians=None):
    """A side's own noise in ns: the robust standard deviation of its repetitions (1.4826 x MAD),
    or, for a side pooled from several runs, the range of their medians when that is larger (the
    drift between runs, which the repetitions of one run do not show)."""
    med = statistics.median(values)
    robust = 1.4826 * statistics.median(abs(v - med) for v in values)
    drift = max(run_medians) - min(run_medians) if run_medians and len(run_medians) > 1 else 0.0
    return max(robust, drift)


def judge_unpaired(name, old, new, opts, old_medians=None, new_medians=None):
    """Repetitions of two separate runs (or pooled sides): medians, Mann-Whitney U, both floors;
    "cannot tell" where a side's own spread is as large as the difference."""
    old_med, new_med = statistics.median(old), statistics.median(new)
    row = Row(name, old_med, new_med, relative(new_med, old_med), None, f"{len(old)}/{len(new)}", UNJUDGED)
    least = smallest_p_mann_whitney(len(old), len(new))
    if least >= opts.alpha:
        row.note = (f"too few repetitions: {len(old)}/{len(new)} cannot give p below {least:.3g}; "
                    f"Mann-Whitney needs at least {min_repetitions(opts.alpha)} a side")
    elif row.change is None:
        row.note = "baseline time is 0"
    else:
        row.p = mann_whitney_p(old, new)
        row.verdict = classify(row.change, new_med - old_med, row.p, opts)
        noise = max(spread(old, old_medians), spread(new, new_medians))
        if row.verdict in (SLOWER, FASTER) and abs(new_med - old_med) <= noise:
            row.verdict = CANNOT_TELL
            row.note = f"a side's own spread ({noise:.4g} ns) is as large as the difference"
        elif row.verdict in (SLOWER, FASTER) and one_run_a_side(old_medians, new_medians) \
                and not (opts.confirm or opts.assume_no_drift):
            # One run's repetitions span seconds; two runs minutes apart also differ by where the
            # host put the vCPUs (up to 2x on cross-CPU rows of one build, docs/CI.md), which
            # neither file shows. With no second run, no rerun and no pairing, a difference
            # cannot be told from that drift.
            row.verdict = CANNOT_TELL
            row.note = ("one run a side: the drift between runs is not measured (pool 2 or more runs a side, "
                        "--confirm, or --ab; --assume-no-drift where runs are known to agree)")
    return row


def one_run_a_side(old_medians, new_medians):
    """Whether neither side is pooled from several runs, so nothing shows the drift between runs."""
    return all(not medians or len(medians) < 2 for medians in (old_medians, new_medians))


def judge_paired(name, old, new, opts, *_):
    """A/B rounds: `old` and `new` hold one value per round (None where a round lacks it)."""
    pairs = [(a, b) for a, b in zip(old, new) if a is not None and b is not None and a > 0 and b > 0]
    if not pairs:
        return Row(name, statistics.median(v for v in old if v is not None),
                   statistics.median(v for v in new if v is not None), None, None, "0 pairs", UNJUDGED,
                   "no round measured both")
    ratio = statistics.median(b / a for a, b in pairs)
    row = Row(name, statistics.median(a for a, _ in pairs), statistics.median(b for _, b in pairs),
              ratio - 1.0, None, f"{len(pairs)} pairs", UNJUDGED)
    if smallest_p_wilcoxon(len(pairs)) >= opts.alpha:
        row.note = f"too few pairs: p cannot go below {smallest_p_wilcoxon(len(pairs)):.3g}"
    else:
        # log(new/old): a slowdown by 2 and a speed-up by 2 weigh the same, as timing noise is
        # multiplicative; the absolute floor uses the median per-round shift in ns.
        row.p = wilcoxon_p([math.log(b / a) for a, b in pairs])
        row.verdict = classify(row.change, statistics.median(b - a for a, b in pairs), row.p, opts)
    return row


def judge_history(name, old, new, opts, *_):
    """`old`: the medians of the last N recorded runs; `new`: the current run's repetitions."""
    cur = statistics.median(new)
    if len(old) < MIN_HISTORY:
        return Row(name, statistics.median(old), cur, relative(cur, statistics.median(old)), None,
                   f"{len(old)} runs", UNJUDGED, f"fewer than {MIN_HISTORY} recorded runs")
    med, low, high = statistics.median(old), min(old), max(old)
    change = relative(cur, med)
    noise = 1.4826 * statistics.median(abs(v - med) for v in old) / med if med > 0 else 0.0
    floor = max(opts.min_effect, opts.noise_z * noise)
    row = Row(name, med, cur, change, None, f"{len(old)} runs", SAME,
              f"history {fmt_ns(low, TIME_DIGITS)} .. {fmt_ns(high, TIME_DIGITS)}, floor {floor:.0%}")
    if change is None or low <= cur <= high:
        return row
    beyond_floors = abs(change) > floor and abs(cur - med) > opts.min_abs_ns
    row.verdict = (SLOWER if cur > high else FASTER) if beyond_floors else SMALL
    return row

