"""Which prompt a reply answers, and who an address belongs to. Pure.

In-Reply-To, then References, then a signed token (subject, plus-address, or a Message-ID
echoed in the threading headers), then, for people's own replies only, the sender's latest
prompt within 7 days. Prompts are looked up through the small :class:`Lookups` protocol
(the ledger implements it); the clock comes in as ``now``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from mailer.addressing import (
    token_from_address,
    token_from_message_id,
    token_from_subject,
    verify_token,
)
from mailer.models import Config, MatchedBy, Person, Prompt, Team
from mailer.parse.replies import Reply

SENDER_WINDOW = timedelta(days=7)


class Lookups(Protocol):
    """The prompt look-ups a decision needs (:class:`mailer.storage.ledger.Ledger` has them)."""

    def by_message_id(self, message_id: str) -> Prompt | None: ...

    def by_token(self, token: str) -> Prompt | None: ...

    def latest_sent_to(self, email: str, *, since: datetime) -> Prompt | None: ...


def match_prompt(
    reply: Reply, *, config: Config, lookups: Lookups, secret: bytes | None, now: datetime,
    by_sender: bool = True,
) -> tuple[Prompt, MatchedBy] | str:
    """The prompt a reply answers and how it was found, or the quarantine reason.

    :param by_sender: fall back to the sender's latest prompt (off for automatic mail: the
        From address alone proves nothing).
    """
    for message_id in reply.in_reply_to:
        prompt = lookups.by_message_id(message_id)
        if prompt is not None:
            return prompt, "in_reply_to"
    for message_id in reversed(reply.references):
        prompt = lookups.by_message_id(message_id)
        if prompt is not None:
            return prompt, "references"
    tokens = [token_from_subject(reply.subject)]
    mailboxes = {config.smtp.from_address.lower(), config.imap.username.lower()}
    tokens += [token_from_address(address, box) for address in reply.recipients
               for box in mailboxes]
    tokens += [token_from_message_id(mid) for mid in (*reply.in_reply_to, *reply.references)]
    forged = False
    for token in dict.fromkeys(t for t in tokens if t):
        if secret is None or not verify_token(token, secret):
            forged = True
            continue
        prompt = lookups.by_token(token)
        if prompt is not None:
            return prompt, "token"
    if forged:
        return "forged reply token"
    if not by_sender:
        return "no prompt matches (no In-Reply-To, References or token of one)"
    people = people_at(config, reply.from_address)
    if not people:
        return "unknown sender"
    for email in dict.fromkeys(person.email for _, person in people):
        prompt = lookups.latest_sent_to(email, since=now - SENDER_WINDOW)
        if prompt is not None:
            return prompt, "sender"
    return "no prompt matches (none sent to the sender in the last 7 days)"


def people_at(config: Config, address: str) -> list[tuple[Team, Person]]:
    """Every (team, person) that ``address`` belongs to, as member or manager."""
    address = address.lower()
    return [(team, person) for team in config.teams
            for person in (team.manager, *team.members) if address in person.addresses]


def recipient(team: Team, email: str) -> Person | None:
    return team.manager if team.manager.email == email else team.member(email)
