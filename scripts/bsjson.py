"""Reading bench_switch JSON (docs/JSON.md): one loader for plot.py, compare.py and the CI checks.

Every failure is a `BadInput` with a one-line message; the scripts print it and exit non-zero.
"""
import json
import math
import os
import re
import sys


class BadInput(Exception):
    """Input the user can fix: a missing file, a file that is not JSON, JSON that is not ours."""


def _refuse_constant(word):
    raise ValueError(f"{word} is not a number JSON has, and a figure must be finite")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is beyond the range of a double, and a figure must be finite")
    return value


def parse_finite(f):
    """json.load, refusing NaN and ±Infinity (Python would take them) and numbers that overflow to inf."""
    return json.load(f, parse_constant=_refuse_constant, parse_float=_finite_float)


def load(path):
    """Return the parsed bench_switch JSON at `path`, or raise BadInput saying what is wrong."""
    try:
        with open(path, encoding="utf-8") as f:
            data = parse_finite(f)
    except ValueError as e:
        if not isinstance(e, (UnicodeDecodeError, json.JSONDecodeError)):
            raise BadInput(f"{path}: not valid bench_switch JSON ({e})") from None
        raise BadInput(f"{path}: not valid JSON ({e})") from None
    except RecursionError:
        raise BadInput(f"{path}: nested too deeply to be bench_switch JSON") from None
    except MemoryError:
        raise BadInput(f"{path}: too large to read in the memory this process may use") from None
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a directory, not a JSON file") from None
    except OSError as e:
        raise BadInput(f"{path}: cannot read ({e.strerror})") from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list) \
            or not isinstance(data.get("context"), dict):
        raise BadInput(f"{path}: not Google Benchmark JSON (no 'context' and 'benchmarks')")
    if bs_context(data).get("tool") != "bench_switch":
        raise BadInput(f"{path}: not written by bench_switch (no context.bench_switch.tool)")
    return data


def bs_context(data):
    """The bench_switch part of the context block ({} if absent)."""
    ctx = data.get("context", {}).get("bench_switch", {})
    return ctx if isinstance(ctx, dict) else {}


def fingerprint(data):
    """The machine fingerprint baselines are kept under: CPU model, CPU count, kernel."""
    ctx = bs_context(data)
    return ctx.get("fingerprint") or "|".join(
        str(ctx.get(k, "?")) for k in ("cpu_model", "cpu_count", "kernel_release"))


def slug(text):
    """`text` as a file name: lowercase, each run of non-alphanumerics one '-' (baselines are named so)."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "unknown"


def run_name(entry):
    """The benchmark an entry belongs to: `run_name` (its repetitions and aggregates share it), or `name`."""
    return str(entry.get("run_name") or entry.get("name") or "?")


NS_PER_TIME_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def real_time_ns(entry):
    """The entry's `real_time` in ns (it is given in `time_unit`), or BadInput saying what is wrong."""
    value, unit = entry.get("real_time"), entry.get("time_unit", "ns")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInput(f"benchmark '{run_name(entry)}': real_time {value!r} is not a number")
    if unit not in NS_PER_TIME_UNIT:
        raise BadInput(f"benchmark '{run_name(entry)}': unknown time_unit {unit!r}")
    return float(value) * NS_PER_TIME_UNIT[unit]


def is_skipped(entry):
    """A benchmark that could not measure here (error_message starts with 'skipped:')."""
    return bool(entry.get("error_occurred")) and str(entry.get("error_message", "")).startswith("skipped:")


def is_failed(entry):
    """A benchmark that errored for any other reason than a documented skip."""
    return bool(entry.get("error_occurred")) and not is_skipped(entry)


def iterations(data, family=None):
    """Per-repetition entries (run_type 'iteration') that measured, optionally of one family."""
    return [b for b in data["benchmarks"]
            if b.get("run_type", "iteration") == "iteration" and not b.get("error_occurred")
            and (family is None or b.get("family") == family)]


def aggregate(data, name, family=None):
    """Aggregate entries called `name` ('median', 'stddev', 'mean', 'cv'), optionally of one family."""
    return [b for b in data["benchmarks"]
            if b.get("run_type") == "aggregate" and b.get("aggregate_name") == name
            and not b.get("error_occurred") and (family is None or b.get("family") == family)]


def run_main(prog, main):
    """main()'s exit status, with what no script can foresee said in one line instead of a traceback:
    memory or stack exhausted anywhere (a huge or deeply nested input), or an interrupt."""
    try:
        return main()
    except MemoryError:
        print(f"{prog}: error: out of memory (the input is too large for the memory this process may use)",
              file=sys.stderr)
        return 1
    except RecursionError:
        print(f"{prog}: error: the input is nested too deeply to process", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of standard output left (`| head`): nothing more can be said there, and the
        # interpreter's own flush at exit must not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"{prog}: standard output was closed before everything was printed", file=sys.stderr)
        return 1
