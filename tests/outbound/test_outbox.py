"""The SMTP adapter against real aiosmtpd servers on loopback (in-loop, port 0), with faults."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
import ssl
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, LoginPassword

from mailer.errors import AuthenticationError, DeliveryError
from mailer.models import SmtpSettings
from mailer.outbound import smtp as outbox

PASSWORD = "s3cret-pw"
FAST = outbox.Backoff(base=0.01, cap=0.05)


@pytest.fixture(scope="module")
def cert(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    crt, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)
    return crt, key


class Recorder:
    """An aiosmtpd handler that keeps parsed messages and injects faults on request."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.connections = 0
        self.logins: list[bytes] = []
        self.refuse: dict[str, str] = {}  # address -> RCPT reply
        #: DATA faults, consumed in order: an SMTP reply, "drop" or ("stall", seconds).
        self.data_faults: list[object] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_faults:
            fault = self.data_faults.pop(0)
            if fault == "drop":
                server.transport.close()
                return "250 never seen"
            if isinstance(fault, tuple):
                await asyncio.sleep(fault[1])
                return "451 4.3.0 slow"
            return fault
        self.messages.append(email.message_from_bytes(envelope.original_content,
                                                      policy=email.policy.default))
        return "250 OK queued"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        self.logins.append(auth_data.login)
        return AuthResult(success=auth_data.password == PASSWORD.encode(), handled=False)


async def serve(cert, *, mode: str = "starttls"):
    """(recorder, port, server): ``mode`` starttls | tls | none | plain-with-auth-no-tls."""
    crt, key = cert
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(crt, key)
    recorder = Recorder()

    def factory():
        recorder.connections += 1
        options = {}
        if mode == "starttls":
            options = dict(tls_context=server_tls, require_starttls=True, auth_required=True,
                           authenticator=recorder.authenticate)
        elif mode == "tls":
            options = dict(auth_required=True, auth_require_tls=False,
                           authenticator=recorder.authenticate)
        return SMTPServer(recorder, hostname="localhost", **options)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, "127.0.0.1", 0,
                                      ssl=server_tls if mode == "tls" else None)
    return recorder, server.sockets[0].getsockname()[1], server


def settings(port: int, cert=None, **changes) -> SmtpSettings:
    base = SmtpSettings(host="127.0.0.1", port=port, security="starttls", username="checkin",
                        password_env="X", from_address="checkin@example.com",
                        from_name="Check-in", ca_file=cert[0] if cert else None, timeout=5.0,
                        max_connections=2, max_attempts=4)
    return dataclasses.replace(base, **changes)


def message(n: int, to: str | None = None) -> outbox.Outgoing:
    msg = EmailMessage()
    to = to or f"person{n}@example.com"
    msg["From"], msg["To"], msg["Subject"] = "checkin@example.com", to, f"Check-in {n}"
    msg["Message-ID"] = f"<msg{n}.checkin@example.com>"
    msg.set_content(f"Hej {n}, åäö\n")
    return outbox.Outgoing(f"key{n}", msg, to, "checkin@example.com")


async def run(s: SmtpSettings, items, *, password=PASSWORD, context=None, hooks=None):
    attempts: list[tuple[str, int]] = []
    results: list[outbox.Outcome] = []
    context = context if context is not None else outbox.batch_tls_context(s)
    outcomes = await outbox.send_messages(
        s, items, password=password, tls_context=context, backoff=FAST,
        on_attempt=lambda item, n: attempts.append((item.key, n)), on_result=results.append)
    assert outcomes == results
    return {o.key: o for o in outcomes}, attempts


def ids(recorder: Recorder) -> list[str]:
    return sorted(m["Message-ID"] for m in recorder.messages)


# --------------------------------------------------------------------------- happy paths


async def test_starttls_auth_batch_on_reused_connections(cert):
    recorder, port, server = await serve(cert)
    async with server:
        outcomes, _ = await run(settings(port, cert), [message(n) for n in range(30)])
    assert all(o.sent and o.attempts == 1 for o in outcomes.values()) and len(outcomes) == 30
    assert ids(recorder) == sorted(f"<msg{n}.checkin@example.com>" for n in range(30))
    assert recorder.connections == 2 and recorder.logins == [b"checkin", b"checkin"]
    received = next(m for m in recorder.messages if m["Message-ID"] == "<msg7.checkin@example.com>")
    assert received.get_content().replace("\r\n", "\n") == "Hej 7, åäö\n"
    assert received["To"] == "person7@example.com"


async def test_implicit_tls(cert):
    recorder, port, server = await serve(cert, mode="tls")
    async with server:
        outcomes, _ = await run(settings(port, cert, security="tls"), [message(1)])
    assert outcomes["key1"].sent and ids(recorder) == ["<msg1.checkin@example.com>"]


async def test_plain_without_login_on_loopback(cert):
    recorder, port, server = await serve(cert, mode="none")
    async with server:
        outcomes, _ = await run(settings(port, security="none", username=None), [message(1)],
                                password=None)
    assert outcomes["key1"].sent and len(recorder.messages) == 1


async def test_send_one_message_to_its_to_address(cert):
    recorder, port, server = await serve(cert)
    async with server:
        s = settings(port, cert)
        await outbox.send(message(3).message, s, password=PASSWORD)
    assert ids(recorder) == ["<msg3.checkin@example.com>"]


# --------------------------------------------------------------------------- security


async def test_starttls_required_but_not_offered_never_downgrades(cert):
    recorder, port, server = await serve(cert, mode="none")
    async with server:
        with pytest.raises(DeliveryError, match="STARTTLS") as raised:
            await run(settings(port, cert), [message(n) for n in range(5)])
    assert raised.value.permanent and recorder.messages == []


async def test_an_untrusted_certificate_stops_the_batch(cert):
    recorder, port, server = await serve(cert)
    async with server:
        with pytest.raises(DeliveryError, match="TLS"):
            await run(settings(port), [message(n) for n in range(5)],
                      context=ssl.create_default_context())  # no ca_file: not trusted
    assert recorder.messages == [] and recorder.logins == []


async def test_bad_password_stops_the_batch_after_one_login(cert):
    recorder, port, server = await serve(cert)
    async with server:
        with pytest.raises(AuthenticationError, match="refused the login") as raised:
            await run(settings(port, cert, max_connections=4), [message(n) for n in range(20)],
                      password="wrong")
    assert raised.value.code == 535
    assert recorder.logins == [b"checkin"] and recorder.messages == []


async def test_tls_context_trusts_ca_file_and_verifies(cert, tmp_path):
    context = outbox.batch_tls_context(settings(1, cert))
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    with pytest.raises(DeliveryError, match="ca_file"):
        outbox.batch_tls_context(settings(1, ca_file=tmp_path / "missing.pem"))


# --------------------------------------------------------------------------- failures


async def test_temporary_failures_are_retried_with_the_same_message(cert):
    recorder, port, server = await serve(cert)
    recorder.data_faults = ["451 4.7.1 try again later", "drop"]
    async with server:
        outcomes, attempts = await run(settings(port, cert, max_connections=1),
                                       [message(1), message(2)])
    assert outcomes["key1"].sent and outcomes["key1"].attempts == 3
    assert attempts[:3] == [("key1", 1), ("key1", 2), ("key1", 3)]
    assert ids(recorder) == ["<msg1.checkin@example.com>", "<msg2.checkin@example.com>"]


async def test_a_timeout_is_temporary(cert):
    recorder, port, server = await serve(cert)
    # 1 s is ~100x a loopback exchange (a busy machine never times out the healthy second
    # attempt); the stall is 3x it.
    recorder.data_faults = [("stall", 3.0)]
    async with server:
        outcomes, _ = await run(settings(port, cert, timeout=1.0, max_connections=1), [message(1)])
    assert outcomes["key1"].sent and outcomes["key1"].attempts == 2


async def test_temporary_failures_give_up_after_max_attempts(cert):
    recorder, port, server = await serve(cert)
    recorder.data_faults = ["452 4.3.1 mailbox full"] * 4
    async with server:
        outcomes, _ = await run(settings(port, cert, max_connections=1), [message(1), message(2)])
    first = outcomes["key1"]
    assert not first.sent and not first.permanent and first.attempts == 4 and first.code == 452
    assert outcomes["key2"].sent


async def test_permanent_refusal_fails_one_address_and_the_batch_goes_on(cert):
    recorder, port, server = await serve(cert)
    recorder.refuse["gone@example.com"] = "550 5.1.1 no such user"
    async with server:
        items = [message(1), message(2, "gone@example.com"), message(3)]
        outcomes, attempts = await run(settings(port, cert, max_connections=1), items)
    gone = outcomes["key2"]
    assert not gone.sent and gone.permanent and gone.refused and gone.code == 550
    assert gone.attempts == 1 and "no such user" in gone.error
    assert [a for a in attempts if a[0] == "key2"] == [("key2", 1)]
    assert ids(recorder) == ["<msg1.checkin@example.com>", "<msg3.checkin@example.com>"]


async def test_unreachable_server_stops_the_batch(unused_tcp_port_factory=None):
    s = settings(_closed_port(), security="none", username=None, max_attempts=2)
    with pytest.raises(DeliveryError, match="cannot reach"):
        await outbox.send_messages(s, [message(1)], password=None, tls_context=None, backoff=FAST)


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_items_are_consumed_lazily(cert):
    recorder, port, server = await serve(cert)
    produced: list[int] = []

    def lazily(count: int):
        for n in range(count):
            produced.append(n)
            yield message(n)

    seen: list[int] = []
    def record(outcome: outbox.Outcome) -> None:
        seen.append(len(produced))

    async with server:
        await outbox.send_messages(settings(port, cert, max_connections=2), lazily(10),
                                   password=PASSWORD, tls_context=outbox.batch_tls_context(
                                       settings(port, cert)), on_result=record, backoff=FAST)
    assert seen[0] <= 3  # the first result came before the generator was drained
    assert len(recorder.messages) == 10


async def test_wire_bytes_share_a_session_across_a_refusal(cert):
    recorder, port, server = await serve(cert)
    recorder.refuse["gone@example.com"] = "550 5.1.1 no such user"

    def raw(n: int, to: str) -> outbox.Outgoing:
        data = (f"From: checkin@example.com\r\nTo: {to}\r\nSubject: raw {n}\r\n"
                f"Message-ID: <raw{n}@example.com>\r\n\r\n.leading dot stays\r\n").encode()
        return outbox.Outgoing(f"raw{n}", data, to, "checkin@example.com")

    async with server:
        outcomes, _ = await run(settings(port, cert, max_connections=1),
                                [raw(1, "a@example.com"), raw(2, "gone@example.com"),
                                 raw(3, "b@example.com")])
    assert [outcomes[k].sent for k in ("raw1", "raw2", "raw3")] == [True, False, True]
    assert outcomes["raw2"].refused and recorder.connections == 1
    assert [m["Message-ID"] for m in recorder.messages] == ["<raw1@example.com>", "<raw3@example.com>"]
    assert recorder.messages[0].get_content().startswith(".leading dot stays")
