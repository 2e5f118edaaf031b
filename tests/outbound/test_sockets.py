"""Sockets.closed(): when it returns, the sessions' sockets are closed, whatever the server does."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import aiosmtplib
import pytest

from mailer.outbound.sockets import Sockets
from tests.mailstack import MailStack, make_certificate


def _socket_of(client: aiosmtplib.SMTP) -> object:
    assert client.transport is not None
    return client.transport.get_extra_info("socket")


async def test_a_quit_session_over_starttls_is_closed_on_return(stack: MailStack) -> None:
    client = aiosmtplib.SMTP(hostname=stack.host, port=stack.submission_port,
                             tls_context=stack.client_tls, timeout=10)
    await client.connect()  # STARTTLS on connect
    assert client.get_transport_info("sslcontext") is not None
    await client.login(stack.smtp_user, stack.smtp_password)
    sockets = Sockets()
    sockets.track(client)
    sock = _socket_of(client)

    await client.quit()  # aiosmtplib only starts the TLS shutdown here
    await sockets.closed()

    assert sock.fileno() == -1  # type: ignore[attr-defined]


@pytest.fixture()
def silent_tls_server(tmp_path: Path) -> Iterator[tuple[int, ssl.SSLContext]]:
    """Implicit TLS on loopback that greets, then never reads again (so it never answers the
    client's close_notify): the server a bounded wait exists for."""
    cert, key = make_certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    client_tls = ssl.create_default_context(cafile=str(cert))
    listener = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with server_tls.wrap_socket(conn, server_side=True) as tls:
            tls.sendall(b"220 silent ESMTP\r\n")
            done.wait(30)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], client_tls
    finally:
        done.set()
        thread.join(10)
        listener.close()


async def test_a_server_that_never_ends_its_tls_is_cut_after_the_bound(
        silent_tls_server: tuple[int, ssl.SSLContext]) -> None:
    port, client_tls = silent_tls_server
    client = aiosmtplib.SMTP(hostname="localhost", port=port, use_tls=True,
                             tls_context=client_tls, timeout=10)
    await client.connect()
    sockets = Sockets()
    sockets.track(client)
    sock = _socket_of(client)

    client.close()  # close_notify goes out; no answer ever comes
    await asyncio.sleep(0.05)
    assert sock.fileno() != -1  # type: ignore[attr-defined]  (what the bound is for)
    await sockets.closed(bound=0.1)

    assert sock.fileno() == -1  # type: ignore[attr-defined]
