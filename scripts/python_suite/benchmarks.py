"""The benchmark list: adding a mechanism is one function in cooperative, kernel or spawn and one
line here. Each mechanism runs in every placement its kind allows."""
import collections

from .cooperative import py_asyncio_event, py_asyncio_queue, py_asyncio_sleep0, py_generator_send
from .kernel import py_process_mp_pipe, py_process_os_pipe, py_thread_condition, py_thread_queue
from .spawn import spawn_asyncio_task, spawn_process_fork, spawn_process_mp, spawn_thread

Benchmark = collections.namedtuple("Benchmark", "family mechanism kind task placement run")

MECHANISMS = [  # family, mechanism, kind, task, function
    ("switch", "py_asyncio_event", "cooperative", "coroutine", py_asyncio_event),
    ("switch", "py_asyncio_queue", "cooperative", "coroutine", py_asyncio_queue),
    ("switch", "py_asyncio_sleep0", "cooperative", "coroutine", py_asyncio_sleep0),
    ("switch", "py_generator_send", "cooperative", "coroutine", py_generator_send),
    ("switch", "py_thread_condition", "preemptive", "thread", py_thread_condition),
    ("switch", "py_thread_queue", "preemptive", "thread", py_thread_queue),
    ("switch", "py_process_mp_pipe", "preemptive", "process", py_process_mp_pipe),
    ("switch", "py_process_os_pipe", "preemptive", "process", py_process_os_pipe),
    ("spawn", "py_asyncio_task", "cooperative", "coroutine", spawn_asyncio_task),
    ("spawn", "py_thread", "preemptive", "thread", spawn_thread),
    ("spawn", "py_process_fork", "preemptive", "process", spawn_process_fork),
    ("spawn", "py_process_mp", "preemptive", "process", spawn_process_mp),
]


def all_benchmarks():
    """Every benchmark, in run order: preemptive ones pinned to one CPU and unpinned."""
    out = []
    for family, mechanism, kind, task, run in MECHANISMS:
        placements = ("same_cpu", "unpinned") if kind == "preemptive" else ("one_thread",)
        out += [Benchmark(family, mechanism, kind, task, p, run) for p in placements]
    return out


def benchmark_name(bench):
    return f"{bench.family}/{bench.mechanism}/{bench.placement}"


UNITS = {  # family -> (what one iteration is, the sentence for the entry's `unit`)
    "switch": ("switch", "ns per one-way switch (a round trip is two switches)"),
    "spawn": ("task", "ns to create, start and finish one task"),
}
