"""A question set as the answer readers read it, and the normalised text they compare. Pure.

Every reply to a prompt is read against the same few question sets, so what the readers look
for in a set (:class:`Asked`: wordings normalised, the label and numbering grammars of
:mod:`mailer.parse.labelled` and :mod:`mailer.parse.numbered`) is worked out once per set's
content, and a quoted line is normalised once (:func:`normalised`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from mailer.models import Question
from mailer.parse.labelled import Labels, labels
from mailer.parse.numbered import Numbering, joined_words, numbering


@dataclass(frozen=True)
class Asked:
    """What the mapping looks for of a question set, worked out once per set (every reply to a
    prompt is read against the same set): ids, wordings normalised, the label and numbering
    grammars."""

    ids: tuple[str, ...]  # per question, in order
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


def asked_of(questions: Sequence[Question]) -> Asked:
    """The question set as the mapping reads it, worked out once per set's content (a service
    asks the same few sets every time)."""
    # A list made into a tuple: twice as fast as tuple() over a generator (Python 3.11).
    return _asked_of_key(tuple([(q.id, q.type, q.labels, q.wordings()) for q in questions]))


@lru_cache(maxsize=64)
def _asked_of_key(questions: tuple[_QuestionKey, ...]) -> Asked:
    wordings = {qid: texts for qid, _, _, texts in questions}
    types = {qid: kind for qid, kind, _, _ in questions}
    norms: dict[str, tuple[str, ...]] = {}
    for qid, _, _, texts in questions:
        norms[qid] = (*norms.get(qid, ()), *(w for t in texts if (w := normalised(t))))
    found = [(n, qid, norm) for n, (qid, _, _, texts) in enumerate(questions, 1)
             for norm in map(normalised, texts) if norm]
    quoted = tuple((qid, norm, f" {norm} ", f" {n} ",
                    any(norm in other and len(other) > len(norm) for _, _, other in found))
                   for n, qid, norm in found)
    return Asked(
        ids=tuple(qid for qid, _, _, _ in questions),
        scales=frozenset(qid for qid, kind in types.items() if kind == "scale"),
        wordings=wordings, quoted=quoted, norms=norms,
        lines=tuple(frozenset(f"{n} {normalised(t)}" for t in texts)
                    for n, (_, _, _, texts) in enumerate(questions, 1)),
        labelling=labels([(qid, kind == "scale", (*words, qid.replace("_", " "),
                                                  *(t.lower().rstrip("?") for t in texts)))
                          for qid, kind, words, texts in questions]),
        numbering=numbering([(qid, texts) for qid, _, _, texts in questions]))


@lru_cache(maxsize=8192)
def normalised(text: str) -> str:
    """Lowercase letters and digits only, quote markers gone: for finding a question's
    wording in a quote however the client wrapped or decorated it ("> " markers are not
    letters either). Cached: every reply to a prompt quotes the same lines."""
    return joined_words(text.lower())
