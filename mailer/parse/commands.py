"""Reply commands: pause, resume, skip, read as a careful person reads a reply's opening. Pure.

A command is a request in the first sentence of the reply's opening (where it stands:
:mod:`mailer.parse.command_text`), made of a verb, maybe an object, and a time
(:mod:`mailer.parse.command_time`), with politeness around it (the words of all three:
:mod:`mailer.parse.command_words`, :mod:`mailer.parse.time_words`):

* pause: "pause 2 weeks", "Pausa mig till 4 januari är du snäll", "pausa mig två veckor från
  och med måndag", "put my check-ins on hold until the 14th", "Could you hold off on my
  check-ins until after the 20th?", "Kan ni vänta med mina avstämningar till efter den 20:e?";
* skip: "skip", "Kan ni hoppa över mig den här veckan?", "I'm skipping this one"; a skip of a
  later day or week is a pause of it ("skip next week", "hoppa över mig imorgon"), and so is
  "no check-in tomorrow" / "ingen check-in imorgon" / "inga mejl nästa vecka";
* resume: "resume", "Återuppta gärna", "unpause me", "start my check-ins again".

A request without a time borrows the time of an absence next to it in the sentence: "I'm off
next week, please skip" pauses next week, "Pausa mig, jag är ledig till 4 januari" until the
4th. A start said in a clause of its own belongs to the request ("Starting Wednesday, please
pause me for a week", "Från och med onsdag, pausa mig två veckor", "Pause me for a week,
starting Wednesday"): it is never dropped, and a start that does not fit the request's own time
makes no command. A statement of absence alone is no command (autoresponders write those),
except the two forms that always were: a week number ("ledig v. 52") and a return ("back on
Monday": paused until the day before); :mod:`mailer.parse.command_context` reads these times
around a request. A request has to be whole: "We had to skip the retro",
"Skip the standup", "I paused the migration" and "Pausen i mötet var bra" are answers. The rest
of the sentence, around the command, is its reason; what follows is an answer like any other
(:func:`after_command`) unless it is only a courtesy ("Tack!", "God jul!");
:mod:`mailer.inbound.decide` records it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from mailer.parse.answers import SegmentLike
from mailer.parse.command_context import absence, absence_alone, said_start
from mailer.parse.command_text import (
    LINE_MAX,
    Clause,
    cut_sentence,
    first_sentence,
    found_in_any_case,
    is_courtesy,
    is_salutation,
    opening,
    opening_line,
    reason_of,
    unwrap,
)
from mailer.parse.command_time import NOTHING, When, read_when, says_when
from mailer.parse.command_words import (
    AGAIN,
    BACK_ON,
    CONTRAST,
    HEAD,
    NONE,
    OBJECT,
    ON_HOLD,
    POSSESSIVE,
    SWEDISH_POSSESSIVE,
    THIS_PROMPT,
    VERB,
)

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
    #: The sentences after the command's own on its line ("Pausa mig 21/12-6/1, vi åker bort!
    #: Men här är veckans svar:"): not its reason, but the start of the answers.
    after: str = ""

    @property
    def rest_of_line(self) -> str | None:
        """What follows the command on its line: its reason, then the sentences after it."""
        return " ".join(part for part in (self.reason, self.after) if part) or None


MAX_PAUSE = timedelta(days=366)



@dataclass(frozen=True)
class _Request:
    """What a clause asks for: an action and the time it names (None: words that are no
    time), and whether it names the check-ins or the person ("pausa mig")."""

    action: CommandAction
    when: When | None
    named: bool = False


@lru_cache(maxsize=32)
def parse_command(text: str, *, today: date) -> Command | None:
    """The command in the first sentence of the opening of ``text``, or None.

    Each stretch of clauses starting at the sentence's first or second clause is read as a
    request, the shortest first; the first one understood wins, else the first one
    recognised but not understood (its ``problem`` says why); a stretch without a request
    word (:data:`~mailer.parse.command_words.HEAD`) is not read. The last few results are kept:
    reading one reply asks twice (the machine score, then the command itself), and a Command
    is frozen."""
    line = opening_line(text)
    if not found_in_any_case(HEAD, line[:LINE_MAX]):  # as much as first_sentence reads
        return None  # most replies: no request word at all, so no request can be read
    clauses = first_sentence(line)
    lowered = line.lower()
    # Stretches without a request word are no request; the check needs the words where
    # ``line`` has them, which lower() keeps unless an odd character changes the length.
    check = len(lowered) == len(line)
    unclear: Command | None = None
    for first in _starts(clauses):
        for last in range(first, len(clauses)):
            if check and not HEAD.search(lowered, clauses[first].start, clauses[last].end):
                continue
            words = line[clauses[first].start:clauses[last].end]
            command = _command_in(words, line, clauses, first, last, today)
            if command is not None and command.problem is None:
                return command
            unclear = unclear or command
    return unclear


def _starts(clauses: tuple[Clause, ...]) -> list[int]:
    """The clauses a request may start at: the first, and each up to the third after
    punctuation ("Back from leave, resume please!")."""
    starts, cuts = [], 0
    for at, clause in enumerate(clauses):
        if cuts > 2:  # "I'm away Dec 21 - Jan 3, please pause me": the third
            break
        starts.append(at)
        cuts += clause.punctuated
    return starts


def _command_in(words: str, line: str, clauses: tuple[Clause, ...], first: int, last: int,
                today: date) -> Command | None:
    """The command ``words`` (clauses ``first`` to ``last`` of ``line``) ask for, with a
    start said next to it, or the time of an absence next to it when it names none, and the
    rest of the line as its reason; None when they ask for nothing."""
    request = _request(words, today)
    if request is None or (request.when == NOTHING and not request.named
                           and "?" in line[clauses[last].end:clauses[last].stop]):
        return None  # "Skip? No, ...": a verb alone, asked, is a question
    started = said_start(request.action == "resume", request.when, line, clauses, first, last,
                         today)
    if started is None:
        return None  # two starts, or one that does not fit the request
    when, said_at = started
    action = "pause" if said_at else request.action  # a start said makes it a pause
    borrowed_before, borrowed_after = False, False
    if not said_at and when == NOTHING and action != "resume":
        if first > 0:  # "I'm off next week, please skip"
            away = absence(line[clauses[0].start:clauses[first - 1].end], today)
            when, borrowed_before = (away, True) if away else (when, False)
        elif last + 1 < len(clauses):  # "Pausa mig, jag är ledig till 4 januari"
            away = absence(line[clauses[last + 1].start:clauses[last + 1].end], today)
            when, borrowed_after = (away, True) if away else (when, False)
    command = _to_command(action, when, today=today, line=line)
    if command is None:
        return None
    if first == 0 or borrowed_before or CONTRAST.match(words):
        before = ""
    elif said_at:  # the clauses before it but the start's
        before = ", ".join(line[clause.start:clause.end]
                           for at, clause in enumerate(clauses[:first]) if at not in said_at)
    else:
        before = line[clauses[0].start:clauses[first].start].rstrip(" ,;:-–—")
    tail = line[clauses[last + 1].end if borrowed_after or last + 1 in said_at
                else clauses[last].end:]
    said, after = cut_sentence(reason_of(tail))
    reason = ", ".join(part for part in (before, said) if part)
    if not reason and not after:
        return command
    return replace(command, reason=reason or None, after=after)  # replace() is slow


def _request(words: str, today: date) -> _Request | None:
    """The request ``words`` make as a whole, or None."""
    text, statement = unwrap(words)
    verb = VERB.match(text)
    if verb is not None:
        action: CommandAction = "pause" if verb["pause"] else "skip" if verb["skip"] \
            else "resume"
        return _object_and_time(action, text[verb.end():].lstrip(" :"), statement, today)
    for pattern, action in ((ON_HOLD, "pause"), (AGAIN, "resume"), (BACK_ON, "resume")):
        found = pattern.match(text)
        if found is not None and OBJECT.fullmatch(found["object"]):
            return _Request(action, read_when(text[found.end():], today=today), named=True)
    none = NONE.match(text)
    if none is not None:  # "ingen check-in imorgon": a skip of that time, which it must name
        when = read_when(text[none.end():], today=today)
        return _Request("skip", when, named=True) if when not in (None, NOTHING) else None
    alone = absence_alone(text, statement, today)
    return None if alone is None else _Request("pause", alone)


def _object_and_time(action: CommandAction, rest: str, statement: bool, today: date
                     ) -> _Request | None:
    """The request after its verb: "mig den här veckan", "me from Dec 21 to Jan 3",
    "next week's check-in"."""
    if THIS_PROMPT.fullmatch(rest):  # "skip this month's review": the prompt at hand
        return _Request(action, When(current=True), named=True)
    found = OBJECT.match(rest)
    named = found is not None
    if found is not None:
        rest = rest[found.end():].strip()
    when = read_when(rest, today=today)
    if when is None and not named:
        possessive = POSSESSIVE.fullmatch(rest)
        if possessive is not None:
            said = possessive["when"]
            when = read_when(SWEDISH_POSSESSIVE.get(said, said), today=today)
            named = when is not None
    if when is None and action == "pause" and says_when(rest):
        when = When(open=True)  # "pause until 31 February": a pause, with no end to use
    if statement and not named and (action != "skip" or when in (None, NOTHING)):
        return None  # "I'm pausing until May": pausing what? "I'm skipping this one" says it
    if when is None and not (action == "pause" and named):
        return None  # "Skip the standup", "Pausen i mötet": a sentence, not a command
    return _Request(action, when, named)


_NO_LENGTH = ("no end date or length: write e.g. \"pause until 2027-01-07\" or "
              "\"pause 2 weeks\"")


def _to_command(action: CommandAction, when: When | None, *, today: date, line: str
                ) -> Command | None:
    """The command an action and its time make: a skip of a later time is a pause of it; a
    pause without an end, or of a date alone ("pausa 4 januari": until then, or that day?),
    is recognised but not understood."""
    if action == "resume":
        return Command("resume", line=line) if when == NOTHING or (
            when is not None and when.current) else None
    if action == "skip" and when is not None and (when == NOTHING or when.current or when.open):
        return Command("skip", line=line)
    if when is None or when == NOTHING or when.open or (when.bare and action == "pause"):
        return Command("pause", problem=_NO_LENGTH, line=line, issue="no_length")
    until = when.last_day(today)
    if until is None:  # "pause this one"
        return Command("pause", problem=_NO_LENGTH, line=line, issue="no_length")
    if when.start is not None and until < when.start:
        return Command("pause", problem="the last day is before the first", line=line)
    command = _checked(until, today, line)
    if when.start is not None and when.start > today and command.problem is None:
        return replace(command, start=when.start)
    return command


def _checked(until: date, today: date, line: str) -> Command:
    """A pause until ``until``, or the reason it cannot be carried out."""
    if until < today:
        return Command("pause", problem=f"{until.isoformat()} is in the past", line=line,
                       issue="in_the_past", named=until)
    if until - today > MAX_PAUSE:
        return Command("pause", problem="a pause can last at most a year", line=line,
                       issue="too_long", named=until)
    return Command("pause", until=until, line=line)


# --------------------------------------------------------------------------- after a command


@dataclass(frozen=True)
class _Piece:
    kind: str
    text: str


def after_command(text: str, segments: Sequence[SegmentLike], rest_of_line: str | None = None
                  ) -> tuple[str, tuple[SegmentLike, ...]]:
    """The reply without its command line: the rest of the new text (starting with what
    followed the command on its line, :attr:`Command.rest_of_line`), and the segments with
    that line, and the greeting above it, taken out of the first new segment (so that an
    inline answer under the last quoted question never starts with "pause 2 weeks").  The rest
    is "" when it is only a courtesy (see :func:`is_courtesy`)."""
    lines = text.splitlines()
    at = opening(text)[0]
    rest = "\n".join([*([rest_of_line] if rest_of_line else []), *lines[at + 1:]]).strip()
    if is_courtesy(rest):
        return "", tuple(segments)
    pieces: list[SegmentLike] = []
    cut = False
    for segment in segments:
        if not cut and segment.kind == "new":  # only the first new segment with text is cut
            seg_lines = segment.text.splitlines()
            first, line = opening(segment.text)
            if line:
                cut = True
                segment = _Piece("new", "\n".join(seg_lines[first + 1:]))
            elif any(is_salutation(line.strip()) for line in seg_lines if line.strip()):
                segment = _Piece("new", "")  # "Hej Lena!" alone above the command
        pieces.append(segment)
    return rest, tuple(pieces)
