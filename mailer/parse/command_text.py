"""Where a reply command stands in a sentence, and the date words only commands use. Pure.

People write commands the way they talk: "Skip this week please, I'm at a conference.",
"Pausa två veckor, tack!", "Pause until the 14th, moving house", "Ledig v. 52", "Back on
Monday, out sick today". :func:`candidates` cuts the first line of a reply into (the words
that may be a command, the rest of the line): the line up to each comma, full stop,
exclamation or dash (shortest first), then the whole line, politeness words ("please",
"tack", "gärna") left out. :mod:`mailer.parse.commands` tries each in turn, and keeps the
rest of the sentence after the one that is a command as its reason (:func:`reason_of`).

:func:`iso_week` and :func:`day_of_month` read "v. 52" and "the 14th".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

_POLITE_WORDS = (r"\b(?:please|pls|plz|thanks|thank you|thx|tack|tack så mycket|gärna|snälla|"
                 r"vänligen|kindly)\b")
_POLITE = re.compile(_POLITE_WORDS, re.IGNORECASE)
_POLITE_LOWER = re.compile(_POLITE_WORDS)
# A cut after punctuation, or before " - ": not inside "v. 52", "7.1." or "2027-01-07".
_CUT = re.compile(r"[,;:!?]+\s*|\.(?!\s*\d)\s*|\s+[-–—]\s+")
_COURTESY_PIECE = re.compile(
    r"^(?:tack|thanks|thank you|thx|please|tack så mycket|tusen tack|mvh|/\w+)[\s,.!]*$",
    re.IGNORECASE)
#: A command is short: longer heads are sentences that happen to start like one.
MAX_HEAD = 60


def candidates(line: str) -> Iterator[tuple[str, str]]:
    """(head, tail) pairs for the first line of a reply: the line up to each cut, the
    shortest first, then the whole line; the tail is the rest of the line, which
    :func:`reason_of` reads when the head is a command (most heads are not)."""
    stripped = line.strip()
    for cut in _CUT.finditer(stripped):
        head = stripped[:cut.start()]
        if not head.strip() or len(head) > MAX_HEAD:
            continue
        yield _polite_off(head), stripped[cut.start():]
    yield _polite_off(stripped), ""


def _polite_off(text: str) -> str:
    if found_in_any_case(_POLITE_LOWER, text):  # most heads have none: no substitution
        text = _POLITE.sub(" ", text)
    return " ".join(text.split()).strip(" ,.!;:-–—")


def found_in_any_case(lowercase: re.Pattern[str], text: str) -> bool:
    """Whether ``lowercase`` (lowercase words, compiled without IGNORECASE) is found in ``text``
    in any case: what a search under IGNORECASE finds, which sre runs many times slower on
    an alternation of words. Without the characters IGNORECASE matches to a lowercase letter
    other than by ``str.lower()`` the lowered text holds the words exactly where ``text`` does
    in some case: "İ" lowers to two characters, "ı" and "ſ" match "i" and "s" (sre's case
    equivalences). Checked over all of Unicode: no other character lowers to more than one,
    or from a word character to a non-word one or back."""
    # Three substring tests: a tenth of the time of one search for a character class (a
    # Latin-1 line is not even read: a wider character is never in it).
    if "İ" in text or "ı" in text or "ſ" in text:
        return re.search(lowercase.pattern, text, re.IGNORECASE) is not None
    return lowercase.search(text.lower()) is not None


_PIECE = re.compile(r"^([^.!?,]*[.!?,]+)\s*")  # up to the next punctuation


def reason_of(tail: str) -> str:
    """The rest of the line without the punctuation that cut it and without leading
    courtesies ("tack! Jag är på kurs" -> "Jag är på kurs")."""
    text = tail.lstrip(" ,;:!?.-–—")
    while True:
        match = _PIECE.match(text)
        if match is None or not _COURTESY_PIECE.match(match.group(1).strip()):
            break
        text = text[match.end():]
    if _COURTESY_PIECE.match(text.strip()):
        return ""
    return text.strip()


_WEEK = re.compile(
    r"^(?:jag är\s+|i am\s+|i'm\s+)?(?:ledig|borta|bortrest|frånvarande|på semester|semester|"
    r"away|off|out|on leave|on vacation|on holiday|vacation|holiday)\s+(?:hela\s+|all\s+)?"
    r"(?:v\.?|vecka|veckorna|week|weeks|wk\.?|w\.?)\s*(?P<a>\d{1,2})"
    r"(?:\s*(?:-|–|och|and|&|,|to|till)\s*(?:v\.?\s*)?(?P<b>\d{1,2}))?$", re.IGNORECASE)


def iso_week(text: str, *, today: date) -> tuple[date, date] | None:
    """(first, last day) of the ISO week(s) "ledig v. 52" / "away week 2-3" names: this
    year's, or next year's when that week is already over."""
    match = _WEEK.match(text.strip())
    if match is None:
        return None
    first, last = int(match["a"]), int(match["b"] or match["a"])
    if last < first:
        return None
    year = today.year
    try:
        if date.fromisocalendar(year, last, 7) < today:
            year += 1
        return date.fromisocalendar(year, first, 1), date.fromisocalendar(year, last, 7)
    except ValueError:  # week 53 in a year that has none
        return None


_DAY_ONLY = re.compile(r"^(?:the\s+|den\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th|:e|:a|e)?$",
                       re.IGNORECASE)


def day_of_month(text: str, *, today: date) -> date | None:
    """The next date with that day of the month ("the 14th", "den 14:e"), today included."""
    match = _DAY_ONLY.match(text.strip())
    if match is None:
        return None
    day = int(match["day"])
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


def day_before(day: date) -> date:
    return day - timedelta(days=1)
