"""One comparison: every benchmark of the two sides judged, or listed as new, missing, skipped,
failed or not comparable; and what the two sides' machines and builds have in common."""
from dataclasses import dataclass, field

import bsjson

from .runs import METRICS, context_of, describe, mode_of
from .statistics import judge_unpaired

# What the two sides are called: table headings, then words for the lists under the table.
FILES = ("baseline", "current", "the baseline", "the current run")
HISTORY = ("history median", "current", "the latest recorded run", "the current run")
AB = ("A (old)", "B (new)", "A", "B")
KERNELS = ("old kernel", "new kernel", "the old kernel's run", "the new kernel's run")

# Context fields that may differ between two kernels of one machine and change the figures.
KERNEL_CONTEXT = ("kernel_version", "preempt", "hz", "clocksource", "cpufreq_governor", "scheduler",
                  "mitigations", "virtualization")
BUILD_CONTEXT = ("git_revision", "build_type", "compiler", "compiler_flags", "libraries")


@dataclass
class Report:
    """One comparison: judged rows, and the benchmarks that could not be compared, with a note each."""
    title: str
    labels: tuple          # old and new: column headings, then how the lists name them (see FILES)
    kind: str = "files"    # files, history, ab: what the verdict line must say about drift
    rows: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    new: dict = field(default_factory=dict)
    missing: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)
    failed: dict = field(default_factory=dict)
    lacking: dict = field(default_factory=dict)
    metric: str = "median"


def compare(old, new, judge, opts, title, labels, kind="files"):
    """Every benchmark of the two sides, judged by `judge` or listed as new, missing, skipped, failed."""
    report = Report(title, labels, kind, metric=opts.metric)
    report.notes = list(dict.fromkeys([*old.notes, *new.notes]))
    names = list(dict.fromkeys([*old.samples, *old.skipped, *old.failed, *old.lacking,
                                *new.samples, *new.skipped, *new.failed, *new.lacking]))
    for name in names:
        in_old = name in old.samples or name in old.skipped or name in old.failed or name in old.lacking
        was = ("skipped" if name in old.skipped else "failed" if name in old.failed else "")
        if name in new.failed:
            report.failed[name] = new.failed[name]
        elif name in new.skipped:
            report.skipped[name] = new.skipped[name]
        elif name in new.samples and name in old.samples:
            report.rows.append(judge(name, old.samples[name], new.samples[name], opts,
                                     old.run_medians.get(name), new.run_medians.get(name)))
        elif name in new.lacking and (name in old.samples or name in old.lacking):
            report.lacking[name] = f"{new.lacking[name]} in {labels[3]}"
        elif name in old.lacking and name in new.samples:
            report.lacking[name] = f"{old.lacking[name]} in {labels[2]}"
        elif name in new.samples or name in new.lacking:
            report.new[name] = f"{was} in {labels[2]}" if was else ""
        elif in_old:
            report.missing[name] = f"{was} in {labels[2]}" if was else ""
    return report


def metric_title(title, opts):
    """The report's title, naming the metric when it is not the default."""
    if opts.metric == "median":
        return title
    return f"{title} [metric: {opts.metric} of the single handoffs, counter {METRICS[opts.metric]}]"


def flat(ctx, keys):
    """The context fields `keys`, one level of nesting spelled out ('preempt.mode', 'hz.value')."""
    out = {}
    for key in keys:
        value = ctx.get(key)
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items() if k not in ("source", "reason")})
        elif value is not None:
            out[key] = value
    return out


def differences(a, b, keys):
    """'field a vs b' for each of the context fields `keys` that differ."""
    fa, fb = flat(a, keys), flat(b, keys)
    return [f"{k} '{fa.get(k, '?')}' vs '{fb.get(k, '?')}'" for k in sorted({*fa, *fb}) if fa.get(k) != fb.get(k)]


def machine_warnings(old, new):
    """Warning lines when the two runs come from different machines or builds."""
    a, b = context_of(old.data), context_of(new.data)
    out = []
    differ = [f"{k} '{a.get(k, '?')}' vs '{b.get(k, '?')}'" for k in ("cpu_model", "kernel_release")
              if a.get(k) != b.get(k)]
    if not differ and bsjson.fingerprint(old.data) != bsjson.fingerprint(new.data):
        differ = [f"fingerprint '{bsjson.fingerprint(old.data)}' vs '{bsjson.fingerprint(new.data)}'"]
    if differ:
        out.append("warning: the runs come from different machines (" + "; ".join(differ)
                   + "): differences may be the machine's, not the code's"
                   + ("; --across-kernels compares two kernels of one machine" if a.get("kernel_release")
                      != b.get("kernel_release") else ""))
    differ = [f"{k} '{a.get(k, '?')}' vs '{b.get(k, '?')}'" for k in ("build_type", "compiler") if a.get(k) != b.get(k)]
    if differ:
        out.append("warning: the runs come from different builds (" + "; ".join(differ) + ")")
    if mode_of(old.data) != mode_of(new.data):
        out.append(f"warning: the runs were taken in different modes ({mode_of(old.data)} vs {mode_of(new.data)}): "
                   "other benchmarks and budgets")
    return out


def kernel_lines(old, new):
    """--across-kernels: the two kernels, and what else differs in the context (the preemption
    model, HZ, scheduler settings, mitigations, the build); BadInput when the machines differ."""
    a, b = context_of(old.data), context_of(new.data)
    machine = [f"{k} '{a.get(k, '?')}' vs '{b.get(k, '?')}'" for k in ("cpu_model", "cpu_count") if a.get(k) != b.get(k)]
    if machine:
        raise bsjson.BadInput("--across-kernels compares two kernels of one machine; these runs differ in "
                              + "; ".join(machine))
    lines = [f"kernels: {a.get('kernel_release', '?')} -> {b.get('kernel_release', '?')}"
             + ("" if a.get("kernel_release") != b.get("kernel_release") else " (the same kernel)")]
    for what, keys in (("the kernel's context", KERNEL_CONTEXT), ("the build", BUILD_CONTEXT)):
        found = differences(a, b, keys)
        lines.append(f"differs in {what}: " + "; ".join(found) if found else f"the same in {what}")
    missing = [k for k in ("preempt", "hz") if k not in a or k not in b]
    if missing:
        lines.append(f"note: a run does not record {' or '.join(missing)} (made before the context held "
                     "them): a difference there cannot be seen")
    return lines


def compare_files(old, new, opts):
    """BASELINE against CURRENT (one run or several pooled on each side): unpaired repetitions."""
    from .ab import confirm_by_rerun           # the rerun runs a binary: only when --confirm asks
    across = getattr(opts, "across_kernels", False)
    report = compare(old, new, judge_unpaired, opts, metric_title(f"{describe(old)} -> {describe(new)}", opts),
                     KERNELS if across else FILES)
    if across:
        report.notes = kernel_lines(old, new) + report.notes
        report.warnings = [w for w in machine_warnings(old, new) if "different machines" not in w]
    else:
        report.warnings = machine_warnings(old, new)
    return confirm_by_rerun(report, old, new, judge_unpaired, opts)
