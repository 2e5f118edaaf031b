"""The mail providers in the config: ``[oauth2]`` and the sending profiles of ``[smtp] provider``.

A profile is the provider's published limits for one mailbox, so that a batch never trips
them; each number may be overridden in ``[smtp]`` (``max_connections``, ``max_per_minute``,
``max_per_day``):

* ``microsoft365``: Exchange Online SMTP AUTH allows 3 concurrent connections per mailbox,
  30 messages a minute and 10,000 recipients a day (each prompt has one recipient);
* ``google``: Google Workspace caps a user at 2,000 messages a day; Google publishes no
  per-minute figure, so 60 a minute keeps a batch of 2,000 well clear of "421 4.7.0 Try again
  later" (our choice, not Google's number);
* ``generic``: 4 connections, no pacing: the behaviour before profiles existed.

``[oauth2]`` names where access tokens come from; which keys each provider needs is checked
here, so that every problem is reported at once with its key path. Nothing here does I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailer.config import values
from mailer.config.reader import Invalid, Reader, show
from mailer.models import (
    Auth,
    ImapSettings,
    OAuth2Provider,
    OAuth2Settings,
    SmtpProvider,
    SmtpSettings,
)


@dataclass(frozen=True)
class SendProfile:
    max_connections: int
    max_per_minute: int | None
    max_per_day: int | None


PROFILES: dict[SmtpProvider, SendProfile] = {
    "generic": SendProfile(max_connections=4, max_per_minute=None, max_per_day=None),
    "microsoft365": SendProfile(max_connections=3, max_per_minute=30, max_per_day=10_000),
    "google": SendProfile(max_connections=3, max_per_minute=60, max_per_day=2_000),
}
AUTH_KINDS: tuple[Auth, ...] = ("password", "oauth2")
OAUTH2_PROVIDERS: tuple[OAuth2Provider, ...] = ("microsoft", "google", "command")
OAUTH2_KEYS = ("provider", "tenant_id", "client_id", "client_secret_env",
               "client_certificate_file", "service_account_file", "token_command")
#: The keys each provider reads; any other provider's key is a mistake worth saying.
_KEYS_OF: dict[OAuth2Provider, tuple[str, ...]] = {
    "microsoft": ("tenant_id", "client_id", "client_secret_env", "client_certificate_file"),
    "google": ("service_account_file",),
    "command": ("token_command",),
}
_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_DOMAIN_RE = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def _choice(options: tuple[str, ...]) -> Any:
    def convert(raw: Any) -> str:
        if raw not in options:
            raise Invalid(f"expected one of {', '.join(map(show, options))}, got {show(raw)}")
        return str(raw)
    return convert


def auth(r: Reader) -> Auth:
    """``auth = "password" | "oauth2"`` of [smtp] or [imap]."""
    found: Auth = r.value("auth", _choice(AUTH_KINDS), "password")
    return found


def smtp_provider(r: Reader) -> tuple[SmtpProvider, SendProfile]:
    """``[smtp] provider`` and its limits, each overridden by the key of the same name."""
    name: SmtpProvider = r.value("provider", _choice(tuple(PROFILES)), "generic")
    base = PROFILES[name]
    per_minute = r.value("max_per_minute", _positive("messages a minute", 100_000),
                         base.max_per_minute)
    per_day = r.value("max_per_day", _positive("messages a day", 10_000_000), base.max_per_day)
    return name, SendProfile(r.integer("max_connections", base.max_connections, 1, 100),
                             per_minute, per_day)


def _positive(what: str, high: int) -> Any:
    def convert(raw: Any) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= high:
            raise Invalid(f"expected a whole number of {what} from 1 to {high}, got {show(raw)}")
        return raw
    return convert


def _guid(raw: Any) -> str:
    if not isinstance(raw, str) or not _GUID_RE.match(raw.strip()):
        raise Invalid('expected the Application (client) ID from the app\'s overview page in '
                      f'Microsoft Entra, a GUID such as "8c1e6e4f-5f5a-4d7e-9b1a-2f6c0d3e4a5b", '
                      f"got {show(raw)}")
    return raw.strip().lower()


def _tenant(raw: Any) -> str:
    text = raw.strip() if isinstance(raw, str) else ""
    if not (_GUID_RE.match(text) or _DOMAIN_RE.match(text)):
        raise Invalid('expected the Directory (tenant) ID, a GUID such as '
                      '"72f988bf-86f1-41af-91ab-2d7cd011db47", or the tenant\'s domain such as '
                      f'"contoso.onmicrosoft.com", got {show(raw)}')
    return text.lower()


def parse_oauth2(r: Reader | None, base_dir: Path | None) -> OAuth2Settings | None:
    """The ``[oauth2]`` table, or None when the config has none."""
    if r is None:
        return None
    found: OAuth2Provider | None = r.value(
        "provider", _choice(OAUTH2_PROVIDERS), None, required=True,
        expect='"microsoft", "google" or "command"')
    if found is None:  # recorded; which keys belong is unknown, so nothing more to say
        return OAuth2Settings("command")
    provider: OAuth2Provider = found
    for key in OAUTH2_KEYS[1:]:
        if key in r.data and key not in _KEYS_OF[provider]:
            owner = next(p for p, keys in _KEYS_OF.items() if key in keys)
            r.add(key, f'only used with provider = "{owner}", not "{provider}"; remove it')
    settings = OAuth2Settings(provider=provider)
    if provider == "microsoft":
        settings = _microsoft(r, base_dir)
    elif provider == "google":
        path = r.path_value("service_account_file", base_dir)
        if path is None:
            r.add("service_account_file", "missing; expected the path of the service account's "
                                          'JSON key, e.g. "/etc/mailer/google-sa.json"')
        settings = OAuth2Settings(provider, service_account_file=path)
    else:
        command = r.value("token_command", values.command, None, required=True,
                          expect="a command that prints an access token")
        settings = OAuth2Settings(provider, token_command=command)
    return settings


def _microsoft(r: Reader, base_dir: Path | None) -> OAuth2Settings:
    tenant = r.value("tenant_id", _tenant, None, required=True,
                     expect="the Directory (tenant) ID from the app's overview page")
    client = r.value("client_id", _guid, None, required=True,
                     expect="the Application (client) ID from the app's overview page")
    secret_env = r.value("client_secret_env", values.env_name, None)
    certificate = r.path_value("client_certificate_file", base_dir)
    if secret_env and certificate:
        r.add("client_certificate_file", "set either client_secret_env or "
                                         "client_certificate_file, not both")
    elif not {"client_secret_env", "client_certificate_file"} & set(r.data):
        r.add("client_secret_env", 'missing; set it to the name of the environment variable that '
                                   'holds the client secret, e.g. "MAILER_OAUTH_SECRET" (or set '
                                   "client_certificate_file)")
    return OAuth2Settings("microsoft", tenant_id=tenant, client_id=client,
                          client_secret_env=secret_env, client_certificate_file=certificate)


def cross_check(smtp: SmtpSettings, imap: ImapSettings, oauth2: OAuth2Settings | None,
                problems: list[str]) -> None:
    """auth = "oauth2" needs [oauth2] and a username (the mailbox to sign in to)."""
    users = [("smtp", smtp.auth, smtp.username), ("imap", imap.auth, imap.username)]
    wanting = [section for section, kind, _ in users if kind == "oauth2"]
    if wanting and oauth2 is None:
        problems.append(f'{wanting[0]}.auth: "oauth2" needs an [oauth2] section (provider = '
                        '"microsoft", "google" or "command"); see docs/providers.md')
    if oauth2 is not None and not wanting:
        problems.append('oauth2: neither smtp.auth nor imap.auth is "oauth2", so this section '
                        'is not used; set auth = "oauth2" in [smtp] and [imap], or remove it')
    for section, kind, username in users:
        if kind == "oauth2" and not username:
            problems.append(f'{section}.username: missing; with auth = "oauth2" it is the '
                            'mailbox to sign in to, e.g. "checkin@example.com"')
