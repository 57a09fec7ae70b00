"""The command line of scripts/bench_python.py."""
import argparse
import math
import re
import sys

import output_file

from .benchmarks import all_benchmarks, benchmark_name

QUICK_REPETITIONS, QUICK_MIN_TIME = 3, 0.05
DEFAULT_REPETITIONS, DEFAULT_MIN_TIME = 5, 0.1


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad command line gets one line on stderr (and exit status 2), not the usage."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parse_args(argv):
    p = _OneLineParser(
        prog="bench_python.py",
        description="Time one-way task switches in Python (asyncio tasks, generators, threads, processes) "
                    "and the cost of creating each kind of task; write the figures as bench_switch JSON "
                    "(Google Benchmark's layout, see docs/JSON.md and docs/PYTHON.md).",
        epilog="Progress goes to stderr, one line per benchmark; a table and the output path go to stdout. "
               "Exit status: 0 when every benchmark measured or was skipped, 1 when one failed "
               "(the JSON is still written), 2 for a bad command line.")
    p.add_argument("--json", metavar="PATH", default="bench_switch_python.json",
                   help="where to write the JSON, replaced whole or not at all (default: %(default)s)")
    p.add_argument("--repetitions", metavar="N", type=_positive_int,
                   help=f"timed batches per benchmark; mean, median, stddev and cv are computed over them "
                        f"when N > 1 (default: {DEFAULT_REPETITIONS}, {QUICK_REPETITIONS} with --quick)")
    p.add_argument("--min-time", metavar="SECONDS", type=_positive_float,
                   help=f"how long each timed batch lasts at least, about; the batch size is calibrated to it "
                        f"first (default: {DEFAULT_MIN_TIME}, {QUICK_MIN_TIME} with --quick)")
    p.add_argument("--quick", action="store_true",
                   help="fewer repetitions and shorter batches: a smoke run of about 10 s, noisier figures")
    p.add_argument("--filter", metavar="REGEX", type=_regex,
                   help="run only the benchmarks whose name (e.g. switch/py_thread_queue/same_cpu) "
                        "matches REGEX anywhere (Python re.search)")
    p.add_argument("--list", action="store_true", help="print the names of the selected benchmarks and exit")
    args = p.parse_args(argv)
    if args.repetitions is None:
        args.repetitions = QUICK_REPETITIONS if args.quick else DEFAULT_REPETITIONS
    if args.min_time is None:
        args.min_time = QUICK_MIN_TIME if args.quick else DEFAULT_MIN_TIME
    args.benchmarks = [b for b in all_benchmarks() if args.filter is None or args.filter.search(benchmark_name(b))]
    if not args.benchmarks:
        p.error(f"--filter {args.filter.pattern!r} matches no benchmark (try --list)")
    if not args.list:
        try:  # the calls the final write makes, before anything is measured
            output_file.check_writable(args.json)
        except OSError as e:
            print(f"bench_python.py: error: cannot write --json {args.json!r} ({e.strerror or e}); nothing measured",
                  file=sys.stderr)
            sys.exit(2)
    return args


def _positive(convert, what, rule):
    """An argparse type: `convert` the text, which must be finite and above 0 (`rule` says so)."""
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not value > 0 or math.isinf(value):
            raise argparse.ArgumentTypeError(f"{text!r} must be {rule}")
        return value
    return parse


_positive_int = _positive(int, "a whole number", "at least 1")
_positive_float = _positive(float, "a number", "a positive number of seconds")


def _regex(text):
    try:
        return re.compile(text)
    except re.error as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not a regular expression ({e})") from None
