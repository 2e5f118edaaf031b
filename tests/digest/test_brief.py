"""The meeting brief: obstacles since the last meeting, quiet people, away, the social opener."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta

import pytest

from mailer.digest.brief import OPENERS, build_brief, meeting_time, opener_for
from mailer.models import Pause, Period
from tests.digest.test_digest import ANNA, ERIK, LENA, TEAM, TZ, answer, prompt, record

MEETING = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)  # Tuesday
NOW = MEETING - timedelta(minutes=30)


def brief(records=(), prompts=(), pauses=(), *, language="en", now=NOW, since=None):
    return build_brief(TEAM, records, prompts, pauses, meeting_at=MEETING, now=now,
                       language=language, since=since)


def day(n: int, hour: int = 9) -> datetime:
    return datetime.combine(date(2026, 11, 24) + timedelta(days=n), time(hour), TZ)


def test_obstacles_since_the_last_meeting_newest_first_each_once():
    records = [
        record(ANNA, day(-1), obstacles="Before the last meeting"),
        record(ANNA, day(1), obstacles="Waiting for access to staging"),
        record(ANNA, day(3), obstacles="Still waiting for staging access"),
        record(ERIK, day(2), obstacles="Inga hinder"),
        record(LENA, day(4), obstacles="Oklara prioriteringar"),
        record(LENA, day(6, 11), obstacles="After the brief went out"),
    ]
    b = brief(records, now=day(6, 10))
    assert [(o.name, o.quote.text, o.times) for o in b.obstacles] == [
        ("Anna", "Still waiting for staging access", 2),
        ("Lena", "Oklara prioriteringar", 1)]
    assert b.since == MEETING - timedelta(days=7)


def test_no_obstacles_is_an_empty_list():
    assert brief([record(ANNA, day(2), obstacles="None")]).obstacles == ()


def test_people_quiet_lately_are_invited_to_speak_but_not_those_away():
    prompts = [prompt(p, day(d)) for p in (ANNA, ERIK, LENA) for d in (-7, 0)]
    replies = [answer(p, p.due_at + timedelta(hours=1), mood=4) for p in prompts
               if p.slot.email == LENA.email or (p.slot.email == ERIK.email and p.due_at < day(0))]
    pause = Pause("core", ANNA.email, date(2026, 11, 30), date(2026, 12, 3), "out_of_office",
                  day(5))
    b = brief(replies, prompts, [pause])
    assert b.quiet == ()  # Erik answered one of his last two, Anna is away
    assert [(a.name, a.end, a.reason) for a in b.absences] == [
        ("Anna", date(2026, 12, 3), "out_of_office")]
    (quiet,) = brief(replies, prompts).quiet
    assert (quiet.name, quiet.dates) == ("Anna", (date(2026, 11, 17), date(2026, 11, 24)))


def test_planned_leave_and_holidays_of_the_meeting_week_show_in_the_brief():
    erik = dataclasses.replace(ERIK, away=(Period(date(2026, 12, 21), date(2026, 12, 31)),))
    team = dataclasses.replace(TEAM, members=(ANNA, erik, LENA))
    meeting = datetime(2026, 12, 22, 10, tzinfo=TZ)
    prompts = [prompt(erik, datetime(2026, 12, d, 9, tzinfo=TZ)) for d in (14, 16, 18)]
    b = build_brief(team, (), prompts, (), meeting_at=meeting, now=meeting, language="sv")
    assert [(a.name, a.reason, a.start, a.end) for a in b.absences] == [
        ("Erik", "away", date(2026, 12, 21), date(2026, 12, 31))]
    assert [(h.name, h.names) for h in b.holidays] == [
        ("Juldagen", ("Anna", "Lena")), ("Annandag jul", ("Anna", "Lena"))]
    assert b.quiet == ()  # on leave: not "quiet", even with two unanswered check-ins


def test_the_opener_rotates_by_date_and_exists_in_both_languages():
    assert all(set(o) == {"en", "sv"} and o["en"] and o["sv"] for o in OPENERS)
    assert len({o["sv"] for o in OPENERS}) == len(OPENERS)
    index, text = opener_for(MEETING.date(), "sv")
    assert brief(language="sv").opener == text and brief().opener == OPENERS[index]["en"]
    week = {opener_for(MEETING.date() + timedelta(days=7 * n), "en")[0] for n in range(12)}
    assert len(week) == len(OPENERS)  # a weekly meeting gets every opener in turn


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_same_day_gets_the_same_opener(language):
    assert brief(language=language) == brief(language=language)


def test_meeting_time_is_the_configured_time_in_the_managers_zone():
    assert meeting_time(TEAM, date(2026, 12, 1)) == MEETING
