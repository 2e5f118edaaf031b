"""Ending SMTP sessions for real: when :meth:`Sockets.closed` returns, their sockets are closed.

aiosmtplib's ``quit()`` and ``close()`` only *start* closing a TLS session: asyncio sends the
TLS close_notify and waits for the server's (RFC 8446 6.1) before it closes the socket. A
caller whose event loop ends right after (``mailer send``, ``mailer check --online``, a test)
leaves that socket open until the garbage collector finds it, with a ``ResourceWarning``, and
the server sees the connection reset instead of closed. :class:`Sockets` remembers the socket
of every session it is shown, and :meth:`Sockets.closed` waits, briefly, until each one is
closed, then cuts what is left.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiosmtplib

#: Seconds a closing session may take to finish its TLS shutdown before it is cut. A server
#: that never answers close_notify costs this once per batch, not once per message.
CLOSE_WAIT = 2.0
#: How often the wait looks (seconds): a loopback server answers in well under a millisecond.
_STEP = 0.002


class Sockets:
    """The sockets of the SMTP sessions one caller opened, until they are closed."""

    def __init__(self) -> None:
        self._open: list[tuple[asyncio.WriteTransport, Any]] = []

    def track(self, smtp: aiosmtplib.SMTP) -> None:
        """Remember ``smtp``'s socket; call it once the session is connected (after STARTTLS
        the transport is the TLS one, whose ``socket`` is the same underlying socket)."""
        transport = smtp.transport
        if isinstance(transport, asyncio.WriteTransport):  # TCP and TLS transports both are
            self._open.append((transport, transport.get_extra_info("socket")))

    async def end(self, smtp: aiosmtplib.SMTP | None) -> None:
        """QUIT ``smtp``'s session (or close it when it is not up, or the QUIT fails), then
        :meth:`closed`."""
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()
        elif smtp is not None:
            # Not connected as aiosmtplib sees it (a sign-in refused mid-handshake), but the
            # socket may still be open: close it, or it lingers until garbage collection.
            smtp.close()
        await self.closed()

    async def closed(self, bound: float = CLOSE_WAIT) -> None:
        """Return once every tracked socket is closed: wait up to ``bound`` seconds for the
        sessions to end on their own, then abort the rest (which closes them at once)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + bound
        while self._still_open() and loop.time() < deadline:
            await asyncio.sleep(_STEP)
        for transport, sock in self._open:
            if _is_open(sock):
                transport.abort()
        # abort() closes the socket in a callback of the next loop iteration.
        for _ in range(10):
            if not self._still_open():
                break
            await asyncio.sleep(0)
        self._open = [(t, s) for t, s in self._open if _is_open(s)]

    def _still_open(self) -> bool:
        return any(_is_open(sock) for _, sock in self._open)


def _is_open(sock: Any) -> bool:
    # asyncio's TransportSocket: fileno() is -1 once the socket is closed.
    return sock is not None and sock.fileno() != -1
