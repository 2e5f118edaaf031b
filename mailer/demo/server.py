"""An SMTP + IMAP server in the running event loop, on loopback, for ``mailer demo`` and tests.

SMTP is aiosmtpd's ``SMTP`` protocol on ``loop.create_server`` (port 0); IMAP is pymap's
in-memory ``dict`` backend, served by pymap's own ``IMAPServer`` on ``asyncio.start_server``.
Both offer STARTTLS with a throwaway self-signed certificate made at start (openssl CLI), so
the service's real TLS code paths run: SMTP refuses AUTH and mail before STARTTLS, and pymap
offers LOGIN only after it. An accepted message is appended to each recipient's pymap INBOX
the way an IMAP APPEND would be, so a client in IDLE on that folder wakes at once.

Nothing runs in a thread and nothing outlives :meth:`EmbeddedMailServer.aclose`: it stops both
listeners, closes every open connection and waits for their tasks.

Traps found in pymap 0.36.7 and worked around here:

* ``IMAPConfig`` hashes passwords with 500 000 rounds of PBKDF2 unless passlib is installed:
  ~0.3 s per LOGIN, every poll. Passwords here are throwaway, so they are kept in clear.
* the default ``cpu_subsystem`` is a ``ThreadPoolExecutor`` nobody shuts down; asyncio is used.
* the greeting calls ``socket.getfqdn()`` on every connection (a DNS lookup that can hang on
  a machine without a resolver); it is fixed to the configured host name.
* aiosmtpd 1.4.6 logs "Session.login_data is deprecated" at WARNING on every successful AUTH
  (its own code sets the attribute); a filter on its logger drops that one line while running.
* IDLE waits for the next change only, missing a delivery that came after the client's last
  command (see :class:`_MailboxData`).
* ``ProxyProtocolReader.get_callback`` starts each connection with an unreferenced
  ``create_task``; connections are started here instead, so they can be closed.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import ssl
import tempfile
import uuid
from contextlib import AsyncExitStack
from email.utils import format_datetime
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import Any, Self

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from proxyprotocol.noop import ProxyProtocolNoop
from proxyprotocol.result import ProxyResultLocal
from proxyprotocol.sock import SocketInfo
from pymap.backend.dict import Config as DictConfig
from pymap.backend.dict import DictBackend, Identity, Login
from pymap.backend.dict.filter import FilterSet
from pymap.backend.dict.mailbox import MailboxData, MailboxSet
from pymap.concurrent import Subsystem
from pymap.imap import IMAPServer
from pymap.parsing.message import AppendMessage
from pymap.parsing.specials.fetchattr import FetchRequirement
from pymap.selected import SelectedMailbox
from pymap.user import UserMetadata
from pysasl.hashing import Cleartext

from mailer.clock import Clock, utcnow
from mailer.errors import MailerError

__all__ = ["EmbeddedMailServer"]

HOST = "127.0.0.1"



class _DropLoginDataWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Session.login_data is deprecated")


_AIOSMTPD_LOG = logging.getLogger("mail.log")


class _Config(DictConfig):
    """pymap's dict-backend config with a fixed greeting (see the module docstring)."""

    def __init__(self, *args: Any, hostname: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._hostname = hostname

    @property
    def greeting(self) -> bytes:
        return b"Server ready " + self._hostname.encode("ascii")


class _MailboxData(MailboxData):
    """pymap's in-memory folder, with IDLE reporting what changed before it started.

    pymap's IDLE waits for the *next* change of the folder, so a message that arrives between
    a client's last command and its IDLE is announced only when something else happens (a
    poller that moves mail and then idles misses every other delivery). Dovecot, like RFC
    2177 expects, reports pending changes at once; so does this.
    """

    async def update_selected(self, selected: SelectedMailbox, *,
                              wait_on: Any = None) -> SelectedMailbox:
        if wait_on is not None and selected.mod_sequence != self._mod_sequences.highest:
            wait_on = None  # the client has not heard of a change yet: report it now
        return await super().update_selected(selected, wait_on=wait_on)


class _MailboxSet(MailboxSet):
    """An account's folders, each a :class:`_MailboxData`."""

    def __init__(self) -> None:
        super().__init__()
        self._inbox = _MailboxData(self._content_cache, self._thread_cache)

    async def add_mailbox(self, name: str) -> Any:
        async with self._set_lock.read_lock():
            if name in self._set:
                raise ValueError(name)
        async with self._set_lock.write_lock():
            self._set[name] = mbx = _MailboxData(self._content_cache, self._thread_cache)
            return mbx.mailbox_id


class _Handler:
    """aiosmtpd hooks: accept known recipients, deliver into their pymap INBOX."""

    def __init__(self, server: EmbeddedMailServer) -> None:
        self._server = server

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str,
        rcpt_options: list[str],
    ) -> str:
        if self._server.mailbox_of(address) is None:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope,
    ) -> str:
        content = envelope.original_content or b""
        for rcpt in envelope.rcpt_tos:
            trace = self._server.trace_headers(session, envelope, rcpt)
            await self._server.deliver(rcpt, trace + content)
        return "250 2.0.0 OK: queued"


class _SMTP(SMTP):
    """aiosmtpd's protocol, remembering its raw socket transport and its live set."""

    def __init__(self, *args: Any, live: set[_SMTP], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._live = live
        self._raw_transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Called again with the TLS transport after STARTTLS; the first one is the socket.
        if self._raw_transport is None:
            self._raw_transport = transport
            self._live.add(self)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self._live.discard(self)
        super().connection_lost(error)

    def abort(self) -> None:
        """Drop the socket now (a TLS close would wait for the client's close_notify)."""
        # The socket transport of loop.create_server is an asyncio.Transport (it has abort).
        if isinstance(self._raw_transport, asyncio.Transport):
            self._raw_transport.abort()


class EmbeddedMailServer:
    """SMTP (STARTTLS + AUTH required) and IMAP (STARTTLS) on free loopback ports.

    Use it as ``async with EmbeddedMailServer() as server:`` inside the running loop. Accounts
    are shared by both protocols; an address ``local+tag@domain`` is delivered to
    ``local@domain`` (RFC 5233 subaddressing), as the service's ``plus_tokens`` expects.

    :param cert_dir: where to write ``cert.pem`` and ``key.pem`` (kept); by default a
        temporary folder that :meth:`aclose` removes.
    :param clock: the time stamped on deliveries (INTERNALDATE, ``Received``); pass the
        demo's simulated clock so that messages arrive when the simulation says they do.
    :param hostname: the name both servers greet with and write in trace headers.
    """

    def __init__(
        self, *, cert_dir: Path | None = None, clock: Clock = utcnow,
        hostname: str = "localhost",
    ) -> None:
        self.hostname = hostname
        self.host = HOST
        self.smtp_port = 0
        self.imap_port = 0
        self._clock = clock
        self._cert_dir = cert_dir
        self._tmp_dir: Path | None = None
        self._passwords: dict[str, str] = {}
        self._stack = AsyncExitStack()
        self._smtp_protocols: set[_SMTP] = set()
        self._imap_tasks: dict[asyncio.Task[None], asyncio.WriteTransport] = {}
        self._login: Login | None = None
        self._config: _Config | None = None
        self._imap_server: IMAPServer | None = None
        self.delivered = 0

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Make the certificate, start both listeners; ports are known when this returns."""
        log_filter = _DropLoginDataWarning()
        _AIOSMTPD_LOG.addFilter(log_filter)
        self._stack.callback(_AIOSMTPD_LOG.removeFilter, log_filter)
        try:
            cert, key = await self._make_certificate()
            server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            server_tls.load_cert_chain(cert, key)
            await self._start_imap(server_tls)
            await self._start_smtp(server_tls)
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        """Stop listening, close every connection and wait for it; remove the temp folder."""
        await self._stack.aclose()
        if self._tmp_dir is not None:
            shutil.rmtree(self._tmp_dir, ignore_errors=True)
            self._tmp_dir = None

    @property
    def ca_file(self) -> Path:
        """The self-signed certificate (clients: ``create_default_context(cafile=)``)."""
        return self._cert_path / "cert.pem"

    @property
    def _cert_path(self) -> Path:
        folder = self._cert_dir or self._tmp_dir
        if folder is None:
            raise RuntimeError("the server is not started")
        return folder

    async def _make_certificate(self) -> tuple[Path, Path]:
        if self._cert_dir is None:
            self._tmp_dir = Path(tempfile.mkdtemp(prefix="mailer-demo-tls-"))
        folder = self._cert_path
        folder.mkdir(parents=True, exist_ok=True)
        cert, key = folder / "cert.pem", folder / "key.pem"
        openssl = shutil.which("openssl")
        if openssl is None:
            raise MailerError("the embedded mail server needs the openssl command for its "
                              "throwaway certificate (apt-get install openssl)")
        # An EC key: generating RSA-2048 costs 50-500 ms, P-256 about 5 ms.
        proc = await asyncio.create_subprocess_exec(
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", f"/CN={self.hostname}",
            "-addext", f"subjectAltName=DNS:{self.hostname},DNS:localhost,IP:{HOST}",
            "-keyout", str(key), "-out", str(cert),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await proc.communicate()
        if proc.returncode != 0:
            raise MailerError(f"openssl could not make the demo certificate: "
                              f"{stderr.decode(errors='replace').strip()[:200]}")
        key.chmod(0o600)
        return cert, key

    async def _start_imap(self, tls: ssl.SSLContext) -> None:
        config = _Config(
            _pymap_args(), host=HOST, port=0, hostname=self.hostname,
            demo_data=False, demo_user="", demo_password="",
            ssl_context=tls, tls_enabled=True, hash_context=Cleartext(),
            subsystem=Subsystem.for_asyncio(), cpu_subsystem=Subsystem.for_asyncio(),
            invalid_user_sleep=0.0, reject_dnsbl=False, proxy_protocol=ProxyProtocolNoop(),
        )
        self._config = config
        self._login = Login(config)
        self._imap_server = IMAPServer(DictBackend(self._login, config).login, config)
        server = await asyncio.start_server(self._imap_connection, HOST, 0)
        self._stack.push_async_callback(self._close_imap, server)
        self.imap_port = server.sockets[0].getsockname()[1]

    async def _imap_connection(self, reader: asyncio.StreamReader,
                               writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None and self._imap_server is not None
        self._imap_tasks[task] = writer.transport  # the raw socket, before any STARTTLS
        try:
            info = SocketInfo.get(writer, ProxyResultLocal(), unique_id=uuid.uuid4().bytes)
            await self._imap_server(reader, writer, info)
        except ConnectionError:
            pass  # the client went away mid-command: its problem, not the server's
        finally:
            self._imap_tasks.pop(task, None)

    async def _close_imap(self, server: asyncio.Server) -> None:
        server.close()
        await server.wait_closed()
        connections = dict(self._imap_tasks)
        for task in connections:
            task.cancel()  # pymap answers "* BYE" and closes the writer
        await asyncio.gather(*connections, return_exceptions=True)
        for raw in connections.values():
            # A TLS close waits up to 30 s for the peer's close_notify; a client blocked in
            # another thread never sends it, and the socket would outlive the loop.
            raw.abort()
        # An IDLE interrupted this way leaves pymap's own update task one step from its end.
        leftovers = [t for t in asyncio.all_tasks() if _is_pymap_task(t)]
        if leftovers:
            await asyncio.wait(leftovers, timeout=1.0)

    async def _start_smtp(self, tls: ssl.SSLContext) -> None:
        loop = asyncio.get_running_loop()
        handler = _Handler(self)

        def factory() -> _SMTP:
            return _SMTP(
                handler, hostname=self.hostname, tls_context=tls, require_starttls=True,
                auth_required=True, auth_require_tls=True, authenticator=self._authenticate,
                loop=loop, live=self._smtp_protocols,
            )

        server = await loop.create_server(factory, HOST, 0)
        self._stack.push_async_callback(self._close_smtp, server)
        self.smtp_port = server.sockets[0].getsockname()[1]

    async def _close_smtp(self, server: asyncio.Server) -> None:
        server.close()
        await server.wait_closed()
        protocols = list(self._smtp_protocols)
        handlers: list[asyncio.Task[None]] = []
        for protocol in protocols:
            if protocol.transport is not None:
                protocol.transport.close()
            # aiosmtpd keeps each session's task here and cancels it on connection_lost.
            task = getattr(protocol, "_handler_coroutine", None)
            if task is not None:
                handlers.append(task)
        if handlers:  # a client that answers the TLS close_notify ends its session here
            await asyncio.wait(handlers, timeout=1.0)
        for protocol in protocols:
            protocol.abort()  # connection_lost cancels the session task of the others
        for task in handlers:
            # ...unless the transport was already gone: then no connection_lost comes, and the
            # session would wait for a line forever (the demo hung at exit 1 run in ~15).
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        self._smtp_protocols.clear()

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                      mechanism: str, auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace").lower()
        password = auth_data.password.decode("utf-8", "replace")
        ok = self._passwords.get(login) == password
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

    # ------------------------------------------------------------------ accounts and mail

    async def add_user(self, email: str, password: str) -> None:
        """Create (or reset) an account for both SMTP AUTH and IMAP LOGIN."""
        if self._login is None or self._config is None:
            raise RuntimeError("the server is not started")
        email = email.lower()
        self._passwords[email] = password
        identity = Identity(email, self._login, None, frozenset())
        await identity.set(UserMetadata(self._config, email, password=password))
        # pymap makes an account's folders at its first session unless they exist already.
        self._config.set_cache.setdefault(email, (_MailboxSet(), FilterSet()))

    @property
    def users(self) -> frozenset[str]:
        return frozenset(self._passwords)

    def mailbox_of(self, address: str) -> str | None:
        """The account an envelope address delivers to, or None (``a+tag@d`` -> ``a@d``)."""
        local, _, domain = address.strip("<>").lower().rpartition("@")
        base = local.partition("+")[0]
        for candidate in (f"{local}@{domain}", f"{base}@{domain}"):
            if candidate in self._passwords:
                return candidate
        return None

    def trace_headers(self, session: Session, envelope: Envelope, rcpt: str) -> bytes:
        """What a receiving MTA prepends (RFC 5321 4.4, RFC 8601): the demo sees real headers."""
        login = session.auth_data if isinstance(session.auth_data, str) else None
        stamp = format_datetime(self._clock())
        lines = [
            f"Return-Path: <{envelope.mail_from or ''}>",
            f"Delivered-To: {rcpt.lower()}",
            f"Authentication-Results: {self.hostname}; "
            + (f"auth=pass smtp.auth={login}" if login else "auth=none"),
            f"Received: from {session.host_name or 'unknown'} (localhost [{HOST}])\r\n"
            f"\tby {self.hostname} (mailer embedded) with ESMTPSA id "
            f"{uuid.uuid4().hex[:12]}\r\n\tfor <{rcpt.lower()}>; {stamp}",
        ]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")

    async def deliver(self, address: str, raw: bytes) -> None:
        """Append a message to an account's INBOX as IMAP APPEND would (IDLE clients wake)."""
        user = self.mailbox_of(address)
        if user is None or self._login is None:
            raise KeyError(address)
        identity = Identity(user, self._login, None, frozenset())
        async with identity.new_session() as session:
            message = AppendMessage(raw, self._clock(), frozenset())
            await session.append_messages("INBOX", [message])
        self.delivered += 1

    async def folders(self, email: str) -> list[str]:
        """Every folder of an account, INBOX first."""
        if self._login is None:
            raise RuntimeError("the server is not started")
        identity = Identity(email.lower(), self._login, None, frozenset())
        async with identity.new_session() as session:
            tree = await session.mailbox_set.list_mailboxes()
            return [entry.name for entry in tree.list()]

    async def messages(self, email: str, folder: str = "INBOX") -> list[bytes]:
        """The raw messages of a folder in UID order, read through pymap (flags untouched)."""
        if self._login is None:
            raise RuntimeError("the server is not started")
        identity = Identity(email.lower(), self._login, None, frozenset())
        result: list[bytes] = []
        async with identity.new_session() as session:
            mailbox = await session.mailbox_set.get_mailbox(folder)
            async for message in mailbox.messages():
                loaded = await message.load_content(FetchRequirement.CONTENT)
                result.append(bytes(loaded))
        return result


def _pymap_args() -> Any:
    """The namespace pymap's config reads a few defaults from (it expects parsed arguments)."""
    return SimpleNamespace(passlib_cfg=None, proxy_protocol=None, inherited_sockets=None,
                     debug=False)


def _is_pymap_task(task: asyncio.Task[Any]) -> bool:
    coro = task.get_coro()
    return getattr(coro, "__qualname__", "").startswith("IMAPConnection.") and not task.done()
