"""Commands inside a sentence (mailer.parse.commands, mailer.parse.command_text)."""

from __future__ import annotations

import re
from datetime import date
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse import command_text, commands
from mailer.parse.command_text import found_in_any_case
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


# The gate and the lowered search that spare most replies the command patterns: a command
# they let through unseen would silently stop working, so both are checked against the
# patterns themselves, not against examples.

@pytest.mark.parametrize("pattern", [commands._RESUME_RE, commands._SKIP_RE, command_text._WEEK,
                                     commands._BACK_RE, commands._PAUSE_RE],
                         ids=["resume", "skip", "week", "back", "pause"])
def test_every_command_holds_a_command_word(pattern: re.Pattern[str]) -> None:
    @settings(max_examples=200, deadline=None)
    @given(st.from_regex(pattern))
    def holds(text: str) -> None:
        assert found_in_any_case(commands._COMMAND_WORD, text), text

    holds()


_WORDS = ["pause", "Paus", "SKIP", "tillbaka", "Återuppta", "please", "TACK", "gärna", "snälla",
          "pauſe", "skıp", "SKİP", "İ", "ı", "ſ"]  # the case equivalences str.lower() lacks


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(max_size=4)), max_size=8),
       st.randoms(use_true_random=False))
def test_the_lowered_search_finds_what_ignorecase_finds(pieces: list[str], rnd: Random) -> None:
    text = "".join(rnd.choice([c.upper(), c.lower(), c]) for c in " ".join(pieces))
    for lowercase in (commands._COMMAND_WORD, command_text._POLITE_LOWER):
        expected = re.search(lowercase.pattern, text, re.IGNORECASE) is not None
        assert found_in_any_case(lowercase, text) == expected, text
