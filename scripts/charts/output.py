"""Drawing the chosen charts and writing what they give: PNG and SVG (and any file a chart writes
beside its figure, such as a CSV), each whole or not at all, then index.md and index.html."""
import html
import io
import os
import sys

import bsjson
import output_file

from .common import CURVE_FAMILIES, Drawing, NoData, RC, group_name, pyplot

PROG = "plot.py"
SAVE_METADATA = {"png": {"Software": None},
                 "svg": {"Date": None, "Creator": "bench_switch scripts/plot.py"}}


def draw_all(runs, charts, args):
    """Draw each chart; returns (drawn [Drawing], notes, failed?)."""
    plt = pyplot()
    drawn, notes, failed = [], [], False
    with plt.rc_context(RC):
        for chart in charts:
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
            try:
                for d in drawings:
                    save_drawing(d, args.out, args.dpi)
            finally:
                for d in drawings:
                    plt.close(d.figure)
            if chart.several:
                remove_stale(args.out, chart, keep={d.name for d in drawings})
            drawn += drawings
    return drawn, notes, failed


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
    """Lines about benchmarks that were skipped or failed (once per benchmark), and families no
    chart draws."""
    charted = set(CURVE_FAMILIES) | {"switch", "timeslice", "spawn", "memory"}
    families = sorted({str(b["family"]) for run in runs for b in run.data["benchmarks"] if b.get("family")}
                      - charted)
    lines = [f"{family} benchmarks are in the input but no chart draws them" for family in families]
    for run in runs:
        for b in run.data["benchmarks"]:
            if bsjson.is_skipped(b) or bsjson.is_failed(b):
                what = "skipped" if bsjson.is_skipped(b) else "FAILED"
                message = str(b.get("error_message", "")).removeprefix("skipped:").strip()
                lines.append(f"{run.name}: {group_name(b)} {what}: {message}")
    return list(dict.fromkeys(lines))


def md_cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def index_markdown(runs, drawn, notes):
    lines = ["# bench_switch charts", "", "## Machines", "",
             "| " + " | ".join(MACHINE_HEADER) + " |", "|" + "---|" * len(MACHINE_HEADER)]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in machine_rows(runs)]
    lines += ["", "## Charts", ""]
    for d in drawn:
        lines += [f"### {d.title}", "", f"![{d.title}]({d.name}.png)", "",
                  f"{d.reading} ([SVG]({d.name}.svg){files_md(d)})", ""]
    if notes:
        lines += ["## Notes", ""] + [f"- {md_cell(n)}" for n in notes] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


HTML_STYLE = ("body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
              "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;padding:3px 8px;"
              "text-align:left}img{max-width:100%;border:1px solid #eee}figure{margin:2em 0}"
              "figcaption{margin-top:.4em}li{margin:.2em 0}")


def index_html(runs, drawn, notes):
    esc = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>bench_switch charts</title>", f"<style>{HTML_STYLE}</style></head><body>",
             "<h1>bench_switch charts</h1>", "<h2>Machines</h2>", "<table>",
             "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in MACHINE_HEADER) + "</tr>"]
    parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in machine_rows(runs)]
    parts += ["</table>", "<h2>Charts</h2>"]
    for d in drawn:
        links = "".join(f' (<a href="{d.name}.{suffix}">{suffix.upper()}</a>)' for suffix in sorted(d.files))
        parts += [f'<figure id="{d.name}"><h3>{esc(d.title)}</h3>',
                  f'<a href="{d.name}.svg"><img src="{d.name}.png" alt="{esc(d.title)}"></a>',
                  f"<figcaption>{esc(d.reading)}{links}</figcaption></figure>"]
    if notes:
        parts += ["<h2>Notes</h2>", "<ul>"] + [f"<li>{esc(n)}</li>" for n in notes] + ["</ul>"]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
