"""Drawing the chosen charts and writing what they give: PNG and SVG (and any file a chart writes
beside its figure, such as a CSV), each whole or not at all, then index.md and index.html."""
import html
import io
import os
import re
import sys

import bsjson
import catalogue
import output_file

from .common import Drawing, NoData, RC, group_name, number, pyplot, short_date

PROG = "plot.py"
SAVE_METADATA = {"png": {"Software": None},
                 "svg": {"Date": None, "Creator": "bench_switch scripts/plot.py"}}


def draw_all(runs, charts, args):
    """Draw each chart; returns (drawn [Drawing], notes, failed?)."""
    plt = pyplot()
    drawn, notes, failed = [], [], False
    machine = machines_title(runs)
    with plt.rc_context(RC):
        for chart in charts:
            for run in runs:
                run.read.clear()
            try:
                result = chart.draw(runs, args)
            except NoData as e:
                remove_stale(args.out, chart, keep=())
                if not e.quiet:
                    notes.append(f"{chart.name} chart not drawn: {e}")
                    print(f"{PROG}: note: {notes[-1]}", file=sys.stderr)
                continue
            except Exception as e:   # a bug or data we did not foresee: say so in one line
                if args.traceback:
                    raise
                failed = True
                print(f"{PROG}: error: {chart.name} chart failed ({type(e).__name__}: {e}); "
                      "rerun with --traceback for details", file=sys.stderr)
                continue
            drawings = result if chart.several else [Drawing(chart.name, chart.title, *result)]
            if undeclared := undeclared_reads(chart, runs):     # the index's notes would be wrong
                failed = True
                print(f"{PROG}: error: the {chart.name} chart read {', '.join(undeclared)}, which its FAMILIES "
                      "do not name", file=sys.stderr)
            for run in runs:
                run.charted |= set(chart.families)
            try:
                for d in drawings:
                    name_machine(d.figure, machine)
                    save_drawing(d, args.out, args.dpi)
            finally:
                for d in drawings:
                    plt.close(d.figure)
            if chart.several:
                remove_stale(args.out, chart, keep={d.name for d in drawings})
            drawn += drawings
    return drawn, notes, failed


def undeclared_reads(chart, runs):
    """The families a chart read as it drew (Run.read) that its FAMILIES do not declare."""
    families = {f for run in runs for f in catalogue.family_names(run.catalogue)}
    return sorted({f for run in runs for f in run.read} & families - set(chart.families))


def label_runs(runs):
    """Legend labels: the context facts that tell the files apart (host, CPU, kernel, date)."""
    facts = {"host_name": lambda r: r.fact("host_name"), "cpu_model": lambda r: r.fact("cpu_model"),
             "kernel_release": lambda r: r.fact("kernel_release"),
             "language": lambda r: "python" if r.bs.get("language") == "python" else "",
             "date": lambda r: short_date(r.context.get("date"))}
    if len(runs) == 1:
        runs[0].label = runs[0].fact("host_name") or runs[0].name
        return
    differing = [f for f in facts.values() if len({f(r) for r in runs}) > 1]
    for run in runs:
        parts = [f(run) for f in differing if f(run)]
        run.label = " · ".join(parts) if parts else run.name
    if len({r.label for r in runs}) < len(runs):
        for run in runs:
            run.label = f"{run.label} ({run.name})"


def machine_name(run):
    """The machine as bench_switch's context names it: 'Intel Xeon, 2 CPUs, KVM guest'."""
    bs = run.bs
    cpu = re.sub(r"\((R|TM)\)|\b(Processor|CPU)\b|@.*$", "", str(bs.get("cpu_model") or run.fact("cpu_model")))
    parts = [" ".join(cpu.split())] if cpu.strip() else []
    count = number(bs.get("cpu_count"))
    if count:
        parts.append(f"{count:.0f} CPU" + ("s" if count != 1 else ""))
    virt = bs.get("virtualization")
    if isinstance(virt, dict) and virt.get("hypervisor"):
        vendor = {"KVMKVMKVM": "KVM", "VMwareVMware": "VMware", "Microsoft Hv": "Hyper-V"}.get(
            str(virt.get("vendor") or "").strip(), str(virt.get("vendor") or "").strip())
        parts.append(f"{vendor} guest".strip())
    return ", ".join(parts) or run.fact("host_name") or run.name


def machines_title(runs):
    """What a chart title names: the one machine, or the machines of several files."""
    names = list(dict.fromkeys(machine_name(r) for r in runs))
    return names[0] if len(names) == 1 else f"{len(runs)} files: " + "; ".join(names)


def name_machine(figure, machine):
    """Every title names the machine its figures were measured on."""
    title = getattr(figure, "_suptitle", None)
    if title is not None and machine not in title.get_text():
        text = title.get_text()
        fits = len(text) + len(machine) + 3 <= figure.get_figwidth() * 7     # bold 13 pt: ~7 per inch
        title.set_text(f"{text} — {machine}" if fits else f"{text}\n{machine}")


def save_drawing(drawing, folder, dpi):
    """PNG and SVG without dates or random ids, and the drawing's other files, each written whole
    (temp file, then rename)."""
    for fmt in ("png", "svg"):
        buf = io.BytesIO()
        drawing.figure.savefig(buf, format=fmt, dpi=dpi, metadata=SAVE_METADATA[fmt])
        output_file.write_output(os.path.join(folder, f"{drawing.name}.{fmt}"), buf.getvalue())
    for suffix, text in sorted(drawing.files.items()):
        output_file.write_output(os.path.join(folder, f"{drawing.name}.{suffix}"), text)


def remove_stale(folder, chart, keep):
    """A chart left by an earlier run in this folder would sit beside an index that no longer lists it;
    for a chart of several figures, every <name>_* file that this run did not draw."""
    if chart.several:
        prefix = chart.name + "_"
        stale = [f for f in sorted(os.listdir(folder)) if f.startswith(prefix)
                 and f.rsplit(".", 1)[-1] in ("png", "svg", "csv") and f.rsplit(".", 1)[0] not in keep]
    else:
        stale = [f"{chart.name}.{fmt}" for fmt in ("png", "svg")]
    for name in stale:
        try:
            os.remove(os.path.join(folder, name))
        except FileNotFoundError:
            pass


def files_md(drawing):
    return "".join(f", [{suffix.upper()}]({drawing.name}.{suffix})" for suffix in sorted(drawing.files))


def machine_rows(runs):
    return [(run.name, run.fact("host_name"), run.fact("cpu_model"), run.fact("kernel_release"),
             str(run.context.get("date", "")), run.fact("git_revision"), run.fact("language"))
            for run in runs]


MACHINE_HEADER = ("file", "host", "CPU", "kernel", "date", "git revision", "language")


def measured_notes(runs):
    """Lines about what the input holds and no chart shows: each family no drawn chart read (what a
    chart draws is declared, its FAMILIES), then the skipped and failed benchmarks, one line
    per reason with its count."""
    lines = []
    for family, count in sorted(uncharted_families(runs).items()):
        lines.append(f"{family} ({count} entries): no chart draws this family; its figures are in the "
                     "JSON (and, where the run made one, in the findings above)")
    reasons = {}
    for run in runs:
        for b in run.data["benchmarks"]:
            if bsjson.is_skipped(b) or bsjson.is_failed(b):
                what = "skipped" if bsjson.is_skipped(b) else "FAILED"
                message = str(b.get("error_message", "")).removeprefix("skipped:").strip()
                reasons.setdefault((what, message), {})[f"{run.name}: {group_name(b)}"] = True
    for (what, message), names in sorted(reasons.items(), key=lambda kv: (kv[0][0] != "FAILED", kv[0][1])):
        names = [n.split(": ", 1)[1] if len(runs) == 1 else n for n in names]
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        lines.append(f"{len(names)} benchmark{'s' if len(names) != 1 else ''} {what}: {message} ({shown})")
    return lines


def uncharted_families(runs):
    """family -> entries in the input, for the families no chart drawn in this invocation read."""
    out = {}
    for run in runs:
        for b in run.data["benchmarks"]:
            family = b.get("family")
            if family and family not in run.charted and not b.get("error_occurred"):
                out[str(family)] = out.get(str(family), 0) + 1
    return out


def findings(runs):
    """[(file label or "", [(text, resolved)])]: summaries.findings of each file, as the run wrote them."""
    out = []
    for run in runs:
        given = run.data.get("summaries", {}).get("findings") if isinstance(run.data.get("summaries"), dict) else None
        items = [(str(f.get("text")), f.get("resolved") is not False) for f in given or ()
                 if isinstance(f, dict) and f.get("text")]
        if items:
            out.append((run.label if len(runs) > 1 else "", items))
    return out


def md_cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def index_markdown(runs, drawn, notes):
    """Findings first, then contents, the charts, the machines and the notes."""
    lines = [f"# bench_switch on {machines_title(runs)}", "", "## Findings", ""]
    for label, items in findings(runs) or [("", [])]:
        lines += [f"**{label}**", ""] if label else []
        lines += [f"- {md_cell(t)}" + ("" if ok else " (unresolved)") for t, ok in items] or \
                 ["- this run wrote no findings (summaries.findings)"]
        lines.append("")
    lines += ["## Contents", ""] + [f"- [{d.title}](#{d.name})" for d in drawn]
    lines += ["- [Machines](#machines)"] + (["- [Notes](#notes)"] if notes else []) + ["", "## Charts", ""]
    for d in drawn:
        lines += [f'<a id="{d.name}"></a>', "", f"### {d.title}", "", f"![{d.title}]({d.name}.png)", "",
                  f"{d.reading} ([SVG]({d.name}.svg){files_md(d)})", ""]
    lines += ["## Machines", "", "| " + " | ".join(MACHINE_HEADER) + " |", "|" + "---|" * len(MACHINE_HEADER)]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in machine_rows(runs)] + [""]
    if notes:
        lines += ["## Notes", ""] + [f"- {md_cell(n)}" for n in notes] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


HTML_STYLE = ("body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
              "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;padding:3px 8px;"
              "text-align:left}img{max-width:100%;border:1px solid #eee}figure{margin:2em 0}"
              "figcaption{margin-top:.4em}li{margin:.2em 0}ol.contents{columns:2}ul.findings{font-size:92%}")


def index_html(runs, drawn, notes):
    """Findings first (the answer on the first screen), then contents, the charts, machines, notes."""
    esc = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>bench_switch on {esc(machines_title(runs))}</title>", f"<style>{HTML_STYLE}</style></head><body>",
             f"<h1>bench_switch on {esc(machines_title(runs))}</h1>", '<h2 id="findings">Findings</h2>']
    for label, items in findings(runs) or [("", [])]:
        parts += [f"<h3>{esc(label)}</h3>"] if label else []
        parts += ['<ul class="findings">'] + [f"<li>{esc(t)}" + ("" if ok else " <em>(unresolved)</em>") + "</li>"
                                             for t, ok in items]
        parts += ([] if items else ["<li>this run wrote no findings (summaries.findings)</li>"]) + ["</ul>"]
    parts += ['<h2 id="contents">Contents</h2>', '<ol class="contents">']
    parts += [f'<li><a href="#{d.name}">{esc(d.title)}</a></li>' for d in drawn]
    parts += ['<li><a href="#machines">Machines</a></li>'] + (['<li><a href="#notes">Notes</a></li>'] if notes else [])
    parts += ["</ol>", "<h2>Charts</h2>"]
    for d in drawn:
        links = "".join(f' (<a href="{d.name}.{suffix}">{suffix.upper()}</a>)' for suffix in sorted(d.files))
        parts += [f'<figure id="{d.name}"><h3>{esc(d.title)}</h3>',
                  f'<a href="{d.name}.svg"><img src="{d.name}.png" alt="{esc(d.title)}"></a>',
                  f"<figcaption>{esc(d.reading)}{links}</figcaption></figure>"]
    parts += ['<h2 id="machines">Machines</h2>', "<table>",
              "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in MACHINE_HEADER) + "</tr>"]
    parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in machine_rows(runs)]
    parts.append("</table>")
    if notes:
        parts += ['<h2 id="notes">Notes</h2>', "<ul>"] + [f"<li>{esc(n)}</li>" for n in notes] + ["</ul>"]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
