#!/usr/bin/python3
"""What a task switch costs in Python: asyncio tasks and generators (cooperative) against threads
and processes (preemptive), plus what creating each kind of task costs. Writes bench_switch JSON
(docs/JSON.md); docs/PYTHON.md says what each figure is. `bench_switch --with-python` runs it.

This file is the command: it runs each selected benchmark, writes the JSON and prints the table.
The mechanisms, the harness and the entries are in python_suite/ (its __init__ lists the modules).
"""
import json
import os
import sys

import bsjson
import output_file
from python_suite.benchmarks import benchmark_name
from python_suite.context import machine_context
from python_suite.harness import run_benchmark
from python_suite.options import parse_args
from python_suite.report import progress_line, table


def run_all(benchmarks, repetitions, min_time):
    """[(benchmark, entries, status)] in run order, each announced on stderr once it is done."""
    results = []
    for position, bench in enumerate(benchmarks, 1):
        entries, status = run_benchmark(bench, repetitions, min_time, family_index=position - 1)
        results.append((bench, entries, status))
        print(progress_line(position, len(benchmarks), bench, entries, status), file=sys.stderr, flush=True)
    return results


def main(argv=None):
    args = parse_args(argv)
    if args.list:
        print("\n".join(benchmark_name(b) for b in args.benchmarks))
        return 0
    context = machine_context(os.path.abspath(__file__))
    results = run_all(args.benchmarks, args.repetitions, args.min_time)
    document = {"context": context, "benchmarks": [e for _, entries, _ in results for e in entries]}
    try:
        output_file.write_output(args.json, json.dumps(document, indent=2) + "\n")
    except OSError as e:
        print(f"bench_python.py: error: cannot write {args.json} ({e.strerror or e})", file=sys.stderr)
        return 1
    console = sys.stderr if output_file.is_standard_output(args.json) else sys.stdout  # JSON alone there
    print(table(results), file=console)
    print(f"\nwrote {args.json}", file=console)
    failed = [benchmark_name(b) for b, _, status in results if status == "failed"]
    if failed:
        print(f"bench_python.py: {len(failed)} benchmark(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(bsjson.run_main("bench_python.py", main))
