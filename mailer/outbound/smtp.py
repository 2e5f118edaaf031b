"""SMTP delivery over aiosmtplib: batches on a few reused connections, retries, error translation.

Generic: it sends :class:`Outgoing` messages and reports an :class:`Outcome` per message; it
knows nothing of slots or the ledger (the caller records state in ``on_attempt``/``on_result``).

* one TLS context for the whole batch (:func:`batch_tls_context`): building one per connection, as
  ``cert_bundle=`` does, costs 20x (MAILSTACK.md), and verification always stays on;
* ``security``: "tls" is implicit TLS (RFC 8314), "starttls" requires the upgrade (RFC 3207;
  a server that does not offer it is an error, never a silent plain-text downgrade), "none" is
  plain (config validation allows it on loopback only);
* at most ``smtp.max_connections`` connections, each reused for many messages, and no more
  than ``smtp.max_per_minute`` messages in any minute (:mod:`mailer.outbound.pacing`);
* a 4xx reply, a dropped connection or a timeout is retried with exponential backoff and
  jitter up to ``smtp.max_attempts``; a 5xx reply fails that message only;
* a throttling reply (:func:`throttling`: ``432``, ``4xx 4.7.x``, Exchange's
  ``SubmissionQuotaExceeded``) fails nothing: the message goes back in the queue and every
  connection waits a minute; a ``432`` to a new connection closes that one for the batch
  (the server allows fewer than we opened);
* a refused login (535) or an unverifiable certificate stops the whole batch at once: retrying
  a bad password locks accounts, and every later message would fail the same way. With
  ``auth = "oauth2"`` a refused token is renewed and tried once more first (it may have been
  revoked or expired early).

aiosmtplib errors are translated here into :class:`~mailer.errors.DeliveryError` and
:class:`~mailer.errors.AuthenticationError`; nothing above this module sees them.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import random
import re
import socket
import ssl
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import aiosmtplib

from mailer.addressing import header_addresses, is_valid_address
from mailer.config.secrets import smtp_password
from mailer.config.tokens import OAuthLogin
from mailer.errors import AuthenticationError, DeliveryError, TokenError
from mailer.models import SmtpSettings
from mailer.outbound.pacing import Pacer, Timing
from mailer.outbound.sasl import Mechanism, abort_response, choose, initial_response
from mailer.outbound.sockets import Sockets
from mailer.tls import verifying_context

#: A batch gives up (the rest stays due) after this many throttling replies.
MAX_THROTTLES = 20


@dataclass(frozen=True)
class Outgoing:
    """One message for one recipient; ``key`` is the caller's (a slot key, a confirmation id).

    ``message`` may be the wire form already (:func:`mailer.outbound.compose.build_raw`): flattening
    an ``EmailMessage`` costs more CPU than sending it.
    """

    key: str
    message: EmailMessage | bytes
    recipient: str
    sender: str  # the envelope sender (MAIL FROM)


@dataclass(frozen=True)
class Outcome:
    key: str
    recipient: str
    sent: bool
    attempts: int
    error: str | None = None
    code: int | None = None
    permanent: bool = False
    #: The server refused this address itself (5xx to RCPT or DATA): worth marking as failing.
    refused: bool = False
    #: Not sent because the server was throttling: due again, nothing wrong with it.
    throttled: bool = False


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with "equal jitter": half the delay fixed, half random."""

    base: float = 1.0
    factor: float = 2.0
    cap: float = 60.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.cap, self.base * self.factor ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class _Failure:
    error: DeliveryError
    fatal: bool = False  # stops the batch
    refused: bool = False
    dropped: bool = False  # the server closed the session
    throttled: bool = False  # "wait and retry later": not a failure of the message


AttemptHook = Callable[[Outgoing, int], None]
ResultHook = Callable[[Outcome], None]


def batch_tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """The one verifying TLS context of a batch, trusting ``smtp.ca_file`` too when set."""
    try:
        return verifying_context(settings.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise DeliveryError(f"smtp.ca_file {settings.ca_file}: cannot load it: {exc}",
                            permanent=True) from exc


# --------------------------------------------------------------------------- error translation


def _code_failure(code: int, message: str, what: str, *, refused: bool = False) -> _Failure:
    permanent = 500 <= code < 600
    text = f"{what}: {code} {message}".strip()
    return _Failure(DeliveryError(text, code=code, permanent=permanent),
                    refused=refused and permanent)


_STATUS_RE = re.compile(r"^4\.7\.(\d{1,3})\b")


def throttling(code: int, message: str) -> bool:
    """True for a reply that means "too much, too fast: come back later".

    ``432`` (Exchange Online: "4.3.2 Concurrent connections limit exceeded"); ``421`` with
    an enhanced status 4.7.x (RFC 3463 policy; Gmail's "421 4.7.0 Try again later"); any 4xx
    with 4.7.500-4.7.699, Exchange's throttling range ("451 4.7.500 Server busy"); and
    Exchange's rate and daily limits, which it reports as "554 5.2.0 STOREDRV.Submission.
    Exception:SubmissionQuotaExceededException" although waiting is all that helps. Other
    4.7.x replies (greylisting's "451 4.7.1") are ordinary temporary failures.
    """
    if code == 432:
        return True
    status = _STATUS_RE.match(message.strip())
    if status and (code == 421 or (400 <= code < 500 and 500 <= int(status[1]) < 700)):
        return True
    return "SubmissionQuotaExceeded" in message


def classify_failure(exc: BaseException, settings: SmtpSettings) -> _Failure:
    """What a failure means for the message and the batch (see the module docstring)."""
    where = f"{settings.host}:{settings.port}"
    if isinstance(exc, TokenError):
        what = f"no OAuth token for {settings.username!r}: {exc}"
        return _Failure(AuthenticationError(what) if exc.permanent else DeliveryError(what),
                        fatal=True)
    if isinstance(exc, aiosmtplib.SMTPResponseException) and throttling(exc.code, exc.message):
        return _Failure(DeliveryError(f"{where} is throttling: {exc.code} {exc.message}",
                                      code=exc.code), throttled=True)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError) and exc.code >= 500:
        hint = ("the app's permission on the mailbox (docs/providers.md); it was tried with a "
                "renewed token too" if settings.auth == "oauth2"
                else "the password, nothing was retried")
        return _Failure(AuthenticationError(
            f"the SMTP server {where} refused the login of {settings.username!r} ({exc.code} "
            f"{exc.message}); check {hint}", code=exc.code), fatal=True)
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        first = exc.recipients[0]
        if throttling(first.code, first.message):
            return _Failure(DeliveryError(f"{where} is throttling: {first.code} "
                                          f"{first.message}", code=first.code), throttled=True)
        return _code_failure(first.code, first.message, f"recipient {first.recipient} refused",
                             refused=True)
    if isinstance(exc, aiosmtplib.SMTPDataError):
        return _code_failure(exc.code, exc.message, "message refused", refused=True)
    if isinstance(exc, aiosmtplib.SMTPConnectResponseError) and exc.code >= 500:
        return _Failure(DeliveryError(f"{where} refuses service: {exc.code} {exc.message}",
                                      code=exc.code, permanent=True), fatal=True)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _code_failure(exc.code, exc.message, f"{where} answered")
    cause = exc.__cause__ if isinstance(exc, aiosmtplib.SMTPConnectError) else exc
    if isinstance(cause, ssl.SSLError):  # includes certificate verification failures
        return _Failure(DeliveryError(f"TLS with {where} failed: {cause}; check smtp.ca_file "
                                      "and the server certificate", permanent=True), fatal=True)
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return _Failure(DeliveryError(f"{where}: {exc}", permanent=True))
    if isinstance(exc, (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError,
                        aiosmtplib.SMTPConnectError, OSError)):
        return _Failure(DeliveryError(f"{where}: {exc or type(exc).__name__}"),
                        dropped=isinstance(exc, aiosmtplib.SMTPServerDisconnected))
    # What remains is aiosmtplib refusing to go on, e.g. STARTTLS required but not offered.
    return _Failure(DeliveryError(f"{where}: {exc}", permanent=True), fatal=True)


# --------------------------------------------------------------------------- connections


async def sign_in_oauth(smtp: aiosmtplib.SMTP, login: OAuthLogin) -> Mechanism:
    """AUTH with an access token; a refused token is renewed and tried once more.

    :returns: the mechanism used. :raises aiosmtplib.SMTPAuthenticationError: refused twice.
    :raises TokenError: no token could be had.
    """
    if smtp.is_ehlo_or_helo_needed:
        await smtp.ehlo()
    mechanism = choose({m.upper() for m in smtp.server_auth_methods})
    if mechanism is None:
        raise aiosmtplib.SMTPException("the server offers no AUTH XOAUTH2 or OAUTHBEARER (is "
                                       "STARTTLS or TLS configured?)")
    token = await asyncio.to_thread(login.tokens.get, login.user)
    try:
        await _sasl(smtp, mechanism, login.user, token)
    except aiosmtplib.SMTPAuthenticationError as exc:
        if exc.code < 500:
            raise
        token = await asyncio.to_thread(login.tokens.renew, login.user, token)
        await _sasl(smtp, mechanism, login.user, token)
    return mechanism


async def _sasl(smtp: aiosmtplib.SMTP, mechanism: Mechanism, user: str, token: str) -> None:
    first = initial_response(mechanism, user, token, host=smtp.hostname or "",
                             port=smtp.port or 0)
    reply = await smtp.execute_command(b"AUTH", mechanism.encode(), base64.b64encode(first))
    if reply.code == 334:  # the error challenge: answer it to get the verdict (RFC 7628 3.2.3)
        reply = await smtp.execute_command(base64.b64encode(abort_response(mechanism)))
    if reply.code != 235:
        raise aiosmtplib.SMTPAuthenticationError(reply.code, reply.message)


class _Connection:
    """One reusable SMTP session; connects on first use and after any failure."""

    def __init__(self, settings: SmtpSettings, login: str | OAuthLogin | None,
                 context: ssl.SSLContext | None, local_hostname: str) -> None:
        self.settings, self.login, self.context = settings, login, context
        self.local_hostname = local_hostname
        self.smtp: aiosmtplib.SMTP | None = None
        self.sent = 0  # messages sent on the current session
        self.signed_in_with = "no login"  # the SASL mechanism of the last sign-in
        self.sockets = Sockets()  # every session's socket, closed for sure by close()

    async def ensure(self) -> None:
        if self.smtp is not None and self.smtp.is_connected:
            return
        s = self.settings
        self.smtp = aiosmtplib.SMTP(
            hostname=s.host, port=s.port, timeout=s.timeout, local_hostname=self.local_hostname,
            use_tls=s.security == "tls", start_tls=s.security == "starttls",
            tls_context=self.context if s.security != "none" else None)
        self.sent = 0
        await self.smtp.connect()
        self.sockets.track(self.smtp)
        if isinstance(self.login, OAuthLogin):
            self.signed_in_with = await sign_in_oauth(self.smtp, self.login)
        elif s.username is not None and self.login is not None:
            self.signed_in_with = await self._login(self.smtp, s.username, self.login)
        if self.smtp.is_ehlo_or_helo_needed:
            await self.smtp.ehlo()

    @staticmethod
    async def _login(smtp: aiosmtplib.SMTP, username: str, password: str) -> str:
        """Log in with the one best mechanism both sides know.

        aiosmtplib's ``login()`` tries every mechanism in turn after a refusal, which turns one
        wrong password into several failed logins (and locks accounts sooner).
        """
        if smtp.is_ehlo_or_helo_needed:
            await smtp.ehlo()
        methods = [m for m in smtp.supported_auth_methods if m in ("plain", "login", "cram-md5")]
        if not methods:
            raise aiosmtplib.SMTPException("the server offers no AUTH PLAIN, LOGIN or CRAM-MD5"
                                           " (is STARTTLS or TLS configured?)")
        await getattr(smtp, "auth_" + methods[0].replace("-", ""))(username, password)
        return methods[0].upper()

    async def send(self, item: Outgoing) -> None:
        assert self.smtp is not None
        if not isinstance(item.message, bytes):
            await self.smtp.send_message(item.message, sender=item.sender,
                                         recipients=[item.recipient])
        elif is_valid_address(item.sender) and is_valid_address(item.recipient):
            await self._transaction(self.smtp, item, item.message)
        else:  # let aiosmtplib quote what our strict shape does not cover
            await self.smtp.sendmail(item.sender, [item.recipient], item.message)
        self.sent += 1

    async def _transaction(self, smtp: aiosmtplib.SMTP, item: Outgoing, raw: bytes) -> None:
        """MAIL, RCPT and DATA for one recipient (RFC 5321 3.3), as ``sendmail()`` does them,
        without its re-parsing of both addresses (``email.utils.parseaddr``: a seventh of a
        batch's CPU). The addresses passed :func:`is_valid_address`: nothing to quote."""
        reply = await smtp.execute_command(b"MAIL", f"FROM:<{item.sender}>".encode("ascii"))
        if reply.code != 250:
            raise aiosmtplib.SMTPSenderRefused(reply.code, reply.message, item.sender)
        reply = await smtp.execute_command(b"RCPT", f"TO:<{item.recipient}>".encode("ascii"))
        if reply.code not in (250, 251):
            try:  # the session goes on with the next message: clear this envelope
                await smtp.rset()
            except (aiosmtplib.SMTPException, OSError):
                self.drop()
            raise aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(reply.code, reply.message, item.recipient)])
        await smtp.data(raw)

    def drop(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
        self.smtp = None

    async def close(self) -> None:
        """QUIT the current session, and return once the socket of every session this
        connection opened (dropped ones too) is closed."""
        smtp, self.smtp = self.smtp, None
        await self.sockets.end(smtp)


# --------------------------------------------------------------------------- the batch


@dataclass
class _Batch:
    settings: SmtpSettings
    items: Iterator[Outgoing] | AsyncIterator[Outgoing]
    on_attempt: AttemptHook | None
    on_result: ResultHook | None
    backoff: Backoff
    pacer: Pacer
    rng: random.Random = field(default_factory=random.Random)
    outcomes: list[Outcome] = field(default_factory=list)
    fatal: DeliveryError | None = None
    #: Set after the first login attempt: the other connections wait for it, so a wrong
    #: password is tried once, not once per connection.
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    #: Messages a throttling reply sent back, tried again before new ones.
    again: deque[Outgoing] = field(default_factory=deque)
    throttles: int = 0
    connections: int = 0  # workers still sending
    taking: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def next_item(self) -> Outgoing | None:
        if self.fatal is not None:
            return None
        if self.again:
            return self.again.popleft()
        if isinstance(self.items, AsyncIterator):
            async with self.taking:  # one worker at a time may resume an async generator
                return await anext(self.items, None)
        return next(self.items, None)

    def report(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if self.on_result is not None:
            self.on_result(outcome)

    def throttled(self, item: Outgoing, failure: _Failure, *, pause: bool = True) -> None:
        """Back in the queue; every connection waits a minute (``pause``). Too many: the batch
        stops, and what is left stays due (nothing failed)."""
        self.again.appendleft(item)
        self.throttles += 1
        if pause:
            self.pacer.pause()
        if self.throttles >= MAX_THROTTLES and self.fatal is None:
            self.fatal = DeliveryError(
                f"the server kept throttling ({self.throttles} times, last: {failure.error}); "
                "the rest stays due for the next run", code=failure.error.code)

    def leftovers(self) -> None:
        """The messages a stopped batch took back from a throttling reply: still due."""
        while self.again:
            item = self.again.popleft()
            self.report(Outcome(item.key, item.recipient, False, 0,
                                error=str(self.fatal or "not sent"), throttled=True))


async def _attempt(conn: _Connection, item: Outgoing, settings: SmtpSettings
                   ) -> tuple[_Failure | None, bool]:
    """One try: (failure or None, whether it failed before a session existed)."""
    try:
        await conn.ensure()
    except (aiosmtplib.SMTPException, OSError, TokenError) as exc:
        conn.drop()
        return classify_failure(exc, settings), True
    try:
        await conn.send(item)
    except (aiosmtplib.SMTPException, OSError) as exc:
        failure = classify_failure(exc, settings)
        if not isinstance(exc, aiosmtplib.SMTPRecipientsRefused) or failure.throttled:
            conn.drop()  # after a drop, timeout or odd reply, a fresh session is the safe state
        return failure, False
    return None, False


class _Retire(Exception):
    """This connection is one too many for the server (432 to a new one): close it."""


async def _deliver(batch: _Batch, conn: _Connection, item: Outgoing) -> Outcome | None:
    """Send one message with retries; None when a throttling reply put it back in the queue.

    :raises DeliveryError: the batch must stop. :raises _Retire: see there.
    """
    settings, failure = batch.settings, None
    for attempt in range(1, settings.max_attempts + 1):
        if batch.on_attempt is not None:
            batch.on_attempt(item, attempt)
        reused = conn.sent > 0
        slot = await batch.pacer.acquire()
        try:
            failure, connecting = await _attempt(conn, item, settings)
        finally:
            batch.pacer.release(slot)
        batch.ready.set()
        if failure is None:
            return Outcome(item.key, item.recipient, True, attempt)
        if failure.throttled:
            # A 432 to a new connection says "one connection too many", not "too fast": the
            # others go on at full pace and this one closes for the rest of the batch.
            retire = connecting and failure.error.code == 432 and batch.connections > 1
            batch.throttled(item, failure, pause=not retire)
            if retire:
                raise _Retire
            return None
        stop = failure.error if failure.fatal else None
        if stop is None and failure.error.permanent:
            return _failed(item, attempt, failure)
        if stop is None and connecting and attempt == settings.max_attempts:
            stop = DeliveryError(f"cannot reach the SMTP server: {failure.error}")
        if stop is not None:
            if connecting:  # no session yet, so nothing was sent: the caller keeps it due
                batch.report(Outcome(item.key, item.recipient, False, attempt,
                                     error=str(stop), code=stop.code))
            raise stop
        # A session the server closed between two messages is reopened at once.
        idle_drop = attempt == 1 and reused and failure.dropped
        if attempt < settings.max_attempts and not idle_drop:
            await batch.pacer.timer.sleep(batch.backoff.delay(attempt, batch.rng))
    assert failure is not None
    return _failed(item, settings.max_attempts, failure)


def _failed(item: Outgoing, attempts: int, failure: _Failure) -> Outcome:
    return Outcome(item.key, item.recipient, False, attempts, error=str(failure.error),
                   code=failure.error.code, permanent=failure.error.permanent,
                   refused=failure.refused)


async def _worker(batch: _Batch, conn: _Connection, *, first: bool) -> None:
    try:
        if not first:
            await batch.ready.wait()
        while (item := await batch.next_item()) is not None:
            try:
                outcome = await _deliver(batch, conn, item)
            except DeliveryError as exc:  # fatal: the others finish their message and stop
                batch.fatal = batch.fatal or exc
            except _Retire:
                return
            else:
                if outcome is not None:
                    batch.report(outcome)
    finally:
        batch.connections -= 1
        batch.ready.set()
        await conn.close()


async def send_messages(
    settings: SmtpSettings,
    items: Iterable[Outgoing] | AsyncIterable[Outgoing],
    *,
    password: str | OAuthLogin | None,
    tls_context: ssl.SSLContext | None,
    on_attempt: AttemptHook | None = None,
    on_result: ResultHook | None = None,
    backoff: Backoff = Backoff(),
    timing: Timing | None = None,
) -> list[Outcome]:
    """Send every item over at most ``settings.max_connections`` reused connections, at most
    ``settings.max_per_minute`` a minute.

    ``items`` is consumed lazily (render as you go: memory stays flat for large batches); an
    async iterable lets the caller render off the event loop.
    ``on_attempt(item, n)`` runs before each try, ``on_result(outcome)`` once per item.

    :param password: the password, or the token source (``auth = "oauth2"``,
        :func:`mailer.config.tokens.smtp_login`); None: no login.
    :param timing: the pacer's clock; only tests and benchmarks pass one.
    :returns: the outcomes of the items handled, in completion order.
    :raises AuthenticationError: the login was refused; the batch stopped.
    :raises DeliveryError: the server cannot be reached, refuses service, keeps throttling or
        its certificate does not verify; the batch stopped (items not yet handled have no
        outcome; the one that failed before a session existed has a temporary one: it was
        not sent).
    """
    hostname = await asyncio.to_thread(socket.getfqdn)  # aiosmtplib would ask per connection
    pacer = Pacer(settings.max_per_minute, timing)
    source = aiter(items) if isinstance(items, AsyncIterable) else iter(items)
    batch = _Batch(settings, source, on_attempt, on_result, backoff, pacer)
    batch.connections = max(1, settings.max_connections)
    try:
        async with asyncio.TaskGroup() as group:
            for number in range(batch.connections):
                conn = _Connection(settings, password, tls_context, hostname)
                group.create_task(_worker(batch, conn, first=number == 0))
    except BaseExceptionGroup as group_error:  # a hook failed (the ledger): that error, as is
        raise group_error.exceptions[0] from None
    if batch.fatal is not None:
        batch.leftovers()
        raise batch.fatal
    return batch.outcomes


async def try_sign_in(settings: SmtpSettings, password: str | OAuthLogin | None, *,
                      tls_context: ssl.SSLContext | None) -> str:
    """Connect and sign in once, as a batch would, then QUIT (``mailer check --online``).

    :returns: the SASL mechanism used, or "no login".
    :raises TokenError: no token could be had.
    :raises DeliveryError: refused (an :class:`AuthenticationError`) or unreachable.
    """
    hostname = await asyncio.to_thread(socket.getfqdn)
    conn = _Connection(settings, password, tls_context, hostname)
    try:
        await conn.ensure()
    except TokenError:
        raise
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise classify_failure(exc, settings).error from exc
    finally:
        await conn.close()
    return conn.signed_in_with


async def send(message: EmailMessage, settings: SmtpSettings, /, *,
               password: str | OAuthLogin | None | bool = True,
               context: ssl.SSLContext | None = None) -> None:
    """Send one message to the addresses in its To/Cc (confirmations, one-off mail).

    :param password: the SMTP password or token source (:func:`mailer.config.tokens.smtp_login`);
        True (the default) fetches the password with :func:`mailer.config.secrets.smtp_password`.
    :raises DeliveryError: it could not be delivered (after the retries of a batch).
    """
    if password is True:

        password = smtp_password(settings)
    recipients = header_addresses([v for k in ("To", "Cc") for v in message.get_all(k, [])])
    if not recipients:
        raise DeliveryError("the message has no To or Cc address", permanent=True)
    items = [Outgoing(f"one:{n}", message, rcpt, settings.from_address)
             for n, rcpt in enumerate(recipients)]
    single = dataclasses.replace(settings, max_connections=1)
    outcomes = await send_messages(single, items, password=password or None,
                                   tls_context=context or batch_tls_context(settings))
    failed = [o for o in outcomes if not o.sent]
    if failed:
        raise DeliveryError(failed[0].error or "not delivered", code=failed[0].code,
                            permanent=failed[0].permanent)
