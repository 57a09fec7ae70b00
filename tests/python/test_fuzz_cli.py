"""Fuzzing bench_switch's command line, environment and limits with malformed values (the ones a
careless or hostile user tried, and their neighbours, drawn from a fixed seed): each must give one
line, exit 1 or 2, quickly, with no crash and no process left behind. Nothing is measured: every
case also names a filter that matches nothing, so a value wrongly accepted ends as exit 1."""
import os
import tempfile

import pytest

from fuzz_checks import limits, problems, rng, run_case

BINARY = os.path.abspath(os.environ.get("BENCH_SWITCH_BINARY", "build/bench_switch"))
pytestmark = pytest.mark.skipif(not os.access(BINARY, os.X_OK), reason="needs a built bench_switch (BENCH_SWITCH_BINARY)")
NOTHING = "--benchmark_filter=^no_such_benchmark$"

BAD_COUNTS = ["0", "-1", "-3", "-0", "1.5", "1e3", "0x10", "", " ", "+5", "18446744073709551617",
              "123456789012345678901234", "nan", "inf", "many", "5 ", "٥"]
BAD_SECONDS = ["0", "-1", "nan", "NaN", "inf", "-inf", "1e309", "", "x", "1s", "0x", "3601", "1e-400x"]
BAD_CPU_LISTS = ["", "0-1,0-1", "1,0,1", "0,0", "0-2147483647", "2147483648", "0-99999999999", "-1", "1-0",
                 ",", "0,", ",0", "0--1", "a-b", "0-1:", ":2", "0-1:0", "0-1:-1", "0-1:2x", "0-1:99999999999",
                 "0 - 1", "cores,all", "ALL"]
BAD_TOPOLOGIES = ["pack:1000 numa:100 core:100 pu:100", "pack:99999999999999999999", "core:5000",
                  "pack:64 core:64 pu:2", "pack:2 pu:-1", "nonsense", "pack:", ":::", "pack:2 pack:2 pu:1 pu:9999"]


def cases():
    """(label, argv, environment overrides, limits) for every case, plus random mixtures."""
    out = []
    for v in BAD_COUNTS:
        out.append((f"repetitions={v!r}", [f"--benchmark_repetitions={v}"], {}, None))
        out.append((f"count-instructions {v!r}", ["--count-instructions", "fcontext_fiber", v], {}, None))
    for v in BAD_SECONDS:
        out.append((f"c2c-budget={v!r}", [f"--c2c-budget={v}"], {}, None))
        out.append((f"min_time={v!r}", [f"--benchmark_min_time={v}"], {}, None))
    for v in BAD_CPU_LISTS:
        out.append((f"c2c-cpus={v!r}", [f"--c2c-cpus={v}"], {}, None))
    for v in BAD_TOPOLOGIES:
        out.append((f"topology={v!r}", [f"--topology={v}"], {}, None))
        out.append((f"HWLOC_SYNTHETIC={v!r}", [], {"HWLOC_SYNTHETIC": v}, None))
    for flag in ("--c2c-cpus= --quick", "--json= --quick", "--benchmark_out=/tmp/x.json", "--benchmark_out=/", "--benchmark_format=json",
                 "--benchmark_out_format=csv", "--benchmark_report_aggregates_only=true", "--benchmark_time_unit=ms",
                 "--benchmark_filter=(", "--no-such-flag", "stray", "-x", "--json", "--json=", "--json=/",
                 "--json=/proc/version", "--count-instructions", "--quick=maybe", "--c2c-budget"):
        out.append((flag, flag.split(" "), {}, None))
    out.append(("count-instructions of no mechanism", ["--count-instructions", "no_such", "10"], {}, None))
    out.append(("stack 64 KiB", [], {}, limits(stack=64 * 1024)))
    out.append(("4 descriptors", [], {}, limits(nofile=4)))
    out.append(("20 descriptors", [], {}, limits(nofile=20)))
    # Random mixtures: a good-looking run with one bad value somewhere in it.
    r = rng("test_fuzz_cli")
    for _ in range(25):
        bad = r.choice([f"--benchmark_repetitions={r.choice(BAD_COUNTS)}", f"--c2c-cpus={r.choice(BAD_CPU_LISTS)}",
                        f"--c2c-budget={r.choice(BAD_SECONDS)}", f"--benchmark_min_time={r.choice(BAD_SECONDS)}"])
        args = r.sample(["--quick", "--c2c-cpus=cores", "--c2c-budget=1", "--benchmark_repetitions=2"], r.randint(0, 3))
        args.insert(r.randint(0, len(args)), bad)
        out.append((" ".join(args), args, {}, None))
    return out


def garbage_xml_cases(folder):
    r = rng("garbage_xml")
    files = {"empty": b"", "text": b"garbage\n", "random": bytes(r.randrange(256) for _ in range(4096)),
             "truncated": b'<?xml version="1.0"?>\n<topology version="2.0">\n<object type="Machine"',
             "not hwloc": b'<?xml version="1.0"?><html></html>'}
    out = []
    for name, data in files.items():
        path = os.path.join(folder, name.replace(" ", "_") + ".xml")
        with open(path, "wb") as f:
            f.write(data)
        out.append((f"HWLOC_XMLFILE {name}", [], {"HWLOC_XMLFILE": path}, None))
    for path in (folder, "/nonexistent.xml", "/dev/zero", "/dev/null"):
        out.append((f"HWLOC_XMLFILE={path}", [], {"HWLOC_XMLFILE": path}, None))
    return out


def test_every_malformed_command_line_gets_one_line_and_exit_1_or_2():
    with tempfile.TemporaryDirectory() as folder:
        found = []
        for label, args, env_extra, preexec in cases() + garbage_xml_cases(folder):
            env = dict(os.environ, **env_extra)
            argv = [BINARY, NOTHING, "--json", os.path.join(folder, "out.json")] + args
            if problem := problems(label, run_case(argv, env=env, preexec=preexec, cwd=folder)):
                found.append(problem)
        assert not os.path.exists(os.path.join(folder, "out.json")), "a refused run wrote its file"
    assert not found, "\n".join(found)
