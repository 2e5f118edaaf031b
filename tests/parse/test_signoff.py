"""The first-character gates of mailer.parse.signoff, checked against the patterns they spare:
a valediction they let pass unseen would stay in a reply's new text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse.extract import split_reply
from mailer.parse.quote_patterns import VALEDICTION


@settings(max_examples=1000, deadline=None)
@given(st.from_regex(VALEDICTION, fullmatch=True))
def test_no_valediction_starts_with_a_digit(text: str) -> None:
    # _valediction_start skips a line that starts with a digit ("2. Inga") unread.
    assert not text[:1].isdigit(), text


@pytest.mark.parametrize("closing", [
    "Ha det bra!", "Ha det gott,", "ha det så bra", "Ha det fint!", "Sköt om dig", "Take care,",
    "Take care!", "Cheers", "Cheers,\nAnna", "Ha det bra!\nAnna", "Take care\nAnna Berg",
])
def test_a_closing_line_ends_the_new_text(closing: str) -> None:
    text = f"1. Bra\n2. Inga\n\n{closing}"
    assert split_reply(text, sender_name=None).new_text == "1. Bra\n2. Inga"


@pytest.mark.parametrize("text", [
    "Vi måste ha det bra med kunden", "Take care of the backlog first",
    "Ha det bra på semestern, vi ses i januari", "Cheers to the team for the release",
    "Vi ses på retron och tar det där", "See you at the demo, it is ready",
])
def test_the_same_words_in_a_sentence_stay(text: str) -> None:
    assert split_reply(f"1. Bra\n2. Inga\n\n{text}", sender_name=None).new_text.endswith(text)
