"""From the new text of a reply to answers per question id, scale values and reply commands. Pure.

People answer in four shapes, tried in this order (the first that finds answers wins):

1. inline: each answer written under the quoted question (bottom- or interleaved posting, as
   Thunderbird and Apple Mail users do, and Outlook users who type "[Name] ..." into the
   original, or typed into an original quoted without ">": :mod:`mailer.parse.inline`);
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
from typing import Literal

from mailer.models import AnswerValue, Question
from mailer.parse.asked import Asked, asked_of
from mailer.parse.inline import SegmentLike as SegmentLike
from mailer.parse.inline import in_original, inline, tidy
from mailer.parse.labelled import labelled
from mailer.parse.numbered import numbered
from mailer.parse.prompt_text import PromptText
from mailer.parse.scales import NUMBER_WORDS, loose_scale

SCALE_LOW, SCALE_HIGH = 1, 5
#: How a record's problem note about a scale answer ends ("mood: 7 is outside ...; kept as text").
KEPT_AS_TEXT = "; kept as text"
Method = Literal["inline", "numbered", "labelled", "scale_alone", "free_text", "empty"]


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


def _below_every_quote(segments: Sequence[SegmentLike]) -> bool:
    """No quote follows the last new text: what was written stands below all of it."""
    kinds = [segment.kind for segment in segments if segment.text.strip()]
    return "new" in kinds and "quote" not in kinds[len(kinds) - kinds[::-1].index("new"):]


def _quote(text: str) -> str:
    return '"' + " ".join(text.split())[:40] + '"'


# --------------------------------------------------------------------------- mapping


def map_answers(
    new_text: str, segments: Sequence[SegmentLike], questions: Sequence[Question], *,
    prompt: PromptText | None = None,
) -> Mapped:
    """Answers per question id of ``questions``, and how they were found.

    Answers typed into an unquoted original under its question lines (Outlook:
    :func:`mailer.parse.inline.in_original`) are inline answers too; they only fill questions
    the new text left open. With the ``prompt`` known, only lines that are not the prompt's
    count as typed there."""
    asked = asked_of(questions)
    typed = in_original(segments, asked, prompt)
    original = {qid: text for qid, (text, _) in typed.items()}
    if not new_text.strip():
        if original:
            return _with_typed(_finish(original, asked, "inline"), typed, original)
        return Mapped(method="empty", problems=("the reply has no new text",))
    # The first way that finds answers wins; later ones never run.
    method: Method = "inline"
    found = inline(segments, asked)
    if list(found) == [asked.ids[-1]] and _below_every_quote(segments):
        # The one answer, under the last question, below every quote, numbers all our
        # questions itself from 1 ("1) ...\n2) ..."): written below the whole prompt (a bottom
        # post), not under its last question, whose quote went on with a footer line only
        # (the reflection's "Going away? ...").
        by_number = numbered(found[asked.ids[-1]], asked.numbering)
        if list(by_number) == list(asked.ids):
            method, found = "numbered", by_number
    if not found:
        method, found = "numbered", numbered(new_text, asked.numbering)
    notes: tuple[str, ...] = ()
    if not found:
        method, (found, notes) = "labelled", labelled(new_text, asked.labelling)
    if found:
        filled = {q: t for q, t in original.items() if q not in found}
        mapped = _finish({**filled, **found}, asked, method)
        if notes:  # lines labelled in the writer's own words that answer no question
            mapped = replace(mapped, problems=(*mapped.problems, *notes))
        return _with_typed(mapped, typed, filled)
    if original:
        return _with_typed(_finish(original, asked, "inline"), typed, original)
    alone = _scale_alone(new_text, asked)
    if alone is not None:
        return Mapped(answers=alone, method="scale_alone")
    return Mapped(method="free_text", problems=("no answer could be tied to a question",))


def _scale_alone(new_text: str, asked: Asked) -> dict[str, AnswerValue] | None:
    """A reply that is nothing but a clear scale value ("3", "4/5", "fyra") answers the one
    scale question of the set; None when the set has more than one, or the text says more."""
    text = new_text.strip()
    if len(asked.scales) != 1 or "\n" in text:
        return None
    shape = _SCALE_RE.match(text)
    if text.lower().rstrip(".!") not in _NUMBER_WORDS and (
            shape is None or shape["rest"].strip(" .!")):
        return None  # "3 för mig", "3, 4": more than the value
    value, issue = read_scale(text)
    if value is None or issue is not None:
        return None
    return {next(iter(asked.scales)): value}


def _finish(raw: dict[str, str], asked: Asked, method: Method) -> Mapped:
    answers: dict[str, AnswerValue] = {}
    problems: list[str] = []
    for qid, text in raw.items():
        text = tidy(text)
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


def _with_typed(mapped: Mapped, typed: Mapping[str, tuple[str, str]], used: Iterable[str]
                ) -> Mapped:
    """``mapped`` with :attr:`Mapped.quoted_text` for the answers it took from the original
    (``used``: the ids of those answers)."""
    if not typed:  # most replies: nothing typed into an original
        return mapped
    used = set(used)
    kept = [f"{line}\n{text}" for qid, (text, line) in typed.items() if qid in used]
    return replace(mapped, quoted_text="\n\n".join(kept)) if kept else mapped
