"""Numbered answers (mailer.parse.numbered): sub-lists, restated questions, bare numbers."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.config.questions import load_default_questions
from mailer.models import Question
from mailer.parse.numbered import numbered, numbering, strip_restated

QUESTIONS = load_default_questions()["checkin"]  # working_well, obstacles, mood, progress
CHECKIN = numbering([(q.id, q.wordings()) for q in QUESTIONS])


@pytest.mark.parametrize("sub", [
    "1) CI is flaky\n2) review backlog\n3) unclear spec",
    "   1. CI is flaky\n   2. review backlog\n   3. unclear spec",
    "1. CI is flaky\n2. review backlog\n3. unclear spec",
])
def test_a_sub_list_stays_inside_its_answer(sub: str) -> None:
    found = numbered(f"1. Good\n2. Three things:\n{sub}\n3. 3\n4. Shipped", CHECKIN)
    assert found == {"working_well": "Good", "obstacles": f"Three things:\n{sub}",
                     "mood": "3", "progress": "Shipped"}


def test_a_restated_question_is_removed_on_its_line_or_above() -> None:
    found = numbered("1. Vad fungerar bra i samarbetet just nu? Standupen\n"
                     "3. Hur är din energi, 1-5?\n3/5 idag", CHECKIN)
    assert found == {"working_well": "Standupen", "mood": "3/5 idag"}


def test_mixed_marks_still_follow_our_numbering() -> None:
    found = numbered("1. Bra\n2) Inga\n3: 4\n4. Klar", CHECKIN)
    assert list(found) == ["working_well", "obstacles", "mood", "progress"]


def test_bare_numbers_only_in_order_from_one() -> None:
    assert numbered("1 Bra\n2 Inga\n3 5\n4 Klart", CHECKIN)["mood"] == "5"
    assert numbered("2 weeks ago we shipped\n3 people left", CHECKIN) == {}


def test_a_word_character_folds_to_a_word_character() -> None:
    """strip_restated reads the first character of an answer as the first of its normalised
    form, case-folded: over all of Unicode, a word character (``\\w``: alphanumeric or "_")
    folds to one that starts with a word character."""
    for code in range(0x110000):
        char = chr(code)
        if char.isalnum() or char == "_":
            folded = char.casefold()[0]
            assert folded.isalnum() or folded == "_", hex(code)
            assert re.match(r"\w", char) and re.match(r"\w", folded), hex(code)


@given(st.sampled_from(QUESTIONS), st.one_of(st.sampled_from(["", " ", "**", "- ", "¿", "_"]),
                                             st.text(max_size=3)),
       st.sampled_from([str.upper, str.lower, str.title, str.casefold]), st.text(max_size=12))
def test_the_first_character_test_changes_no_answer(
        question: Question, before: str, case: Callable[[str], str], after: str) -> None:
    """An answer that restates a wording, in any case and decoration, is stripped as if its
    first character had not been looked at (``starts`` holding that character)."""
    norms, starts = CHECKIN.restated[question.id], CHECKIN.starts[question.id]
    for wording in question.wordings():
        answer = before + case(wording) + after
        unread = answer[:1] + answer[:1].casefold()  # gets past the test however it reads
        assert strip_restated(answer, norms, starts) == strip_restated(answer, norms, unread)
