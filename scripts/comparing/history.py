"""Baselines and history, kept per machine fingerprint; a history also per mode (quick and full
runs measure other benchmarks with other budgets, so they never judge each other)."""
import collections
import datetime
import json
import os
import statistics

import bsjson
import output_file

from .report import HISTORY, compare, metric_title
from .runs import METRICS, Run, current_name, describe, keep_only, mode_of, old_names_note, read_run
from .statistics import judge_history


def baseline_path(folder, run):
    return os.path.join(folder, bsjson.slug(bsjson.fingerprint(run.data)) + ".json")


def history_path(folder, run):
    return os.path.join(folder, bsjson.slug(bsjson.fingerprint(run.data)) + ".jsonl")


def find_baseline(folder, run, opts):
    """The baseline Run for `run`'s machine, or None when there is none (the caller says so)."""
    if not os.path.isdir(folder):
        raise bsjson.BadInput(f"{folder}: no such baseline directory")
    path = baseline_path(folder, run)
    return read_run(path, opts.metric) if os.path.exists(path) else None


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
    """One history line: the run's date, revision, machine, mode, and each benchmark's median in ns;
    where benchmarks carry latency counters, `latency_ns`: metric -> benchmark -> median."""
    ctx = bsjson.bs_context(run.data)
    summary = {"date": run.data["context"].get("date", "?"), "git_revision": ctx.get("git_revision", "?"),
               "fingerprint": bsjson.fingerprint(run.data), "mode": mode_of(run.data),
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
    return {current_name(k): v for k, v in values.items()} if isinstance(values, dict) else {}


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
        except (json.JSONDecodeError, RecursionError):
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


def record_mode(record):
    """A record's mode. Records from before modes were recorded still had the budget in their names,
    and --quick's is min_time:0.005; any other such record says it is unrecorded, never 'full'."""
    if record.get("mode"):
        return record["mode"]
    return "quick" if any("/min_time:0.005/" in name for name in record["median_ns"]) else "unrecorded"


def compare_history(run, records, opts):
    """The current run against the last N recorded runs of its machine and mode (see judge_history)."""
    fp, mode = bsjson.fingerprint(run.data), mode_of(run.data)
    mine = [r for r in records if r.get("fingerprint", fp) == fp]
    other = collections.Counter(record_mode(r) for r in mine if record_mode(r) != mode)
    last = [r for r in mine if record_mode(r) == mode][-opts.against_history:]
    # Benchmarks of the latest record are expected; their values come from all N records.
    names = recorded(last[-1], "median") if last else {}
    old = Run("history", {}, {name: [recorded(r, opts.metric)[name] for r in last
                                     if isinstance(recorded(r, opts.metric).get(name), (int, float))]
                              for name in names})
    if opts.metric != "median":
        old.lacking = {name: f"no {opts.metric} recorded" for name, v in old.samples.items() if not v}
    old.samples = {name: v for name, v in old.samples.items() if v}
    old = keep_only(old, getattr(opts, "filter", "."))
    if any(current_name(k) != k for r in last for k in r["median_ns"]):
        old.notes.append(old_names_note("history", sum(current_name(k) != k for k in last[-1]["median_ns"])))
    if other:
        old.notes.append(f"note: history: left out {sum(other.values())} recorded runs of another mode ("
                         + ", ".join(f"{n} {m}" for m, n in sorted(other.items())) + f"); judged against {mode} runs only")
    title = (f"{describe(run)} against the last {len(last)} recorded {mode} runs "
             f"({last[0].get('git_revision', '?')} .. {last[-1].get('git_revision', '?')})" if last
             else f"{describe(run)}: no recorded {mode} runs")
    from .ab import confirm_by_rerun
    report = compare(old, run, judge_history, opts, metric_title(title, opts), HISTORY, "history")
    return confirm_by_rerun(report, old, run, judge_history, opts)
