"""The time a reply command names, read the way people write it. Pure.

A command's time is one of a few shapes, in Swedish or English: nothing ("skip"), the current
check-in ("this week", "den här veckan", "today", "this one"), a length ("2 weeks", "i två
veckor"), a last day ("until 4 January", "till och med fredag", "until after the 20th"), a range
("from Dec 21 to Jan 3", "v. 51-52", "14–23 december": the month said once), a length from a
start ("två veckor från och med måndag"), one day, week or month ("tomorrow", "on Friday",
"nästa vecka", "hela januari"), or no end ("for now", "tills vidare", "from Monday" alone).
:func:`read_when` reads the whole text as one of them, or nothing: "until the migration is
done" is no date. A day is a calendar date (:func:`mailer.parse.return_dates.first_date`'s forms
and year rule, maybe after its weekday: "fre 18/12"), a day of the month ("the 14th"), the next
weekday of that name or a relative day ("i morgon"); the words are
:mod:`mailer.parse.time_words`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from mailer.parse.return_dates import WEEKDAYS, first_date
from mailer.parse.time_words import (
    BETWEEN,
    CALENDAR,
    COUNTS,
    DAY_OF_MONTH,
    DAYS_OF_A_MONTH,
    DOTTED_DATE_END,
    END_OF,
    FOR,
    FROM,
    LENGTH,
    MONTH_NUMBERS,
    MONTH_OF_DAYS,
    NEXT_WEEK,
    ON,
    OPEN,
    RELATIVE_DAYS,
    REST_OF,
    SOME_LENGTH,
    THE_DAY,
    THIS_ONE,
    THIS_WEEK,
    TO,
    UNIT_DAYS,
    UNTIL,
    UNTIL_AFTER,
    WEEK_NUMBERS,
    WEEKDAY,
    WHOLE_MONTH,
    YEAR_END,
)

_MAX = 80  # longer is a sentence, not a time


@dataclass(frozen=True)
class When:
    """What a time expression names. Empty (all defaults): no time at all."""

    start: date | None = None  # the first day, when one is named
    until: date | None = None  # the last day, when one is named
    days: int | None = None  # a length, counted from ``start`` (or today)
    current: bool = False  # the current check-in ("this week", "today", "this one")
    open: bool = False  # no end ("for now", "from Monday" alone)
    #: A calendar date alone, with no word for what it is ("pause 4 januari": until then, or
    #: that day?); "on 4 January", "tomorrow", "until 4 January" say it.
    bare: bool = False

    def last_day(self, today: date) -> date | None:
        """The last day it covers, or None when it names none."""
        if self.days is not None:
            return (self.start or today) + timedelta(days=self.days - 1)
        return self.until


NOTHING = When()


def read_when(text: str, *, today: date) -> When | None:
    """What ``text`` (lowercase, whitespace folded) names as a whole, or None when it is not
    only a time. See the module docstring for the shapes."""
    text = _trimmed(text)
    if not text:
        return NOTHING
    if len(text) > _MAX:
        return None
    return _plain(text, today) or _from_start(text, today) or _to_end(text, today)



def _trimmed(text: str) -> str:
    """``text`` without the spaces, commas and full stops around it, except the one that ends
    a dotted date ("7.1.")."""
    text = text.strip(" ,")
    return text if DOTTED_DATE_END.search(text) else text.strip(" ,.")




def says_when(text: str) -> bool:
    """Whether ``text`` tries to name a time that :func:`read_when` cannot read: "until 31
    February", "till igår kväll", "3 hours", "from the day after the release"."""
    return bool(UNTIL.match(text) or FROM.match(text) or SOME_LENGTH.fullmatch(text))


def _plain(text: str, today: date) -> When | None:
    """A time without a start and an end word: the current check-in, a length, an open end,
    or one day or week."""
    if THIS_WEEK.fullmatch(text):
        return When(start=today, until=today + timedelta(days=6 - today.weekday()),
                    current=True)
    if OPEN.fullmatch(text):
        return When(open=True)
    if THIS_ONE.fullmatch(text):
        return When(current=True)
    length = _length(text)
    if length is not None:
        return When(days=length)
    span = period(text, today=today) or _month(text, today)
    if span is None and REST_OF.fullmatch(text):  # "resten av året", "the rest of the month"
        end = _end_of(text.rsplit(" ", 1)[1], today)
        span = (today, end) if end is not None else None
    if span is None:
        return None
    bare = bool(CALENDAR.fullmatch(text) or DAY_OF_MONTH.fullmatch(text))
    return When(start=span[0], until=span[1], current=span == (today, today), bare=bare)



def _month(text: str, today: date) -> tuple[date, date] | None:
    """(first, last day) of the month ``text`` names as a whole: this one from today, or the
    next one of that name."""
    found = WHOLE_MONTH.fullmatch(text)
    if found is None:
        return None
    month = MONTH_NUMBERS[found["month"]]
    year = today.year + (month < today.month)
    first = today if (year, month) == (today.year, today.month) else date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)




def _end_of(text: str, today: date) -> date | None:
    """The last day of this month or year, as "the end of the month", "slutet av året",
    "årsskiftet" (until the new year: its eve is the last day away) name it."""
    found = END_OF.fullmatch(text)
    what = found["what"] if found else text
    if what in YEAR_END:
        return date(today.year, 12, 31)
    if what in ("month", "månaden"):
        following = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        return following - timedelta(days=1)
    named = _month(f"hela {what}", today) if found else None  # "the end of January"
    return named[1] if named else None


def _from_start(text: str, today: date) -> When | None:
    """"två veckor från och med måndag", "from Monday for 2 weeks", "from Dec 21 to Jan 3",
    "from Monday" alone (no end)."""
    for found in FROM.finditer(text):
        before, after = text[:found.start()].strip(), text[found.end():].strip()
        if before:  # a length, then its start
            length, start = _length(before), period(after, today=today)
            if length is not None and start is not None:
                return When(start=start[0], days=length)
            continue
        start = period(after, today=today)
        if start is not None:
            return When(start=start[0], open=True)
        return _start_and_length(after, today) or _range(after, today)
    return None


def _start_and_length(text: str, today: date) -> When | None:
    """"monday for two weeks", "måndag i två veckor": a start, then a length."""
    for found in FOR.finditer(text):
        start, length = period(text[:found.start()], today=today), _length(
            text[found.end():])
        if start is not None and length is not None:
            return When(start=start[0], days=length)
    return None


def _to_end(text: str, today: date) -> When | None:
    """"until 4 January", "until after the 20th", "dec 21 - jan 3", "between the 21st and the
    3rd"."""
    after = UNTIL_AFTER.match(text)
    if after is not None:  # away up to and including the day or the week named
        named = period(text[after.end():], today=today)
        return When(until=named[1]) if named is not None else None
    until = UNTIL.match(text)
    if until is not None:
        rest = text[until.end():]
        last = period(rest, today=today)
        if last is not None and last[0] == last[1]:
            return When(until=last[1])
        end = _end_of(rest, today)  # "till slutet av månaden", "until the end of the year"
        return When(until=end) if end is not None else None
    between = BETWEEN.match(text)
    return _range(text[between.end():], today, True) if between else _range(text, today)



def _days_of_a_month(text: str, today: date, between: bool) -> When | None:
    """"14–23 december": the first day is in the month (and year) of the last, or there is no
    range ("28–3 januari" crosses a month it does not name; "14 and 23 December" are two days
    unless "between" says otherwise)."""
    found = DAYS_OF_A_MONTH.fullmatch(text)
    if found is not None:
        last = period(found["last"], today=today)
    else:
        found = MONTH_OF_DAYS.fullmatch(text)
        if found is None:
            return None
        last = period(f"{found['month']} {found['b']}{found['year']}", today=today)
    if last is None or int(found["a"]) >= last[1].day or (
            found["to"].strip() in ("and", "och") and not between):
        return None
    return When(start=last[1].replace(day=int(found["a"])), until=last[1])


def _range(text: str, today: date, between: bool = False) -> When | None:
    if text[:1].isdigit() or text[:1] in "tdjfmasond":  # a day, "the", "den" or a month first
        shared = _days_of_a_month(text, today, between)
        if shared is not None:
            return shared
    for found in TO.finditer(text):
        first = period(text[:found.start()], today=today)
        last = period(text[found.end():], today=today)
        if first is not None and last is not None:
            return When(start=first[0], until=last[1])
    return None


def _length(text: str) -> int | None:
    found = LENGTH.fullmatch(text)
    if found is None:
        return None
    count = COUNTS.get(found["n"]) or int(found["n"])
    return count * UNIT_DAYS[found["unit"]] if count else None


def period(text: str, *, today: date) -> tuple[date, date] | None:
    """(first, last day) of one day or week ``text`` names as a whole: "tomorrow", "on
    Friday", "4 januari", "next week", "v. 52"; None for anything else."""
    text = _trimmed(text)
    if NEXT_WEEK.fullmatch(text):
        monday = today + timedelta(days=7 - today.weekday())
        return monday, monday + timedelta(days=6)
    weeks = WEEK_NUMBERS.fullmatch(text)
    if weeks is not None:
        return iso_weeks(int(weeks["a"]), int(weeks["b"] or weeks["a"]), today=today)
    day = one_day(text, today=today)
    return (day, day) if day is not None else None


def one_day(text: str, *, today: date) -> date | None:
    """The day ``text`` names as a whole, or None."""
    if text in RELATIVE_DAYS:
        return today + timedelta(days=RELATIVE_DAYS[text])
    the_day = THE_DAY.fullmatch(text)
    if the_day is not None:
        return day_of_month(int(the_day["day"]), today=today)
    on = ON.match(text)
    if on is not None:  # "on Friday", "the 14th", "den 4 januari"
        return one_day(text[on.end():], today=today)
    weekday = WEEKDAY.fullmatch(text)
    if weekday is not None:
        return today + timedelta(days=(WEEKDAYS[weekday["w"]] - today.weekday() - 1) % 7 + 1)
    if CALENDAR.fullmatch(text):
        return first_date(text, today=today)
    found = DAY_OF_MONTH.fullmatch(text)
    return day_of_month(int(found["day"]), today=today) if found else None


def day_of_month(day: int, *, today: date) -> date | None:
    """The next date with that day of the month ("the 14th", "den 14:e"), today included."""
    year, month = today.year, today.month
    for _ in range(3):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def iso_weeks(first: int, last: int, *, today: date) -> tuple[date, date] | None:
    """(Monday of ``first``, Sunday of ``last``): this year's ISO weeks, or next year's when
    they are already over."""
    if last < first:
        return None
    year = today.year
    try:
        if date.fromisocalendar(year, last, 7) < today:
            year += 1
        return date.fromisocalendar(year, first, 1), date.fromisocalendar(year, last, 7)
    except ValueError:  # week 53 in a year that has none, or week 0
        return None
