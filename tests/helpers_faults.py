"""Shared set-up of the fault and security tests (test_faults_smtp, test_faults_imap,
test_security): a team whose people have real mailboxes on the session's loopback Dovecot,
the service's context pointed at the relay and at Dovecot, prompts in the ledger, and
replies to them as a mail client writes them.

Nothing here fakes a server: faults come from ``stack.smtp_faults``, from restarting
Dovecot, or from a second IMAP session; assertions read the mailboxes and the data_dir.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import email.utils
import sqlite3
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from mailer.addressing import message_id as make_message_id
from mailer.addressing import mint_token
from mailer.models import ImapSettings, Person, Prompt, Record, Slot, SmtpSettings
from mailer.outbound import smtp as outbox
from mailer.outbound.samples import sample_config, sample_person, sample_team
from mailer.service import send as jobs
from mailer.service.context import Context, open_context
from tests.mailstack import MailStack, MailUser

UTC = UTC
SECRET = "faults-token-secret-0123456789abcdef"
SMTP_ENV = "MAILER_TEST_SMTP_PASSWORD"
IMAP_ENV = "MAILER_TEST_IMAP_PASSWORD"
FAST = outbox.Backoff(base=0.01, cap=0.05)
#: Wednesday 2026-12-02, 09:00:05 in Stockholm: every member's check-in is due.
DUE = datetime(2026, 12, 2, 8, 0, 5, tzinfo=UTC)


def smtp_settings(stack: MailStack, **changes: Any) -> SmtpSettings:
    """The relay's submission port: STARTTLS + AUTH, its certificate trusted."""
    return dataclasses.replace(SmtpSettings(
        host=stack.host, port=stack.submission_port, security="starttls",
        username=stack.smtp_user, password_env=SMTP_ENV,
        from_address=f"checkin@{stack.domain}", from_name="Team check-in",
        ca_file=stack.ca_file, timeout=5.0, max_connections=4, max_attempts=4), **changes)


def imap_settings(stack: MailStack, user: MailUser, **changes: Any) -> ImapSettings:
    """Dovecot over implicit TLS (IMAPS) as ``user``; the password comes from IMAP_ENV."""
    return dataclasses.replace(ImapSettings(
        host=stack.host, port=stack.imaps_port, security="tls", username=user.email,
        password_env=IMAP_ENV, ca_file=stack.ca_file, timeout=10.0), **changes)


class Team:
    """``size`` members with real mailboxes (all Stockholm, English), a manager, and the
    service's context. ``service`` is the service's own mailbox (IMAP username, From)."""

    def __init__(self, stack: MailStack, data_dir: Path, monkeypatch: Any, *, size: int = 3,
                 prefix: str = "member", confirmations: bool = True,
                 smtp: dict[str, Any] | None = None, imap: dict[str, Any] | None = None
                 ) -> None:
        self.stack = stack
        monkeypatch.setenv("MAILER_SECRET", SECRET)
        monkeypatch.setenv(SMTP_ENV, stack.smtp_password)
        self.service = stack.new_user("checkin")
        monkeypatch.setenv(IMAP_ENV, self.service.password)
        self.users = [stack.new_user(prefix) for _ in range(size)]
        self.people = [sample_person(f"Person {n}", u.email, language="en", country="SE")
                       for n, u in enumerate(self.users)]
        manager_user = stack.new_user("manager")
        self.users.append(manager_user)
        self.manager = sample_person("Lena Holm", manager_user.email, language="en")
        team = dataclasses.replace(sample_team(members=self.people, manager=self.manager),
                                   confirmations=confirmations)
        config = sample_config(data_dir, teams=[team], smtp=smtp_settings(
            stack, from_address=self.service.email, **(smtp or {})))
        config = dataclasses.replace(config, imap=imap_settings(stack, self.service,
                                                                **(imap or {})))
        self.ctx: Context = open_context(config)

    @property
    def team(self) -> Any:
        return self.ctx.config.teams[0]

    def user(self, person: Person) -> MailUser:
        return next(u for u in self.users if u.email == person.email)

    def inbox(self, person: Person) -> list[EmailMessage]:
        return [parse(raw) for raw in self.stack.fetch(self.user(person))]

    def reconfigure(self, *, smtp: dict[str, Any] | None = None,
                    imap: dict[str, Any] | None = None) -> None:
        config = self.ctx.config
        config = dataclasses.replace(
            config, smtp=dataclasses.replace(config.smtp, **(smtp or {})),
            imap=dataclasses.replace(config.imap, **(imap or {})))
        self.ctx = dataclasses.replace(self.ctx, config=config)

    async def send(self, now: datetime = DUE, **options: Any) -> jobs.SendReport:
        return await jobs.send_due(self.ctx, "checkin", now=now, backoff=FAST, **options)

    def rows(self) -> dict[str, Prompt]:
        """The check-in rows of the ledger by recipient."""
        return {p.slot.email: p for p in self.ctx.ledger.prompts(kind="checkin")}

    def add_prompt(self, person: Person, *, sent_at: datetime = DUE) -> Prompt:
        """A check-in recorded as sent to ``person`` at ``sent_at`` (no mail goes out)."""
        slot = Slot(self.team.name, person.email, "checkin", sent_at.date().isoformat())
        token = mint_token(slot, SECRET.encode())
        prompt = Prompt(slot=slot, message_id=make_message_id(token, "checkin", self.stack.domain),
                        token=token, state="due", due_at=sent_at, language="en",
                        question_ids=tuple(q.id for q in self.ctx.questions.get("checkin", ())))
        self.ctx.ledger.ensure([prompt])
        self.ctx.ledger.set_state(slot.key, "sent", at=sent_at)
        sent = self.ctx.ledger.get(slot.key)
        assert sent is not None
        return sent

    def records(self) -> list[Record]:
        return [self.ctx.store.read(p) for p in sorted(self.ctx.store.root.rglob("*.yaml"))]

    def inbound(self) -> list[tuple[str, str, str]]:
        """(outcome, detail, team) of every message the poller handled, from the ledger."""
        path = self.ctx.config.service.data_dir / "ledger.sqlite3"
        with sqlite3.connect(path) as db:
            rows = db.execute("SELECT outcome, detail, team FROM inbound ORDER BY detail")
            return [tuple(row) for row in rows]  # type: ignore[misc]


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def reply(prompt: Prompt | None, sender: str, text: str, *, subject: str = "Re: Check-in",
          to: str = "checkin@example.test", message_id: str | None = None,
          **headers: str) -> bytes:
    """A plain-text reply as a mail client sends it: threaded under ``prompt`` when given.

    ``sender`` is the From header as written (it may be pre-encoded, e.g. RFC 2047).
    """
    msg = EmailMessage()
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or email.utils.make_msgid(domain="client.example")
    msg["Date"] = email.utils.format_datetime(DUE + timedelta(hours=1))
    if prompt is not None:
        msg["In-Reply-To"] = prompt.message_id
        msg["References"] = prompt.message_id
    msg.set_content(text)
    head = f"From: {sender}\n"
    for name, value in headers.items():
        head += f"{name.replace('_', '-')}: {value}\n"
    return head.encode() + msg.as_bytes(policy=email.policy.SMTP.clone(linesep="\n"))


def folder(stack: MailStack, user: MailUser, name: str) -> list[bytes]:
    """The messages of a folder; Dovecot's hierarchy delimiter is "." here."""
    server_name = name.replace("/", ".")
    return stack.fetch(user, server_name) if server_name in stack.folders(user) else []


def message_ids(raws: list[bytes]) -> list[str]:
    return sorted(str(parse(raw)["Message-ID"]) for raw in raws)
