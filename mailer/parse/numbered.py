"""Numbered answers ("1. ...", "2) ...", "3 ...") mapped to the questions they follow. Pure.

People number answers in many ways: "1.", "1)", "1:", "(1)", "1/", "1 - " / "1 – " (a dash
with a blank after it), a keycap emoji "1️⃣", a word as dictation writes it ("One.", "Två:") or a
letter ("a)", "B."), both only in order from one or "a", numbers from zero ("0.", "1.", ...:
read as from one), or with a label of our question in front ("Q1:", "Q 1.", "Question 1:",
"Fråga 1:", "F1:", "Svar 1:", "Punkt 1:"). A dash or a slash also stands between a number and
prose ("2 - 3 veckor kvar"), so those count only when two or more of our numbers use them; a
label needs a separator ("Q1 was slow" is about the quarter).

A number starts the answer to our question of that number only when it continues our
numbering: higher than the last one, in the style and at the indentation the first answer
used. So a sub-list inside an answer stays in it ("2. Three things:\\n1) CI\\n2) reviews\\n
3) spec" is all answer 2: its numbers restart, change style or are indented), and the next
of our numbers after it ("3. 3") is question 3 again. Numbers without a mark ("1 Bra") count
only when the text starts with 1 and each next one follows in order.

A question restated on its answer line ("Hur är din energi, 1-5? 3") or on the line above the
answer is removed from the answer (:func:`strip_restated`).

The last answer runs to the end of the text, but a careful reader stops it at a closing
remark (:func:`without_closing`): a postscript ("PS: ...", "P.S."), a paragraph addressed to
the reader about the reply ("Hör av dig om du vill prata", "Let me know if ...", "Thanks for
asking", "Ha en bra helg") or one that goes back to another answer ("Om punkt 2: ...", "Re
question 2"). Any other paragraph stays part of the answer: people write answers over several
paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# How people number their answers, a small grammar (the same in Swedish and English):
# an optional label of our question ("Q1", "Q 1", "Question 1", "Fråga 1", "F1", "Svar 1",
# "Punkt 1", "#1"), the number ("1", "(1)", a keycap emoji "1️⃣") and its separator: ".", ")",
# ":", "/", or a dash with a blank after it ("1 - ", "1 – "). "." and ":" never take a digit
# right after them, "/" not even after a blank ("1.5", "9:30", "1/12", "4 / 5" are a decimal, a
# time, a date and a score), nor ":a"/":e" (a Swedish ordinal: "1:a veckan"). A label needs
# a separator ("Q1 was slow" is the quarter).
_LABEL = r"(?i:question|fråga|answer|svar|punkt|nr\.?|q|f|a|#)"
_MARKED = re.compile(
    r"^(?P<indent>\s*+)(?:\*\*)?(?:(?P<label>" + _LABEL + r")\s?(?=\(?\d))?"
    r"(?P<open>\((?=\d{1,2}\)))?(?P<n>\d{1,2})"
    r"(?P<mark>\s*\)|\s*\.(?!\d)|\s*:(?!\d|[ae](?!\w))|\s*/(?!\s?\d)|\s*[-–—](?=\s)|\ufe0f?\u20e3)"
    r"\s*(?:\*\*)?\s*(?P<text>.*)$")
#: Separators that also stand between a number and prose ("2 - 3 veckor kvar"): numbering
#: only when two or more of our numbers use them.
_WEAK_MARKS = frozenset("-–—/")
_BARE = re.compile(r"^(?P<indent>)(?P<n>\d)(?P<mark>\s)\s*(?P<text>\S.*)$")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Numbering:
    """What :func:`numbered` reads of a question set, worked out once per set (the caller keeps
    it with the set): the ids by number, and per id the wordings an answer may restate."""

    ids: tuple[str, ...]
    #: Per id, the first question's wordings normalised, the empty ones left out.
    restated: Mapping[str, tuple[str, ...]]
    #: Per id, the first characters of those wordings.
    starts: Mapping[str, str]


def numbering(questions: Sequence[tuple[str, tuple[str, ...]]]) -> Numbering:
    """The :class:`Numbering` of a question set, given as (id, wordings) per question, in
    order (:meth:`mailer.models.Question.wordings`)."""
    restated = {qid: tuple(norm for norm in map(_norm, wordings) if norm)
                for qid, wordings in reversed(questions)}  # the first question of an id
    starts = {qid: "".join(sorted({norm[0] for norm in norms})) for qid, norms in restated.items()}
    return Numbering(tuple(qid for qid, _ in questions), restated, starts)


def numbered(text: str, asked: Numbering) -> dict[str, str]:
    """Answer text per question id, from numbered lines (see the module docstring)."""
    lines = text.splitlines()
    lines = _from_zero(lines) or lines
    found, style = _read(lines, asked.ids, _MARKED)
    if len(found) == 1 and style in _WEAK_MARKS:
        # One "2 - 3 veckor kvar" is prose ("1 - Bra\n2 - Inga" is numbering): read the
        # other forms only.
        found, _ = _read(lines, asked.ids, _MARKED, weak=False)
    if not found and _bare_in_order(lines):
        found, _ = _read(lines, asked.ids, _BARE)
    if not found:
        counted = _counted_in_order(lines)
        if counted is not None:
            found, _ = _read(counted, asked.ids, _MARKED)
    if not found:
        return found
    found = {qid: strip_restated(answer, asked.restated[qid], asked.starts[qid])
             for qid, answer in found.items()}
    last = next(reversed(found))  # our numbers rise: the answer that runs to the end
    found[last] = without_closing(found[last])
    return found


# A postscript: "PS", "P.S.", "PS:", "P.P.S." (not "Psykiskt", "Pss").
_POSTSCRIPT = re.compile(r"^\s*(?:p\.?\s?){1,2}s(?!\w)", re.IGNORECASE)
# A paragraph addressed to the reader about the reply, not about the question: an offer to
# talk, thanks for the check-in, a wish or an apology, or a note on another answer by number.
# Anchored at the paragraph's start, so "I let the team know" or "Call me crazy" stay answers.
_WISHED = r"(?:dag|vecka|helg|kväll|jul|ledighet|day|week|weekend|evening|one|break|holiday)"
_CLOSING = re.compile(
    r"^\s*(?:(?:och|men|annars|så|and|but|also|otherwise|anyway|btw|oh)[\s,]+)?"
    # Swedish: an offer to talk, thanks, a wish, an apology
    r"(?:(?:hör|höra)\s+(?:gärna\s+)?av\s+(?:dig|er)|säg\s+(?:gärna\s+)?till|"
    r"ping(?:a)?\s+mig|ring\s+gärna|återkom(?:mer)?\b|tveka\s+inte|"
    r"(?:vi|jag)\s+kan\s+(?:gärna\s+)?(?:prata|ta|höras|ses)|"
    r"(?:kan|skulle)\s+vi\s+(?:kunna\s+)?(?:prata|ta|höras|ses)|"
    r"om\s+du\s+(?:vill\s+(?:prata|veta|höras|ses)|undrar|har\s+(?:några\s+)?frågor)|"
    r"tack\s+för\s+(?:att\s+du|frågan|frågorna|mejlet|checken|avstämningen)|"
    r"ha\s+(?:en\s+(?:bra|fin|trevlig|skön)\s+" + _WISHED + r"|det\s+(?:gott|bra|fint))|"
    r"trevlig\s+(?:helg|kväll|vecka)|vi\s+ses\b|hoppas\s+(?:du|ni|allt|att\s+du|att\s+ni)\b|"
    r"(?:ursäkta|förlåt)\s+(?:sent|det\s+sena|att|för)|ber\s+om\s+ursäkt|"
    # English: the same
    r"let\s+me\s+know|let['’]s\s+(?:talk|chat|discuss|sync)|feel\s+free|"
    r"happy\s+to\s+(?:talk|chat|discuss|explain)|(?:just\s+)?ping\s+me|"
    r"give\s+me\s+a\s+(?:call|shout|ring)|reach\s+out|get\s+in\s+touch|"
    r"don['’]t\s+hesitate|(?:we|i)\s+can\s+(?:talk|chat|discuss|sync)|"
    r"(?:can|could)\s+we\s+(?:talk|chat|discuss|sync)|"
    r"if\s+you\s+(?:want\s+to\s+(?:talk|chat|discuss)|have\s+(?:any\s+)?questions)|"
    r"thanks?\s+(?:you\s+)?for\s+(?:asking|checking|the\s+check)|"
    r"have\s+a\s+(?:good|great|nice|lovely)\s+" + _WISHED + r"|"
    r"see\s+you\b|talk\s+soon|speak\s+soon|hope\s+(?:you|all|your)\b|"
    r"(?:sorry|apologies)\s+(?:for|about|if)|"
    # a note on another answer by its number
    r"(?:om|angående|ang\.|gällande|vad\s+gäller|re:?|about|regarding|as\s+for|on)\s+"
    r"(?:punkt|fråga|svar|point|question|answer|item|nr\.?|#)\s?\d\b)",
    re.IGNORECASE)


def is_postscript(line: str) -> bool:
    """``line`` opens a postscript ("PS", "P.S.", "PS:"; not "Psykiskt")."""
    return _POSTSCRIPT.match(line) is not None


def without_closing(answer: str) -> str:
    """``answer`` up to a closing remark after it (see the module): a postscript line, or a
    paragraph after a blank line that speaks to the reader about the reply."""
    lines = answer.splitlines()
    said = bool(lines) and bool(lines[0].strip())  # a remark can only close an answer given
    for at in range(1, len(lines)):
        paragraph = not lines[at - 1].strip()
        if said and (_POSTSCRIPT.match(lines[at]) or (paragraph and _CLOSING.match(lines[at]))):
            return "\n".join(lines[:at]).rstrip()
        said = said or bool(lines[at].strip())
    return answer


def _read(lines: Sequence[str], ids: Sequence[str], pattern: re.Pattern[str], *,
          weak: bool = True) -> tuple[dict[str, str], str]:
    """Answers per id, and the style of our numbering (:func:`_style`); with ``weak`` False,
    a number with a weak separator (:data:`_WEAK_MARKS`) is text."""
    found: dict[str, str] = {}
    current: str | None = None
    last = 0
    indent0: int | None = None  # the indentation of our numbering
    sub, sub_mark = 0, ""  # the last number and the mark of a sub-list inside the answer
    base_mark = ""
    matches = [pattern.match(line) for line in lines]
    if not weak:
        matches = [m if m is None or _style(m) not in _WEAK_MARKS else None for m in matches]
    for at, line in enumerate(lines):
        match = matches[at]
        if match is None:
            if current is not None:
                found[current] += "\n" + line
            continue
        number, mark, indent = int(match["n"]), _style(match), len(match["indent"])
        ours = last < number <= len(ids) and (indent0 is None or indent <= indent0)
        if ours and indent0 is not None and mark in _WEAK_MARKS and mark != base_mark:
            ours = False  # "4 - lite trött" inside an answer of a "1." numbering
        if ours and sub and number == sub + 1 and mark == sub_mark and (
                mark != base_mark or _again(matches, at, number, mark)):
            ours = False  # "3)" after a sub-list's "2)" goes on with the sub-list
        if ours:
            current, last, sub = ids[number - 1], number, 0
            if indent0 is None:
                indent0, base_mark = indent, mark
            found[current] = match["text"]
        elif current is not None:
            sub, sub_mark = number, mark
            found[current] += "\n" + line
    return found, base_mark


def _style(match: re.Match[str]) -> str:
    """How a number is written, label and brackets included ("q:", "()", ".", "-", "⃣"):
    our numbering keeps one style, a sub-list inside an answer may use another."""
    groups = match.groupdict()
    mark = match["mark"].strip().replace("\ufe0f", "") or " "
    mark = "-" if mark in ("–", "—") else mark
    label = (groups.get("label") or "").casefold().rstrip(".")
    return label + (groups.get("open") or "") + mark


def _again(matches: Sequence[re.Match[str] | None], at: int, number: int, mark: str) -> bool:
    """The same number in the same style comes again further down."""
    return any(m is not None and int(m["n"]) == number and _style(m) == mark
               for m in matches[at + 1:])


#: Other ways of counting answers at the start of a line: numbers as dictation writes them
#: (iOS and Android voice typing spell out a number said alone: "One.", "Två:") and letters
#: ("a)", "B."). With a mark and text after it.
_COUNTED = re.compile(r"^(?P<c>one|two|three|four|five|six|ett|en|två|tre|fyra|fem|sex|"
                      r"[a-f](?=[.)]))(?P<mark>[.):])(?=\s+\S)", re.IGNORECASE)
_COUNTS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "ett": 1, "en": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6,
           **{letter: n for n, letter in enumerate("abcdef", 1)}}


def _counted_in_order(lines: Sequence[str]) -> list[str] | None:
    """``lines`` with "One." / "a)" ... written "1." / "1)" ..., when such words or letters
    count the lines 1, 2, ... in order (two at least, as bare numbers must: "One thing: ..."
    or "a) ..." alone is no numbering). None otherwise."""
    matches = [_COUNTED.match(line) for line in lines]
    counted = [(at, m) for at, m in enumerate(matches) if m]
    if len(counted) < 2 or len({len(m["c"]) == 1 for _, m in counted}) > 1:
        return None  # words and letters: two countings
    numbers = [_COUNTS[m["c"].casefold()] for _, m in counted]
    if not _in_order(numbers):
        return None
    return _renumbered(lines, [(at, m.span("c"), n)
                               for (at, m), n in zip(counted, numbers, strict=True)])


def _from_zero(lines: Sequence[str]) -> list[str] | None:
    """``lines`` counted from one, when our numbering counts from zero ("0. ...", "1. ...":
    read as it stands, answer 1 was lost and every other answer went to the question
    before its own). Only when the first numbered line is 0 and the lines of its style and
    indentation run 0, 1, 2, ... in order; None otherwise."""
    matches = [(at, m) for at, m in enumerate(map(_MARKED.match, lines)) if m]
    if not matches or matches[0][1]["n"] != "0":
        return None
    first = matches[0][1]
    ours = [(at, m) for at, m in matches
            if _style(m) == _style(first) and m["indent"] == first["indent"]]
    if not _in_order([int(m["n"]) for _, m in ours], first=0):
        return None
    return _renumbered(lines, [(at, m.span("n"), int(m["n"]) + 1) for at, m in ours])


def _in_order(numbers: Sequence[int], first: int = 1) -> bool:
    """Two numbers at least, counting up by one from ``first``."""
    return len(numbers) >= 2 and list(numbers) == list(range(first, first + len(numbers)))


def _renumbered(lines: Sequence[str], marks: Sequence[tuple[int, tuple[int, int], int]]
                ) -> list[str]:
    """``lines`` with each mark (line, its span, the number) written as that number."""
    renumbered = list(lines)
    for at, (start, end), number in marks:
        renumbered[at] = f"{lines[at][:start]}{number}{lines[at][end:]}"
    return renumbered


def _bare_in_order(lines: Sequence[str]) -> bool:
    return _in_order([int(m["n"]) for m in (_BARE.match(line) for line in lines) if m])


def _norm(text: str) -> str:
    return joined_words(text.casefold())


def joined_words(folded: str) -> str:
    """The words (``\\w+``) of ``folded`` (text in lower case) joined by single spaces: how
    :mod:`mailer.parse.answers` and this module compare a reply's text with a question."""
    try:
        latin = folded.encode("latin-1")
    except UnicodeEncodeError:
        # Bullets, dashes and curly quotes (Outlook types them) are not words: spaces in
        # their place leave the same words, and most such text is Latin-1 after that.
        for mark in _PUNCTUATION:
            folded = folded.replace(mark, " ")
        try:
            latin = folded.encode("latin-1")
        except UnicodeEncodeError:  # another script, an emoji: the regex reads any text
            return " ".join(_WORD.findall(folded))
    # Swedish and English text is Latin-1: a table per byte (in C) finds the same words as
    # the regex in under half the time; a whole quote is normalised for every reply.
    return b" ".join(latin.translate(_LATIN_WORD).split()).decode("latin-1")


#: Per Latin-1 byte: the byte when its character is a word character (``\w``), else a
#: space (an ASCII space: the only separator left for ``bytes.split``).
_LATIN_WORD = bytes(c if _WORD.match(chr(c)) else 0x20 for c in range(256))
#: Punctuation outside Latin-1 that mail text often holds; none of it a word character.
_PUNCTUATION = ("\u2022", "\u2013", "\u2014", "\u2018", "\u2019", "\u201c", "\u201d", "\u2026")


def strip_restated(answer: str, norms: tuple[str, ...], starts: str) -> str:
    """``answer`` without the question's own wording (``norms``: its wordings normalised, as
    :attr:`Numbering.restated` keeps them; ``starts``: their first characters) in front of it
    ("Vilka hinder stöter du på? Inga" -> "Inga"), on the same line or alone on the line
    above."""
    first = answer[:1]
    # A word character starts the normalised line as itself case-folded (no character folds
    # to a non-word one: tests/parse/test_numbered.py), so most answers ("Bra", "4", "Inga")
    # are not normalised at all.
    if (first.isalnum() or first == "_") and first.casefold()[0] not in starts:
        return answer
    head, sep, rest = answer.partition("\n")
    norm_head = _norm(head)
    if not norm_head.startswith(norms):  # most answers: no wording at all, one test for all
        return answer
    for norm in norms:
        if not norm_head.startswith(norm):
            continue
        # Find where the wording ends in the raw line: as many word characters as it has.
        wanted, at = len(norm.replace(" ", "")), 0
        seen = 0
        while at < len(head) and seen < wanted:
            if head[at].isalnum() or head[at] == "_":
                seen += 1
            at += 1
        remainder = head[at:].lstrip(" ?:.-–—\t")
        return (remainder + sep + rest).strip() if remainder else rest.strip()
    return answer
