"""The pacer on a simulated timer: the per-minute bound, pauses, and no cost without a limit."""

from __future__ import annotations

import asyncio

from mailer.outbound.pacing import Pacer, SimulatedTimer, Timing


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


async def test_never_more_than_the_limit_in_any_minute_with_three_senders() -> None:
    timer = SimulatedTimer()
    pacer = Pacer(30, Timing(timer))
    finished: list[float] = []
    queue = list(range(95))

    async def sender() -> None:
        while queue:
            queue.pop()
            slot = await pacer.acquire()
            await asyncio.sleep(0)  # the message is on the wire
            pacer.release(slot)
            finished.append(timer.monotonic())

    await asyncio.gather(sender(), sender(), sender())
    assert len(finished) == 95
    assert most_in_any_window(finished, 60.0) == 30
    # 95 at 30 a minute: the last 5 start three minutes after the first 30, and the pacer
    # waited no more than that (the rest of the simulated time is real time).
    assert max(finished) >= 180.0 and timer.skipped <= 180.0


async def test_a_pause_holds_every_sender_for_a_minute() -> None:
    timer = SimulatedTimer()
    pacer = Pacer(None, Timing(timer, minute=10.0))
    pacer.release(await pacer.acquire())
    pacer.pause()
    before = timer.monotonic()
    pacer.release(await pacer.acquire())
    assert timer.monotonic() - before >= 10.0 and timer.skipped <= 10.0 and pacer.pauses == 1


async def test_no_limit_costs_no_wait() -> None:
    timer = SimulatedTimer()
    pacer = Pacer(None, Timing(timer))
    for _ in range(1000):
        pacer.release(await pacer.acquire())
    assert timer.skipped == 0.0
