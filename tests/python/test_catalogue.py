"""Tests of scripts/catalogue.py and of the rule it serves: the scripts read the catalogue of what
bench_switch measures (context.bench_switch.catalogue, or bench_switch --list=json) and list no
family, mechanism or placement by hand."""
import json
import os
import pathlib
import re
import subprocess

import pytest

import bsjson
import catalogue
import validate_json
from charts import CHARTS, common

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "python" / "fixtures"
BINARY = os.environ.get("BENCH_SWITCH_BINARY", str(ROOT / "build" / "bench_switch"))
# A run written before the catalogue existed (every placement, Go and Python rows): its entries name
# what a catalogue would.
REFERENCE = ROOT / "results" / "amd-epyc-kvm-2vcpu" / "reference.json"


def listed_by_binary():
    """bench_switch --list=json, or None where no binary was built."""
    if not os.path.exists(BINARY):
        return None
    res = subprocess.run([BINARY, "--list=json"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def catalogue_names():
    """family, mechanism and placement names the catalogues know: the binary's, the reference run's
    and the fixtures' (Go and Python rows too), one set per kind of name."""
    found = [c for c in [listed_by_binary()] if c]
    for path in [REFERENCE, *sorted(FIXTURES.glob("*/*.json"))]:
        try:
            found.append(catalogue.catalogue_of(bsjson.load(path)))
        except bsjson.BadInput:     # the fixtures of bad input
            continue
    families, mechanisms, placements = ({item["name"] for c in found for item in c[key]}
                                        for key in ("families", "mechanisms", "placements"))
    # A task's name that is a mechanism's too ("coroutine") says nothing alone.
    tasks = {m.get("task") for c in found for m in c["mechanisms"]}
    return [families, mechanisms - tasks, placements]


# Where names are given, not restated: the Python suite registers its own rows (as bench/ does the
# C++ ones), a chart declares the families it draws (FAMILIES) and charts/__init__.py the chart
# modules (named like the families they draw).
PRODUCERS = re.compile(r"^scripts/(bench_python\.py$|python_suite/)")
DECLARATION = re.compile(r"^(FAMILIES|CHART_MODULES) = ")
INNERMOST = re.compile(r"[(\[{]([^()\[\]{}]*)[)\]}]")     # a bracket holding no other bracket
NAME = re.compile(r"""["']([a-z0-9_]+)["']""")


def statements(path):
    """(line, text) of each top-level statement: all of them in scripts/; in the tests, only
    module-level ones (a test's own expectations about a fixture name what it holds)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    starts = [i for i, line in enumerate(lines) if line[:1] not in ("", " ", ")", "]", "}", "#")] + [len(lines)]
    for a, b in zip(starts, starts[1:]):
        text = "\n".join(lines[a:b])
        if "tests" in path.parts and re.match(r"(def |class |async def |@)", text):
            continue
        if not (path.parent.name == "charts" and DECLARATION.match(text)):
            yield a + 1, text


def hand_lists(path, kinds):
    """(line, names) of each innermost list, tuple or set holding two or more different names of
    one kind (a dict keyed by them says something of each, such as a chart's words for it)."""
    for line, text in statements(path):
        for group in INNERMOST.finditer(text):
            if group.group(0)[0] == "{" and ":" in group.group(1):
                continue
            values = set(NAME.findall(group.group(1)))
            for names in kinds:
                if len(values & names) >= 2:
                    yield line + text.count("\n", 0, group.start()), sorted(values & names)


def test_no_python_file_lists_families_mechanisms_or_placements_by_hand():
    kinds = catalogue_names()
    files = [p for p in sorted(ROOT.glob("scripts/**/*.py")) + sorted(ROOT.glob("tests/python/**/*.py"))
             if not PRODUCERS.match(str(p.relative_to(ROOT)))]
    found = [f"{path.relative_to(ROOT)}:{line}: {held}" for path in files for line, held in hand_lists(path, kinds)]
    assert not found, "read them from the catalogue (scripts/catalogue.py) instead:\n" + "\n".join(found)


def entry(family, mechanism, placement, language="c++", **more):
    return {"name": f"{family}/{mechanism}/{placement}", "run_type": "iteration", "family": family,
            "mechanism": mechanism, "kind": "preemptive", "task": "thread", "placement": placement,
            "language": language, **more}


def run_of(benchmarks, given=None):
    bs = {"tool": "bench_switch", "language": "c++"}
    if given is not None:
        bs["catalogue"] = given
    return {"context": {"bench_switch": bs}, "benchmarks": benchmarks}


def test_a_file_without_a_catalogue_gets_one_from_its_entries():
    made = catalogue.catalogue_of(run_of([
        entry("switch", "py_thread", "unpinned", language="python"),
        entry("switch", "thread_futex", "cross_cpu", cpus=[0, 1]),
        entry("switch", "thread_futex", "unpinned", cpus_allowed=[0, 1]),
        entry("c2c", "thread_futex", "all_pairs"),
        entry("ring", "go_chan_ring", "one_p", language="go")]))
    assert catalogue.family_names(made) == ["switch", "c2c", "ring"]
    # The switch family's C++ entries give the placements, in their order; pinned where they name CPUs.
    assert [p["name"] for p in made["placements"]] == ["cross_cpu", "unpinned"]
    assert catalogue.pinned(made) == {"cross_cpu"}
    futex = next(m for m in made["mechanisms"] if m["name"] == "thread_futex")
    assert futex["placements"] == ["cross_cpu", "unpinned", "all_pairs"] and futex["families"] == ["switch", "c2c"]
    assert [m["placements"] for m in catalogue.mechanisms_of(made, "c2c")] == [["all_pairs"]]


def test_entries_that_name_nothing_are_left_out_of_a_made_catalogue():
    made = catalogue.catalogue_of(run_of([{"family": ["switch"], "mechanism": "x"}, {"family": "switch"}, 7,
                                          entry("switch", "thread_futex", None)]))
    assert catalogue.family_names(made) == ["switch"] and made["placements"] == []


@pytest.mark.parametrize("damaged", [[], {"families": 1}, {"families": [], "mechanisms": [], "placements": [3]},
                                     {"families": [{"name": "switch", "mechanisms": [{"name": "x"}]}],
                                      "mechanisms": [], "placements": []}])
def test_a_damaged_catalogue_is_replaced_by_one_made_from_the_entries(damaged):
    made = catalogue.catalogue_of(run_of([entry("ring", "thread_ring", "same_cpu")], damaged))
    assert catalogue.family_names(made) == ["ring"]


def test_a_run_that_carries_its_catalogue_is_read_by_it():
    given = {"families": [], "mechanisms": [], "placements": [{"name": "far", "pinned": True},
                                                              {"name": "near", "pinned": False}]}
    data = run_of([entry("switch", "thread_futex", "near", cpus=[0, 0]), entry("switch", "thread_futex", "far")],
                  given)
    assert catalogue.catalogue_of(data) is data["context"]["bench_switch"]["catalogue"]
    rank = common.placement_rank([common.Run("a.json", data)])
    assert sorted(["near", "elsewhere", "far"], key=rank) == ["far", "near", "elsewhere"]
    # far is pinned: its C++ entry must say on which CPUs; near is not, so its cpus are no matter.
    assert any(p.endswith("lacks the field 'cpus' (its placement is a pinned pair)") and "/far" in p
               for p in validate_json.problems(data))


def test_each_chart_declares_its_families_on_the_one_line_cmake_reads():
    # cmake/chart_links.cmake reads FAMILIES and CHART = Chart("name" line by line.
    for path in sorted((ROOT / "scripts" / "charts").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "\nCHART = " not in text:
            continue
        declared = re.findall(r'^FAMILIES = \(((?:"[a-z0-9_]+",? ?)*)\)$', text, re.M)
        assert len(declared) == 1, f"{path.name}: one FAMILIES = (\"family\", ...) line"
        assert re.search(r'^CHART = Chart\("[a-z0-9_]+"', text, re.M), path.name
    assert all(chart.families for chart in CHARTS)


def test_the_binary_lists_the_charts_each_family_feeds_as_the_charts_declare_them():
    listed = listed_by_binary()
    if listed is None:
        pytest.skip("needs a built bench_switch (BENCH_SWITCH_BINARY)")
    for family in listed["families"]:
        assert family["charts"] == [c.name for c in CHARTS if family["name"] in c.families], family["name"]
        assert family["figure"] and family["mechanisms"], family["name"]
    assert {p["name"] for p in listed["placements"] if not p["pinned"]} == {"unpinned"}


def test_a_chart_that_reads_a_family_it_does_not_declare_is_caught():
    from charts import output
    data = run_of([entry("ring", "thread_ring", "same_cpu"), entry("spawn", "spawn_thread", "same_cpu")])
    run = common.Run("a.json", data)
    ring = next(c for c in CHARTS if c.name == "ring")
    run.entries("ring"), run.summary("granularity_breakeven")
    assert output.undeclared_reads(ring, [run]) == []
    run.entries("spawn")
    assert output.undeclared_reads(ring, [run]) == ["spawn"]
