"""The IMAP mailbox behind a small protocol: imap-tools, synchronous, errors → MailboxError.

It owns the session with the service mailbox: connect with TLS or STARTTLS (certificates
verified, ``imap.ca_file`` trusted when set), list new UIDs with their sizes, fetch bodies in
bulk with ``BODY.PEEK[]`` (never marking anything seen), move messages to the processed and
quarantine folders (created when missing), delete anonymous feedback once it is stored (that
UID only), and wait for news with IDLE. Run it in a thread (``asyncio.to_thread``): imaplib
blocks.

Sign-in is LOGIN with a password, or (``imap.auth = "oauth2"``) AUTHENTICATE OAUTHBEARER
(RFC 7628) or XOAUTH2 with an access token; a refused token is renewed and tried once more
before the login counts as refused.
"""

from __future__ import annotations

import imaplib
import io
import logging
import re
import select
import socket
import ssl
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError, MailboxLoginError

from mailer.config.tokens import OAuthLogin
from mailer.errors import MailboxAuthError, MailboxError, TokenError
from mailer.models import ImapSettings
from mailer.outbound.sasl import Mechanism, abort_response, choose, initial_response
from mailer.tls import verifying_context

log = logging.getLogger("mailer.inbox")

#: RFC 2177 3: clients should re-issue IDLE at least every 29 minutes; stay well inside.
IDLE_MAX_SECONDS = 25 * 60
FETCH_CHUNK = 25


@dataclass(frozen=True)
class Envelope:
    uid: int
    size: int  # RFC822.SIZE, so a huge message is refused before its body is fetched
    internaldate: datetime


@dataclass(frozen=True)
class Fetched:
    uid: int
    raw: bytes


class Inbox(Protocol):
    """What the poller needs from a mailbox session (already connected, folder selected)."""

    idle_supported: bool

    def uidvalidity(self) -> int:
        """The selected folder's UIDVALIDITY, from the SELECT response (RFC 3501 7.1)."""
        ...

    def envelopes(self, *, after_uid: int) -> list[Envelope]: ...

    def fetch(self, uids: Sequence[int]) -> Iterator[Fetched]: ...

    def headers(self, uid: int) -> bytes: ...

    def move(self, uids: Sequence[int], folder: str) -> None: ...

    def delete(self, uids: Sequence[int]) -> None: ...

    def wait(self, timeout: float, *, wake_fd: int | None = None) -> bool: ...

    def close(self) -> None: ...


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """imap-tools, imaplib and socket errors become MailboxError (STYLE.md 5)."""
    try:
        yield
    except (ImapToolsError, imaplib.IMAP4.error, OSError, EOFError) as exc:
        detail = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise MailboxError(f"IMAP {what} failed: {detail}") from exc


class ImapInbox:
    """One logged-in session on ``settings.folder``. Use :meth:`open`."""

    def __init__(self, mailbox: MailBox | MailBoxStartTls | MailBoxUnencrypted,
                 settings: ImapSettings) -> None:
        self._mb = mailbox
        self._settings = settings
        self._delimiter = "/"
        self._uidvalidity = 0
        self._warned_expunge = False
        self.idle_supported = False
        self.signed_in_with = "LOGIN"  # or the SASL mechanism of an OAuth sign-in

    @classmethod
    def open(cls, settings: ImapSettings, password: str | OAuthLogin, *,
             context: ssl.SSLContext | None = None) -> ImapInbox:
        """Connect, log in, create the folders when missing and select the inbox folder.

        :param password: the password, or the token source for ``auth = "oauth2"``.
        """
        with _translated(f"connect to {settings.host}:{settings.port}"):
            if settings.security == "tls":
                mb: MailBox | MailBoxStartTls | MailBoxUnencrypted = MailBox(
                    settings.host, settings.port, timeout=settings.timeout,
                    ssl_context=context or verifying_context(settings.ca_file))
            elif settings.security == "starttls":
                mb = MailBoxStartTls(settings.host, settings.port, timeout=settings.timeout,
                                     ssl_context=context or verifying_context(settings.ca_file))
            else:
                mb = MailBoxUnencrypted(settings.host, settings.port, timeout=settings.timeout)
        inbox = cls(mb, settings)
        try:
            try:
                if isinstance(password, OAuthLogin):
                    inbox.signed_in_with = _sign_in_oauth(mb, password, settings)
                else:
                    with _translated("login"):
                        mb.login(settings.username, password, initial_folder=None)
            except MailboxError as exc:
                # imap-tools raises MailboxLoginError for a NO to LOGIN (RFC 3501 6.2.3);
                # a dropped connection during login stays an ordinary MailboxError.
                if isinstance(exc.__cause__, MailboxLoginError):
                    raise MailboxAuthError(f"{exc} (user {settings.username})") from exc.__cause__
                raise
            inbox._after_login()
        except BaseException:
            inbox.close()
            raise
        return inbox

    def _after_login(self) -> None:
        with _translated("setup"):
            # Dovecot announces MOVE and IDLE only after login, and imaplib keeps the
            # pre-login list: without a refresh imap-tools falls back to COPY + EXPUNGE.
            typ, data = self._mb.client.capability()
            if typ == "OK" and data and data[-1]:
                self._mb.client.capabilities = tuple(data[-1].decode().upper().split())
            self.idle_supported = "IDLE" in self._mb.client.capabilities
            self._delimiter = self._hierarchy_delimiter()
            for folder in (self._settings.processed_folder, self._settings.quarantine_folder):
                if not self._mb.folder.exists(self._server_name(folder)):
                    self._mb.folder.create(self._server_name(folder))
            # Its own message: the server's words for a missing folder vary, the key does not.
            with _translated(f"select of imap.folder {self._settings.folder!r}"):
                self._mb.folder.set(self._server_name(self._settings.folder))
            _, data = self._mb.client.response("UIDVALIDITY")
            if not data or not data[-1]:
                raise MailboxError("the server sent no UIDVALIDITY for the folder")
            self._uidvalidity = int(data[-1])

    def _hierarchy_delimiter(self) -> str:
        """RFC 3501 6.3.8: LIST "" "" returns the delimiter. Dovecot's Maildir++ uses ".",
        Exchange and Gmail "/"; the config always writes "/"."""
        typ, data = self._mb.client.list('""', '""')
        first = data[0] if typ == "OK" and data else None
        found = re.search(rb'\) "(.)"', first) if isinstance(first, bytes) else None
        return found.group(1).decode() if found else "/"

    def _server_name(self, folder: str) -> str:
        return folder.replace("/", self._delimiter) if self._delimiter else folder

    def uidvalidity(self) -> int:
        with _translated("UIDVALIDITY"):
            _, data = self._mb.client.response("UIDVALIDITY")
            if data and data[0]:
                self._uidvalidity = int(data[0])
            value = getattr(self, "_uidvalidity", None)
            if value is None:
                status = self._mb.folder.status(self._settings.folder, ["UIDVALIDITY"])
                value = status["UIDVALIDITY"]
                self._uidvalidity = value
            return int(value)

    def envelopes(self, *, after_uid: int) -> list[Envelope]:
        """Messages with a UID above ``after_uid``, oldest first, with size and arrival time."""
        with _translated("search"):
            # Dovecot: the first UID SEARCH after a delivery into the selected folder can miss
            # it; NOOP first makes the server report the new message.
            self._mb.client.noop()
            typ, data = self._mb.client.uid("SEARCH", f"UID {after_uid + 1}:*")
            if typ != "OK":
                raise MailboxError(f"IMAP search failed: {data!r}"[:200])
            # The search saw everything announced so far; an EXISTS from here on is news.
            self._mb.client.untagged_responses.pop("EXISTS", None)
            # "n:*" always includes the highest UID, even when it is below n (RFC 3501 6.4.8).
            uids = sorted(u for u in map(int, (data[0] or b"").split()) if u > after_uid)
            if not uids:
                return []
            typ, data = self._mb.client.uid(
                "FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE INTERNALDATE)")
            if typ != "OK":
                raise MailboxError(f"IMAP fetch failed: {data!r}"[:200])
        return sorted(filter(None, map(_envelope, data)), key=lambda e: e.uid)

    def fetch(self, uids: Sequence[int]) -> Iterator[Fetched]:
        """The whole messages, in bulk chunks, with BODY.PEEK[] (the \\Seen flag stays off)."""
        for start in range(0, len(uids), FETCH_CHUNK):
            chunk = uids[start:start + FETCH_CHUNK]
            with _translated("fetch"):
                typ, data = self._mb.client.uid("FETCH", ",".join(map(str, chunk)),
                                                "(UID BODY.PEEK[])")
                if typ != "OK":
                    raise MailboxError(f"IMAP fetch failed: {data!r}"[:200])
            by_uid = {}
            for item in data:
                if isinstance(item, tuple):
                    found = re.search(rb"UID (\d+)", item[0])
                    if found:
                        by_uid[int(found.group(1))] = item[1]
            for uid in chunk:
                if uid in by_uid:
                    yield Fetched(uid, by_uid[uid])

    def headers(self, uid: int) -> bytes:
        with _translated("fetch headers"):
            typ, data = self._mb.client.uid("FETCH", str(uid), "(UID BODY.PEEK[HEADER])")
        parts = [item[1] for item in data if isinstance(item, tuple)] if typ == "OK" else []
        return parts[0] if parts else b""

    def move(self, uids: Sequence[int], folder: str) -> None:
        if uids:
            with _translated(f"move to {folder}"):
                self._mb.move([str(u) for u in uids], self._server_name(folder))

    def delete(self, uids: Sequence[int]) -> None:
        """Delete these messages and no other: ``\\Deleted`` then ``UID EXPUNGE`` of exactly
        these UIDs (RFC 4315 2.1) where the server offers UIDPLUS (Dovecot, Gmail and Exchange
        do, after login). A plain EXPUNGE (RFC 3501 6.4.3), the only way without it, would also
        remove any message someone else had marked deleted in the folder, as imap-tools'
        ``delete()`` does; without UIDPLUS the messages are flagged and expunged that way, and
        the log says so once per session.
        """
        if not uids:
            return
        listed = ",".join(map(str, uids))
        with _translated("delete"):
            typ, data = self._mb.client.uid("STORE", listed, "+FLAGS.SILENT", r"(\Deleted)")
            if typ != "OK":
                raise MailboxError(f"IMAP store of \\Deleted failed: {data!r}"[:200])
            if "UIDPLUS" in self._mb.client.capabilities:
                typ, data = self._mb.client.uid("EXPUNGE", listed)
            else:
                if not self._warned_expunge:
                    log.warning("the IMAP server lacks UIDPLUS (RFC 4315): deleting feedback "
                                "with a plain EXPUNGE, which also removes other messages "
                                "marked deleted in %s", self._settings.folder)
                    self._warned_expunge = True
                typ, data = self._mb.client.expunge()
            if typ != "OK":
                raise MailboxError(f"IMAP expunge failed: {data!r}"[:200])

    def wait(self, timeout: float, *, wake_fd: int | None = None) -> bool:
        """Wait up to ``timeout`` seconds for news: True when the server said something.

        IDLE with ``select`` on the socket rather than imap-tools' ``idle.wait``, which polls
        a zero-timeout socket and breaks on servers that answer in pieces (MAILSTACK.md).
        ``wake_fd`` (a pipe) ends the wait early when the service stops.
        """
        extra = [wake_fd] if wake_fd is not None else []
        timeout = min(timeout, IDLE_MAX_SECONDS)
        if not self.idle_supported:
            return bool(select.select(extra, [], [], timeout)[0]) if extra else _sleep(timeout)
        if self._mb.client.untagged_responses.pop("EXISTS", None):
            # A delivery announced during our last FETCH or MOVE: the server will not
            # announce it again in IDLE (RFC 3501 7.3.1), so look now.
            return True
        responses = self._mb.client.untagged_responses
        with _translated("IDLE"):
            responses.pop("NO", None)  # a warning from before this wait is old news
            # imap-tools' IdleManager.start/stop carry no annotations (imap-tools 1.16).
            self._mb.idle.start()  # type: ignore[no-untyped-call]
            try:
                watched: list[socket.socket | int] = [self._mb.client.sock, *extra]
                ready = watched[:1] if self._buffered() else select.select(
                    watched, [], [], timeout)[0]
            finally:
                self._mb.idle.stop()  # type: ignore[no-untyped-call]
        if warning := responses.pop("NO", None):
            # Dovecot answers every IDLE on a folder deleted and made again under the session
            # (a new UIDVALIDITY) with "* NO Internal error" at once, and never recovers: the
            # poller would wake, find nothing and IDLE again, dozens of times a second. A new
            # session sees the new folder.
            last = warning[-1]
            raw = last[0] if isinstance(last, tuple) else last  # (line, literal) with a literal
            text = " ".join(raw.decode("utf-8", "replace").split())[:200]
            raise MailboxError(f"IMAP IDLE: the server reported a problem: {text}")
        return self._mb.client.sock in ready

    def _buffered(self) -> bool:
        """True when news already sits in imaplib's read buffer (or the TLS layer's).

        A message delivered just before IDLE makes Dovecot send "* n EXISTS" right behind
        "+ idling"; imaplib reads both in one go, and select() on the socket then waits for
        nothing. Peek without blocking instead.
        """
        reader = self._mb.client.file
        if not isinstance(reader, io.BufferedReader):  # imaplib opens it with makefile("rb")
            return False
        sock = self._mb.client.sock
        previous = sock.gettimeout()
        sock.settimeout(0)
        try:
            return bool(reader.peek(1))
        except (OSError, ValueError):  # nothing to read now (EAGAIN, SSL want-read)
            return False
        finally:
            sock.settimeout(previous)

    def close(self) -> None:
        try:
            self._mb.logout()
        except (ImapToolsError, imaplib.IMAP4.error, OSError, EOFError):
            try:
                self._mb.client.shutdown()
            except (OSError, imaplib.IMAP4.error):
                pass


def _sign_in_oauth(mb: MailBox | MailBoxStartTls | MailBoxUnencrypted, login: OAuthLogin,
                   settings: ImapSettings) -> Mechanism:
    """AUTHENTICATE with a token; a refused one is renewed and tried once more.

    :raises MailboxAuthError: refused twice, or the provider refused to give a token.
    :raises MailboxError: the connection failed, or the server offers no such mechanism.
    """
    offered = {c.upper()[5:] for c in mb.client.capabilities if c.upper().startswith("AUTH=")}
    mechanism = choose(offered)
    if mechanism is None:
        raise MailboxError(f"the IMAP server {settings.host} offers no AUTHENTICATE XOAUTH2 or "
                           "OAUTHBEARER; check imap.security and imap.auth")
    token = _token(login.tokens.get, login.user)
    try:
        _authenticate(mb, mechanism, login.user, token, settings)
    except MailboxAuthError:
        token = _token(lambda user: login.tokens.renew(user, token), login.user)
        _authenticate(mb, mechanism, login.user, token, settings)
    return mechanism


def _token(fetch: Callable[[str], str], user: str) -> str:
    try:
        return fetch(user)
    except TokenError as exc:
        if exc.permanent:
            raise MailboxAuthError(f"no OAuth token for {user}: {exc}") from exc
        raise MailboxError(f"no OAuth token for {user}: {exc}") from exc


def _authenticate(mb: MailBox | MailBoxStartTls | MailBoxUnencrypted, mechanism: Mechanism,
                  user: str, token: str, settings: ImapSettings) -> None:
    first = initial_response(mechanism, user, token, host=settings.host, port=settings.port)
    answers = iter((first, abort_response(mechanism)))

    def respond(_challenge: bytes) -> bytes:
        # imaplib calls this for every "+" from the server: first the initial response,
        # then (after an error challenge, RFC 7628 3.2.2) the answer that ends the exchange.
        # imap-tools' own xoauth2() would send the token a second time instead.
        return next(answers, b"")

    try:
        mb.client.authenticate(mechanism, respond)
    except imaplib.IMAP4.abort as exc:  # the connection broke: not a refusal
        raise MailboxError(f"IMAP login failed: {_detail(exc)}") from exc
    except imaplib.IMAP4.error as exc:  # NO or BAD to AUTHENTICATE (RFC 3501 6.2.2)
        raise MailboxAuthError(f"the IMAP server {settings.host} refused the OAuth token "
                               f"({mechanism}) of {user}: {_detail(exc)}") from exc
    except OSError as exc:
        raise MailboxError(f"IMAP login failed: {_detail(exc)}") from exc


def _detail(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _sleep(timeout: float) -> bool:
    select.select([], [], [], timeout)
    return False


_ENVELOPE_RE = re.compile(
    rb'UID (?P<uid>\d+)|RFC822\.SIZE (?P<size>\d+)|INTERNALDATE (?P<date>"[^"]+")')


def _envelope(item: object) -> Envelope | None:
    if not isinstance(item, bytes):
        return None
    values: dict[str, bytes] = {}
    for match in _ENVELOPE_RE.finditer(item):
        values.update({k: v for k, v in match.groupdict().items() if v is not None})
    if "uid" not in values:
        return None
    return Envelope(int(values["uid"]), int(values.get("size", b"0")),
                    _internaldate(values.get("date", b"").strip(b'"').decode("ascii", "replace")))


def _internaldate(text: str) -> datetime:
    """RFC 3501 date-time ("28-Nov-2025 00:44:00 +0000"); now when the server sent none."""
    try:
        return datetime.strptime(text.strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return datetime.now(UTC)
