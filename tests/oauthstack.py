"""OAuth 2.0 on loopback for the tests: a token server, Dovecot's oauth2 passdb, an SMTP server.

* :class:`OAuthServer`: a Microsoft-like and Google-like authorization server, over TLS (msal
  insists on https): tenant discovery (``/{tenant}/v2.0/.well-known/openid-configuration``),
  the client-credentials grant (RFC 6749 4.4, with a secret or a certificate's signed
  assertion) at ``/{tenant}/oauth2/v2.0/token``, and the JWT-bearer grant (RFC 7523) that
  google-auth's service-account credentials use, at ``/google/token``. In clear text, for
  Dovecot: token introspection (RFC 7662, ``POST /introspect``).
* :class:`OAuthDovecot`: a private Dovecot (tests/mailstack.py) whose ``oauth2`` passdb asks
  that introspection endpoint, for AUTHENTICATE XOAUTH2 and OAUTHBEARER.
* :class:`OAuthSmtp`: aiosmtpd with ``AUTH XOAUTH2`` (and OAUTHBEARER when offered) that
  accepts only valid, unexpired tokens, and Exchange Online's limits when asked for: a
  ``432 4.3.2`` to one connection too many, a throttling reply past ``max_per_minute``. It
  records each message with the time it was accepted, and the most connections seen at once.

Error answers follow the real services closely enough for the client's translation to be
tested (``AADSTS90002`` unknown tenant, ``AADSTS700016`` unknown client, ``AADSTS7000215``
wrong secret, Google's ``unauthorized_client`` without delegation).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.mailstack import Dovecot, ensure_mail_account

HOST = "127.0.0.1"
GOOGLE_AUDIENCE = "https://oauth2.googleapis.com/token"  # google-auth always sends this aud
GOOGLE_SCOPE = "https://mail.google.com/"
MICROSOFT_SCOPE = "https://outlook.office365.com/.default"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TENANT = "0b6d3e5c-7a41-4f3e-9c2d-5e8f1a2b3c4d"
CLIENT_ID = "8c1e6e4f-5f5a-4d7e-9b1a-2f6c0d3e4a5b"


@dataclass
class Issued:
    user: str  # the mailbox the token may be used for
    expires_at: float  # the server's clock (time.time)
    revoked: bool = False


@dataclass
class MicrosoftApp:
    """An app registration in a tenant, allowed on some mailboxes (Add-MailboxPermission)."""

    tenant: str
    client_id: str
    secret: str | None
    mailboxes: set[str]
    certificate: x509.Certificate | None = None


@dataclass
class GoogleAccount:
    """A service account with domain-wide delegation for ``delegated_scopes``."""

    email: str
    public_key_pem: bytes
    delegated_scopes: set[str] = field(default_factory=lambda: {GOOGLE_SCOPE})


class TokenStore:
    """Every token issued, thread-safe; ``lifetime`` is what the next tokens get."""

    def __init__(self, lifetime: float = 3600.0) -> None:
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._tokens: dict[str, Issued] = {}
        self.requests: list[str] = []  # one entry per token handed out: "microsoft", "google"
        self.refused_grants: set[str] = set()  # mailboxes whose grant was taken away

    def issue(self, user: str, kind: str) -> tuple[str, int]:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = Issued(user, time.time() + self.lifetime)
            self.requests.append(kind)
        return token, max(1, round(self.lifetime))

    def check(self, token: str, user: str | None = None) -> Issued | None:
        """The token's grant when it is known, unexpired, unrevoked (and for ``user``)."""
        with self._lock:
            found = self._tokens.get(token)
            if found is None or found.revoked or found.expires_at <= time.time():
                return None
            if found.user.lower() in self.refused_grants:
                return None
            if user is not None and found.user.lower() != user.lower():
                return None
            return found

    def issued(self) -> list[str]:
        """Every token handed out, to check that none leaks into a message or a log."""
        with self._lock:
            return list(self._tokens)

    def revoke(self) -> None:
        """Revoke every token handed out so far (new ones still work)."""
        with self._lock:
            for issued in self._tokens.values():
                issued.revoked = True

    def remove_grant(self, user: str) -> None:
        """Remove-MailboxPermission: no token works for ``user`` any more, old or new."""
        with self._lock:
            self.refused_grants.add(user.lower())


class OAuthServer:
    def __init__(self, *, cert: Path, key: Path, store: TokenStore | None = None) -> None:
        self.store = store or TokenStore()
        self.ca_file = cert
        self.apps: dict[tuple[str, str], MicrosoftApp] = {}
        self.google: dict[str, GoogleAccount] = {}
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._tls.load_cert_chain(cert, key)
        self._servers: list[ThreadingHTTPServer] = []

    # --- set up

    def add_microsoft_app(self, mailbox: str, *, tenant: str = TENANT,
                          client_id: str = CLIENT_ID, secret: str | None = None,
                          certificate: x509.Certificate | None = None) -> MicrosoftApp:
        app = MicrosoftApp(tenant, client_id, secret, {mailbox.lower()}, certificate)
        self.apps[(tenant, client_id)] = app
        return app

    def add_google_account(self, email: str, public_key_pem: bytes) -> GoogleAccount:
        account = GoogleAccount(email, public_key_pem)
        self.google[email] = account
        return account

    @property
    def authority(self) -> str:
        """What MAILER_TEST_OAUTH_AUTHORITY is set to (replaces login.microsoftonline.com)."""
        return f"https://{HOST}:{self._servers[0].server_address[1]}"

    @property
    def google_token_uri(self) -> str:
        return f"{self.authority}/google/token"

    @property
    def introspection_url(self) -> str:
        return f"http://{HOST}:{self._servers[1].server_address[1]}/introspect"

    def start(self) -> OAuthServer:
        handler = _handler(self)
        secure = ThreadingHTTPServer((HOST, 0), handler)
        secure.socket = self._tls.wrap_socket(secure.socket, server_side=True)
        plain = ThreadingHTTPServer((HOST, 0), handler)
        self._servers = [secure, plain]
        for server in self._servers:
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True,
                             name="oauth-server").start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    # --- the endpoints

    def openid_configuration(self, tenant: str) -> tuple[int, dict[str, Any]]:
        if not any(t == tenant for t, _ in self.apps):
            return 400, {"error": "invalid_tenant", "error_description":
                         f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you "
                         "have the correct tenant ID and are signing into the correct cloud."}
        base = f"{self.authority}/{tenant}"
        return 200, {"issuer": f"{base}/v2.0", "token_endpoint": f"{base}/oauth2/v2.0/token",
                     "authorization_endpoint": f"{base}/oauth2/v2.0/authorize"}

    def microsoft_token(self, tenant: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        app = self.apps.get((tenant, form.get("client_id", "")))
        if app is None:
            return 400, {"error": "unauthorized_client", "error_description":
                         f"AADSTS700016: Application with identifier '{form.get('client_id')}' "
                         f"was not found in the directory '{tenant}'."}
        if not _client_authenticated(app, form):
            described = ("AADSTS700027: The certificate with identifier used to sign the client "
                         "assertion is not registered on application." if "client_assertion"
                         in form else "AADSTS7000215: Invalid client secret provided.")
            return 401, {"error": "invalid_client", "error_description": described}
        if MICROSOFT_SCOPE not in form.get("scope", "").split():
            return 400, {"error": "invalid_scope", "error_description": "AADSTS70011: scope"}
        # App-only: the token names no mailbox, the grant does (one mailbox, as the docs say).
        token, lifetime = self.store.issue(sorted(app.mailboxes)[0], "microsoft")
        return 200, {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                     "access_token": token}

    def google_token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return 400, {"error": "unsupported_grant_type"}
        assertion = form.get("assertion", "")
        try:
            issuer = jwt.decode(assertion, options={"verify_signature": False})["iss"]
            account = self.google[issuer]
            claims = jwt.decode(assertion, account.public_key_pem, algorithms=["RS256"],
                                audience=GOOGLE_AUDIENCE)
        except (KeyError, jwt.PyJWTError):
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        scopes = set(str(claims.get("scope", "")).split())
        if not claims.get("sub") or not scopes <= account.delegated_scopes:
            return 401, {"error": "unauthorized_client", "error_description":
                         "Client is unauthorized to retrieve access tokens using this method, "
                         "or client not authorized for any of the scopes requested."}
        token, lifetime = self.store.issue(str(claims["sub"]), "google")
        return 200, {"access_token": token, "expires_in": lifetime, "token_type": "Bearer"}

    def introspect(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        found = self.store.check(form.get("token", ""))
        if found is None:
            return 200, {"active": False}
        return 200, {"active": True, "username": found.user, "exp": int(found.expires_at)}


def _client_authenticated(app: MicrosoftApp, form: dict[str, str]) -> bool:
    """A client secret, or an assertion signed with the app's certificate (x5t = SHA-1)."""
    if app.secret is not None and "client_secret" in form:
        return secrets.compare_digest(app.secret.encode(), form["client_secret"].encode())
    if app.certificate is None or form.get("client_assertion_type") != ASSERTION_TYPE:
        return False
    assertion = form.get("client_assertion", "")
    try:
        header = jwt.get_unverified_header(assertion)
        thumbprint = base64.urlsafe_b64decode(str(header.get("x5t", "")) + "==")
        claims = jwt.decode(assertion, app.certificate.public_key(),  # type: ignore[arg-type]
                            algorithms=["RS256", "PS256"], options={"verify_aud": False})
    except (jwt.PyJWTError, ValueError):
        return False
    return (thumbprint == app.certificate.fingerprint(hashes.SHA1())
            and claims.get("iss") == app.client_id)


def _handler(server: OAuthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so no handler thread outlives its request
        # (a keep-alive connection held by a client's session would keep one running, and
        # tests count threads).
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            parts = self.path.split("?")[0].strip("/").split("/")
            if len(parts) == 4 and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
                self._reply(*server.openid_configuration(parts[0]))
            else:
                self._reply(404, {"error": "not_found"})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            parts = self.path.split("?")[0].strip("/").split("/")
            if len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"]:
                self._reply(*server.microsoft_token(parts[0], form))
            elif parts == ["google", "token"]:
                self._reply(*server.google_token(form))
            elif parts == ["introspect"]:
                self._reply(*server.introspect(form))
            else:
                self._reply(404, {"error": "not_found"})

    return Handler


# --- keys and key files -------------------------------------------------------------------


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_private(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def pem_public(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def google_key_file(path: Path, server: OAuthServer, email: str = "mailer@proj.iam.gserviceaccount.com"
                    ) -> GoogleAccount:
    """A service account key file as Google's console writes it, token_uri on loopback."""
    key = rsa_key()
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "proj", "private_key_id": "k1",
        "private_key": pem_private(key).decode(), "client_email": email,
        "client_id": "1234567890", "token_uri": server.google_token_uri}))
    path.chmod(0o600)
    return server.add_google_account(email, pem_public(key))


def certificate_file(path: Path) -> x509.Certificate:
    """A PEM file with a private key and its self-signed certificate (an app's credential)."""
    import datetime as dt

    key = rsa_key()
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "mailer")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + dt.timedelta(days=2))
                   .sign(key, hashes.SHA256()))
    path.write_bytes(pem_private(key) + certificate.public_bytes(serialization.Encoding.PEM))
    path.chmod(0o600)
    return certificate


# --- Dovecot with the oauth2 passdb -----------------------------------------------------------

_OAUTH2_PASSDB = """\
# AUTHENTICATE XOAUTH2 / OAUTHBEARER: the token is asked about at the token server
# (RFC 7662 introspection); passwords still work through the passwd-file passdb below.
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
"""
_OAUTH2_ARGS = """\
introspection_url = {url}
introspection_mode = post
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
"""


class OAuthDovecot(Dovecot):
    """tests/mailstack.py's private Dovecot, plus the ``oauth2`` passdb."""

    def __init__(self, root: Path, *, introspection_url: str, cert: Path, key: Path) -> None:
        self.introspection_url = introspection_url
        uid, gid = ensure_mail_account()
        super().__init__(root, uid=uid, gid=gid, cert=cert, key=key)

    def _prepare(self, cert: Path, key: Path) -> None:
        super()._prepare(cert, key)
        text = self.config.read_text()
        first_passdb = text.index("passdb {")
        text = (text[:first_passdb] + _OAUTH2_PASSDB.format(root=self.root)
                + text[first_passdb:])
        text = text.replace("auth_mechanisms = plain login",
                            "auth_mechanisms = plain login xoauth2 oauthbearer")
        assert "xoauth2 oauthbearer\n" in text, "tests/mailstack.py's config changed"
        self.config.write_text(text)
        args = self.root / "oauth2.conf.ext"
        args.write_text(_OAUTH2_ARGS.format(url=self.introspection_url))
        args.chmod(0o644)  # the auth process runs as dovecot


def start_dovecot(root: Path, server: OAuthServer, *, cert: Path, key: Path) -> OAuthDovecot:
    dovecot = OAuthDovecot(root, introspection_url=server.introspection_url, cert=cert, key=key)
    dovecot.start()
    return dovecot


# --- SMTP with XOAUTH2 ------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    at: float  # the server's clock when it answered 250 to DATA
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    user: str


@dataclass
class SmtpLimits:
    """Exchange Online's SMTP AUTH limits per mailbox, as the fake enforces them."""

    max_connections: int | None = None  # one more gets 432 4.3.2
    max_per_minute: int | None = None  # one more in any minute gets ``throttle_reply``
    minute: float = 60.0
    throttle_reply: str = ("554 5.2.0 STOREDRV.Submission.Exception:"
                           "SubmissionQuotaExceededException; Failed to process message")
    #: After this many messages a session is answered 421 4.4.2 and closed (0: never).
    messages_per_session: int = 0


class OAuthSmtp:
    """aiosmtpd on the test's own loop (port 0), STARTTLS and AUTH with a token required."""

    def __init__(self, store: TokenStore, tls: ssl.SSLContext, *,
                 mechanisms: Sequence[str] = ("XOAUTH2",), limits: SmtpLimits | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store, self.tls, self.clock = store, tls, clock
        self.mechanisms = tuple(m.upper() for m in mechanisms)
        self.limits = limits or SmtpLimits()
        self.accepted: list[Accepted] = []
        self.auth_failures = 0
        self.throttled: Counter[int] = Counter()  # throttling replies by code
        self.sessions: set[SMTP] = set()  # open now
        self.most_open = 0
        self.port = 0
        self._server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> OAuthSmtp:
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        loop = asyncio.get_running_loop()
        excluded = [m for m in ("XOAUTH2", "OAUTHBEARER") if m not in self.mechanisms]
        self._server = await loop.create_server(
            lambda: _OAuthSession(self, hostname="localhost", tls_context=self.tls,
                                  require_starttls=True, auth_required=True,
                                  auth_require_tls=True,
                                  auth_exclude_mechanism=["PLAIN", "LOGIN", *excluded]),
            HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def most_in_any_minute(self) -> int:
        """The most messages accepted within any ``limits.minute`` (a sliding window)."""
        times = sorted(a.at for a in self.accepted)
        most, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= self.limits.minute:
                start += 1
            most = max(most, end - start + 1)
        return most

    def message_ids(self) -> list[str]:
        import email

        return [str(email.message_from_bytes(a.data)["Message-ID"]) for a in self.accepted]


def _token_of(blob: bytes, mechanism: str) -> tuple[str, str]:
    """(user, token) from an XOAUTH2 or OAUTHBEARER initial response."""
    text = blob.decode("utf-8", "replace")
    user = ""
    if mechanism == "OAUTHBEARER":
        gs2, _, text = text.partition("\x01")
        user = next((p[2:] for p in gs2.split(",") if p.startswith("a=")), "")
    fields = dict(p.split("=", 1) for p in text.split("\x01") if "=" in p)
    user = fields.get("user", user)
    auth = fields.get("auth", "")
    return user, auth[7:] if auth.startswith("Bearer ") else ""


class _OAuthSession(SMTP):
    def __init__(self, owner: OAuthSmtp, **kwargs: Any) -> None:
        super().__init__(_Handler(owner), **kwargs)
        self.owner = owner
        self.sent_here = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Called again for the same session after STARTTLS (aiosmtpd wraps the transport).
        self.owner.sessions.add(self)
        self.owner.most_open = max(self.owner.most_open, len(self.owner.sessions))
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self.owner.sessions.discard(self)
        super().connection_lost(error)

    async def _handle_client(self) -> None:
        # aiosmtpd has no hook before its greeting; this private coroutine (1.4.6) sends it.
        limit = self.owner.limits.max_connections
        if limit is not None and len(self.owner.sessions) > limit:
            self.owner.throttled[432] += 1
            await self.push("432 4.3.2 Concurrent connections limit exceeded. Visit "
                            "https://aka.ms/concurrent_sending for more information.")
            assert self.transport is not None
            self.transport.close()
            return
        await super()._handle_client()

    async def _oauth(self, mechanism: str, args: list[str]) -> AuthResult:
        blob = (base64.b64decode(args[1]) if len(args) > 1
                else await self.challenge_auth(""))
        if not isinstance(blob, bytes):
            return AuthResult(success=False, handled=True)
        user, token = _token_of(blob, mechanism)
        if self.owner.store.check(token, user) is not None:
            return AuthResult(success=True, auth_data=user)
        self.owner.auth_failures += 1
        # RFC 7628 3.2.2 (and Google's XOAUTH2): an error challenge, then the final reply.
        await self.challenge_auth(json.dumps({"status": "invalid_token", "schemes": "bearer"}))
        return AuthResult(success=False, handled=False,
                          message="535 5.7.3 Authentication unsuccessful")

    async def auth_XOAUTH2(self, _: Any, args: list[str]) -> AuthResult:  # noqa: N802
        return await self._oauth("XOAUTH2", args)

    async def auth_OAUTHBEARER(self, _: Any, args: list[str]) -> AuthResult:  # noqa: N802
        return await self._oauth("OAUTHBEARER", args)


class _Handler:
    def __init__(self, owner: OAuthSmtp) -> None:
        self.owner = owner

    async def handle_MAIL(self, server: _OAuthSession, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:  # noqa: N802
        limits = self.owner.limits
        if limits.messages_per_session and server.sent_here >= limits.messages_per_session:
            await server.push("421 4.4.2 Session limit reached, connect again")
            assert server.transport is not None
            server.transport.close()
            await asyncio.sleep(30)  # cancelled by connection_lost()
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server: _OAuthSession, session: Session,
                          envelope: Envelope) -> str:  # noqa: N802
        limits, now = self.owner.limits, self.owner.clock()
        if limits.max_per_minute is not None:
            recent = [a for a in self.owner.accepted if now - a.at < limits.minute]
            if len(recent) >= limits.max_per_minute:
                self.owner.throttled[int(limits.throttle_reply[:3])] += 1
                return limits.throttle_reply
        self.owner.accepted.append(Accepted(
            now, envelope.mail_from or "", tuple(envelope.rcpt_tos),
            envelope.original_content or b"", str(session.auth_data)))
        server.sent_here += 1
        return "250 2.0.0 OK queued"



@contextmanager
def smtp_in_thread(store: TokenStore, tls: ssl.SSLContext, **options: Any) -> Iterator[OAuthSmtp]:
    """:class:`OAuthSmtp` on its own loop in a thread, for code that runs ``asyncio.run``."""
    ready = threading.Event()
    found: dict[str, Any] = {}

    async def serve() -> None:
        found["stop"], found["loop"] = asyncio.Event(), asyncio.get_running_loop()
        async with OAuthSmtp(store, tls, **options) as server:
            found["server"] = server
            ready.set()
            await found["stop"].wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    if not ready.wait(5):
        raise RuntimeError("the SMTP server did not start")
    try:
        yield found["server"]
    finally:
        found["loop"].call_soon_threadsafe(found["stop"].set)
        thread.join(5)
