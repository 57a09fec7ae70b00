#!/usr/bin/python3
"""Check that a bench_switch JSON file is complete: the context a reader needs, every entry's
fields, each family's counters, and no benchmark that failed (a documented skip is fine).

Exit 0 when valid; 1 with one line per problem when not; 2 when the file cannot be read.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bsjson  # noqa: E402
import catalogue  # noqa: E402

CONTEXT_FIELDS = ("tool", "schema_version", "language", "git_revision", "cpu_model", "cpu_count",
                  "kernel_release", "fingerprint")
NATIVE_CONTEXT_FIELDS = ("build_type", "compiler", "compiler_flags", "libraries", "clocksource",
                         "scheduler", "cpufreq_governor", "virtualization", "mitigations")
# The CPU's counter, named for what it is: the TSC on x86-64, CNTVCT_EL0 on aarch64; one of them.
COUNTER_FIELDS = ("tsc", "cntvct")
ENTRY_FIELDS = ("family", "mechanism", "kind", "task", "placement", "language", "params", "unit")
# The counters an entry carries as null when it has no value to give (docs/JSON.md): an interval
# from fewer than two pairs of batches, as a short --quick repetition may have.
MAY_BE_NULL = {"efficiency_lo", "efficiency_hi", "net_lo_ns", "net_hi_ns"}

# The counters each family's measured entries must carry (docs/JSON.md).
FAMILY_COUNTERS = {
    "switch": ("kernel_switches_per_switch",),
    "granularity": ("efficiency", "efficiency_lo", "efficiency_hi", "work_ns"),
    "footprint": ("ns_per_switch_net", "net_lo_ns", "net_hi_ns", "control_ns"),
    "timeslice": ("slice_median_ns", "slice_count", "involuntary_switches", "outside_share"),
    "involuntary_switch": ("involuntary_switches", "loop_step_ns"),
    "memory": ("rss_bytes_per_task", "virtual_bytes_per_task"),
    "contention": ("speedup",),
    "c2c": ("pairs_measured", "pairs_total", "kernel_switches_per_switch"),
    "xstate": ("kernel_switches_per_switch", "default_ns_per_switch", "over_control_ns", "measuring_xinuse_seen",
               "partner_xinuse_seen"),
}
NATIVE_SWITCH_COUNTERS = ("ns_per_switch", "voluntary_switches_per_switch", "involuntary_switches_per_switch",
                          "cpu_utilisation", "switches")


def problems(data, require_families=()):
    """Every way `data` falls short, as one-line strings (empty when valid)."""
    found = []
    ctx = bsjson.bs_context(data)
    native = ctx.get("language") == "c++"
    for key in CONTEXT_FIELDS + (NATIVE_CONTEXT_FIELDS if native else ()):
        if key not in ctx:
            found.append(f"context.bench_switch lacks '{key}'")
    if native and not any(key in ctx for key in COUNTER_FIELDS):
        found.append("context.bench_switch lacks the counter ('" + "' or '".join(COUNTER_FIELDS) + "')")
    stop = ctx.get("interrupted")
    if stop:
        found.append(f"the run was interrupted by {stop.get('signal', 'a signal')}: it holds only what was measured before")
    if not data["benchmarks"]:
        found.append("no benchmark in it (a run that measured nothing is not a result)")
    families = set()
    # Placements pinned to CPUs (the catalogue says which): their measured C++ entries say which
    # CPUs, and what the two share.
    pinned = catalogue.pinned(catalogue.catalogue_of(data))
    for number, entry in enumerate(data["benchmarks"]):
        if not isinstance(entry, dict):
            found.append(f"benchmarks[{number}] is not an object")
            continue
        name = entry.get("name", "?")
        if bsjson.is_failed(entry):
            found.append(f"{name}: failed: {entry.get('error_message', '')}")
            continue
        for key in ENTRY_FIELDS:
            if key not in entry:
                found.append(f"{name}: lacks the field '{key}'")
        family = entry.get("family")
        families.add(family)
        if entry.get("error_occurred") or entry.get("run_type") != "iteration":
            continue
        wanted = FAMILY_COUNTERS.get(family, ())
        if family == "switch" and entry.get("language", "c++") == "c++":
            wanted = wanted + NATIVE_SWITCH_COUNTERS
        if entry.get("language", "c++") == "c++" and entry.get("placement") in pinned:
            for key in ("cpus", "relation"):
                if key not in entry:
                    found.append(f"{name}: lacks the field '{key}' (its placement is a pinned pair)")
        if family == "c2c" and "c2c" not in data.get("summaries", {}):
            found.append(f"{name}: measured, but summaries.c2c holds no matrix")
        for key in wanted:
            value = entry.get(key)
            # An interval's bounds are null when a repetition had too few pairs of batches to give one.
            if key in MAY_BE_NULL and key in entry and value is None:
                continue
            if not isinstance(value, (int, float)):
                found.append(f"{name}: lacks the counter '{key}'")
    for family in require_families:
        if family not in families:
            found.append(f"no benchmark of the family '{family}'")
    return found


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", help="a bench_switch results file")
    ap.add_argument("--require", default="", metavar="FAMILIES",
                    help="comma-separated families that must be present (e.g. switch,granularity)")
    args = ap.parse_args(argv)
    try:
        data = bsjson.load(args.json)
    except bsjson.BadInput as e:
        print(f"validate_json: {e}", file=sys.stderr)
        return 2
    found = problems(data, [f for f in args.require.split(",") if f])
    for line in found:
        print(f"validate_json: {args.json}: {line}", file=sys.stderr)
    if not found:
        print(f"validate_json: {args.json}: valid ({len(data['benchmarks'])} entries)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(bsjson.run_main("validate_json", main))
