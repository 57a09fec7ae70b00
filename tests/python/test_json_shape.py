"""scripts/json_shape.py: equal shapes pass; a lost benchmark, a changed type or identity fails."""
import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "json_shape.py"


def run(tmp_path, old, new, *extra):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(old))
    b.write_text(json.dumps(new))
    return subprocess.run([sys.executable, str(SCRIPT), str(a), str(b), *extra], capture_output=True, text=True)


def doc(ns=1.0, **fields):
    bench = {"name": "switch/x/same_cpu", "run_type": "iteration", "repetition_index": 0, "family": "switch",
             "real_time": ns, "latency": {"histogram": [[1.0, 2.0, 3]]}, **fields}
    return {"context": {"date": "d"}, "benchmarks": [bench], "summaries": {"findings": ["a"]}}


def test_figures_and_list_lengths_may_differ(tmp_path):
    new = doc(ns=2.5)
    new["benchmarks"][0]["latency"]["histogram"].append([2.0, 3.0, 1])
    assert run(tmp_path, doc(), new).returncode == 0


def test_a_lost_field_a_changed_type_and_a_renamed_family_are_found(tmp_path):
    r = run(tmp_path, doc(extra=1.0), doc(family="switches", real_time="1"))
    assert r.returncode == 1
    assert ".extra: number -> missing" in r.stdout
    assert ".real_time: number -> string" in r.stdout
    assert "family: 'switch' -> 'switches'" in r.stdout


def test_an_allowed_field_may_go(tmp_path):
    assert run(tmp_path, doc(bench_switch_attachment=0.0), doc(), "--allow-missing", "bench_switch_attachment").returncode == 0


def test_a_malformed_file_is_one_line_and_exit_2(tmp_path):
    a = tmp_path / "a.json"
    a.write_text("{")
    r = subprocess.run([sys.executable, str(SCRIPT), str(a), str(a)], capture_output=True, text=True)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1


def test_a_list_of_objects_is_the_union_of_its_elements(tmp_path):
    old, new = doc(), doc()
    for d, charts in ((old, [["a"], []]), (new, [[], ["b"]])):
        d["context"]["families"] = [{"name": "x", "charts": c} for c in charts]
    assert run(tmp_path, old, new).returncode == 0
