"""The day an out-of-office says its sender is back, and the dates people write. Pure.

:func:`find_return_date` reads Swedish or English text ("back on 7 January", "tillbaka den 7
januari", "åter 2027-01-07", "back on the fourth of January", "tillbaka måndag vecka 1");
:func:`first_date` is the first date of any form in a text (commands read their dates with
it). "Today" is passed in: a date without a year is the next one from today.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta


def alternatives(words: Iterable[str]) -> str:
    """``words`` as a regex alternation, the longest first: a word is never cut short by
    another that starts it ("mars" before "mar")."""
    return "|".join(sorted(words, key=len, reverse=True))


MONTHS = {
    "january": 1, "januari": 1, "jan": 1, "february": 2, "februari": 2, "feb": 2,
    "march": 3, "mars": 3, "mar": 3, "april": 4, "apr": 4, "may": 5, "maj": 5,
    "june": 6, "juni": 6, "jun": 6, "july": 7, "juli": 7, "jul": 7,
    "august": 8, "augusti": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oktober": 10, "oct": 10, "okt": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
WEEKDAYS = {
    "monday": 0, "måndag": 0, "tuesday": 1, "tisdag": 1, "wednesday": 2, "onsdag": 2,
    "thursday": 3, "torsdag": 3, "friday": 4, "fredag": 4, "saturday": 5, "lördag": 5,
    "sunday": 6, "söndag": 6,
}
_MONTH = "(?P<month>" + alternatives(MONTHS) + r")\.?"
_YEAR = r"(?:,?\s+(?P<year>20\d\d))?"
_ORD = r"(?::?e|:?a|st|nd|rd|th)?"
_WEEKDAY_RE = "(?P<weekday>" + alternatives(WEEKDAYS) + r")\b"
_WEEKDAY_LEAD = ("on", "på", "nästa", "next")


def _first_letter_of(*words: str) -> str:
    """A lookahead for the first letters of ``words``: under IGNORECASE, sre tries every
    alternative of an alternation at each word start (no prefix scan for cased letters);
    one character-set test first rules out most positions. It accepts what the first
    letter of an alternative accepts (tests/parse/test_classify.py checks every code point)."""
    return "(?=[" + re.escape("".join(sorted({word[0] for word in words}))) + "])"


# Days of the month written as ordinal words: "the fourth of January", "January fourth", "den
# fjärde januari", "twenty-first", "tjugoförsta".
_ORDINAL_UNITS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "första": 1, "andra": 2, "tredje": 3, "fjärde": 4, "femte": 5,
    "sjätte": 6, "sjunde": 7, "åttonde": 8, "nionde": 9,
}
_ORDINAL_TEENS = {
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30, "tionde": 10, "elfte": 11, "tolfte": 12, "trettonde": 13,
    "fjortonde": 14, "femtonde": 15, "sextonde": 16, "sjuttonde": 17, "artonde": 18,
    "nittonde": 19, "tjugonde": 20, "trettionde": 30,
}
_ORDINAL_TENS = {"twenty": 20, "thirty": 30, "tjugo": 20, "trettio": 30}


def ordinal_day(word: str) -> int | None:
    """The day an ordinal word names ("fourth" 4, "twenty-first" 21, "tjugoförsta" 21)."""
    word = "".join(word.lower().replace("-", " ").split())
    if word in _ORDINAL_UNITS or word in _ORDINAL_TEENS:
        return _ORDINAL_UNITS.get(word) or _ORDINAL_TEENS[word]
    for tens, value in _ORDINAL_TENS.items():
        if word.startswith(tens) and word[len(tens):] in _ORDINAL_UNITS:
            return value + _ORDINAL_UNITS[word[len(tens):]]
    return None


ORDINAL_WORD = (
    _first_letter_of(*_ORDINAL_UNITS, *_ORDINAL_TEENS, *_ORDINAL_TENS)
    + "(?:(?:" + alternatives(_ORDINAL_TENS) + r")[-\s]?(?:" + alternatives(_ORDINAL_UNITS)
    + ")|" + alternatives([*_ORDINAL_TEENS, *_ORDINAL_UNITS]) + r")\b")
# "Week 1", "v. 52", "v52", "veckorna 51–52", "måndag vecka 1", "Monday of week 1": ISO weeks,
# a span of days (the weekday names one of them). Not "v2" (a version).
_WEEK_FORM = re.compile(
    r"\b(?:" + _first_letter_of(*WEEKDAYS) + _WEEKDAY_RE
    + r"(?:en)?,?\s+(?:(?:of|in|i|på)\s+)?)?" + _first_letter_of("vecka", "week")
    + r"(?:veckorna|veckan|vecka|weeks|week|wk\.|v\.|v\s|v(?=\d\d))\s*(?P<week>\d{1,2})"
    r"(?:\s*(?:-|–|och|and|&|to|till)\s*(?:(?:vecka|week|v\.?)\s*)?(?P<week_end>\d{1,2}))?"
    r"(?!\d|[.:/]\d)", re.IGNORECASE)
# One or two digits that start a word (``\b\d{1,2}``), the word start checked after the first
# digit: a pattern that starts with ``\b`` is tried at every position, one that starts with a
# digit only where there is one (sre scans for it first).
_DAY_DIGITS = r"\d(?<!\w\d)\d?"
_DATE_FORMS = (
    re.compile(r"(?P<year>2(?<!\w2)0\d\d)-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(rf"(?P<day>{_DAY_DIGITS}){_ORD}(?:\s+of)?\s+{_MONTH}{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_first_letter_of(*MONTHS)}{_MONTH}\s+(?P<day>\d{{1,2}}){_ORD}{_YEAR}\b",
               re.IGNORECASE),
    re.compile(rf"\b(?P<dayword>{ORDINAL_WORD})(?:\s+of)?\s+{_MONTH}{_YEAR}\b", re.IGNORECASE),
    # "January fourth", "January the fourth"; not the verb ("we may first ...").
    re.compile(rf"\b{_first_letter_of(*MONTHS)}(?-i:(?!may\b)){_MONTH}\s+(?:the\s+)?"
               rf"(?P<dayword>{ORDINAL_WORD}){_YEAR}", re.IGNORECASE),
    # 7/1, 7/1/2027, 07.01.2027, 7.1. -- but not a time such as 10.30
    re.compile(rf"(?P<a>{_DAY_DIGITS})/(?P<b>\d{{1,2}})(?:/(?P<year>(?:20)?\d\d))?\b"),
    re.compile(rf"(?P<a>{_DAY_DIGITS})\.(?P<b>\d{{1,2}})\.(?:(?P<year>(?:20)?\d\d)\b)?"),
    _WEEK_FORM,
    re.compile(r"\b" + _first_letter_of(*WEEKDAYS, *_WEEKDAY_LEAD)
               + "(?:" + "|".join(word + r"\s+" for word in _WEEKDAY_LEAD) + ")?" + _WEEKDAY_RE,
               re.IGNORECASE),
)
# Words right before a date that make it the return day ...
_RETURN = ("back", "return", "returning", "returns", "available again", "in the office", "åter",
           "tillbaka", "på plats", "i tjänst", "nås igen", "anträffbar")
_RETURN_WORDS = re.compile(
    _first_letter_of(*_RETURN) + "(" + "|".join(_RETURN) + r")\b[^.\n]{0,40}$", re.IGNORECASE)
# ... or the last day away, so the return is the day after (alternatives: each starts with a
# literal character).
_LAST_DAY = ("till och med", r"t\.\s?o\.\s?m\.?", "tom", "through", "thru", "to and including",
             "up to and including", "until", "till", "untill", "to", "–", "-")
_LAST_DAY_WORDS = re.compile(
    _first_letter_of(*_LAST_DAY) + "(" + "|".join(_LAST_DAY) + r")\s*(?:den\s+|the\s+|on\s+)?"
    + "(?:" + _WEEKDAY_RE + r",?\s+(?:den\s+|the\s+)?)?$", re.IGNORECASE)
_INCLUSIVE_UNTIL = re.compile(r"(till och med|t\.\s?o\.\s?m|\btom|through|thru|including)",
                              re.IGNORECASE)


_FULL_DATE_AHEAD = re.compile(r",?\s+(?:den\s+|the\s+)?(?:\d|" + _MONTH + "|" + ORDINAL_WORD + ")",
                              re.IGNORECASE)


@dataclass(frozen=True)
class _Found:
    day: date
    start: int
    #: The last day of what the text names: ``day`` for a date, Sunday for a week ("v. 52").
    last: date


def find_return_date(text: str, *, today: date) -> date | None:
    """The first day the sender of an out-of-office is back, or None when the text has none.

    A date right after "back"/"tillbaka"/"åter"/"return" is the return day; one after "until",
    "till och med", "through" or a range dash is the last day away (the return is the next
    day, except plain "until"/"till", which people use for the return day), and so is one
    right after "after"/"efter". Dates without a year are the next such day on or after
    ``today``; numeric dates are read day first (the Swedish and European order) unless that
    is impossible; ordinal words are days ("the fourth of January"). A week ("v. 52",
    "veckorna 51–52") is a span: back in it is its Monday (or the weekday named: "måndag
    vecka 1"), away in it or through it means back the Monday after. Past dates are ignored.
    """
    best_last: date | None = None
    latest: date | None = None
    for found in _dates(text, today):
        if found.last <= today or found.day > today + timedelta(days=400):
            continue
        before = text[max(0, found.start - 60):found.start]
        after_it = found.last + timedelta(days=1)
        if _AFTER_WORDS.search(before):
            return after_it  # the first day of return found outranks all the others
        if _RETURN_WORDS.search(before):
            if found.day > today:
                return found.day
        elif _LAST_DAY_WORDS.search(before):
            best_last = best_last or (after_it if _inclusive(before) else found.day)
        elif found.last != found.day and not _FROM_WORDS.search(before):
            best_last = best_last or after_it  # "på semester under veckorna 51–52"
        if found.day > today:
            latest = max(latest, found.day) if latest else found.day
    return _day_of_return(text, today) or best_last or latest


def _inclusive(before: str) -> bool:
    """Whether the words before a last day include it ("till och med", "through", "21/12 -")."""
    tail = before.rstrip()
    return bool(_INCLUSIVE_UNTIL.search(tail[-25:])) or tail[-1:] in ("–", "-") \
        or tail.lower().endswith(" to")


# "Back after 3 January", "tillbaka efter vecka 52": the day after is the return.
_AFTER_WORDS = re.compile(r"\b(?:after|efter)\s+(?:the\s+|den\s+)?$", re.IGNORECASE)
# "Ledig från vecka 51": the start of the absence, which says nothing of the return.
_FROM_WORDS = re.compile(r"\b(?:from|starting|från|fr\.\s?o\.\s?m\.?|fr o m|from and including)"
                         r"\s+(?:the\s+|den\s+)?$", re.IGNORECASE)


# "back on the 21st", "åter den 11:e", "back on the fourth.": a day of the month alone, only
# right after words of return (elsewhere "the 1st" is a question or a floor); the ordinal or
# the article is needed ("back in 2 weeks" names no day), and an ordinal word must end the
# phrase ("back on the first day of term" names none). A weekday may name it ("back on Friday
# the 11th", "tillbaka fredag den 11:e"): then the day must fall on it.
_DAY_OF_RETURN = re.compile(
    r"\b(?:back|return|returning|tillbaka|åter)\b[^.\n\d]{0,24}?"
    r"(?:\b(?P<weekday>" + alternatives(WEEKDAYS) + r")(?:en)?\b,?\s+)?"
    r"(?:\b(?:the|den)\s+(?P<day>\d{1,2})(?:st|nd|rd|th|:?e|:?a)?"
    r"|\b(?P<ord>\d{1,2})(?:st|nd|rd|th|:e|:a)|\b(?:the|den)\s+(?P<word>" + ORDINAL_WORD
    + r"(?=\s*(?:[.,;!)]|$))))\b(?!\s*(?:[/.-]\d|of\b|" + "|".join(MONTHS) + r"))",
    re.IGNORECASE)


def _day_of_return(text: str, today: date) -> date | None:
    """The day "back on the 21st" names, or None: the next such day of the month after
    ``today``; with a weekday ("back on Friday the 11th") the next on or after ``today``, and
    only if it falls on that weekday (otherwise the text contradicts itself: no day) and is
    not today (a return today is no day to wait for, as a past date is none)."""
    if not _RETURN_WORDS_ANYWHERE.search(text):
        return None
    for match in _DAY_OF_RETURN.finditer(text):
        day = ordinal_day(match["word"]) if match["word"] else int(match["day"] or match["ord"])
        if day is None:
            continue
        year, month = today.year, today.month
        if day < today.day or (day == today.day and not match["weekday"]):
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if match["weekday"] and (found.weekday() != WEEKDAYS[match["weekday"].lower()]
                                 or found == today):
            continue  # another weekday (no such day), or back today (no day to wait for)
        return found
    return None


_RETURN_WORDS_ANYWHERE = re.compile(r"back|return|tillbaka|åter", re.IGNORECASE)


def first_date(text: str, *, today: date) -> date | None:
    """The first date written in ``text`` (same forms and year rule as the return date)."""
    found = sorted(_dates(text, today), key=lambda f: f.start)
    return found[0].day if found else None


def _dates(text: str, today: date) -> Iterator[_Found]:
    taken: list[tuple[int, int]] = []
    for form in _DATE_FORMS:
        for match in form.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            parts = match.groupdict()
            if parts.get("weekday") and not parts.get("week") and _FULL_DATE_AHEAD.match(
                    text, match.end()):
                continue  # "Monday, January 4": the date names the day, not the weekday
            span = _week_span(parts, today) if "week" in parts else None
            day = span[0] if span else None if "week" in parts else _to_date(parts, today)
            if day is not None:
                taken.append((match.start(), match.end()))
                yield _Found(day, match.start(), span[1] if span else day)


def _week_span(parts: dict[str, str | None], today: date) -> tuple[date, date] | None:
    """(first, last day) of the ISO week(s) named, or the one day its weekday names: the next
    such week, as for a day-month without a year (week 1 written in December is January's)."""
    first, last = int(parts["week"] or 0), int(parts["week_end"] or parts["week"] or 0)
    try:
        year = today.isocalendar().year
        if date.fromisocalendar(year, first, 7) < today - timedelta(days=31):
            year += 1
        start = date.fromisocalendar(year, first, 1)
        end = date.fromisocalendar(year + (last < first), last, 7)
    except ValueError:  # week 0, 54, or 53 in a year that has none
        return None
    if name := parts.get("weekday"):
        day = start + timedelta(days=WEEKDAYS[name.lower()])
        return day, day
    return start, end


def _to_date(parts: dict[str, str | None], today: date) -> date | None:
    if name := parts.get("weekday"):
        weekday = WEEKDAYS[name.lower()]
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    if parts.get("a"):
        a, b = int(parts["a"] or 0), int(parts["b"] or 0)
        day, month = (b, a) if b > 12 and a <= 12 else (a, b)
    else:
        raw_month = parts["month"] or ""
        month = int(raw_month) if raw_month.isdigit() else MONTHS[raw_month.lower().rstrip(".")]
        day = ordinal_day(parts["dayword"] or "") or 0 if parts.get("dayword") else int(
            parts["day"] or 0)
    year_text = parts.get("year")
    try:
        if year_text:
            year = int(year_text)
            return date(year + 2000 if year < 100 else year, month, day)
        # A day-month without a year is this year's, unless that is over a month ago (then
        # "7 January" written in December means next year; "3 December" means last week).
        candidate = date(today.year, month, day)
        if candidate < today - timedelta(days=31):
            return date(today.year + 1, month, day)
        return candidate
    except ValueError:
        return None
