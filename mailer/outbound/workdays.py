"""Public holidays and working days of a person's region. Pure: data from the ``holidays``
package, no clock.

A region is an ISO 3166 country and, optionally, one of the subdivisions the ``holidays``
package knows for it (``GB``/``SCT``, ``AU``/``NSW``, ``US``/``CA``): regional holidays such as
St Andrew's Day count only there. The weekend is the country's own (Friday and Saturday in
Israel, for example); an unknown country has no holidays and a Saturday-Sunday weekend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

from mailer.models import Person

#: A prompt moved off a holiday moves at most this far (then it goes out on that day anyway).
MAX_MOVE = 31


@dataclass(frozen=True)
class Region:
    """Where a person's public holidays come from: an ISO 3166 country and, optionally, the
    subdivision the ``holidays`` package knows (``GB``/``SCT``, ``AU``/``NSW``, ``US``/``CA``)."""

    country: str
    subdivision: str | None = None

    @classmethod
    def of(cls, person: Person) -> Region:
        return cls(person.country.upper(), person.subdivision)


@lru_cache(maxsize=512)
def _holidays(region: Region, year: int) -> holidays.HolidayBase | None:
    try:
        return holidays.country_holidays(region.country, subdiv=region.subdivision, years=year)
    except NotImplementedError:  # the holidays package does not know this country or region
        return None


def holiday_name(region: Region, day: date) -> str | None:
    """The public holiday of ``region`` on ``day``, or None (unknown countries have none)."""
    found = _holidays(region, day.year)
    name = found.get(day) if found is not None else None
    return str(name) if name else None


def is_working_day(region: Region, day: date) -> bool:
    """Not a weekend day of the region (Fri-Sat in some countries) and not a holiday."""
    found = _holidays(region, day.year)
    weekend = found.weekend if found is not None else {5, 6}
    return day.weekday() not in weekend and holiday_name(region, day) is None


def next_working_day(region: Region, day: date) -> date:
    """The first working day after ``day`` (bounded: after a month of holidays, that day)."""
    for ahead in range(1, MAX_MOVE + 1):
        candidate = day + timedelta(days=ahead)
        if is_working_day(region, candidate):
            return candidate
    return day + timedelta(days=MAX_MOVE)
