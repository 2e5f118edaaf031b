"""The calendar: each person's local time across DST (both hemispheres), periods, skips, cron jobs."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.models import MeetingSchedule, Pause
from mailer.outbound import schedule
from mailer.outbound.samples import sample_config, sample_person, sample_team

UTC = UTC
STHLM = ZoneInfo("Europe/Stockholm")
SYDNEY = ZoneInfo("Australia/Sydney")
H3 = timedelta(hours=3)

ANNA = sample_person("Anna Berg", "anna@example.com", timezone="Europe/Stockholm", country="SE",
                     language="sv")
CHLOE = sample_person("Chloe Ng", "chloe@example.com", timezone="Australia/Sydney", country="AU",
                      language="en")
BEN = sample_person("Ben Carter", "ben@example.com", timezone="Europe/London", country="GB",
                    language="en")


def config(*members, **team_options):
    team = sample_team(members=members or (ANNA, CHLOE, BEN), **team_options)
    return sample_config(Path("/nonexistent"), teams=[team])


def due(cfg, kind, now, **kwargs):
    return {p.person.email: p for p in schedule.slots_due(
        cfg, kind, now=now, catch_up=kwargs.pop("catch_up", H3),
        ledger_pauses=kwargs.pop("pauses", ()), **kwargs)}


def spec(cfg, kind, email):
    return next(s for s in schedule.job_specs(cfg) if s.kind == kind and email in s.recipients)


# --------------------------------------------------------------------------- DST


@pytest.mark.parametrize(("now", "local"), [
    # Stockholm springs forward on Sunday 2027-03-28 (Easter weekend): +01:00 before, +02:00 after.
    (datetime(2027, 3, 24, 8, 0, tzinfo=UTC), datetime(2027, 3, 24, 9, 0, tzinfo=STHLM)),
    (datetime(2027, 3, 31, 7, 0, tzinfo=UTC), datetime(2027, 3, 31, 9, 0, tzinfo=STHLM)),
    # ...and falls back on Sunday 2026-10-25: Friday +02:00, Monday +01:00.
    (datetime(2026, 10, 23, 7, 0, tzinfo=UTC), datetime(2026, 10, 23, 9, 0, tzinfo=STHLM)),
    (datetime(2026, 10, 26, 8, 0, tzinfo=UTC), datetime(2026, 10, 26, 9, 0, tzinfo=STHLM)),
])
def test_stockholm_checkin_at_nine_local_across_dst(now, local):
    planned = due(config(ANNA), "checkin", now)["anna@example.com"]
    assert planned.due and planned.due_at == local and planned.due_at.hour == 9
    assert planned.slot.period == local.date().isoformat()
    trigger = spec(config(ANNA), "checkin", "anna@example.com").trigger
    assert trigger.get_next_fire_time(None, now - timedelta(hours=20)) == now


def test_easter_around_the_march_change_is_skipped_at_the_right_local_times():
    # Good Friday 2027-03-26 (+01:00) and Easter Monday 2027-03-29 (+02:00) frame the change.
    friday = due(config(ANNA), "checkin", datetime(2027, 3, 26, 8, 0, tzinfo=UTC))
    monday = due(config(ANNA), "checkin", datetime(2027, 3, 29, 7, 0, tzinfo=UTC))
    assert friday["anna@example.com"].skip_reason == "holiday: Good Friday"
    assert friday["anna@example.com"].due_at == datetime(2027, 3, 26, 9, 0, tzinfo=STHLM)
    assert monday["anna@example.com"].skip_reason == "holiday: Easter Monday"
    assert monday["anna@example.com"].due_at == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)


def test_half_an_hour_before_nine_summer_time_is_not_yet_the_slot():
    # 06:30 UTC on 2027-03-31 is 08:30 local (it would be 07:30 the week before).
    before = due(config(ANNA), "checkin", datetime(2027, 3, 31, 6, 30, tzinfo=UTC))
    assert before["anna@example.com"].slot.period == "2027-03-29"


@pytest.mark.parametrize(("now", "offset_hours"), [
    # Sydney springs forward on 2026-10-04 (the other hemisphere): +10 before, +11 after...
    (datetime(2026, 10, 1, 23, 0, tzinfo=UTC), 10),   # Friday 2 October 09:00 AEST
    (datetime(2026, 10, 4, 22, 0, tzinfo=UTC), 11),   # Monday 5 October 09:00 AEDT
    # ...and falls back on 2027-04-04, a week after Stockholm springs forward.
    (datetime(2027, 3, 30, 22, 0, tzinfo=UTC), 11),   # Wednesday 31 March 09:00 AEDT
    (datetime(2027, 4, 4, 23, 0, tzinfo=UTC), 10),    # Monday 5 April 09:00 AEST
])
def test_sydney_member_at_nine_local_in_the_other_hemisphere(now, offset_hours):
    planned = due(config(CHLOE), "checkin", now)["chloe@example.com"]
    assert planned.due, planned.skip_reason
    assert planned.due_at.hour == 9 and planned.due_at.utcoffset() == timedelta(hours=offset_hours)
    assert spec(config(CHLOE), "checkin", "chloe@example.com").trigger.get_next_fire_time(
        None, now - timedelta(hours=12)) == now


def test_each_member_fires_at_their_own_local_time():
    cfg = config()
    specs = {s.id: s for s in schedule.job_specs(cfg) if s.kind == "checkin"}
    assert set(specs) == {"checkin:platform:Australia/Sydney:09:00",
                          "checkin:platform:Europe/London:09:00",
                          "checkin:platform:Europe/Stockholm:09:00"}
    start = datetime(2027, 3, 28, 12, 0, tzinfo=UTC)  # Sunday, after Stockholm's change
    fires = {s.id.split(":")[2]: s.trigger.get_next_fire_time(None, start) for s in specs.values()}
    assert fires == {"Australia/Sydney": datetime(2027, 3, 28, 22, 0, tzinfo=UTC),
                     "Europe/Stockholm": datetime(2027, 3, 29, 7, 0, tzinfo=UTC),
                     "Europe/London": datetime(2027, 3, 29, 8, 0, tzinfo=UTC)}


@pytest.mark.parametrize(("start", "expected"), [
    (datetime(2027, 3, 2, tzinfo=UTC), datetime(2027, 4, 5, 8, 0, tzinfo=UTC)),    # CEST
    (datetime(2026, 10, 6, tzinfo=UTC), datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),   # CET
])
def test_monthly_review_first_monday_ten_across_dst(start, expected):
    cfg = config(ANNA)
    trigger = spec(cfg, "review", "anna@example.com").trigger
    assert trigger.get_next_fire_time(None, start) == expected
    planned = due(cfg, "review", expected)["anna@example.com"]
    assert planned.due and planned.due_at == expected
    assert planned.due_at.astimezone(STHLM).time() == time(10, 0)
    assert planned.slot.period == f"{expected.year}-{expected.month:02d}"


# --------------------------------------------------------------------------- the two views agree


@settings(max_examples=60, deadline=None)
@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31),
                    timezones=st.just(UTC)))
def test_cron_triggers_and_the_planner_agree(start):
    """Whenever a job fires, the planner finds its recipients' slot due at exactly that time."""
    cfg = config()
    for job in schedule.job_specs(cfg):
        fire = job.trigger.get_next_fire_time(None, start)
        planned = due(cfg, job.kind, fire)
        for email in job.recipients:
            assert planned[email].due_at == fire, (job.id, email)
            assert planned[email].skip_reason is None or not planned[email].skip_reason.startswith(
                "missed")


# --------------------------------------------------------------------------- periods


def test_periods_of_each_kind():
    at = datetime(2026, 11, 30, 9, 0, tzinfo=STHLM)  # a Monday
    assert schedule.period_of("checkin", at) == "2026-11-30"
    assert schedule.period_of("review", at) == "2026-11"
    assert schedule.period_of("reflection", at) == "2026-11"
    assert schedule.period_of("feedback", at) == "2026-Q4"
    assert schedule.period_of("brief", at) == "2026-11-30"
    with pytest.raises(ValueError):
        schedule.period_of("newsletter", at)


@pytest.mark.parametrize(("day", "week"), [
    (date(2026, 11, 27), "2026-W48"),  # Friday: the week so far
    (date(2026, 11, 29), "2026-W48"),  # Sunday
    (date(2026, 11, 30), "2026-W48"),  # Monday: the week that just ended
    (date(2026, 12, 2), "2026-W48"),   # Wednesday
    (date(2026, 12, 3), "2026-W49"),   # Thursday
    (date(2027, 1, 4), "2026-W53"),    # Monday after a 53-week year
])
def test_digest_summarises_the_week_that_ended_or_the_week_so_far(day, week):
    assert schedule.digest_week(day) == week


def test_digest_is_for_the_manager_in_their_zone_on_friday_afternoon():
    cfg = config()
    planned = due(cfg, "digest", datetime(2026, 11, 27, 14, 0, tzinfo=UTC))
    assert list(planned) == ["lena@example.com"]
    assert planned["lena@example.com"].due_at == datetime(2026, 11, 27, 15, 0, tzinfo=STHLM)
    assert planned["lena@example.com"].slot.period == "2026-W48"


def test_brief_goes_before_the_meeting_and_its_period_is_the_meeting_date():
    cfg = config()
    team = dataclasses.replace(cfg.teams[0], meeting=MeetingSchedule(day=0, time=time(0, 15),
                                                                      brief_minutes_before=30))
    cfg = dataclasses.replace(cfg, teams=(team,))
    job = spec(cfg, "brief", "lena@example.com")
    assert job.at == time(23, 45) and job.id == "brief:platform:Europe/Stockholm:23:45"
    fire = job.trigger.get_next_fire_time(None, datetime(2026, 11, 25, tzinfo=UTC))
    assert fire == datetime(2026, 11, 29, 23, 45, tzinfo=STHLM)  # Sunday evening
    assert due(cfg, "brief", fire)["lena@example.com"].slot.period == "2026-11-30"


def test_reflection_goes_to_the_manager_and_feedback_only_in_its_months():
    cfg = config(ANNA)
    reflection = due(cfg, "reflection", datetime(2026, 11, 27, 13, 0, tzinfo=UTC))
    assert list(reflection) == ["lena@example.com"]
    assert reflection["lena@example.com"].due_at == datetime(2026, 11, 27, 14, 0, tzinfo=STHLM)
    feedback = spec(cfg, "feedback", "anna@example.com").trigger
    assert feedback.get_next_fire_time(None, datetime(2026, 10, 1, tzinfo=UTC)) == datetime(
        2026, 12, 1, 13, 0, tzinfo=STHLM)
    assert due(cfg, "feedback", datetime(2026, 12, 1, 12, 0, tzinfo=UTC))[
        "anna@example.com"].slot.period == "2026-Q4"


# --------------------------------------------------------------------------- skips


def test_public_holiday_of_the_members_country_is_skipped():
    # Friday 2026-12-25: Christmas in Sweden and Britain; 2027-01-26: Australia Day (Tuesday).
    planned = due(config(ANNA, BEN), "checkin", datetime(2026, 12, 25, 9, 5, tzinfo=UTC))
    assert planned["anna@example.com"].skip_reason == "holiday: Christmas Day"
    assert planned["ben@example.com"].skip_reason == "holiday: Christmas Day"
    sydney = due(config(CHLOE, checkin_days=(1,)), "checkin",
                 datetime(2027, 1, 25, 22, 1, tzinfo=UTC))
    assert sydney["chloe@example.com"].skip_reason == "holiday: Australia Day"


def test_a_swedish_holiday_is_not_a_british_one():
    # Epiphany (trettondedag jul), Wednesday 2027-01-06, is a public holiday in Sweden only.
    planned = due(config(ANNA, BEN), "checkin", datetime(2027, 1, 6, 9, 5, tzinfo=UTC))
    assert planned["anna@example.com"].skip_reason.startswith("holiday: ")
    assert planned["ben@example.com"].due


def test_away_period_and_pause_are_skipped():
    away = dataclasses.replace(ANNA, away=(schedule_period(date(2026, 11, 30), date(2026, 12, 4)),))
    now = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert due(config(away), "checkin", now)["anna@example.com"].skip_reason == "away"
    pause = Pause("platform", "anna@example.com", date(2026, 12, 1), date(2026, 12, 10),
                  "command", datetime(2026, 11, 30, tzinfo=UTC))
    planned = due(config(ANNA), "checkin", now, pauses=[pause])
    assert planned["anna@example.com"].skip_reason == "paused until 2026-12-10"
    other_team = dataclasses.replace(pause, team="sales")
    assert due(config(ANNA), "checkin", now, pauses=[other_team])["anna@example.com"].due


def schedule_period(start, end):
    from mailer.models import Period

    return Period(start, end)


def test_the_digest_is_never_skipped_for_the_calendar():
    manager = dataclasses.replace(sample_person("Lena Holm", "lena@example.com"),
                                  away=(schedule_period(date(2026, 12, 21), date(2026, 12, 31)),))
    cfg = config(ANNA, manager=manager)
    planned = due(cfg, "digest", datetime(2026, 12, 25, 14, 0, tzinfo=UTC))
    assert planned["lena@example.com"].due


def test_catch_up_window_then_missed():
    cfg = config(ANNA)
    slot = datetime(2026, 11, 30, 9, 0, tzinfo=STHLM)
    assert due(cfg, "checkin", slot + timedelta(hours=2, minutes=59))["anna@example.com"].due
    late = due(cfg, "checkin", slot + timedelta(hours=3, minutes=1))["anna@example.com"]
    assert late.skip_reason == "missed by 3h 1m" and late.slot.period == "2026-11-30"
    later = due(cfg, "checkin", slot + timedelta(days=1, hours=1))["anna@example.com"]
    assert later.skip_reason == "missed by 1d 1h"


def test_a_wake_up_a_little_early_is_still_the_current_slot():
    cfg = config(ANNA)
    slot = datetime(2026, 11, 30, 9, 0, tzinfo=STHLM)
    planned = due(cfg, "checkin", slot - timedelta(milliseconds=3))["anna@example.com"]
    assert planned.due and planned.due_at == slot


def test_filters_by_team_and_member_alias():
    aliased = dataclasses.replace(ANNA, aliases=("anna.berg@home.example",))
    cfg = config(aliased, BEN)
    now = datetime(2026, 11, 30, 8, 1, tzinfo=UTC)
    assert list(due(cfg, "checkin", now, member="Anna.Berg@home.example")) == ["anna@example.com"]
    assert due(cfg, "checkin", now, team="sales") == {}
    with pytest.raises(ValueError):
        due(cfg, "checkin", datetime(2026, 11, 30, 8, 0))


def test_job_ids_are_stable_and_cover_every_kind():
    ids = [s.id for s in schedule.job_specs(config())]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert {i.split(":")[0] for i in ids} == {"checkin", "review", "feedback", "reflection",
                                              "digest", "brief"}
    assert ids == [s.id for s in schedule.job_specs(config())]


# --------------------------------------------------------------------------- the next slot


def upcoming(cfg, kind, now, **kwargs):
    return {p.person.email: p for p in schedule.next_planned(cfg, kind, now=now, **kwargs)}


def test_next_checkin_is_each_persons_next_morning_in_their_own_zone():
    sunday = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    found = upcoming(config(), "checkin", sunday)
    assert found[ANNA.email].due_at == datetime(2026, 12, 7, 9, 0, tzinfo=STHLM)
    assert found[CHLOE.email].due_at == datetime(2026, 12, 7, 9, 0, tzinfo=SYDNEY)
    assert found[BEN.email].due_at == datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    assert {p.slot.period for p in found.values()} == {"2026-12-07"}
    assert all(p.skip_reason is None for p in found.values())


def test_the_slot_due_now_is_not_the_next_one():
    at_nine = datetime(2026, 12, 7, 9, 0, tzinfo=STHLM)
    assert due(config(ANNA), "checkin", at_nine)[ANNA.email].due  # sent by this run
    assert upcoming(config(ANNA), "checkin", at_nine)[ANNA.email].slot.period == "2026-12-09"


def test_next_slot_names_a_calendar_skip_and_the_brief_its_meeting_day():
    christmas_eve = datetime(2026, 12, 24, 12, 0, tzinfo=STHLM)
    assert upcoming(config(ANNA), "checkin", christmas_eve)[ANNA.email].skip_reason == (
        "holiday: Christmas Day")
    brief = schedule.next_planned(config(ANNA), "brief", now=datetime(2026, 12, 6, tzinfo=UTC))
    assert [(p.slot.period, p.due_at) for p in brief] == [
        ("2026-12-07", datetime(2026, 12, 7, 9, 30, tzinfo=STHLM))]
    digest = schedule.next_planned(config(ANNA), "digest", now=datetime(2026, 12, 6, tzinfo=UTC))
    assert [p.slot.period for p in digest] == ["2026-W50"]


@settings(max_examples=60)
@given(minutes=st.integers(min_value=0, max_value=2 * 365 * 24 * 60),
       kind=st.sampled_from(["checkin", "review", "feedback", "reflection", "digest", "brief"]))
def test_next_slot_is_what_slots_due_plans_when_its_time_comes(minutes, kind):
    cfg = config()
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    for plan in schedule.next_planned(cfg, kind, now=now):
        assert plan.due_at > now
        then = due(cfg, kind, plan.due_at)[plan.person.email]
        assert (then.slot, then.due_at, then.skip_reason) == (
            plan.slot, plan.due_at, plan.skip_reason)
