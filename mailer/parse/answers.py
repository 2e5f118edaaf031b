"""From the new text of a reply to answers per question id, scale values and reply commands. Pure.

People answer in four shapes, tried in this order (the first that finds answers wins):

1. inline: each answer written under the quoted question (bottom- or interleaved posting, as
   Thunderbird and Apple Mail users do, and Outlook users who type "[Name] ..." into the
   original; the quote and new segments come from :mod:`mailer.parse.extract`);
2. numbered: ``1.``/``1)``/``1:`` at the start of a line, top-posted (the phone habit);
3. labelled: ``Hinder: ...``, ``Energy: 4`` with the labels of ``questions.toml`` (a label starts
   a line and is followed by ":" or " - "; a scale label also by its number, "Energi 4");
4. anything else is free text: kept whole, ``unstructured``, never split by guesswork.

A scale answer is a number when it says one number on the scale: strictly ("4", "4/5", "4 av
5", "4 of 5", :func:`read_scale`), or as people write it ("ca 3", "Fyra, lite trött", "3-4" =
3.5: :mod:`mailer.parse.scales`); anything else ("7", "4/10", "3,5") is kept as the text, with
a problem. Reply commands live in :mod:`mailer.parse.commands`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal, Protocol

from mailer.models import AnswerValue, Question
from mailer.parse.numbered import numbered
from mailer.parse.prompt_text import PromptText
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
    first_line = _quote(stripped.split(chr(10))[0][:30])
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
        return None, ScaleIssue("other_scale", first_line, low, high)
    if re.match(r"^\s*(?:[-–]|or|eller|till|to)?\s*\d", rest[:12], re.IGNORECASE):
        return None, ScaleIssue("several", first_line, low, high)
    if rest and rest[0].isalnum():  # "4x", "42" cannot happen (\d+); "4st" is not a scale
        return None, ScaleIssue("no_number", _quote(stripped[:30]), low, high)
    return _in_range(int(number), low, high)


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
    typed = _in_original(segments, questions, prompt)
    in_original = {qid: text for qid, (text, _) in typed.items()}
    if not new_text.strip():
        if in_original:
            return _with_typed(_finish(in_original, questions, "inline"), typed, in_original)
        return Mapped(method="empty", problems=("the reply has no new text",))
    steps: tuple[tuple[Method, Callable[[], dict[str, str]]], ...] = (
        ("inline", lambda: _inline(segments, questions)),
        ("numbered", lambda: numbered(new_text, questions)),
        ("labelled", lambda: _labelled(new_text, questions)),
    )
    for method, find in steps:  # the first way that finds answers wins; later ones never run
        found = find()
        if found:
            filled = {q: t for q, t in in_original.items() if q not in found}
            return _with_typed(_finish({**filled, **found}, questions, method), typed, filled)
    if in_original:
        return _with_typed(_finish(in_original, questions, "inline"), typed, in_original)
    return Mapped(method="free_text", problems=("no answer could be tied to a question",))


def _finish(raw: dict[str, str], questions: Sequence[Question], method: Method) -> Mapped:
    answers: dict[str, AnswerValue] = {}
    problems: list[str] = []
    by_id = {q.id: q for q in questions}
    for qid, text in raw.items():
        text = _tidy(text)
        if not text:
            continue
        if by_id[qid].type == "scale":
            value, problem = parse_scale(text)
            # People write "ca 3", "Fyra, lite trött", "3-4": read when the strict rule finds
            # no value (mailer.parse.scales); still nothing -> text with the strict problem.
            number = value if value is not None else loose_scale(
                text, wordings=tuple(by_id[qid].wordings()))
            if number is not None:
                answers[qid] = number
                continue
            problems.append(f"{qid}: {problem}{KEPT_AS_TEXT}")
        answers[qid] = text
    return Mapped(answers=answers, method=method, problems=tuple(problems))


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@lru_cache(maxsize=8192)
def _norm(text: str) -> str:
    """Lowercase letters and digits only, quote markers gone: for finding a question's
    wording in a quote however the client wrapped or decorated it. Cached: every reply to a
    prompt quotes the same lines."""
    text = _QUOTE_MARKS.sub("", text)
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


_QUOTE_MARKS = re.compile(r"(?m)^[ \t]*(?:>[ \t]*)+")
_NOT_WORD = re.compile(r"[^\w]+")


def _inline(segments: Sequence[SegmentLike], questions: Sequence[Question]) -> dict[str, str]:
    """Answers written under the quoted questions: the new text after a quote segment belongs
    to the last question that quote contains, when the quote ends there.

    Text after a quote that goes on past its last question (the prompt's goals, sign-off and
    footer: the whole prompt) is bottom-posted, not written under a question: alone it is
    read like a top post (numbered, labelled or free text); after inline answers it answers
    nothing (the record's text keeps it)."""
    wordings = [(n, q.id, _norm(text)) for n, q in enumerate(questions, 1)
                for text in q.wordings()]
    current: str | None = None
    found: dict[str, str] = {}
    for segment in segments:
        if segment.kind == "quote":
            last = _last_question(_norm(segment.text), wordings)
            if last is not None and not _ends_at_question(segment.text, last, questions):
                if not found:
                    return {}
                current = None
                continue
            current = last or current
        elif segment.kind == "new" and current is not None and segment.text.strip():
            found[current] = (found.get(current, "") + "\n" + segment.text).strip()
        elif segment.kind in ("signature", "forward"):
            current = None
    return found


#: Quoted lines a question may have under it before the quote counts as going on past it.
_AFTER_QUESTION = 2


def _ends_at_question(quoted: str, qid: str, questions: Sequence[Question]) -> bool:
    """At most :data:`_AFTER_QUESTION` quoted lines follow the question's wording (which may
    wrap over lines)."""
    norms = [norm for norm in map(_norm, quoted.splitlines()) if norm]
    full = " ".join(norms)
    ends = [at + len(w) for q in questions if q.id == qid for t in q.wordings()
            if (w := _norm(t)) and (at := full.rfind(w)) >= 0]
    if not ends:
        return True
    end, start, after = max(ends), 0, 0
    for norm in norms:
        after += start >= end
        start += len(norm) + 1
    return after <= _AFTER_QUESTION


def _last_question(quoted: str, wordings: Sequence[tuple[int, str, str]]) -> str | None:
    """The id of the question a (normalised) quote ends with, or None.

    A wording counts as whole words only, and not where it lies inside a longer wording
    found at the same place: "What worked?" is part of "What worked less well, and what do
    we do about it?".  Of the rest the one that ends last wins; when two end together, the
    one whose number ("4." before it in the prompt) agrees, then the longer.
    """
    padded = f" {quoted} "
    spans: list[tuple[int, int, int, str]] = []  # start, end, number, id
    for number, qid, wording in wordings:
        at = padded.rfind(f" {wording} ") if wording else -1
        if at >= 0:
            spans.append((at + 1, at + 1 + len(wording), number, qid))
    inside = {s for s in spans for o in spans
              if o[0] <= s[0] and s[1] <= o[1] and o[1] - o[0] > s[1] - s[0]}
    best: tuple[int, bool, int, str] | None = None
    for start, end, number, qid in spans:
        if (start, end, number, qid) in inside:
            continue
        agrees = padded[:start].endswith(f" {number} ")
        rank = (end, agrees, end - start, qid)
        best = rank if best is None or rank[:3] > best[:3] else best
    return best[3] if best else None


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


def _in_original(segments: Sequence[SegmentLike], questions: Sequence[Question],
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
        if segment.kind != "quote":
            continue
        lines = segment.text.splitlines()
        if any(line.lstrip().startswith(">") for line in lines):
            continue
        marks = _question_lines(lines, questions)
        for at, (start, end, number) in enumerate(marks):
            stop = marks[at + 1][0] if at + 1 < len(marks) else len(lines)
            if prompt is not None:  # the prompt's next line ends the answer
                stop = next((j for j in range(end, stop) if prompt.has(lines[j])), stop)
            elif at + 1 == len(marks):
                stop = _tail(lines, end)
            answer = _tidy("\n".join(lines[end:stop]))
            qid = questions[number - 1].id
            if answer and qid not in found:
                found[qid] = (answer, " ".join(" ".join(lines[start:end]).split()))
    return found


def _question_lines(lines: Sequence[str], questions: Sequence[Question]
                    ) -> list[tuple[int, int, int]]:
    """(first line, line after it, number) of each question line, numbers rising."""
    wordings_of = [{f"{n} {_norm(text)}" for text in q.wordings()}
                   for n, q in enumerate(questions, 1)]
    marks: list[tuple[int, int, int]] = []
    last, i = 0, 0
    while i < len(lines):
        start = _QUESTION_START.match(lines[i])
        number = int(start[1]) if start else 0
        width = 0
        if last < number <= len(questions):
            wordings = wordings_of[number - 1]
            width = next((w for w in range(1, _WRAP + 1) if i + w <= len(lines)
                          and _norm("\n".join(lines[i:i + w])) in wordings), 0)
        if width:
            marks.append((i, i + width, number))
            last = number
            i += width
        else:
            i += 1
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
    used = set(used)
    kept = [f"{line}\n{text}" for qid, (text, line) in typed.items() if qid in used]
    return replace(mapped, quoted_text="\n\n".join(kept)) if kept else mapped


def _labelled(text: str, questions: Sequence[Question]) -> dict[str, str]:
    """``Label: answer`` lines.  The label must start the line and be followed by ":" (or "=",
    or " - " / " – "), so "Energy-wise a 3." and "Problem är att ..." are prose; a scale
    label may also be followed by its number alone ("Energi 4")."""
    pattern, by_label = _label_pattern(tuple(_labels_of(q) for q in questions))
    found: dict[str, str] = {}
    current: Question | None = None
    for line in text.splitlines():
        match = pattern.match(line)
        if match:
            current = questions[by_label[match["label"].lower()]]
            if not match["sep"] and current.type != "scale":
                current = None  # "Problem 2 är ...": a number after a text label is prose
            if current is not None:
                found[current.id] = (found.get(current.id, "") + "\n" + match["rest"]).strip()
        elif current is not None:
            found[current.id] += "\n" + line
    return found


def _labels_of(question: Question) -> tuple[str, ...]:
    return (*question.labels, question.id.replace("_", " "),
            *(t.lower().rstrip("?") for t in question.wordings()))


@lru_cache(maxsize=64)
def _label_pattern(labels_per_question: tuple[tuple[str, ...], ...]
                   ) -> tuple[re.Pattern[str], dict[str, int]]:
    """The ``Label: answer`` line pattern of a question set, and the question (by index) of
    each label. Built once per set: the escaping and joining cost more than the matching."""
    labels = sorted(((label, n) for n, labels in enumerate(labels_per_question)
                     for label in labels), key=lambda item: len(item[0]), reverse=True)
    pattern = re.compile(
        r"^\s*(?:[-*•]\s*)?(?:\*\*)?(?P<label>" + "|".join(re.escape(label) for label, _ in labels)
        + r")(?:\*\*)?(?P<sep>\s*[:：=]|\s+[-–—](?=\s|$)|(?=\s+\d))(?:\*\*)?\s*(?P<rest>.*)$",
        re.IGNORECASE,
    )
    return pattern, {label: n for label, n in labels}
