"""The time a reply command names, read the way people write it. Pure.

A command's time is one of a few shapes, in Swedish or English: nothing ("skip"), the current
check-in ("this week", "den här veckan", "today", "this one"), a length ("2 weeks", "i två
veckor", "the next two weeks"), a last day ("until 4 January", "till och med fredag"), a range
("from Dec 21 to Jan 3", "från 21/12 till 3/1", "v. 51-52", "14–23 december": the month said
once), a length from a start ("två veckor från och med måndag", "from Monday for 2 weeks"), one
day or week ("tomorrow", "imorgon", "on Friday", "next week", "nästa vecka", "week 52"), or no
end at all ("for now", "tills vidare", "from Monday" alone). :func:`read_when` reads the whole
text as one of them, or nothing: a time expression with words left over is not a time, so
"until the migration is done" is no date.

A day is a calendar date (:func:`mailer.parse.return_dates.first_date`'s forms and year rule:
"4 januari", "Jan 3", "2027-01-07", "21/12", "7.1.", maybe after its weekday, whole or short:
"fredag 18/12", "fre 18/12", "Fri. 18 Dec"), a day of the month ("the 14th"), a weekday (the
next one after today, "måndag", "next Monday") or a relative day ("tomorrow", "i morgon"). Text
comes in lowercased, whitespace folded; every pattern is anchored and runs on a clause of a
first line, so none can take long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from mailer.parse.return_dates import MONTHS, WEEKDAYS, alternatives, first_date

#: A length as a number of days ("a month" is 30, as the pause command has always counted).
_UNIT_DAYS = {
    "day": 1, "days": 1, "dag": 1, "dagar": 1, "dagarna": 1, "d": 1,
    "week": 7, "weeks": 7, "wk": 7, "wks": 7, "w": 7, "vecka": 7, "veckor": 7,
    "veckorna": 7, "v": 7, "fortnight": 14,
    "month": 30, "months": 30, "månad": 30, "månader": 30, "månaderna": 30,
}
_COUNTS = {
    "a": 1, "an": 1, "one": 1, "en": 1, "ett": 1, "two": 2, "två": 2, "three": 3, "tre": 3,
    "four": 4, "fyra": 4, "five": 5, "fem": 5, "six": 6, "sex": 6, "seven": 7, "sju": 7,
    "eight": 8, "åtta": 8, "nine": 9, "nio": 9, "ten": 10, "tio": 10,
}


_LENGTH = re.compile(
    r"(?:(?:for|i|under)\s+)?(?:(?:the|de)\s+)?(?:(?:next|coming|following|närmaste|kommande)"
    rf"\s+)?(?P<n>\d{{1,3}}|{alternatives(_COUNTS)})\s*(?P<unit>{alternatives(_UNIT_DAYS)})\.?"
    r"(?:\s+(?:framåt|framöver|ahead|from now|from today|från idag|från i dag))?")

_MONTH = alternatives(MONTHS)
#: A weekday shortened, as it is written before a date ("fre 18/12", "Fri. 18 Dec").
_WEEKDAY_SHORT = alternatives(("mån", "tis", "ons", "tor", "tors", "fre", "lör", "sön", "mon",
                               "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"))
_YEAR = r"(?:,?\s+20\d\d)?"
#: The calendar dates first_date reads, whole ("4 januari", "jan 3rd", "21/12", "7.1."), maybe
#: after their weekday ("fredag 18/12", "fre. 18/12", "Monday, January 4").
_CALENDAR = re.compile(
    rf"(?:(?:{alternatives(WEEKDAYS)}|(?:{_WEEKDAY_SHORT})\.?),?\s+(?:the\s+|den\s+)?)?(?:"
    r"20\d\d-\d{1,2}-\d{1,2}"
    rf"|\d{{1,2}}(?::?e|:?a|st|nd|rd|th)?\.?(?:\s+of)?\s+(?:{_MONTH})\.?{_YEAR}"
    rf"|(?:{_MONTH})\.?\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?{_YEAR}"
    r"|\d{1,2}/\d{1,2}(?:/(?:20)?\d\d)?"
    r"|\d{1,2}\.\d{1,2}\.(?:(?:20)?\d\d)?)")
#: A day of the month with an ordinal ("the 14th" reaches it through _ON): a bare number is no day.
_DAY_OF_MONTH = re.compile(r"(?P<day>\d{1,2})(?:st|nd|rd|th|:e|:a|e)")
_THE_DAY = re.compile(r"(?:the|den)\s+(?P<day>\d{1,2})")  # "den 14": the article says it
_WEEKDAY = re.compile(
    rf"(?:(?:next|this|coming|nästa|kommande|på)\s+)?(?P<w>{alternatives(WEEKDAYS)})")
_RELATIVE_DAYS = {
    "yesterday": -1, "igår": -1, "i går": -1, "today": 0, "idag": 0, "i dag": 0,
    "tomorrow": 1, "imorgon": 1, "i morgon": 1,
    "imorn": 1, "i morn": 1, "imorrn": 1, "i morrn": 1, "morgondagen": 1,
    "the day after tomorrow": 2, "i övermorgon": 2, "övermorgon": 2,
}
_ON = re.compile(r"(?:on|på|for|för|the|den|under|during)\s+")

#: The current check-in: a skip says this, a pause of it lasts until Sunday.
_THIS_WEEK = re.compile(
    r"(?:(?:for|för|under)\s+)?(?:this week|den här veckan|denna vecka|denna veckan|veckan|"
    r"the week|this whole week|hela veckan|hela den här veckan|the rest of (?:the|this) week|"
    r"resten av veckan)")
_THIS_ONE = re.compile(
    r"(?:(?:for|för)\s+)?(?:this one|this time|this round|this check-in|this checkin|"
    r"den här gången|denna gång|denna gången|den här|denna|detta|det här|this|"
    r"den här avstämningen|denna avstämning|nu|now)")
#: No end: a pause that asks to be told when.
_OPEN = re.compile(
    r"(?:for now|for the time being|for a while|for some time|until further notice|"
    r"indefinitely|tills vidare|ett tag|ett tag framöver|en tid|en tid framöver|framöver|"
    r"until i'?m back|until i am back|tills jag är tillbaka|tills jag hör av mig)")
_NEXT_WEEK = re.compile(r"(?:(?:for|för|under|during)\s+)?(?:next week|nästa vecka|nästa veckan|"
                        r"the coming week|kommande vecka|the week after|veckan efter)")
#: ISO week numbers, as "ledig v. 52" names them.
WEEKS = (r"(?:v\.?|vecka|veckorna|week|weeks|wk\.?|w\.?)\s*(?P<a>\d{1,2})"
                r"(?:\s*(?:-|–|och|and|&|,|to|till)\s*(?:v\.?\s*)?(?P<b>\d{1,2}))?")
_WEEK_NUMBERS = re.compile(rf"(?:(?:for|för|under|during|i|in)\s+)?(?:hela\s+|all\s+)?"
                           rf"{WEEKS}")

# The words around a start and an end, the longest first: "till och med" before "till".
_FROM = re.compile(r"(?:^|\s)(?:" + alternatives((
    "from", "starting", "starting from", "starting on", "beginning", "beginning on", "as of",
    "effective", "från och med", r"fr\.?\s?o\.?\s?m\.?", "från", "med start",
    "med början", "with effect from")) + r")(?:\s+|$)")
_LAST_WORDS = ("until", "up until", "till", "to", "through", "thru", "till och med",
               r"t\.?\s?o\.?\s?m\.?", "up to and including", "until and including")
_TO = re.compile(r"\s+(?:" + alternatives((*_LAST_WORDS, "and", "och")) + r")\s+|\s*[-–]\s*")
_UNTIL = re.compile(r"(?:" + alternatives((*_LAST_WORDS, "tills", "tom", "fram till och med",
                                           "fram till", "up to")) + r")\s+")
_FOR = re.compile(r"\s+(?=(?:for|i|under)\s)")
_BETWEEN = re.compile(r"(?:between|mellan)\s+")
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


DOTTED_DATE_END = re.compile(r"\d\.\d{1,2}\.$")


def _trimmed(text: str) -> str:
    """``text`` without the spaces, commas and full stops around it, except the one that ends
    a dotted date ("7.1.")."""
    text = text.strip(" ,")
    return text if DOTTED_DATE_END.search(text) else text.strip(" ,.")


_SOME_LENGTH = re.compile(r"(?:(?:for|i|under)\s+)?\d{1,3}\s*[^\W\d_]{1,20}")


def says_when(text: str) -> bool:
    """Whether ``text`` tries to name a time that :func:`read_when` cannot read: "until 31
    February", "till igår kväll", "3 hours", "from the day after the release"."""
    return bool(_UNTIL.match(text) or _FROM.match(text) or _SOME_LENGTH.fullmatch(text))


def _plain(text: str, today: date) -> When | None:
    """A time without a start and an end word: the current check-in, a length, an open end,
    or one day or week."""
    if _THIS_WEEK.fullmatch(text):
        return When(start=today, until=today + timedelta(days=6 - today.weekday()),
                    current=True)
    if _OPEN.fullmatch(text):
        return When(open=True)
    if _THIS_ONE.fullmatch(text):
        return When(current=True)
    length = _length(text)
    if length is not None:
        return When(days=length)
    span = period(text, today=today) or _month(text, today)
    if span is None and _REST_OF.fullmatch(text):  # "resten av året", "the rest of the month"
        end = _end_of(text.rsplit(" ", 1)[1], today)
        span = (today, end) if end is not None else None
    if span is None:
        return None
    bare = bool(_CALENDAR.fullmatch(text) or _DAY_OF_MONTH.fullmatch(text))
    return When(start=span[0], until=span[1], current=span == (today, today), bare=bare)


_MONTH_NUMBERS = {
    name: number for number, names in enumerate((
        ("januari", "january", "jan"), ("februari", "february", "feb"), ("mars", "march"),
        ("april",), ("maj", "may"), ("juni", "june"), ("juli", "july"),
        ("augusti", "august", "aug"), ("september", "sept", "sep"),
        ("oktober", "october", "okt", "oct"), ("november", "nov"), ("december", "dec")), 1)
    for name in names}
#: A whole month, said as one ("i januari", "hela januari", "during January"); a month alone
#: is not ("till januari": the start of it, or the end?).
_WHOLE_MONTH = re.compile(r"(?:in|i|during|under|hela|all of|all|throughout)\s+(?P<month>"
                          + alternatives(_MONTH_NUMBERS) + ")")


def _month(text: str, today: date) -> tuple[date, date] | None:
    """(first, last day) of the month ``text`` names as a whole: this one from today, or the
    next one of that name."""
    found = _WHOLE_MONTH.fullmatch(text)
    if found is None:
        return None
    month = _MONTH_NUMBERS[found["month"]]
    year = today.year + (month < today.month)
    first = today if (year, month) == (today.year, today.month) else date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)


_REST_OF = re.compile(r"(?:(?:for|during|under)\s+)?(?:the\s+)?(?:rest of (?:the|this)|resten av)"
                      r"\s+(?:month|year|månaden|året)")
_END_OF = re.compile(r"(?:the\s+)?(?:end of (?:the\s+|this\s+)?|slutet av\s+)"
                     r"(?P<what>month|year|månaden|året|" + alternatives(_MONTH_NUMBERS) + ")")
_YEAR_END = ("year", "året", "årsskiftet", "new year", "the new year", "nyår")


def _end_of(text: str, today: date) -> date | None:
    """The last day of this month or year, as "the end of the month", "slutet av året",
    "årsskiftet" (until the new year: its eve is the last day away) name it."""
    found = _END_OF.fullmatch(text)
    what = found["what"] if found else text
    if what in _YEAR_END:
        return date(today.year, 12, 31)
    if what in ("month", "månaden"):
        following = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        return following - timedelta(days=1)
    named = _month(f"hela {what}", today) if found else None  # "the end of January"
    return named[1] if named else None


def _from_start(text: str, today: date) -> When | None:
    """"två veckor från och med måndag", "from Monday for 2 weeks", "from Dec 21 to Jan 3",
    "from Monday" alone (no end)."""
    for found in _FROM.finditer(text):
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
    for found in _FOR.finditer(text):
        start, length = period(text[:found.start()], today=today), _length(
            text[found.end():])
        if start is not None and length is not None:
            return When(start=start[0], days=length)
    return None


def _to_end(text: str, today: date) -> When | None:
    """"until 4 January", "dec 21 - jan 3", "between the 21st and the 3rd"."""
    until = _UNTIL.match(text)
    if until is not None:
        rest = text[until.end():]
        last = period(rest, today=today)
        if last is not None and last[0] == last[1]:
            return When(until=last[1])
        end = _end_of(rest, today)  # "till slutet av månaden", "until the end of the year"
        return When(until=end) if end is not None else None
    between = _BETWEEN.match(text)
    return _range(text[between.end():], today, True) if between else _range(text, today)


#: Two days of one month, the month said once: "14–23 december", "14 to 23 Dec", "den 14-23/12",
#: "December 14-23", "the 14th to the 23rd of December".
_ORDINAL = r"(?:st|nd|rd|th|:e|:a|e)?\.?"
_DAYS_OF_A_MONTH = re.compile(
    rf"(?:(?:the|den)\s+)?(?P<a>\d{{1,2}}){_ORDINAL}(?P<to>{_TO.pattern})"
    rf"(?P<last>(?:(?:the|den)\s+)?\d{{1,2}}{_ORDINAL}(?:\s+of)?\s+(?:{_MONTH})\.?{_YEAR}"
    r"|\d{1,2}/\d{1,2}(?:/(?:20)?\d\d)?)")
_MONTH_OF_DAYS = re.compile(
    rf"(?P<month>{_MONTH})\.?\s+(?:the\s+)?(?P<a>\d{{1,2}}){_ORDINAL}(?P<to>{_TO.pattern})"
    rf"(?:the\s+)?(?P<b>\d{{1,2}}){_ORDINAL}(?P<year>{_YEAR})")


def _days_of_a_month(text: str, today: date, between: bool) -> When | None:
    """"14–23 december": the first day is in the month (and year) of the last, or there is no
    range ("28–3 januari" crosses a month it does not name; "14 and 23 December" are two days
    unless "between" says otherwise)."""
    found = _DAYS_OF_A_MONTH.fullmatch(text)
    if found is not None:
        last = period(found["last"], today=today)
    else:
        found = _MONTH_OF_DAYS.fullmatch(text)
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
    for found in _TO.finditer(text):
        first = period(text[:found.start()], today=today)
        last = period(text[found.end():], today=today)
        if first is not None and last is not None:
            return When(start=first[0], until=last[1])
    return None


def _length(text: str) -> int | None:
    found = _LENGTH.fullmatch(text)
    if found is None:
        return None
    count = _COUNTS.get(found["n"]) or int(found["n"])
    return count * _UNIT_DAYS[found["unit"]] if count else None


def period(text: str, *, today: date) -> tuple[date, date] | None:
    """(first, last day) of one day or week ``text`` names as a whole: "tomorrow", "on
    Friday", "4 januari", "next week", "v. 52"; None for anything else."""
    text = _trimmed(text)
    if _NEXT_WEEK.fullmatch(text):
        monday = today + timedelta(days=7 - today.weekday())
        return monday, monday + timedelta(days=6)
    weeks = _WEEK_NUMBERS.fullmatch(text)
    if weeks is not None:
        return iso_weeks(int(weeks["a"]), int(weeks["b"] or weeks["a"]), today=today)
    day = one_day(text, today=today)
    return (day, day) if day is not None else None


def one_day(text: str, *, today: date) -> date | None:
    """The day ``text`` names as a whole, or None."""
    if text in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[text])
    the_day = _THE_DAY.fullmatch(text)
    if the_day is not None:
        return day_of_month(int(the_day["day"]), today=today)
    on = _ON.match(text)
    if on is not None:  # "on Friday", "the 14th", "den 4 januari"
        return one_day(text[on.end():], today=today)
    weekday = _WEEKDAY.fullmatch(text)
    if weekday is not None:
        return today + timedelta(days=(WEEKDAYS[weekday["w"]] - today.weekday() - 1) % 7 + 1)
    if _CALENDAR.fullmatch(text):
        return first_date(text, today=today)
    found = _DAY_OF_MONTH.fullmatch(text)
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
