"""answers: scale values, the four reply shapes, and reply commands (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.answers import Command, map_answers, parse_command, parse_scale
from mailer.questions import load_default_questions

QUESTIONS = load_default_questions()["checkin"]  # working_well, obstacles, mood, progress
TODAY = date(2026, 12, 18)


@dataclass(frozen=True)
class Seg:
    kind: str
    text: str


@pytest.mark.parametrize(
    ("text", "value"),
    [("4", 4), ("4/5", 4), ("4 / 5", 4), ("4 av 5", 4), ("4 of 5", 4), ("4 out of 5", 4),
     ("5!", 5), ("1.", 1), ("4 - lite trött men ok", 4), ("3, busy week", 3), ("fyra", 4),
     ("Four", 4), ("  2  ", 2)],
)
def test_scale_accepts(text: str, value: int) -> None:
    assert parse_scale(text) == (value, None)


@pytest.mark.parametrize(
    "text", ["7", "0", "4/10", "3-4", "3 eller 4", "3 or 4", "3,5", "3.5", "bra", "", "42",
             "4st", "-1"],
)
def test_scale_refuses_without_guessing(text: str) -> None:
    value, problem = parse_scale(text)
    assert value is None and problem


@given(st.text(max_size=40))
def test_scale_never_raises_and_stays_in_range(text: str) -> None:
    value, problem = parse_scale(text)
    assert (value is None) != (problem is None)
    assert value is None or 1 <= value <= 5


def test_numbered_top_posted() -> None:
    text = "1. Bra pair-programming med Bo\n2) Väntar på access till prod\nfortfarande\n3: 4\n4. Klar med RFC:n"
    mapped = map_answers(text, [Seg("new", text)], QUESTIONS)
    assert mapped.method == "numbered"
    assert mapped.answers == {
        "working_well": "Bra pair-programming med Bo",
        "obstacles": "Väntar på access till prod\nfortfarande",
        "mood": 4,
        "progress": "Klar med RFC:n",
    }
    assert not mapped.unstructured


def test_labelled_swedish_and_english() -> None:
    text = "Hinder: inget just nu\nEnergi: 4 av 5\nFramsteg: skrev klart testerna"
    assert map_answers(text, [], QUESTIONS).answers == {
        "obstacles": "inget just nu", "mood": 4, "progress": "skrev klart testerna"}
    text = "Working well: the new standups\nEnergy 3/5\nBlockers - CI is slow"
    assert map_answers(text, [], QUESTIONS).answers == {
        "working_well": "the new standups", "mood": 3, "obstacles": "CI is slow"}


def test_scale_out_of_range_is_kept_as_text_with_a_problem() -> None:
    mapped = map_answers("3. 7 av 10\n", [], QUESTIONS)
    assert mapped.answers == {"mood": "7 av 10"}
    assert mapped.problems and "mood" in mapped.problems[0]


def test_inline_answers_under_quoted_questions() -> None:
    segments = [
        Seg("attribution", "Den fre 18 dec. 2026 kl. 09:00 skrev Check-in <checkin@x.se>:"),
        Seg("quote", "> Hej Anna!\n>\n> 1. Vad fungerar bra i samarbetet just\n> nu?"),
        Seg("new", "Code review går snabbt."),
        Seg("quote", "> 2. Vilka hinder stöter du på?"),
        Seg("new", "Inga."),
        Seg("quote", "> 3. Hur är din energi, 1-5?"),
        Seg("new", "4/5"),
        Seg("quote", "> 4. Framsteg mot dina mål, även ett litet steg?\n>\n> Svara på det här mejlet."),
        Seg("signature", "-- \nAnna"),
    ]
    new_text = "Code review går snabbt.\n\nInga.\n\n4/5"
    mapped = map_answers(new_text, segments, QUESTIONS)
    assert mapped.method == "inline"
    assert mapped.answers == {"working_well": "Code review går snabbt.", "obstacles": "Inga.",
                              "mood": 4}


def test_top_posted_prose_is_free_text() -> None:
    text = "Ganska lugn vecka. Inget särskilt att rapportera, energin är ok."
    segments = [Seg("new", text), Seg("quote", "> 1. Vad fungerar bra i samarbetet just nu?")]
    mapped = map_answers(text, segments, QUESTIONS)
    assert mapped.unstructured and mapped.answers == {}


def test_a_sentence_mentioning_a_label_is_not_a_label() -> None:
    assert map_answers("Problem är att vi saknar folk", [], QUESTIONS).answers == {}


def test_numbers_out_of_order_are_not_answers() -> None:
    # A number lower than the one before continues the answer (a list inside an answer).
    mapped = map_answers("3. punkt\n1. punkt", [], QUESTIONS)
    assert mapped.answers == {"mood": "punkt\n1. punkt"} and mapped.problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pause until 2027-01-07", Command("pause", date(2027, 1, 7))),
        ("paus till 7 januari", Command("pause", date(2027, 1, 7))),
        ("Pause 2 weeks.", Command("pause", date(2026, 12, 31))),
        ("paus 2 veckor", Command("pause", date(2026, 12, 31))),
        ("paus 3 dagar", Command("pause", date(2026, 12, 20))),
        ("resume", Command("resume")),
        ("Återuppta", Command("resume")),
        ("skip", Command("skip")),
        ("Hoppa över", Command("skip")),
        ("\n\n  skip!\nBusy week", Command("skip")),
    ],
)
def test_commands(text: str, expected: Command) -> None:
    command = parse_command(text, today=TODAY)
    assert command is not None
    assert (command.action, command.until, command.problem) == (
        expected.action, expected.until, None)


@pytest.mark.parametrize("text", ["Skip the standup, it's useless", "Pausen i mötet var bra",
                                  "1. resume", "", "Återupptar arbetet med X"])
def test_not_commands(text: str) -> None:
    assert parse_command(text, today=TODAY) is None


@pytest.mark.parametrize("text", ["pause", "paus till igår", "pause until 2020-01-01",
                                  "pause 3 hours", "pause 60 months"])
def test_commands_not_understood_say_why(text: str) -> None:
    command = parse_command(text, today=TODAY)
    assert command is not None and command.action == "pause" and command.problem


@given(st.text(max_size=200))
def test_mapping_and_commands_never_raise(text: str) -> None:
    map_answers(text, [Seg("new", text)], QUESTIONS)
    parse_command(text, today=TODAY)
