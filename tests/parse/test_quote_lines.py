"""The last-character gates of mailer.parse.quote_lines, checked against the patterns they
spare: an attribution they let pass unseen would no longer end a reply's new text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse import quote_lines
from mailer.parse.quote_patterns import ATTR_TAIL, VERB_END, VERB_SUFFIXES


@settings(max_examples=1000, deadline=None)
@given(st.from_regex(VERB_END))
def test_every_text_ending_in_a_verb_passes_both_gates(text: str) -> None:
    assert quote_lines._may_end_with_verb(text), text
    bare = text.strip()
    if bare:
        assert bare[-1].lower()[-1] in quote_lines._ATTR_LAST, text


def test_every_verb_suffix_ends_in_a_character_the_verb_gate_knows() -> None:
    # VERB_SUFFIXES is kept beside VERBS by hand: the gate must know each one's last letter.
    for suffix in VERB_SUFFIXES:
        assert quote_lines._VERB_LAST.fullmatch(suffix[-1]), suffix


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=60))
def test_a_line_after_a_quote_mark_is_a_quote_unless_it_ends_in_a_colon_or_angle(text: str) -> None:
    # extract._classify takes such a line for a quote without calling is_quote.
    line = ">" + text
    bare = line.strip()
    if bare[-1] not in ":：<":
        assert quote_lines.is_quote(line, bare), line


@settings(max_examples=1000, deadline=None)
@given(st.from_regex(ATTR_TAIL, fullmatch=True))
def test_every_attribution_tail_ends_in_a_colon(text: str) -> None:
    # ... which is why is_quote looks for ATTR_TAIL only on a line that ends in one.
    assert text.strip()[-1:] in (":", "："), text
