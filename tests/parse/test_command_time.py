"""The times a command names (mailer.parse.command_time), read on Monday 7 December 2026."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.parse.command_time import NOTHING, When, read_when

MONDAY = date(2026, 12, 7)
D = date


@pytest.mark.parametrize(("text", "expected"), [
    ("", NOTHING),
    ("this week", When(start=MONDAY, until=D(2026, 12, 13), current=True)),
    ("den här veckan", When(start=MONDAY, until=D(2026, 12, 13), current=True)),
    ("resten av veckan", When(start=MONDAY, until=D(2026, 12, 13), current=True)),
    ("this one", When(current=True)), ("den här gången", When(current=True)),
    ("today", When(start=MONDAY, until=MONDAY, current=True)),
    ("for now", When(open=True)), ("tills vidare", When(open=True)),
    ("två veckor", When(days=14)), ("for 3 days", When(days=3)), ("a month", When(days=30)),
    ("i två veckor", When(days=14)), ("de närmaste två veckorna", When(days=14)),
    ("the next two weeks", When(days=14)), ("2w", When(days=14)),
    ("till 4 januari", When(until=D(2027, 1, 4))),
    ("until the 14th", When(until=D(2026, 12, 14))),
    ("till och med fredag", When(until=D(2026, 12, 11))),
    ("t.o.m. 4 jan", When(until=D(2027, 1, 4))), ("until 7.1.", When(until=D(2027, 1, 7))),
    ("until monday, january 4", When(until=D(2027, 1, 4))),
    ("until 2027-01-07", When(until=D(2027, 1, 7))),
    ("from dec 21 to jan 3", When(start=D(2026, 12, 21), until=D(2027, 1, 3))),
    ("från 21/12 till 3/1", When(start=D(2026, 12, 21), until=D(2027, 1, 3))),
    ("dec 21 - jan 3", When(start=D(2026, 12, 21), until=D(2027, 1, 3))),
    ("between dec 21 and jan 3", When(start=D(2026, 12, 21), until=D(2027, 1, 3))),
    ("mellan 21 december och 3 januari", When(start=D(2026, 12, 21), until=D(2027, 1, 3))),
    ("2026-12-21 - 2027-01-03", When(start=D(2026, 12, 21), until=D(2027, 1, 3))),
    ("två veckor från och med måndag", When(start=D(2026, 12, 14), days=14)),
    ("from monday for 2 weeks", When(start=D(2026, 12, 14), days=14)),
    ("fr.o.m. måndag i två veckor", When(start=D(2026, 12, 14), days=14)),
    ("starting monday", When(start=D(2026, 12, 14), open=True)),
    ("tomorrow", When(start=D(2026, 12, 8), until=D(2026, 12, 8))),
    ("i morgon", When(start=D(2026, 12, 8), until=D(2026, 12, 8))),
    ("on friday", When(start=D(2026, 12, 11), until=D(2026, 12, 11))),
    ("måndag", When(start=D(2026, 12, 14), until=D(2026, 12, 14))),
    ("next week", When(start=D(2026, 12, 14), until=D(2026, 12, 20))),
    ("nästa vecka", When(start=D(2026, 12, 14), until=D(2026, 12, 20))),
    ("v. 52", When(start=D(2026, 12, 21), until=D(2026, 12, 27))),
    ("weeks 1-2", When(start=D(2027, 1, 4), until=D(2027, 1, 17))),
    ("den 4 januari", When(start=D(2027, 1, 4), until=D(2027, 1, 4))),
    ("4 januari", When(start=D(2027, 1, 4), until=D(2027, 1, 4), bare=True)),
    ("hela januari", When(start=D(2027, 1, 1), until=D(2027, 1, 31))),
    ("during february", When(start=D(2027, 2, 1), until=D(2027, 2, 28))),
    ("i december", When(start=MONDAY, until=D(2026, 12, 31))),
    ("resten av året", When(start=MONDAY, until=D(2026, 12, 31))),
    ("for the rest of the month", When(start=MONDAY, until=D(2026, 12, 31))),
    ("till slutet av månaden", When(until=D(2026, 12, 31))),
    ("until the end of the year", When(until=D(2026, 12, 31))),
    ("till årsskiftet", When(until=D(2026, 12, 31))),
    ("through the end of january", When(until=D(2027, 1, 31))),
    ("till slutet av december", When(until=D(2026, 12, 31))),
    # "until after": the day or week named is the last one away
    ("until after the 20th", When(until=D(2026, 12, 20))),
    ("till efter den 14:e", When(until=D(2026, 12, 14))),
    ("tills efter nästa vecka", When(until=D(2026, 12, 20))),
    ("until after week 52", When(until=D(2026, 12, 27))),
    # the short month names of the one table (return_dates.MONTHS)
    ("till slutet av mar", When(until=D(2027, 3, 31))),
    ("until end of apr", When(until=D(2027, 4, 30))),
    ("hela apr", When(start=D(2027, 4, 1), until=D(2027, 4, 30))),
    # a weekday shortened before a date, with or without a full stop
    ("t.o.m. fre 18/12", When(until=D(2026, 12, 18))),
    ("till och med fre. 18/12", When(until=D(2026, 12, 18))),
    ("until fri 18 dec", When(until=D(2026, 12, 18))),
    ("från mån 14/12 till tors 17/12", When(start=D(2026, 12, 14), until=D(2026, 12, 17))),
    ("from mon. 14 dec to wed. 16 dec", When(start=D(2026, 12, 14), until=D(2026, 12, 16))),
    # two days of one month, the month said once
    ("14–23 december", When(start=D(2026, 12, 14), until=D(2026, 12, 23))),
    ("14 to 23 december", When(start=D(2026, 12, 14), until=D(2026, 12, 23))),
    ("from 14 to 23 december", When(start=D(2026, 12, 14), until=D(2026, 12, 23))),
    ("14-23 dec", When(start=D(2026, 12, 14), until=D(2026, 12, 23))),
    ("den 14–23 december", When(start=D(2026, 12, 14), until=D(2026, 12, 23))),
    ("den 14-23/12", When(start=D(2026, 12, 14), until=D(2026, 12, 23))),
    ("den 14–23 januari", When(start=D(2027, 1, 14), until=D(2027, 1, 23))),
    ("december 14-23", When(start=D(2026, 12, 14), until=D(2026, 12, 23))),
    ("the 14th to the 23rd of december", When(start=D(2026, 12, 14), until=D(2026, 12, 23))),
    ("mellan 14 och 23 december", When(start=D(2026, 12, 14), until=D(2026, 12, 23))),
])
def test_times(text: str, expected: When) -> None:
    assert read_when(text, today=MONDAY) == expected


@pytest.mark.parametrize("text", [
    "until the migration is done", "2", "till 7", "the retro", "över jul", "until next week",
    "3 hours", "from the release", "efter nyår", "me", "the standup next week", "januari",
    "till januari", "until the end", "till efter nyår", "the rest",
    # two days, or a month crossed without its name: no range
    "14 and 23 december", "14 och 23 dec", "28–3 januari", "23-14 december", "14-23",
    "fre", "until fre",
    # "jul" is Christmas too; "after" something that is no day
    "i jul", "hela jul", "till slutet av jul", "until after the release", "till efter jul",
    "until after christmas", "efter den 20:e",
])
def test_words_that_are_no_time(text: str) -> None:
    assert read_when(text, today=MONDAY) is None


@given(st.text(max_size=120))
def test_reading_a_time_never_raises(text: str) -> None:
    read_when(text.lower(), today=MONDAY)
