"""The first-character gates of mailer.parse.signoff, checked against the patterns they spare:
a valediction they let pass unseen would stay in a reply's new text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse.extract import split_reply
from mailer.parse.quote_patterns import VALEDICTION


@settings(max_examples=1000, deadline=None)
@given(st.from_regex(VALEDICTION, fullmatch=True))
def test_no_valediction_starts_with_a_digit(text: str) -> None:
    # _valediction_start skips a line that starts with a digit ("2. Inga") unread.
    assert not text[:1].isdigit(), text


@pytest.mark.parametrize("closing", [
    "Ha det bra!", "Ha det gott,", "ha det så bra", "Ha det fint!", "Sköt om dig", "Take care,",
    "Take care!", "Cheers", "Cheers,\nAnna", "Ha det bra!\nAnna", "Take care\nAnna Berg",
])
def test_a_closing_line_ends_the_new_text(closing: str) -> None:
    text = f"1. Bra\n2. Inga\n\n{closing}"
    assert split_reply(text, sender_name=None).new_text == "1. Bra\n2. Inga"


@pytest.mark.parametrize("text", [
    "Vi måste ha det bra med kunden", "Take care of the backlog first",
    "Ha det bra på semestern, vi ses i januari", "Cheers to the team for the release",
    "Vi ses på retron och tar det där", "See you at the demo, it is ready",
])
def test_the_same_words_in_a_sentence_stay(text: str) -> None:
    assert split_reply(f"1. Bra\n2. Inga\n\n{text}", sender_name=None).new_text.endswith(text)


@pytest.mark.parametrize("signature", [
    "Anna Berg | Platform\nI work Monday–Thursday; email sent on Fridays is read the following week.",
    "Anna Berg – Platform team", "Anna Berg, Team lead\nLedig fredagar", "Anna Berg / Plattform",
    "Anna Berg - Ops\nJobbar måndag–torsdag, mejl på fredagar läses veckan efter.",
    "Anna Berg\nI'm off on Fridays", "ANNA BERG | Platform",
    # the name signed with above the signature Outlook inserts under what is typed
    "Anna\n\nAnna Berg | Senior Engineer, Platform\nExample Corp | +46 70 123 45 67",
    "Tack!\n/Anna\n\nAnna Berg – Platform team",
])
def test_a_name_block_without_a_valediction_ends_the_new_text(signature: str) -> None:
    text = f"1: Bra\n2: Inga\n\n{signature}"
    assert split_reply(text, sender_name="Anna Berg").new_text == "1: Bra\n2: Inga"


@pytest.mark.parametrize(("sender", "text"), [
    # the name inside a sentence, or a longer sentence after it
    ("Anna Berg", "1: Bra\n\nAnna Berg and I paired on the migration"),
    ("Anna Berg", "1: Bra\n\nAnna Berg here, I will be out next week so keep it short."),
    ("Anna Berg", "1: Bra\nAnna Berg | Platform\nI work Monday–Thursday"),  # no own paragraph
    # the name is all the text there is, or another person's, or only the first name
    ("Anna Berg", "Anna Berg | Platform\nI work Monday–Thursday"),
    ("Erik Holm", "1: Bra\n\nAnna Berg | Platform\nI work Monday–Thursday"),
    ("Anna Berg", "1: Bra\n\nAnna | Platform\nI work Monday–Thursday"),
    ("Anna Berg", "1: Bra\n\nAnna Bergström | Platform\nI work Monday–Thursday"),
    # what follows is an answer, a question, long text, or another paragraph
    ("Anna Berg", "1: Bra\n\nAnna Berg | Platform\n3: Fyra"),
    ("Anna Berg", "1: Bra\n\nAnna Berg | Platform\nCan we move the check-in to Tuesday?"),
    ("Anna Berg", "1: Bra\n\nAnna Berg\n\n4 of 5"),
    (None, "1: Bra\n\nAnna Berg | Platform\nI work Monday–Thursday"),
])
def test_a_name_line_that_is_content_stays(sender: str | None, text: str) -> None:
    assert split_reply(text, sender_name=sender).new_text.endswith(text.splitlines()[-1])


def test_a_signature_with_a_long_address_line_is_all_signature() -> None:
    """A consultancy's signature under "Best regards," (held-out batch 13): its address line
    is longer than a name or a title, so the whole signature had joined the last answer."""
    signature = ("Best regards,\nTomás Ruiz\nSenior Consultant | Northwind Consulting AB\n"
                 "M: +46 70 000 00 00 | www.northwind.example.net\n\n"
                 "Northwind Consulting AB, Reg. No. 556000-0000, Box 1234, 111 22 Stockholm")
    text = f"1. Bra\n2. Inga\n\n{signature}"
    assert split_reply(text, sender_name="Tomás Ruiz").new_text == "1. Bra\n2. Inga"


def test_a_long_sentence_after_a_valediction_keeps_it_all() -> None:
    # a sentence (long pieces) with an address in it is no line of a signature
    text = ("1. Bra\n\nBest regards,\nAnna\nDuring my absence, please contact Erik Holm "
            "(erik@example.com) for anything urgent at all.")
    assert split_reply(text, sender_name=None).new_text == text


@pytest.mark.parametrize("signature", [
    # a Swedish agency's: a valediction, ten lines of name, title, unit, numbers, address and
    # website, and the notice that mail to it is a public record (held-out batch 14)
    "Med vänlig hälsning\n\nAnna Berg\nHandläggare\nEnheten för tillsyn\nTel: 010-123 45 67\n\n"
    "Myndigheten för samhällsexempel\nBox 1234, 103 21 Stockholm\nBesöksadress: Exempelgatan 10\n"
    "www.example.org\n\nObservera att e-post som skickas till myndigheten blir allmän handling "
    "och kan komma att lämnas ut enligt offentlighetsprincipen, om inte sekretess gäller.",
    "Best regards,\nDavid Moore\nSenior Analyst\nUnit for Analysis\nTel: +46 10 123 45 99\n\n"
    "Myndigheten för samhällsexempel\nBox 1234, 103 21 Stockholm\nwww.example.org\n\n"
    "Please note that e-mail sent to a Swedish government agency becomes a public record and "
    "may be disclosed under the principle of public access to official records.",
])
def test_an_agencys_long_signature_and_public_records_notice_end_the_answer(
        signature: str) -> None:
    text = f"1. Bra\n2. Inga\n\n{signature}"
    assert split_reply(text, sender_name=None).new_text == "1. Bra\n2. Inga"


def test_numbered_answers_under_a_valediction_stay() -> None:
    assert split_reply("1. Bra\n\nBest,\n3. 3\n4. Klar", sender_name=None).new_text.endswith(
        "3. 3\n4. Klar")
