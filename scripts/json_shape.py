#!/usr/bin/python3
"""Compares the shape of two bench_switch JSON files: names, fields and structure, not figures.

    scripts/json_shape.py OLD.json NEW.json [--allow-missing FIELD ...]

For a change that must not change the output (a refactor): the benchmarks (by name, run type,
aggregate and repetition), each one's fields and their JSON types, the identity fields' values
(family, mechanism, placement, ...), the context's keys and the summaries' structure. A list is
compared by the types of its elements, not its length: a histogram has as many buckets as the run
filled. Prints each difference on a line; exit 0 when there is none, 1 when there is, 2 on bad input.
"""
import argparse
import json
import sys

# Fields whose values name a benchmark or say what it is: equal in both runs, not just typed alike.
IDENTITY = ("name", "run_name", "run_type", "aggregate_name", "family", "mechanism", "placement", "kind",
            "language", "time_unit", "unit")


def type_of(value):
    """A value's JSON type; a list's is the set of its elements' types (its length left out)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)) or value is None:
        return "number"  # JSON null stands for NaN in a figure: a number that was not a number
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list[" + "|".join(sorted({type_of(v) for v in value})) + "]"
    return "object"


def merged(a, b):
    """One path's type over a list's elements: the union of what they hold (an empty list is a
    list of anything its neighbours hold)."""
    if a is None or a == b:
        return b
    if a.startswith("list[") and b.startswith("list["):
        inner = (set(a[5:-1].split("|")) | set(b[5:-1].split("|"))) - {""}
        return "list[" + "|".join(sorted(inner)) + "]"
    return "|".join(sorted(set(a.split("|")) | set(b.split("|"))))


def paths(value, prefix=""):
    """Every field path under value, with its type; a list's objects are merged under path[]."""
    out = {prefix or ".": type_of(value)}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(paths(v, f"{prefix}.{k}"))
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, (dict, list)):
                for p, t in paths(v, prefix + "[]").items():
                    out[p] = merged(out.get(p), t)
    return out


def benchmark_key(b):
    return (b.get("name"), b.get("run_type"), b.get("aggregate_name"), b.get("repetition_index"))


def compare(old, new, allowed):
    diffs = []
    old_b = {benchmark_key(b): b for b in old.get("benchmarks", [])}
    new_b = {benchmark_key(b): b for b in new.get("benchmarks", [])}
    diffs += [f"benchmark only in OLD: {k}" for k in old_b.keys() - new_b.keys()]
    diffs += [f"benchmark only in NEW: {k}" for k in new_b.keys() - old_b.keys()]
    for key in sorted(old_b.keys() & new_b.keys(), key=str):
        o, n = paths(old_b[key]), paths(new_b[key])
        for p in sorted(o.keys() | n.keys()):
            if p.lstrip(".").split(".")[0].split("[")[0] in allowed:
                continue
            if o.get(p) != n.get(p):
                diffs.append(f"{key} {p}: {o.get(p, 'missing')} -> {n.get(p, 'missing')}")
        for field in IDENTITY:
            if old_b[key].get(field) != new_b[key].get(field):
                diffs.append(f"{key} {field}: {old_b[key].get(field)!r} -> {new_b[key].get(field)!r}")
    for part in ("context", "summaries"):
        o, n = paths(old.get(part, {})), paths(new.get(part, {}))
        for p in sorted(o.keys() | n.keys()):
            if o.get(p) != n.get(p):
                diffs.append(f"{part} {p}: {o.get(p, 'missing')} -> {n.get(p, 'missing')}")
    return diffs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--allow-missing", nargs="*", default=[], metavar="FIELD",
                        help="benchmark fields that may differ or be gone (e.g. a removed counter)")
    args = parser.parse_args()
    docs = []
    for path in (args.old, args.new):
        try:
            with open(path, encoding="utf-8") as f:
                docs.append(json.load(f))
        except (OSError, ValueError) as e:
            print(f"json_shape: {path}: {e}", file=sys.stderr)
            return 2
    diffs = compare(*docs, set(args.allow_missing))
    for d in diffs:
        print(d)
    print(f"json_shape: {len(diffs)} difference(s) in names, fields and structure", file=sys.stderr)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
