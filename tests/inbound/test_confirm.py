"""confirm: what a receipt says, in the person's language and date format (pure)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import get_args

import pytest

from mailer.inbound.decision import Receipt
from mailer.inbound.receipts import (
    _WORDS,
    OUTCOMES,
    confirmation_context,
    impossible_date,
    sample_factory,
)
from mailer.models import Record
from mailer.outbound.compose import build_environment, render
from mailer.outbound.samples import sample_config
from mailer.parse.answers import ScaleIssueKind
from mailer.parse.commands import Command, CommandIssue

TODAY = date(2026, 12, 18)


def receipt(**fields: object) -> Receipt:
    base: dict[str, object] = {
        "to": "kim@example.com", "name": "Kim", "language": "en", "team": "platform",
        "kind": "checkin", "subject": "Re: Check-in", "in_reply_to": None, "references": ()}
    return Receipt(**{**base, **fields})  # type: ignore[arg-type]


def record(answers: dict[str, object], problems: tuple[str, ...] = ()) -> Record:
    return Record(
        id="0" * 40, team="platform", member="kim@example.com", kind="checkin",
        slot="2026-12-18", prompt_message_id=None, message_id=None,
        received_at=datetime.fromisoformat("2026-12-18T10:00:00+01:00"),
        matched_by="in_reply_to", language="en", answers=answers,  # type: ignore[arg-type]
        text="", problems=problems)


def test_every_phrase_exists_in_every_language() -> None:
    needed = set(_WORDS["en"])
    assert {"pause", "resume", "skip", "impossible_date", "scale_fix", *get_args(ScaleIssueKind),
            *get_args(CommandIssue)} <= needed
    for language, words in _WORDS.items():
        assert set(words) == needed, language


@pytest.mark.parametrize(("language", "country", "locale", "summary"), [
    ("en", "US", "en_US", "questions paused until January 7"),
    ("en", "GB", "en_GB", "questions paused until 7 January"),
    ("en", "SE", "en_001", "questions paused until 7 January"),
    ("sv", "SE", "sv_SE", "frågorna pausade till och med 7 januari"),
    ("sv", "FI", "sv_FI", "frågorna pausade till och med 7 januari"),
    ("xx", "US", "en_US", "questions paused until January 7"),  # unknown language: English
])
def test_the_locale_is_the_persons(language: str, country: str, locale: str,
                                   summary: str) -> None:
    context = confirmation_context(
        receipt(language=language, country=country,
                command=Command("pause", until=date(2027, 1, 7), line="pause until 2027-01-07")),
        team_display_name="Platform", today=TODAY)
    assert context["locale"] == locale and context["command"]["summary"] == summary
    assert context["outcome"] == "paused"


@pytest.mark.parametrize(("language", "problem", "fix"), [
    ("en", "It has no end date or length.",
     "Reply, for example, “pause until 1 January 2027” or “pause 2 weeks”."),
    ("sv", "Det saknas ett slutdatum eller en längd.",
     "Svara till exempel ”paus till 1 januari 2027” eller ”paus 2 veckor”."),
])
def test_a_refused_pause_says_why_and_what_to_write_instead(
        language: str, problem: str, fix: str) -> None:
    command = Command("pause", problem="no end date or length", line="pause", issue="no_length")
    context = confirmation_context(receipt(language=language, command=command),
                                   team_display_name="Platform", today=TODAY)
    assert context["outcome"] == "not_understood"
    assert context["command"]["problem"] == problem and context["fixes"] == [fix]


@pytest.mark.parametrize(("language", "line", "said"), [
    ("sv", "paus till 31 februari", "”31 februari” finns inte."),
    ("en", "pause until February 30, 2027", "“February 30, 2027” does not exist."),
    ("en", "pause until 2027-13-01", "“2027-13-01” does not exist."),
])
def test_an_impossible_date_is_named_as_such(language: str, line: str, said: str) -> None:
    command = Command("pause", problem="no end date or length", line=line, issue="no_length")
    context = confirmation_context(receipt(language=language, command=command),
                                   team_display_name="Platform", today=TODAY)
    assert context["command"]["problem"] == said


def test_a_real_date_is_not_called_impossible() -> None:
    assert impossible_date("paus till 28 februari", today=TODAY) is None
    assert impossible_date("pause until 29 February 2028", today=TODAY) is None
    assert impossible_date("paus 2 veckor", today=TODAY) is None


@pytest.mark.parametrize(("language", "said"), [
    ("sv", "det är inget kommando som jag känner till."),
    ("en", "it is not a command I know.")])
def test_a_problem_without_an_issue_is_not_shown_in_english_to_a_swedish_speaker(
        language: str, said: str) -> None:
    command = Command("pause", problem="something new went wrong", line="paus")
    context = confirmation_context(receipt(language=language, command=command),
                                   team_display_name="Platform", today=TODAY)
    assert context["command"]["problem"] == said


def test_a_scale_note_whose_answer_now_reads_fine_is_said_plainly() -> None:
    rec = record({"mood": "4"}, problems=("mood: 4 was odd; kept as text",))
    context = confirmation_context(
        receipt(language="sv", record=rec, question_labels=(("mood", "Energi, 1-5?"),)),
        team_display_name="Platform", today=TODAY)
    assert context["problems"] == ["Fråga 1: ”4” går inte att läsa som en siffra från 1 till 5."]
    assert context["outcome"] == "partly"


def test_only_scale_answers_kept_as_text_are_noted_with_a_concrete_fix() -> None:
    labels = (("obstacles", "Obstacles?"), ("mood", "Energy, 1-5?"))
    rec = record({"mood": "4/10", "obstacles": "CI"},
                 problems=("no Message-ID: the record is keyed on the content",
                           'mood: "4/10" is not on the 1-5 scale; kept as text',
                           "obstacles: something"))
    context = confirmation_context(receipt(language="en", record=rec, question_labels=labels),
                                   team_display_name="Platform", today=TODAY)
    assert context["problems"] == ["Question 2: “4/10” is on another scale than 1–5."]
    assert context["fixes"] == ["Reply again with all your answers, and answer question 2 "
                                "with a number from 1 to 5, for example “3”."]
    assert context["recorded"] and context["command"] is None


@pytest.mark.parametrize(("record_answers", "command", "held", "outcome"), [
    ({"mood": 4}, None, None, "recorded"),
    ({"mood": 4}, Command("pause", until=date(2027, 1, 7), line="pause 3 weeks"), None,
     "recorded"),
    ({"mood": 4}, Command("skip", line="skip"), "answered", "recorded"),
    ({"mood": 4}, Command("pause", line="pause 3 weeks", until=date(2027, 1, 7)), "anonymous",
     "partly"),
    ({"mood": 4}, Command("pause", line="pause", problem="x", issue="no_length"), None, "partly"),
    (None, Command("pause", until=date(2027, 1, 7), line="pause 3 weeks"), None, "paused"),
    (None, Command("resume", line="resume"), None, "resumed"),
    (None, Command("skip", line="skip"), None, "skipped"),
    (None, Command("pause", line="pause", problem="x", issue="no_length"), None,
     "not_understood"),
])
def test_one_outcome_per_receipt(record_answers: dict[str, object] | None,
                                 command: Command | None, held: str | None,
                                 outcome: str) -> None:
    rec = record(record_answers) if record_answers is not None else None
    context = confirmation_context(receipt(record=rec, command=command, command_held=held),
                                   team_display_name="Platform", today=TODAY)
    assert context["outcome"] == outcome
    assert outcome in OUTCOMES


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_each_outcome_renders_with_a_matching_subject_and_a_next_step(
        tmp_path: Path, language: str, outcome: str) -> None:
    config = sample_config(tmp_path)
    env = build_environment(config)
    context = sample_factory(outcome)(config, config.teams[0], language)  # type: ignore[arg-type]
    assert context["outcome"] == outcome
    mail = render(env, f"receipt_{outcome}", language, context)
    subject = SUBJECTS[language][outcome]
    assert mail.subject.startswith(subject), mail.subject
    greeting = "Hej Anna!" if language == "sv" else "Hi Anna,"
    assert mail.text.startswith(greeting) and greeting in mail.html
    done = ("Klart", "Done")
    if outcome in ("not_understood", "partly"):
        assert not any(word in mail.subject for word in done)
        assert context["fixes"] and all(fix in mail.text for fix in context["fixes"])
    assert NEXT[language][outcome] in mail.text


SUBJECTS = {
    "sv": {"recorded": "Dina svar är sparade", "partly": "Dina svar är sparade, men något behöver",
           "paused": "Frågorna är pausade till och med 21 december",
           "resumed": "Frågorna är igång igen", "skipped": "Överhoppad: Avstämning",
           "not_understood": "Pausen lades inte in",
           "refused": "Inte sparat: du har redan gett återkoppling",
           "test": "Testet har kommit fram"},
    "en": {"recorded": "Your answers are saved", "partly": "Your answers are saved, but",
           "paused": "Questions paused until", "resumed": "Your questions are back on",
           "skipped": "Skipped: Check-in", "not_understood": "Your pause was not set",
           "refused": "Not saved: you have already given feedback",
           "test": "Test received"},
}
NEXT = {  # the concrete next step each receipt ends with
    "sv": {"recorded": "Svara igen med alla dina svar", "partly": "med en siffra från 1 till 5",
           "paused": "Svara ÅTERUPPTA", "resumed": "paus 2 veckor",
           "skipped": "Svara igen med dina svar", "not_understood": "”31 februari” finns inte",
           "refused": "Nästa omgång kommer nästa kvartal",
           "test": "Så här ser kvittot ut som Anna Berg skulle få"},
    "en": {"recorded": "Reply again with all your answers", "partly": "a number from 1 to 5",
           "paused": "Reply RESUME", "resumed": "pause 2 weeks",
           "skipped": "Reply again with your answers",
           "not_understood": "“31 February” does not exist",
           "refused": "The next round comes next quarter",
           "test": "This is the receipt Anna Berg would get"},
}


def test_a_reply_to_a_test_send_has_its_own_outcome_whatever_it_says() -> None:
    for rec, command in ((record({"mood": 4}), None),
                         (None, Command("skip", line="skip"))):
        context = confirmation_context(receipt(record=rec, command=command, test_for="Anna Berg"),
                                       team_display_name="Platform", today=TODAY)
        assert context["outcome"] == "test" and context["test_for"] == "Anna Berg"
