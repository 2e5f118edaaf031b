"""Answers written under the quoted questions of our prompt. Pure.

Two ways (:mod:`mailer.parse.answers` tries them before any other reading):

* inline (:func:`inline`): the new text after a ``>``-quoted question (bottom- or interleaved
  posting, as Thunderbird and Apple Mail users do, and Outlook users who type "[Name] ..."
  into the original; the quote and new segments come from :mod:`mailer.parse.extract`);
* typed into an original quoted without ``>`` (:func:`in_original`, Outlook): the lines under
  our numbered question lines.

An answer's text is tidied (:func:`tidy`): a line marking cut quoted text ("[...]", "<snip>")
is in no answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from mailer.parse.asked import Asked, normalised
from mailer.parse.numbered import without_closing
from mailer.parse.prompt_text import PromptText
from mailer.parse.quote_lines import is_snip


class SegmentLike(Protocol):
    """A piece of a reply as :mod:`mailer.parse.extract` splits it (``kind``: "new", "quote")."""

    @property
    def kind(self) -> str: ...

    @property
    def text(self) -> str: ...


def tidy(text: str) -> str:
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
    joined = "\n".join([line.rstrip() for line in lines])
    return _BLANK_LINES.sub("\n\n", joined).strip() if "\n\n\n" in joined else joined.strip()


_BLANK_LINES = re.compile(r"\n{3,}")


def inline(segments: Sequence[SegmentLike], asked: Asked) -> dict[str, str]:
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
            quoted = normalised(segment.text)
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


def _ends_at_question(text: str, full: str, qid: str, asked: Asked) -> bool:
    """At most :data:`_AFTER_QUESTION` quoted lines follow the question's wording (which may
    wrap over lines). ``full`` is the quoted ``text`` normalised: its lines' non-empty normalised
    forms joined by spaces, so the lines are counted from the end, and only until too many."""
    ends = [at + len(w) for w in asked.norms[qid] if (at := full.rfind(w)) >= 0]
    if not ends:
        return True
    end, start, after = max(ends), len(full) + 1, 0
    for line in reversed(text.splitlines()):
        norm = normalised(line)
        if not norm:
            continue
        start -= len(norm) + 1
        if start < end:
            break
        after += 1
        if after > _AFTER_QUESTION:
            return False
    return True


def _last_question(quoted: str, asked: Asked) -> str | None:
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


#: Lines of our prompts' text after the questions (templates/*/{checkin,review,feedback}.txt.j2
#: and the "-- " footer): where an answer typed under the last question ends.
#: Compared without a colon: the HTML part's heading has none (Outlook quotes the HTML part).
_GOALS_HEADINGS = frozenset({"dina mål just nu", "your current goals"})
#: The closing line above the manager's name, as each template writes it now and wrote it
#: before (a reply may quote a prompt sent before a template changed; tests/parse/
#: test_answers.py checks that every template's closing is here).
_SIGN_OFFS = frozenset({"tack!", "thanks,", "thank you,", "thanks!", "tack för att du är ärlig!",
                        "thank you for being honest,",
                        "tack för att du tar dig tid – ärliga svar hjälper mig mest.",
                        "thanks for taking the time – honest answers help me most."})
_NAME_LINE = re.compile(r"^[A-ZÅÄÖÉÜ][\w'.-]*(?:\s+[A-ZÅÄÖÉÜ][\w'.-]*){0,3}$")
_QUESTION_START = re.compile(r"^\s*(\d{1,2})\s*[.)]")
_WRAP = 3  # a question line may be wrapped (or its number in a cell of its own): up to 3 lines


def in_original(segments: Sequence[SegmentLike], asked: Asked,
                 prompt: PromptText | None = None) -> dict[str, tuple[str, str]]:
    """Answers typed into an original quoted without ``>`` (Outlook cannot ``>``-quote):
    the lines under our numbered question line "N. <wording>" up to the next question line
    (for the last question, up to the goals heading, the sign-off or the ``-- `` footer of the
    prompt), per question id, with the question line they were typed under.

    Only quote segments with no ``>`` line and holding our own question lines, numbered as
    asked, count: a ``>``-quoted original is read by :func:`inline`, and text that is not
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
            if prompt is not None:  # the prompt's next line, or its "-- " footer, ends it
                stop = next((j for j in range(end, stop)
                             if prompt.has(lines[j]) or lines[j].strip() == "--"), stop)
            elif at + 1 == len(marks):
                stop = _tail(lines, end)
            answer = tidy("\n".join(lines[end:stop]))
            qid = asked.ids[number - 1]
            if answer and qid not in found:
                found[qid] = (answer, " ".join(" ".join(lines[start:end]).split()))
    return found


def _question_lines(lines: Sequence[str], asked: Asked) -> list[tuple[int, int, int]]:
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
            part = normalised(line)
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
