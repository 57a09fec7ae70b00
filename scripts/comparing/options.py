"""compare.py's command line: options, their checks, and the help's examples and exit statuses."""
import argparse
import math
import os

from .runs import METRICS
from .statistics import MIN_HISTORY, MIN_ROUNDS

PROG = "compare.py"


def fraction(text):
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def non_negative(text):
    value = float(text)
    if value < 0 or math.isnan(value):
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def positive(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} is not positive")
    return value


def at_least(lowest):
    def parse(text):
        value = int(text)
        if value < lowest:
            raise argparse.ArgumentTypeError(f"{text} is below {lowest}")
        return value
    return parse


def build_parser():
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Compare bench_switch runs (median real_time per benchmark, or a percentile of the "
                    "single handoffs with --metric) and flag regressions that are statistically "
                    "significant and larger than both floors.",
        epilog="""examples:
  compare.py base.json cur.json                        two runs, unpaired repetitions (Mann-Whitney U)
  compare.py --old a1.json a2.json a3.json --new b1.json b2.json b3.json   several runs a side, pooled
  compare.py --baseline-dir results/baselines cur.json  against this machine's stored baseline
  compare.py --baseline-dir results/baselines --update-baseline cur.json   accept cur.json as the baseline
  compare.py --history-dir H --against-history 19 --record cur.json        against the last 19 runs; record
  compare.py --ab old/bench_switch new/bench_switch --filter 'switch/thread_'   interleaved A/B (Wilcoxon)
  compare.py --metric p99 base.json cur.json           the p99 of single handoffs, same tests
  compare.py --across-kernels --bisect --filter 'switch/thread_futex/cross_cpu' good.json this.json
                                                       two kernels of one machine, as git bisect run's status

exit status:
  0  no regression (or --report-only)
  1  a significant regression larger than both floors (not with --report-only); a benchmark that
     failed (an error that is not 'skipped:') in the current run, always; a benchmark missing from
     the current run, with --fail-on-missing
  2  bad input: a file that is missing or not bench_switch JSON, a bad option, no baseline for this
     machine in --baseline-dir (unless --report-only), an A/B binary that is missing, fails or hangs;
     with --metric pN, no benchmark carrying its counter on both sides
  3  nothing judged: no benchmark had enough repetitions, rounds or recorded runs on both sides, or
     there was nothing to compare with (even with --report-only; --allow-unjudged makes it 0)
  with --bisect: 0 good, 1 bad (a regression), 125 cannot tell (nothing judged, "cannot tell",
     unconfirmed, failed or bad input), as git bisect run reads them
""")
    parser.add_argument("files", nargs="*", metavar="JSON",
                        help="BASELINE.json CURRENT.json, or only CURRENT.json with --baseline-dir or "
                             "--history-dir")
    parser.add_argument("--old", nargs="+", metavar="JSON", default=[],
                        help="the baseline side as several runs, pooled (with --new)")
    parser.add_argument("--new", nargs="+", metavar="JSON", default=[],
                        help="the current side as several runs, pooled (with --old, or alone with "
                             "--baseline-dir or --history-dir)")
    judge = parser.add_argument_group("judging")
    judge.add_argument("--assume-no-drift", action="store_true",
                       help="judge one run against one run as if nothing but the code changed between "
                            "them (a dedicated, quiet machine whose runs you know agree); without it a "
                            "difference between two single runs is 'cannot tell', since neither shows "
                            "the drift between runs (pool runs, --confirm or --ab decide instead)")
    judge.add_argument("--alpha", type=fraction, default=0.05,
                       help="significance level of the tests: a p-value below it counts as a real "
                            "difference (default 0.05)")
    judge.add_argument("--min-effect", type=non_negative, default=0.10, metavar="FRACTION",
                       help="relative floor: a change must be larger than this to count, 0.10 = 10 %% "
                            "(default 0.10)")
    judge.add_argument("--min-abs-ns", type=non_negative, default=1.0, metavar="NS",
                       help="absolute floor: a change must also be larger than this many ns, so tiny "
                            "figures do not flag on sub-ns noise (default 1)")
    judge.add_argument("--metric", choices=tuple(METRICS), default="median",
                       help="what is judged per benchmark: 'median' = real_time, the mean per switch of "
                            "each repetition (default); p50, p90, p99, p999, max = that percentile of the "
                            "single handoffs each repetition sampled (its latency_<metric>_ns counter), "
                            "with the same tests and floors; a benchmark without the counter on both "
                            "sides is listed as not comparable, and exit status 2 if none has it")
    judge.add_argument("--report-only", action="store_true",
                       help="print the verdicts but exit 0 on timing; failed benchmarks (and missing "
                            "ones with --fail-on-missing) still exit 1")
    judge.add_argument("--allow-unjudged", action="store_true",
                       help="exit 0 when nothing could be judged (a machine's first runs, no baseline yet); "
                            "the verdict line still says so. Without it that is exit 3, even with "
                            "--report-only")
    judge.add_argument("--filter", default=".", metavar="REGEX",
                       help="compare only the benchmarks whose name matches (with --ab, passed to both "
                            "binaries as --benchmark_filter); default: all")
    judge.add_argument("--across-kernels", action="store_true",
                       help="the two sides are one machine under two kernels: no machine warning, but "
                            "the kernels and every other context difference (preempt mode, HZ, "
                            "scheduler settings, mitigations, build) are listed; refused when the CPU "
                            "model or count differ")
    judge.add_argument("--bisect", action="store_true",
                       help="exit as git bisect run reads it: 0 good, 1 bad (a regression), 125 cannot "
                            "tell (nothing judged, cannot tell, unconfirmed, failed, bad input); use "
                            "--filter to judge the benchmark being bisected")
    judge.add_argument("--fail-on-missing", action="store_true",
                       help="exit 1 when a benchmark of the baseline is absent from the current run "
                            "(use in CI: a benchmark that crashes the run must fail it)")
    judge.add_argument("--markdown", action="store_true",
                       help="print Markdown (for a CI summary page) instead of an aligned table")
    store = parser.add_argument_group("baselines and history (kept per machine fingerprint)")
    store.add_argument("--baseline-dir", metavar="DIR",
                       help="take the baseline from DIR/<slug of CURRENT's fingerprint>.json; with none "
                            "there, exit 2 (report-only: say so and exit 0)")
    store.add_argument("--update-baseline", action="store_true",
                       help="store CURRENT.json as its machine's baseline in --baseline-dir (atomically; "
                            "refused if it has failed benchmarks); does not judge it")
    store.add_argument("--history-dir", metavar="DIR",
                       help="folder of per-machine history files <slug>.jsonl (default: "
                            "<baseline-dir>/history)")
    store.add_argument("--record", action="store_true",
                       help="append CURRENT's summary (median per benchmark, date, git revision) to its "
                            "machine's history, after judging it")
    store.add_argument("--confirm", metavar="BINARY",
                       help="rerun what is flagged with BINARY (the build that made CURRENT) and keep "
                            "only what is slower again; the rest is 'unconfirmed'")
    store.add_argument("--noise-z", type=non_negative, default=4.0, metavar="Z",
                       help="with --against-history: the relative floor is at least Z times the "
                            "benchmark's run-to-run spread in the history (default %(default)s)")
    store.add_argument("--against-history", type=at_least(MIN_HISTORY), metavar="N",
                       help="judge CURRENT against the last N recorded runs: slower only when above the "
                            "largest of them and above their median by both floors (N = 19: a 5 %% "
                            "false-alarm chance per benchmark)")
    ab = parser.add_argument_group("A/B: two binaries in turns on this machine")
    ab.add_argument("--ab", nargs=2, metavar=("OLD_BINARY", "NEW_BINARY"),
                    help="run OLD and NEW in alternating rounds, one repetition each, and judge the "
                         "per-round pairs (Wilcoxon signed-rank); a flagged regression is rerun and "
                         "must be confirmed")
    ab.add_argument("--rounds", type=at_least(MIN_ROUNDS), default=MIN_ROUNDS,
                    help=f"rounds per set, at least {MIN_ROUNDS} (default {MIN_ROUNDS})")
    ab.add_argument("--min-time", default="0.1", metavar="SECONDS",
                    help="--benchmark_min_time passed to both binaries (default 0.1)")
    ab.add_argument("--timeout", type=positive, default=900.0, metavar="SECONDS",
                    help="kill a binary (and its children) that runs longer than this; exit 2 "
                         "(default 900)")
    return parser


def check_options(parser, opts):
    """Reject combinations that make no sense (argparse's usage error, exit 2)."""
    if opts.history_dir is None and opts.baseline_dir:
        opts.history_dir = os.path.join(opts.baseline_dir, "history")
    if opts.old or opts.new:
        if opts.files:
            parser.error("give the runs either as BASELINE.json CURRENT.json or with --old/--new, not both")
        if opts.old and not opts.new:
            parser.error("--old needs --new")
        opts.files = [opts.old, opts.new] if opts.old else [opts.new]
    else:
        opts.files = [[f] for f in opts.files]
    if opts.bisect and opts.report_only:
        parser.error("--bisect decides good or bad; --report-only would hide it")
    if opts.ab:
        if opts.files or opts.baseline_dir or opts.history_dir or opts.record or opts.against_history \
                or opts.update_baseline:
            parser.error("--ab takes no JSON files, baselines or history")
        return
    if not 1 <= len(opts.files) <= 2:
        parser.error("give BASELINE.json CURRENT.json, or CURRENT.json with --baseline-dir or "
                     "--history-dir")
    if len(opts.files) == 2 and opts.baseline_dir:
        parser.error("give either BASELINE.json or --baseline-dir, not both")
    if len(opts.files) == 1 and not (opts.baseline_dir or opts.record or opts.against_history):
        parser.error("one JSON file needs --baseline-dir, --record or --against-history")
    if len(opts.files[-1]) > 1 and (opts.record or opts.update_baseline):
        parser.error("--record and --update-baseline take one run, not a pooled side")
    if opts.update_baseline and not opts.baseline_dir:
        parser.error("--update-baseline needs --baseline-dir")
    if (opts.record or opts.against_history) and not opts.history_dir:
        parser.error("--record and --against-history need --history-dir (or --baseline-dir)")
