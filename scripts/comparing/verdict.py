"""The exit status and the one verdict line of a whole comparison; and, with --bisect, the exit
status git bisect run understands (0 good, 1 bad, 125 cannot tell: skip this commit)."""
from .runs import METRICS
from .statistics import CANNOT_TELL, JUDGED, SLOWER, UNCONFIRMED, UNJUDGED, min_repetitions

NOTHING_JUDGED = 3         # a comparison that judged no benchmark: never a pass
BISECT_GOOD, BISECT_BAD, BISECT_SKIP = 0, 1, 125
DRIFT = ("two separate runs: drift between them (where the host put the vCPUs, the clock, other load) "
         "is not cancelled; --ab decides")


def nothing_judged_reason(reports, opts):
    """Why no benchmark was judged, in a few words."""
    rows = [row for r in reports for row in r.rows]
    if not reports:
        return "no comparison was made (no baseline or history for this machine and mode)"
    if not rows:
        return "no benchmark was measured on both sides"
    few = sum(row.verdict == UNJUDGED for row in rows)
    return (f"all {few} benchmarks on both sides were not judged (too few repetitions, rounds or recorded "
            f"runs: two runs need {min_repetitions(opts.alpha)} repetitions a side)")


def exit_status(reports, opts, compared=True):
    """(status, reason) from the reports: failures always count, timing only without --report-only,
    and a comparison that judged nothing is never a pass. `compared`: a comparison was asked for
    (not only --record or --update-baseline)."""
    failed = sorted({name for r in reports for name in r.failed})
    missing = sorted({name for r in reports for name in r.missing})
    lacking = sorted({name for r in reports for name in r.lacking})
    rows = [row for r in reports for row in r.rows]
    slower = sorted({row.name for row in rows if row.verdict == SLOWER})
    judged = [row for row in rows if row.verdict in JUDGED]
    caveat = f" ({DRIFT})" if any(r.kind == "files" for r in reports) else ""
    if failed:
        return 1, f"failed benchmarks: {', '.join(failed)}"
    if missing and opts.fail_on_missing:
        return 1, f"benchmarks missing from the current run: {', '.join(missing)}"
    if lacking and not rows:      # not a pass: nothing was judged at all
        return 2, f"nothing comparable on {opts.metric}: no benchmark carries {METRICS[opts.metric]} on both sides"
    if compared and not judged:
        reason = f"nothing judged: {nothing_judged_reason(reports, opts)}"
        if opts.allow_unjudged:
            return 0, reason + " (allowed by --allow-unjudged)"
        return NOTHING_JUDGED, reason
    if not compared:
        return 0, "nothing compared (only --record or --update-baseline was asked for)"
    unjudged = len(rows) - len(judged)
    counted = f"; {unjudged} of {len(rows)} not judged" if unjudged else ""
    if slower and not opts.report_only:
        return 1, f"regression: {', '.join(slower)}{counted}{caveat}"
    if slower:
        return 0, f"regression (report only, not failing): {', '.join(slower)}{counted}{caveat}"
    unsure = sum(row.verdict == CANNOT_TELL for row in rows)
    return 0, "no regression" + (f"; {unsure} cannot tell" if unsure else "") + counted + caveat


def bisect_status(reports, opts, status):
    """git bisect run's exit status: 1 a regression (SLOWER), 0 none with every compared benchmark
    judged clearly, 125 anything else (nothing judged, cannot tell, unconfirmed, failed)."""
    rows = [row for r in reports for row in r.rows]
    if any(row.verdict == SLOWER for row in rows):
        return BISECT_BAD, "bad: a regression"
    unclear = [row.name for row in rows if row.verdict in (CANNOT_TELL, UNCONFIRMED, UNJUDGED)]
    if status != 0 or not rows or unclear:
        return BISECT_SKIP, "cannot tell" + (f": {', '.join(unclear)}" if unclear else "")
    return BISECT_GOOD, "good: no regression"
