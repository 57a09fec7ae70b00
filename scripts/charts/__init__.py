"""The charts plot.py draws, in the order of index.md: one module per chart, each defining
`CHART = Chart(name, title, draw)` (common.py). A new chart is one new file here and one line below."""
import importlib

CHART_MODULES = (
    "overhead",
    "granularity",
    "timeslices",
    "preemption",
    "footprint",
    "ring",
    "spawn",
    "memory",
    "contention",
    "gophers",
    "trend",
    "latency",
    "batch_means",
    "c2c",
    "idle_states",
)

CHARTS = tuple(importlib.import_module(f"{__name__}.{module}").CHART for module in CHART_MODULES)
