#!/usr/bin/python3
"""Cross-check bench_switch's process pipe handoff against `perf bench sched pipe`.

Both put two processes on one CPU and pass a token through a pair of pipes; perf reports usecs/op
for a round trip (two switches), bench_switch ns per one-way switch. Run one right after the other
on the same machine, since a shared machine drifts between runs.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bsjson  # noqa: E402


def bench_switch_ns(binary, cpu):
    """Median ns per one-way switch of switch/process_pipe/same_cpu, pinned like perf is."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        subprocess.run(["taskset", "-c", str(cpu), binary, "--benchmark_filter=switch/process_pipe/same_cpu/",
                        "--benchmark_repetitions=5", "--benchmark_min_time=0.2", "--json", out],
                       check=True, stdout=subprocess.DEVNULL, timeout=300)
        medians = bsjson.aggregate(bsjson.load(out), "median", family="switch")
        if not medians:
            raise bsjson.BadInput("bench_switch measured nothing for process_pipe/same_cpu")
        return medians[0]["real_time"]


def perf_ns(cpu, loops):
    """perf bench sched pipe on one CPU, converted to ns per one-way switch (its op is a round trip)."""
    res = subprocess.run(["taskset", "-c", str(cpu), "perf", "bench", "sched", "pipe", "-l", str(loops)],
                         capture_output=True, text=True, check=True, timeout=300)
    m = re.search(r"([\d.]+)\s+usecs/op", res.stdout)
    if not m:
        raise bsjson.BadInput("could not read usecs/op from perf's output")
    return float(m.group(1)) * 1000 / 2


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default="build/bench_switch", help="the bench_switch binary (default: %(default)s)")
    ap.add_argument("--cpu", type=int, default=0, help="the CPU both tools are confined to (default: %(default)s)")
    ap.add_argument("--loops", type=int, default=500000, help="perf's round trips (default: %(default)s)")
    ap.add_argument("--tolerance", type=float, default=0.15, help="allowed relative difference (default: %(default)s)")
    args = ap.parse_args()
    try:
        ours = bench_switch_ns(args.binary, args.cpu)
        theirs = perf_ns(args.cpu, args.loops)
    except (OSError, subprocess.SubprocessError, bsjson.BadInput) as e:
        print(f"crosscheck_perf: {e}", file=sys.stderr)
        return 2
    diff = ours / theirs - 1
    print(f"bench_switch process_pipe/same_cpu: {ours:8.1f} ns per switch")
    print(f"perf bench sched pipe (taskset -c {args.cpu}): {theirs:8.1f} ns per switch ({theirs * 2 / 1000:.3f} usecs/op)")
    print(f"difference: {diff:+.1%} (tolerance ±{args.tolerance:.0%})")
    return 0 if abs(diff) <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
