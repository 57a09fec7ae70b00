#!/usr/bin/python3
"""Write a bench_switch run as Google Benchmark JSON that dashboards and Google Benchmark's own
tools read right: one entry per measured benchmark, holding the family's own figure in its unit.

github-action-benchmark's `googlecpp` reader (and others like it) take every entry's `real_time`
as a point, `time_unit` + "/iter" as its unit and the name as the series: the suite's JSON would
give them each repetition under one name, the mean/median/stddev/cv aggregates as series of their
own, skipped benchmarks at 0, and for memory, timeslice and preemption_cost a creation time or an
observation window instead of the figure. Here each benchmark is one entry: the median over its
repetitions of the figure its family states (FIGURES), skipped, failed and unresolved ones left out
(listed on stderr).

--repetitions keeps every repetition instead, for Google Benchmark's compare.py (its U test needs
them), and leaves out the figures that are not times (its geometric mean reads every unit as one).

Exit status: 0 written; 1 written, but the run has failed benchmarks (not exported); 2 bad input.
"""
import argparse
import json
import statistics
import sys

import bsjson
import output_file
from comparing.runs import current_name

PROG = "export_googlecpp.py"

# family -> (the counter that is the family's figure, its unit, what it is). Families not listed:
# real_time, in ns, is their figure (the entry's `unit` says what it times).
FIGURES = {
    "memory": ("rss_bytes_per_task", "B", "resident bytes per idle task"),
    "timeslice": ("slice_median_ns", "ns", "median time slice"),
    "preemption_cost": ("ns_direct_per_involuntary_switch", "ns", "CPU time lost per involuntary switch"),
}
TIME_UNITS = ("ns", "us", "ms", "s")


def figure(entry):
    """(value, unit) of one repetition's figure, or (None, why) where it has none."""
    counter, unit, _ = FIGURES.get(entry.get("family"), (None, "ns", ""))
    if counter is None:
        return bsjson.real_time_ns(entry), "ns"
    value = entry.get(counter)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, f"no {counter} (not resolved, or not measured)"
    if entry.get("resolved") == 0:
        return None, f"{counter} below its own uncertainty (unresolved)"
    return float(value), unit


def exported(data, keep_repetitions):
    """The entries to write, and {benchmark: why left out}."""
    values, units, left_out, first = {}, {}, {}, {}
    for e in bsjson.iterations(data):
        name = current_name(bsjson.run_name(e))   # a dashboard's series survives a budget change
        value, unit = figure(e)
        if value is None:
            left_out[name] = unit
            continue
        values.setdefault(name, []).append(value)
        units[name] = unit
        first.setdefault(name, e)
    for e in data["benchmarks"]:
        if bsjson.is_skipped(e) or bsjson.is_failed(e):
            left_out[current_name(bsjson.run_name(e))] = str(e.get("error_message") or "failed")
    entries = []
    for name, vs in values.items():
        if name in left_out:
            continue                     # one unresolved or failed repetition spoils the benchmark
        if keep_repetitions and units[name] not in TIME_UNITS:
            left_out[name] = f"its figure is in {units[name]}, not a time"
            continue
        e = first[name]
        base = {"name": name, "run_name": name, "run_type": "iteration", "threads": 1,
                "iterations": e.get("iterations", 1), "time_unit": units[name], "repetitions": len(vs),
                "family": e.get("family"), "unit": FIGURES.get(e.get("family"), (0, 0, e.get("unit")))[2]}
        for i, v in enumerate(vs if keep_repetitions else [statistics.median(vs)]):
            entries.append({**base, "real_time": v, "cpu_time": v, "repetition_index": i}
                           if keep_repetitions else {**base, "real_time": v, "cpu_time": v})
    return entries, left_out


def main(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="exit status: 0 written; 1 written, the run has failed benchmarks; "
                                            "2 bad input")
    parser.add_argument("run", metavar="RUN.json", help="a bench_switch JSON file")
    parser.add_argument("-o", "--output", metavar="OUT.json", default="/dev/stdout",
                        help="where to write (default: standard output); replaced whole or not at all")
    parser.add_argument("--repetitions", action="store_true",
                        help="one entry per repetition (for Google Benchmark's compare.py); time figures only")
    opts = parser.parse_args(argv)
    try:
        data = bsjson.load(opts.run)
        entries, left_out = exported(data, opts.repetitions)
    except bsjson.BadInput as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    context = {k: data["context"].get(k) for k in ("date", "host_name", "executable", "num_cpus", "mhz_per_cpu")}
    context["bench_switch"] = bsjson.bs_context(data)
    text = json.dumps({"context": context, "benchmarks": entries}, indent=1) + "\n"
    try:
        output_file.write_output(opts.output, text)
    except OSError as e:
        print(f"{PROG}: error: {opts.output}: {e.strerror}", file=sys.stderr)
        return 2
    failed = sorted({current_name(bsjson.run_name(b)) for b in data["benchmarks"] if bsjson.is_failed(b)})
    print(f"{PROG}: {len({e['name'] for e in entries})} benchmarks exported, {len(left_out)} left out"
          + "".join(f"\n  {name}: {why}" for name, why in sorted(left_out.items())), file=sys.stderr)
    if failed:
        print(f"{PROG}: failed benchmarks, not exported: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
