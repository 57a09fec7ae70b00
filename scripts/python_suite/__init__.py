"""What a task switch costs in Python, as bench_switch JSON rows: the package behind
scripts/bench_python.py (docs/PYTHON.md says what each figure is).

Every switch benchmark hands a numbered token back and forth between two tasks. A round trip is two
one-way switches, and every figure is per one-way switch. Both sides check that the numbers arrive in
turn; a token out of turn fails the benchmark.

Layout, in the order a batch travels:
- probe        what one batch did and took (Outcome, Probe: wall clock, CPU time, kernel switches)
- cooperative  asyncio tasks and generators: one thread, no kernel involved
- kernel       threads and processes handing the token over through the kernel
- spawn        creating, starting and finishing one task of each kind
- benchmarks   the list of mechanisms: adding one is a function above and one line there
- harness      pinning, calibration and repetitions, written once for every mechanism
- entries      one repetition (or a failure) as a Google Benchmark JSON entry plus bench_switch's fields
- aggregates   mean, median, stddev and cv, as Google Benchmark computes them
- context      the machine, the interpreter and the revision
- report       the progress line and the table a reader sees
- options      the command line
"""
