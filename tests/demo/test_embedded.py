"""The embedded mail server, observed the way the service uses it: aiosmtplib over STARTTLS +
AUTH to send, imap-tools over STARTTLS (sync, in a thread) to read, move and IDLE."""

from __future__ import annotations

import asyncio
import imaplib
import select
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import aiosmtplib
import pytest
from imap_tools import AND, MailBoxStartTls

from mailer.demo.server import EmbeddedMailServer
from mailer.outbound.sockets import Sockets
from tests.smtp_client import submit

SERVICE = "checkin@demo.test"
ANNA = "anna@demo.test"
PASSWORDS = {SERVICE: "service-pw", ANNA: "anna-pw"}


@pytest.fixture
async def server() -> AsyncIterator[EmbeddedMailServer]:
    async with EmbeddedMailServer() as srv:
        for address, password in PASSWORDS.items():
            await srv.add_user(address, password)
        yield srv


def tls(srv: EmbeddedMailServer) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(srv.ca_file))


def mail(subject: str, *, to: str = SERVICE, sender: str = ANNA) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{subject.replace(' ', '-')}@demo.test>"
    msg.set_content(f"{subject}\n")
    return msg


async def send(srv: EmbeddedMailServer, msg: EmailMessage, *, user: str = ANNA,
               password: str | None = None, context: ssl.SSLContext | None = None) -> None:
    await submit(msg, hostname=srv.host, port=srv.smtp_port, username=user,
                 password=password or PASSWORDS[user], tls_context=context or tls(srv),
                 timeout=5)


def mailbox(srv: EmbeddedMailServer, user: str = SERVICE) -> MailBoxStartTls:
    box = MailBoxStartTls(srv.host, srv.imap_port, ssl_context=tls(srv), timeout=5)
    box.login(user, PASSWORDS[user])
    # pymap acknowledges APPEND only after a delayed ACK without this (47 ms vs 1.7 ms).
    box.client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return box


async def test_starts_on_free_loopback_ports_with_a_certificate(server: EmbeddedMailServer) -> None:
    assert server.smtp_port and server.imap_port and server.smtp_port != server.imap_port
    assert server.host == "127.0.0.1"
    assert server.ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")


async def test_smtp_delivery_is_read_back_over_imap(server: EmbeddedMailServer) -> None:
    await send(server, mail("week one"))
    await send(server, mail("week two"))

    def session() -> tuple[list[str], list[tuple[str, tuple[str, ...]]], list[str]]:
        with mailbox(server) as box:
            uids = box.uids()
            fetched = [(m.subject, m.flags)
                       for m in box.fetch(AND(all=True), mark_seen=False, bulk=True)]
            unseen = box.uids(AND(seen=False))
        return uids, fetched, unseen

    uids, fetched, unseen = await asyncio.to_thread(session)
    assert len(uids) == 2
    assert [subject for subject, _ in fetched] == ["week one", "week two"]
    assert all("\\Seen" not in flags for _, flags in fetched)
    assert unseen == uids  # mark_seen=False really peeked

    raw = (await server.messages(SERVICE))[0]
    parsed = message_from_bytes(raw)
    assert parsed["Message-ID"] == "<week-one@demo.test>"
    assert parsed["Return-Path"] == f"<{ANNA}>"
    assert parsed["Authentication-Results"] == f"localhost; auth=pass smtp.auth={ANNA}"
    assert "with ESMTPSA" in parsed["Received"]


async def test_move_and_copy_delete_into_created_folders(server: EmbeddedMailServer) -> None:
    for n in range(3):
        await send(server, mail(f"reply {n}"))

    def session() -> None:
        with mailbox(server) as box:
            for folder in ("Checkins/Processed", "Checkins/Quarantine"):
                if not box.folder.exists(folder):
                    box.folder.create(folder)
            first, second, _ = box.uids()
            # imap-tools reads capabilities before login; pymap lists MOVE only after it.
            assert "MOVE" not in box.client.capabilities
            box.move(first, "Checkins/Quarantine")  # falls back to COPY + \Deleted + EXPUNGE
            box.client.capabilities = tuple(box.client.capability()[1][0].decode().upper().split())
            assert "MOVE" in box.client.capabilities
            box.move(second, "Checkins/Processed")  # real UID MOVE

    await asyncio.to_thread(session)
    assert await server.folders(SERVICE) == ["INBOX", "Checkins", "Checkins/Processed",
                                             "Checkins/Quarantine"]
    subjects = {
        folder: [message_from_bytes(raw)["Subject"] for raw in await server.messages(SERVICE, folder)]
        for folder in ("INBOX", "Checkins/Processed", "Checkins/Quarantine")
    }
    assert subjects == {"INBOX": ["reply 2"], "Checkins/Processed": ["reply 1"],
                        "Checkins/Quarantine": ["reply 0"]}


async def test_idle_wakes_within_a_second_of_a_delivery(server: EmbeddedMailServer) -> None:
    box = await asyncio.to_thread(mailbox, server)
    idling = threading.Event()

    def wait_for_push() -> float:
        # MAILSTACK.md: imap-tools' idle.wait() reads pymap's split FETCH with a zero socket
        # timeout and aborts; start IDLE, select() on the socket, then stop, is reliable.
        box.idle.start()
        idling.set()
        readable, _, _ = select.select([box.client.sock], [], [], 5.0)
        woke = time.perf_counter()
        box.idle.stop()
        assert readable, "IDLE did not wake"
        return woke

    try:
        waiter = asyncio.ensure_future(asyncio.to_thread(wait_for_push))
        await asyncio.to_thread(idling.wait, 5)
        await asyncio.sleep(0.05)  # let IDLE's continuation reach the client
        sent = time.perf_counter()
        await send(server, mail("wake up"))
        woke = await waiter
        assert woke - sent < 1.0
        assert await asyncio.to_thread(box.uids) != []
    finally:
        await asyncio.to_thread(box.logout)


async def test_refusals(server: EmbeddedMailServer) -> None:
    with pytest.raises(aiosmtplib.SMTPAuthenticationError):
        await send(server, mail("bad password"), password="wrong")
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await send(server, mail("nobody", to="nobody@demo.test"))
    assert refused.value.recipients[0].code == 550
    # Without STARTTLS the server offers no AUTH and takes no mail (RFC 3207).
    client = aiosmtplib.SMTP(hostname=server.host, port=server.smtp_port, start_tls=False,
                             timeout=5)
    sockets = Sockets()
    async with client:
        sockets.track(client)
        await client.ehlo()
        assert client.supports_extension("starttls")
        assert not client.supports_extension("auth")
        with pytest.raises(aiosmtplib.SMTPSenderRefused):
            await client.sendmail(ANNA, [SERVICE], b"Subject: plain\r\n\r\nx\r\n")
    await sockets.closed()

    def imap_bad_login() -> None:
        box = MailBoxStartTls(server.host, server.imap_port, ssl_context=tls(server), timeout=5)
        try:
            box.login(SERVICE, "wrong")
        finally:
            box.client.shutdown()

    with pytest.raises(Exception, match="(?i)invalid|fail|auth"):
        await asyncio.to_thread(imap_bad_login)
    assert await server.messages(SERVICE) == []


async def test_plus_address_is_delivered_to_the_base_mailbox(server: EmbeddedMailServer) -> None:
    await send(server, mail("token", to="checkin+abcdefghijklmnop@demo.test"))
    (raw,) = await server.messages(SERVICE)
    assert message_from_bytes(raw)["Delivered-To"] == "checkin+abcdefghijklmnop@demo.test"


async def test_deliveries_carry_the_given_clock(tmp_path: Path) -> None:
    simulated = datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
    async with EmbeddedMailServer(cert_dir=tmp_path / "tls", clock=lambda: simulated) as srv:
        for address, password in PASSWORDS.items():
            await srv.add_user(address, password)
        await send(srv, mail("simulated"))
        (raw,) = await srv.messages(SERVICE)
    received = message_from_bytes(raw)["Received"]
    assert parsedate_to_datetime(received.rpartition(";")[2].strip()) == simulated
    assert (tmp_path / "tls" / "cert.pem").exists()  # a given cert_dir is kept


async def test_aclose_leaves_nothing_running() -> None:
    before = set(asyncio.all_tasks())
    srv = EmbeddedMailServer()
    await srv.start()
    for address, password in PASSWORDS.items():
        await srv.add_user(address, password)
    cert_dir = srv.ca_file.parent
    # An SMTP session left open and an IMAP client in IDLE when the server stops.
    smtp = aiosmtplib.SMTP(hostname=srv.host, port=srv.smtp_port, tls_context=tls(srv), timeout=5)
    await smtp.connect()
    sockets = Sockets()
    sockets.track(smtp)
    silent = socket.create_connection((srv.host, srv.smtp_port), timeout=1)  # never speaks
    box = await asyncio.to_thread(mailbox, srv)
    await asyncio.to_thread(box.idle.start)

    await srv.aclose()

    assert set(asyncio.all_tasks()) == before
    assert not cert_dir.exists()
    for port in (srv.smtp_port, srv.imap_port):
        with pytest.raises(OSError):
            socket.create_connection((srv.host, port), timeout=1).close()
    # The idling client sees the server's BYE or end of stream, not a hang.
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        await asyncio.to_thread(box.idle.stop)
        await asyncio.to_thread(box.client.noop)
    box.client.shutdown()
    smtp.close()
    await sockets.closed()
    silent.close()


async def test_the_service_inbox_adapter_polls_it() -> None:
    """mailer.inbound.imap.ImapInbox, as the poller uses it: STARTTLS with ca_file, MOVE after the
    capability refresh, INTERNALDATE from the server's clock, IDLE woken by a delivery."""
    from mailer.inbound.imap import ImapInbox
    from mailer.models import ImapSettings

    simulated = datetime(2026, 12, 3, 14, 5, tzinfo=UTC)
    async with EmbeddedMailServer(clock=lambda: simulated) as srv:
        for address, password in PASSWORDS.items():
            await srv.add_user(address, password)
        settings = ImapSettings(host=srv.host, port=srv.imap_port, security="starttls",
                                username=SERVICE, password_env=None, ca_file=srv.ca_file,
                                timeout=5)
        await send(srv, mail("first"))
        inbox = await asyncio.to_thread(ImapInbox.open, settings, PASSWORDS[SERVICE])
        try:
            assert inbox.idle_supported
            (envelope,) = await asyncio.to_thread(inbox.envelopes, after_uid=0)
            assert envelope.internaldate == simulated
            (fetched,) = await asyncio.to_thread(lambda: list(inbox.fetch([envelope.uid])))
            assert message_from_bytes(fetched.raw)["Subject"] == "first"
            await asyncio.to_thread(inbox.move, [envelope.uid], "Checkins/Processed")
            waiting = asyncio.ensure_future(asyncio.to_thread(inbox.wait, 5.0))
            await asyncio.sleep(0.1)
            await send(srv, mail("second"))
            assert await asyncio.wait_for(waiting, 2.0)
            assert [e.uid for e in await asyncio.to_thread(inbox.envelopes, after_uid=0)] \
                == [envelope.uid + 1]
        finally:
            await asyncio.to_thread(inbox.close)
        assert len(await srv.messages(SERVICE, "Checkins/Processed")) == 1


async def test_idle_reports_a_delivery_that_came_before_it(server: EmbeddedMailServer) -> None:
    """A poller moves its mail, then idles; mail that arrived in between must wake it at once
    (pymap itself would wait for the next change; Dovecot reports it)."""
    box = await asyncio.to_thread(mailbox, server)
    try:
        await asyncio.to_thread(box.uids)  # the client's last command: nothing there
        await send(server, mail("in between"))

        def idle_once() -> bool:
            box.idle.start()
            readable, _, _ = select.select([box.client.sock], [], [], 1.0)
            box.idle.stop()
            return bool(readable)

        assert await asyncio.to_thread(idle_once)
    finally:
        await asyncio.to_thread(box.logout)
