"""Labelled answers ("Hinder: ...", "Energy: 4") mapped to the questions their labels name. Pure.

A label of ``questions.toml`` starts a line and is followed by ":" (or "=", " - ", " – "), so
"Energy-wise a 3." and "Problem är att ..." are prose; a scale label may also be followed by
its number alone ("Energi 4"). An answer runs from its label over the lines under it, up to the
next label, and the last one stops at a closing remark
(:func:`mailer.parse.numbered.without_closing`).

People also label in their own words, and a line of theirs must not silently join the answer
above it. Among labelled answers, two more kinds of line start an answer:

* a line that names a scale question's topic and gives its value first ("Energy-wise I'd say a
  2, the flu ...", "Energin är en trea", "Energinivå: 3", "Energy level: 3"): the answer to
  that question, when it has none yet. "Energy drains fast in meetings" gives no value and
  stays where it is.
* a label-like line of their own ("Bra just nu: ...": up to four words, a colon, text; or up
  to ten that restate a question, "Obstacles I'm running into: ..."), after
  an answer written on its label's line and in the same way (indentation, bullet, bold: under
  a bare "Hinder:", "Två saker: bygget och granskningen" is the answer, and "- CI: segt" under
  "Hinder: flera" is a list inside it), not going on with it ("Also:", "Dessutom:") and no
  postscript. Holding a label of the answer above ("Fler hinder:"), it goes on with it. When
  it names one question not yet answered, it answers that one: one of the question's labels
  and no other words than the question's own (its labels and wordings in any language), a
  determiner or a time ("Bra just nu" of "Vad fungerar bra i samarbetet just nu?", "My
  obstacles this week"); "Inte så bra", "Bra att veta", "Biggest blocker" name none, as any
  word may turn a label around. Otherwise it ends the answer above and, with the lines under
  it, is in no answer, with a problem saying so: the record's text keeps it all (a header
  line "To: ..." under the answers ends them the same way).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from mailer.parse.numbered import is_postscript, joined_words, without_closing
from mailer.parse.scales import loose_scale


@dataclass(frozen=True)
class Labels:
    """What :func:`labelled` reads of a question set, worked out once per set (the caller keeps
    it with the set)."""

    ids: tuple[str, ...]  # per question, in order
    scale: tuple[bool, ...]  # per question: a scale question
    pattern: re.Pattern[str]  # the "Label: answer" line
    by_label: Mapping[str, int]  # the question (by index) of each lowercased label
    #: A line that opens with a scale question's label ("Energy-wise ...", "Energin ..."),
    #: the label in the group ``topic``, the words after it in ``rest``.
    topic: re.Pattern[str] | None
    #: Per question, its labels and wordings (lowercase) joined by blanks: the words an own
    #: label may hold, split only when a line has an own label (rare), not for every set.
    texts: tuple[str, ...]


def labels(questions: Sequence[tuple[str, bool, tuple[str, ...]]]) -> Labels:
    """The :class:`Labels` of a question set, given as (id, is a scale, labels) per question,
    in order; the labels lowercased."""
    pattern, by_label = _label_pattern(tuple(words for _, _, words in questions))
    scale_words = sorted({w for _, scale, words in questions if scale for w in words
                          if w.isalpha()}, key=len, reverse=True)  # one word: "energy"
    # The topic as a word or the start of one ("Energy-wise", "Energin", "Energinivå"), with
    # the words that only link it to the value ("level", "is", "är", "på") and a colon.
    topic = re.compile(
        r"^(?P<lead>\s*(?:[-*•]\s*)?)(?:(?:my|min|mitt|and|och)\s+)?(?P<topic>"
        + "|".join(map(re.escape, scale_words))
        + r")[\w-]*\s*(?:\b(?:level|nivå|nivån|is|was|'s|är|var|at|på)\b\s*)*[:：]?\s*"
        r"(?P<rest>.*)$",
        re.IGNORECASE) if scale_words else None
    return Labels(tuple(qid for qid, _, _ in questions),
                  tuple(scale for _, scale, _ in questions), pattern, by_label, topic,
                  tuple(" ".join(words) for _, _, words in questions))


# Someone's own label: up to four words of letters at the start of a line, a colon, text
# ("Bra just nu: ...", "**Biggest blocker:** ..."); not a URL ("https://").
_OWN_LABEL = re.compile(
    r"^(?P<lead>\s*(?:[-*•]\s*)?(?:\*\*)?)(?P<head>[^\W\d_]+(?:[ '’/-][^\W\d_]+){0,9})(?:\*\*)?"
    r"\s*[:：](?:\*\*)?\s*(?P<rest>[^\s/\\].*)$")
_OWN_LABEL_MAX = 30  # characters of an own label: longer is a sentence ("We had two things: ...")
_OWN_LABEL_WORDS = 4  # and words
_PIECES = re.compile(r"[ '’/-]")
#: ... unless it restates a question ("What's working well in how we work together:",
#: "Obstacles I'm running into:"): up to this long, when it names one.
_RESTATED_MAX = 70
_WORD = re.compile(r"\w+")
#: First words of an own label that go on with the answer above it ("Also: ...", "Dessutom: ...").
_GOING_ON = frozenset({"also", "and", "but", "plus", "besides", "otherwise", "och", "men",
                       "även", "också", "dessutom", "annars"})
#: Words an own label may hold besides its question's: a determiner, the time it speaks of.
_ANY_LABEL_WORDS = frozenset({
    "my", "our", "the", "current", "today", "now", "this", "week", "min", "mitt", "mina", "vår",
    "vårt", "våra", "idag", "nu", "just", "denna", "den", "här", "veckan", "vecka",
    # the writer where the question says "you" ("Obstacles I'm running into"), and the
    # pieces of a contraction ("What's", "I've")
    "i", "me", "we", "us", "jag", "mig", "vi", "oss", "s", "m", "re", "ve",
    "det", "som", "that"})


def labelled(text: str, asked: Labels) -> tuple[dict[str, str], tuple[str, ...]]:
    """The answer text per question id of ``Label: answer`` lines (see the module), and the
    problems of lines that answer no question."""
    lines = text.splitlines()
    for line in lines:  # most replies have no label at all: a plain loop is the cheapest test
        if asked.pattern.match(line) or (
                ":" in line and _restated(_OWN_LABEL.match(line), asked) is not None):
            break
    else:
        return {}, ()
    found: dict[str, str] = {}
    problems: list[str] = []
    current: str | None = None
    lead: str | None = None  # how the current answer's line starts, when written on it
    for line in lines:
        match = asked.pattern.match(line)
        if match:
            index = asked.by_label[match["label"].lower()]
            current, rest = asked.ids[index], match["rest"]
            if not match["sep"] and not asked.scale[index]:
                current = None  # "Problem 2 är ...": a number after a text label is prose
            if current is not None:
                found[current] = (found.get(current, "") + "\n" + rest).strip()
            lead = line[:match.start("label")] if rest.strip() else None
            continue
        other = _other_line(line, asked, found, current, lead)
        if other is None:  # it goes on with the answer above
            if current is not None:
                found[current] += "\n" + line
            continue
        qid, answer, lead = other
        if qid is not None:
            found[qid] = answer
        else:  # above the first answer too: "Samarbete: ..." must not vanish unsaid
            problems.append(f'a line labelled "{answer}" answers no question asked; kept in '
                            "the text only")
        current = qid
    if current is not None:  # the answer that runs to the end stops at a closing remark
        found[current] = without_closing(found[current])
    return found, tuple(problems)


def _other_line(line: str, asked: Labels, found: dict[str, str], current: str | None,
                lead: str | None) -> tuple[str | None, str, str] | None:
    """A line that is no label of ours: None when it goes on with the answer above; (id, its
    answer, how the line starts) when it starts the answer to question id; (None, its own
    label, "") when it starts an answer to no question we can tell."""
    topic = _topic_value(line, asked, found, current)
    if topic is not None:
        return topic
    if current is not None and lead is None:
        return None  # under a bare label ("Hinder:"), a line with a colon is the answer
    own = _OWN_LABEL.match(line)
    restated = _restated(own, asked)
    if restated is not None and restated[0] not in found and restated[0] != current:
        return restated
    if (own is None or not _own_sized(own["head"]) or is_postscript(line)
            or own["head"].split(maxsplit=1)[0].casefold() in _GOING_ON
            or (lead is not None and current is not None
                and _shape(own["lead"]) != _shape(lead))):
        return None
    qid, held = _named(own["head"], asked)
    if current in held:  # "Another obstacle:" under "Obstacles: ...": more of the same answer
        return None
    if qid is not None and qid not in found:
        return qid, own["rest"].strip(), own["lead"]
    return None, own["head"], ""


def _own_sized(head: str) -> bool:
    """``head`` is as short as an own label: a sentence's start is longer."""
    return len(head) <= _OWN_LABEL_MAX and len(_PIECES.split(head)) <= _OWN_LABEL_WORDS


def _restated(own: re.Match[str] | None, asked: Labels) -> tuple[str, str, str] | None:
    """(id, answer, how the line starts) of a line (its :data:`_OWN_LABEL` match) whose label,
    longer than an own label, restates one question in its words ("What's working well in how
    we work together: ...", "Progress towards my goals: ..."); None for any other line."""
    if own is None or len(own["head"]) > _RESTATED_MAX or _own_sized(own["head"]):
        return None  # too long for a label, or an own label (read as one)
    qid, _ = _named(own["head"], asked)
    return None if qid is None else (qid, own["rest"].strip(), own["lead"])


def _shape(lead: str) -> str:
    """The indentation and the marks (bullet, bold) of a line's start, blanks apart."""
    return f"{len(lead) - len(lead.lstrip())}{lead.replace(' ', '').replace(chr(9), '')}"


def _topic_value(line: str, asked: Labels, found: dict[str, str], current: str | None
                 ) -> tuple[str, str, str] | None:
    """(id, answer, how the line starts) of a line that opens with a scale question's topic and
    gives its value first ("Energy-wise I'd say a 2, ..."), for a scale question not answered
    yet."""
    match = asked.topic.match(line) if asked.topic else None
    if match is None:
        return None
    qid = asked.ids[asked.by_label[match["topic"].lower()]]
    if qid == current or qid in found or loose_scale(match["rest"], leading=True) is None:
        return None
    return qid, match["rest"].strip(), match["lead"]


def _named(head: str, asked: Labels) -> tuple[str | None, set[str]]:
    """The id of the one question that ``head`` names, or None, and the ids of the questions
    whose labels it holds. It names a question when it holds one of its labels and no word but
    the question's own (its labels and wordings, any language: "Bra just nu" of "Vad fungerar
    bra i samarbetet just nu?"), a determiner or a time ("My", "idag"): any other word may
    turn it around ("Inte bra", "Bra att veta")."""
    words = _WORD.findall(head.lower())
    spaced = f" {' '.join(words)} "
    spans = [(at, at + len(label), label) for label in asked.by_label
             if (at := spaced.find(f" {label} ")) >= 0]
    # Of labels that overlap, the longest is the one said: "What worked less well" says
    # "worked less well" (the improvement question), not "what worked" or "worked".
    held = {asked.by_label[label] for start, end, label in spans
            if not any(o_start < end and start < o_end and o_end - o_start > end - start
                       for o_start, o_end, _ in spans)}
    named = [index for index in held if all(
        w in _ANY_LABEL_WORDS for w in set(words) - set(joined_words(asked.texts[index]).split()))]
    return (asked.ids[named[0]] if len(named) == 1 else None), {asked.ids[i] for i in held}


@lru_cache(maxsize=64)
def _label_pattern(labels_per_question: tuple[tuple[str, ...], ...]
                   ) -> tuple[re.Pattern[str], dict[str, int]]:
    """The ``Label: answer`` line pattern of a question set, and the question (by index) of
    each label. Built once per set: the escaping and joining cost more than the matching."""
    labels_ = sorted(((label, n) for n, words in enumerate(labels_per_question)
                      for label in words), key=lambda item: len(item[0]), reverse=True)
    pattern = re.compile(
        r"^\s*(?:[-*•]\s*)?(?:\*\*)?(?P<label>"
        + "|".join(re.escape(label) for label, _ in labels_)
        + r")(?:\*\*)?(?P<sep>\s*[:：=]|\s+[-–—](?=\s|$)|(?=\s+\d))(?:\*\*)?\s*(?P<rest>.*)$",
        re.IGNORECASE,
    )
    return pattern, {label: n for label, n in labels_}
