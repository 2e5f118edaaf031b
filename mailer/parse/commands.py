"""Reply commands: pause, resume, skip, read as a careful person reads a reply's opening. Pure.

A command is a request in the first sentence of the reply's opening (where it stands:
:mod:`mailer.parse.command_text`), made of a verb, maybe an object, and a time
(:mod:`mailer.parse.command_time`), with politeness around it:

* pause: "pause 2 weeks", "Pausa mig till 4 januari är du snäll", "Please pause me from Dec
  21 to Jan 3", "pausa mig två veckor från och med måndag", "put my check-ins on hold until
  the 14th";
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
Monday": paused until the day before). A request has to be whole: "We had to skip the retro",
"Skip the standup", "I paused the migration" and "Pausen i mötet var bra" are answers. The rest
of the sentence, around the command, is its reason; what follows is an answer like any other
(:func:`after_command`) unless it is only a courtesy ("Tack!", "God jul!");
:mod:`mailer.inbound.decide` records it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from mailer.parse.answers import SegmentLike
from mailer.parse.command_text import (
    COMMAND_WORD,
    Clause,
    first_sentence,
    found_in_any_case,
    is_courtesy,
    is_salutation,
    opening,
    opening_line,
    reason_of,
    unwrap,
)
from mailer.parse.command_time import (
    NOTHING,
    WEEKS,
    When,
    iso_weeks,
    period,
    read_when,
    says_when,
)
from mailer.parse.return_dates import alternatives

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

#: What the service sends, as people name it after "no" ("no check-in tomorrow", "inga mejl").
_SENT = ("check-ins", "check-in", "checkins", "checkin", "check ins", "check in", "avstämningar",
         "avstämning", "mails", "mail", "mejl", "e-mails", "emails", "e-mail", "email", "utskick",
         "reminders", "påminnelser")
#: The same, and their definite forms and the questions, as a request's object names them.
_NOUN = "(?:" + alternatives((
    *_SENT, "avstämningarna", "avstämningen", "mailen", "mejlen", "utskicken", "reminder",
    "påminnelserna", "påminnelsen", "frågorna", "frågor", "questions")) + ")"
_OBJECT = re.compile(
    r"(?:me|mig|for me|för mig|(?:(?:my|the|all|all my|all the|these|mina|alla|alla mina|de|"
    r"dina|era|dessa)\s+)?(?:weekly\s+|veckovisa\s+)?" + _NOUN
    + r"(?:\s+(?:for me|för mig|to me|till mig|from you|från er|från dig))?)(?=\s|$)")
_VERB = re.compile(
    r"(?:(?P<pause>pausa|pausar|pause|pausing|paus)|(?P<skip>skippa|skippar|skipping|skip|"
    r"hoppa över|hoppar över|stå över|står över)|(?P<resume>resume|resuming|unpause|"
    r"återuppta|återupptar|fortsätt|starta igen|start again|restart))(?=\s|:|$)")
_ON_HOLD = re.compile(r"(?:put|sätt|lägg)\s+(?P<object>.{1,40}?)\s+(?:on\s+(?:pause|hold)|"
                      r"på\s+paus)(?=\s|$)")
_AGAIN = re.compile(r"(?:start|starta|sätt igång)\s+(?P<object>.{1,40}?)\s+(?:again|igen)"
                    r"(?=\s|$)")
_BACK_ON = re.compile(r"(?:turn|switch)\s+(?P<object>.{1,40}?)\s+back on(?=\s|$)")
#: "no check-in tomorrow": questions are left out ("no questions this week" is an answer).
_NONE = re.compile(
    r"(?:no|inga|ingen|inget|not any)\s+(?:" + alternatives(_SENT) + ")"
    r"(?:\s+(?:for me|för mig|till mig|from you|från er))?(?=\s|$)")
# "next week's check-in", "nästa veckas avstämning": the time before the noun.
_POSSESSIVE = re.compile(r"(?P<when>[^,]{1,30}?)(?:'s)?\s+" + _NOUN)
_SWEDISH_POSSESSIVE = {"nästa veckas": "nästa vecka", "den här veckans": "den här veckan",
                       "denna veckas": "denna vecka", "veckans": "veckan",
                       "morgondagens": "imorgon", "dagens": "idag"}
_ABSENT = re.compile(
    r"(?:(?:är|blir|har|kommer att vara|kommer vara|will be|be|am|have|'ve got|got)\s+)?"
    r"(?:off sick|out sick|off|away|out of the office|out of office|out|ooo|on leave|"
    r"on (?:parental|sick|annual|paternity|maternity) leave|on vacation|on holidays|on holiday|"
    r"on a trip|on a business trip|travelling|traveling|at a conference|on a course|sick|ill|"
    r"vacation|holiday|"
    r"ledig|borta|bortrest|iväg|på semester|semester|tjänstledig|föräldraledig|pappaledig|"
    r"mammaledig|sjukskriven|sjuk|på resa|på tjänsteresa|på kurs|på konferens|"
    r"på utbildning|frånvarande|hemma)(?=\s|$)")
#: Away for numbered weeks is a command alone ("ledig v. 52"), in the words it always was.
_AWAY_WEEKS = re.compile(
    r"(?:(?:är|have|am)\s+)?(?:ledig|tjänstledig|föräldraledig|borta|bortrest|frånvarande|"
    r"på semester|semester|away|off|out|on leave|on vacation|on holiday|vacation|holiday)\s+"
    r"(?:hela\s+|all\s+)?" + WEEKS)
_BACK = re.compile(
    r"(?:(?:back|tillbaka|åter)(?:\s+(?:in the office|in office|at work|at my desk|på jobbet|"
    r"på kontoret|i tjänst|på plats))?|i tjänst igen|på plats igen)\s+(?P<day>.{1,30})")
_FILLER_WORDS = 4  # "off to Lisbon next week": words between an absence and its time


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
    recognised but not understood (its ``problem`` says why). The last few results are kept:
    reading one reply asks twice (the machine score, then the command itself), and a Command
    is frozen."""
    line = opening_line(text)
    if not found_in_any_case(COMMAND_WORD, line):
        return None  # most replies: no command word at all, so no request can be read
    clauses = first_sentence(line)
    lowered = line.lower()
    # Stretches without a command word are no request; the check needs the words where
    # ``line`` has them, which lower() keeps unless an odd character changes the length.
    check = len(lowered) == len(line)
    unclear: Command | None = None
    for first in _starts(clauses):
        for last in range(first, len(clauses)):
            if check and not COMMAND_WORD.search(lowered, clauses[first].start,
                                                 clauses[last].end):
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
    started = _said_start(request, line, clauses, first, last, today)
    if started is None:
        return None  # two starts, or one that does not fit the request
    request, said_at = started
    when, borrowed_before, borrowed_after = request.when, False, False
    if not said_at and when == NOTHING and request.action != "resume":
        if first > 0:  # "I'm off next week, please skip"
            absence = _absence(line[clauses[0].start:clauses[first - 1].end], today)
            when, borrowed_before = (absence, True) if absence else (when, False)
        elif last + 1 < len(clauses):  # "Pausa mig, jag är ledig till 4 januari"
            absence = _absence(line[clauses[last + 1].start:clauses[last + 1].end], today)
            when, borrowed_after = (absence, True) if absence else (when, False)
    command = _to_command(request.action, when, today=today, line=line)
    if command is None:
        return None
    if first == 0 or borrowed_before:
        before = ""
    elif said_at:  # the clauses before it but the start's
        before = ", ".join(line[clause.start:clause.end]
                           for at, clause in enumerate(clauses[:first]) if at not in said_at)
    else:
        before = line[clauses[0].start:clauses[first].start].rstrip(" ,;:-–—")
    tail = line[clauses[last + 1].end if borrowed_after or last + 1 in said_at
                else clauses[last].end:]
    said, after = _first_sentence(reason_of(tail))
    reason = ", ".join(part for part in (before, said) if part)
    if not reason and not after:
        return command
    return replace(command, reason=reason or None, after=after)  # replace() is slow


#: The end of a sentence: a full stop, "!" or "?" before a capital ("Vi åker bort! Men här
#: är veckans svar"); "t.o.m. fredag", "Dec. 21" and "kl. 9" go on.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖÆØÉÜ])")


def _first_sentence(text: str) -> tuple[str, str]:
    """``text`` cut after its first sentence: (that sentence, the rest)."""
    found = _SENTENCE_END.search(text)
    return (text, "") if found is None else (text[:found.start()], text[found.end():])


def _request(words: str, today: date) -> _Request | None:
    """The request ``words`` make as a whole, or None."""
    text, statement = unwrap(words)
    verb = _VERB.match(text)
    if verb is not None:
        action: CommandAction = "pause" if verb["pause"] else "skip" if verb["skip"] \
            else "resume"
        return _object_and_time(action, text[verb.end():].lstrip(" :"), statement, today)
    for pattern, action in ((_ON_HOLD, "pause"), (_AGAIN, "resume"), (_BACK_ON, "resume")):
        found = pattern.match(text)
        if found is not None and _OBJECT.fullmatch(found["object"]):
            return _Request(action, read_when(text[found.end():], today=today), named=True)
    none = _NONE.match(text)
    if none is not None:  # "ingen check-in imorgon": a skip of that time, which it must name
        when = read_when(text[none.end():], today=today)
        return _Request("skip", when, named=True) if when not in (None, NOTHING) else None
    return _absence_alone(text, statement, today)


def _object_and_time(action: CommandAction, rest: str, statement: bool, today: date
                     ) -> _Request | None:
    """The request after its verb: "mig den här veckan", "me from Dec 21 to Jan 3",
    "next week's check-in"."""
    found = _OBJECT.match(rest)
    named = found is not None
    if found is not None:
        rest = rest[found.end():].strip()
    when = read_when(rest, today=today)
    if when is None and not named:
        possessive = _POSSESSIVE.fullmatch(rest)
        if possessive is not None:
            said = possessive["when"]
            when = read_when(_SWEDISH_POSSESSIVE.get(said, said), today=today)
            named = when is not None
    if when is None and action == "pause" and says_when(rest):
        when = When(open=True)  # "pause until 31 February": a pause, with no end to use
    if statement and not named and (action != "skip" or when in (None, NOTHING)):
        return None  # "I'm pausing until May": pausing what? "I'm skipping this one" says it
    if when is None and not (action == "pause" and named):
        return None  # "Skip the standup", "Pausen i mötet": a sentence, not a command
    return _Request(action, when, named)


def _said_start(request: _Request, line: str, clauses: tuple[Clause, ...], first: int,
                last: int, today: date) -> tuple[_Request, tuple[int, ...]] | None:
    """The request of clauses ``first`` to ``last`` with the start said in clauses of its own
    before it ("Starting Wednesday, please pause me for a week", "Från och med onsdag, pausa
    mig två veckor", "Next week, please skip") or right after it ("Pause me for a week,
    starting Wednesday"), and those clauses (none: no start was said); None when two starts
    are said or the start does not fit the request's own time: a start is never dropped,
    since a pause from today instead pauses the wrong weeks."""
    whole = _start_of(line[clauses[0].start:clauses[first - 1].end], today, whole=True) \
        if first else None
    # else each clause alone, and after the request: an open start ("starting Wednesday")
    alone = (*(range(first) if whole is None else ()), *range(last + 1, len(clauses)))
    found: list[tuple[tuple[int, ...], When]] = [
        ((at,), when) for at in alone
        if (when := _start_of(line[clauses[at].start:clauses[at].end], today, whole=False))
        is not None]
    found += [(tuple(range(first)), whole)] if whole is not None else []
    if not found:
        return request, ()
    if len(found) > 1 or request.action == "resume" or found[0][0][0] > last + 1:  # far after
        return None
    said_at, start = found[0]
    when = _with_start(start, request.when)
    return (_Request("pause", when, request.named), said_at) if when is not None else None


def _start_of(words: str, today: date, *, whole: bool) -> When | None:
    """The start ``words`` say alone: "Starting Wednesday", "Från och med onsdag", "I'm away
    from Monday" (an open time from a later day), or when ``whole`` also a later time with
    its end ("Next week", "From Dec 21 to Jan 3"); None for anything else."""
    text = unwrap(words)[0]
    absent = _ABSENT.match(text)
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


def _absence_alone(text: str, statement: bool, today: date) -> _Request | None:
    """The two statements that are commands alone: away for numbered weeks ("ledig v. 52",
    "jag är ledig vecka 51-52"), and back on a day ("back on Monday"), said without "I'm"
    (autoresponders write "I'm back on Monday")."""
    weeks = _AWAY_WEEKS.fullmatch(text)
    if weeks is not None:
        span = iso_weeks(int(weeks["a"]), int(weeks["b"] or weeks["a"]), today=today)
        return _Request("pause", When(start=span[0], until=span[1])) if span else None
    back = None if statement else _BACK.fullmatch(text)
    span = period(back["day"], today=today) if back else None
    if span is None or span[0] != span[1] or span[0] <= today:
        return None
    return _Request("pause", When(until=span[0] - timedelta(days=1)))


def _absence(words: str, today: date) -> When | None:
    """The time away an absence names ("I'm off next week", "jag är ledig till 4 januari",
    "off to Lisbon from the 21st to the 3rd"), when it names a later one."""
    text = unwrap(words)[0]
    absent = _ABSENT.match(text)
    if absent is None:
        return None
    after = text[absent.end():].split()
    for skipped in range(min(_FILLER_WORDS, len(after)) + 1):
        when = read_when(" ".join(after[skipped:]), today=today)
        if when is not None and when != NOTHING and not when.current and not when.open:
            return when
    return None


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
