"""A/B: two binaries run in turns on this machine, one repetition each per round, so each round
gives a pair measured within seconds under the same machine state; and the rerun that confirms
what another mode flagged (--confirm)."""
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile

import bsjson

from .report import AB, compare, metric_title
from .runs import Run, read_run
from .statistics import SLOWER, UNCONFIRMED, judge_paired
from .formats import fmt_change, fmt_p


# Google Benchmark filters on its own names, which still carry a fixed budget (/min_time:0.020/
# repeats:3) that the JSON's names no longer do.
BUDGET_IN_NAME = "(/(min_time|repeats|iterations):[0-9.]+)*"


def exact_filter(names):
    """A --benchmark_filter regex matching exactly `names`, whatever budget Google Benchmark puts in
    them (escaped for both ECMAScript and POSIX)."""
    def escape(name):
        return "".join("\\" + c if c in "\\.^$|?*+()[]{}" else c for c in name)

    def pattern(name):
        head, tail = (name[:-12], name[-12:]) if name.endswith("/manual_time") else (name, "")
        return escape(head) + BUDGET_IN_NAME + escape(tail)
    return "^(" + "|".join(pattern(n) for n in names) + ")$"


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
        report = compare(old, new, judge_paired, opts, title, AB, "ab")
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
    ctx = bsjson.bs_context(current.data)
    extra = ["--quick"] if ctx.get("mode") == "quick" else []
    if ctx.get("repetitions_setting"):    # the families that otherwise run once need it too
        extra += ["--repetitions", str(max(5, int(ctx["repetitions_setting"])))]
    with tempfile.TemporaryDirectory(prefix="bench_switch-confirm-") as folder:
        again = run_binary(resolve_binary(opts.confirm), os.path.join(folder, "confirm.json"),
                           exact_filter([row.name for row in flagged]), opts, repetitions=5, extra=extra)
    apply_confirmation(flagged, {row.name: judge(row.name, old.samples[row.name], again.samples[row.name], opts)
                                 for row in flagged if row.name in again.samples})
    return report
