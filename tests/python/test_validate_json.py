"""validate_json.py accepts a complete file and names every shortfall of an incomplete one."""
import copy
import json
import subprocess
import sys

import validate_json

CONTEXT = {"tool": "bench_switch", "schema_version": 1, "language": "c++", "git_revision": "abc",
           "cpu_model": "CPU", "cpu_count": 2, "kernel_release": "6.1", "fingerprint": "CPU|2|6.1",
           "build_type": "Release", "compiler": "GNU", "compiler_flags": "-O3", "libraries": {},
           "clocksource": "tsc", "tsc": {}, "scheduler": {}, "cpufreq_governor": "none",
           "virtualization": {}, "mitigations": {}}
ENTRY = {"name": "switch/thread_futex/same_cpu/manual_time", "run_type": "iteration", "family": "switch",
         "mechanism": "thread_futex", "kind": "preemptive", "task": "thread", "placement": "same_cpu",
         "cpus": [1, 1], "relation": "same_cpu", "language": "c++", "params": {}, "unit": "ns per one-way switch", "real_time": 2000.0,
         "ns_per_switch": 2000.0, "kernel_switches_per_switch": 1.0, "voluntary_switches_per_switch": 1.0,
         "involuntary_switches_per_switch": 0.0, "cpu_utilisation": 1.0, "switches": 1000}
DOC = {"context": {"bench_switch": CONTEXT}, "benchmarks": [ENTRY]}


def test_a_complete_file_is_valid():
    assert validate_json.problems(DOC, ["switch"]) == []


def test_each_shortfall_is_named():
    doc = copy.deepcopy(DOC)
    del doc["context"]["bench_switch"]["clocksource"]
    del doc["benchmarks"][0]["placement"]
    del doc["benchmarks"][0]["kernel_switches_per_switch"]
    found = validate_json.problems(doc, ["switch", "granularity"])
    assert any("clocksource" in p for p in found)
    assert any("'placement'" in p for p in found)
    assert any("kernel_switches_per_switch" in p for p in found)
    assert any("granularity" in p for p in found)


def test_a_pinned_entry_must_say_its_cpus_and_a_c2c_entry_its_matrix():
    doc = copy.deepcopy(DOC)
    del doc["benchmarks"][0]["cpus"]
    doc["benchmarks"].append(dict(ENTRY, name="c2c/thread_futex/all_pairs", family="c2c", placement="all_pairs",
                                  pairs_measured=3, pairs_total=3))
    found = validate_json.problems(doc)
    assert any("lacks the field 'cpus'" in p for p in found)
    assert any("summaries.c2c holds no matrix" in p for p in found)
    doc["summaries"] = {"c2c": {"cpus": []}}
    doc["benchmarks"][0]["cpus"] = [1, 1]
    assert validate_json.problems(doc) == []


def test_the_counter_is_the_tsc_or_cntvct_and_one_must_be_there():
    """x86-64 names its counter tsc, aarch64 cntvct (CNTVCT_EL0); a file with neither lacks it."""
    doc = copy.deepcopy(DOC)
    ctx = doc["context"]["bench_switch"]
    ctx["cntvct"] = ctx.pop("tsc")
    assert validate_json.problems(doc) == []
    del ctx["cntvct"]
    assert any("counter" in p for p in validate_json.problems(doc))


def test_a_failed_benchmark_fails_and_a_skip_does_not():
    doc = copy.deepcopy(DOC)
    skipped = dict(ENTRY, error_occurred=True, error_message="skipped: one CPU")
    failed = dict(ENTRY, name="switch/x", error_occurred=True, error_message="handoff broke")
    doc["benchmarks"] += [skipped]
    assert validate_json.problems(doc) == []
    doc["benchmarks"] += [failed]
    assert any("handoff broke" in p for p in validate_json.problems(doc))


def test_the_command_line_exits_by_verdict(tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(DOC))
    bad.write_text("{not json")
    script = [sys.executable, str(validate_json.__file__)]
    assert subprocess.run(script + [str(good)], capture_output=True).returncode == 0
    res = subprocess.run(script + [str(bad)], capture_output=True, text=True)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_an_interval_may_be_null_but_not_missing():
    """A --quick repetition may hold too few pairs of batches for an interval: its bounds are null."""
    entry = dict(ENTRY, name="granularity/x/manual_time", family="granularity", efficiency=0.5,
                 efficiency_lo=None, efficiency_hi=None, work_ns=10.0)
    doc = copy.deepcopy(DOC)
    doc["benchmarks"].append(entry)
    assert validate_json.problems(doc) == []
    del doc["benchmarks"][-1]["efficiency_lo"]
    assert any("efficiency_lo" in p for p in validate_json.problems(doc))
    doc["benchmarks"][-1].update(efficiency_lo=0.4, efficiency=None)
    assert any("'efficiency'" in p for p in validate_json.problems(doc))


def test_a_file_with_no_benchmark_or_an_entry_that_is_not_an_object_is_invalid():
    assert any("no benchmark" in p for p in validate_json.problems(dict(DOC, benchmarks=[])))
    assert any("benchmarks[1] is not an object" in p for p in validate_json.problems(dict(DOC, benchmarks=[ENTRY, 5])))


def test_a_non_finite_figure_is_refused_in_one_line(tmp_path):
    for word in ("NaN", "Infinity", "-Infinity", "1e999"):
        path = tmp_path / "run.json"
        path.write_text(json.dumps(DOC).replace('"real_time": 2000.0', f'"real_time": {word}'))
        result = subprocess.run([sys.executable, validate_json.__file__, str(path)], capture_output=True, text=True)
        assert result.returncode == 2, word
        assert result.stderr.count("\n") == 1 and "finite" in result.stderr, result.stderr
