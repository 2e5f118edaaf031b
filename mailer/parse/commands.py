"""Reply commands: pause, resume, skip, read from the start of a reply. Pure.

``pause until 2027-01-07`` / ``paus till 7 januari``, ``pause 2 weeks`` / ``pausa två veckor``,
``resume`` / ``återuppta``, ``skip`` / ``hoppa över``, ``ledig v. 52``, ``back on Monday``, on
the first line, alone or at the start of a sentence ("Skip this week please, I'm at a
conference": the rest of the sentence is the command's reason; :mod:`mailer.parse.command_text`
finds where the command ends). What follows is an answer like any other (:func:`after_command`)
unless it is only a courtesy ("Tack!", "God jul!"); :mod:`mailer.inbound.decide` records it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from mailer.parse.answers import SegmentLike
from mailer.parse.classify import first_date
from mailer.parse.command_text import (
    candidates,
    day_before,
    day_of_month,
    found_in_any_case,
    iso_week,
    reason_of,
)
from mailer.parse.quote_patterns import THANKS_LINE, VALEDICTION
from mailer.parse.scales import NUMBER_WORDS

CommandAction = Literal["pause", "resume", "skip"]
#: Why a recognised pause was not carried out, as data for the receipt's translation.
CommandIssue = Literal["no_length", "in_the_past", "too_long"]


@dataclass(frozen=True)
class Command:
    action: CommandAction
    until: date | None = None  # last paused day (inclusive), for "pause"
    problem: str | None = None  # set when the command was recognised but not understood
    line: str = ""
    issue: CommandIssue | None = None  # ``problem`` as data (it stays English for the ledger)
    named: date | None = None  # the date a refused pause named ("in_the_past", "too_long")
    #: The rest of the sentence the command stood in ("Skip this week, I'm at a conference").
    reason: str | None = None
    start: date | None = None  # first paused day when not today ("ledig v. 52")


_UNITS = {
    "day": 1, "days": 1, "dag": 1, "dagar": 1, "d": 1,
    "week": 7, "weeks": 7, "vecka": 7, "veckor": 7, "v": 7, "w": 7,
    "month": 30, "months": 30, "månad": 30, "månader": 30,
}
_PAUSE_RE = re.compile(r"^(?:pause|paus|pausa)\b\s*(?P<rest>.*)$", re.IGNORECASE)
_PAUSE_LENGTH_RE = re.compile(r"^(?:for\s+|i\s+)?(?P<n>\d{1,3}|" + "|".join(NUMBER_WORDS)
                              + r")\s*(?P<unit>[a-zåäö]+)$", re.IGNORECASE)
_PAUSE_UNTIL_RE = re.compile(r"^(?:until|till|tills|to|through|t\.?o\.?m\.?|till och med)\s+"
                             r"(?:den\s+|the\s+)?(?P<date>.+)$", re.IGNORECASE)
_RESUME_RE = re.compile(r"^(?:resume|unpause|återuppta|fortsätt|starta igen)$", re.IGNORECASE)
_SKIP_RE = re.compile(r"^(?:skip|skip (?:this|this week|this one|this time|the week)|"
                      r"hoppa över(?: (?:denna|den här|detta|det här))?"
                      r"(?: (?:vecka|veckan|gång|gången))?|skippa(?: (?:denna|den här) veckan?)?)$",
                      re.IGNORECASE)
MAX_PAUSE = timedelta(days=366)
#: A word every command holds (of _RESUME_RE, _SKIP_RE, _BACK_RE, _PAUSE_RE and
#: command_text's week pattern); none of them can match a line without one. Lowercase, found
#: in any case by :func:`mailer.parse.command_text.found_in_any_case`.
_COMMAND_WORD = re.compile(
    r"paus|resume|åter|fortsätt|starta|skip|hoppa|back|tillbaka|tjänst|plats|ledig|bort|"
    r"frånvarande|semester|away|off|out|leave|vacation|holiday")


@lru_cache(maxsize=32)
def parse_command(text: str, *, today: date) -> Command | None:
    """The command at the start of the first non-empty line of ``text``, or None.

    The whole line, or its words up to a comma, full stop or dash, with "please"/"tack" left
    out (:func:`mailer.parse.command_text.candidates`); the rest of that sentence is the reason.
    The last few results are kept: reading one reply asks twice (the machine score, then the
    command itself), and a Command is frozen."""
    first = _first_line(text)
    if not found_in_any_case(_COMMAND_WORD, first):
        return None  # most replies: no command word at all, so no candidate can match
    unclear: Command | None = None
    for head, tail in candidates(first):  # the shortest first: the rest is the reason
        command = _command_in(head, today, first)
        if command is not None and command.problem is None:
            return _with_reason(command, tail)
        unclear = unclear or (_with_reason(command, tail) if command else None)
    return unclear


def _with_reason(command: Command, tail: str) -> Command:
    reason = reason_of(tail)
    return replace(command, reason=reason) if reason else command  # replace() is slow


def _first_line(text: str) -> str:
    """The first non-empty line of ``text``, stripped, without splitting all of ``text``: the
    blank lines above it are whitespace, and every line break is whitespace."""
    start = text.lstrip()
    return (start.partition("\n")[0].splitlines() or [""])[0].strip()


_BACK_RE = re.compile(r"^(?:back|tillbaka|åter|i tjänst igen|på plats igen)\s+(?:on\s+|den\s+|"
                      r"på\s+|the\s+|i\s+)?(?P<date>.{1,25})$", re.IGNORECASE)


def _command_in(words: str, today: date, first: str) -> Command | None:
    line = words.rstrip(".!").strip()
    if _RESUME_RE.match(line):
        return Command("resume", line=first)
    if _SKIP_RE.match(line):
        return Command("skip", line=first)
    week = iso_week(line, today=today)
    if week is not None:
        return Command("pause", until=week[1], line=first,
                       start=week[0] if week[0] > today else None)
    back = _BACK_RE.match(line)
    if back is not None:
        day = first_date(back["date"], today=today) or day_of_month(back["date"], today=today)
        if day is not None and day > today:
            return _checked(day_before(day), today, first)
    pause = _PAUSE_RE.match(line)
    if pause is None:
        return None
    return _pause(pause["rest"].lstrip(": ").strip(), today, first)


def _pause(rest: str, today: date, first: str) -> Command | None:
    """A pause command; None when the words after "pause" are a sentence, not a command
    ("Pausen i mötet var bra" is an answer)."""
    until: date | None = None
    length = _PAUSE_LENGTH_RE.match(rest)
    until_match = _PAUSE_UNTIL_RE.match(rest)
    if length and length["unit"].lower() in _UNITS:
        count = NUMBER_WORDS.get(length["n"].lower()) or int(length["n"])
        until = today + timedelta(days=count * _UNITS[length["unit"].lower()] - 1)
    elif until_match:
        until = first_date(until_match["date"], today=today) or day_of_month(
            until_match["date"], today=today)
    elif rest and not length:
        return None
    if until is None:
        return Command("pause", problem="no end date or length: write e.g. "
                       "\"pause until 2027-01-07\" or \"pause 2 weeks\"", line=first,
                       issue="no_length")
    return _checked(until, today, first)


def _checked(until: date, today: date, first: str) -> Command:
    """A pause until ``until``, or the reason it cannot be carried out."""
    if until < today:
        return Command("pause", problem=f"{until.isoformat()} is in the past", line=first,
                       issue="in_the_past", named=until)
    if until - today > MAX_PAUSE:
        return Command("pause", problem="a pause can last at most a year", line=first,
                       issue="too_long", named=until)
    return Command("pause", until=until, line=first)


# --------------------------------------------------------------------------- after a command


@dataclass(frozen=True)
class _Piece:
    kind: str
    text: str


def after_command(text: str, segments: Sequence[SegmentLike], reason: str | None = None
                  ) -> tuple[str, tuple[SegmentLike, ...]]:
    """The reply without its command line: the rest of the new text (starting with the
    command's ``reason``, the rest of its sentence), and the segments with that line taken
    out of the first new segment (so that an inline answer under the last quoted question
    never starts with "pause 2 weeks").  The rest is "" when it is only a courtesy (see
    :func:`is_courtesy`)."""
    lines = text.splitlines()
    at = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    rest = "\n".join([*([reason] if reason else []), *lines[at + 1:]]).strip()
    if is_courtesy(rest):
        return "", tuple(segments)
    pieces: list[SegmentLike] = []
    cut = False
    for segment in segments:
        if not cut and segment.kind == "new":  # only the first new segment with text is cut
            seg_lines = segment.text.splitlines()
            first = next((i for i, line in enumerate(seg_lines) if line.strip()), None)
            if first is not None:
                cut = True
                segment = _Piece("new", "\n".join(seg_lines[first + 1:]))
        pieces.append(segment)
    return rest, tuple(pieces)


# Well-wishes people put under a command ("paus till 7 januari\n\nGod jul!"): no answer to
# anything. Thanks and valedictions come from the sign-off vocabulary of mailer.parse.extract.
_WISH_RE = re.compile(
    r"god jul|gott nytt år|god fortsättning|glad påsk|glad midsommar|trevlig (?:helg|sommar|"
    r"semester|jul|påsk|midsommar)|ha (?:en )?(?:bra|fin|trevlig|skön|god) "
    r"(?:helg|dag|vecka|sommar|jul|semester)|ha det (?:bra|gott|fint)|hej(?: då| så länge)?|"
    r"vi ses|merry christmas|happy (?:christmas|new year|holidays|easter|friday|weekend)|"
    r"season'?s greetings|have a (?:nice|good|great|lovely) (?:weekend|day|week|summer|"
    r"holiday|holidays|christmas|vacation)|see you(?: soon| then)?|bye"
)
# A line is split at punctuation and "och"/"and" and each piece matched on its own: one
# repetition over the line would backtrack exponentially ("tack tack tack ... x").
_PIECES_RE = re.compile(r"[,.!?:;()&]+|\s(?:och|and)\s")
_EMOJI_RE = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F\u200d]+")


def is_courtesy(text: str) -> bool:
    """True when every line of ``text`` is a thanks, a valediction or a well-wish, so that a
    command above it leaves nothing to record ("Tack!", "God jul och gott nytt år!").  Only
    whole lines of known phrases count: anything else is kept as an answer."""
    for line in text.lower().splitlines():
        pieces = _PIECES_RE.split(_EMOJI_RE.sub(" ", line))
        for piece in (" ".join(p.split()) for p in pieces):
            if piece and not any(pattern.fullmatch(piece)
                                 for pattern in (_WISH_RE, THANKS_LINE, VALEDICTION)):
                return False
    return True
