"""Sample people, teams and template contexts: what ``mailer check`` renders every kind against.

The member and reflection contexts are here; :data:`mailer.service.check.SAMPLES` adds the digest,
brief and receipt ones. The builders (:func:`sample_person`, :func:`sample_team`,
:func:`sample_config`) also serve previews, tests and the benchmark. Pure: fixed dates, no clock, no
I/O beyond reading the default questions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from mailer.config.questions import load_default_questions, questions_for
from mailer.models import (
    CheckinSchedule,
    Config,
    FeedbackSchedule,
    ImapSettings,
    Language,
    MeetingSchedule,
    MonthlyRule,
    MonthlySchedule,
    Period,
    Person,
    ServiceSettings,
    SmtpSettings,
    Team,
    WeeklySchedule,
)
from mailer.models import language as as_language
from mailer.outbound.compose import prompt_context
from mailer.outbound.schedule import period_of

#: A Monday morning: the sample send time of every prompt.
SAMPLE_AT = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
SAMPLE_GOALS = ("Ship the billing migration", "Pair with a new colleague every week")


# --------------------------------------------------------------------------- builders


def sample_person(
    name: str = "Anna Berg",
    email: str = "anna@example.com",
    *,
    timezone: str = "Europe/Stockholm",
    language: Language = "sv",
    country: str = "SE",
    goals: Sequence[str] = (),
    away: Sequence[tuple[date, date]] = (),
) -> Person:
    return Person(name=name, email=email.lower(), timezone=ZoneInfo(timezone), language=language,
                  country=country, goals=tuple(goals),
                  away=tuple(Period(start, end) for start, end in away))


def sample_team(
    name: str = "platform",
    *,
    members: Sequence[Person] | None = None,
    manager: Person | None = None,
    checkin_days: Sequence[int] = (0, 2, 4),
    checkin_at: time = time(9, 0),
    availability: str = "Lena is free for a call Tuesdays 13-15, or ask any time.",
) -> Team:
    """A team with every kind scheduled: check-ins Mon/Wed/Fri 09:00, review first Monday 10:00,
    feedback first Tuesday of each quarter's last month, reflection last Friday 14:00, digest
    Friday 15:00, meeting Monday 10:00 (brief 30 minutes before)."""
    if members is None:
        members = (
            sample_person(goals=SAMPLE_GOALS),
            sample_person("Ben Carter", "ben@example.com", timezone="Europe/London",
                          language="en", country="GB"),
            sample_person("Chloe Ng", "chloe@example.com", timezone="Australia/Sydney",
                          language="en", country="AU", goals=("Write the on-call guide",)),
        )
    return Team(
        name=name, display_name=name.replace("-", " ").title(),
        manager=manager or sample_person("Lena Holm", "lena@example.com"),
        members=tuple(members), availability=availability,
        checkin=CheckinSchedule(days=tuple(checkin_days), time=checkin_at),
        review=MonthlySchedule(on=MonthlyRule(nth=1, weekday=0, text="first monday"),
                               time=time(10)),
        feedback=FeedbackSchedule(on=MonthlyRule(nth=1, weekday=1, text="first tuesday"),
                                  time=time(13), months=(3, 6, 9, 12)),
        reflection=MonthlySchedule(on=MonthlyRule(nth=-1, weekday=4, text="last friday"),
                                   time=time(14)),
        digest=WeeklySchedule(day=4, time=time(15)),
        meeting=MeetingSchedule(day=0, time=time(10), brief_minutes_before=30),
    )


def sample_config(
    data_dir: Path,
    *,
    teams: Sequence[Team] | None = None,
    smtp: SmtpSettings | None = None,
    catch_up: timedelta = timedelta(hours=3),
    templates_dir: Path | None = None,
) -> Config:
    """A complete config around ``teams`` (default: one :func:`sample_team`)."""
    smtp = smtp or SmtpSettings(host="127.0.0.1", port=2525, security="none", username=None,
                                password_env=None, from_address="checkin@example.com",
                                from_name="Team check-in")
    imap = ImapSettings(host="127.0.0.1", port=1143, security="none",
                        username="checkin@example.com", password_env="MAILER_IMAP_PASSWORD")
    service = ServiceSettings(data_dir=data_dir, timezone=ZoneInfo("Europe/Stockholm"),
                              language="sv", templates_dir=templates_dir, catch_up=catch_up)
    return Config(service=service, smtp=smtp, imap=imap,
                  teams=tuple(teams) if teams is not None else (sample_team(),))


# --------------------------------------------------------------------------- sample contexts


def _as(person: Person, language: str) -> Person:
    return dataclasses.replace(person, language=as_language(language))


def _member(team: Team, language: str) -> Person:
    person = team.members[0] if team.members else sample_person()
    return _as(dataclasses.replace(person, goals=person.goals or SAMPLE_GOALS), language)


def _context(kind: str, config: Config, team: Team, person: Person,
             previous: dict[str, Any] | None = None) -> dict[str, Any]:
    questions = questions_for(team, kind, load_default_questions(config.service.templates_dir))
    due_at = SAMPLE_AT.astimezone(person.timezone)
    return prompt_context(kind, team=team, person=person, questions=questions, due_at=due_at,
                          period=period_of(kind, due_at), previous=previous,
                          previous_period="2026-11" if previous else None)


def checkin_context(config: Config, team: Team, language: str) -> dict[str, Any]:
    return _context("checkin", config, team, _member(team, language))


def review_context(config: Config, team: Team, language: str) -> dict[str, Any]:
    previous = {"next_month": "Finish the billing migration.\nHand over the on-call rota."}
    return _context("review", config, team, _member(team, language), previous)


def feedback_context(config: Config, team: Team, language: str) -> dict[str, Any]:
    return _context("feedback", config, team, _member(team, language))


def reflection_context(config: Config, team: Team, language: str) -> dict[str, Any]:
    previous = {"strengthen": "Give feedback the same day.", "involve": "Ask in Monday's meeting."}
    return _context("reflection", config, team, _as(team.manager, language), previous)
