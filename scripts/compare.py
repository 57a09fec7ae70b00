#!/usr/bin/python3
"""Say whether bench_switch got slower: two runs (or two sides of several runs, pooled), a run
against its machine's baseline or history, two kernels of one machine, or two builds run in turns
on this machine (docs/CI.md shows the commands, docs/KERNELS.md the kernel ones).

How a verdict is reached (the parts are in scripts/comparing/)
--------------------------------------------------------------
Timings scatter with a long right tail, so the tests use ranks only and every figure is a median.

* Two runs: repetitions taken at different times are UNPAIRED: Mann-Whitney U. Its smallest
  p-value with n and m repetitions is 2 / C(n+m, n), so it needs 4 a side for p < 0.05; with
  fewer a benchmark is "not judged", and counted. A difference within one side's own spread (its
  repetitions' robust deviation, or with several runs a side the range of their medians) is
  "cannot tell". Two runs cannot cancel the drift between them (where the host put the vCPUs):
  the verdict says so, and --ab is the way to decide. With one run a side nothing shows that
  drift, so a difference is "cannot tell" unless --confirm or --assume-no-drift is given.
* A/B (--ab OLD NEW): the binaries run in turns, so each round is a PAIR under the same machine
  state; Wilcoxon signed-rank on the log-ratios; what is flagged is run again and must agree.
* History (--against-history N): above the largest of the last N recorded runs of this machine and
  mode (quick and full apart) and above their median by both floors; the relative floor is at
  least --noise-z times their robust run-to-run spread. 1/(N+1) false alarms per benchmark.
* Two floors: --min-effect (relative) and --min-abs-ns (absolute); a difference must clear both.

Exit status: 0 nothing wrong; 1 a regression (not with --report-only), a failed benchmark (always),
a missing benchmark (with --fail-on-missing); 2 bad input or an A/B binary that could not run;
3 nothing judged (whatever --report-only says). --bisect: 0 good, 1 bad, 125 cannot tell.
"""
import sys

import bsjson
from comparing.ab import compare_binaries, exact_filter
from comparing.history import (baseline_path, compare_history, find_baseline, history_path, read_history,
                               record_run, update_baseline)
from comparing.options import PROG, build_parser, check_options
from comparing.render import render_markdown, render_text
from comparing.report import compare_files
from comparing.runs import keep_only, pool, read_run
from comparing.statistics import (CANNOT_TELL, FASTER, SAME, SLOWER, SMALL, UNCONFIRMED, UNJUDGED,
                                  min_repetitions, smallest_p_mann_whitney, smallest_p_wilcoxon)
from comparing.verdict import BISECT_SKIP, NOTHING_JUDGED, bisect_status, exit_status

__all__ = ["main", "build_parser", "read_run", "compare_files", "exact_filter", "smallest_p_mann_whitney",
           "smallest_p_wilcoxon", "min_repetitions", "SLOWER", "FASTER", "SMALL", "SAME", "CANNOT_TELL",
           "UNJUDGED", "UNCONFIRMED", "NOTHING_JUDGED"]


def read_side(paths, opts):
    """One side of the comparison: one run, or several pooled; restricted to --filter."""
    return keep_only(pool([read_run(p, opts.metric) for p in paths]), opts.filter)


def check_files(opts):
    """The reports and message lines of the JSON modes (baseline file or folder, history)."""
    current = read_side(opts.files[-1], opts)
    reports, messages = [], []
    if len(opts.files) == 2:
        reports.append(compare_files(read_side(opts.files[0], opts), current, opts))
    elif opts.baseline_dir and not opts.update_baseline:
        baseline = find_baseline(opts.baseline_dir, current, opts)
        if baseline is not None:
            reports.append(compare_files(keep_only(baseline, opts.filter), current, opts))
        elif opts.report_only or opts.allow_unjudged:
            messages.append(f"note: no baseline for this machine in {opts.baseline_dir} "
                            f"({baseline_path(opts.baseline_dir, current)}); nothing compared")
        else:
            raise bsjson.BadInput(f"no baseline for this machine: {baseline_path(opts.baseline_dir, current)} "
                                  f"does not exist (fingerprint '{bsjson.fingerprint(current.data)}'); "
                                  "create it with --update-baseline")
    if opts.against_history:
        path = history_path(opts.history_dir, current)
        records = read_history(path)
        if records:
            reports.append(compare_history(current, records, opts))
        else:
            messages.append(f"note: no recorded runs for this machine yet ({path}); nothing judged")
    if opts.record:
        messages.append(record_run(opts.history_dir, current))
    if opts.update_baseline:
        messages.append(update_baseline(opts.baseline_dir, current))
    return reports, messages


def compared(opts):
    """Whether a comparison was asked for (not only --record or --update-baseline)."""
    return bool(opts.ab or len(opts.files) == 2 or opts.against_history
                or (opts.baseline_dir and not opts.update_baseline))


def fail(opts, status, message):
    print(f"{PROG}: {message}", file=sys.stderr)
    return BISECT_SKIP if opts.bisect else status


def main(argv=None):
    parser = build_parser()
    opts = parser.parse_args(argv)
    check_options(parser, opts)
    try:
        reports, messages = ([compare_binaries(opts)], []) if opts.ab else check_files(opts)
    except bsjson.BadInput as e:
        return fail(opts, 2, f"error: {e}")
    except OSError as e:                 # writing a baseline or history file
        return fail(opts, 2, f"error: {e.filename or ''}: {e.strerror}")
    except KeyboardInterrupt:
        return fail(opts, 130, "interrupted")
    render = render_markdown if opts.markdown else render_text
    status, reason = exit_status(reports, opts, compared(opts))
    if opts.bisect:
        status, word = bisect_status(reports, opts, status)
        reason = f"{word} for git bisect; {reason}"
    parts = [render(r) for r in reports] + ["\n".join(messages)] * bool(messages)
    parts.append(f"**verdict:** {reason}" if opts.markdown else f"verdict: {reason}")
    print("\n\n".join(parts))
    return status


if __name__ == "__main__":
    sys.exit(bsjson.run_main(PROG, main))
