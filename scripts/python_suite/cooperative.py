"""Cooperative switches: one thread; a switch is a resume of Python code, no kernel involved.

Every function takes `round_trips` (two switches each) and a Probe, and returns an Outcome. The
"ping" side sends odd numbers and expects the next even one back; the "pong" side checks that each
number is two more than the last it saw.
"""
import asyncio

from .probe import Outcome, Probe


def py_generator_send(round_trips, probe=None):
    """Driver and generator: send() resumes the generator (one switch), its yield returns (another)."""
    probe = probe or Probe()

    def pong():
        errors, expect = 0, 1
        seq = yield 0
        while seq is not None:
            if seq != expect:
                errors += 1
            expect = seq + 2
            seq = yield seq + 1
        yield errors

    gen = pong()
    next(gen)                       # run the generator up to its first yield: started, not timed
    send = gen.send
    errors = seq = 0
    probe.start()
    for _ in range(round_trips):
        reply = send(seq + 1)
        if reply != seq + 2:
            errors += 1
        seq = reply
    probe.stop()
    errors += send(None)
    return Outcome(2 * round_trips, errors, seq)


def py_asyncio_event(round_trips, probe=None):
    """Two asyncio tasks, each waiting on its own asyncio.Event that the other sets."""
    return asyncio.run(_asyncio_event(round_trips, probe or Probe()))


async def _asyncio_event(round_trips, probe):
    to_pong, to_ping = asyncio.Event(), asyncio.Event()
    baton = [0]

    async def pong():
        errors, expect = 0, 1
        for _ in range(round_trips):
            await to_pong.wait()
            to_pong.clear()
            if baton[0] != expect:
                errors += 1
            expect = baton[0] + 2
            baton[0] += 1
            to_ping.set()
        return errors

    other = asyncio.create_task(pong())
    await asyncio.sleep(0)          # pong runs up to its first wait: the timed part holds only handoffs
    errors = seq = 0
    probe.start()
    for _ in range(round_trips):
        baton[0] = seq + 1
        to_pong.set()
        await to_ping.wait()
        to_ping.clear()
        if baton[0] != seq + 2:
            errors += 1
        seq = baton[0]
    probe.stop()
    return Outcome(2 * round_trips, errors + await other, seq)


def py_asyncio_queue(round_trips, probe=None):
    """Two asyncio tasks passing the token through two asyncio.Queue, one each way."""
    return asyncio.run(_asyncio_queue(round_trips, probe or Probe()))


async def _asyncio_queue(round_trips, probe):
    to_pong, to_ping = asyncio.Queue(), asyncio.Queue()

    async def pong():
        errors, expect = 0, 1
        for _ in range(round_trips):
            seq = await to_pong.get()
            if seq != expect:
                errors += 1
            expect = seq + 2
            await to_ping.put(seq + 1)      # unbounded queue: put never suspends, get does
        return errors

    other = asyncio.create_task(pong())
    await asyncio.sleep(0)          # pong runs up to its first get
    errors = seq = 0
    probe.start()
    for _ in range(round_trips):
        await to_pong.put(seq + 1)
        reply = await to_ping.get()
        if reply != seq + 2:
            errors += 1
        seq = reply
    probe.stop()
    return Outcome(2 * round_trips, errors + await other, seq)


def py_asyncio_sleep0(round_trips, probe=None):
    """Two asyncio tasks that both stay runnable and alternate by `await asyncio.sleep(0)`: the bare
    yield to the event loop, which then runs the other task."""
    return asyncio.run(_asyncio_sleep0(round_trips, probe or Probe()))


async def _asyncio_sleep0(round_trips, probe):
    baton = [0]

    async def pong():
        errors, expect = 0, 1
        for _ in range(round_trips):
            if baton[0] != expect:
                errors += 1
            expect = baton[0] + 2
            baton[0] += 1
            await asyncio.sleep(0)
        return errors

    # No warm-up yield here: pong is always runnable, so it must first run after ping's first token.
    other = asyncio.create_task(pong())
    errors = seq = 0
    probe.start()
    for _ in range(round_trips):
        baton[0] = seq + 1
        await asyncio.sleep(0)
        if baton[0] != seq + 2:
            errors += 1
        seq = baton[0]
    probe.stop()
    return Outcome(2 * round_trips, errors + await other, seq)
