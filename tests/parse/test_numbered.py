"""Numbered answers (mailer.parse.numbered): sub-lists, restated questions, bare numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.config.questions import load_default_questions
from mailer.parse.numbered import _BARE, _DIGIT, _MARKED, numbered

QUESTIONS = load_default_questions()["checkin"]  # working_well, obstacles, mood, progress


@pytest.mark.parametrize("sub", [
    "1) CI is flaky\n2) review backlog\n3) unclear spec",
    "   1. CI is flaky\n   2. review backlog\n   3. unclear spec",
    "1. CI is flaky\n2. review backlog\n3. unclear spec",
])
def test_a_sub_list_stays_inside_its_answer(sub: str) -> None:
    found = numbered(f"1. Good\n2. Three things:\n{sub}\n3. 3\n4. Shipped", QUESTIONS)
    assert found == {"working_well": "Good", "obstacles": f"Three things:\n{sub}",
                     "mood": "3", "progress": "Shipped"}


def test_a_restated_question_is_removed_on_its_line_or_above() -> None:
    found = numbered("1. Vad fungerar bra i samarbetet just nu? Standupen\n"
                     "3. Hur är din energi, 1-5?\n3/5 idag", QUESTIONS)
    assert found == {"working_well": "Standupen", "mood": "3/5 idag"}


def test_mixed_marks_still_follow_our_numbering() -> None:
    found = numbered("1. Bra\n2) Inga\n3: 4\n4. Klar", QUESTIONS)
    assert list(found) == ["working_well", "obstacles", "mood", "progress"]


def test_bare_numbers_only_in_order_from_one() -> None:
    assert numbered("1 Bra\n2 Inga\n3 5\n4 Klart", QUESTIONS)["mood"] == "5"
    assert numbered("2 weeks ago we shipped\n3 people left", QUESTIONS) == {}


@given(st.one_of(st.from_regex(_MARKED), st.from_regex(_BARE)))
def test_every_numbered_line_passes_the_digit_gate(line: str) -> None:
    """numbered() reads no line of a text without a digit: a match of either pattern holds
    one."""
    assert _DIGIT.search(line)


@given(st.text(st.characters(blacklist_categories=("Nd",)), max_size=60))
def test_text_without_digits_has_no_numbered_answers(text: str) -> None:
    assert not _DIGIT.search(text)
    assert not any(p.match(line) for line in text.splitlines() for p in (_MARKED, _BARE))
