"""The harness: pin, calibrate, repeat. Written once for every mechanism; what it measured becomes
entries (entries.py) and their aggregates (aggregates.py)."""
import math
import os

from .aggregates import aggregate_entries
from .entries import error_entry, iteration_entry
from .probe import Probe

CALIBRATION_MARGIN = 1.2   # aim a little over --min-time, so that noise rarely leaves a batch under it
MAX_BATCH = 10 ** 10       # no real mechanism gets here: beyond it, a batch that stays short is a bug


class Misbehaved(Exception):
    """A mechanism did not do what it must: tokens out of turn, a missing token, no timing."""


def run_batch(run, n):
    """Run one batch of `n` (round trips or tasks); return (Outcome, Sample) or raise Misbehaved."""
    probe = Probe()
    outcome = run(n, probe)
    if outcome.errors:
        raise Misbehaved(f"{outcome.errors} tokens arrived out of turn in {outcome.count}")
    if outcome.last_seq != outcome.count:
        raise Misbehaved(f"the last token was {outcome.last_seq}, expected {outcome.count}")
    if probe.sample is None:
        raise Misbehaved("the mechanism never stopped its probe")
    return outcome, probe.sample


def calibrate(run, min_time_ns):
    """The batch size whose batch lasts about `min_time_ns` (times CALIBRATION_MARGIN).

    Grows the batch (up to 100x a step) until one lasts a fifth of the target, long enough to be
    measured well, then scales linearly. The batches run here are the warm-up and are not reported.
    """
    n = 1
    while n <= MAX_BATCH:
        _, sample = run_batch(run, n)
        wall_ns = max(sample.wall_ns, 1)
        if wall_ns >= min_time_ns / 5:
            return max(1, math.ceil(n * min_time_ns * CALIBRATION_MARGIN / wall_ns))
        n = math.ceil(n * min(100.0, max(2.0, 2 * min_time_ns / 5 / wall_ns)))
    raise Misbehaved(f"a batch of {n // 100}+ still lasts under {min_time_ns / 5e9:g} s: "
                     f"its time does not grow with it")


def run_benchmark(bench, repetitions, min_time_s, family_index=0):
    """All entries of one benchmark (repetitions, then aggregates) and its status:
    'ok', 'skipped' (could not measure here) or 'failed'."""
    saved_masks = None
    if bench.placement == "same_cpu":
        if not hasattr(os, "sched_setaffinity"):
            message = "skipped: this platform has no sched_setaffinity"
            return [error_entry(bench, family_index, repetitions, message)], "skipped"
        try:
            saved_masks = pin_process(pinning_cpu())
        except OSError as e:
            reason = f"the kernel refused to pin to one CPU ({e.strerror or e})"
            return [error_entry(bench, family_index, repetitions, f"skipped: {reason}")], "skipped"
    try:
        n = calibrate(bench.run, min_time_s * 1e9)
        batches = [run_batch(bench.run, n) for _ in range(repetitions)]
    except Exception as e:                  # out-of-turn tokens, a child that died, ...: say so loudly
        return [error_entry(bench, family_index, repetitions, f"failed: {e}")], "failed"
    finally:
        if saved_masks:
            unpin_process(saved_masks)
    runs = [iteration_entry(bench, family_index, repetitions, i, outcome.count, sample)
            for i, (outcome, sample) in enumerate(batches)]
    return runs + aggregate_entries(bench, family_index, runs), "ok"



def pin_process(cpu):
    """Pin every thread of this process to `cpu`; return the old masks for unpin_process().

    os.sched_setaffinity(0) moves only the calling thread (Linux affinity is per thread), so each
    thread in /proc/self/task is moved. The whole process, because threads that switch also pass
    the GIL among every thread of the process: if any of them stayed free, the handoff could cross
    CPUs and the figure would be a cross-CPU wake-up. Threads and processes started later inherit
    the mask of the thread that starts them, so workers and children land on `cpu` too.
    Raises OSError when the kernel refuses.
    """
    saved = {}
    try:
        for tid in _thread_ids():
            try:
                saved[tid] = os.sched_getaffinity(tid)
                os.sched_setaffinity(tid, {cpu})
            except ProcessLookupError:      # a thread that ended after it was listed (a joined
                pass                        # thread's kernel task lingers a moment): nothing to pin
    except BaseException:
        unpin_process(saved)
        raise
    return saved


def unpin_process(saved):
    for tid, mask in saved.items():
        try:
            os.sched_setaffinity(tid, mask)
        except OSError:                     # a thread that has ended since, or a refusal
            pass


def _thread_ids():
    try:
        return [int(t) for t in os.listdir("/proc/self/task")]
    except FileNotFoundError:
        return [0]


def pinning_cpu():
    """The CPU to pin to: the highest-numbered one we may use (CPU 0 usually takes the most
    device interrupts)."""
    return max(os.sched_getaffinity(0))
