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


@pytest.mark.parametrize(("last", "answer"), [
    ("Klar med testplanen\n\nHör av dig om du vill prata mer om punkt 2.", "Klar med testplanen"),
    ("Klar\n\nSäg gärna till om du vill veta mer.", "Klar"),
    ("Klar\n\nTack för att du frågar!", "Klar"),
    ("Klar\n\nHa en bra helg!", "Klar"),
    ("Klar\n\nOm punkt 2: det löste sig efter lunch.", "Klar"),
    ("Klar\n\nUrsäkta sent svar.", "Klar"),
    ("Shipped the importer\n\nPS: sorry about the automatic reply last week.",
     "Shipped the importer"),
    ("Shipped the importer\nP.S. The rule is off now.", "Shipped the importer"),
    ("Shipped\n\nP.P.S. one more thing", "Shipped"),
    ("Shipped\n\nLet me know if you want to talk.", "Shipped"),
    ("Shipped\n\nAnd let’s talk about the budget on Tuesday.", "Shipped"),
    ("Shipped\n\nThanks for asking!", "Shipped"),
    ("Shipped\n\nRe question 2: solved it.", "Shipped"),
    ("Shipped\n\nHappy to talk more about point 2 if useful.\n\nMore text", "Shipped"),
    ("Klar\n\nHa det gott!", "Klar"), ("Klar\n\nVi ses på retron.", "Klar"),
    ("Klar\n\nHoppas allt är bra med dig!", "Klar"), ("Klar\n\nÅterkom gärna.", "Klar"),
    ("Klar\n\nOm du har frågor, ring gärna.", "Klar"),
    ("Shipped\n\nHave a great weekend!", "Shipped"), ("Shipped\n\nSee you Thursday", "Shipped"),
    ("Shipped\n\nCould we talk about point 2 on Friday?", "Shipped"),
    ("Shipped\n\nHope you had a good trip!", "Shipped"),
])
def test_the_last_answer_stops_at_a_closing_remark(last: str, answer: str) -> None:
    found = numbered(f"1. Bra\n2. Inga\n3. 4\n4. {last}", CHECKIN)
    assert found["progress"] == answer
    assert found["working_well"] == "Bra"


@pytest.mark.parametrize("last", [
    "Done with the RFC.\n\nAnd the tests.",
    "Klar med X.\n\nNästa vecka tar jag Y.",
    "Shipped the importer.\n\nI let the team know about the delay.",
    "Nothing yet.\n\nPsychologically it has been a hard week.",
    "Little progress.\n\nCall me crazy, but I think we should drop the goal.",
    "Talked with the customer.\n\nHave a look at the doc I shared for the details.",
    "Klar med migreringen.\n\nSorry state of the CI though: flaky all week.",
    "Finished the PS5 port.\nPS5 certification next.",
    "Skrev klart planen.\n\nJag pratade med teamet om punkt 2 i planen.",
    "Klar. Hör av dig om du vill se den.",  # on the answer's own line: part of it
    "Shipped the beta.\n\nHave a good feeling about the launch.",
    "Klar med första delen.\n\nHoppas det blir klart nästa vecka.",
    "Klar med planen.\n\nVi sesade inte med kunden än.",
])
def test_a_multi_paragraph_last_answer_stays_whole(last: str) -> None:
    assert numbered(f"1. Bra\n2. Inga\n3. 4\n4. {last}", CHECKIN)["progress"] == last


def test_only_the_last_answer_stops_at_a_closing_remark() -> None:
    found = numbered("1. Bra\n\nHör av dig om du vill veta mer.\n2. Inga\n3. 4", CHECKIN)
    assert found["working_well"] == "Bra\n\nHör av dig om du vill veta mer."
    assert found["mood"] == "4"


def test_a_remark_alone_under_a_number_is_still_its_answer() -> None:
    assert numbered("1.\n\nHa en bra helg", CHECKIN)["working_well"].strip() == "Ha en bra helg"


ALL_FOUR = {"working_well": "Bra", "obstacles": "Inga", "mood": "Fyra", "progress": "Klar"}


@pytest.mark.parametrize("mark", [
    "{n}. ", "{n}) ", "{n}: ", "{n} - ", "{n} – ", "{n} — ", "{n}- ", "({n}) ", "{n}/ ",
    "{n}.", "{n}\ufe0f\u20e3 ", "{n}\u20e3 ", "Q{n}: ", "q{n}. ", "Q {n}: ", "Question {n}: ",
    "Fråga {n}: ", "fråga {n}) ", "F{n}: ", "Svar {n}: ", "Answer {n} - ", "Punkt {n}: ",
    "#{n}: ", "**{n}.** ", "  {n} - ",
])
def test_the_forms_people_number_answers_with(mark: str) -> None:
    text = "\n".join(mark.format(n=n) + answer
                     for n, answer in enumerate(ALL_FOUR.values(), 1))
    assert numbered(text, CHECKIN) == ALL_FOUR


@pytest.mark.parametrize("mark", ["{n}. ", "{n}) ", "{n}: ", "{n} - ", "{n} – ", "Q{n}: "])
def test_a_digit_answer_after_the_forms(mark: str) -> None:
    text = "\n".join(mark.format(n=n) + answer for n, answer in enumerate(("Bra", "Inga", "4"), 1))
    assert numbered(text, CHECKIN)["mood"] == "4"


@pytest.mark.parametrize("text", [
    "2 - 3 veckor kvar på projektet",  # one number and a dash: prose
    "3 – 4 personer var sjuka i veckan",
    "1/12 började vi med den nya processen\n2/12 kom releasen",  # dates
    "9:30 standup\n10:00 planering",  # times
    "Q1 was slow, Q2 looks better",  # the quarters, no separator
    "Q3 budget is still open\nQ4 is planned",
    "F1 på tv i helgen",
    "1.5 days lost to the VPN",
    "2/3 of the team were sick",
    "1:a veckan var tung\n2:a veckan bättre",  # Swedish ordinals
])
def test_numbers_in_prose_are_no_numbering(text: str) -> None:
    assert numbered(text, CHECKIN) == {}


def test_a_dash_sub_list_inside_a_dash_numbering_stays_in_its_answer() -> None:
    found = numbered("1 - Bra\n2 - Två saker:\n  1 - CI\n  2 - specen\n3 - 4\n4 - Klar", CHECKIN)
    assert found["obstacles"] == "Två saker:\n  1 - CI\n  2 - specen"
    assert found["mood"] == "4"


def test_a_lone_dash_number_leaves_the_other_numbering() -> None:
    found = numbered("4 – bra vecka överlag\n3. Tre\n4. Klar", CHECKIN)
    assert found == {"mood": "Tre", "progress": "Klar"}


@pytest.mark.parametrize(("text", "expected"), [
    ("One. The retro was useful.\nTwo. Waiting on legal.\nThree. Four.\nFour. Export done.",
     {"working_well": "The retro was useful.", "obstacles": "Waiting on legal.",
      "mood": "Four.", "progress": "Export done."}),
    ("Ett. Bra möten\nTvå: inga hinder\nTre. 4\nFyra. Klar med exporten",
     {"working_well": "Bra möten", "obstacles": "inga hinder", "mood": "4",
      "progress": "Klar med exporten"}),
    ("one) pairing\ntwo) nothing", {"working_well": "pairing", "obstacles": "nothing"}),
    # letters, in order from "a"
    ("a) Bra samarbete\nb) Väntar på licenser\nc) 4\nd) Klar med specen",
     {"working_well": "Bra samarbete", "obstacles": "Väntar på licenser", "mood": "4",
      "progress": "Klar med specen"}),
    ("A. Pairing\nB. None", {"working_well": "Pairing", "obstacles": "None"}),
    # numbers from zero: read from one, a sub-list in another style stays inside
    ("0. Standups\n1. Flaky CI\n2. 3\n3. Rollback script",
     {"working_well": "Standups", "obstacles": "Flaky CI", "mood": "3",
      "progress": "Rollback script"}),
    ("0. Bra\n1. Två saker:\n  1) CI\n  2) specen\n2. 4",
     {"working_well": "Bra", "obstacles": "Två saker:\n  1) CI\n  2) specen", "mood": "4"}),
])
def test_answers_counted_in_words_letters_or_from_zero(text: str, expected: dict[str, str]) -> None:
    assert numbered(text, CHECKIN) == expected


@pytest.mark.parametrize("text", [
    "One thing: the VPN.\nTwo people left.",  # no mark after the word
    "Two. Inga\nThree. 4",  # not from one
    "One. Only one numbered line here.",  # one alone is prose
    "En. Sak.\nTre. Saker.",  # not in order
    "Oneself. Is a word\nTwofold. Too",  # a longer word
    "a) Bra\nTwo. Inga",  # two countings
    "b) Inga\nc) 4",  # letters not from "a"
])
def test_words_and_letters_in_prose_are_no_numbering(text: str) -> None:
    assert numbered(text, CHECKIN) == {}


def test_a_sub_list_under_letters_keeps_its_letters() -> None:
    """Letters count answers only when no number does: under "2." they are a sub-list."""
    found = numbered("1. Good\n2. Two things:\na) CI\nb) specs\n3. 4\n4. Done", CHECKIN)
    assert found["obstacles"] == "Two things:\na) CI\nb) specs" and found["mood"] == "4"


def test_a_zero_in_prose_is_no_numbering_from_zero() -> None:
    assert numbered("0 bugs this week\n1. Good\n2. None", CHECKIN) == {
        "working_well": "Good", "obstacles": "None"}
