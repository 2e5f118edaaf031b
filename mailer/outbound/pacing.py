"""Pacing a batch to the provider's limits: one limiter shared by every SMTP connection.

Exchange Online refuses a 4th concurrent connection of a mailbox (``432 4.3.2``) and more than
30 messages a minute; Google throttles bursts (``421 4.7.0 Try again later``). The batch
therefore opens at most ``max_connections`` connections and asks :class:`Pacer` before each
message. The pacer is a token bucket of ``max_per_minute`` tokens in which a token spent on a
message comes back one minute after that message *finished*: a bucket that refills at a steady
rate lets a full bucket plus a minute's refill through in the first minute (60 where 30 are
allowed), this one never lets more than ``max_per_minute`` messages end in any minute, as the
server counts them. A throttling reply pauses every connection (:meth:`Pacer.pause`).

Time comes from a :class:`Timer`: the real one in the service, :class:`SimulatedTimer` in
tests and benchmarks, which skips the waits (and ``minute`` may be shortened there). Neither
is settable from the config: only code passes a :class:`Timing`.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol


class Timer(Protocol):
    """Monotonic seconds and a way to wait (not :data:`mailer.clock.Clock`: no dates here)."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class RealTimer:
    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class SimulatedTimer:
    """Real elapsed time plus every wait, which returns at once: for tests and bench/.

    Exact for the pacer's waits, which it makes one at a time; concurrent sleepers would
    each add their wait.
    """

    def __init__(self) -> None:
        self._start = time.monotonic()
        self.skipped = 0.0

    def monotonic(self) -> float:
        return time.monotonic() - self._start + self.skipped

    async def sleep(self, seconds: float) -> None:
        self.skipped += max(0.0, seconds)
        await asyncio.sleep(0)


@dataclass(frozen=True)
class Timing:
    """How a batch tells time. Tests pass a shortened ``minute`` or a simulated clock."""

    timer: Timer = field(default_factory=RealTimer)
    minute: float = 60.0


class _Slot:
    __slots__ = ("done", "finished")

    def __init__(self) -> None:
        self.finished: float | None = None
        self.done = asyncio.Event()


class Pacer:
    """The bucket of one batch (see the module docstring); ``max_per_minute`` None: no pacing."""

    def __init__(self, max_per_minute: int | None, timing: Timing | None = None) -> None:
        self.limit = max_per_minute
        self.timing = timing or Timing()
        self._slots: deque[_Slot] = deque()
        self._lock = asyncio.Lock()
        self._resume_at = float("-inf")
        self.pauses = 0

    @property
    def timer(self) -> Timer:
        return self.timing.timer

    async def acquire(self) -> _Slot | None:
        """Wait until one more message may start; pass the result to :meth:`release`."""
        if self.limit is None and self._resume_at == float("-inf"):
            return None  # the generic profile: no lock, no clock, no cost
        async with self._lock:
            await self._wait_resume()
            if self.limit is None:
                return None
            if len(self._slots) >= self.limit:
                oldest = self._slots[-self.limit]
                await oldest.done.wait()
                assert oldest.finished is not None
                await self._wait_until(oldest.finished + self.timing.minute)
                await self._wait_resume()
            slot = _Slot()
            self._slots.append(slot)
            while len(self._slots) > self.limit:
                self._slots.popleft()
            return slot

    def release(self, slot: _Slot | None) -> None:
        """The message finished (sent or not): its token comes back a minute from now."""
        if slot is not None and slot.finished is None:
            slot.finished = self.timer.monotonic()
            slot.done.set()

    def pause(self, minutes: float = 1.0) -> None:
        """A throttling reply: no connection starts a message for ``minutes``."""
        self.pauses += 1
        self._resume_at = max(self._resume_at,
                              self.timer.monotonic() + minutes * self.timing.minute)

    async def _wait_resume(self) -> None:
        await self._wait_until(self._resume_at)

    async def _wait_until(self, at: float) -> None:
        if at <= self.timer.monotonic():
            return
        # Let the messages in flight finish first: their tokens come back a minute after
        # they finish, so a wait that began before they did would be a wait too short (and,
        # on a simulated clock, one that jumped past them would make them finish too late).
        for slot in list(self._slots):
            await slot.done.wait()
        delay = at - self.timer.monotonic()
        if delay > 0:
            await self.timer.sleep(delay)
