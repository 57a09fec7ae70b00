#!/usr/bin/python3
"""Say whether bench_switch got slower: two runs, a run against its machine's baseline or history,
or two builds run in turns on this machine (docs/CI.md shows the commands).

How a verdict is reached
------------------------
Timings of one benchmark scatter with a long right tail (an interrupt, a migration, a cold cache
lands in one repetition and not the next), so nothing here assumes a normal distribution: the
tests below use ranks only, and every figure shown is a median.

* Two runs (BASELINE.json CURRENT.json): the repetitions of one run have nothing to do with those
  of the other (taken hours or days apart), so the samples are UNPAIRED. The Mann-Whitney U test
  asks whether a repetition of one run tends to be larger than a repetition of the other. The
  smallest p-value it can give with n and m repetitions is 2 / C(n+m, n): 0.10 for 3 against 3,
  0.029 for 4 against 4. With fewer than 3 repetitions on a side, or when even that smallest
  p-value is above alpha, the benchmark is shown as "not judged" rather than passed.

* A/B (--ab OLD NEW): the two binaries run in turns, one repetition each per round, so each round
  gives a PAIR measured within seconds under the same machine state (clock, temperature, other
  load). The log of new/old in a round cancels what both saw; the Wilcoxon signed-rank test asks
  whether those log-ratios are centred on 0. Pairing removes the drift between rounds instead of
  counting it as noise, so it finds smaller changes than Mann-Whitney with the same runs. Rounds
  alternate the order (A B, then B A) so neither binary always profits from running second.
  Anything flagged is measured again in a second set of rounds, and only a regression both sets
  agree on counts.

* History (--against-history N): the current run against the last N recorded runs of the same
  machine, never against one previous run, which has noise of its own. If nothing changed, the
  current run is just one more of N+1 alike runs, so the chance that its median is above all N
  is 1/(N+1) (5 % for N = 19). A regression must be above the largest of the last N AND above
  their median by both floors below, where the relative floor is also at least --noise-z times
  the benchmark's own run-to-run spread (1.4826 x MAD / median of the N medians: a robust
  standard deviation, relative). On a shared VM some figures drift between runs far more than
  within one (a cross-CPU wake-up depends on where the hypervisor put the vCPUs): measured on
  the reference VM, 10 quick runs of one binary judged this way gave no false alarm, where a
  fixed 10 % floor flagged 6 of 10 runs and two-file Mann-Whitney 19 of 45 pairs.

* Two floors: a test tells whether a difference is real, not whether it matters; with many
  repetitions a 0.5 % change from a moved function becomes "significant". A difference counts
  only when it is larger than --min-effect (relative, default 10 %) AND larger than --min-abs-ns
  (absolute, default 1 ns): a 1.2 ns indirect call that reads 1.5 ns is 25 % slower but within
  clock resolution and alignment noise.

Exit status: 0 nothing wrong; 1 a regression (not with --report-only), a failed benchmark (always),
a missing benchmark (with --fail-on-missing); 2 bad input or an A/B binary that could not run.
"""
import argparse
import datetime
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field

import bsjson
import output_file

PROG = "compare.py"
MIN_REPETITIONS = 3        # fewer repetitions per side than this: never judged
MIN_HISTORY = 3            # fewer recorded runs than this: never judged
MIN_ROUNDS = 9             # A/B rounds per set
# What is judged of each benchmark (--metric): `real_time` (the mean per switch of a repetition, whose
# median over the repetitions is shown), or a percentile of the single handoffs a repetition sampled,
# from its latency counter (docs/JSON.md); the statistics are the same.
METRICS = {"median": None, "p50": "latency_p50_ns", "p90": "latency_p90_ns", "p99": "latency_p99_ns",
           "p999": "latency_p999_ns", "max": "latency_max_ns"}

# Verdicts of one benchmark.
SLOWER = "SLOWER"          # significant and beyond both floors: a regression
FASTER = "faster"          # significant and beyond both floors, the good way
SMALL = "small"            # significant (or outside the history), but within a floor
SAME = "same"              # no significant difference
UNJUDGED = "not judged"    # too few repetitions, rounds or recorded runs to test
UNCONFIRMED = "unconfirmed"  # A/B: slower in the first rounds, not in the confirming rerun

# What the two sides are called: table headings, then words for the lists under the table.
FILES = ("baseline", "current", "the baseline", "the current run")
HISTORY = ("history median", "current", "the latest recorded run", "the current run")
AB = ("A (old)", "B (new)", "A", "B")


@dataclass
class Run:
    """One run's timings: benchmark -> the judged metric in ns (real_time, or a latency percentile
    with --metric), one value per repetition (or round)."""
    path: str
    data: dict
    samples: dict
    skipped: dict = field(default_factory=dict)   # benchmark -> error_message
    failed: dict = field(default_factory=dict)    # benchmark -> error_message
    lacking: dict = field(default_factory=dict)   # benchmark -> why the metric is not there
    by_metric: dict = field(default_factory=dict)  # metric -> samples, every metric the run has


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


@dataclass
class Report:
    """One comparison: judged rows, and the benchmarks that could not be compared, with a note each."""
    title: str
    labels: tuple          # old and new: column headings, then how the lists name them (see FILES)
    rows: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    new: dict = field(default_factory=dict)
    missing: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)
    failed: dict = field(default_factory=dict)
    lacking: dict = field(default_factory=dict)
    metric: str = "median"


# ---------------------------------------------------------------------------------------------
# Reading runs

def metric_value(entry, metric):
    """The entry's value of `metric` in ns: real_time (BadInput if it is not a number), or the
    latency counter's value (None where the entry has none)."""
    if METRICS[metric] is None:
        return bsjson.real_time_ns(entry)
    value = entry.get(METRICS[metric])
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def read_run(path, metric="median"):
    """The timings of the bench_switch JSON at `path`, `metric` judged; BadInput if it is not one."""
    data = bsjson.load(path)
    if not all(isinstance(b, dict) for b in data["benchmarks"]):
        raise bsjson.BadInput(f"{path}: an entry of 'benchmarks' is not an object")
    by_metric, medians, skipped, failed = ({m: {} for m in METRICS}, {m: {} for m in METRICS}, {}, {})
    try:
        for e in bsjson.iterations(data):
            for m in METRICS:
                by_metric[m].setdefault(bsjson.run_name(e), []).append(metric_value(e, m))
        for e in bsjson.aggregate(data, "median"):
            for m in METRICS:
                medians[m][bsjson.run_name(e)] = [metric_value(e, m)]
    except bsjson.BadInput as e:
        raise bsjson.BadInput(f"{path}: {e}") from None
    # A run written with --benchmark_report_aggregates_only has no repetitions: its median stands in
    # as one sample, enough to show the change, not to test it.
    for m in METRICS:
        for name, median in medians[m].items():
            by_metric[m].setdefault(name, median)
    for e in data["benchmarks"]:
        if bsjson.is_skipped(e):
            skipped[bsjson.run_name(e)] = str(e.get("error_message", ""))
        elif bsjson.is_failed(e):
            failed[bsjson.run_name(e)] = str(e.get("error_message", "")) or "error_occurred"
    # A benchmark whose repetitions lack the counter has no value of that metric: it is listed as not
    # comparable, never judged on what it has.
    lacking = {name: f"no {METRICS[metric]} counter" for name, values in by_metric[metric].items()
               if None in values and name not in failed}
    for m in METRICS:
        by_metric[m] = {name: v for name, v in by_metric[m].items() if None not in v and name not in failed}
    samples = by_metric[metric]          # one failed repetition spoils the benchmark
    for name in [*samples, *lacking]:
        skipped.pop(name, None)
    return Run(path, data, samples, skipped, failed, lacking, by_metric)


def describe(run):
    """'path (revision, date)': which run a report speaks of."""
    rev = bsjson.bs_context(run.data).get("git_revision", "?")
    return f"{run.path} ({rev}, {run.data['context'].get('date', '?')})"


def machine_warnings(old, new):
    """Warning lines when the two runs come from different machines or builds."""
    a, b = bsjson.bs_context(old.data), bsjson.bs_context(new.data)
    out = []
    differ = [f"{k} '{a.get(k, '?')}' vs '{b.get(k, '?')}'" for k in ("cpu_model", "kernel_release")
              if a.get(k) != b.get(k)]
    if not differ and bsjson.fingerprint(old.data) != bsjson.fingerprint(new.data):
        differ = [f"fingerprint '{bsjson.fingerprint(old.data)}' vs '{bsjson.fingerprint(new.data)}'"]
    if differ:
        out.append("warning: the runs come from different machines (" + "; ".join(differ)
                   + "): differences may be the machine's, not the code's")
    differ = [f"{k} '{a.get(k, '?')}' vs '{b.get(k, '?')}'" for k in ("build_type", "compiler")
              if a.get(k) != b.get(k)]
    if differ:
        out.append("warning: the runs come from different builds (" + "; ".join(differ) + ")")
    return out


# ---------------------------------------------------------------------------------------------
# Statistics

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


def classify(change, shift_ns, p, opts):
    """The verdict for a difference: a test's p-value, then both floors (see the module comment)."""
    if p >= opts.alpha:
        return SAME
    if abs(change) <= opts.min_effect or abs(shift_ns) <= opts.min_abs_ns:
        return SMALL
    return SLOWER if change > 0 else FASTER


def relative(new, old):
    """new/old - 1, or None when old is not positive."""
    return new / old - 1.0 if old > 0 else None


def judge_unpaired(name, old, new, opts):
    """Repetitions of two separate runs: medians, Mann-Whitney U, both floors."""
    old_med, new_med = statistics.median(old), statistics.median(new)
    row = Row(name, old_med, new_med, relative(new_med, old_med), None, f"{len(old)}/{len(new)}",
              UNJUDGED)
    if min(len(old), len(new)) < MIN_REPETITIONS or \
            smallest_p_mann_whitney(len(old), len(new)) > opts.alpha:
        row.note = (f"too few repetitions: p cannot go below "
                    f"{smallest_p_mann_whitney(len(old), len(new)):.3g}")
    elif row.change is None:
        row.note = "baseline time is 0"
    else:
        row.p = mann_whitney_p(old, new)
        row.verdict = classify(row.change, new_med - old_med, row.p, opts)
    return row


def judge_paired(name, old, new, opts):
    """A/B rounds: `old` and `new` hold one value per round (None where a round lacks it)."""
    pairs = [(a, b) for a, b in zip(old, new) if a is not None and b is not None and a > 0 and b > 0]
    if not pairs:
        return Row(name, statistics.median(v for v in old if v is not None),
                   statistics.median(v for v in new if v is not None), None, None, "0 pairs", UNJUDGED,
                   "no round measured both")
    ratio = statistics.median(b / a for a, b in pairs)
    row = Row(name, statistics.median(a for a, _ in pairs), statistics.median(b for _, b in pairs),
              ratio - 1.0, None, f"{len(pairs)} pairs", UNJUDGED)
    if smallest_p_wilcoxon(len(pairs)) > opts.alpha:
        row.note = f"too few pairs: p cannot go below {smallest_p_wilcoxon(len(pairs)):.3g}"
    else:
        # log(new/old): a slowdown by 2 and a speed-up by 2 weigh the same, as timing noise is
        # multiplicative; the absolute floor uses the median per-round shift in ns.
        row.p = wilcoxon_p([math.log(b / a) for a, b in pairs])
        row.verdict = classify(row.change, statistics.median(b - a for a, b in pairs), row.p, opts)
    return row


def judge_history(name, old, new, opts):
    """`old`: the medians of the last N recorded runs; `new`: the current run's repetitions."""
    cur = statistics.median(new)
    if len(old) < MIN_HISTORY:
        return Row(name, statistics.median(old), cur, relative(cur, statistics.median(old)), None,
                   f"{len(old)} runs", UNJUDGED, f"fewer than {MIN_HISTORY} recorded runs")
    med, low, high = statistics.median(old), min(old), max(old)
    change = relative(cur, med)
    spread = 1.4826 * statistics.median(abs(v - med) for v in old) / med if med > 0 else 0.0
    floor = max(opts.min_effect, opts.noise_z * spread)
    row = Row(name, med, cur, change, None, f"{len(old)} runs", SAME,
              f"history {fmt_ns(low)} .. {fmt_ns(high)}, floor {floor:.0%}")
    if change is None or low <= cur <= high:
        return row
    beyond_floors = abs(change) > floor and abs(cur - med) > opts.min_abs_ns
    row.verdict = (SLOWER if cur > high else FASTER) if beyond_floors else SMALL
    return row


# ---------------------------------------------------------------------------------------------
# Sorting benchmarks into rows and lists

def compare(old, new, judge, opts, title, labels):
    """Every benchmark of the two runs, judged by `judge` or listed as new, missing, skipped, failed."""
    report = Report(title, labels, metric=opts.metric)
    names = list(dict.fromkeys([*old.samples, *old.skipped, *old.failed, *old.lacking,
                                *new.samples, *new.skipped, *new.failed, *new.lacking]))
    for name in names:
        in_old = name in old.samples or name in old.skipped or name in old.failed or name in old.lacking
        was = ("skipped" if name in old.skipped else "failed" if name in old.failed else "")
        if name in new.failed:
            report.failed[name] = new.failed[name]
        elif name in new.skipped:
            report.skipped[name] = new.skipped[name]
        elif name in new.samples and name in old.samples:
            report.rows.append(judge(name, old.samples[name], new.samples[name], opts))
        elif name in new.lacking and (name in old.samples or name in old.lacking):
            report.lacking[name] = f"{new.lacking[name]} in {labels[3]}"
        elif name in old.lacking and name in new.samples:
            report.lacking[name] = f"{old.lacking[name]} in {labels[2]}"
        elif name in new.samples or name in new.lacking:
            report.new[name] = f"{was} in {labels[2]}" if was else ""
        elif in_old:
            report.missing[name] = f"{was} in {labels[2]}" if was else ""
    return report


def metric_title(title, opts):
    """The report's title, naming the metric when it is not the default."""
    if opts.metric == "median":
        return title
    return f"{title} [metric: {opts.metric} of the single handoffs, counter {METRICS[opts.metric]}]"


def compare_files(old, new, opts):
    """BASELINE.json against CURRENT.json: unpaired repetitions."""
    report = compare(old, new, judge_unpaired, opts, metric_title(f"{describe(old)} -> {describe(new)}", opts),
                     FILES)
    report.warnings = machine_warnings(old, new)
    return confirm_by_rerun(report, old, new, judge_unpaired, opts)


# ---------------------------------------------------------------------------------------------
# Baselines and history, kept per machine fingerprint

def baseline_path(folder, run):
    return os.path.join(folder, bsjson.slug(bsjson.fingerprint(run.data)) + ".json")


def history_path(folder, run):
    return os.path.join(folder, bsjson.slug(bsjson.fingerprint(run.data)) + ".jsonl")


def find_baseline(folder, run, opts):
    """The baseline Run for `run`'s machine, or None (report-only) / BadInput when there is none."""
    if not os.path.isdir(folder):
        raise bsjson.BadInput(f"{folder}: no such baseline directory")
    path = baseline_path(folder, run)
    if os.path.exists(path):
        return read_run(path, opts.metric)
    line = (f"no baseline for this machine: {path} does not exist (fingerprint "
            f"'{bsjson.fingerprint(run.data)}'); create it with --update-baseline")
    if not opts.report_only:
        raise bsjson.BadInput(line)
    return None


def update_baseline(folder, run):
    """Store `run`'s file as its machine's baseline (whole or not at all); returns a line saying so."""
    if run.failed:
        raise bsjson.BadInput(f"{run.path}: has failed benchmarks ({', '.join(run.failed)}); "
                              "not storing it as a baseline")
    path = baseline_path(folder, run)
    before = ""
    if os.path.exists(path):
        try:
            before = f" (replaces {describe(read_run(path))})"
        except bsjson.BadInput:
            before = " (replaces an unreadable file)"
    with open(run.path, encoding="utf-8") as f:
        text = f.read()
    os.makedirs(folder, exist_ok=True)
    output_file.write_output(path, text)
    return f"baseline updated: {path} is now {describe(run)}{before}"


def run_summary(run):
    """One history line: the run's date, revision, machine, and each benchmark's median in ns; where
    benchmarks carry latency counters, `latency_ns`: metric -> benchmark -> median over repetitions."""
    ctx = bsjson.bs_context(run.data)
    summary = {"date": run.data["context"].get("date", "?"), "git_revision": ctx.get("git_revision", "?"),
               "fingerprint": bsjson.fingerprint(run.data),
               "recorded": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "median_ns": {name: statistics.median(v) for name, v in run.by_metric["median"].items()}}
    latency = {m: {name: statistics.median(v) for name, v in run.by_metric[m].items()}
               for m in METRICS if METRICS[m] and run.by_metric.get(m)}
    if latency:
        summary["latency_ns"] = latency
    return summary


def recorded(record, metric):
    """benchmark -> the value of `metric` a history record holds ({} where it holds none)."""
    values = record["median_ns"] if metric == "median" else (record.get("latency_ns") or {}).get(metric)
    return values if isinstance(values, dict) else {}


def read_history(path):
    """The run summaries recorded in the JSONL file at `path`, oldest first ([] if there is none)."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as e:
        raise bsjson.BadInput(f"{path}: cannot read history ({e})") from None
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
        if not isinstance(record, dict) or not isinstance(record.get("median_ns"), dict):
            raise bsjson.BadInput(f"{path}:{number}: not a run summary")
        records.append(record)
    return records


def record_run(folder, run):
    """Append `run`'s summary to its machine's history file; returns a line saying what happened."""
    path = history_path(folder, run)
    summary = run_summary(run)
    if any(r.get("date") == summary["date"] and r.get("git_revision") == summary["git_revision"]
           for r in read_history(path)):
        return f"history: {run.path} is already recorded in {path}; not added again"
    before = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            before = f.read()
        if before and not before.endswith("\n"):
            before += "\n"
    os.makedirs(folder, exist_ok=True)
    output_file.write_output(path, before + json.dumps(summary, sort_keys=True) + "\n")
    return f"history: recorded {describe(run)} in {path}"


def compare_history(run, records, opts):
    """The current run against the last N recorded runs of its machine (see judge_history)."""
    fp = bsjson.fingerprint(run.data)
    last = [r for r in records if r.get("fingerprint", fp) == fp][-opts.against_history:]
    # Benchmarks of the latest record are expected; their values come from all N records.
    names = last[-1]["median_ns"] if last else {}
    old = Run("history", {}, {name: [recorded(r, opts.metric)[name] for r in last
                                     if isinstance(recorded(r, opts.metric).get(name), (int, float))]
                              for name in names})
    if opts.metric != "median":
        old.lacking = {name: f"no {opts.metric} recorded" for name, v in old.samples.items() if not v}
    old.samples = {name: v for name, v in old.samples.items() if v}
    title = (f"{describe(run)} against the last {len(last)} recorded runs "
             f"({last[0].get('git_revision', '?')} .. {last[-1].get('git_revision', '?')})" if last
             else f"{describe(run)}: no recorded runs")
    return confirm_by_rerun(compare(old, run, judge_history, opts, metric_title(title, opts), HISTORY), old, run,
                            judge_history, opts)


# ---------------------------------------------------------------------------------------------
# A/B: two binaries in turns on this machine

def exact_filter(names):
    """A --benchmark_filter regex matching exactly `names` (escaped for both ECMAScript and POSIX)."""
    def escape(name):
        return "".join("\\" + c if c in "\\.^$|?*+()[]{}" else c for c in name)
    return "^(" + "|".join(escape(n) for n in names) + ")$"


def kill_group(proc):
    """Kill the binary and every process it started (it leads its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def run_binary(binary, json_path, bench_filter, opts, repetitions=1, extra=()):
    """Run `repetitions` of the benchmarks matching `bench_filter`; the Run it wrote."""
    cmd = [binary, *extra, f"--benchmark_filter={bench_filter}", f"--benchmark_repetitions={repetitions}",
           f"--benchmark_min_time={opts.min_time}", "--json", json_path]
    # stderr goes to a file, not a pipe: a child the binary leaves behind would hold a pipe open
    # and make us wait for it long after the binary itself has finished.
    with open(json_path + ".stderr", "w+b") as err:
        try:
            # A session of its own, so that a timeout or Ctrl-C can kill the children it forked too.
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=err, start_new_session=True)
        except OSError as e:
            raise bsjson.BadInput(f"{binary}: cannot run ({e.strerror})") from None
        try:
            proc.wait(timeout=opts.timeout)
        except subprocess.TimeoutExpired:
            raise bsjson.BadInput(f"{binary}: no result after {opts.timeout:g} s; killed it") from None
        finally:
            kill_group(proc)             # after a timeout, Ctrl-C or a normal end: nothing may linger
        err.seek(0)
        last = err.read().decode(errors="replace").strip().splitlines()[-1:] or [""]
    os.unlink(json_path + ".stderr")
    if proc.returncode != 0:
        status = (f"killed by signal {-proc.returncode}" if proc.returncode < 0
                  else f"exited with status {proc.returncode}")
        raise bsjson.BadInput(f"{binary}: {status}" + (f": {last[0]}" if last[0] else ""))
    if not os.path.exists(json_path):
        raise bsjson.BadInput(f"{binary}: wrote no JSON to --json {json_path}")
    try:
        return read_run(json_path, opts.metric)
    finally:
        os.unlink(json_path)


def merge_rounds(label, runs):
    """One Run whose samples hold one value per round (None where that round lacks the benchmark)."""
    names = list(dict.fromkeys(name for run in runs for name in run.samples))
    merged = Run(label, runs[0].data,
                 {name: [statistics.median(run.samples[name]) if name in run.samples else None
                         for run in runs] for name in names})
    for run in runs:
        merged.skipped.update(run.skipped)
        merged.failed.update(run.failed)
        merged.lacking.update(run.lacking)
    for name in [*merged.failed, *merged.lacking]:
        merged.samples.pop(name, None)
    for name in merged.samples:
        merged.skipped.pop(name, None)
    return merged


def ab_rounds(binaries, bench_filter, opts, folder, what):
    """`opts.rounds` rounds, each one run of A and one of B, the order alternating; (A, B) Runs."""
    runs = {"A": [], "B": []}
    for r in range(1, opts.rounds + 1):
        for label in ("A", "B") if r % 2 else ("B", "A"):
            binary = binaries[label]
            print(f"{what}round {r}/{opts.rounds} {label} {binary}", file=sys.stderr, flush=True)
            runs[label].append(run_binary(binary, os.path.join(folder, f"{label}.json"),
                                          bench_filter, opts))
    return merge_rounds("A", runs["A"]), merge_rounds("B", runs["B"])


def resolve_binary(path):
    found = shutil.which(path)
    if not found:
        raise bsjson.BadInput(f"{path}: no such executable")
    return found


def compare_binaries(opts):
    """Interleaved A/B rounds, then a confirming set of rounds for what they flagged."""
    binaries = {"A": resolve_binary(opts.ab[0]), "B": resolve_binary(opts.ab[1])}
    title = metric_title(f"A/B on this machine: A = {opts.ab[0]}, B = {opts.ab[1]}, {opts.rounds} rounds", opts)
    with tempfile.TemporaryDirectory(prefix="bench_switch-ab-") as folder:
        old, new = ab_rounds(binaries, opts.filter, opts, folder, "")
        report = compare(old, new, judge_paired, opts, title, AB)
        flagged = [row for row in report.rows if row.verdict == SLOWER]
        if flagged:
            print(f"{len(flagged)} slower; confirming with {opts.rounds} more rounds",
                  file=sys.stderr, flush=True)
            old2, new2 = ab_rounds(binaries, exact_filter([row.name for row in flagged]), opts,
                                   folder, "confirm ")
            rerun = {row.name: row for row in compare(old2, new2, judge_paired, opts, title, AB).rows}
            apply_confirmation(flagged, rerun)
    return report


def apply_confirmation(flagged, rerun):
    """Only what the rerun finds slower again stays a regression; the rest becomes "unconfirmed"."""
    for row in flagged:
        again = rerun.get(row.name)
        if again is None:
            row.verdict, row.note = UNCONFIRMED, "the rerun did not measure it"
        elif again.verdict == SLOWER:
            row.note = f"confirmed: {fmt_change(again.change)}, p {fmt_p(again.p)} in the rerun"
        else:
            row.verdict = UNCONFIRMED
            row.note = f"rerun: {fmt_change(again.change)}, p {fmt_p(again.p)}, {again.verdict}"


def confirm_by_rerun(report, old, current, judge, opts):
    """--confirm BINARY: rerun what `report` flags (5 repetitions, in the current run's mode) and
    judge it again against the same `old`. A host that was busy for one run is not busy for both;
    a slower code path is."""
    flagged = [row for row in report.rows if row.verdict == SLOWER]
    if not flagged or not opts.confirm:
        return report
    print(f"{len(flagged)} slower; confirming with a rerun of {opts.confirm}", file=sys.stderr, flush=True)
    extra = ["--quick"] if bsjson.bs_context(current.data).get("mode") == "quick" else []
    with tempfile.TemporaryDirectory(prefix="bench_switch-confirm-") as folder:
        again = run_binary(resolve_binary(opts.confirm), os.path.join(folder, "confirm.json"),
                           exact_filter([row.name for row in flagged]), opts, repetitions=5, extra=extra)
    apply_confirmation(flagged, {row.name: judge(row.name, old.samples[row.name], again.samples[row.name], opts)
                                 for row in flagged if row.name in again.samples})
    return report


# ---------------------------------------------------------------------------------------------
# Printing

def fmt_ns(ns):
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if abs(ns) >= scale:
            return f"{ns / scale:.4g} {unit}"
    return f"{ns:.4g} ns"


def fmt_change(change):
    return "-" if change is None else f"{change * 100:+.1f} %"


def fmt_p(p):
    return "-" if p is None else "<0.001" if p < 0.001 else f"{p:.3f}"


def table_cells(report):
    header = ["benchmark", report.labels[0], report.labels[1], "change", "p", "n", "verdict", "note"]
    body = [[r.name, fmt_ns(r.old_ns), fmt_ns(r.new_ns), fmt_change(r.change), fmt_p(r.p), r.n,
             r.verdict, r.note] for r in report.rows]
    return header, body


def listings(report):
    """(heading, what the counts line calls them, {name: note}) for the benchmarks that could not be
    compared."""
    return [(f"new (not in {report.labels[2]})", "new", report.new),
            (f"missing from {report.labels[3]}", "missing", report.missing),
            ("skipped (not compared)", "skipped", report.skipped),
            ("FAILED", "failed", report.failed),
            (f"not comparable on {report.metric} (no {METRICS.get(report.metric)} counter on both sides)",
             f"not comparable on {report.metric}", report.lacking)]


def counts_line(report):
    verdicts = [r.verdict for r in report.rows]
    parts = [f"{verdicts.count(v)} {v}" for v in (SLOWER, UNCONFIRMED, FASTER, SMALL, SAME, UNJUDGED)
             if v in verdicts]
    parts += [f"{len(d)} {short}" for _, short, d in listings(report) if d]
    return ", ".join(parts) or "nothing to compare"


def render_text(report):
    lines = [report.title, *report.warnings]
    header, body = table_cells(report)
    if body:
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
        for row in [header, *body]:
            cells = [c.ljust(w) if i in (0, 6, 7) else c.rjust(w)
                     for i, (c, w) in enumerate(zip(row, widths))]
            lines.append("  ".join(cells).rstrip())
    for heading, _, items in listings(report):
        if items:
            lines.append(f"{heading}:")
            lines += [f"  {name}" + (f"  ({note})" if note else "") for name, note in items.items()]
    lines.append(counts_line(report))
    return "\n".join(lines)


def render_markdown(report):
    def cell(text):
        return str(text).replace("|", "\\|")
    lines = [f"### {cell(report.title)}", ""]
    lines += [f"> **{w.split(':', 1)[0]}:**{w.split(':', 1)[1]}" for w in report.warnings]
    header, body = table_cells(report)
    if body:
        lines += ["" if report.warnings else None,
                  "| " + " | ".join(header) + " |",
                  "|" + "|".join(":---" if i in (0, 6, 7) else "---:" for i in range(len(header))) + "|"]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in body]
    for heading, _, items in listings(report):
        if items:
            lines += ["", f"**{heading}:**", ""]
            lines += [f"- `{name}`" + (f" ({cell(note)})" if note else "") for name, note in items.items()]
    lines += ["", f"_{counts_line(report)}_"]
    return "\n".join(line for line in lines if line is not None)


def exit_status(reports, opts):
    """(status, reason) from the reports: failures always count, timing only without --report-only."""
    failed = sorted({name for r in reports for name in r.failed})
    missing = sorted({name for r in reports for name in r.missing})
    lacking = sorted({name for r in reports for name in r.lacking})
    slower = sorted({row.name for r in reports for row in r.rows if row.verdict == SLOWER})
    if failed:
        return 1, f"failed benchmarks: {', '.join(failed)}"
    if missing and opts.fail_on_missing:
        return 1, f"benchmarks missing from the current run: {', '.join(missing)}"
    if lacking and not any(r.rows for r in reports):      # not a pass: nothing was judged at all
        return 2, f"nothing comparable on {opts.metric}: no benchmark carries {METRICS[opts.metric]} on both sides"
    if slower and not opts.report_only:
        return 1, f"regression: {', '.join(slower)}"
    if slower:
        return 0, f"regression (report only, not failing): {', '.join(slower)}"
    return 0, "no regression"


# ---------------------------------------------------------------------------------------------
# Command line

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
  compare.py --baseline-dir results/baselines cur.json  against this machine's stored baseline
  compare.py --baseline-dir results/baselines --update-baseline cur.json   accept cur.json as the baseline
  compare.py --history-dir H --against-history 19 --record cur.json        against the last 19 runs; record
  compare.py --ab old/bench_switch new/bench_switch --filter BM_Switch      interleaved A/B (Wilcoxon)
  compare.py --metric p99 base.json cur.json           the p99 of single handoffs, same tests

exit status:
  0  no regression (or --report-only)
  1  a significant regression larger than both floors (not with --report-only); a benchmark that
     failed (an error that is not 'skipped:') in the current run, always; a benchmark missing from
     the current run, with --fail-on-missing
  2  bad input: a file that is missing or not bench_switch JSON, a bad option, no baseline for this
     machine in --baseline-dir (unless --report-only), an A/B binary that is missing, fails or hangs;
     with --metric pN, no benchmark carrying its counter on both sides
""")
    parser.add_argument("files", nargs="*", metavar="JSON",
                        help="BASELINE.json CURRENT.json, or only CURRENT.json with --baseline-dir or "
                             "--history-dir")
    judge = parser.add_argument_group("judging")
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
    ab.add_argument("--filter", default=".", metavar="REGEX",
                    help="--benchmark_filter passed to both binaries (default: all)")
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
    if opts.update_baseline and not opts.baseline_dir:
        parser.error("--update-baseline needs --baseline-dir")
    if (opts.record or opts.against_history) and not opts.history_dir:
        parser.error("--record and --against-history need --history-dir (or --baseline-dir)")


def check_files(opts):
    """The reports and message lines of the JSON modes (baseline file or folder, history)."""
    current = read_run(opts.files[-1], opts.metric)
    reports, messages = [], []
    if len(opts.files) == 2:
        reports.append(compare_files(read_run(opts.files[0], opts.metric), current, opts))
    elif opts.baseline_dir and not opts.update_baseline:
        baseline = find_baseline(opts.baseline_dir, current, opts)
        if baseline is None:
            messages.append(f"note: no baseline for this machine in {opts.baseline_dir} "
                            f"({baseline_path(opts.baseline_dir, current)}); nothing compared")
        else:
            reports.append(compare_files(baseline, current, opts))
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


def main(argv=None):
    parser = build_parser()
    opts = parser.parse_args(argv)
    check_options(parser, opts)
    try:
        reports, messages = ([compare_binaries(opts)], []) if opts.ab else check_files(opts)
    except bsjson.BadInput as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:                 # writing a baseline or history file
        print(f"{PROG}: error: {e.filename or ''}: {e.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    render = render_markdown if opts.markdown else render_text
    status, reason = exit_status(reports, opts)
    parts = [render(r) for r in reports] + ["\n".join(messages)] * bool(messages)
    parts.append(f"**verdict:** {reason}" if opts.markdown else f"verdict: {reason}")
    print("\n\n".join(parts))
    return status


if __name__ == "__main__":
    sys.exit(bsjson.run_main(PROG, main))
