"""Scale answers as people write them (mailer.parse.scales), and what stays text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.parse.scales import loose_scale

WORDINGS = ("Hur är din energi, 1-5?", "How is your energy, 1-5?")


@pytest.mark.parametrize(("text", "value"), [
    ("ca 3", 3), ("Fyra, lite trött efter releasen", 4), ("3/5 idag", 3), ("4 🙂", 4),
    ("Hur är din energi, 1-5? 3", 3), ("How is your energy, 1-5?\n3 out of 5, tired", 3),
    ("3-4", 3.5), ("about 2 today", 2), ("three", 3), ("tre, okej", 3), ("3 av 5", 3),
])
def test_reads_scales_as_people_write_them(text: str, value: float) -> None:
    assert loose_scale(text, wordings=WORDINGS) == value


@pytest.mark.parametrize("text", [
    "beror på dagen", "7", "4/10", "3 eller 4", "2-4", "3,5", "mellan 2 och 4",
    "en bra vecka", "Tre saker stör mig: 2 möten och 1 deadline", "",
])
def test_stays_text_when_unclear_or_off_the_scale(text: str) -> None:
    assert loose_scale(text, wordings=WORDINGS) is None


@given(st.text(max_size=60))
def test_never_raises_and_stays_on_the_scale(text: str) -> None:
    value = loose_scale(text, wordings=WORDINGS)
    assert value is None or 1 <= value <= 5
