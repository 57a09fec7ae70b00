"""Fuzzing the scripts' inputs: results files broken in the ways a careless or hostile user, a full
disk or a cut transfer breaks them (drawn from a fixed seed), given to validate_json.py, compare.py
and plot.py. Each must give one line, exit 1 or 2, quickly, and never a traceback."""
import json
import os
import pathlib
import sys
import tempfile

from fuzz_checks import limits, problems, rng, run_case

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
GOOD = ROOT / "tests" / "python" / "fixtures" / "plot" / "full.json"
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
BOUND_S = 10.0  # compare.py and plot.py import scipy and matplotlib: a second or two on a loaded machine


# Few cases for the slower scripts (imports of scipy, matplotlib): those their shared loader refuses.
REFUSED_ON_LOAD = ("real_time NaN", "real_time -Infinity", "real_time 1e999", "empty", "nested 200000 deep")


# Files compare.py reads as a run with every benchmark missing: said, and without --fail-on-missing
# not a failure (docs/CI.md).
COMPARE_READS = ('benchmarks=[{"run_type": []}]',)


def first_real_time(text, replacement):
    """`text` with the first real_time's number replaced by `replacement` (a bare word, as a bad writer leaves)."""
    at = text.index('"real_time"')
    colon = text.index(":", at) + 1
    end = min(i for i in (text.index(",", colon), text.index("}", colon)) if i > 0)
    return text[:colon] + " " + replacement + text[end:]


def mutated(good_text, good):
    """(label, bytes) for every broken file."""
    r = rng("test_fuzz_scripts")
    out = [(f"real_time {word}", first_real_time(good_text, word).encode())
           for word in ("NaN", "Infinity", "-Infinity", "1e999", "-1e999", "nan", "1e99999999999", '"fast"', "null",
                        "true", "[]", "99" * 3000)]
    out += [("empty", b""), ("nested 200000 deep", b"[" * 200000 + b"]" * 200000),
            ("objects nested 100000 deep", b'{"a":' * 100000 + b"1" + b"}" * 100000),
            ("random bytes", bytes(r.randrange(256) for _ in range(3000))),
            ("utf-16", good_text.encode("utf-16")), ("NUL bytes", b"\0" * 100), ("just null", b"null"),
            ("a number", b"1e999")]
    for _ in range(6):
        cut = r.randrange(1, len(good_text))
        out.append((f"cut at byte {cut}", good_text[:cut].encode()))
    for key, value in (("benchmarks", {}), ("benchmarks", "x"), ("benchmarks", None), ("benchmarks", [5]),
                       ("benchmarks", [{"run_type": []}]), ("context", []), ("context", {"bench_switch": 3})):
        doc = dict(good)
        doc[key] = value
        out.append((f"{key}={json.dumps(value)}", json.dumps(doc).encode()))
    return out


def script_cases(folder, files):
    baseline = os.path.join(folder, "baselines")
    for label, path in files:
        yield f"validate_json {label}", [PYTHON, str(SCRIPTS / "validate_json.py"), path], None
        if label not in COMPARE_READS:
            yield f"compare {label}", [PYTHON, str(SCRIPTS / "compare.py"), str(GOOD), path], None
        if label in REFUSED_ON_LOAD:
            yield f"compare --update-baseline {label}", [PYTHON, str(SCRIPTS / "compare.py"), "--update-baseline",
                                                         "--baseline-dir", baseline, path], None
            yield f"plot {label}", [PYTHON, str(SCRIPTS / "plot.py"), path, "-o", os.path.join(folder, "charts")], None
    # A file the size of many runs under a memory limit that cannot hold it parsed.
    big = os.path.join(folder, "big.json")
    with open(big, "w") as f:
        f.write('{"benchmarks": [' + ",".join(["[0.5, 0.5, 0.5, 0.5]"] * 1_000_000) + '], "context": {}}')
    yield "validate_json 20 MB under a 150 MB limit", [PYTHON, str(SCRIPTS / "validate_json.py"), big], \
        limits(**{"as": 150 << 20})
    # A disk that fills while the baseline is written (a file size limit fails the write as a full disk does).
    yield "compare --update-baseline on a full disk", [PYTHON, str(SCRIPTS / "compare.py"), "--update-baseline",
                                                       "--baseline-dir", baseline, str(GOOD)], limits(fsize=4096)


def test_every_broken_results_file_gets_one_line_and_exit_1_or_2():
    good_text = GOOD.read_text()
    with tempfile.TemporaryDirectory() as folder:
        files = [(label, os.path.join(folder, f"case{i}.json")) for i, (label, _) in enumerate(mutated(good_text, json.loads(good_text)))]
        for (label, path), (_, data) in zip(files, mutated(good_text, json.loads(good_text))):
            pathlib.Path(path).write_bytes(data)
        files += [("a folder", folder), ("no such file", os.path.join(folder, "missing.json"))]
        found = []
        for label, argv, preexec in script_cases(folder, files):
            outcome = run_case(argv, preexec=preexec, bound_s=BOUND_S)
            if problem := problems(label, outcome, warnings_prefix="\0", list_prefix="validate_json: "):
                found.append(problem)
        assert not os.listdir(os.path.join(folder, "baselines")) if os.path.isdir(os.path.join(folder, "baselines")) else True, \
            "a refused file was stored as a baseline"
    assert not found, "\n".join(found)
