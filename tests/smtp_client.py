"""Tests submit mail as a client would, and the session's socket is closed when they go on.

``aiosmtplib.send()`` signs in inside ``connect()``; when the server refuses, the TLS session it
opened has only begun to close (asyncio waits for the server's close_notify) as the exception
arrives. A test that ends then leaves the socket to the garbage collector, whose
``ResourceWarning`` (an error under ``filterwarnings = error``) fails whichever later test the
collector happens to run in. :func:`submit` does what ``send()`` does, with the session's socket
tracked by :class:`mailer.outbound.sockets.Sockets`, as the service's own sessions are.
"""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import aiosmtplib

from mailer.outbound.sockets import Sockets


async def submit(message: EmailMessage, *, hostname: str, port: int,
                 username: str | None = None, password: str | None = None,
                 start_tls: bool | None = None, tls_context: ssl.SSLContext | None = None,
                 recipients: list[str] | None = None, timeout: float = 10.0,
                 ) -> tuple[dict[str, aiosmtplib.SMTPResponse], str]:
    """``aiosmtplib.send(message, ...)`` with the same arguments and errors; returns once
    the session's socket is closed, whatever happened."""
    client = aiosmtplib.SMTP(hostname=hostname, port=port, start_tls=start_tls,
                             tls_context=tls_context, timeout=timeout)
    sockets = Sockets()
    try:
        await client.connect()
        sockets.track(client)
        if username is not None:
            await client.login(username, password or "")
        return await client.send_message(message, recipients=recipients)
    finally:
        await sockets.end(client)
