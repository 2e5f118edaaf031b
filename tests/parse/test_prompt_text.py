"""What a prompt said (mailer.parse.prompt_text): lines, questions, and reading a reply with it."""

from __future__ import annotations

import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse import prompt_text
from mailer.parse.extract import split_reply
from mailer.parse.numbered import joined_words
from mailer.parse.prompt_text import PromptText, normalise_line, prompt_text_from_parts

TEXT = ("Hej Anna!\n\nSvara med dina svar efter siffrorna.\n\n1. Vad fungerar bra?\n"
        "2. Hur är din energi, 1-5?\n\nDina mål just nu:\n- Ship the billing migration\n\n"
        "Tack!\nLena Holm\n")
HTML = ("<html><head><style>p {}</style></head><body><h2>Dina mål just nu</h2><table><tr>"
        "<td>1.</td><td>Vad fungerar bra?</td></tr></table><ul><li>Ship the billing migration"
        "</li></ul></body></html>")


def test_normalising_drops_what_clients_change() -> None:
    assert normalise_line("> 2.\tHur är din energi, 1-5?") == "hur är din energi 1 5"
    assert normalise_line("  *   Ship the billing migration") == "ship the billing migration"
    assert normalise_line("Dina mål just nu:") == normalise_line("Dina mål just nu")


def test_lines_and_questions_of_both_parts_survive_the_ledger() -> None:
    said = prompt_text_from_parts(TEXT, HTML)
    assert said.question_number("2. Hur är din energi, 1-5?") == 2
    assert said.has("Dina mål just nu") and said.has("•\tShip the billing migration")
    assert not said.has("4") and not said.has("Bra, tack")  # "1." alone in a cell is no line
    again = PromptText.from_lines(said.to_lines())
    assert again == said


def test_an_unquoted_original_ends_answers_and_keeps_a_bottom_post() -> None:
    said = prompt_text_from_parts(TEXT, HTML)
    body = ("Se nedan\n\n________________________________\nFrån: Team <checkin@x.se>\n"
            "Skickat: den 7 december 2026 09:00\nTill: Anna <anna@x.se>\nÄmne: Avstämning\n\n"
            + TEXT.replace("Dina mål just nu:", "Dina mål just nu") + "\n1. Bra\n2. 4\n")
    without = split_reply(body)
    with_prompt = split_reply(body, prompt=said)
    assert "1. Bra" not in without.new_text
    assert with_prompt.new_text.endswith("1. Bra\n2. 4")


def test_an_answer_that_repeats_the_prompt_stays_an_answer() -> None:
    """A goal given back as the progress answer is the person's, not a pasted prompt line."""
    said = prompt_text_from_parts(TEXT, HTML)
    parts = split_reply("1. Bra\n4. Ship the billing migration\n", prompt=said)
    assert parts.new_text == "1. Bra\n4. Ship the billing migration"
    pasted = split_reply("Se nedan\n\nDina mål just nu:\n- Ship the billing migration\n",
                         prompt=said)
    assert pasted.new_text == "Se nedan"


REVIEW = ("Hi Anna,\n\nIn November you wrote that you would:\n    Finish the billing migration.\n"
          "    Hand over the on-call rota.\n\n1. What did we say we would do?\n"
          "2. What actually happened?\n\nThanks,\nLena Holm\n")


def test_an_answer_that_copies_the_prompts_lines_keeps_them() -> None:
    """The commitments a review quotes, copied as the answer under its mark: all of them are
    the answer, not the first alone (the others had been taken for a pasted prompt)."""
    said = prompt_text_from_parts(REVIEW)
    for mark in ("Q1:", "1.", "Planned:"):
        body = f"{mark} Finish the billing migration.\nHand over the on-call rota.\n2. Done"
        assert split_reply(body, prompt=said).new_text == body
    # An own answer above them, or no mark: the prompt's lines are pasted, as before.
    for body in ("Q1: All of it\nHand over the on-call rota.\nFinish the billing migration.",
                 "Finish the billing migration.\nHand over the on-call rota."):
        assert "Hand over" not in split_reply(body, prompt=said).new_text


def test_a_stored_line_that_starts_with_a_digit_keeps_it() -> None:
    """A wrapped notice line such as "1 f och intresseavvägningen" is no question."""
    said = prompt_text_from_parts("1. Vad fungerar bra?\nartikel 6.\n1 f och intresseavvägningen\n")
    assert PromptText.from_lines(said.to_lines()) == said


_WORD_RUN = re.compile(r"\w+")


@settings(max_examples=2000, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_words_are_the_word_runs_of_the_regex(text: str) -> None:
    # joined_words spares the regex on Latin-1 text (a byte table): it must find what it finds.
    assert joined_words(text) == " ".join(_WORD_RUN.findall(text))


def test_every_character_is_a_word_character_exactly_when_the_regex_says_so() -> None:
    # Between two letters, each character either joins them or splits them, as for \w.
    for code in range(sys.maxunicode + 1):
        text = f"a{chr(code)}b"
        assert joined_words(text) == " ".join(_WORD_RUN.findall(text)), hex(code)


def test_the_lead_stripped_is_what_a_regex_of_blanks_and_marks_takes() -> None:
    # _split_number strips _LEAD with str.lstrip: every character that "[\s>*•·\-–—◦▪■□●○]"
    # matches, and no other, for every character there is.
    lead = re.compile(r"[\s>*•·\-–—◦▪■□●○]")
    for code in range(0x110000):
        char = chr(code)
        assert (char in prompt_text._LEAD) == (lead.fullmatch(char) is not None), hex(code)


@settings(max_examples=1000, deadline=None)
@given(st.from_regex(prompt_text._NUMBER))
def test_every_numbered_start_begins_with_a_digit(text: str) -> None:
    # ... which is why _split_number tries _NUMBER only on a line that starts with one.
    assert text[:1].isdigit(), text
