"""The ``[[teams]]`` of the config: manager, members, their away periods, the schedules of
every kind of prompt, and the team's own questions.

Problems come in the order of the example file; an address may name only one member.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from typing import Any

from mailer.config import values
from mailer.config.questions import parse_questions
from mailer.config.reader import Invalid, Reader, has_control, show
from mailer.kinds import ANSWERED_KINDS
from mailer.models import (
    MIN_RESPONDENTS,
    CheckinSchedule,
    FeedbackSchedule,
    MeetingSchedule,
    MonthlyRule,
    MonthlySchedule,
    Period,
    Person,
    Question,
    ServiceSettings,
    Team,
    WeeklySchedule,
)

TEAM_KEYS = ("id", "name", "display_name", "manager", "members", "availability", "checkin",
             "review", "feedback", "reflection", "digest", "meeting", "confirmations",
             "questions")
MANAGER_KEYS = ("id", "name", "email", "timezone", "language", "country", "away", "aliases")
MEMBER_KEYS = (*MANAGER_KEYS, "goals")


def parse_teams(root: Reader, service: ServiceSettings) -> tuple[Team, ...]:
    readers = root.tables("teams", TEAM_KEYS, required=True,
                          expect="at least one [[teams]] table with name, manager and members")
    teams = tuple(_team(r, service) for r in readers)
    seen: dict[str, str] = {}
    ids: dict[str, str] = {}
    for r, team in zip(readers, teams, strict=True):
        same_name = bool(team.name and team.name in seen)
        if same_name:
            r.add("name", f'team name "{team.name}" is already used by {seen[team.name]}; '
                          "team names must be unique")
        seen.setdefault(team.name, r.path)
        if team.id and team.id in ids and not (same_name and team.id == team.name):
            r.add("id", f'team id "{team.id}" is already used by {ids[team.id]}; each team '
                        "needs its own (it names the team's history)")
        ids.setdefault(team.id, r.path)
    return teams


def _team(r: Reader, service: ServiceSettings) -> Team:
    """One ``[[teams]]`` table; problems come in the order of the example file."""
    name = r.value("name", values.slug, "", required=True,
                   expect='a short slug of lowercase letters, digits and "-", e.g. "platform"')
    return Team(
        # The id names the team's history (slot keys, ledger rows, record folders): keep it
        # when renaming the team, and nothing is sent twice or filed apart.
        id=r.value("id", values.slug, name, expect='the team\'s first name, e.g. "platform"'),
        name=name,
        display_name=r.text("display_name", "a display name such as \"Platform team\"", name),
        manager=_manager(r, service),
        availability=r.text("availability", 'a line such as "Tue and Thu 13-15, else mail"'),
        checkin=_checkin(r.table("checkin", ("days", "time"), _CHECKIN_EXAMPLE)),
        review=_monthly(r.table("review", ("on", "time", "months"), _MONTHLY_EXAMPLE)),
        feedback=_feedback(r.table("feedback", ("on", "time", "months", "min_respondents"),
                                   _MONTHLY_EXAMPLE)),
        reflection=_monthly(r.table("reflection", ("on", "time", "months"), _MONTHLY_EXAMPLE)),
        digest=_weekly(r.table("digest", ("day", "time"), _WEEKLY_EXAMPLE)),
        meeting=_meeting(r.table("meeting", ("day", "time", "brief_minutes_before"),
                                 _WEEKLY_EXAMPLE)),
        confirmations=r.flag("confirmations", True),
        questions=_questions(r.table("questions", ANSWERED_KINDS,
                                     "a table of question lists per kind")),
        members=_members(r, service),
    )


def _manager(r: Reader, service: ServiceSettings) -> Person:
    found = r.table("manager", MANAGER_KEYS, "a table { name = ..., email = ... }")
    if found is None and "manager" not in r.data:
        r.add("manager", 'missing; expected { name = "Maria Lind", email = "maria@example.com" }')
    return _person(found or Reader({}, "", [], ()), service)


def _members(r: Reader, service: ServiceSettings) -> tuple[Person, ...]:
    readers = r.tables("members", MEMBER_KEYS, required=True,
                       expect="at least one [[teams.members]] table with name and email")
    members = tuple(_person(m, service) for m in readers)
    _check_duplicates(readers, members)
    return members


_CHECKIN_EXAMPLE = 'a table such as { days = ["mon", "wed", "fri"], time = "09:00" }'
_MONTHLY_EXAMPLE = 'a table such as { on = "first monday", time = "10:00" }'
_WEEKLY_EXAMPLE = 'a table such as { day = "fri", time = "15:00" }'


def _person(r: Reader, service: ServiceSettings) -> Person:
    email = r.value("email", values.email, "", required=True,
                    expect='an email address, e.g. "anna@example.com"')
    return Person(
        # The id names the person's history (slot keys, records): keep the old address here
        # when the email changes, and nothing is sent twice or filed apart.
        id=r.text("id", 'the person\'s first address, e.g. "anna@example.com"', email).lower(),
        name=r.text("name", 'the person\'s name, e.g. "Anna Berg"', required=True),
        email=email,
        timezone=r.value("timezone", values.time_zone, service.timezone),
        language=r.value("language", values.language, service.language),
        country=r.value("country", values.country, "SE"),
        goals=r.value("goals", values.strings, ()),
        away=tuple(_period(a) for a in r.tables(
            "away", ("from", "to"), 'a list of periods such as [{ from = "2026-12-21", '
                                    'to = "2027-01-06" }]')),
        aliases=r.value("aliases", values.emails, ()),
    )


def _period(r: Reader) -> Period:
    expect = 'a date "YYYY-MM-DD" (both ends are included)'
    start = r.value("from", values.day, date.min, required=True, expect=expect)
    end = r.value("to", values.day, date.max, required=True, expect=expect)
    if start > end:
        r.add("to", f"{end} is before from ({start}); expected the last day away, on or after "
                    "the first")
    return Period(start, end)


def _check_duplicates(readers: Sequence[Reader], members: Sequence[Person]) -> None:
    """Every address (email and aliases) names one member of the team."""
    owner: dict[str, str] = {}
    for r, person in zip(readers, members, strict=True):
        named = [("email", person.email), *(("aliases", a) for a in person.aliases)]
        if person.id != person.email:
            named.append(("id", person.id))
        for key, address in named:
            if address and address in owner and owner[address] != r.path:
                r.add(key, f'"{address}" is already used by {owner[address]}; each member needs '
                           "their own address")
            owner.setdefault(address, r.path)


def _checkin(r: Reader | None) -> CheckinSchedule | None:
    if r is None:
        return None
    days: tuple[int, ...] = r.value(
        "days", values.weekdays, (0,), required=True,
        expect='a list of weekdays such as ["mon", "wed", "fri"]')
    return CheckinSchedule(days=days, time=r.value("time", values.clock, time(9), required=True,
                                                  expect=values.EXPECT_TIME))


def _monthly(r: Reader | None) -> MonthlySchedule | None:
    if r is None:
        return None
    return MonthlySchedule(
        on=r.value("on", values.monthly_rule, MonthlyRule(day=1), required=True,
                   expect=values.EXPECT_ON),
        time=r.value("time", values.clock, time(10), required=True, expect=values.EXPECT_TIME),
        months=r.value("months", values.months, tuple(range(1, 13))),
    )


def _feedback(r: Reader | None) -> FeedbackSchedule | None:
    if r is None:
        return None
    return FeedbackSchedule(
        on=r.value("on", values.monthly_rule, MonthlyRule(day=1), required=True,
                   expect=values.EXPECT_ON),
        time=r.value("time", values.clock, time(10), required=True, expect=values.EXPECT_TIME),
        months=r.value("months", values.quarterly, (3, 6, 9, 12)),
        min_respondents=r.value("min_respondents", _min_respondents, MIN_RESPONDENTS),
    )


def _min_respondents(raw: Any) -> int:
    """With 2 answers each of the two can work out the other's; 5 is Officevibe's rule."""
    if isinstance(raw, bool) or not isinstance(raw, int) or not 3 <= raw <= 1000:
        raise Invalid(f"expected a whole number from 3 to 1000 (default {MIN_RESPONDENTS}), got "
                      f"{show(raw)}: with fewer than 3 answers, each person who answered can "
                      "work out what the others wrote")
    return raw


def _weekly(r: Reader | None) -> WeeklySchedule | None:
    if r is None:
        return None
    return WeeklySchedule(
        day=r.value("day", values.weekday, 4, required=True, expect=values.EXPECT_DAY),
        time=r.value("time", values.clock, time(15), required=True, expect=values.EXPECT_TIME),
    )


def _meeting(r: Reader | None) -> MeetingSchedule | None:
    if r is None:
        return None
    return MeetingSchedule(
        day=r.value("day", values.weekday, 1, required=True, expect=values.EXPECT_DAY),
        time=r.value("time", values.clock, time(10), required=True, expect=values.EXPECT_TIME),
        brief_minutes_before=r.integer("brief_minutes_before", 30, 1, 1440),
    )


def _questions(r: Reader | None) -> dict[str, tuple[Question, ...]]:
    if r is None:
        return {}
    result: dict[str, tuple[Question, ...]] = {}
    for kind in ANSWERED_KINDS:
        if kind in r.data and not has_control(r.data[kind]):
            questions, problems = parse_questions(r.data[kind], where=r.at(kind))
            r.problems.extend(problems)
            if questions:
                result[kind] = questions
    return result
