"""What one batch did (Outcome) and what it took (Probe): wall clock, plus CPU time and kernel
context switches of every task involved."""
import collections
import os
import resource
import time

Outcome = collections.namedtuple("Outcome", "count errors last_seq")
Outcome.__doc__ = """What one batch of a mechanism did: `count` switches (or tasks created), `errors`
tokens that arrived out of turn (counted by both sides), `last_seq` the number the last token carried
(equal to `count` when every handoff happened in order)."""

Sample = collections.namedtuple("Sample", "wall_ns cpu_ns voluntary involuntary")


class Probe:
    """Times one batch: wall clock, plus CPU time and kernel context switches of every task involved.

    A mechanism calls start() once its tasks are set up and waiting and stop() after the last handoff,
    before any task exits, so neither setup nor teardown is timed.
    """

    def __init__(self):
        self.sample = None
        self._pids = ()
        self._begin = None

    def start(self, child_pids=()):
        """Start timing; `child_pids` are live child processes that take part in the handoff."""
        self._pids = tuple(child_pids)
        counters = self._counters()
        self._begin = (counters, time.perf_counter_ns())  # the clock read last: counter reads are not timed

    def stop(self):
        end_ns = time.perf_counter_ns()                    # the clock read first, for the same reason
        counters = self._counters()
        begin_counters, begin_ns = self._begin
        self.sample = Sample(end_ns - begin_ns, *(e - b for e, b in zip(counters, begin_counters)))

    def _counters(self):
        """(cpu_ns, voluntary, involuntary) so far, summed over this process (all its threads), the
        children it has reaped and the live children in `_pids`.

        The kernel counts from each task's birth (the interpreter's start-up and every earlier batch
        are in there), so only the difference between stop() and start() belongs to this batch.
        RUSAGE_SELF covers every thread of the process, dead ones included; RUSAGE_CHILDREN covers a
        child only once it is reaped, so a child that is alive during the batch (the switch benchmarks
        reap theirs after stop()) is read from /proc instead, and none is counted twice.
        """
        me = resource.getrusage(resource.RUSAGE_SELF)
        reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = time.process_time_ns() + round((reaped.ru_utime + reaped.ru_stime) * 1e9)
        voluntary = me.ru_nvcsw + reaped.ru_nvcsw
        involuntary = me.ru_nivcsw + reaped.ru_nivcsw
        for pid in self._pids:
            child_cpu, child_voluntary, child_involuntary = live_process_counters(pid)
            cpu += child_cpu
            voluntary += child_voluntary
            involuntary += child_involuntary
        return cpu, voluntary, involuntary


def live_process_counters(pid):
    """(cpu_ns, voluntary, involuntary) of a live single-threaded process, from /proc.

    /proc/<pid>/status and /proc/<pid>/schedstat describe the process's main thread only, which is
    all of it for our children: they start no threads.
    """
    counts = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"):
                counts[key] = int(value)
    try:
        with open(f"/proc/{pid}/schedstat", encoding="ascii") as f:
            cpu_ns = int(f.read().split()[0])   # time on CPU in ns (needs CONFIG_SCHED_INFO)
    except (FileNotFoundError, IndexError, ValueError):
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rpartition(")")[2].split()   # the name in (...) may hold spaces
        ticks = int(fields[11]) + int(fields[12])          # utime + stime, fields 14 and 15 of stat
        cpu_ns = ticks * 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    return cpu_ns, counts.get("voluntary_ctxt_switches", 0), counts.get("nonvoluntary_ctxt_switches", 0)
