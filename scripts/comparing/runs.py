"""Reading runs: one bench_switch JSON, or several pooled into one side of a comparison."""
import re
import statistics
from dataclasses import dataclass, field

import bsjson

# What is judged of each benchmark (--metric): `real_time` (the mean per switch of a repetition, whose
# median over the repetitions is shown), or a percentile of the single handoffs a repetition sampled,
# from its latency counter (docs/JSON.md); the statistics are the same.
METRICS = {"median": None, "p50": "latency_p50_ns", "p90": "latency_p90_ns", "p99": "latency_p99_ns",
           "p999": "latency_p999_ns", "max": "latency_max_ns"}

# Until this release Google Benchmark's budget suffixes were part of the names (a fixed budget's
# "/min_time:0.020/repeats:3"), so a budget change renamed the benchmark. Names are now without
# them (the budget is a field); older files and history records are read under the new names.
OLD_BUDGET_SUFFIX = re.compile(r"/(min_time:[0-9.]+|repeats:\d+|iterations:\d+)(?=/|$)")


def current_name(name):
    """`name` without the budget an older file had in it."""
    return OLD_BUDGET_SUFFIX.sub("", name)


def old_names_note(path, count):
    return (f"note: {path}: {count} benchmark names carry their budget (/min_time:…/repeats:…), as files "
            "before the budget became a field did; read under today's names (accepted for one release)")


@dataclass
class Run:
    """One side of a comparison: benchmark -> the judged metric in ns (real_time, or a latency
    percentile with --metric), one value per repetition (or round), from one or several runs."""
    path: str
    data: dict
    samples: dict
    skipped: dict = field(default_factory=dict)     # benchmark -> error_message
    failed: dict = field(default_factory=dict)      # benchmark -> error_message
    lacking: dict = field(default_factory=dict)     # benchmark -> why the metric is not there
    by_metric: dict = field(default_factory=dict)   # metric -> samples, every metric the run has
    run_medians: dict = field(default_factory=dict)  # benchmark -> the median of each pooled run
    notes: list = field(default_factory=list)        # lines said once above the report
    datas: list = field(default_factory=list)        # every pooled run's document


def metric_value(entry, metric):
    """The entry's value of `metric` in ns: real_time (BadInput if it is not a number), or the
    latency counter's value (None where the entry has none)."""
    if METRICS[metric] is None:
        return bsjson.real_time_ns(entry)
    value = entry.get(METRICS[metric])
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def name_of(entry, renamed):
    name = bsjson.run_name(entry)
    new = current_name(name)
    if new != name:
        renamed.add(name)
    return new


def read_run(path, metric="median"):
    """The timings of the bench_switch JSON at `path`, `metric` judged; BadInput if it is not one."""
    data = bsjson.load(path)
    if not all(isinstance(b, dict) for b in data["benchmarks"]):
        raise bsjson.BadInput(f"{path}: an entry of 'benchmarks' is not an object")
    by_metric, medians, skipped, failed, renamed = ({m: {} for m in METRICS}, {m: {} for m in METRICS},
                                                    {}, {}, set())
    try:
        for e in bsjson.iterations(data):
            for m in METRICS:
                by_metric[m].setdefault(name_of(e, renamed), []).append(metric_value(e, m))
        for e in bsjson.aggregate(data, "median"):
            for m in METRICS:
                medians[m][name_of(e, renamed)] = [metric_value(e, m)]
    except bsjson.BadInput as e:
        raise bsjson.BadInput(f"{path}: {e}") from None
    # A run written with --benchmark_report_aggregates_only has no repetitions: its median stands in
    # as one sample, enough to show the change, not to test it.
    for m in METRICS:
        for name, median in medians[m].items():
            by_metric[m].setdefault(name, median)
    for e in data["benchmarks"]:
        if bsjson.is_skipped(e):
            skipped[name_of(e, renamed)] = str(e.get("error_message", ""))
        elif bsjson.is_failed(e):
            failed[name_of(e, renamed)] = str(e.get("error_message", "")) or "error_occurred"
    # A benchmark whose repetitions lack the counter has no value of that metric: it is listed as not
    # comparable, never judged on what it has.
    lacking = {name: f"no {METRICS[metric]} counter" for name, values in by_metric[metric].items()
               if None in values and name not in failed}
    for m in METRICS:
        by_metric[m] = {name: v for name, v in by_metric[m].items() if None not in v and name not in failed}
    samples = by_metric[metric]          # one failed repetition spoils the benchmark
    for name in [*samples, *lacking]:
        skipped.pop(name, None)
    run = Run(path, data, samples, skipped, failed, lacking, by_metric, datas=[data])
    run.run_medians = {name: [statistics.median(v)] for name, v in samples.items()}
    if renamed:
        run.notes.append(old_names_note(path, len(renamed)))
    return run


def pool(runs, label=None):
    """Several runs of one side as one: their repetitions together, each run's median kept (so the
    spread between runs is seen, not only within them). A benchmark that failed in any run failed."""
    if len(runs) == 1:
        return runs[0]
    out = Run(label or " + ".join(r.path for r in runs), runs[0].data, {}, datas=[d for r in runs for d in r.datas])
    out.by_metric = {m: {} for m in runs[0].by_metric}
    for run in runs:
        for m, samples in run.by_metric.items():
            for name, values in samples.items():
                out.by_metric.setdefault(m, {}).setdefault(name, []).extend(values)
        for name, values in run.samples.items():
            out.samples.setdefault(name, []).extend(values)
            out.run_medians.setdefault(name, []).extend(run.run_medians.get(name, []))
        out.skipped.update(run.skipped)
        out.failed.update(run.failed)
        out.lacking.update(run.lacking)
        out.notes += run.notes
    for name in [*out.failed, *out.lacking]:
        out.samples.pop(name, None)
        out.run_medians.pop(name, None)
    for name in out.samples:
        out.skipped.pop(name, None)
    return out


def keep_only(run, pattern):
    """`run` restricted to the benchmarks whose name matches the regex `pattern` (--filter)."""
    try:
        regex = re.compile(pattern)
    except re.error as e:
        raise bsjson.BadInput(f"--filter {pattern!r} is not a regular expression ({e})") from None
    def keep(d):
        return {name: v for name, v in d.items() if regex.search(name)}
    run.samples, run.skipped, run.failed, run.lacking = (keep(run.samples), keep(run.skipped), keep(run.failed),
                                                         keep(run.lacking))
    run.by_metric = {m: keep(s) for m, s in run.by_metric.items()}
    run.run_medians = keep(run.run_medians)
    return run


def context_of(data):
    return bsjson.bs_context(data)


def mode_of(data):
    """'quick' or 'full', and the --repetitions setting, as the run recorded them ('full' before
    runs said)."""
    ctx = context_of(data)
    reps = ctx.get("repetitions_setting")
    return str(ctx.get("mode") or "full") + (f", --repetitions {reps}" if reps else "")


def describe(run):
    """'path (revision, date)', or for a pooled side 'N runs: paths (revisions)'."""
    if len(run.datas) > 1:
        revs = sorted({context_of(d).get("git_revision", "?") for d in run.datas})
        return f"{len(run.datas)} runs pooled: {run.path} ({', '.join(revs)})"
    rev = context_of(run.data).get("git_revision", "?")
    return f"{run.path} ({rev}, {run.data.get('context', {}).get('date', '?')})"
