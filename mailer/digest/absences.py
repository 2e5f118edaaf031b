"""Who is away: configured leave, pauses (by command or out-of-office) and public holidays. Pure.

The digest and the meeting brief both show the absences of the coming days, so the manager can
plan ("Erik is on leave 21-31 Dec"), and both leave a person on planned leave out of "gone
quiet": silence during leave is expected, not a signal. Holidays come from the ``holidays``
package (pure data, no I/O), named in the reader's language where the package has it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import holidays

from mailer.models import Pause, Person, Team

AbsenceReason = Literal["away", "command", "out_of_office"]

#: The locales the holidays package may name a country's holidays in, per digest language,
#: best first. Finland names its holidays in Swedish as "sv_FI", not "sv" (Finland-Swedish);
#: without one of these the package names them in English (the US's Thanksgiving has no
#: Swedish name there, so a Swedish digest shows it in English).
_HOLIDAY_LANGUAGES = {"sv": ("sv", "sv_FI"), "en": ("en_US",)}


@dataclass(frozen=True)
class Absence:
    """One person away from ``start`` to ``end`` (both included, local dates)."""

    email: str
    name: str
    anchor: str
    start: date
    end: date
    reason: AbsenceReason


@dataclass(frozen=True)
class Holiday:
    """A public holiday in the coming days, and the people whose country keeps it."""

    day: date
    name: str
    names: tuple[str, ...]


def periods(person: Person, pauses: Iterable[Pause]) -> list[tuple[date, date, AbsenceReason]]:
    """Every away period of ``person``: configured leave first, then their pauses."""
    found: list[tuple[date, date, AbsenceReason]] = [
        (p.start, p.end, "away") for p in person.away]
    found += [(p.start, p.until, p.reason) for p in pauses
              if p.email.lower() in person.addresses]
    return found


def away_on(person: Person, pauses: Iterable[Pause], day: date) -> bool:
    """Whether ``person`` is on planned leave or paused on ``day``."""
    return any(start <= day <= end for start, end, _ in periods(person, pauses))


def absences(team: Team, pauses: Sequence[Pause], *, first: date, last: date,
             names: dict[str, str], anchors: dict[str, str]) -> tuple[Absence, ...]:
    """The absences that overlap ``[first, last]``, one per person (the one that lasts
    longest), in team order."""
    result = []
    for person in team.members:
        overlapping = [(start, end, reason)
                       for start, end, reason in periods(person, (p for p in pauses
                                                                  if p.team == team.id))
                       if start <= last and end >= first]
        if not overlapping:
            continue
        start, end, reason = max(overlapping, key=lambda item: (item[1], item[0]))
        result.append(Absence(person.email, names[person.email], anchors.get(person.email, ""),
                              start, end, reason))
    return tuple(result)


@lru_cache(maxsize=256)
def _calendar(country: str, year: int, language: str) -> dict[date, str]:
    try:
        calendar = holidays.country_holidays(country, years=year)
        wanted = next((locale for locale in _HOLIDAY_LANGUAGES.get(language, ())
                       if locale in calendar.supported_languages), None)
        if wanted is not None:
            calendar = holidays.country_holidays(country, years=year, language=wanted)
    except NotImplementedError:  # the package does not know this country: no holidays
        return {}
    return {day: str(name) for day, name in calendar.items()}


def holiday_name(country: str, day: date, language: str) -> str | None:
    """The public holiday of ``country`` on ``day`` in ``language``, or None."""
    return _calendar(country.upper(), day.year, language).get(day)


def coming_holidays(team: Team, *, first: date, last: date, language: str,
                    names: dict[str, str]) -> tuple[Holiday, ...]:
    """The public holidays in ``[first, last]`` of the members' countries, one per day with
    every member it concerns (countries that share a day share a line: "Juldagen / Christmas
    Day"); a member on leave that day is not listed again."""
    found: dict[date, tuple[list[str], list[str]]] = {}
    day = first
    while day <= last:
        for person in team.members:
            name = holiday_name(person.country, day, language)
            if name is not None and not any(day in period for period in person.away):
                holiday, people = found.setdefault(day, ([], []))
                holiday += [] if name in holiday else [name]
                people.append(names[person.email])
        day += timedelta(days=1)
    return tuple(Holiday(day, " / ".join(holiday), tuple(people))
                 for day, (holiday, people) in sorted(found.items()))
