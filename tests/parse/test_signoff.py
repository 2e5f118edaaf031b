"""The first-character gates of mailer.parse.signoff, checked against the patterns they spare:
a valediction they let pass unseen would stay in a reply's new text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse.quote_patterns import VALEDICTION


@settings(max_examples=1000, deadline=None)
@given(st.from_regex(VALEDICTION, fullmatch=True))
def test_no_valediction_starts_with_a_digit(text: str) -> None:
    # _valediction_start skips a line that starts with a digit ("2. Inga") unread.
    assert not text[:1].isdigit(), text
