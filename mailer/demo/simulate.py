"""Simulated people for ``mailer demo``: the replies their mail clients would send. Pure.

Given a prompt as the service sent it (bytes or an ``EmailMessage``), a :class:`Persona`, the
simulated week and a seeded ``random.Random``, :func:`reply` returns the raw bytes a real
client would put on the wire, plus the answers the person meant to give (for tests and the
demo's summary). Nothing here reads the clock, the network or the global random state: the
same seed gives the same bytes (MIME boundaries and Message-IDs included).

What differs per client is what the reply parser has to cope with in real life:

* Gmail: ``Re:``, "On <date> <name> <addr> wrote:" (Swedish "Den <date> skrev ...:"),
  wrapped at 78 columns in text/plain, ``>`` quotes, HTML in ``div.gmail_quote``;
* Outlook: ``SV:``/``RE:``, no ``>`` at all: a ``Från:/Skickat:/Till:/Ämne:`` header block
  above the unquoted original, ISO-8859-1 text, ``Thread-Index``, and no ``References``;
* iPhone / Apple Mail: ``Sv:``/``Re:``, "Skickat från min iPhone", the attribution inside the
  quote ("> On 30 Nov 2026, at 09:00, X wrote:") and a BOM at the start of the quoted text;
* Thunderbird: text/plain only, ``format=flowed``, "On 11/30/26 9:00 AM, X wrote:".

and per answer style: ``inline`` (answers under each quoted question), ``top_numbered``
("1. ..." above the quote), ``labelled`` ("Hinder: ...") and ``free_text`` (prose).

The parts: :mod:`mailer.demo.model` (the shapes, reading a prompt),
:mod:`mailer.demo.answers` (what people say; phrases in :mod:`mailer.demo.phrases`),
:mod:`mailer.demo.quoting` (the reply body per client) and :mod:`mailer.demo.mime`
(the message per client). This module owns the entry points.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import date, datetime, timedelta
from email.message import EmailMessage, Message
from email.utils import format_datetime

from mailer.addressing import format_address
from mailer.demo.answers import Writer, question_id, write_body
from mailer.demo.mime import POLICY, client_message_id, render, reply_subject
from mailer.demo.model import (
    TOKEN_RE,
    Persona,
    Simulated,
    parse_prompt,
)
from mailer.demo.phrases import EN_MONTHS, OOO, SV_MONTHS, SV_WEEKDAYS

# --------------------------------------------------------------------------- who answers when

def responds(persona: Persona, week: int, rng: random.Random) -> bool:
    """Whether the person answers a prompt this week (the quiet one stops for good)."""
    if persona.quiet_from_week is not None and week >= persona.quiet_from_week:
        return False
    return rng.random() < persona.reply_rate


def reply_delay(rng: random.Random) -> timedelta:
    """How long after the prompt a person answers: mostly within hours, sometimes a day."""
    minutes = rng.choice((rng.randint(4, 40), rng.randint(40, 240), rng.randint(240, 1500)))
    return timedelta(minutes=minutes, seconds=rng.randint(0, 59))


# --------------------------------------------------------------------------- replies

def reply(
    prompt: bytes | Message, persona: Persona, *, week: int, rng: random.Random,
    sent_at: datetime,
) -> Simulated:
    """The reply ``persona`` sends to ``prompt`` at ``sent_at`` (aware), in their client's style.

    :param week: the simulated week index (0 = the first); it sets energy and obstacles.
    """
    p = parse_prompt(prompt)
    writer = Writer(persona, week, rng)
    answers: dict[int, tuple[str | None, str]] = {}
    for number, wording in p.questions:
        qid = question_id(p.kind, wording)
        answers[number] = (qid, writer.answer(qid, wording))
    body = write_body(p, persona, writer, answers)
    meant = {qid or f"q{n}": text for n, (qid, text) in answers.items()}
    raw = render(p, persona, body, sent_at=sent_at, rng=rng)
    return Simulated(raw=raw, answers=meant, kind=p.kind)


def fake_token(rng: random.Random) -> str:
    """A token with the right shape (16 base32 characters) that no secret signed."""
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(16))


def forged_reply(
    prompt: bytes | Message, forger: Persona, *, week: int, rng: random.Random,
    sent_at: datetime, token: str | None = None,
) -> Simulated:
    """A reply to a prompt that was not ``forger``'s to answer.

    With ``token`` None it is a reply to someone else's prompt (forwarded to an outsider, or
    a colleague answering in another's name): the prompt's own token and threading headers,
    but the wrong ``From``. With ``token`` the thread headers are dropped and the subject
    carries that token instead (a made-up one, see :func:`fake_token`, or another slot's).
    """
    p = parse_prompt(prompt)
    writer = Writer(forger, week, rng)
    answers = {n: (qid := question_id(p.kind, wording), writer.answer(qid, wording))
               for n, wording in p.questions}
    body = write_body(p, forger, writer, answers)
    subject = None
    if token is not None:
        original = TOKEN_RE.sub(f"[#{token}]", p.subject)
        if original == p.subject:
            original = f"{p.subject} [#{token}]"
        subject = reply_subject(original, forger)
        p = dataclasses.replace(p, message_id=None, references=())
    raw = render(p, forger, body, sent_at=sent_at, rng=rng, subject=subject)
    meant = {qid or f"q{n}": text for n, (qid, text) in answers.items()}
    return Simulated(raw=raw, answers=meant, kind=p.kind,
                     note="forged: " + ("token " + token if token else "sender " + forger.email))


# --------------------------------------------------------------------------- auto-replies

def out_of_office(
    prompt: bytes | Message, persona: Persona, *, back_on: date, sent_at: datetime,
    rng: random.Random, contact: str = "",
) -> Simulated:
    """The automatic reply of ``persona``'s client while away, returning on ``back_on``.

    Marked as RFC 3834 says (``Auto-Submitted: auto-replied``); the subject is what Exchange
    and Gmail write ("Automatiskt svar: ..." / "Automatic reply: ...").
    """
    p = parse_prompt(prompt)
    sv = persona.language == "sv"
    last = back_on - timedelta(days=1)
    text = rng.choice(OOO[persona.language]).format(
        sv_date=f"den {back_on.day} {SV_MONTHS[back_on.month - 1]}",
        sv_last=f"{last.day} {SV_MONTHS[last.month - 1]}",
        en_date=f"{back_on:%A}, {EN_MONTHS[back_on.month - 1]} {back_on.day}",
        iso=back_on.isoformat(), weekday_sv=SV_WEEKDAYS[back_on.weekday()],
        boss=contact or ("min chef" if sv else "my manager"),
    )
    prefix = "Automatiskt svar:" if sv else "Automatic reply:"
    msg = EmailMessage(policy=POLICY)
    msg["From"] = format_address(persona.name, persona.email)
    msg["To"] = format_address(p.reply_name, p.reply_address)
    msg["Subject"] = f"{prefix} {p.subject}"
    msg["Date"] = format_datetime(sent_at.astimezone(persona.timezone))
    msg["Message-ID"] = client_message_id(persona.client, persona, rng)
    if p.message_id:
        msg["In-Reply-To"] = p.message_id
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(text + "\n", subtype="plain", charset="utf-8", cte="quoted-printable")
    return Simulated(raw=msg.as_bytes(policy=POLICY), answers={}, kind=p.kind,
                     note=f"out of office until {back_on.isoformat()}")
