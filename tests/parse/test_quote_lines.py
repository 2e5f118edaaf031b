"""The last-character gates of mailer.parse.quote_lines and mailer.parse.attribution, checked
against the patterns they spare: an attribution they let pass unseen would no longer end a
reply's new text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse import attribution, quote_lines
from mailer.parse.quote_patterns import ATTR_TAIL, VERB_END, VERB_SUFFIXES


@settings(max_examples=1000, deadline=None)
@given(st.from_regex(VERB_END))
def test_every_text_ending_in_a_verb_passes_both_gates(text: str) -> None:
    assert attribution._may_end_with_verb(text), text
    bare = text.strip()
    if bare:
        assert bare[-1].lower()[-1] in attribution._ATTR_LAST, text
        assert bare[-1] in attribution.ATTR_LAST_ANY_CASE, text


def test_the_last_character_gate_is_a_lower_case_test_written_as_a_set() -> None:
    # is_prose and may_end_attribution test the last character against ATTR_LAST_ANY_CASE
    # instead of lower-casing it: the same answer for every character there is.
    for code in range(0x110000):
        char = chr(code)
        assert (char.lower()[-1] in attribution._ATTR_LAST) == (
            char in attribution.ATTR_LAST_ANY_CASE
        ), hex(code)


_LINE_END = st.sampled_from([":", "：", " -", "*", " :", ""])


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=40), st.one_of(st.from_regex(VERB_END), st.text(max_size=20)), _LINE_END)
def test_a_line_an_attribution_may_end_on_is_never_prose(head: str, tail: str, end: str) -> None:
    bare = (head + tail + end).strip()
    if bare and attribution.ends_in_colon_or_verb(bare):
        assert bare[-1] in attribution.ATTR_LAST_ANY_CASE, bare
        assert not quote_lines.is_prose(bare), bare
    if bare and attribution.may_end_attribution(bare):
        assert not quote_lines.is_prose(bare), bare


def test_every_verb_suffix_ends_in_a_character_the_verb_gate_knows() -> None:
    # VERB_SUFFIXES is kept beside VERBS by hand: the gate must know each one's last letter.
    for suffix in VERB_SUFFIXES:
        assert attribution._VERB_LAST.fullmatch(suffix[-1]), suffix


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


@pytest.mark.parametrize("line", [
    "Skaffa Outlook för Android<https://aka.ms/AAb9ysg>", "Skaffa Outlook för iOS",
    "Hämta Outlook för iOS/Android", "Get Outlook for iOS<https://aka.ms/o0ukef>",
    "Get Outlook for Android", "Ladda ner Outlook för Android", "Get Outlook for iOS / Android",
    # Proton Mail's, in both languages
    "Skickat med Proton Mail säker e-post.", "Sent with Proton Mail secure email.",
    # with the usual apology after it
    "Sent from my phone, excuse typos", "Skickat från min mobil, ursäkta stavfel",
])
def test_outlook_mobile_footers_in_both_languages(line: str) -> None:
    assert quote_lines.is_footer(line)


@pytest.mark.parametrize("line", [
    "Skaffa Outlook, det är bättre än Gmail", "We should get Outlook for everyone",
    "Hämta Outlook-filerna från Android-mappen", "Get the Android build out",
    "Skickat med posten igår", "Skickat med kärlek",  # "med" only before a mail app
    "Sent from my phone, excuse me for asking but is the VPN down",
])
def test_sentences_about_outlook_are_no_footer(line: str) -> None:
    assert not quote_lines.is_footer(line)


@pytest.mark.parametrize("line", [
    "[...]", "[…]", "[ ... ]", "[snip]", "<snip>", "[SNIP]", "[snipped]", "(...)", "[klipp]",
    "<...>", "[cut]", "[..]", "[---]", "[... snip ...]", "-- snip --", "--- 8< ---", "[…snip…]",
])
def test_marks_of_cut_quoted_text(line: str) -> None:
    assert quote_lines.is_snip(line)


@pytest.mark.parametrize("line", [
    "...", "[x]", "[ ]", "[TODO]", "(snip of the log below)", "[...] and then it broke",
    "<b>", "(5)", "[1]", "snip", "--", "-- ", "----", "- snip the logs -", "-- Anna --",
])
def test_lines_that_are_no_cut_mark(line: str) -> None:
    assert not quote_lines.is_snip(line)
