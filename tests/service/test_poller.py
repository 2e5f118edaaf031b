"""The poller: its control flow over a fake inbox, then end to end on the loopback Dovecot.

The fake (an in-memory :class:`mailer.inbound.imap.Inbox`) only checks ordering and bookkeeping;
everything that touches IMAP is tested against the real server below.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import email.utils
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mailer.addressing import message_id as make_message_id
from mailer.addressing import mint_token, subject_with_token
from mailer.config.questions import load_default_questions
from mailer.errors import MailboxError, RecordError
from mailer.inbound.imap import Envelope, Fetched
from mailer.models import ImapSettings, Prompt, Slot, SmtpSettings
from mailer.outbound.compose import build_environment
from mailer.outbound.samples import sample_config, sample_person, sample_team
from mailer.service import poll as poller
from mailer.service import send as jobs
from mailer.service.context import Context, open_context
from mailer.service.poll import poll_once
from mailer.storage.ledger import Ledger
from mailer.storage.store import RecordStore
from tests.factories import config_data, member, write_config
from tests.factories import make_config as factory_config
from tests.mailstack import MailStack, MailUser

MESSAGES = Path(__file__).parents[1] / "messages"
SECRET = b"poller-test-secret-0123456789"
TZ = ZoneInfo("Europe/Stockholm")
SENT_AT = datetime(2026, 12, 18, 9, 0, tzinfo=TZ)
QUESTIONS = load_default_questions()
#: Delivery -> record with IDLE: 0.51-0.54 s measured (Dovecot's own push is ~0.5 s); after a
#: Dovecot restart 0.96 s. Bounds at 20x, so only a poller that stopped idling (it would wait
#: the 60 s poll interval) fails them, never a busy machine.
IDLE_BOUND = 11.0
RECONNECT_BOUND = 20.0



def make_config(data_dir: Path, *, imap: dict[str, Any] | None = None,
                smtp: dict[str, Any] | None = None, domain: str = "example.com") -> Any:
    return factory_config(data_dir=data_dir, domain=domain, imap=imap, smtp=smtp, members=[
        member("Anna Berg", f"anna@{domain}", aliases=["anna.berg@gmail.com"]),
        member("Erik Holm", "erik.holm@kund.se"),
        member("Sam Okafor", "sam@example.org", language="en"),
        member("Priya Nair", "priya.nair@contoso.example", language="en"),
    ])


def make_context(data_dir: Path, **kwargs: Any) -> Context:
    config = make_config(data_dir, **kwargs)
    return Context(config=config, env=build_environment(config), ledger=Ledger.in_dir(data_dir),
                   store=RecordStore(data_dir), questions=QUESTIONS, secret=SECRET)


def add_prompt(ctx: Context, email: str, *, kind: str = "checkin", period: str = "2026-12-18",
               language: str = "sv", sent_at: datetime = SENT_AT) -> Prompt:
    slot = Slot("platform", email, kind, period)  # type: ignore[arg-type]
    token = mint_token(slot, SECRET)
    prompt = Prompt(slot=slot, message_id=make_message_id(token, kind, "example.com"),
                    token=token, state="due", due_at=sent_at, language=language,  # type: ignore[arg-type]
                    question_ids=tuple(q.id for q in QUESTIONS.get(kind, ())))
    ctx.ledger.ensure([prompt])
    ctx.ledger.set_state(slot.key, "sent", at=sent_at)
    return prompt


def as_reply_to(case: str, prompt: Prompt, **headers: str) -> bytes:
    """A corpus message rewritten to answer ``prompt`` (threading headers, token, and any
    header given, e.g. ``From``/``Message-ID``)."""
    raw = (MESSAGES / f"{case}.eml").read_bytes()
    raw = raw.replace(b"<k3jx7w2mfq4yr5zt.checkin@example.com>", prompt.message_id.encode())
    raw = raw.replace(b"k3jx7w2mfq4yr5zt", prompt.token.encode())
    head, sep, body = raw.partition(b"\n\n")
    for name, value in headers.items():
        pattern = re.compile(rb"(?im)^" + re.escape(name.encode()) + rb":.*(\n[ \t].*)*$")
        line = f"{name}: {value}".encode()
        head, found = pattern.subn(lambda _m, line=line: line, head, count=1)
        if not found:
            head += b"\n" + line
    return head + sep + body


def token_subject(prompt: Prompt) -> str:
    return subject_with_token("Re: Check-in", prompt.token)


def since(days: int) -> datetime:
    return SENT_AT - timedelta(days=days)


# --------------------------------------------------------------------------- fake inbox


class FakeInbox:
    """UIDs, bytes and folders in memory; ``fail_fetch`` simulates a dropped connection."""

    idle_supported = False

    def __init__(self, validity: int = 7) -> None:
        self.validity = validity
        self.folders: dict[str, dict[int, bytes]] = {"INBOX": {}}
        self.next_uid = 1
        self.fetched: list[int] = []
        self.deleted: list[int] = []

    def add(self, raw: bytes) -> int:
        uid, self.next_uid = self.next_uid, self.next_uid + 1
        self.folders["INBOX"][uid] = raw
        return uid

    def uidvalidity(self) -> int:
        return self.validity

    def envelopes(self, *, after_uid: int) -> list[Envelope]:
        return [Envelope(uid, len(raw), SENT_AT + timedelta(hours=1))
                for uid, raw in sorted(self.folders["INBOX"].items()) if uid > after_uid]

    def fetch(self, uids: Sequence[int]) -> Iterator[Fetched]:
        for uid in uids:
            self.fetched.append(uid)
            yield Fetched(uid, self.folders["INBOX"][uid])

    def headers(self, uid: int) -> bytes:
        return self.folders["INBOX"][uid].partition(b"\n\n")[0] + b"\n\n"

    def move(self, uids: Sequence[int], folder: str) -> None:
        for uid in uids:
            self.folders.setdefault(folder, {})[uid] = self.folders["INBOX"].pop(uid)

    def delete(self, uids: Sequence[int]) -> None:
        for uid in uids:
            del self.folders["INBOX"][uid]
            self.deleted.append(uid)

    def wait(self, timeout: float, *, wake_fd: int | None = None) -> bool:
        return False

    def close(self) -> None:
        pass


def records(ctx: Context) -> list[Any]:
    return [ctx.store.read(p) for p in sorted(ctx.store.root.rglob("*.yaml"))]


NOW = SENT_AT + timedelta(hours=2)


def now() -> datetime:
    return NOW


def test_fake_pass_records_moves_and_second_pass_does_nothing(tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    anna = add_prompt(ctx, "anna@example.com")
    erik = add_prompt(ctx, "erik.holm@kund.se")
    inbox = FakeInbox()
    inbox.add(as_reply_to("gmail_numbered_sv", anna))
    inbox.add(as_reply_to("outlook_labelled_sv", erik))
    inbox.add(as_reply_to("gmail_numbered_sv", anna, **{"From": "Mallory <mallory@evil.example>",
                                                        "Message-ID": "<spoof@evil.example>"}))
    report = poll_once(ctx, now, inbox=inbox)
    assert report.outcomes == {"record": 2, "quarantine": 1}
    assert sorted(inbox.folders["Checkins/Processed"]) == [1, 2]
    assert sorted(inbox.folders["Checkins/Quarantine"]) == [3]
    saved = {r.member: r for r in records(ctx)}
    assert saved["anna@example.com"].answers["mood"] == 4
    assert saved["erik.holm@kund.se"].answers["obstacles"].startswith("bygget tar 40 minuter")
    assert len(report.receipts) == 2
    again = poll_once(ctx, now, inbox=inbox)
    assert again.seen == 0 and len(records(ctx)) == 2


def test_fake_same_message_twice_gives_one_record(tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    anna = add_prompt(ctx, "anna@example.com")
    inbox = FakeInbox()
    raw = as_reply_to("iphone_inline_sv", anna, From="Anna Berg <anna@example.com>")
    inbox.add(raw)
    inbox.add(raw.replace(b"Return-Path:", b"X-Seen-Twice: yes\nReturn-Path:"))
    report = poll_once(ctx, now, inbox=inbox)
    assert report.outcomes == {"record": 1} and report.duplicates == 1
    assert len(records(ctx)) == 1 and len(inbox.folders["Checkins/Processed"]) == 2
    assert len(report.receipts) == 1


def test_fake_crash_between_record_and_ledger_then_rerun(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = make_context(tmp_path)
    anna = add_prompt(ctx, "anna@example.com")
    inbox = FakeInbox()
    inbox.add(as_reply_to("gmail_numbered_sv", anna))

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RecordError("simulated crash after the record was written")

    with monkeypatch.context() as patch:
        patch.setattr(ctx.ledger, "record_inbound", crash)
        report = poll_once(ctx, now, inbox=inbox)
    assert report.errors == 1 and list(inbox.folders["INBOX"]) == [1]
    assert len(records(ctx)) == 1  # written, not yet acknowledged
    report = poll_once(ctx, now, inbox=inbox)
    assert report.outcomes == {"record": 1} and len(records(ctx)) == 1
    assert list(inbox.folders["Checkins/Processed"]) == [1]


def test_fake_uidvalidity_change_reads_again_without_duplicates(tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    anna = add_prompt(ctx, "anna@example.com")
    inbox = FakeInbox(validity=7)
    inbox.add(as_reply_to("gmail_numbered_sv", anna))
    poll_once(ctx, now, inbox=inbox)
    # The server rebuilt the folder: new UIDVALIDITY, the handled message is back in INBOX
    # under a new UID (a restore from backup), plus one new message.
    inbox.validity = 8
    inbox.add(inbox.folders["Checkins/Processed"].pop(1))
    inbox.add(as_reply_to("thunderbird_inline_en", add_prompt(ctx, "sam@example.org",
                                                                  language="en")))
    report = poll_once(ctx, now, inbox=inbox)
    assert report.uidvalidity_reset and report.duplicates == 1
    assert report.outcomes == {"record": 1} and len(records(ctx)) == 2
    assert not inbox.folders["INBOX"]


def test_fake_oversized_is_quarantined_without_fetching(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, imap={"max_message_bytes": 2000})
    anna = add_prompt(ctx, "anna@example.com")
    inbox = FakeInbox()
    big = as_reply_to("gmail_numbered_sv", anna) + b"x" * 3000
    inbox.add(big)
    report = poll_once(ctx, now, inbox=inbox)
    assert inbox.fetched == [] and list(inbox.folders["Checkins/Quarantine"]) == [1]
    assert report.outcomes == {} and records(ctx) == []
    assert ctx.ledger.inbound_counts() == {"quarantine": 1}


def anna_and_sam(tmp_path: Path) -> tuple[Context, FakeInbox, int]:
    """A context with two sent check-ins and the fake inbox holding both replies, Anna's
    (from her Gmail alias, UID 1) first; returns Anna's UID too."""
    ctx = make_context(tmp_path)
    anna = add_prompt(ctx, "anna@example.com")
    sam = add_prompt(ctx, "sam@example.org", language="en")
    inbox = FakeInbox()
    uid = inbox.add(as_reply_to("gmail_numbered_sv", anna))
    inbox.add(as_reply_to("thunderbird_inline_en", sam))
    return ctx, inbox, uid


def fail_on_anna(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """``decide`` raises ``error`` for Anna's reply: a bug that one message triggers."""
    real_decide = poller.decide

    def buggy(reply: Any, **kwargs: Any) -> Any:
        if reply.from_address == "anna.berg@gmail.com":
            raise error
        return real_decide(reply, **kwargs)

    monkeypatch.setattr(poller, "decide", buggy)


def test_fake_failure_leaves_the_message_and_holds_the_uid_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, inbox, _ = anna_and_sam(tmp_path)
    real_write = ctx.store.write
    calls = {"n": 0}

    def flaky(record: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RecordError("disk full")
        return real_write(record)

    monkeypatch.setattr(ctx.store, "write", flaky)
    report = poll_once(ctx, now, inbox=inbox)
    assert report.errors == 1 and list(inbox.folders["INBOX"]) == [1]
    assert ctx.ledger.get_state("imap.last_uid:INBOX") == "0"
    report = poll_once(ctx, now, inbox=inbox)
    assert report.outcomes == {"record": 1} and report.duplicates == 0
    assert not inbox.folders["INBOX"] and len(records(ctx)) == 2
    assert ctx.ledger.get_state("imap.last_uid:INBOX") == "1"  # UID 2 has left the folder



def test_fake_a_message_that_trips_a_bug_goes_to_quarantine_after_three_passes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug that one message triggers never stops the others, and it must not fail (and log)
    on every pass forever: after POISON_STRIKES passes it is moved to quarantine, kept whole,
    and counted."""
    ctx, inbox, poison = anna_and_sam(tmp_path)
    fail_on_anna(monkeypatch, ZeroDivisionError("a bug this message triggers"))
    report = poll_once(ctx, now, inbox=inbox)
    assert report.errors == 1 and report.outcomes == {"record": 1}  # Sam's reply went on
    assert list(inbox.folders["INBOX"]) == [poison]
    for attempt in range(2, poller.POISON_STRIKES):
        report = poll_once(ctx, now, inbox=inbox)
        assert report.errors == 1 and list(inbox.folders["INBOX"]) == [poison], attempt
    report = poll_once(ctx, now, inbox=inbox)
    assert report.errors == 1 and not inbox.folders["INBOX"]
    assert list(inbox.folders["Checkins/Quarantine"]) == [poison]  # kept, not deleted
    assert len(records(ctx)) == 1  # Sam's reply, recorded in the first pass
    assert ctx.ledger.inbound_counts() == {"record": 1, "quarantine": 1}

def test_fake_an_environment_error_never_quarantines_a_reply(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk is not the message's fault: it stays in the inbox, pass after pass."""
    ctx = make_context(tmp_path)
    anna = add_prompt(ctx, "anna@example.com")
    inbox = FakeInbox()
    uid = inbox.add(as_reply_to("gmail_numbered_sv", anna))

    def full(record: Any) -> Any:
        raise RecordError("disk full")

    monkeypatch.setattr(ctx.store, "write", full)
    for _ in range(poller.POISON_STRIKES + 2):
        assert poll_once(ctx, now, inbox=inbox).errors == 1
    assert list(inbox.folders["INBOX"]) == [uid] and "Checkins/Quarantine" not in inbox.folders

def test_fake_ooo_bounce_command_and_feedback(tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    erik = add_prompt(ctx, "erik.holm@kund.se")
    anna = add_prompt(ctx, "anna@example.com")
    feedback = add_prompt(ctx, "sam@example.org", kind="feedback", period="2026-Q4",
                          language="en")
    inbox = FakeInbox()
    inbox.add(as_reply_to("ooo_exchange_sv", erik))
    inbox.add(as_reply_to("dsn_postfix", anna).replace(b"lena@old-domain.example",
                                                        b"anna@example.com"))
    inbox.add(as_reply_to("command_pause_sv", anna))
    feedback_uid = inbox.add(as_reply_to("gmail_free_text_en", feedback))
    report = poll_once(ctx, now, inbox=inbox)
    assert report.outcomes == {"out_of_office": 1, "bounce": 1, "command": 1, "record": 1}
    pauses = {(p.email, p.reason): p.until.isoformat() for p in ctx.ledger.pauses()}
    assert pauses == {("erik.holm@kund.se", "out_of_office"): "2027-01-06",
                      ("anna@example.com", "command"): "2027-01-07"}
    assert [f.email for f in ctx.ledger.failures()] == ["anna@example.com"]
    assert ctx.ledger.get(anna.slot.key).state == "skipped"
    (saved,) = records(ctx)
    assert saved.member is None and saved.kind == "feedback"
    # Team, quarter, language and answers only: nothing that joins it to a message or a time.
    assert (saved.prompt_message_id, saved.message_id, saved.matched_by) == (None, None, None)
    assert saved.received_at == datetime(2026, 10, 1, tzinfo=UTC)
    assert "sam@example.org" not in (tmp_path / "records").joinpath(
        *saved_path_parts(ctx, saved)).read_text()
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as db:
        emails = {row[0] for row in db.execute("SELECT email FROM inbound")}
        details = {row[0] for row in db.execute("SELECT detail FROM inbound")}
    assert "sam@example.org" not in emails and not any("feedback" in (d or "") for d in details)
    # The ledger knows Sam answered, and nothing more; the original is deleted, not filed.
    assert ctx.ledger.has_answered("platform", "2026-Q4", "sam@example.org")
    assert inbox.deleted == [feedback_uid]
    assert all(feedback_uid not in box for box in inbox.folders.values())
    # Receipts: the command and the feedback reply; never the OOO or the bounce.
    assert sorted(r.kind for r in report.receipts) == ["checkin", "feedback"]


def feedback_inbox(ctx: Context) -> tuple[FakeInbox, Prompt]:
    prompt = add_prompt(ctx, "sam@example.org", kind="feedback", period="2026-Q4", language="en")
    inbox = FakeInbox()
    inbox.add(as_reply_to("gmail_free_text_en", prompt))
    return inbox, prompt


def test_fake_feedback_delivered_twice_is_recorded_once_and_both_copies_deleted(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ctx = make_context(tmp_path)
    inbox, prompt = feedback_inbox(ctx)
    inbox.add(as_reply_to("gmail_free_text_en", prompt))  # the same Message-ID again
    caplog.set_level("INFO")
    report = poll_once(ctx, now, inbox=inbox)
    assert report.outcomes == {"record": 1} and report.duplicates == 1
    assert len(records(ctx)) == 1 and inbox.deleted == [1, 2]
    lines = [r.getMessage() for r in caplog.records]
    assert "1 feedback reply recorded" in lines
    assert not any("sam" in line for line in lines)  # no name, address or Message-ID


def test_fake_a_second_feedback_answer_is_not_counted_and_the_receipt_says_so(
        tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    inbox, prompt = feedback_inbox(ctx)
    inbox.add(as_reply_to("thunderbird_inline_en", prompt,
                          **{"Message-ID": "<second@example.org>", "From": "sam@example.org"}))
    report = poll_once(ctx, now, inbox=inbox)
    assert report.outcomes == {"record": 1, "feedback not counted twice": 1}
    assert len(records(ctx)) == 1 and inbox.deleted == [1, 2]
    assert [(r.kind, r.refused, r.record is None) for r in report.receipts] == [
        ("feedback", False, False), ("feedback", True, True)]


@pytest.mark.parametrize("fail", ["write_anonymous", "finish_feedback"])
def test_fake_crash_while_storing_feedback_then_rerun_gives_one_record(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: str) -> None:
    """A crash before the record is written, or after it but before the ledger knows: the
    message stays in the inbox, and the rerun finishes the same record, never a second."""
    ctx = make_context(tmp_path)
    inbox, _ = feedback_inbox(ctx)
    owner = ctx.store if fail == "write_anonymous" else ctx.ledger
    real = getattr(owner, fail)

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RecordError("disk full")

    monkeypatch.setattr(owner, fail, crash)
    first = poll_once(ctx, now, inbox=inbox)
    assert first.errors == 1 and inbox.deleted == [] and 1 in inbox.folders["INBOX"]
    written = records(ctx)
    assert len(written) == (1 if fail == "finish_feedback" else 0)
    monkeypatch.setattr(owner, fail, real)
    second = poll_once(ctx, now, inbox=inbox)
    (saved,) = records(ctx)
    assert second.outcomes == {"record": 1} and inbox.deleted == [1]
    assert not written or written[0].id == saved.id
    assert ctx.ledger.has_answered("platform", "2026-Q4", "sam@example.org")


def saved_path_parts(ctx: Context, record: Any) -> tuple[str, ...]:
    return ctx.store.path_for(record).relative_to(ctx.store.root).parts


# --------------------------------------------------------------------------- real Dovecot
#
# The session's loopback Dovecot (tests/mailstack.py, fixture ``stack``); each test gets its
# own mailbox user. Delivery is over LMTP, as a real MTA would do it.


def imap_settings(stack: MailStack, user: MailUser, monkeypatch: pytest.MonkeyPatch
                  ) -> dict[str, Any]:
    monkeypatch.setenv("MAILER_TEST_IMAP_PASSWORD", user.password)
    return {"host": stack.host, "port": stack.imaps_port, "security": "tls",
            "username": user.email, "password_env": "MAILER_TEST_IMAP_PASSWORD",
            "ca_file": str(stack.ca_file)}


def folder(stack: MailStack, user: MailUser, name: str) -> list[bytes]:
    """The messages in a folder ("Checkins/Processed" is "Checkins.Processed" on Dovecot)."""
    server_name = name.replace("/", ".")
    return stack.fetch(user, server_name) if server_name in stack.folders(user) else []


class Recorder:
    """aiosmtpd handler keeping every message it receives (the receipts)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


async def smtp_recorder() -> tuple[Any, Recorder, int]:
    from aiosmtpd.smtp import SMTP

    recorder = Recorder()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(recorder), "127.0.0.1", 0)
    return server, recorder, server.sockets[0].getsockname()[1]


def headers_of(raw: bytes) -> Message:
    return email.message_from_bytes(raw)


async def test_end_to_end_poll_once_on_dovecot(stack: MailStack, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    server, recorder, port = await smtp_recorder()
    user = stack.new_user("checkin")
    ctx = make_context(tmp_path, imap=imap_settings(stack, user, monkeypatch),
                       smtp={"port": port})
    anna = add_prompt(ctx, "anna@example.com")
    erik = add_prompt(ctx, "erik.holm@kund.se")
    sam = add_prompt(ctx, "sam@example.org", language="en")
    priya = add_prompt(ctx, "priya.nair@contoso.example", language="en")
    mails = [
        as_reply_to("gmail_numbered_sv", anna),            # Gmail, sv, numbered, alias sender
        as_reply_to("outlook_labelled_sv", erik),          # Outlook sv, latin-1, labelled
        as_reply_to("thunderbird_inline_en", sam),         # inline under the questions, en
        as_reply_to("outlook_html_only_en", priya),        # HTML only
        as_reply_to("thunderbird_inline_en", sam),         # the same message again
        as_reply_to("gmail_numbered_sv", anna, From="Mallory <mallory@evil.example>",
                    **{"Message-ID": "<spoof1@evil.example>"}),  # spoofed reply
        as_reply_to("gmail_free_text_en", sam, From="Stranger <who@nowhere.example>",
                    **{"Message-ID": "<s1@nowhere.example>", "In-Reply-To": "<x@y>",
                       "References": "<x@y>", "Subject": "Hello"}),  # unknown sender
        as_reply_to("ooo_exchange_sv", erik, **{"Message-ID": "<ooo1@kund.se>"}),
        as_reply_to("dsn_postfix", priya).replace(b"lena@old-domain.example",
                                                  b"priya.nair@contoso.example"),
    ]
    for raw in mails:
        stack.deliver(raw, user)
    try:
        report = await poller.poll_and_answer(ctx)
    finally:
        server.close()
    assert report.outcomes == {"record": 4, "quarantine": 2, "out_of_office": 1, "bounce": 1}
    assert report.duplicates == 1
    saved = {r.member: r for r in records(ctx)}
    assert set(saved) == {"anna@example.com", "erik.holm@kund.se", "sam@example.org",
                          "priya.nair@contoso.example"}
    assert saved["anna@example.com"].answers == {
        "working_well": "Parprogrammeringen med Erik funkar jättebra",
        "obstacles": "Väntar fortfarande på access till prod-klustret", "mood": 4,
        "progress": "Skrev klart designdokumentet för kön"}
    assert saved["anna@example.com"].matched_by == "in_reply_to"
    assert saved["erik.holm@kund.se"].answers["mood"] == 3
    assert saved["sam@example.org"].answers["mood"] == 4
    assert saved["priya.nair@contoso.example"].answers["mood"] == 2
    assert folder(stack, user, "INBOX") == []
    assert len(folder(stack, user, "Checkins/Processed")) == 7
    quarantined = folder(stack, user, "Checkins/Quarantine")
    assert sorted(headers_of(m)["Message-ID"] for m in quarantined) == [
        "<s1@nowhere.example>", "<spoof1@evil.example>"]
    assert [(p.email, p.until.isoformat()) for p in ctx.ledger.pauses()] == [
        ("erik.holm@kund.se", "2027-01-06")]
    assert [f.email for f in ctx.ledger.failures()] == ["priya.nair@contoso.example"]
    # Receipts: one per recorded reply, to the sender, marked as automatic; none elsewhere.
    rcpts = sorted(r for rcpt, _ in recorder.messages for r in rcpt)
    assert rcpts == ["anna.berg@gmail.com", "erik.holm@kund.se", "priya.nair@contoso.example",
                     "sam@example.org"]
    for _, raw in recorder.messages:
        receipt = headers_of(raw)
        assert receipt["Auto-Submitted"] == "auto-replied" and receipt["In-Reply-To"]
    # A second pass finds nothing and changes nothing.
    again = await asyncio.to_thread(poll_once, ctx)
    assert again.seen == 0 and len(records(ctx)) == 4


async def test_poll_forever_idles_and_records_within_seconds(
        stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = stack.new_user("checkin")
    ctx = make_context(tmp_path, imap=imap_settings(stack, user, monkeypatch))
    ctx = replace(ctx, config=replace(ctx.config, teams=(
        replace(ctx.config.teams[0], confirmations=False),)))
    anna = add_prompt(ctx, "anna@example.com")
    stop = asyncio.Event()
    task = asyncio.create_task(poller.poll_forever(ctx, stop))
    try:
        await _idle_scenario(ctx, stack, user, anna)
    finally:
        stopping = time.monotonic()
        stop.set()
        await asyncio.wait_for(task, 5)
    assert time.monotonic() - stopping < 2


async def _idle_scenario(ctx: Context, stack: MailStack, user: MailUser, anna: Prompt) -> None:
    await asyncio.sleep(0.5)  # connected and idling
    latencies = []
    for n in range(3):
        started = time.monotonic()
        stack.deliver(as_reply_to("gmail_numbered_sv", anna,
                                  **{"Message-ID": f"<idle{n}@mail.gmail.com>"}), user)
        while len(records(ctx)) < n + 1:
            assert time.monotonic() - started < IDLE_BOUND, f"no record within {IDLE_BOUND} s"
            await asyncio.sleep(0.02)
        latencies.append(time.monotonic() - started)
    # Restart the server under the idling session: the poller reconnects and goes on.
    await asyncio.to_thread(stack.restart_dovecot)
    started = time.monotonic()
    stack.deliver(as_reply_to("iphone_inline_sv", anna, From="anna@example.com"), user)
    while len(records(ctx)) < 4:
        assert time.monotonic() - started < RECONNECT_BOUND, "no record after the reconnect"
        await asyncio.sleep(0.05)
    assert max(latencies) < IDLE_BOUND, latencies



def _write_config(path: Path, data_dir: Path, imap: dict[str, Any]) -> None:
    write_config(path, config_data(
        data_dir=data_dir, service={"secret_env": "MAILER_TEST_SECRET"}, imap=imap,
        team={"confirmations": False},
        members=[member("Anna Berg", "anna@example.com", aliases=["anna.berg@gmail.com"])]))


@pytest.mark.slow
def test_kill_9_during_poll_once_loses_and_duplicates_nothing(
        stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = stack.new_user("checkin")
    data_dir = tmp_path / "data"
    config_path = tmp_path / "mailer.toml"
    _write_config(config_path, data_dir, imap_settings(stack, user, monkeypatch))
    env = {**os.environ, "MAILER_TEST_SECRET": "kill-test-secret"}
    ctx = make_context(data_dir)
    ctx = replace(ctx, secret=b"kill-test-secret")
    anna = add_prompt(ctx, "anna@example.com")
    total = 120
    for n in range(total):
        stack.deliver(as_reply_to("gmail_numbered_sv", anna,
                                  **{"Message-ID": f"<kill{n}@mail.gmail.com>"}), user)
    command = [sys.executable, "-m", "mailer", "--config", str(config_path), "poll", "--once"]
    with (tmp_path / "victim.log").open("wb") as log_file:
        victim = subprocess.Popen(command, env=env, stdout=log_file, stderr=log_file)
        deadline = time.monotonic() + 30
        while len(list((data_dir / "records").rglob("*.yaml"))) < 10:
            assert victim.poll() is None, (tmp_path / "victim.log").read_text()
            assert time.monotonic() < deadline
            time.sleep(0.005)
        victim.kill()  # SIGKILL: no cleanup at all
        victim.wait()
    written = len(list((data_dir / "records").rglob("*.yaml")))
    assert 10 <= written < total, "the kill did not land mid-batch"
    done = subprocess.run(command, env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    ids = sorted(r.message_id for r in records(ctx))
    assert ids == sorted(f"<kill{n}@mail.gmail.com>" for n in range(total))
    assert folder(stack, user, "INBOX") == []
    processed = folder(stack, user, "Checkins/Processed")
    assert len(processed) == total  # each message moved exactly once, none lost
    assert ctx.ledger.inbound_counts() == {"record": total}


def parsed(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=email.policy.default)


def _quoted_reply(prompt: Message, sender: str, answers: dict[int, str] | list[str], *,
                  inline: bool) -> bytes:
    """A reply to a real prompt as a mail client writes it: top-posted numbered answers over a
    ``>`` quote (Gmail), or each answer under its quoted question (Thunderbird)."""
    body = next(part for part in prompt.walk() if part.get_content_type() == "text/plain")
    original = body.get_payload(decode=True).decode(body.get_content_charset() or "utf-8")
    lines: list[str] = []
    if not inline:
        lines += [f"{n}. {text}" for n, text in enumerate(answers, start=1)]  # type: ignore[arg-type]
        lines += ["", f"On Wed, 2 Dec 2026 at 10:30, Team check-in <{prompt['From']}> wrote:", ""]
    for line in original.splitlines():
        lines.append(f"> {line}".rstrip())
        number = re.match(r"^(\d)\. ", line)
        if inline and number and int(number.group(1)) in answers:
            lines += ["", answers[int(number.group(1))], ""]  # type: ignore[index]
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = prompt["Reply-To"] or prompt["From"]
    reply["Subject"] = "Re: " + str(prompt["Subject"])
    reply["Message-ID"] = email.utils.make_msgid(domain="client.example")
    reply["In-Reply-To"] = prompt["Message-ID"]
    reply["References"] = prompt["Message-ID"]
    reply["Date"] = email.utils.format_datetime(datetime.now(UTC))
    reply.set_content("\n".join(lines))
    return reply.as_bytes()


async def test_full_loop_prompts_sent_then_replies_recorded(
        stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """jobs.send_due mails real prompts through the relay into the members' mailboxes; each
    member answers the prompt they got; poll_once records the answers and sends receipts."""
    service, anna_box, ben_box = (stack.new_user(p) for p in ("checkin", "anna", "ben"))
    anna = sample_person("Anna Berg", anna_box.email, language="sv")
    ben = sample_person("Ben Carter", ben_box.email, timezone="Europe/London", language="en",
                        country="GB")
    team = sample_team(members=(anna, ben), manager=sample_person("Lena Holm", "lena@x.test"))
    monkeypatch.setenv("MAILER_SECRET", "full-loop-secret-0123456789")
    monkeypatch.setenv("MAILER_TEST_SMTP_PASSWORD", stack.smtp_password)
    smtp = SmtpSettings(host=stack.host, port=stack.submission_port, security="starttls",
                        username=stack.smtp_user, password_env="MAILER_TEST_SMTP_PASSWORD",
                        from_address=service.email, from_name="Team check-in",
                        ca_file=stack.ca_file, timeout=10.0, max_attempts=2)
    imap = ImapSettings(**{**imap_settings(stack, service, monkeypatch),
                           "ca_file": stack.ca_file})
    ctx = open_context(replace(sample_config(tmp_path, teams=[team], smtp=smtp), imap=imap))
    sent = await jobs.send_due(ctx, "checkin", now=datetime(2026, 12, 2, 9, 30,
                                                                tzinfo=UTC))
    assert sent.sent == 2, sent.summary
    (anna_prompt,) = [parsed(m) for m in stack.fetch(anna_box)]
    (ben_prompt,) = [parsed(m) for m in stack.fetch(ben_box)]
    stack.deliver(_quoted_reply(anna_prompt, f"Anna Berg <{anna_box.email}>", [
        "Korta standups", "Väntar på en review", "4 av 5", "Klar med migreringen"],
        inline=False), service)
    stack.deliver(_quoted_reply(ben_prompt, f"Ben Carter <{ben_box.email}>", {
        2: "Flaky CI on the main branch", 3: "3/5"}, inline=True), service)
    report = await poller.poll_and_answer(ctx)
    assert report.outcomes == {"record": 2}, report.summary()
    saved = {r.member: r for r in records(ctx)}
    assert saved[anna_box.email].answers == {
        "working_well": "Korta standups", "obstacles": "Väntar på en review", "mood": 4,
        "progress": "Klar med migreringen"}
    assert saved[ben_box.email].answers == {"obstacles": "Flaky CI on the main branch",
                                            "mood": 3}
    assert {r.matched_by for r in saved.values()} == {"in_reply_to"}
    assert folder(stack, service, "INBOX") == []
    # Each member now has the prompt and a receipt, threaded under their reply.
    for box, prompt_msg in ((anna_box, anna_prompt), (ben_box, ben_prompt)):
        receipt = email.message_from_bytes(stack.fetch(box)[-1])
        assert receipt["Auto-Submitted"] == "auto-replied"
        assert prompt_msg["Message-ID"] in receipt["References"]


async def test_uidvalidity_change_on_dovecot_reads_again_without_duplicates(
        stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder is deleted and made again (a server migration): new UIDVALIDITY, the same
    messages under UIDs that were used before. Everything is read again, nothing doubled."""
    user = stack.new_user("checkin")
    settings = {**imap_settings(stack, user, monkeypatch), "folder": "Incoming"}
    ctx = make_context(tmp_path, imap=settings)
    ctx = replace(ctx, config=replace(ctx.config, teams=(
        replace(ctx.config.teams[0], confirmations=False),)))
    anna = add_prompt(ctx, "anna@example.com")
    sam = add_prompt(ctx, "sam@example.org", language="en")
    first = [as_reply_to("gmail_numbered_sv", anna), as_reply_to("thunderbird_inline_en", sam)]
    with stack.mailbox(user) as box:
        box.folder.create("Incoming")
        for raw in first:
            box.append(raw, "Incoming")
    report = await asyncio.to_thread(poll_once, ctx)
    assert report.outcomes == {"record": 2}
    with stack.mailbox(user) as box:
        box.folder.delete("Incoming")
        box.folder.create("Incoming")
        for raw in [*first, as_reply_to("iphone_inline_sv", anna, From="anna@example.com")]:
            box.append(raw, "Incoming")
    report = await asyncio.to_thread(poll_once, ctx)
    assert report.uidvalidity_reset and report.duplicates == 2
    assert report.outcomes == {"record": 1} and len(records(ctx)) == 3
    assert folder(stack, user, "Incoming") == []


def test_starttls_works_and_an_untrusted_certificate_is_refused(
        stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = stack.new_user("checkin")
    starttls = {**imap_settings(stack, user, monkeypatch), "security": "starttls",
                "port": stack.imap_port}
    ctx = make_context(tmp_path, imap=starttls)
    anna = add_prompt(ctx, "anna@example.com")
    stack.deliver(as_reply_to("gmail_numbered_sv", anna), user)
    untrusted = make_context(tmp_path / "other", imap={
        key: value for key, value in starttls.items() if key != "ca_file"})
    with pytest.raises(MailboxError, match="connect|CERTIFICATE|certificate"):
        poll_once(untrusted)
    assert folder(stack, user, "INBOX") != []  # nothing touched
    ctx = replace(ctx, config=replace(ctx.config, teams=(
        replace(ctx.config.teams[0], confirmations=False),)))
    assert poll_once(ctx).outcomes == {"record": 1}
