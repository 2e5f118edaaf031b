"""The schedule's edges: DST gaps and folds, the brief in absolute time, monthly prompts moved
off holidays, regional holidays, the on-time margin of catch-up. Pure: the clock is an argument.

The expected instants are written out by hand from the zone rules (tzdata), never computed
with the planner's own arithmetic; ``test_planner_agrees_with_a_brute_force_reference`` adds
a reference that finds instants by searching UTC offsets only.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.digest.brief import meeting_time
from mailer.models import MeetingSchedule, MonthlyRule, MonthlySchedule, Period
from mailer.outbound import schedule, workdays
from mailer.outbound.samples import sample_config, sample_person, sample_team

STHLM = ZoneInfo("Europe/Stockholm")
H3 = timedelta(hours=3)


def person(zone: str = "Europe/Stockholm", country: str = "SE", subdivision: str | None = None,
           email: str = "anna@example.com"):
    found = sample_person("Anna Berg", email, timezone=zone, country=country)
    return dataclasses.replace(found, subdivision=subdivision)


def config(*members, **changes):
    team = dataclasses.replace(sample_team(members=members or (person(),),
                                           manager=changes.pop("manager", None)), **changes)
    return sample_config(Path("/nonexistent"), teams=[team])


def due(cfg, kind, now, *, catch_up=H3):
    planned = schedule.slots_due(cfg, kind, now=now, catch_up=catch_up, ledger_pauses=())
    return {p.person.email: p for p in planned}


# --------------------------------------------------------------------------- DST gaps and folds


@pytest.mark.parametrize(("zone", "country", "day", "at_utc"), [
    # Havana springs forward at midnight (00:00 -> 01:00 on 2026-03-08): 00:30 does not
    # exist and moves on by the gap's hour to 01:30 CDT (-04:00) = 05:30 UTC.
    ("America/Havana", "CU", date(2026, 3, 8), datetime(2026, 3, 8, 5, 30, tzinfo=UTC)),
    # The Azores spring forward at 00:00 -> 01:00 on 2026-03-29: 00:30 -> 01:30 +00:00.
    ("Atlantic/Azores", "PT", date(2026, 3, 29), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
    # The Azores fall back at 01:00 -> 00:00 on 2026-10-25: 00:30 happens twice; the first
    # one (+00:00, summer time) counts.
    ("Atlantic/Azores", "PT", date(2026, 10, 25), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    # Havana falls back at 01:00 -> 00:00 on 2026-11-01: 00:30 twice; the first is -04:00.
    ("America/Havana", "CU", date(2026, 11, 1), datetime(2026, 11, 1, 4, 30, tzinfo=UTC)),
])
def test_a_half_past_midnight_checkin_on_a_midnight_dst_day(zone, country, day, at_utc):
    cfg = config(person(zone, country), checkin=dataclasses.replace(
        sample_team().checkin, days=(day.weekday(),), time=time(0, 30)))
    planned = due(cfg, "checkin", at_utc)["anna@example.com"]
    # Compared in UTC: aware datetimes in a fold never compare equal across zones (PEP 495).
    assert planned.due and planned.due_at.astimezone(UTC) == at_utc
    assert planned.slot.period == day.isoformat()
    before = due(cfg, "checkin", at_utc - timedelta(minutes=2))["anna@example.com"]
    assert before.slot.period != day.isoformat()  # not due a moment earlier


def test_a_time_in_the_gap_moves_on_by_the_gap():
    # Stockholm 2027-03-28: 02:00 -> 03:00; 02:30 is read with +01:00, i.e. 03:30 CEST.
    at = schedule.local_instant(date(2027, 3, 28), time(2, 30), STHLM)
    assert at == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert at.astimezone(STHLM).time() == time(3, 30)


# --------------------------------------------------------------------------- the brief


def test_the_brief_of_a_spring_forward_meeting_comes_before_it_in_absolute_time():
    # Meeting Sunday 2027-03-28 03:15 CEST (01:15 UTC), 30 minutes ahead: 00:45 UTC, which is
    # 01:45 CET on the wall clock (the wall-clock 02:45 does not exist that night).
    meeting = MeetingSchedule(day=6, time=time(3, 15), brief_minutes_before=30)
    cfg = config(meeting=meeting)
    starts = datetime(2027, 3, 28, 1, 15, tzinfo=UTC)
    planned = due(cfg, "brief", starts)["lena@example.com"]
    assert planned.slot.period == "2027-03-28"
    assert planned.due_at == datetime(2027, 3, 28, 0, 45, tzinfo=UTC)
    team = cfg.teams[0]
    assert meeting_time(team, date(2027, 3, 28)) == starts


def test_a_meeting_in_the_gap_starts_an_hour_later_and_its_brief_leads_it():
    meeting = MeetingSchedule(day=6, time=time(2, 30), brief_minutes_before=45)
    cfg = config(meeting=meeting)
    team = cfg.teams[0]
    starts = meeting_time(team, date(2027, 3, 28))
    assert starts == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 03:30 CEST
    planned = due(cfg, "brief", starts)["lena@example.com"]
    # In UTC: subtracting two datetimes of one zone subtracts their wall clocks.
    assert starts - planned.due_at.astimezone(UTC) == timedelta(minutes=45)


# --------------------------------------------------------------------------- holidays


REVIEW_DAY_25 = MonthlySchedule(on=MonthlyRule(day=25, text="day 25"), time=time(10))


@pytest.mark.parametrize(("rule", "holiday", "moved_to"), [
    # Christmas Day (Fri 2026-12-25), Boxing Day (Sat), Sunday: Monday the 28th.
    (MonthlyRule(day=25), date(2026, 12, 25), date(2026, 12, 28)),
    # Easter Monday 2026-04-06 (first Monday of April): Tuesday.
    (MonthlyRule(nth=1, weekday=0), date(2026, 4, 6), date(2026, 4, 7)),
    # Labour Day, Friday 2026-05-01: the next Monday.
    (MonthlyRule(day=1), date(2026, 5, 1), date(2026, 5, 4)),
])
@pytest.mark.parametrize("kind", ["review", "reflection", "feedback"])
def test_a_monthly_prompt_on_a_holiday_moves_to_the_next_working_day(kind, rule, holiday,
                                                                       moved_to):
    cfg = config(**{kind: MonthlySchedule(on=rule, time=time(10)) if kind != "feedback" else
                    dataclasses.replace(sample_team().feedback, on=rule, time=time(10),
                                        months=(holiday.month,))})
    email = "lena@example.com" if kind == "reflection" else "anna@example.com"
    period = schedule.period_of(kind, holiday)
    on_the_holiday = due(cfg, kind, datetime.combine(holiday, time(10, 5), STHLM))[email]
    assert on_the_holiday.slot.period != period  # nothing of this period yet
    assert on_the_holiday.skip_reason is None or not on_the_holiday.skip_reason.startswith("hol")
    moved = due(cfg, kind, datetime.combine(moved_to, time(10, 0), STHLM))[email]
    assert moved.due and moved.slot.period == period
    assert moved.due_at == datetime.combine(moved_to, time(10), STHLM)


def test_the_next_working_day_follows_the_regions_weekend():
    # Israel rests Friday and Saturday: Yom Kippur, Monday 2026-09-21, moves to Tuesday; a
    # holiday on a Thursday would move to Sunday.
    region = workdays.Region("IL")
    assert workdays.next_working_day(region, date(2026, 9, 21)) == date(2026, 9, 22)
    assert workdays.is_working_day(region, date(2026, 9, 27))  # a Sunday
    assert not workdays.is_working_day(region, date(2026, 9, 25))  # a Friday


def test_away_on_the_moved_day_still_skips():
    away = dataclasses.replace(person(), away=(Period(date(2026, 12, 28), date(2026, 12, 31)),))
    cfg = config(away, review=REVIEW_DAY_25)
    planned = due(cfg, "review", datetime(2026, 12, 28, 10, 0, tzinfo=STHLM))["anna@example.com"]
    assert planned.slot.period == "2026-12" and planned.skip_reason == "away"


def test_checkins_on_a_holiday_are_skipped_and_the_digest_never():
    cfg = config()  # check-ins Mon/Wed/Fri 09:00, digest Friday 15:00
    christmas = due(cfg, "checkin", datetime(2026, 12, 25, 9, 0, tzinfo=STHLM))
    assert christmas["anna@example.com"].skip_reason == "holiday: Christmas Day"
    digest = due(cfg, "digest", datetime(2026, 12, 25, 15, 0, tzinfo=STHLM))["lena@example.com"]
    assert digest.due and digest.slot.period == "2026-W52"


@pytest.mark.parametrize(("subdivision", "skipped"), [("SCT", True), ("ENG", False), (None, False)])
def test_regional_holidays_count_for_their_region_only(subdivision, skipped):
    # St Andrew's Day, Monday 2026-11-30, is a bank holiday in Scotland only.
    ben = person("Europe/London", "GB", subdivision, email="ben@example.com")
    planned = due(config(ben), "checkin", datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo(
        "Europe/London")))["ben@example.com"]
    assert (planned.skip_reason == "holiday: Saint Andrew's Day") is skipped
    assert planned.due is not skipped


# --------------------------------------------------------------------------- catch-up


@pytest.mark.parametrize("late", [timedelta(milliseconds=1), timedelta(seconds=59),
                                  schedule.ON_TIME])
def test_catch_up_zero_still_sends_a_prompt_the_service_woke_late_for(late):
    slot = datetime(2026, 11, 30, 9, 0, tzinfo=STHLM)
    planned = due(config(), "checkin", slot + late, catch_up=timedelta(0))["anna@example.com"]
    assert planned.due


def test_catch_up_zero_skips_a_slot_missed_by_more_than_the_margin():
    slot = datetime(2026, 11, 30, 9, 0, tzinfo=STHLM)
    late = schedule.ON_TIME + timedelta(minutes=1)
    planned = due(config(), "checkin", slot + late, catch_up=timedelta(0))["anna@example.com"]
    assert planned.skip_reason == "missed by 3m"


def test_after_a_long_outage_only_the_last_missed_checkin_is_planned():
    # Down from Monday morning to Friday 10:00: Mon, Wed and Fri were due; only Friday is
    # planned (and sent, being within catch_up), the others are not sent in a burst.
    planned = due(config(), "checkin", datetime(2026, 12, 4, 10, 0, tzinfo=STHLM))
    assert [(p.slot.period, p.due) for p in planned.values()] == [("2026-12-04", True)]


# --------------------------------------------------------------------------- a reference


ZONES = ["America/Havana", "Atlantic/Azores", "Africa/Casablanca", "Europe/Stockholm",
         "Australia/Lord_Howe", "America/Santiago", "Asia/Gaza", "Pacific/Chatham",
         "America/St_Johns", "Europe/Dublin"]


def _reference_instant(tz: ZoneInfo, day: date, at: time) -> datetime:
    """The rule by search over UTC offsets only: the first instant whose wall time is ``at``
    on ``day``; in a gap, the wall time read with the offset in force before the gap."""
    wall = datetime.combine(day, at).replace(tzinfo=UTC)
    offsets = {(wall + timedelta(hours=h)).astimezone(tz).utcoffset() for h in range(-30, 31)}
    hits = sorted(wall - o for o in offsets if (wall - o).astimezone(tz).utcoffset() == o)
    if hits:
        return hits[0]
    probe = min(wall - o for o in offsets)  # before the gap: walk to its last minute
    while (probe + timedelta(minutes=1)).astimezone(tz).replace(tzinfo=UTC) < wall:
        probe += timedelta(minutes=1)
    return wall - probe.astimezone(tz).utcoffset()  # type: ignore[operator]


@settings(max_examples=120, deadline=None)
@given(zone=st.sampled_from(ZONES),
       day=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
       minute=st.integers(0, 24 * 60 - 1),
       lead=st.integers(0, 180))
def test_planner_agrees_with_a_brute_force_reference(zone, day, minute, lead):
    tz = ZoneInfo(zone)
    at = time(minute // 60, minute % 60)
    member = person(zone, "SE")
    cfg = config(member, manager=member, checkin=dataclasses.replace(
        sample_team().checkin, days=(day.weekday(),), time=at),
        meeting=MeetingSchedule(day=day.weekday(), time=at, brief_minutes_before=lead))
    starts = _reference_instant(tz, day, at)
    if workdays.holiday_name(workdays.Region("SE"), day) is None:
        checkin = due(cfg, "checkin", starts)["anna@example.com"]
        assert (checkin.slot.period, checkin.due_at.astimezone(UTC), checkin.due) == (
            day.isoformat(), starts, True)
        brief = due(cfg, "brief", starts)["anna@example.com"]
        assert brief.slot.period == day.isoformat()
        assert brief.due_at.astimezone(UTC) == starts - timedelta(minutes=lead)
