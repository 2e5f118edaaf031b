"""OAuth 2.0 access tokens for signing in to IMAP and SMTP: fetched, held in memory, renewed.

Where a token comes from is ``[oauth2] provider``:

* ``microsoft``: the client-credentials grant (RFC 6749 4.4) through ``msal``, app-only: the
  app holds ``IMAP.AccessAsApp`` and ``SMTP.SendAsApp`` and Exchange allows it on the one
  service mailbox (docs/providers.md). One token serves every mailbox the app may use.
* ``google``: a service account with domain-wide delegation through ``google-auth``: the
  JWT-bearer grant (RFC 7523) for a token that acts as the mailbox, scope
  ``https://mail.google.com/``. One token per mailbox.
* ``command``: ``token_command`` prints a token (for other providers, and for tests): either
  the bare token, held for :data:`COMMAND_TOKEN_SECONDS`, or a JSON object with
  ``access_token`` and ``expires_in``. It runs without a shell; ``MAILER_OAUTH_USER`` in its
  environment names the mailbox.

:class:`TokenCache` holds one token per mailbox in memory only, renews it shortly before it
expires (:func:`renew_at`), and :meth:`TokenCache.renew` fetches a new one after a server
refused the current one: the sign-in is tried once more before it counts as refused. Every
token is registered with :func:`mailer.logs.register_secret` and never put in an error.

Fetching blocks (HTTP): async code calls it with ``asyncio.to_thread``.

Test-only overrides, never read from the config file: ``MAILER_TEST_OAUTH_AUTHORITY`` (an
``https://`` loopback URL that replaces ``https://login.microsoftonline.com``) and
``MAILER_TEST_OAUTH_CA_FILE`` (the CA that the loopback token server's certificate verifies
against). Anything but a loopback host is refused, so the variables cannot send a secret to
another server by accident.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from mailer.config.secrets import get_secret, imap_password, run_command, smtp_password
from mailer.config.values import is_loopback
from mailer.errors import SecretError, TokenError
from mailer.logs import register_secret
from mailer.models import Config, OAuth2Settings

if TYPE_CHECKING:
    import requests

MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"
#: App-only access to Exchange Online IMAP and SMTP (the ".default" of its resource).
MICROSOFT_SCOPE = "https://outlook.office365.com/.default"
GOOGLE_SCOPE = "https://mail.google.com/"
COMMAND_TOKEN_SECONDS = 300.0
#: Renew this long before expiry (at most a fifth of the lifetime, for short-lived tokens).
RENEW_BEFORE = 300.0
HTTP_TIMEOUT = 30.0
TEST_AUTHORITY_ENV = "MAILER_TEST_OAUTH_AUTHORITY"
TEST_CA_ENV = "MAILER_TEST_OAUTH_CA_FILE"


@dataclass(frozen=True)
class Grant:
    """A token as the provider handed it out, valid for ``lifetime`` seconds from then."""

    token: str = field(repr=False)
    lifetime: float


class Provider(Protocol):
    #: False when one token serves every mailbox (app-only access).
    per_user: bool

    def fetch(self, user: str) -> Grant:
        """A new token for ``user``'s mailbox. :raises TokenError:"""
        ...

    def ready(self) -> None:
        """Read what fetching needs (the secret, the key file) without asking the provider.

        :raises SecretError: a secret is missing. :raises TokenError: a file is unusable.
        """
        ...


def renew_at(fetched: float, lifetime: float) -> float:
    """When a token fetched at ``fetched`` should be replaced (same clock as ``fetched``)."""
    return fetched + lifetime - min(RENEW_BEFORE, lifetime / 5)


@dataclass
class _Held:
    token: str = field(repr=False)
    renew_at: float = 0.0


class TokenCache:
    """The tokens of this process, by mailbox; thread-safe (the poller runs in a thread).

    One fetch at a time: connections that ask together wait for the same new token.
    """

    def __init__(self, provider: Provider, *,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.provider, self.monotonic = provider, monotonic
        self._lock = threading.Lock()
        self._held: dict[str, _Held] = {}
        self.fetches = 0

    def _key(self, user: str) -> str:
        return user.lower() if self.provider.per_user else ""

    def get(self, user: str) -> str:
        """A token for ``user`` that is not about to expire. :raises TokenError:"""
        with self._lock:
            held = self._held.get(self._key(user))
            if held is None or self.monotonic() >= held.renew_at:
                held = self._fetch(user)
            return held.token

    def renew(self, user: str, refused: str) -> str:
        """A new token after a server refused ``refused`` (unless another caller renewed it
        meanwhile: then that one). :raises TokenError:"""
        with self._lock:
            held = self._held.get(self._key(user))
            if held is not None and held.token != refused and self.monotonic() < held.renew_at:
                return held.token
            return self._fetch(user).token

    def _fetch(self, user: str) -> _Held:
        started = self.monotonic()
        grant = self.provider.fetch(user)
        self.fetches += 1
        register_secret(grant.token, short_lived=True)
        held = _Held(grant.token, renew_at(started, grant.lifetime))
        self._held[self._key(user)] = held
        return held


@dataclass(frozen=True)
class OAuthLogin:
    """Sign in as ``user`` with a token from ``tokens`` (SASL XOAUTH2 or OAUTHBEARER)."""

    user: str
    tokens: TokenCache


def smtp_login(config: Config, tokens: TokenCache | None = None) -> str | OAuthLogin | None:
    """How to sign in to SMTP: the password, a token source, or None (no login).

    :param tokens: the process's cache (``Context.tokens``); a new one when not given.
    :raises SecretError: the password is not available.
    """
    smtp = config.smtp
    if smtp.auth == "oauth2" and smtp.username:
        return OAuthLogin(smtp.username, tokens or _cache_of(config))
    return smtp_password(smtp)


def imap_login(config: Config, tokens: TokenCache | None = None) -> str | OAuthLogin:
    """How to sign in to IMAP (see :func:`smtp_login`)."""
    if config.imap.auth == "oauth2":
        return OAuthLogin(config.imap.username, tokens or _cache_of(config))
    return imap_password(config.imap)


def read_secrets(config: Config, tokens: TokenCache | None = None) -> None:
    """Read every secret sending and polling will need (passwords, the client secret or the
    key file) without fetching a token: a missing one is one clear line at start.

    :raises SecretError, TokenError:
    """
    for login in (smtp_login(config, tokens), imap_login(config, tokens)):
        if isinstance(login, OAuthLogin):
            login.tokens.provider.ready()


def _cache_of(config: Config) -> TokenCache:
    if config.oauth2 is None:  # parse_config refuses auth = "oauth2" without [oauth2]
        raise TokenError('auth = "oauth2" needs an [oauth2] section', key="oauth2")
    return build_cache(config.oauth2)


# --------------------------------------------------------------------------- providers


def build_cache(settings: OAuth2Settings) -> TokenCache:
    """The cache for ``[oauth2]``; nothing is fetched (nor any secret read) before first use."""
    return TokenCache(build_provider(settings))


def build_provider(settings: OAuth2Settings) -> Provider:
    if settings.provider == "microsoft":
        return MicrosoftProvider(settings)
    if settings.provider == "google":
        return GoogleProvider(settings)
    return CommandProvider(settings.token_command or "")


def _test_override(name: str) -> str | None:
    """A test-only variable (see the module docstring); refused unless it names loopback."""
    value = os.environ.get(name)
    if not value:
        return None
    host = urlsplit(value).hostname if "://" in value else "localhost"
    if not host or not is_loopback(host):
        raise TokenError(f"{name} is for tests only and must point to a loopback address, "
                         f"not {host!r}; unset it", permanent=True)
    return value


def _session() -> requests.Session:
    """requests' session with a timeout on every request; with the test CA when that override
    is set.

    msal applies its ``timeout`` only to a session it makes itself, and requests has no
    session-wide timeout: without one, a token service that stops answering would hang the
    poller. ``trust_env`` is off with the test CA: requests lets ``REQUESTS_CA_BUNDLE`` win
    over a session's own ``verify``, so the test CA would be ignored on machines that set it.
    """
    import requests

    class Session(requests.Session):
        def request(self, *args: Any, **kwargs: Any) -> requests.Response:
            kwargs.setdefault("timeout", HTTP_TIMEOUT)
            return super().request(*args, **kwargs)

    session = Session()
    ca_file = _test_override(TEST_CA_ENV)
    if ca_file:
        session.trust_env = False
        session.verify = ca_file
    return session


class MicrosoftProvider:
    """Microsoft identity platform, client credentials, through msal."""

    per_user = False

    def __init__(self, settings: OAuth2Settings) -> None:
        self.settings = settings
        self._app: Any = None

    def _application(self) -> Any:
        import msal

        s = self.settings
        if s.client_certificate_file is not None:
            credential: Any = _certificate_credential(s.client_certificate_file)
        else:
            credential = get_secret(s.client_secret_env, what="the OAuth client secret "
                                    "(oauth2.client_secret_env)")
        base = _test_override(TEST_AUTHORITY_ENV) or MICROSOFT_AUTHORITY
        try:
            # instance_discovery=False: the tenant's own OpenID metadata is all msal needs;
            # its instance discovery would ask login.microsoftonline.com about any other host.
            return msal.ConfidentialClientApplication(
                s.client_id, client_credential=credential, authority=f"{base}/{s.tenant_id}",
                instance_discovery=False, http_client=_session())
        except ValueError as exc:  # msal: the tenant's OpenID metadata was refused
            raise TokenError(f"Microsoft does not know the tenant {s.tenant_id!r}: check the "
                             "Directory (tenant) ID on the app's overview page",
                             key="oauth2.tenant_id") from exc
        except OSError as exc:  # requests' errors are OSErrors: no answer at all
            raise TokenError(f"cannot reach the Microsoft sign-in service: {_short(exc)}",
                             permanent=False) from exc

    def ready(self) -> None:
        s = self.settings
        if s.client_certificate_file is not None:
            _certificate_credential(s.client_certificate_file)
        else:
            get_secret(s.client_secret_env, what="the OAuth client secret "
                       "(oauth2.client_secret_env)")

    def fetch(self, user: str) -> Grant:
        if self._app is None:
            self._app = self._application()
        # Always a new token from the service: msal's own cache would hand back the very
        # token a server just refused. Ours decides when to renew.
        self._app.remove_tokens_for_client()
        try:
            result = self._app.acquire_token_for_client([MICROSOFT_SCOPE])
        except OSError as exc:
            raise TokenError(f"cannot reach the Microsoft sign-in service: {_short(exc)}",
                             permanent=False) from exc
        if "access_token" not in result:
            raise _microsoft_error(result, self.settings)
        return Grant(str(result["access_token"]), float(result.get("expires_in", 3600)))


#: AADSTS codes (Microsoft identity platform errors) and the key each one blames.
_AADSTS = {
    "AADSTS700016": ("oauth2.client_id", "no app with this Application (client) ID in the tenant"),
    "AADSTS90002": ("oauth2.tenant_id", "the tenant does not exist"),
    "AADSTS7000215": ("oauth2.client_secret_env",
                      "the client secret is wrong (use the secret's Value, not its Secret ID)"),
    "AADSTS7000222": ("oauth2.client_secret_env", "the client secret has expired: make a new one"),
    "AADSTS700027": ("oauth2.client_certificate_file", "the certificate is not one of the app's"),
}


def _microsoft_error(result: dict[str, Any], settings: OAuth2Settings) -> TokenError:
    error = str(result.get("error", "unknown_error"))
    description = str(result.get("error_description", ""))
    code = description.split(":")[0].strip()
    key, meaning = _AADSTS.get(code, (None, ""))
    if key is None and error == "invalid_client":
        key = ("oauth2.client_certificate_file" if settings.client_certificate_file
               else "oauth2.client_secret_env")
    temporary = error in ("temporarily_unavailable", "server_error")
    first_line = description.splitlines()[0] if description else error
    text = f"Microsoft refused the token request: {meaning or first_line} ({error})"
    return TokenError(text, key=key, permanent=not temporary)


def _certificate_credential(path: Path) -> dict[str, str]:
    """msal's certificate credential from one PEM file holding the key and the certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    key = "oauth2.client_certificate_file"
    try:
        pem = path.read_bytes()
        certificate = x509.load_pem_x509_certificate(pem)
    except OSError as exc:
        raise TokenError(f"cannot read {path}: {exc.strerror or exc}", key=key) from exc
    except ValueError as exc:
        raise TokenError(f"{path} holds no PEM certificate", key=key) from exc
    text = pem.decode("ascii", "replace")
    start = text.find("-----BEGIN PRIVATE KEY-----")
    end = text.find("-----END PRIVATE KEY-----")
    if start < 0 or end < 0:
        raise TokenError(f"{path} holds no unencrypted PKCS#8 private key "
                         "(-----BEGIN PRIVATE KEY-----)", key=key)
    private_key = text[start:end + len("-----END PRIVATE KEY-----")]
    register_secret(private_key)
    # The thumbprint (the x5t header msal signs with) is SHA-1 by definition (RFC 7515 4.1.7).
    return {"private_key": private_key,
            "thumbprint": certificate.fingerprint(hashes.SHA1()).hex()}


class GoogleProvider:
    """A Google service account with domain-wide delegation, through google-auth."""

    per_user = True

    def __init__(self, settings: OAuth2Settings) -> None:
        self.path = settings.service_account_file or Path("")
        self._info: dict[str, Any] | None = None

    def _key_file(self) -> dict[str, Any]:
        key = "oauth2.service_account_file"
        try:
            info = json.loads(self.path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise TokenError(f"cannot read {self.path}: {exc.strerror or exc}", key=key) from exc
        except ValueError as exc:
            raise TokenError(f"{self.path} is not a JSON key file", key=key) from exc
        missing = [k for k in ("client_email", "private_key", "token_uri")
                   if not isinstance(info, dict) or not info.get(k)]
        if missing:
            raise TokenError(f"{self.path} is not a service account key: no "
                             f"{', '.join(missing)}; create a JSON key for the service account",
                             key=key)
        register_secret(str(info["private_key"]))
        return dict(info)

    def ready(self) -> None:
        self._info = self._info or self._key_file()

    def fetch(self, user: str) -> Grant:
        from google.auth import exceptions
        from google.auth.transport.requests import Request
        from google.oauth2 import service_account

        if self._info is None:
            self._info = self._key_file()
        try:
            credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                self._info, scopes=[GOOGLE_SCOPE], subject=user)
            credentials.refresh(Request(session=_session()))
        except exceptions.RefreshError as exc:
            raise _google_error(exc, user) from exc
        except exceptions.TransportError as exc:
            raise TokenError(f"cannot reach Google's token service: {_short(exc)}",
                             permanent=False) from exc
        except ValueError as exc:  # a broken private key
            raise TokenError(f"{self.path}: the private key cannot be used",
                             key="oauth2.service_account_file") from exc
        expiry = credentials.expiry  # naive UTC, google-auth's convention
        lifetime = 3600.0 if expiry is None else (
            expiry.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)).total_seconds()
        return Grant(str(credentials.token), max(lifetime, 1.0))


def _google_error(exc: Exception, user: str) -> TokenError:
    answer = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
    error = str(answer.get("error", ""))
    if error == "unauthorized_client":
        return TokenError(
            "Google refused the token: the service account has no domain-wide delegation for "
            f"the scope {GOOGLE_SCOPE} (Admin console > Security > API controls > Domain-wide "
            "delegation; docs/providers.md)", key="oauth2.service_account_file")
    if error == "invalid_grant" and "user" in str(answer.get("error_description", "")).lower():
        return TokenError(f"Google does not know the mailbox {user!r} in this Workspace "
                          "domain", key=None)
    description = str(answer.get("error_description", "")) or _short(exc)
    return TokenError(f"Google refused the token request: {description} ({error or 'error'})",
                      key="oauth2.service_account_file")


class CommandProvider:
    """``token_command``: any program that prints a token."""

    per_user = True

    def __init__(self, command: str) -> None:
        self.command = command

    def ready(self) -> None:
        """Nothing to read ahead: the command may ask for a passphrase when it runs."""

    def fetch(self, user: str) -> Grant:
        try:
            out = run_command(self.command, what="the OAuth token", key="token_command",
                              env={"MAILER_OAUTH_USER": user})
        except SecretError as exc:
            raise TokenError(str(exc), key="oauth2.token_command") from exc
        if out.startswith("{"):
            try:
                data = json.loads(out)
                return Grant(str(data["access_token"]),
                             float(data.get("expires_in", COMMAND_TOKEN_SECONDS)))
            except (ValueError, KeyError, TypeError) as exc:
                raise TokenError("token_command printed JSON without a usable access_token "
                                 "and expires_in", key="oauth2.token_command") from exc
        return Grant(out.split()[0], COMMAND_TOKEN_SECONDS)


def _short(exc: BaseException) -> str:
    """One line, without URLs' query strings (they could carry a secret)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text.split("?")[0][:200]
