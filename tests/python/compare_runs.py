"""What the compare tests share: synthetic runs with deterministic pseudo-noise (the same verdicts on
every machine), calling compare.py in this process, reading its table, and fake benchmark binaries."""
import json
import pathlib
import random
import statistics


import bsjson
import compare

PYTHON = "/usr/bin/python3"
SCRIPT = pathlib.Path(compare.__file__).resolve()
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "compare"
GBENCH_COMPARE = pathlib.Path("/usr/share/benchmark/compare.py")

FUTEX = "BM_Switch/thread_futex/placement:same_cpu"
FIBER = "BM_Switch/fcontext_fiber/placement:one_thread"
CALL = "BM_Switch/indirect_call/placement:one_thread"
CPU_A, CPU_B = "Example CPU 9000 @ 3.0GHz", "Other CPU 7 @ 2.1GHz"
KERNEL = "6.1.0-18-amd64"


def noisy(center, reps=10, seed=1, spread=0.03):
    """`reps` repetitions around `center`, each off by up to `spread` (relative), always the same."""
    rng = random.Random(seed)
    return [center * (1 + rng.uniform(-spread, spread)) for _ in range(reps)]


def write_run(path, benches, skipped=None, failed=None, cpu_model=CPU_A, cpu_count=8, kernel=KERNEL,
              fingerprint=None, date="2024-03-01T12:00:00+00:00", revision="abc1234",
              build_type="Release", aggregates_only=False, counters=None):
    """A bench_switch-layout file: per benchmark its repetitions (run_type 'iteration'; left out with
    `aggregates_only`) then Google Benchmark's mean/median/stddev/cv aggregates; skipped and failed
    entries carry zero timings, as Google Benchmark writes errored runs (its compare.py needs them).
    `counters`: benchmark -> {counter: one value per repetition}, aggregated like the times."""
    counters = counters or {}
    def entry(run_name, real_time, **extra):
        e = {"name": run_name, "run_name": run_name, "run_type": "iteration", "threads": 1,
             "iterations": 1000, "real_time": real_time, "cpu_time": real_time, "time_unit": "ns",
             "family": "switch", "mechanism": run_name.split("/")[1], "params": {},
             "unit": "ns per one-way switch"}
        e.update(extra)
        return e

    entries = []
    for name, values in benches.items():
        extra = counters.get(name, {})
        for i, v in enumerate([] if aggregates_only else values):
            entries.append(entry(name, v, repetitions=len(values), repetition_index=i,
                                 **{k: vs[i] for k, vs in extra.items()}))
        if len(values) > 1:
            for agg, fn in (("mean", statistics.mean), ("median", statistics.median),
                            ("stddev", statistics.stdev),
                            ("cv", lambda xs: statistics.stdev(xs) / statistics.mean(xs))):
                entries.append(entry(name, fn(values), name=f"{name}_{agg}", run_type="aggregate",
                                     aggregate_name=agg, repetitions=len(values),
                                     aggregate_unit="percentage" if agg == "cv" else "time",
                                     **{k: fn(vs) for k, vs in extra.items()}))
    for errors in (skipped or {}, failed or {}):
        for name, message in errors.items():
            entries.append(entry(name, 0, repetitions=1, repetition_index=0, error_occurred=True,
                                 error_message=message))
    bs = {"tool": "bench_switch", "schema_version": 1, "language": "c++", "git_revision": revision,
          "build_type": build_type, "compiler": "GNU 12.2.0", "cpu_model": cpu_model,
          "cpu_count": cpu_count, "kernel_release": kernel,
          "fingerprint": fingerprint or f"{cpu_model}|{cpu_count}|{kernel}"}
    context = {"date": date, "host_name": "alpha", "executable": "./bench_switch", "num_cpus": 8,
               "mhz_per_cpu": 3000, "library_build_type": "debug", "bench_switch": bs}
    path = pathlib.Path(path)
    path.write_text(json.dumps({"context": context, "benchmarks": entries}, indent=1))
    return str(path)


def run(capsys, *args):
    """compare.main in this process: (exit status, stdout, stderr)."""
    status = compare.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def verdicts(out):
    """benchmark -> verdict, read from the printed table (the verdict is the 7th column)."""
    found = {}
    for line in out.splitlines():
        for name in (FUTEX, FIBER, CALL):
            if line.startswith(name + " "):
                found[name] = next(v for v in (compare.SLOWER, compare.FASTER, compare.SMALL,
                                               compare.SAME, compare.UNJUDGED, compare.UNCONFIRMED,
                                               compare.CANNOT_TELL)
                                   if f"  {v}" in line)
    return found


def fake_binary(tmp_path, name, **settings):
    """An executable copy of fixtures/compare/fake_bench.py with its SETTINGS filled in."""
    settings.setdefault("seed", name)
    settings.setdefault("counter", str(tmp_path / f"{name}.count"))
    source = (FIXTURES / "fake_bench.py").read_text()
    path = tmp_path / name
    path.write_text(source.replace("SETTINGS = {}", f"SETTINGS = {json.dumps(settings)}", 1))
    path.chmod(0o755)
    return str(path)


def baseline_dir(tmp_path):
    """A baseline folder holding a baseline for machine A (futex 1400 ns) and B (futex 2800 ns)."""
    folder = tmp_path / "baselines"
    folder.mkdir()
    for cpu, ns in ((CPU_A, 1400), (CPU_B, 2800)):
        write_run(folder / (bsjson.slug(f"{cpu}|8|{KERNEL}") + ".json"), {FUTEX: noisy(ns, seed=7)},
                  cpu_model=cpu)
    return folder
