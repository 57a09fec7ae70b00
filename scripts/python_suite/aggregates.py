"""Google Benchmark's aggregates of the repetitions (mean, median, stddev, cv), computed as it
computes them, with the same names and fields, so that its tools read these entries too."""
import statistics

from .entries import bench_switch_fields, common_fields

AGGREGATES = [  # name, unit, function: as Google Benchmark computes them (stddev is the sample's)
    ("mean", "time", statistics.mean),
    ("median", "time", statistics.median),
    ("stddev", "time", statistics.stdev),
    ("cv", "percentage", lambda xs: statistics.stdev(xs) / statistics.mean(xs) if statistics.mean(xs) else 0.0),
]

_NOT_AGGREGATED = {"name", "family_index", "per_family_instance_index", "run_name", "run_type",
                   "repetitions", "repetition_index", "threads", "iterations", "time_unit"}


def aggregate_entries(bench, family_index, runs):
    """mean, median, stddev and cv of real_time, cpu_time and every counter across the repetitions.
    Like Google Benchmark: none for a single repetition, and `iterations` is the repetition count."""
    if len(runs) < 2:
        return []
    numeric = [k for k, v in runs[0].items()
               if k not in _NOT_AGGREGATED and isinstance(v, (int, float)) and not isinstance(v, bool)]
    out = []
    for name, unit, compute in AGGREGATES:
        entry = common_fields(bench, family_index, len(runs))
        entry["name"] += f"_{name}"
        entry.update(run_type="aggregate", aggregate_name=name, aggregate_unit=unit, iterations=len(runs))
        del entry["repetition_index"]
        for key in numeric:                 # real_time and cpu_time first, then the counters
            entry[key] = compute([r[key] for r in runs])
            if key == "cpu_time":
                entry["time_unit"] = "ns"
        entry.update(bench_switch_fields(bench))
        out.append(entry)
    return out
