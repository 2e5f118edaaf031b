"""The service's clock: real time, or (tests only) a simulated clock that runs faster.

``MAILER_TEST_CLOCK="2026-12-02T07:58:00+00:00*360"`` starts the clock of ``mailer run`` (and
of ``mailer status``) at that instant, 360 times faster than real time: the tick, retry
backoff and poller waits shrink alike, so a test lives through an hour of faults in ten
seconds. Nothing else reads it.
"""

from __future__ import annotations

import dataclasses
import time as walltime
from datetime import datetime, timedelta

from mailer.clock import Clock, utcnow

TEST_CLOCK_ENV = "MAILER_TEST_CLOCK"


@dataclasses.dataclass(frozen=True)
class Timing:
    """How the service's clock relates to real time: speed 1 except in tests."""

    clock: Clock = utcnow
    speed: float = 1.0

    def real_seconds(self, delta: timedelta) -> float:
        return delta.total_seconds() / self.speed


def timing_from_env(value: str | None) -> Timing:
    """The simulated clock of :data:`TEST_CLOCK_ENV`, or the real one when unset."""
    if not value:
        return Timing()
    start_text, _, speed_text = value.partition("*")
    start = datetime.fromisoformat(start_text)
    speed = float(speed_text or 1)
    origin = walltime.monotonic()

    def clock() -> datetime:
        return start + timedelta(seconds=(walltime.monotonic() - origin) * speed)

    return Timing(clock, speed)


