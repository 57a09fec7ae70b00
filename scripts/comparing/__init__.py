"""compare.py's parts, split the way Google Benchmark's tools/gbench/ is: reading runs (runs),
the tests and verdicts of one benchmark (statistics), sorting benchmarks into a report (report),
baselines and history (history), two binaries in turns (ab), printing (render), the exit status
(verdict) and the command line (options). compare.py is the thin command over them."""
