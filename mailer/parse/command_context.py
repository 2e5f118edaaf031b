"""The time said around a reply command, in clauses of its own. Pure.

A start said next to a request belongs to it ("Starting Wednesday, please pause me for a week",
"Pause me for a week, starting Wednesday"); a request without a time borrows the time of an
absence next to it ("I'm off next week, please skip"); and two statements of absence are
requests alone ("ledig v. 52", "back on Monday"). :mod:`mailer.parse.commands` reads the
request itself.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from mailer.parse.command_text import Clause, unwrap
from mailer.parse.command_time import NOTHING, When, iso_weeks, period, read_when
from mailer.parse.command_words import ABSENT, AWAY_WEEKS, BACK

_FILLER_WORDS = 4  # "off to Lisbon next week": words between an absence and its time


def said_start(resume: bool, when: When | None, line: str, clauses: tuple[Clause, ...],
               first: int, last: int, today: date
               ) -> tuple[When | None, tuple[int, ...]] | None:
    """The time ``when`` of the request (a resume when ``resume``) in clauses ``first`` to
    ``last`` with the start said in clauses of its own before it ("Starting Wednesday, please
    pause me for a week", "Från och med onsdag, pausa mig två veckor", "Next week, please
    skip") or right after it ("Pause me for a week, starting Wednesday"), and those clauses
    (none: no start was said, the request stays as it is; else it is a pause); None when two
    starts are said or the start does not fit the request's own time: a start is never
    dropped, since a pause from today instead pauses the wrong weeks."""
    whole = _start_of(line[clauses[0].start:clauses[first - 1].end], today, whole=True) \
        if first else None
    # else each clause alone, and after the request: an open start ("starting Wednesday")
    alone = (*(range(first) if whole is None else ()), *range(last + 1, len(clauses)))
    found: list[tuple[tuple[int, ...], When]] = [
        ((at,), said) for at in alone
        if (said := _start_of(line[clauses[at].start:clauses[at].end], today, whole=False))
        is not None]
    found += [(tuple(range(first)), whole)] if whole is not None else []
    if not found:
        return when, ()
    if len(found) > 1 or resume or found[0][0][0] > last + 1:  # far after
        return None
    said_at, start = found[0]
    started = _with_start(start, when)
    return (started, said_at) if started is not None else None


def _start_of(words: str, today: date, *, whole: bool) -> When | None:
    """The start ``words`` say alone: "Starting Wednesday", "Från och med onsdag", "I'm away
    from Monday" (an open time from a later day), or when ``whole`` also a later time with
    its end ("Next week", "From Dec 21 to Jan 3"); None for anything else."""
    text = unwrap(words)[0]
    absent = ABSENT.match(text)
    when = read_when(text[absent.end():] if absent else text, today=today)
    if when is None or when.start is None or when.current or when.start <= today:
        return None
    return when if when.open or (whole and not absent) else None


def _with_start(start: When, when: When | None) -> When | None:
    """A request's time with the start said next to it, or None when the two do not fit
    ("Next week, skip me tomorrow")."""
    if not start.open:  # a whole time ("Next week, please skip"): the request names none
        return start if when == NOTHING else None
    if when is None or when == NOTHING or when.open:  # "Från måndag, pausa mig": no end
        return When(start=start.start, open=True)
    if when.start is None and not when.current and not when.bare:  # a length or a last day
        return replace(when, start=start.start)
    return None


def absence_alone(text: str, statement: bool, today: date) -> When | None:
    """The two statements that are commands alone: away for numbered weeks ("ledig v. 52",
    "jag är ledig vecka 51-52"), and back on a day ("back on Monday"), said without "I'm"
    (autoresponders write "I'm back on Monday")."""
    weeks = AWAY_WEEKS.fullmatch(text)
    if weeks is not None:
        span = iso_weeks(int(weeks["a"]), int(weeks["b"] or weeks["a"]), today=today)
        return When(start=span[0], until=span[1]) if span else None
    back = None if statement else BACK.fullmatch(text)
    span = period(back["day"], today=today) if back else None
    if span is None or span[0] != span[1] or span[0] <= today:
        return None
    return When(until=span[0] - timedelta(days=1))


def absence(words: str, today: date) -> When | None:
    """The time away an absence names ("I'm off next week", "jag är ledig till 4 januari",
    "off to Lisbon from the 21st to the 3rd"), when it names a later one."""
    text = unwrap(words)[0]
    absent = ABSENT.match(text)
    if absent is None:
        return None
    after = text[absent.end():].split()
    for skipped in range(min(_FILLER_WORDS, len(after)) + 1):
        when = read_when(" ".join(after[skipped:]), today=today)
        if when is not None and when != NOTHING and not when.current and not when.open:
            return when
    return None
