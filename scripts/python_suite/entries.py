"""One repetition, or a benchmark that could not measure, as a JSON entry: Google Benchmark's fields
in its order, then what bench_switch adds (docs/JSON.md)."""
from .benchmarks import UNITS, benchmark_name


def common_fields(bench, family_index, repetitions):
    """Google Benchmark's naming fields, in its order."""
    name = benchmark_name(bench)
    return {"name": name, "family_index": family_index, "per_family_instance_index": 0,
            "run_name": name, "run_type": "iteration", "repetitions": repetitions,
            "repetition_index": 0, "threads": 1}


def bench_switch_fields(bench):
    """What bench_switch adds to every entry (docs/JSON.md)."""
    return {"family": bench.family, "mechanism": bench.mechanism, "kind": bench.kind,
            "task": bench.task, "placement": bench.placement, "language": "python",
            "params": {}, "unit": UNITS[bench.family][1]}


def iteration_entry(bench, family_index, repetitions, index, count, sample):
    """One repetition: times and counters divided by the number of switches (or tasks) it held."""
    what = UNITS[bench.family][0]
    entry = common_fields(bench, family_index, repetitions)
    entry.update(repetition_index=index, iterations=count,
                 real_time=sample.wall_ns / count, cpu_time=sample.cpu_ns / count, time_unit="ns")
    # Counters are top-level numbers, as Google Benchmark writes user counters.
    entry[f"ns_per_{what}"] = sample.wall_ns / count
    entry[f"kernel_switches_per_{what}"] = (sample.voluntary + sample.involuntary) / count
    entry[f"voluntary_switches_per_{what}"] = sample.voluntary / count
    entry[f"involuntary_switches_per_{what}"] = sample.involuntary / count
    entry["cpu_utilisation"] = sample.cpu_ns / max(sample.wall_ns, 1)
    entry[f"{what}es" if what == "switch" else f"{what}s"] = count
    entry.update(bench_switch_fields(bench))
    return entry


def error_entry(bench, family_index, repetitions, message):
    """A benchmark that did not measure. Laid out as Google Benchmark lays out an errored run
    (zero iterations and times); it carries no counters."""
    entry = common_fields(bench, family_index, repetitions)
    entry.update(iterations=0, real_time=0, cpu_time=0, time_unit="ns",
                 error_occurred=True, error_message=message)
    entry.update(bench_switch_fields(bench))
    return entry
