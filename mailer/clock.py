"""The one clock of the service: what a clock is, and the real one.

Pure code never calls it: it takes ``now`` as an argument. The shell (jobs, the poller, the
demo's simulated time) passes a :data:`Clock` around so that tests and the demo can replace it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

#: A function that returns the current time, aware.
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The real time, aware, in UTC."""
    return datetime.now(timezone.utc)
