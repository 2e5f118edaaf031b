"""confirm: what a receipt says, in the person's language and date format (pure)."""

from __future__ import annotations

from datetime import date, datetime
from typing import get_args

import pytest

from mailer.inbound.decision import Held, Receipt
from mailer.inbound.receipts import _WORDS, confirmation_context
from mailer.models import Record
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
    needed = {"pause", "resume", "skip", "problem", "unknown", "kept",
              *get_args(ScaleIssueKind), *get_args(CommandIssue), *get_args(Held)}
    for language, words in _WORDS.items():
        assert set(words) == needed, language


@pytest.mark.parametrize(("language", "country", "locale", "summary"), [
    ("en", "US", "en_US", "paused until January 7, 2027"),
    ("en", "GB", "en_GB", "paused until 7 January 2027"),
    ("en", "SE", "en_SE", "paused until 7 January 2027"),
    ("sv", "SE", "sv_SE", "pausat till och med 7 januari 2027"),
    ("sv", "FI", "sv_FI", "pausat till och med 7 januari 2027"),
    ("xx", "US", "en_US", "paused until January 7, 2027"),  # unknown language: English
])
def test_the_locale_is_the_persons(language: str, country: str, locale: str,
                                   summary: str) -> None:
    context = confirmation_context(
        receipt(language=language, country=country,
                command=Command("pause", until=date(2027, 1, 7), line="pause until 2027-01-07")),
        team_display_name="Platform", today=TODAY)
    assert context["locale"] == locale and context["command"]["summary"] == summary


@pytest.mark.parametrize(("language", "expected"), [
    ("en", 'no end date or length: write e.g. "pause until 1 January 2027" or "pause 2 weeks"'),
    ("sv", 'inget slutdatum eller ingen längd: skriv t.ex. "paus till 1 januari 2027" '
           'eller "paus 2 veckor"'),
])
def test_the_example_pause_is_two_weeks_ahead_in_the_persons_format(
        language: str, expected: str) -> None:
    command = Command("pause", problem="no end date or length", line="pause", issue="no_length")
    context = confirmation_context(receipt(language=language, command=command),
                                   team_display_name="Platform", today=TODAY)
    assert context["command"]["problem"] == expected


@pytest.mark.parametrize(("language", "said"), [
    ("sv", "kommandot gick inte att förstå"), ("en", "something new went wrong")])
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
    assert context["problems"] == ['Energi, 1-5: "4" är inte ett tal 1-5, så det sparades som text']


def test_only_scale_answers_kept_as_text_are_noted() -> None:
    labels = (("mood", "Energy, 1-5?"), ("obstacles", "Obstacles?"))
    rec = record({"mood": "4/10", "obstacles": "CI"},
                 problems=("no Message-ID: the record is keyed on the content",
                           'mood: "4/10" is not on the 1-5 scale; kept as text',
                           "obstacles: something"))
    context = confirmation_context(receipt(language="sv", record=rec, question_labels=labels),
                                   team_display_name="Platform", today=TODAY)
    assert context["problems"] == ['Energy, 1-5: "4/10" är inte på skalan 1-5, så det '
                                   "sparades som text"]
    assert context["recorded"] and context["command"] is None
