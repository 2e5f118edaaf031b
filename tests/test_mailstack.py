"""The test mail servers themselves: real SMTP in, real IMAP out, faults on request."""

from __future__ import annotations

import asyncio
import imaplib
import os
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import aiosmtplib
import pytest
from imap_tools import MailBox, MailBoxStartTls, MailMessage
from imap_tools.errors import MailboxLoginError

from tests import mailstack as mailstack_module
from tests.mailstack import MailStack, MailStackError, MailUser, SmtpFaults
from tests.smtp_client import submit

#: Dovecot's IDLE push takes ~0.5 s (MAILSTACK.md, bench/README.md); 20x that, so a busy
#: machine cannot fail the test, while a session that never wakes still does.
IDLE_BOUND = 10.0


def checkin(to: str, *, subject: str = "Weekly check-in", body: str = "How did it go?\n",
            ) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Manager <manager@example.test>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.test")
    message.set_content(body)
    return message


def read_inbox(stack: MailStack, user: MailUser) -> list[MailMessage]:
    """Read back the way the app will: imap-tools over implicit TLS, trusting ca_file."""
    tls = ssl.create_default_context(cafile=stack.ca_file)
    with MailBox(stack.host, stack.imaps_port, ssl_context=tls).login(
            user.email, user.password) as box:
        return list(box.fetch(mark_seen=False, bulk=True))


async def send_plain(stack: MailStack, message: EmailMessage, **kwargs: object) -> None:
    await submit(message, hostname=stack.host, port=stack.smtp_port, **kwargs)


# --- SMTP in, IMAP out ---------------------------------------------------------------


@pytest.mark.parametrize("account", ["service", "mailbox user"])
async def test_starttls_auth_message_arrives_over_imaps(stack: MailStack, account: str) -> None:
    user = stack.new_user("roundtrip")
    login, password = ((stack.smtp_user, stack.smtp_password) if account == "service"
                       else (user.email, user.password))
    message = checkin(user.email, subject="Check-in for week 48 ✓",
                      body="How did the week go?\nReply above this line.\n")

    await submit(message, hostname=stack.host, port=stack.submission_port,
                          start_tls=True, username=login, password=password,
                          tls_context=ssl.create_default_context(cafile=stack.ca_file))

    [received] = await asyncio.to_thread(read_inbox, stack, user)
    assert received.subject == "Check-in for week 48 ✓"
    assert received.text.replace("\r\n", "\n") == "How did the week go?\nReply above this line.\n"
    assert received.obj["Message-ID"] == message["Message-ID"]
    [envelope] = stack.smtp_received
    assert (envelope.mail_from, envelope.rcpt_tos, envelope.login) == (
        "manager@example.test", (user.email,), login)


async def test_plain_smtp_is_relayed_without_auth(stack: MailStack) -> None:
    user = stack.new_user("plain")
    message = checkin(user.email)

    await send_plain(stack, message)

    [raw] = await asyncio.to_thread(stack.fetch, user)
    assert message["Message-ID"].encode() in raw
    assert raw.startswith(b"Return-Path: <manager@example.test>")
    assert stack.smtp_received[0].login is None


async def test_unknown_recipient_gets_dovecots_550(stack: MailStack) -> None:
    known = stack.new_user("known")
    message = checkin(known.email)

    errors, _ = await submit(message, hostname=stack.host, port=stack.smtp_port,
                                      recipients=[known.email, "nobody@example.test"])
    assert errors["nobody@example.test"][0] == 550
    assert "doesn't exist" in errors["nobody@example.test"][1]
    assert len(await asyncio.to_thread(stack.fetch, known)) == 1

    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await send_plain(stack, message, recipients=["nobody@example.test"])
    assert [r.code for r in refused.value.recipients] == [550]


async def test_wrong_smtp_password_is_refused(stack: MailStack) -> None:
    user = stack.new_user("badpw")
    with pytest.raises(aiosmtplib.SMTPAuthenticationError) as refused:
        await submit(checkin(user.email), hostname=stack.host,
                              port=stack.submission_port, username=user.email,
                              password="not-" + user.password, tls_context=stack.client_tls)
    assert refused.value.code == 535
    assert len(stack.smtp_received) == 0


async def test_submission_refuses_mail_before_starttls_and_auth(stack: MailStack) -> None:
    user = stack.new_user("notls")
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as refused:
        await submit(checkin(user.email), hostname=stack.host,
                              port=stack.submission_port, start_tls=False)
    assert refused.value.code == 530


# --- IMAP ----------------------------------------------------------------------------


def test_imap_login_over_starttls_and_imaps_and_wrong_password(stack: MailStack) -> None:
    user = stack.new_user("imap")
    with MailBoxStartTls(stack.host, stack.imap_port, ssl_context=stack.client_tls).login(
            user.email, user.password) as box:
        assert box.folder.get() == "INBOX"
    box = MailBox(stack.host, stack.imaps_port, ssl_context=stack.client_tls)
    try:
        with pytest.raises(MailboxLoginError):
            box.login(user.email, "not-" + user.password)
    finally:
        box.client.shutdown()  # a failed login leaves the socket open


def test_users_never_see_each_others_mail(stack: MailStack) -> None:
    alice, bob = stack.new_user("alice"), stack.new_user("bob")
    assert alice.email != bob.email
    stack.deliver(b"Subject: for alice\r\n\r\nhi\r\n", alice)
    assert len(stack.fetch(alice)) == 1
    assert stack.fetch(bob) == []


def test_idle_wakes_soon_after_an_lmtp_delivery(stack: MailStack) -> None:
    user = stack.new_user("idle")
    with stack.mailbox(user) as box:
        box.idle.start()
        try:
            sent = time.monotonic()
            stack.deliver(b"Subject: wake up\r\n\r\nnew mail\r\n", user)
            responses = box.idle.poll(timeout=IDLE_BOUND)
            waited = time.monotonic() - sent
        finally:
            box.idle.stop()
    assert any(line.endswith(b"EXISTS") for line in responses), responses
    assert waited < IDLE_BOUND


def test_move_is_advertised_after_login_and_moves(stack: MailStack) -> None:
    user = stack.new_user("move")
    stack.deliver(b"Subject: file me\r\n\r\nbody\r\n", user)
    with stack.mailbox(user) as box:
        assert {"MOVE", "IDLE"} <= set(box.client.capabilities)
        box.folder.create("Processed")
        box.move(box.uids(), "Processed")
    assert "Processed" in stack.folders(user)
    assert stack.fetch(user) == []
    assert [b"Subject: file me" in raw for raw in stack.fetch(user, "Processed")] == [True]


def test_restart_keeps_ports_users_and_mail(stack: MailStack) -> None:
    user = stack.new_user("restart")
    stack.deliver(b"Subject: before\r\n\r\n1\r\n", user)
    ports = (stack.imap_port, stack.imaps_port, stack.lmtp_port)
    box = stack.mailbox(user)
    try:
        stack.restart_dovecot()
        with pytest.raises((imaplib.IMAP4.abort, OSError)):  # the old session is gone
            box.client.noop()
    finally:
        box.client.shutdown()

    assert (stack.imap_port, stack.imaps_port, stack.lmtp_port) == ports
    stack.deliver(b"Subject: after\r\n\r\n2\r\n", user)
    assert len(stack.fetch(user)) == 2


# --- faults --------------------------------------------------------------------------


async def test_injected_451_on_rcpt_once_then_success(stack: MailStack) -> None:
    user = stack.new_user("retry")
    message = checkin(user.email)
    stack.smtp_faults.reply("RCPT", 451)

    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await send_plain(stack, message)
    assert [r.code for r in refused.value.recipients] == [451]

    await send_plain(stack, message)
    assert stack.smtp_faults.pending == []
    assert [mail.rcpt_tos for mail in stack.smtp_received] == [(user.email,)]
    assert len(await asyncio.to_thread(stack.fetch, user)) == 1


@pytest.mark.parametrize("inject, error", [
    (lambda faults: faults.reply("connect", 421), aiosmtplib.SMTPConnectResponseError),
    (lambda faults: faults.drop("DATA"), aiosmtplib.SMTPServerDisconnected),
    (lambda faults: faults.stall("MAIL", 3.0), aiosmtplib.SMTPTimeoutError),
], ids=["421-greeting", "drop-mid-DATA", "stall-MAIL"])
async def test_injected_failure_delivers_nothing_and_relay_recovers(
        stack: MailStack, inject: Callable[[SmtpFaults], None], error: type[Exception],
) -> None:
    user = stack.new_user("fault")
    inject(stack.smtp_faults)

    with pytest.raises(error):
        await send_plain(stack, checkin(user.email), timeout=1.0)
    assert len(stack.smtp_received) == 0
    assert await asyncio.to_thread(stack.fetch, user) == []

    await send_plain(stack, checkin(user.email))
    assert len(await asyncio.to_thread(stack.fetch, user)) == 1


def test_fault_rules_match_by_stage_address_and_count() -> None:
    faults = SmtpFaults()
    faults.reply("rcpt", 452, address="bob@example.test", times=2)
    faults.stall("MAIL", 0.1, times=None)

    assert faults.take("RCPT", "alice@example.test") is None
    first = faults.take("RCPT", "bob@example.test")
    assert first is not None and (first.code, first.text.startswith("4.3.1")) == (452, True)
    assert faults.take("RCPT", "bob@example.test") == first
    assert faults.take("RCPT", "bob@example.test") is None
    assert all(faults.take("MAIL") is not None for _ in range(3))  # until cleared
    faults.clear()
    assert faults.pending == []
    with pytest.raises(ValueError):
        faults.reply("HELO", 421)  # type: ignore[arg-type]


# --- setup ---------------------------------------------------------------------------


def test_missing_dovecot_fails_with_the_install_hint(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setattr(mailstack_module, "_SEARCH_PATH", str(tmp_path))
    with pytest.raises(MailStackError, match="make test"):
        MailStack.start()


def test_environment_has_no_mailer_variables() -> None:
    assert [name for name in os.environ if name.startswith("MAILER_")] == []
