"""Printing a report: an aligned table for a terminal, or Markdown for a CI summary page."""
from .runs import METRICS
from .statistics import CANNOT_TELL, FASTER, SAME, SLOWER, SMALL, UNCONFIRMED, UNJUDGED
from units import fmt_ns

from .formats import TIME_DIGITS, fmt_change, fmt_p


def table_cells(report):
    header = ["benchmark", report.labels[0], report.labels[1], "change", "p", "n", "verdict", "note"]
    body = [[r.name, fmt_ns(r.old_ns, TIME_DIGITS), fmt_ns(r.new_ns, TIME_DIGITS), fmt_change(r.change), fmt_p(r.p), r.n,
             r.verdict, r.note] for r in report.rows]
    return header, body


def listings(report):
    """(heading, what the counts line calls them, {name: note}) for the benchmarks that could not be
    compared."""
    return [(f"new (not in {report.labels[2]})", "new", report.new),
            (f"missing from {report.labels[3]}", "missing", report.missing),
            ("skipped (not compared)", "skipped", report.skipped),
            ("FAILED", "failed", report.failed),
            (f"not comparable on {report.metric} (no {METRICS.get(report.metric)} counter on both sides)",
             f"not comparable on {report.metric}", report.lacking)]


def counts_line(report):
    verdicts = [r.verdict for r in report.rows]
    parts = [f"{verdicts.count(v)} {v}" for v in (SLOWER, UNCONFIRMED, CANNOT_TELL, FASTER, SMALL, SAME, UNJUDGED)
             if v in verdicts]
    parts += [f"{len(d)} {short}" for _, short, d in listings(report) if d]
    return ", ".join(parts) or "nothing to compare"


def render_text(report):
    lines = [report.title, *report.warnings, *report.notes]
    header, body = table_cells(report)
    if body:
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
        for row in [header, *body]:
            cells = [c.ljust(w) if i in (0, 6, 7) else c.rjust(w)
                     for i, (c, w) in enumerate(zip(row, widths))]
            lines.append("  ".join(cells).rstrip())
    for heading, _, items in listings(report):
        if items:
            lines.append(f"{heading}:")
            lines += [f"  {name}" + (f"  ({note})" if note else "") for name, note in items.items()]
    lines.append(counts_line(report))
    return "\n".join(lines)


def render_markdown(report):
    def cell(text):
        return str(text).replace("|", "\\|")
    lines = [f"### {cell(report.title)}", ""]
    lines += [f"> **{w.split(':', 1)[0]}:**{w.split(':', 1)[1]}" for w in report.warnings]
    lines += [f"> {cell(note)}" for note in report.notes]
    header, body = table_cells(report)
    if body:
        lines += ["" if report.warnings or report.notes else None,
                  "| " + " | ".join(header) + " |",
                  "|" + "|".join(":---" if i in (0, 6, 7) else "---:" for i in range(len(header))) + "|"]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in body]
    for heading, _, items in listings(report):
        if items:
            lines += ["", f"**{heading}:**", ""]
            lines += [f"- `{name}`" + (f" ({cell(note)})" if note else "") for name, note in items.items()]
    lines += ["", f"_{counts_line(report)}_"]
    return "\n".join(line for line in lines if line is not None)
