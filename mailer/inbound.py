"""What to do with one parsed message: ``decide(reply, ...) -> Decision``. Pure.

The decision is data: the record to write, the pauses to add, the addresses to mark failing,
the slot to skip, the receipt to send, and the folder the message goes to. The poller carries
it out in a fixed, crash-safe order (:mod:`mailer.poller`). Lookups of prompts come through
the small :class:`Lookups` protocol (the ledger implements it); the clock comes in as ``now``.

The rules, in order:

1. an auto-reply from a known person that speaks of absence pauses them until the day before
   the return date it names (or for 7 days); other auto-replies are only filed away;
2. a bounce marks the known addresses it reports as failing permanently;
3. a reply must match a prompt: In-Reply-To, References, the signed token (subject or
   plus-address), else the sender's latest prompt within 7 days;
4. the sender must be the prompt's recipient (any of their configured addresses), and DMARC
   must not have failed at ``imap.trusted_authserv_id``; otherwise quarantine;
5. a command on the first line acts (pause, resume, skip); anything else is a record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, Protocol

from mailer.addressing import (
    token_from_address,
    token_from_message_id,
    token_from_subject,
    verify_token,
)
from mailer.answers import Command, map_answers, parse_command
from mailer.models import (
    ANSWERED_KINDS,
    Config,
    MatchedBy,
    Pause,
    Person,
    Prompt,
    Question,
    Record,
    Team,
)
from mailer.questions import QuestionSet, questions_for
from mailer.replies import Reply

SENDER_WINDOW = timedelta(days=7)
DEFAULT_AWAY = timedelta(days=7)

#: The ledger's inbound outcomes (``mailer status`` counts "record" and "quarantine").
Outcome = Literal["record", "quarantine", "out_of_office", "bounce", "ignored", "command"]
Folder = Literal["processed", "quarantine"]


class Lookups(Protocol):
    """The prompt look-ups a decision needs (:class:`mailer.ledger.Ledger` has them)."""

    def by_message_id(self, message_id: str) -> Prompt | None: ...

    def by_token(self, token: str) -> Prompt | None: ...

    def latest_sent_to(self, email: str, *, since: datetime) -> Prompt | None: ...


@dataclass(frozen=True)
class Receipt:
    """A confirmation to send: only ever to a verified sender of non-automatic mail."""

    to: str
    name: str
    language: str
    team: str
    kind: str  # the prompt kind
    subject: str  # the reply's subject
    in_reply_to: str | None
    references: tuple[str, ...]
    record: Record | None = None
    command: Command | None = None
    question_labels: tuple[tuple[str, str], ...] = ()  # (id, wording) of the prompt


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    folder: Folder
    reason: str  # for the log line and the ledger's detail column
    team: str | None = None
    #: The person's address for the ledger and the log; None for leadership feedback and for
    #: senders that were not verified.
    email: str | None = None
    sender: str = ""  # the From address as written, for quarantine log lines only
    record: Record | None = None
    pauses: tuple[Pause, ...] = ()
    resume: tuple[tuple[str, str, date], ...] = ()  # (team, email, on)
    skip_slot: str | None = None  # slot key to mark skipped
    skip_reason: str | None = None
    failing: tuple[str, ...] = ()
    receipt: Receipt | None = None

    def log_line(self) -> str:
        """One line, never the body: "recorded reply from anna@...", "quarantined ..."."""
        if self.outcome == "quarantine":
            return f"quarantined message from {self.sender or 'an unknown sender'}: {self.reason}"
        who = self.email or (f"a member of {self.team}" if self.team else self.sender or "?")
        if self.outcome == "record":
            return f"recorded {self.reason} from {who}"
        return f"{self.outcome.replace('_', '-')} from {who}: {self.reason}"


def quarantine(reply: Reply, reason: str, *, team: str | None = None) -> Decision:
    return Decision("quarantine", "quarantine", reason, team=team, sender=reply.from_address)


def decide(
    reply: Reply, *, config: Config, questions: QuestionSet, lookups: Lookups,
    secret: bytes | None, now: datetime,
) -> Decision:
    """The decision for one message (see the module docstring for the rules)."""
    trusted = config.imap.trusted_authserv_id
    if trusted and any(r.authserv_id == trusted.lower() and r.dmarc == "fail"
                       for r in reply.auth_results):
        return quarantine(reply, f"DMARC failed at {trusted}")
    if reply.kind == "auto_reply":
        return _auto_reply(reply, config, lookups, now)
    if reply.kind == "bounce":
        return _bounce(reply, config)
    match = match_prompt(reply, config=config, lookups=lookups, secret=secret, now=now)
    if isinstance(match, str):
        return quarantine(reply, match)
    prompt, matched_by = match
    team = config.team(prompt.slot.team)
    person = _recipient(team, prompt.slot.email) if team else None
    if team is None or person is None:
        return quarantine(reply, "the prompt's team or person is no longer configured")
    if reply.from_address not in person.addresses:
        known = people_at(config, reply.from_address)
        return quarantine(reply, "reply to someone else's prompt" if known else "unknown sender",
                          team=team.name)
    if prompt.slot.kind not in ANSWERED_KINDS:
        return quarantine(reply, f"reply to a {prompt.slot.kind}, which takes no answers",
                          team=team.name)
    today = now.astimezone(person.timezone).date()
    command = parse_command(reply.text, today=today)
    if command is not None:
        return _command(reply, command, prompt, team, person, now, today)
    return _record(reply, prompt, matched_by, team, person, questions)


# --------------------------------------------------------------------------- matching


def match_prompt(
    reply: Reply, *, config: Config, lookups: Lookups, secret: bytes | None, now: datetime,
) -> tuple[Prompt, MatchedBy] | str:
    """The prompt a reply answers and how it was found, or the quarantine reason."""
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


def _recipient(team: Team, email: str) -> Person | None:
    return team.manager if team.manager.email == email else team.member(email)


# --------------------------------------------------------------------------- outcomes


def _record(reply: Reply, prompt: Prompt, matched_by: MatchedBy, team: Team, person: Person,
            defaults: QuestionSet) -> Decision:
    kind = prompt.slot.kind
    asked = questions_for(team, kind, defaults)
    if prompt.question_ids:
        by_id = {q.id: q for q in asked}
        asked = tuple(by_id[qid] for qid in prompt.question_ids if qid in by_id) or asked
    mapped = map_answers(reply.text, reply.segments, asked)
    anonymous = kind == "feedback"
    record = Record(
        id=reply.key, team=team.name, member=None if anonymous else person.email, kind=kind,
        slot=prompt.slot.period, prompt_message_id=prompt.message_id,
        message_id=reply.message_id, received_at=reply.received_at, matched_by=matched_by,
        language=prompt.language, answers=mapped.answers, text=reply.text,
        problems=(*reply.problems, *mapped.problems), unstructured=mapped.unstructured,
    )
    receipt = _receipt(reply, team, person, prompt, record=record, asked=asked)
    return Decision("record", "processed", f"{kind} reply", team=team.name,
                    email=None if anonymous else person.email, sender="" if anonymous
                    else reply.from_address, record=record, receipt=receipt)


def _command(reply: Reply, command: Command, prompt: Prompt, team: Team, person: Person,
             now: datetime, today: date) -> Decision:
    pauses: tuple[Pause, ...] = ()
    resume: tuple[tuple[str, str, date], ...] = ()
    skip = None
    if command.problem is None and command.action == "pause" and command.until is not None:
        pauses = (Pause(team.name, person.email, today, command.until, "command", now),)
        skip = "pause command"
    elif command.action == "resume":
        resume = ((team.name, person.email, today),)
    elif command.action == "skip":
        skip = "skip command"
    receipt = _receipt(reply, team, person, prompt, command=command)
    return Decision(
        "command", "processed", command.action + (f" ({command.problem})" if command.problem else ""),
        team=team.name, email=person.email, sender=reply.from_address, pauses=pauses,
        resume=resume, skip_slot=prompt.slot.key if skip and prompt.state == "sent" else None,
        skip_reason=skip, receipt=receipt,
    )


def _receipt(reply: Reply, team: Team, person: Person, prompt: Prompt, *,
             record: Record | None = None, command: Command | None = None,
             asked: Sequence[Question] = ()) -> Receipt | None:
    if not team.confirmations or reply.auto_submitted:
        return None
    labels = tuple((q.id, q.wording(prompt.language)) for q in asked)
    return Receipt(
        to=reply.from_address, name=person.first_name, language=prompt.language, team=team.name,
        kind=prompt.slot.kind, subject=reply.subject, in_reply_to=reply.message_id,
        references=tuple(dict.fromkeys((*reply.references, *(
            [reply.message_id] if reply.message_id else [])))),
        record=record, command=command, question_labels=labels,
    )


def _auto_reply(reply: Reply, config: Config, lookups: Lookups, now: datetime) -> Decision:
    people = people_at(config, reply.from_address)
    if not people:
        return Decision("ignored", "processed", f"auto-reply from an unknown sender "
                        f"({reply.kind_reason})", sender=reply.from_address)
    if not reply.out_of_office:
        return Decision("ignored", "processed", f"auto-reply ({reply.kind_reason})",
                        email=people[0][1].email)
    prompt = next(filter(None, map(lookups.by_message_id, reply.in_reply_to)), None)
    if prompt is not None:
        people = [(t, p) for t, p in people if t.name == prompt.slot.team] or people
    pauses = []
    for team, person in people:
        today = now.astimezone(person.timezone).date()
        back = reply.return_date if reply.return_date and reply.return_date > today else None
        until = (back or today + DEFAULT_AWAY) - timedelta(days=1)
        pauses.append(Pause(team.name, person.email, today, until, "out_of_office", now))
    first = pauses[0]
    why = f"back {reply.return_date.isoformat()}" if reply.return_date else "no return date found"
    return Decision("out_of_office", "processed", f"paused until {first.until.isoformat()} ({why})",
                    team=first.team, email=first.email, pauses=tuple(pauses))


def _bounce(reply: Reply, config: Config) -> Decision:
    permanent = [f for f in reply.failed if f.permanent]
    known = tuple(dict.fromkeys(
        f.address for f in permanent if people_at(config, f.address)))
    if not known:
        reason = "bounce for no configured address" if permanent else "delay notice"
        return Decision("ignored", "processed", f"{reason} ({reply.kind_reason})",
                        sender=reply.from_address)
    status = next((f.status for f in permanent if f.address in known and f.status), "")
    reason = f"bounce {status}".strip()
    return Decision("bounce", "processed", reason, email=known[0], failing=known)
