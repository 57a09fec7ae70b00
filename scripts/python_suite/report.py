"""What a reader sees while and after the suite runs: a progress line per benchmark on stderr and
the summary table."""
import math

from .benchmarks import UNITS, benchmark_name

UNSTABLE_CV = 0.10         # a coefficient of variation above this is flagged in the table


def _median_entry(entries):
    """The figure a reader looks at: the median aggregate, or the only repetition."""
    runs = [e for e in entries if not e.get("error_occurred")]
    for e in runs:
        if e.get("aggregate_name") == "median":
            return e
    return runs[0] if runs else None


def _cv(entries):
    for e in entries:
        if e.get("aggregate_name") == "cv":
            return e["real_time"]
    return None


def progress_line(position, total, bench, entries, status):
    """One line per benchmark, for stderr."""
    head = f"[{position}/{total}] {benchmark_name(bench)}:"
    if status != "ok":
        message = entries[0]["error_message"]
        return f"{head} {'FAILED: ' + message if status == 'failed' else message}"
    what = UNITS[bench.family][0]
    median, cv = _median_entry(entries), _cv(entries)
    runs = [e for e in entries if e["run_type"] == "iteration"]
    spread = f", cv {cv:.1%}" if cv is not None else ""
    return (f"{head} {median['real_time']:.0f} ns/{what}{spread}, "
            f"{median[f'kernel_switches_per_{what}']:.2f} kernel switches/{what} "
            f"({len(runs)} x {runs[0]['iterations']} {what}{'es' if what == 'switch' else 's'})")


def table(results):
    """The readable summary for stdout: one row per benchmark, explained underneath."""
    header = f"{'benchmark':<40} {'median ns':>11} {'cv':>6} {'x fastest':>9} {'kernel sw':>9} {'cpu util':>8}  note"
    fastest = {}
    for bench, entries, status in results:
        median = _median_entry(entries) if status == "ok" else None
        if median:
            fastest[bench.family] = min(fastest.get(bench.family, math.inf), median["real_time"])
    lines = [header, "-" * len(header)]
    for bench, entries, status in results:
        name = benchmark_name(bench)
        median = _median_entry(entries) if status == "ok" else None
        if median is None:
            lines.append(f"{name:<40} {'-':>11} {'-':>6} {'-':>9} {'-':>9} {'-':>8}  {entries[0]['error_message']}")
            continue
        what = UNITS[bench.family][0]
        cv = _cv(entries)
        note = f"unstable: cv {cv:.0%}, rerun on a quieter machine" if cv is not None and cv > UNSTABLE_CV else ""
        lines.append(f"{name:<40} {median['real_time']:>11.1f} "
                     f"{'-' if cv is None else format(cv, '.1%'):>6} "
                     f"{median['real_time'] / fastest[bench.family]:>9.1f} "
                     f"{median[f'kernel_switches_per_{what}']:>9.2f} {median['cpu_utilisation']:>8.2f}  {note}")
    lines += ["",
              "median ns: wall time of one one-way switch (switch/...), or of creating, starting and finishing",
              "           one task (spawn/...); the median of the repetitions.",
              "cv: standard deviation / mean across the repetitions.",
              "x fastest: median against the fastest benchmark of the same family in this run.",
              "kernel sw: context switches the kernel counted (voluntary + involuntary, all tasks involved)",
              "           per switch or per task.",
              "cpu util: CPU time of all tasks involved / wall time (2.0 = both CPUs busy)."]
    return "\n".join(lines)
