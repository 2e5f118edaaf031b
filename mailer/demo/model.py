"""The shapes of the simulation: who a simulated person is (:class:`Persona`), what their mail
client shows of a prompt (:class:`SeenPrompt`, read by :func:`parse_prompt`), the new text of a
reply around the quote (:class:`Body`) and the message that comes out (:class:`Simulated`).
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Literal
from zoneinfo import ZoneInfo

from mailer.models import Language, Person

ClientStyle = Literal["gmail", "outlook", "iphone", "apple_mail", "thunderbird"]
AnswerStyle = Literal["inline", "top_numbered", "labelled", "free_text"]


@dataclass(frozen=True)
class Persona:
    """A simulated person: who they are, how their client writes and how their weeks go.

    ``energy`` is the 1-5 energy per week index (the last value repeats). The person mentions
    ``recurring_obstacle`` in every check-in of the weeks in ``obstacle_weeks`` (from the second
    of those weeks on, as "still ..."). From ``quiet_from_week`` on the person stops answering.
    """

    name: str
    email: str
    language: Language
    client: ClientStyle = "gmail"
    answers: AnswerStyle = "top_numbered"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Stockholm"))
    goals: tuple[str, ...] = ()
    teammates: tuple[str, ...] = ()
    energy: tuple[int, ...] = (4,)
    recurring_obstacle: str | None = None
    obstacle_weeks: tuple[int, ...] = ()
    reply_rate: float = 1.0
    quiet_from_week: int | None = None

    @classmethod
    def for_person(cls, person: Person, **options: object) -> Persona:
        """A persona for a configured person; ``options`` set the simulation fields."""
        return cls(name=person.name, email=person.email, language=person.language,
                   timezone=person.timezone, goals=person.goals, **options)  # type: ignore[arg-type]

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name

    def energy_in(self, week: int) -> int:
        return self.energy[min(max(week, 0), len(self.energy) - 1)] if self.energy else 3


@dataclass(frozen=True)
class SeenPrompt:
    """What a person's client sees of a prompt (see :func:`parse_prompt`)."""

    subject: str
    message_id: str | None
    references: tuple[str, ...]
    sender_name: str
    sender_address: str
    reply_address: str  # Reply-To, else From
    reply_name: str
    to_address: str
    date: datetime
    text: str
    html: str | None
    kind: str
    questions: tuple[tuple[int, str], ...]  # (number, wording) in order
    token: str | None


@dataclass(frozen=True)
class Simulated:
    """A generated message and what its author meant to say (question id -> text)."""

    raw: bytes
    answers: Mapping[str, str]
    kind: str
    note: str = ""


@dataclass
class Body:
    """The new text of a reply around the quoted original."""

    top: list[str]  # above the quote (empty for a bottom/inline post without a note)
    inline: dict[int, list[str]]  # answers to put under quoted question N
    bottom: list[str]  # under the quote (the sign-off of an inline answer)


# --------------------------------------------------------------------------- the prompt

QUESTION_RE = re.compile(r"^\s*(\d{1,2})[.)]\s+(\S.*)$")
TOKEN_RE = re.compile(r"\[#([a-z2-7]{16})\]", re.IGNORECASE)
_MSGID_KIND_RE = re.compile(r"<[a-z2-7]{16}\.([a-z]+)@", re.IGNORECASE)
_MSGID_RE = re.compile(r"<[^<>\s]+>")


def parse_prompt(prompt: bytes | Message) -> SeenPrompt:
    """Read a prompt the way a mail client shows it: headers, text and HTML parts, questions."""
    msg = email.message_from_bytes(prompt, policy=email.policy.default) \
        if isinstance(prompt, bytes) else prompt
    if not isinstance(msg, EmailMessage):
        msg = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    text = text_part.get_content() if text_part is not None else ""
    html_body = html_part.get_content() if html_part is not None else None
    if not text and html_body:
        text = re.sub(r"<[^>]+>", "", html_body)
    sender = getaddresses([str(msg.get("From", ""))])
    reply_to = getaddresses([str(msg.get("Reply-To", ""))]) or sender
    to = getaddresses([str(msg.get("To", ""))])
    message_id = str(msg.get("Message-ID", "")).strip() or None
    subject = str(msg.get("Subject", ""))
    kind_match = _MSGID_KIND_RE.search(message_id or "")
    token_match = TOKEN_RE.search(subject)
    try:
        sent = parsedate_to_datetime(str(msg.get("Date")))
    except (TypeError, ValueError):
        sent = datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC"))
    return SeenPrompt(
        subject=subject,
        message_id=message_id,
        references=tuple(_MSGID_RE.findall(str(msg.get("References", "")))),
        sender_name=sender[0][0] if sender else "",
        sender_address=sender[0][1] if sender else "",
        reply_address=(reply_to[0][1] if reply_to and reply_to[0][1] else
                       sender[0][1] if sender else ""),
        reply_name=reply_to[0][0] if reply_to else "",
        to_address=to[0][1] if to else "",
        date=sent,
        text=text.replace("\r\n", "\n"),
        html=html_body,
        kind=kind_match.group(1).lower() if kind_match else "checkin",
        questions=tuple((int(m[1]), m[2].strip()) for line in text.splitlines()
                        if (m := QUESTION_RE.match(line))),
        token=token_match.group(1).lower() if token_match else None,
    )
