"""Retry backoff and send windows: pure functions of the due time, the zone and the rule."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailer.models import ServiceSettings
from mailer.outbound.schedule_retry import (
    BACKOFF,
    expiry_reason,
    retry_delay,
    retry_policy,
    window_end,
)

UTC = timezone.utc
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.mark.parametrize(("failures", "minutes"), [
    (1, 1), (2, 2), (3, 5), (4, 10), (5, 30), (6, 30), (50, 30)])
def test_backoff_is_1_2_5_10_30_then_every_30_minutes(failures: int, minutes: int) -> None:
    assert retry_delay(failures) == timedelta(minutes=minutes)


def test_no_failure_no_wait() -> None:
    assert retry_delay(0) == timedelta(0)
    assert BACKOFF[-1] == timedelta(minutes=30)


@pytest.mark.parametrize(("kind", "due", "rule", "end"), [
    # A check-in until its day ends in the person's zone (23:00 UTC is midnight in Stockholm).
    ("checkin", datetime(2026, 12, 2, 8, 0, tzinfo=UTC), "day",
     datetime(2026, 12, 2, 23, 0, tzinfo=UTC)),
    # A review until its ISO week ends (Wednesday -> Monday 00:00 local).
    ("review", datetime(2026, 12, 2, 9, 0, tzinfo=UTC), "week",
     datetime(2026, 12, 6, 23, 0, tzinfo=UTC)),
    # On a Sunday the week ends that midnight.
    ("review", datetime(2026, 12, 6, 9, 0, tzinfo=UTC), "week",
     datetime(2026, 12, 6, 23, 0, tzinfo=UTC)),
    # The day before DST ends: midnight is still +02:00.
    ("checkin", datetime(2026, 10, 24, 7, 0, tzinfo=UTC), "day",
     datetime(2026, 10, 24, 22, 0, tzinfo=UTC)),
    # A fixed duration counts from the due time.
    ("digest", datetime(2026, 12, 4, 14, 0, tzinfo=UTC), timedelta(hours=6),
     datetime(2026, 12, 4, 20, 0, tzinfo=UTC)),
])
def test_window_end(kind: str, due: datetime, rule: str | timedelta, end: datetime) -> None:
    assert window_end(kind, due, STOCKHOLM, rule) == end


def test_a_brief_is_worth_sending_until_the_meeting_starts() -> None:
    due = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)  # 09:30 brief for a 10:00 meeting
    assert window_end("brief", due, STOCKHOLM, "meeting", lead=timedelta(minutes=30)) == \
        datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_day_that_starts_in_a_dst_gap_ends_the_day_before_at_the_first_real_instant() -> None:
    # Havana skips 00:00-01:00 on 8 March 2026: the 7th's window ends at 01:00 local (05:00 UTC).
    havana = ZoneInfo("America/Havana")
    due = datetime(2026, 3, 7, 14, 0, tzinfo=UTC)
    assert window_end("checkin", due, havana, "day") == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        window_end("checkin", datetime(2026, 12, 2, 8), STOCKHOLM, "day")
    with pytest.raises(ValueError, match="unknown send window"):
        window_end("checkin", datetime(2026, 12, 2, 8, tzinfo=UTC), STOCKHOLM, "fortnight")


def test_the_config_changes_only_the_kinds_it_names() -> None:
    service = ServiceSettings(data_dir=Path("data"), timezone=STOCKHOLM,
                              language="en", send_window={"checkin": timedelta(hours=4)})
    policy = retry_policy(service)
    assert policy.window("checkin") == timedelta(hours=4)
    assert policy.window("review") == "week"


def test_the_reason_says_when_in_the_recipients_time_and_why() -> None:
    end = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    reason = expiry_reason(end, ZoneInfo("America/Anchorage"), "421 Service not available")
    assert reason == "not sent by 2026-12-02 00:00 AKST: 421 Service not available"
