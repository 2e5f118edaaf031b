"""Commands inside a sentence (mailer.parse.commands, mailer.parse.command_text)."""

from __future__ import annotations

from datetime import date

import pytest

from mailer.parse.commands import parse_command

MONDAY = date(2026, 12, 7)


@pytest.mark.parametrize(("text", "action", "until", "reason"), [
    ("Skip this week please, I'm at a conference.", "skip", None, "I'm at a conference."),
    ("Pausa två veckor, tack!", "pause", date(2026, 12, 20), None),
    ("Pausa två veckor, tack! Jag är på kurs.", "pause", date(2026, 12, 20), "Jag är på kurs."),
    ("Pause until the 14th, moving house", "pause", date(2026, 12, 14), "moving house"),
    ("Back on Monday, out sick today.", "pause", date(2026, 12, 13), "out sick today."),
    ("Återuppta gärna, jag är tillbaka nu!", "resume", None, "jag är tillbaka nu!"),
    ("Hoppa över den här veckan, jag är sjuk.", "skip", None, "jag är sjuk."),
    ("paus till 7 januari", "pause", date(2027, 1, 7), None),
    ("Paus en vecka tack", "pause", date(2026, 12, 13), None),
])
def test_a_command_at_the_start_of_a_sentence(text: str, action: str, until: date | None,
                                               reason: str | None) -> None:
    command = parse_command(text, today=MONDAY)
    assert command is not None and command.problem is None
    assert (command.action, command.until, command.reason) == (action, until, reason)


def test_a_week_off_starts_later() -> None:
    command = parse_command("Ledig v. 52, hörs efter nyår!", today=MONDAY)
    assert command is not None
    assert (command.start, command.until) == (date(2026, 12, 21), date(2026, 12, 27))


@pytest.mark.parametrize("text", [
    "Back on track after the outage, thanks.", "Pausen i mötet var bra.",
    "Skipping lunch was a mistake, but the sprint went fine.", "Resumé: a good week.",
    "Ledig vecka? Nej, tyvärr.",
])
def test_sentences_that_only_start_like_commands_are_answers(text: str) -> None:
    assert parse_command(text, today=MONDAY) is None
