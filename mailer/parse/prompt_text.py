"""What a prompt said, line by line, so a reply can be read against it. Pure.

The service knows exactly what it sent. Clients of the Outlook family quote the *HTML* part of
a prompt without ``>`` (the goals heading comes through as "Dina mål just nu", without the
colon of the text part; the questions' table cells as "1.<TAB>..." or on lines of their own);
Samsung Email pastes the text part unquoted. Whatever the client did to it, a line of a reply
that matches a line of the prompt after :func:`normalise_line` is quoted material.

:class:`PromptText` holds the normalised lines of both parts of one prompt (what the ledger
keeps at send time, :func:`prompt_text_of` builds it from the sent message) and answers two
questions: is this line the prompt's (:meth:`PromptText.has`), and is it one of the prompt's
questions (:meth:`PromptText.question_number`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from mailer.models import Question
from mailer.parse.mime import decode_message
from mailer.parse.numbered import joined_words
from mailer.parse.quote_lines import SegmentKind

__all__ = ["PromptText", "asked_in", "mark_prompt_lines", "normalise_line",
           "prompt_text_from_parts", "prompt_text_of"]

# Quote markers, list bullets and numbering that clients add or change; the number of a
# question ("3." / "3)" / "3<TAB>") is kept apart by :func:`_split_number`.
#: Whitespace (``str.isspace``, which is what ``\s`` matches), then the marks: ``lstrip``
#: with these strips the lead in one call, no regex.
_LEAD = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
    ">*•·-–—◦▪■□●○"
)
_NUMBER = re.compile(r"^(\d{1,2})(?:\s*[.):]\s*|\s+)(?=\S)")
#: Lines shorter than this (normalised) are too common to be told apart from an answer
#: ("Tack!", "Bra"): they only count as the prompt's next to other prompt lines.
SHORT = 12
_STORED_QUESTION = re.compile(r"^(\d{1,2})\. (.*)$")
#: A piece of a prompt line at least this long is the prompt's (wrapped by a client).
WRAPPED = 24


def _split_number(line: str) -> tuple[int | None, str]:
    """(the leading number, the rest) of a line with quote markers and bullets removed."""
    text = line.replace("\u00a0", " ").lstrip(_LEAD)
    # _NUMBER starts with a digit (``\d`` is a subset of ``str.isdigit``): most lines do not.
    match = _NUMBER.match(text) if text[:1].isdigit() else None
    if match:
        return int(match[1]), text[match.end():]
    return None, text


@lru_cache(maxsize=8192)
def normalise_line(line: str) -> str:
    """Letters and digits only, lower case, single spaces: quote markers, bullets, numbering,
    quotes, punctuation, tabs and case gone ("> 3.\\tHur är din energi, 1-5?" ->
    "hur är din energi 1 5"). Cached: every reply to a prompt quotes the same lines."""
    _, text = _split_number(line)
    return joined_words(text.casefold()).replace("_", " ").strip()


@dataclass(frozen=True)
class PromptText:
    """The normalised lines of a prompt (text and HTML parts) and which of them are questions.

    ``questions`` maps a question's normalised wording to its number in the prompt.
    """

    lines: frozenset[str]
    questions: tuple[tuple[str, int], ...] = ()

    def has(self, line: str) -> bool:
        """True when ``line`` is (a line of) the prompt, however the client decorated it: the
        whole line, or a long enough piece of one (a client wrapped it)."""
        norm = normalise_line(line)
        if not norm:
            return False
        if norm in self.lines:
            return True
        return len(norm) >= WRAPPED and norm in self._joined

    @cached_property
    def _joined(self) -> str:
        """The lines joined by line breaks. A normalised line holds none, so it is in one of
        the lines exactly when it is in this string: one search, not one per line."""
        return "\n".join(self.lines)

    def question_number(self, line: str) -> int | None:
        """The number of the prompt's question ``line`` repeats, or None."""
        norm = normalise_line(line)
        return next((n for wording, n in self.questions if wording == norm), None) if norm else None

    def to_lines(self) -> list[str]:
        """For the ledger: the lines, questions first as ``"N. wording"``, sorted."""
        numbered = [f"{n}. {wording}" for wording, n in self.questions]
        return numbered + sorted(self.lines - {w for w, _ in self.questions})

    @classmethod
    def from_lines(cls, stored: Iterable[str]) -> PromptText:
        """The inverse of :meth:`to_lines`. Only a question has a full stop after its number:
        a normalised line has no punctuation, though it may start with a digit ("1 f och ...")."""
        lines: set[str] = set()
        questions: list[tuple[str, int]] = []
        for line in stored:
            # "3. wording" has its full stop at index 1 or 2; a normalised line has none.
            question = _STORED_QUESTION.match(line) if "." in line[1:3] else None
            if question:
                questions.append((question[2], int(question[1])))
                line = question[2]
            if line:
                lines.add(line)
        return cls(frozenset(lines), tuple(questions))


def prompt_text_from_parts(text: str, html: str | None = None) -> PromptText:
    """The :class:`PromptText` of a prompt from its text part and (optional) HTML part.

    Question lines are the numbered lines of the text part ("3. Hur är din energi, 1-5?").
    Every line counts, and so does each sentence of a line: Outlook joins the text part's
    wrapped lines into one paragraph, other clients wrap long ones.
    """
    lines: set[str] = set()
    questions: dict[str, int] = {}
    sources = [text.splitlines()]
    if html:
        sources.append(html_lines(html))
    for source in sources:
        for raw in source:
            norm, pieces, number = _line_facts(raw)
            if not norm:
                continue
            lines.add(norm)
            lines.update(pieces)
            if number is not None and source is sources[0]:
                questions.setdefault(norm, number)
    return PromptText(frozenset(lines), tuple(sorted(questions.items(), key=lambda q: q[1])))


_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")


@lru_cache(maxsize=8192)
def _line_facts(raw: str) -> tuple[str, tuple[str, ...], int | None]:
    """What one line of a prompt adds: its normalised form ("" when it holds no letter: "1."
    alone in a table cell, so a reply's "4" stays an answer), its sentences long enough to
    count on their own, and its number when it is a numbered question. Cached: a batch's
    prompts share most of their lines (questions, headings, footer, the privacy notice)."""
    number, rest = _split_number(raw)
    norm = normalise_line(raw)
    if not any(ch.isalpha() for ch in norm):
        return "", (), None
    pieces = tuple(piece for piece in map(normalise_line, _SENTENCE_END.split(rest))
                   if len(piece) >= SHORT)
    return norm, pieces, number if number is not None and rest.rstrip().endswith("?") else None


_BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(?:p|div|li|tr|td|th|h[1-6]|table|ul|ol|blockquote)>")
_TAG = re.compile(r"<[^<>]{0,2000}>")
_HIDDEN = re.compile(r"(?is)<(?:head|style|script)\b.*?</(?:head|style|script)>")


def html_lines(html: str) -> list[str]:
    """The text lines of our own HTML prompt, one per block element (a table cell alone on
    a line, as Outlook on the web writes it). Cheap on purpose: it runs at every send, on
    HTML the service rendered itself, so a tag stripper is enough."""
    from html import unescape

    text = _TAG.sub("", _BLOCK_END.sub("\n", _HIDDEN.sub("", html)))
    return [" ".join(line.split()) for line in unescape(text).splitlines() if line.strip()]


def prompt_text_of(raw: bytes) -> PromptText:
    """The :class:`PromptText` of a sent prompt message (the bytes the service sent)."""
    body = decode_message(raw)
    return prompt_text_from_parts(body.text or "", body.html)


def mark_prompt_lines(lines: Sequence[str], stripped: Sequence[str],
                      kinds: list[SegmentKind | None], prompt: PromptText) -> None:
    """Re-mark the lines of a split body with what the prompt said (in place).

    ``stripped`` holds the lines stripped.

    * A run of new text that is all the prompt's lines (two or more, or one long line that
      is neither a question nor numbered) is quote: a client pasted the prompt without any
      marker.  A lone question or numbered line in new text stays: it is a boundary for
      numbered answers, or an answer that repeats the prompt (a goal as the progress).
    * In an original quoted without ``>`` (Outlook, Samsung), lines after the prompt's last
      line that are not the prompt's are new text: the sender bottom-posted under it.
    """
    _quote_pasted_runs(lines, kinds, prompt)

    # The first and the last of the prompt's lines quoted without ">": each looked for from
    # its end of the body, so the lines between them are read only until three are found.
    # (This runs on every line of every reply: a slice compare, no method call, and only a
    # quote line's text is looked at.)
    unquoted = [i for i, kind in enumerate(kinds) if kind == "quote" and stripped[i][:1] != ">"]
    first_prompt = next((i for i in unquoted if prompt.has(lines[i])), None)
    if first_prompt is None:
        return
    last_prompt = next(i for i in reversed(unquoted) if prompt.has(lines[i]))
    # Three of the prompt's lines, ">"-quoted or not, from the first to the last unquoted one
    # (which counts every unquoted one: three of those are three of these).
    found = (i for i in range(first_prompt, last_prompt + 1)
             if kinds[i] == "quote" and prompt.has(lines[i]))
    if next(itertools.islice(found, 2, None), None) is None:
        return
    for i in range(last_prompt + 1, len(lines)):
        if kinds[i] != "quote" or stripped[i][:1] == ">":
            if kinds[i] is not None:
                return  # another quote, a forward or a signature follows: stop there
            continue
        # Not the prompt's: an unquoted line of the prompt after the last one is none.
        kinds[i] = "new"


def _quote_pasted_runs(lines: Sequence[str], kinds: list[SegmentKind | None],
                       prompt: PromptText) -> None:
    i, n = 0, len(lines)
    while i < n:
        try:
            i = kinds.index("new", i)  # a scan in C: most lines are not new text
        except ValueError:
            return
        if not prompt.has(lines[i]) or _answer_at(lines, kinds, i, prompt):
            i += 1
            continue
        run = [i]
        j = i + 1
        while j < n and (kinds[j] is None or (kinds[j] == "new" and prompt.has(lines[j]))):
            if kinds[j] == "new":
                run.append(j)
            j += 1
        # A lone numbered line is a person's answer, even when it repeats the prompt
        # ("4. Ship the billing migration": their goal, as their progress).
        long_line = any(len(normalise_line(lines[k])) >= SHORT and _split_number(lines[k])[0]
                        is None and prompt.question_number(lines[k]) is None for k in run)
        if len(run) >= 2 or long_line:
            for k in run:
                kinds[k] = "quote"
        i = j


#: The mark an answer opens with: "Q1: ", "1. ", "Fråga 1: ", "Planerat: ".
_ANSWER_MARK = re.compile(r"\s*(?:[^\W\d_]{1,12}\s?)?\d{0,2}\s*[.):]\s+(?=\S)")


def _answer_at(lines: Sequence[str], kinds: Sequence[SegmentKind | None], i: int,
               prompt: PromptText) -> bool:
    """Line ``i``, a line of the prompt in new text, is (part of) an answer that repeats the
    prompt: numbered, and no question of the prompt's (the prompt numbers only those), or
    going on from an answer's line that repeats it. "1. Finish the billing migration.\nHand
    over the on-call rota." copies the commitments a review quoted ("In November you wrote
    that you would:") as the answer to "What did we say we would do?"."""
    if _split_number(lines[i])[0] is not None and prompt.question_number(lines[i]) is None:
        return True
    if i == 0 or kinds[i - 1] != "new":
        return False
    mark = _ANSWER_MARK.match(lines[i - 1])
    return mark is not None and prompt.has(lines[i - 1][mark.end():])


def asked_in(prompt: PromptText, sets: Mapping[str, Sequence[Question]]) -> Sequence[Question]:
    """The question set (of ``sets``, by prompt kind) whose wordings the prompt asks most;
    the first set when it asks none of them."""
    asked = {wording for wording, _ in prompt.questions}

    def found(questions: Sequence[Question]) -> int:
        return sum(normalise_line(text) in asked for q in questions for text in q.wordings())

    best = max(sets.values(), key=found, default=())
    return best if best and found(best) else next(iter(sets.values()), ())
