"""How long a prompt that could not go out is retried, and when it expires. Pure: no clock.

The running service plans every minute (:mod:`mailer.service.tick`) and sends what is due
through the ledger. A slot whose batch failed (SMTP down, disk full, ledger unwritable) waits
for its next try with a backoff of 1, 2, 5, 10 and 30 minutes, then every 30 minutes
(:func:`retry_delay`), for as long as it is worth sending: a check-in until its day ends in
the person's zone, a review, reflection or feedback request until its ISO week ends, the
digest until its week ends, and a meeting brief until the meeting starts
(:func:`window_end`; ``[service] send_window`` changes the rules). Past that end the row
becomes ``expired`` with the reason, and the manager's digest says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mailer.models import ServiceSettings

#: The waits between failed batches of one slot; the last one repeats.
BACKOFF: tuple[timedelta, ...] = tuple(timedelta(minutes=m) for m in (1, 2, 5, 10, 30))

#: A window rule: "day" (until the local day ends), "week" (until the ISO week ends),
#: "meeting" (briefs: until the meeting starts) or a fixed duration after the due time.
WindowRule = str | timedelta

DEFAULT_WINDOWS: Mapping[str, WindowRule] = {
    "checkin": "day", "review": "week", "feedback": "week", "reflection": "week",
    "digest": "week", "brief": "meeting",
}


@dataclass(frozen=True)
class RetryPolicy:
    """The backoff steps and the window rule per kind (config ``[service] send_window``)."""

    backoff: tuple[timedelta, ...] = BACKOFF
    windows: Mapping[str, WindowRule] = field(default_factory=lambda: dict(DEFAULT_WINDOWS))

    def delay(self, failures: int) -> timedelta:
        """The wait after the ``failures``-th failed batch of a slot (1 for the first)."""
        return retry_delay(failures, self.backoff)

    def window(self, kind: str) -> WindowRule:
        return self.windows.get(kind, DEFAULT_WINDOWS.get(kind, "day"))


def retry_delay(failures: int, steps: tuple[timedelta, ...] = BACKOFF) -> timedelta:
    """1, 2, 5, 10, 30 minutes, then the last step again and again."""
    if failures < 1:
        return timedelta(0)
    return steps[min(failures, len(steps)) - 1]


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``tz`` (a day that starts in a DST gap starts later)."""
    wall = datetime.combine(day, time(0), tzinfo=tz)
    return wall.astimezone(UTC).astimezone(tz)


def window_end(kind: str, due_at: datetime, tz: ZoneInfo, rule: WindowRule, *,
               lead: timedelta = timedelta(0)) -> datetime:
    """The instant after which a slot of ``kind`` due at ``due_at`` is no longer sent.

    :param tz: the recipient's zone (days and weeks are theirs).
    :param lead: for briefs, how long before the meeting it goes out ("meeting" rule).
    :raises ValueError: ``due_at`` is naive or the rule unknown.
    """
    if due_at.tzinfo is None:
        raise ValueError("due_at must be an aware datetime")
    if isinstance(rule, timedelta):
        return due_at + rule
    local = due_at.astimezone(tz).date()
    if rule == "day":
        return _local_midnight(local + timedelta(days=1), tz)
    if rule == "week":
        return _local_midnight(local + timedelta(days=7 - local.weekday()), tz)
    if rule == "meeting":
        return due_at + lead if lead > timedelta(0) else _local_midnight(
            local + timedelta(days=1), tz)
    raise ValueError(f"unknown send window {rule!r}; expected day, week, meeting or a duration")


def expiry_reason(end: datetime, tz: ZoneInfo, last_error: str | None) -> str:
    """The reason an expired row keeps: when its window closed (recipient's time) and why."""
    why = last_error or "no attempt went through"
    return f"not sent by {end.astimezone(tz):%Y-%m-%d %H:%M %Z}: {why}"


def retry_policy(service: ServiceSettings) -> RetryPolicy:
    """The policy of the config: the default windows, as ``[service] send_window`` changes them."""
    return RetryPolicy(windows={**DEFAULT_WINDOWS, **service.send_window})
