#!/usr/bin/python3
"""Draw bench_switch JSON results as charts (PNG and SVG) with an index.md and index.html.

    scripts/plot.py results/run.json -o charts/
    scripts/plot.py results/*.json -o charts/ --trend 'futex|fiber'

One file: one series per mechanism. Several files: the same charts with one series per file,
labelled from each file's context, plus trend.png over the files ordered by date.
docs/PLOTS.md says what each chart shows (and how to add one); docs/JSON.md what the input holds.
The charts themselves live in scripts/charts/, one module each; this file is the command line.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bsjson  # noqa: E402  (lives beside this script)
import output_file  # noqa: E402
from charts import CHARTS  # noqa: E402  (scripts/charts/: one module per chart)
from charts.common import Run  # noqa: E402
from charts.output import PROG, draw_all, index_html, index_markdown, label_runs, measured_notes  # noqa: E402
from charts.trend import DEFAULT_TREND  # noqa: E402


# ---------------------------------------------------------------- command line

def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog=PROG, description="Draw bench_switch JSON results as PNG and SVG charts, with an index.md "
        "and index.html that say how to read each chart. See docs/PLOTS.md.")
    parser.add_argument("json", nargs="+", metavar="JSON",
                        help="bench_switch result file(s). Several files: one series per file, labelled "
                        "from its context (host, CPU, kernel, date), and a trend chart across them.")
    parser.add_argument("-o", "--out", default="charts", metavar="DIR",
                        help="folder for the charts and index files, created if missing (default: ./charts)")
    parser.add_argument("--trend", metavar="REGEX", default=None,
                        help="switch benchmarks to follow in trend.png (several files only), matched "
                        "against 'mechanism/placement' (e.g. 'thread_futex/same_cpu') and the benchmark's "
                        f"name (default: {DEFAULT_TREND})")
    parser.add_argument("--whiskers", choices=("minmax", "stddev"), default="minmax",
                        help="whisker extent: 'minmax' = lowest to highest repetition (default), 'stddev' "
                        "= median ± the stddev aggregate; each falls back to the other when its data is "
                        "missing, and every chart says which it shows")
    parser.add_argument("--charts", metavar="LIST", default=None,
                        help="comma-separated charts to draw (default: all): " + ", ".join(c.name for c in CHARTS))
    parser.add_argument("--dpi", type=int, default=120, help="PNG resolution in dots per inch (default: 120)")
    parser.add_argument("--traceback", action="store_true",
                        help="on an unexpected error inside a chart, show the Python traceback (for debugging)")
    return parser.parse_args(argv)


def load_runs(paths):
    runs = []
    for path in paths:
        data = bsjson.load(path)
        data["benchmarks"] = [b for b in data["benchmarks"] if isinstance(b, dict)]
        runs.append(Run(path, data))
    label_runs(runs)
    return runs


def chosen_charts(spec):
    if spec is None:
        return list(CHARTS)
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in {c.name for c in CHARTS}]
    if unknown:
        raise bsjson.BadInput(f"unknown chart(s) {', '.join(unknown)}; known: "
                              + ", ".join(c.name for c in CHARTS))
    return [c for c in CHARTS if c.name in names]


def prepare(args):
    """Everything that can fail on the user's input, before any drawing. Raises BadInput."""
    runs = load_runs(args.json)
    charts = chosen_charts(args.charts)
    if args.trend is not None:
        try:
            re.compile(args.trend)
        except re.error as e:
            raise bsjson.BadInput(f"--trend {args.trend!r}: not a regular expression ({e})") from None
    if args.dpi < 10 or args.dpi > 1200:
        raise bsjson.BadInput(f"--dpi {args.dpi}: choose between 10 and 1200")
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        raise bsjson.BadInput(f"{args.out}: cannot create the output folder ({e.strerror})") from None
    if not os.access(args.out, os.W_OK):
        raise bsjson.BadInput(f"{args.out}: output folder is not writable")
    return runs, charts


def main(argv=None):
    args = parse_args(argv)
    try:
        runs, charts = prepare(args)
        drawn, notes, failed = draw_all(runs, charts, args)
        notes += measured_notes(runs)
        output_file.write_output(os.path.join(args.out, "index.md"), index_markdown(runs, drawn, notes))
        output_file.write_output(os.path.join(args.out, "index.html"), index_html(runs, drawn, notes))
    except bsjson.BadInput as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"{PROG}: error: cannot write to {args.out} ({e.strerror or e})", file=sys.stderr)
        return 1
    if not drawn:
        print(f"{PROG}: error: no chart could be drawn from {', '.join(r.name for r in runs)}",
              file=sys.stderr)
        return 1
    print(f"{PROG}: wrote {len(drawn)} chart(s), index.md and index.html to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(bsjson.run_main(PROG, main))
