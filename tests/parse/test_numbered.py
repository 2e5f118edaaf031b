"""Numbered answers (mailer.parse.numbered): sub-lists, restated questions, bare numbers."""

from __future__ import annotations

import pytest

from mailer.config.questions import load_default_questions
from mailer.parse.numbered import numbered, numbering

# working_well, obstacles, mood, progress
CHECKIN = numbering([(q.id, q.wordings()) for q in load_default_questions()["checkin"]])


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
