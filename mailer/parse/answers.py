"""From the new text of a reply to answers per question id, scale values and reply commands. Pure.

People answer in four shapes, tried in this order (the first that finds answers wins):

1. inline: each answer written under the quoted question (bottom- or interleaved posting, as
   Thunderbird and Apple Mail users do, and Outlook users who type "[Name] ..." into the
   original; the quote and new segments come from :mod:`mailer.parse.extract`);
2. numbered: ``1.``/``1)``/``1:``/``1 -``/``(1)``/``Q1:`` at the start of a line, top-posted
   (the phone habit; the grammar is :mod:`mailer.parse.numbered`'s);
3. labelled: ``Hinder: ...``, ``Energy: 4`` with the labels of ``questions.toml`` (a label starts
   a line and is followed by ":" or " - "; a scale label also by its number, "Energi 4"), and,
   among those, the writer's own labels and lines like "Energy-wise a 2"
   (:mod:`mailer.parse.labelled`);
4. anything else is free text: kept whole, ``unstructured``, never split by guesswork.

A scale answer is a number when it says one number on the scale: strictly ("4", "4/5", "4 av
5", "4 of 5", :func:`read_scale`), or as people write it ("ca 3", "Fyra, lite trött", "3-4" =
3.5, "4,5" = 4.5, "Fyra, nästan fem" = 4: :mod:`mailer.parse.scales`); anything else ("7",
"4/10", "3,7", "3, maybe 4") is kept as the text, with a problem. A line marking cut quoted
text ("[...]", "<snip>") is in no answer. Reply commands live in :mod:`mailer.parse.commands`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal, Protocol

from mailer.models import AnswerValue, Question
from mailer.parse.labelled import Labels, labelled, labels
from mailer.parse.numbered import Numbering, joined_words, numbered, numbering, without_closing
from mailer.parse.prompt_text import PromptText
from mailer.parse.quote_lines import is_snip
from mailer.parse.scales import NUMBER_WORDS, loose_scale

SCALE_LOW, SCALE_HIGH = 1, 5
#: How a record's problem note about a scale answer ends ("mood: 7 is outside ...; kept as text").
KEPT_AS_TEXT = "; kept as text"
Method = Literal["inline", "numbered", "labelled", "free_text", "empty"]


class SegmentLike(Protocol):
    """A piece of a reply as :mod:`mailer.parse.extract` splits it (``kind``: "new", "quote")."""

    @property
    def kind(self) -> str: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Mapped:
    answers: Mapping[str, AnswerValue] = field(default_factory=dict)
    method: Method = "empty"
    problems: tuple[str, ...] = ()
    #: Answers typed into an unquoted (Outlook) original under the question lines, as those
    #: lines with the answers under them: the new text lacks them, the record's text keeps them.
    quoted_text: str = ""

    @property
    def unstructured(self) -> bool:
        return self.method == "free_text"


# --------------------------------------------------------------------------- scale

# The strict reading takes a whole-answer number word, but not "en": alone it is as likely the
# article as the number.
_NUMBER_WORDS = {word: n for word, n in NUMBER_WORDS.items() if word != "en"}
_SCALE_RE = re.compile(
    r"^\s*(?P<n>\d+(?:[.,]\d+)?)\s*(?:(?:/|av|utav|of|out of)\s*(?P<d>\d+))?(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)


#: "unclear" is never found by :func:`read_scale`: it is for a note of an older rule.
ScaleIssueKind = Literal["no_number", "not_whole", "other_scale", "several", "out_of_range",
                         "unclear"]


@dataclass(frozen=True)
class ScaleIssue:
    """Why an answer is not one number on the scale, as data: the record keeps the English
    (:meth:`english`), the receipt says it in the person's language
    (:mod:`mailer.inbound.receipts`)."""

    kind: ScaleIssueKind
    shown: str  # the part of the answer the issue is about, already quoted ('"4/10"', "7")
    low: int = SCALE_LOW
    high: int = SCALE_HIGH

    def english(self) -> str:
        scale = f"{self.low}-{self.high}"
        return {
            "no_number": f"no number {scale} found in {self.shown}",
            "not_whole": f"{self.shown} is not a whole number {scale}",
            "other_scale": f"{self.shown} is not on the {scale} scale",
            "several": f"{self.shown} is more than one number",
            "out_of_range": f"{self.shown} is outside the scale {scale}",
            "unclear": f"{self.shown} is not one number {scale}",
        }[self.kind]


def parse_scale(text: str, *, low: int = SCALE_LOW,
                high: int = SCALE_HIGH) -> tuple[int | None, str | None]:
    """(value, None) for a clear scale answer, else (None, what is wrong with it)."""
    value, issue = read_scale(text, low=low, high=high)
    return value, issue.english() if issue else None


def read_scale(text: str, *, low: int = SCALE_LOW, high: int = SCALE_HIGH
               ) -> tuple[int | None, ScaleIssue | None]:
    """(value, None) for a clear scale answer, else (None, the issue as data)."""
    stripped = text.strip()
    word = stripped.lower().rstrip(".!")
    if word in _NUMBER_WORDS:
        return _in_range(_NUMBER_WORDS[word], low, high)
    match = _SCALE_RE.match(stripped)
    if not match:
        return None, ScaleIssue("no_number", _quote(stripped), low, high)
    number, denominator, rest = match["n"], match["d"], match["rest"]
    if not number.isdigit():
        return None, ScaleIssue("not_whole", _quote(number), low, high)
    if denominator is not None and int(denominator) != high:
        return None, ScaleIssue("other_scale", _first_line(stripped), low, high)
    if _SECOND_NUMBER.match(rest[:16]):
        return None, ScaleIssue("several", _first_line(stripped), low, high)
    if rest and rest[0].isalnum():  # "4x", "42" cannot happen (\d+); "4st" is not a scale
        return None, ScaleIssue("no_number", _quote(stripped[:30]), low, high)
    return _in_range(int(number), low, high)


# A second number: a range ("3-4", "3 or 4") or a hedged other ("3, maybe 4", "3 (kanske 4)":
# unclear, where "4, almost 5" is a four, see mailer.parse.scales).
_SECOND_NUMBER = re.compile(
    r"^\s*(?:[-–]|or|eller|till|to|[,;(]?\s*(?:or|eller|maybe|perhaps|possibly|kanske|"
    r"eventuellt|möjligen))?\s*\d", re.IGNORECASE)


def _first_line(text: str) -> str:
    return _quote(text.split("\n")[0][:30])


def _in_range(value: int, low: int, high: int) -> tuple[int | None, ScaleIssue | None]:
    if low <= value <= high:
        return value, None
    return None, ScaleIssue("out_of_range", str(value), low, high)


def _quote(text: str) -> str:
    return '"' + " ".join(text.split())[:40] + '"'


# --------------------------------------------------------------------------- mapping


def map_answers(
    new_text: str, segments: Sequence[SegmentLike], questions: Sequence[Question], *,
    prompt: PromptText | None = None,
) -> Mapped:
    """Answers per question id of ``questions``, and how they were found.

    Answers typed into an unquoted original under its question lines (:func:`_in_original`,
    Outlook) are inline answers too; they only fill questions the new text left open. With
    the ``prompt`` known, only lines that are not the prompt's count as typed there."""
    asked = _asked(questions)
    typed = _in_original(segments, asked, prompt)
    in_original = {qid: text for qid, (text, _) in typed.items()}
    if not new_text.strip():
        if in_original:
            return _with_typed(_finish(in_original, asked, "inline"), typed, in_original)
        return Mapped(method="empty", problems=("the reply has no new text",))
    # The first way that finds answers wins; later ones never run.
    method: Method = "inline"
    found = _inline(segments, asked)
    if not found:
        method, found = "numbered", numbered(new_text, asked.numbering)
    notes: tuple[str, ...] = ()
    if not found:
        method, (found, notes) = "labelled", labelled(new_text, asked.labelling)
    if found:
        filled = {q: t for q, t in in_original.items() if q not in found}
        mapped = _finish({**filled, **found}, asked, method)
        if notes:  # lines labelled in the writer's own words that answer no question
            mapped = replace(mapped, problems=(*mapped.problems, *notes))
        return _with_typed(mapped, typed, filled)
    if in_original:
        return _with_typed(_finish(in_original, asked, "inline"), typed, in_original)
    return Mapped(method="free_text", problems=("no answer could be tied to a question",))


def _finish(raw: dict[str, str], asked: _Asked, method: Method) -> Mapped:
    answers: dict[str, AnswerValue] = {}
    problems: list[str] = []
    for qid, text in raw.items():
        text = _tidy(text)
        if not text:
            continue
        if qid in asked.scales:
            value, issue = read_scale(text)
            # People write "ca 3", "Fyra, lite trött", "3-4": read when the strict rule finds
            # no value (mailer.parse.scales); still nothing -> text with the strict problem.
            number = value if value is not None else loose_scale(
                text, wordings=asked.wordings[qid])
            if number is not None:
                answers[qid] = number
                continue
            problems.append(f"{qid}: {issue.english() if issue else None}{KEPT_AS_TEXT}")
        answers[qid] = text
    return Mapped(answers=answers, method=method, problems=tuple(problems))


def _tidy(text: str) -> str:
    """``text`` without the blanks around it and its lines, and without a line that marks
    quoted text the writer cut ("[...]", "<snip>": :func:`~mailer.parse.quote_lines.is_snip`),
    which is never part of an answer."""
    text = text.strip()
    # Blank: most lines under a quoted question (the prompt's next line follows). Printable:
    # one line (every line break is a control character), most answers: nothing to tidy.
    if not text or text.isprintable():
        return "" if is_snip(text) else text
    lines = text.splitlines()
    if "[" in text or "<" in text or "(" in text or "-" in text:
        lines = [line for line in lines if not is_snip(line.strip())]
    tidy = "\n".join([line.rstrip() for line in lines])
    return _BLANK_LINES.sub("\n\n", tidy).strip() if "\n\n\n" in tidy else tidy.strip()


_BLANK_LINES = re.compile(r"\n{3,}")


@lru_cache(maxsize=8192)
def _norm(text: str) -> str:
    """Lowercase letters and digits only, quote markers gone: for finding a question's
    wording in a quote however the client wrapped or decorated it ("> " markers are not
    letters either). Cached: every reply to a prompt quotes the same lines."""
    return joined_words(text.lower())


# --------------------------------------------------------------------------- the question set


@dataclass(frozen=True)
class _Asked:
    """What the mapping looks for of a question set, worked out once per set (every reply to a
    prompt is read against the same set): ids, wordings normalised, the label pattern."""

    ids: tuple[str, ...]  # per question, in order
    types: tuple[str, ...]  # per question, in order
    scales: frozenset[str]  # the ids of the scale questions
    wordings: Mapping[str, tuple[str, ...]]  # per id, as written (Question.wordings)
    #: (id, normalised wording, the same with a space either side, " N " of its number, whether
    #: a longer wording holds it), for the non-empty normalised wordings.
    quoted: tuple[tuple[str, str, str, str, bool], ...]
    norms: Mapping[str, tuple[str, ...]]  # per id, the non-empty normalised wordings
    lines: tuple[frozenset[str], ...]  # per question, "N wording" normalised (question lines)
    labelling: Labels  # what mailer.parse.labelled reads of the set
    numbering: Numbering  # what mailer.parse.numbered reads of the set


_QuestionKey = tuple[str, str, tuple[str, ...], tuple[str, ...]]  # id, type, labels, wordings


def _asked(questions: Sequence[Question]) -> _Asked:
    """The question set as the mapping reads it, worked out once per set's content (a service
    asks the same few sets every time)."""
    # A list made into a tuple: twice as fast as tuple() over a generator (Python 3.11).
    return _asked_of(tuple([(q.id, q.type, q.labels, q.wordings()) for q in questions]))


@lru_cache(maxsize=64)
def _asked_of(questions: tuple[_QuestionKey, ...]) -> _Asked:
    wordings = {qid: texts for qid, _, _, texts in questions}
    types = {qid: kind for qid, kind, _, _ in questions}
    norms: dict[str, tuple[str, ...]] = {}
    for qid, _, _, texts in questions:
        norms[qid] = (*norms.get(qid, ()), *(w for t in texts if (w := _norm(t))))
    found = [(n, qid, norm) for n, (qid, _, _, texts) in enumerate(questions, 1)
             for norm in map(_norm, texts) if norm]
    quoted = tuple((qid, norm, f" {norm} ", f" {n} ",
                    any(norm in other and len(other) > len(norm) for _, _, other in found))
                   for n, qid, norm in found)
    return _Asked(
        ids=tuple(qid for qid, _, _, _ in questions),
        types=tuple(kind for _, kind, _, _ in questions),
        scales=frozenset(qid for qid, kind in types.items() if kind == "scale"),
        wordings=wordings, quoted=quoted, norms=norms,
        lines=tuple(frozenset(f"{n} {_norm(t)}" for t in texts)
                    for n, (_, _, _, texts) in enumerate(questions, 1)),
        labelling=labels([(qid, kind == "scale", (*words, qid.replace("_", " "),
                                                  *(t.lower().rstrip("?") for t in texts)))
                          for qid, kind, words, texts in questions]),
        numbering=numbering([(qid, texts) for qid, _, _, texts in questions]))


# --------------------------------------------------------------------------- inline


def _inline(segments: Sequence[SegmentLike], asked: _Asked) -> dict[str, str]:
    """Answers written under the quoted questions: the new text after a quote segment belongs
    to the last question that quote contains, when the quote ends there.

    Text after a quote that goes on past its last question (the prompt's goals, sign-off and
    footer: the whole prompt) is bottom-posted, not written under a question: alone it is
    read like a top post (numbered, labelled or free text); after inline answers it answers
    nothing (the record's text keeps it). The last answer stops at a closing remark, as a
    numbered one does (:func:`mailer.parse.numbered.without_closing`)."""
    # Only new text after a quote can answer, so quotes after the last new text are never
    # normalised and searched (top-posted replies: all of them).
    read = next((at + 1 for at in range(len(segments) - 1, -1, -1)
                 if segments[at].kind == "new" and segments[at].text.strip()), 0)
    current: str | None = None
    ended: str | None = None  # the question the text ends with an answer to
    found: dict[str, str] = {}
    for segment in segments[:read]:
        if segment.kind == "quote":
            quoted = _norm(segment.text)
            last = _last_question(quoted, asked)
            if last is not None and not _ends_at_question(segment.text, quoted, last, asked):
                if not found:
                    return {}
                current = None
                continue
            current = last or current
        elif segment.kind == "new" and current is not None and segment.text.strip():
            found[current] = (found.get(current, "") + "\n" + segment.text).strip()
            ended = current
        elif segment.kind in ("signature", "forward"):
            current = None
    if ended is not None:  # the last answer stops at a closing remark ("PS: ...")
        found[ended] = without_closing(found[ended])
    return found


#: Quoted lines a question may have under it before the quote counts as going on past it.
_AFTER_QUESTION = 2


def _ends_at_question(text: str, full: str, qid: str, asked: _Asked) -> bool:
    """At most :data:`_AFTER_QUESTION` quoted lines follow the question's wording (which may
    wrap over lines). ``full`` is the quoted ``text`` normalised: its lines' non-empty normalised
    forms joined by spaces, so the lines are counted from the end, and only until too many."""
    ends = [at + len(w) for w in asked.norms[qid] if (at := full.rfind(w)) >= 0]
    if not ends:
        return True
    end, start, after = max(ends), len(full) + 1, 0
    for line in reversed(text.splitlines()):
        norm = _norm(line)
        if not norm:
            continue
        start -= len(norm) + 1
        if start < end:
            break
        after += 1
        if after > _AFTER_QUESTION:
            return False
    return True


def _last_question(quoted: str, asked: _Asked) -> str | None:
    """The id of the question a (normalised) quote ends with, or None.

    A wording counts as whole words only, and not where it lies inside a longer wording
    found at the same place: "What worked?" is part of "What worked less well, and what do
    we do about it?".  Of the rest the one that ends last wins; when two end together, the
    one whose number ("4." before it in the prompt) agrees, then the longer.
    """
    padded = f" {quoted} "
    spans: list[tuple[int, int, str, str, bool]] = []  # start, end, and asked.quoted's rest
    for qid, wording, spaced, numbered_, held in asked.quoted:
        at = padded.rfind(spaced)
        if at >= 0:
            spans.append((at + 1, at + 1 + len(wording), qid, numbered_, held))
    best: tuple[int, bool, int] | None = None  # of equal ranks, the first asked wins
    found: str | None = None
    for start, end, qid, numbered_, held in spans:
        rank = (end, padded.endswith(numbered_, 0, start), end - start)
        if best is not None and rank <= best:
            continue
        if held and any(o[0] <= start and end <= o[1] and o[1] - o[0] > end - start
                        for o in spans):
            continue  # inside a longer wording found at the same place
        best, found = rank, qid
    return found


# --------------------------------------------------------------------------- in the original

#: Lines of our prompts' text after the questions (templates/*/{checkin,review,feedback}.txt.j2
#: and the "-- " footer): where an answer typed under the last question ends.
#: Compared without a colon: the HTML part's heading has none (Outlook quotes the HTML part).
_GOALS_HEADINGS = frozenset({"dina mål just nu", "your current goals"})
_SIGN_OFFS = frozenset({"tack!", "thank you,", "thanks!", "tack för att du är ärlig!",
                        "thank you for being honest,"})
_NAME_LINE = re.compile(r"^[A-ZÅÄÖÉÜ][\w'.-]*(?:\s+[A-ZÅÄÖÉÜ][\w'.-]*){0,3}$")
_QUESTION_START = re.compile(r"^\s*(\d{1,2})\s*[.)]")
_WRAP = 3  # a question line may be wrapped (or its number in a cell of its own): up to 3 lines


def _in_original(segments: Sequence[SegmentLike], asked: _Asked,
                 prompt: PromptText | None = None) -> dict[str, tuple[str, str]]:
    """Answers typed into an original quoted without ``>`` (Outlook cannot ``>``-quote):
    the lines under our numbered question line "N. <wording>" up to the next question line
    (for the last question, up to the goals heading, the sign-off or the ``-- `` footer of the
    prompt), per question id, with the question line they were typed under.

    Only quote segments with no ``>`` line and holding our own question lines, numbered as
    asked, count: a ``>``-quoted original is read by :func:`_inline`, and text that is not
    our prompt is never read as answers."""
    found: dict[str, tuple[str, str]] = {}
    for segment in segments:
        if segment.kind != "quote" or segment.text.lstrip().startswith(">"):
            continue  # ">"-quoted (most such quotes start so): not even split into lines
        lines = segment.text.splitlines()
        if ">" in segment.text and any(line.lstrip().startswith(">") for line in lines
                                       if ">" in line):  # Outlook's only in "<a@b>"
            continue
        marks = _question_lines(lines, asked)
        for at, (start, end, number) in enumerate(marks):
            stop = marks[at + 1][0] if at + 1 < len(marks) else len(lines)
            if prompt is not None:  # the prompt's next line ends the answer
                stop = next((j for j in range(end, stop) if prompt.has(lines[j])), stop)
            elif at + 1 == len(marks):
                stop = _tail(lines, end)
            answer = _tidy("\n".join(lines[end:stop]))
            qid = asked.ids[number - 1]
            if answer and qid not in found:
                found[qid] = (answer, " ".join(" ".join(lines[start:end]).split()))
    return found


def _question_lines(lines: Sequence[str], asked: _Asked) -> list[tuple[int, int, int]]:
    """(first line, line after it, number) of each question line, numbers rising."""
    marks: list[tuple[int, int, int]] = []
    last, after = 0, 0  # the last number found, the line after its question line
    # A question line starts with a blank or a digit, never a letter (most lines of a quote
    # do): those are not matched at all.
    numbered_ = [(i, int(m[1])) for i, line in enumerate(lines)
                 if line and not line[0].isalpha() and (m := _QUESTION_START.match(line))]
    for i, number in numbered_:
        if i < after or not last < number <= len(asked.lines):
            continue
        wordings = asked.lines[number - 1]
        # Lines joined by "\n" (no word character) normalise to their forms joined by " ":
        # each line is normalised once, not once for every width tried.
        joined, width = "", 0
        for w, line in enumerate(lines[i:i + _WRAP], 1):
            part = _norm(line)
            joined = f"{joined} {part}" if joined and part else joined or part
            if joined in wordings:
                width = w
                break
        if width:
            marks.append((i, i + width, number))
            last, after = number, i + width
    return marks


def _tail(lines: Sequence[str], at: int) -> int:
    """Where our prompt's text after the last question starts (goals heading, a sign-off
    with a name or nothing under it, the ``-- `` footer), or the end of ``lines``."""
    for i in range(at, len(lines)):
        line = " ".join(lines[i].split()).lower()
        if line.rstrip(":") in _GOALS_HEADINGS or line == "--":
            return i
        if line in _SIGN_OFFS:
            below = next((lines[j].strip() for j in range(i + 1, len(lines))
                          if lines[j].strip()), "")
            if not below or below == "--" or _NAME_LINE.match(below):
                return i
    return len(lines)


def _with_typed(mapped: Mapped, typed: Mapping[str, tuple[str, str]], used: Iterable[str]
                ) -> Mapped:
    """``mapped`` with :attr:`Mapped.quoted_text` for the answers it took from the original
    (``used``: the ids of those answers)."""
    if not typed:  # most replies: nothing typed into an original
        return mapped
    used = set(used)
    kept = [f"{line}\n{text}" for qid, (text, line) in typed.items() if qid in used]
    return replace(mapped, quoted_text="\n\n".join(kept)) if kept else mapped
