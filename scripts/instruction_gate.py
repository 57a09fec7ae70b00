#!/usr/bin/python3
"""Instruction counts of user-space switches, under valgrind's callgrind: a deterministic gate.

Wall-clock figures drift with machine load; the number of instructions a fixed number of fiber,
coroutine or assembly switches executes does not. The binary brackets exactly those switches with
callgrind's toggle-collect (bench_switch --count-instructions), so the count is the switch path and
nothing else. A change in it is a change in the code path (or the compiler), never noise.

  instruction_gate.py                       print instructions per switch for each mechanism
  instruction_gate.py --record FILE         ... and store them as the baseline (atomically)
  instruction_gate.py --check FILE          ... and compare with the baseline: exit 1 on any change
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bsjson  # noqa: E402
import catalogue  # noqa: E402
import output_file  # noqa: E402


def one_thread_mechanisms(binary):
    """The switch family's mechanisms that run in one thread (user-space switches and the baseline
    call), as the binary's catalogue lists them (bench_switch --list=json)."""
    res = subprocess.run([binary, "--list=json"], capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        last = (res.stderr.strip().splitlines() or ["no output"])[-1]
        raise bsjson.BadInput(f"{binary} --list=json failed: {last}")
    listed = json.loads(res.stdout)
    return [m["name"] for m in catalogue.mechanisms_of(listed, "switch") if m["placements"] == ["one_thread"]]


def count(binary, mechanism, rounds):
    """Instructions per one-way switch: callgrind's total over `rounds` round trips / (2 * rounds)."""
    return total_instructions(binary, mechanism, rounds) / (2 * rounds)


def total_instructions(binary, mechanism, rounds):
    """Callgrind's instruction total for `rounds` round trips (plus the toggles' own constant)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        res = subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no", f"--callgrind-out-file={out}",
                              binary, "--count-instructions", mechanism, str(rounds)],
                             capture_output=True, text=True, timeout=300)
        if res.returncode != 0:
            last = (res.stderr.strip().splitlines() or ["no output"])[-1]
            raise bsjson.BadInput(f"{mechanism}: bench_switch under callgrind failed: {last}")
        with open(out, encoding="utf-8") as f:
            m = re.search(r"^totals:\s+(\d+)", f.read(), re.MULTILINE)
    if not m:
        raise bsjson.BadInput(f"{mechanism}: no totals line in callgrind's output")
    return int(m.group(1))


def measure(binary, mechanisms, rounds):
    return {m: count(binary, m, rounds) for m in mechanisms}


# A change of the switch path is a whole instruction per round trip, half a one per switch at the
# least; the toggles' own instructions and the set-up around them (a few dozen, whatever the
# rounds) add under 0.01 per switch at the default 10 000 rounds, and move when that code does.
SAME_PATH = 0.05


def compare(baseline, current):
    """(lines, changed): one line per mechanism, and whether any count differs."""
    lines, changed = [], False
    for m, now in current.items():
        before = baseline.get(m)
        if before is None:
            lines.append(f"{m:20s} {now:10.2f}   (new: no baseline)")
        elif abs(before - now) < SAME_PATH:
            lines.append(f"{m:20s} {now:10.2f}   unchanged")
        else:
            changed = True
            lines.append(f"{m:20s} {now:10.2f}   CHANGED from {before:.2f} ({now - before:+.2f} instructions per switch)")
    return lines, changed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default="build/bench_switch", help="the bench_switch binary (default: %(default)s)")
    ap.add_argument("--rounds", type=int, default=10000, help="round trips counted (default: %(default)s)")
    ap.add_argument("--mechanisms", default=None,
                    help="comma-separated (default: every one-thread mechanism the binary lists)")
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--record", metavar="FILE", help="store the counts as the baseline")
    group.add_argument("--check", metavar="FILE", help="compare with the baseline; exit 1 on any change")
    ap.add_argument("--report-only", action="store_true", help="with --check: report changes but exit 0")
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("instruction_gate: valgrind is not installed (scripts/install-deps.sh installs it)", file=sys.stderr)
        return 2
    try:
        chosen = one_thread_mechanisms(args.binary) if args.mechanisms is None else args.mechanisms.split(",")
        counts = measure(args.binary, [m for m in chosen if m], args.rounds)
        baseline = {}
        if args.check:
            with open(args.check, encoding="utf-8") as f:
                baseline = json.load(f).get("instructions_per_switch", {})
    except (OSError, ValueError, subprocess.SubprocessError, bsjson.BadInput) as e:
        print(f"instruction_gate: {e}", file=sys.stderr)
        return 2
    lines, changed = compare(baseline, counts)
    print("instructions per one-way switch (callgrind)")
    print("\n".join(lines))
    if args.record:
        output_file.write_output(args.record, json.dumps({"rounds": args.rounds, "instructions_per_switch": counts},
                                                        indent=2, sort_keys=True) + "\n")
        print(f"recorded {args.record}")
    return 1 if changed and args.check and not args.report_only else 0


if __name__ == "__main__":
    sys.exit(main())
