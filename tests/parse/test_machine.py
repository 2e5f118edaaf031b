"""Machine mail told by its content (mailer.parse.machine): the evidence, both ways."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse import machine
from mailer.parse.machine import CONFIDENT, UNSURE, score_machine


@pytest.mark.parametrize(("sender", "subject", "text", "away"), [
    ("anna@example.com", "RE: Check-in", "Thank you for your email. I am out of the office until "
     "January 4 with limited access to email.", True),
    ("anna@example.com", "SV: Avstämning", "Jag är tjänstledig till och med 15 januari och läser "
     "inte min e-post. Vid brådskande ärenden, kontakta Erik.", True),
    ("anna@example.com", "Återkalla: SV: Avstämning", 'Anna Berg vill återkalla meddelandet "SV: '
     'Avstämning".', False),
    ("support@example.com", "[Ticket #48213] RE: Check-in", "Your request (#48213) has been "
     "received and is being reviewed by our support staff.", False),
    ("team-owner@lists.example.com", "Your message awaits moderator approval", "Is being held "
     "until the list moderator can review it for approval.", False),
    ("anna@example.com", "Re: Check-in", "Please verify that you are human before the message is "
     "delivered. Your message will be held for 7 days.", False),
])
def test_machine_mail_without_headers_is_confident(sender: str, subject: str, text: str,
                                                   away: bool) -> None:
    found = score_machine(sender=sender, display_name="", subject=subject, text=text)
    assert found.verdict == "machine" and found.score >= CONFIDENT, found
    assert found.away == away
    assert found.reasons  # the evidence is named, for the log and parse-reply


@pytest.mark.parametrize("text", [
    "1. Good\n2. I was out of the office two days, so not much\n3. 3\n4. None",
    "Still blocked: IT ticket 4512 has been open for a week. Otherwise fine.",
    "Thank you for your email, Lena! All good here, nothing to add this week.",
    "Paus till 2027-01-10, föräldraledig.",
    "Allt bra! Jag har semester från den 21:a, tillbaka 4 januari.",
    "Skip this week please, I'm at a conference.",
])
def test_people_who_sound_like_machines_are_people(text: str) -> None:
    found = score_machine(sender="anna@example.com", display_name="Anna Berg",
                          subject="Re: Check-in", text=text)
    assert found.verdict == "person", found


def test_one_weak_hint_is_unsure() -> None:
    found = score_machine(sender="anna@example.com", display_name="Anna Berg",
                          subject="SV: Avstämning", text="Ditt meddelande har tagits emot.")
    assert found.verdict == "unsure" and UNSURE <= found.score < CONFIDENT


def test_a_reply_command_is_a_person_whatever_else_the_text_says() -> None:
    text = "Hoppa över, jag är tjänstledig och läser inte min e-post."
    assert score_machine(sender="anna@example.com", display_name="", subject="SV: Avstämning",
                         text=text).verdict == "machine"
    assert score_machine(sender="anna@example.com", display_name="", subject="SV: Avstämning",
                         text=text, command=True).verdict == "person"



def _holds_a_needle(pattern: str, needles: str | tuple[str, ...]) -> None:
    some = (needles,) if isinstance(needles, str) else needles

    @settings(max_examples=100, deadline=None)
    @given(st.from_regex(pattern))
    def holds(text: str) -> None:
        assert any(needle in text for needle in some), (pattern, text)

    holds()


def test_every_match_of_a_rule_holds_one_of_its_needles() -> None:
    # The needles are what spares the searches: a match without one would be missed.
    for _, needles, pattern, _, _ in [*machine._BODY_RULES, *machine._SUBJECT_RULES]:
        _holds_a_needle(pattern, needles)
