"""Where a reply command stands: the opening of a reply, its first sentence and its clauses. Pure.

A careful reader looks for a request where people put one: at the opening of the reply, which
is its first line that is not a greeting or a thanks ("Hej Lena!", "Hi Lena,", "Tack för
mejlet!"), in the first sentence there, as its first or second clause ("Back from leave, resume
please!", "I'm off next week, please skip."). :func:`opening` finds that line,
:func:`first_sentence` cuts its first sentence into clauses (at commas, dashes, semicolons and
the words that start a new clause: "because", "eftersom", "and", "och", ...; never inside "v.
52", "7.1.", "t.o.m.", "till och med" or "January 7, 2027"), and :func:`unwrap` takes off the
politeness around a request, before it ("please", "could you", "would you mind", "kan ni", "jag
vill") and after it ("tack", "är du snäll", "if possible"). :mod:`mailer.parse.commands` reads
the request itself; what it leaves of the line is the command's reason (:func:`reason_of`), and
what is only a courtesy below it is no answer (:func:`is_courtesy`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from mailer.parse.command_words import AFTER, AFTER_WORDS, INSIDE, PRE
from mailer.parse.quote_patterns import THANKS_LINE, VALEDICTION
from mailer.parse.time_words import DOTTED_DATE_END

#: The opening is within the first few lines: only this much of a reply is split into lines.
_HEAD = 2000
LINE_MAX = 300  # a longer first line is read up to here
_MAX_CLAUSES = 8
#: Greetings and thanks above a request ("Hej Lena!\n\nPausa mig ...") that are skipped.
_MAX_SALUTATIONS = 2
_SALUTATION_MAX = 60  # characters: a longer line is no greeting

_GREETING = re.compile(
    r"(?:hej hej|hejsan|hej|hallå|tjena|tjenare|tja|god morgon|hello|hi|hey|hiya|dear|"
    r"good morning|morning)(?:\s+[^\W\d_][\w'’.-]*){0,3}")
_THANKS = re.compile(
    r"(?:many thanks|thanks|thank you|thx|tusen tack|stort tack|tackar|tack)"
    r"(?:\s+(?:so much|a lot|again|igen|så mycket))?(?:\s+(?:for|för)\s+[^.!?]{1,40})?"
    # an apology or a wish that opens a reply ("Sorry for the late reply!", "Hoppas allt är
    # bra!") is no request either
    r"|(?:sorry|so sorry|apologies|ursäkta|förlåt|hope|i hope|hoppas)(?:\s+[^.!?]{1,50})?")
# A cut ends a clause: punctuation (a full stop only before a space and no digit: not "v. 52";
# a comma not before a year: not "January 7, 2027"; a dash between spaces: not "2027-01-07";
# a parenthesis: "pausa mig nästa vecka (kurs i Kiruna)" has its aside as a clause),
# or a space before a word that starts a new clause.
_CUT = re.compile(
    r"\s*(?:[!?]+|\.(?=\s|$)(?!\s*\d)|[,;](?!\s*20\d\d\b)|\s[-–—](?=\s)|[()])[\s!?.,;()]*"
    # "till och med", "från och med": one phrase, not "och" starting a clause
    # "and"/"och" before a number joins the numbers of one time ("vecka 51 och 52",
    # "the 21st and 22nd"), not two clauses.
    r"|(?<!\b[tT]ill)(?<!\b[fF]rån)(?<!\s)\s+(?=(?:because|since|as|eftersom|för att|pga|"
    r"p\.g\.a\.|på grund av|due to|då|so|så|but|men)\s|(?:and|och)\s(?!\s*\d))")
_DOTTED_DATE_BEFORE = re.compile(r"\d\.\d{1,2}$")


@dataclass(frozen=True)
class Clause:
    """One clause of a line: ``line[start:end]`` are its words, the cut after it ends at
    ``stop``."""

    start: int
    end: int
    stop: int
    punctuated: bool  # the cut after it is punctuation (not a word such as "because")
    final: bool  # the cut after it ends the sentence


def opening(text: str) -> tuple[int, str]:
    """(index in ``text.splitlines()``, stripped text) of the reply's opening line: the first
    that is neither blank nor a greeting or thanks alone; (the line count, "") when none."""
    lines = text[:_HEAD].splitlines()
    skipped = 0
    for at, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if skipped < _MAX_SALUTATIONS and _above_the_opening(stripped):
            skipped += 1
            continue
        return at, stripped
    return len(lines), ""


#: A name alone on the first line ("Lena," / "Anna!"), as Swedish business mail opens.
_NAME_LINE = re.compile(r"[A-ZÅÄÖ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäöéü]+)?[,!]")


def _above_the_opening(line: str) -> bool:
    """A salutation, or a name alone (not "Skip!": a request word is no name)."""
    return is_salutation(line) or bool(_NAME_LINE.fullmatch(line)) and not \
        _REQUEST_WORD.search(line.lower())


def opening_line(text: str) -> str:
    """The text of :func:`opening`, quickly: most replies open on their first non-blank line
    (every line break is whitespace), and only a short line can be a salutation."""
    first = (text.lstrip().partition("\n")[0].splitlines() or [""])[0].strip()
    return opening(text)[1] if len(first) <= _SALUTATION_MAX and _above_the_opening(first) \
        else first


#: Words of a request: a greeting or thanks holding one is no salutation ("Hej pausa mig").
_REQUEST_WORD = re.compile(r"\b(?:paus|unpaus|skip|hoppa|hoppar|stå över|står över|resum|"
                           r"återupp|fortsätt|ledig|back|tillbaka)\b")


_SALUTATION_START = re.compile(
    r"(?:hej|hall|tjen|tja|god|hello|hi|hey|dear|good|morn|many|thank|thx|tusen|stort|tack|"
    r"sorry|so|apolog|ursäkta|förlåt|hope|i hope|hoppas)",
    re.IGNORECASE)


def is_salutation(text: str) -> bool:
    """A greeting or a thanks alone ("Hej Lena!", "Hi Lena,", "Tack för mejlet!"), without a
    request word."""
    if len(text) > _SALUTATION_MAX or not _SALUTATION_START.match(text):
        return False
    words = text.lower().strip(" ,.!:;-–—")
    return bool(_GREETING.fullmatch(words) or _THANKS.fullmatch(words)) and not \
        _REQUEST_WORD.search(words)


def first_sentence(line: str) -> tuple[Clause, ...]:
    """The clauses of the first sentence of ``line`` that is not a greeting or a thanks
    ("Hej Lena! Pausa mig ..." starts at "Pausa"), at most a few."""
    line = line[:LINE_MAX]
    clauses: list[Clause] = []
    at = 0
    skipped = 0
    for start, end, final, punctuated in _cuts(line):
        if line[at:start].strip():
            clause = Clause(at, start, end, punctuated, final)
            if not clauses and skipped < _MAX_SALUTATIONS and is_salutation(line[at:start]):
                skipped += 1
            else:
                clauses.append(clause)
                if final or len(clauses) >= _MAX_CLAUSES:
                    return tuple(clauses)
        at = end
    if line[at:].strip() and len(clauses) < _MAX_CLAUSES:
        clauses.append(Clause(at, len(line.rstrip()), len(line), True, True))
    return tuple(clauses)


def _cuts(line: str) -> Iterator[tuple[int, int, bool, bool]]:
    """(start, end, ends the sentence, is punctuation) of each cut in ``line``."""
    for cut in _CUT.finditer(line):
        text = cut.group()
        start, end = cut.start(), cut.end()
        if text[:1] == "." or text.lstrip()[:1] == ".":
            dot = start + text.index(".")
            before = line[max(0, dot - 2):dot]
            if len(before) == 2 and before[1].isalpha() and before[0] in " .":
                continue  # "t.o.m.", "fr.o.m.", "p.g.a.": an abbreviation, not a full stop
            if _DOTTED_DATE_BEFORE.search(line, 0, dot):
                start = dot + 1  # "7.1.": the full stop ends the date too
        yield start, end, any(mark in text for mark in ".!?"), bool(text.strip())


_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F\u200d]+")


def unwrap(words: str) -> tuple[str, bool]:
    """The request in ``words`` without the politeness around it, lowercase with whitespace
    folded, and whether it was said as a statement ("I'm skipping this one", "jag pausar
    ...") rather than asked for; the politeness is taken off a few words at a time."""
    text = " ".join(_EMOJI.sub(" ", words.lower().replace("’", "'")).split()).strip(
        " ,!?;:-–—()[]\"'")
    if not DOTTED_DATE_END.search(text):  # "until 7.1.": the full stop is the date's
        text = text.rstrip(" .")
    words_left = text.split(" ")
    for _ in range(3):
        size = next((n for n in range(min(AFTER_WORDS, len(words_left) - 1), 0, -1)
                     if " ".join(words_left[-n:]).strip(",") in AFTER), 0)
        if not size:
            break
        words_left = words_left[:-size]
    # "hoppa gärna över mig", "pause me please until ...": politeness inside the request too
    text = " ".join(word for word in words_left if word.strip(",") not in INSIDE).strip(" ,")
    statement = False
    for _ in range(4):
        found = PRE.match(text)
        if found is None:
            break
        statement = statement or found["subject"] is not None
        text = text[found.end():]
    return text, statement


#: The end of a sentence: a full stop, "!" or "?" before a capital ("Vi åker bort! Men här
#: är veckans svar"); "t.o.m. fredag", "Dec. 21" and "kl. 9" go on.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖÆØÉÜ])")


def cut_sentence(text: str) -> tuple[str, str]:
    """``text`` cut after its first sentence: (that sentence, the rest)."""
    found = _SENTENCE_END.search(text)
    return (text, "") if found is None else (text[:found.start()], text[found.end():])


_COURTESY_PIECE = re.compile(
    r"^(?:tack|thanks|thank you|thx|please|tack så mycket|tusen tack|mvh|/\w+)[\s,.!]*$",
    re.IGNORECASE)
_PIECE = re.compile(r"^([^.!?,]*[.!?,]+)\s*")  # up to the next punctuation


def reason_of(tail: str) -> str:
    """The rest of the line without the punctuation that cut it and without leading
    courtesies ("tack! Jag är på kurs" -> "Jag är på kurs")."""
    text = tail.lstrip(" ,;:!?.-–—(")
    if ")" in text and "(" not in text:  # the aside the request's clause left: "kurs i Kiruna)."
        text = text.replace(")", "", 1).replace(" .", ".")
    while True:
        match = _PIECE.match(text)
        if match is None or not _COURTESY_PIECE.match(match.group(1).strip()):
            break
        text = text[match.end():]
    if _COURTESY_PIECE.match(text.strip()):
        return ""
    return text.strip()


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


def is_courtesy(text: str) -> bool:
    """True when every line of ``text`` is a thanks, a valediction or a well-wish, so that a
    command above it leaves nothing to record ("Tack!", "God jul och gott nytt år!").  Only
    whole lines of known phrases count: anything else is kept as an answer."""
    for line in text.lower().splitlines():
        pieces = _PIECES_RE.split(_EMOJI.sub(" ", line))
        for piece in (" ".join(p.split()) for p in pieces):
            if piece and not any(pattern.fullmatch(piece)
                                 for pattern in (_WISH_RE, THANKS_LINE, VALEDICTION)):
                return False
    return True


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
