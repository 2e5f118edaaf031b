"""The server sections of the config: ``[service]``, ``[smtp]`` and ``[imap]``.

Each parser reads its table through a :class:`~mailer.config.reader.Reader` and returns the
frozen settings; SMTP and IMAP share the connection keys (host, port, security, login and the
name of the secret). Only a loopback host may be reached without TLS.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from mailer.config import values
from mailer.config.providers import auth as parse_auth
from mailer.config.providers import smtp_provider
from mailer.config.reader import Invalid, Reader, show
from mailer.models import (
    LANGUAGES,
    Auth,
    ImapSettings,
    PrivacySettings,
    Security,
    ServiceSettings,
    SmtpSettings,
)

SERVICE_KEYS = ("data_dir", "timezone", "language", "secret_env", "templates_dir", "catch_up",
                "retention_months", "text_retention_months", "send_window")
SERVER_KEYS = ("host", "port", "security", "username", "password_env", "password_command",
               "ca_file", "timeout", "auth")
SMTP_KEYS = (*SERVER_KEYS, "from", "max_connections", "max_attempts", "plus_tokens", "provider",
             "max_per_minute", "max_per_day")
IMAP_KEYS = (*SERVER_KEYS, "folder", "processed_folder", "quarantine_folder", "poll_seconds",
             "max_message_bytes", "trusted_authserv_id")
_DEFAULT_PORTS = {"smtp": {"starttls": 587, "tls": 465, "none": 25},
                  "imap": {"starttls": 143, "tls": 993, "none": 143}}


def parse_service(r: Reader, base_dir: Path | None) -> ServiceSettings:
    retention = r.integer("retention_months", 24, 1, 1200)
    text_retention = r.value("text_retention_months", lambda raw: _text_retention(raw, retention),
                             None)
    return ServiceSettings(
        data_dir=r.path_value("data_dir", base_dir, "data") or Path("data"),
        timezone=r.value("timezone", values.time_zone, ZoneInfo("UTC"), required=True,
                         expect='the default time zone, e.g. "Europe/Stockholm"'),
        language=r.value("language", values.language, "en"),
        secret_env=r.value("secret_env", values.env_name, "MAILER_SECRET"),
        templates_dir=r.path_value("templates_dir", base_dir),
        catch_up=r.value("catch_up", values.catch_up, timedelta(hours=3)),
        retention_months=retention,
        text_retention_months=text_retention,
        send_window=r.value("send_window", _send_window, {}),
    )


_WINDOW_KINDS = ("checkin", "review", "feedback", "reflection", "digest", "brief")
_WINDOW_WORDS = ("day", "week", "meeting")


def _send_window(raw: Any) -> dict[str, str | timedelta]:
    """``{ checkin = "day", review = "week", digest = "6h" }``: how long an unsent prompt is
    retried (mailer.schedule_retry); a duration is counted from the prompt's due time."""
    expect = ('a table such as { checkin = "day", review = "week" } (values "day", "week", '
              '"meeting" or a duration such as "6h")')
    if not isinstance(raw, dict):
        raise Invalid(f"{show(raw)} is not a table; expected {expect}")
    windows: dict[str, str | timedelta] = {}
    for kind, value in raw.items():
        if kind not in _WINDOW_KINDS:
            raise Invalid(f'unknown kind "{kind}"; expected one of {", ".join(_WINDOW_KINDS)}')
        if value in _WINDOW_WORDS:
            windows[kind] = value
            continue
        try:
            windows[kind] = values.catch_up(value)
        except Invalid:
            raise Invalid(f"{kind} = {show(value)}: expected {expect}") from None
    return windows


def _text_retention(raw: Any, retention: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= retention:
        raise Invalid(f"expected a whole number of months from 1 to retention_months "
                      f"({retention}), got {show(raw)}")
    return raw


PRIVACY_KEYS = ("controller", "contact", "legal_basis")


def parse_privacy(r: Reader | None) -> PrivacySettings:
    """``[privacy]`` (optional): what the privacy notice says about the employer."""
    if r is None:
        return PrivacySettings()
    return PrivacySettings(
        controller=r.optional_text("controller", 'the employer, e.g. "Exempel AB (556000-0000)"'),
        contact=r.optional_text("contact", 'where to send questions, e.g. "dpo@example.com"'),
        legal_basis=r.value("legal_basis", _per_language, {}),
    )


def _per_language(raw: Any) -> dict[str, str]:
    """A text, or a table of texts by language: ``{ sv = "...", en = "..." }``."""
    if isinstance(raw, str) and raw.strip():
        return {"": raw.strip()}
    if isinstance(raw, dict) and raw and all(
            k in LANGUAGES and isinstance(v, str) and v.strip() for k, v in raw.items()):
        return {str(k): str(v).strip() for k, v in raw.items()}
    raise Invalid("expected the legal basis in words, or a table of them by language "
                  f'({{ sv = "...", en = "..." }}), got {show(raw)}')


@dataclasses.dataclass(frozen=True)
class _Server:
    """The keys SMTP and IMAP share."""

    host: str
    port: int
    security: Security
    username: str | None
    password_env: str | None
    password_command: str | None
    ca_file: Path | None
    timeout: float
    auth: Auth


def _server(r: Reader, base_dir: Path | None, *, kind: str, security: Security,
            timeout: float, login_required: bool) -> _Server:
    host = r.value("host", values.host, "localhost", required=True,
                   expect=f'the server\'s host name, e.g. "{kind}.example.com"')
    mode: Security = r.value("security", values.security, security)
    if mode == "none" and "host" in r.data and not values.is_loopback(host):
        r.add("security", '"none" sends the password and the mail in clear text, so it is only '
                          "allowed towards a loopback host (127.0.0.1, ::1, localhost), not "
                          f'{show(host)}; use "starttls" or "tls"')
    username = (r.text("username", 'the login name, e.g. "checkin@example.com"',
                       required=login_required) or None)
    env = r.value("password_env", values.env_name, None)
    command = r.value("password_command", values.command, None)
    auth = parse_auth(r)
    if auth == "oauth2":
        for key in ("password_env", "password_command"):
            if key in r.data:
                r.add(key, 'not used with auth = "oauth2" (the [oauth2] section says how to '
                           "get a token); remove it")
    elif env and command:
        r.add("password_command", "set either password_env or password_command, not both")
    elif username and not {"password_env", "password_command"} & set(r.data) and (
            r.data.get("auth", "password") == "password"):  # a wrong auth is reported already
        r.add("password_env", f'missing; the server needs a password for {show(username)}: set '
                              f'password_env = "MAILER_{kind.upper()}_PASSWORD" (the name of an '
                              "environment variable) or password_command")
    default_port = _DEFAULT_PORTS[kind][mode]
    return _Server(host=host, port=r.integer("port", default_port, 1, 65535), security=mode,
                   username=username, password_env=env, password_command=command,
                   ca_file=r.path_value("ca_file", base_dir),
                   timeout=r.number("timeout", timeout, 0, 3600), auth=auth)


def parse_smtp(r: Reader, base_dir: Path | None) -> SmtpSettings:
    server = _server(r, base_dir, kind="smtp", security="starttls", timeout=30.0,
                     login_required=False)
    name, address = r.value("from", values.from_header, ("", ""), required=True,
                            expect='the sender, e.g. "Team check-in <checkin@example.com>"')
    provider, limits = smtp_provider(r)
    return SmtpSettings(
        host=server.host, port=server.port, security=server.security,
        username=server.username, password_env=server.password_env,
        password_command=server.password_command, ca_file=server.ca_file,
        timeout=server.timeout, from_address=address, from_name=name,
        max_connections=limits.max_connections,
        max_attempts=r.integer("max_attempts", 5, 1, 100),
        plus_tokens=r.flag("plus_tokens", False),
        auth=server.auth, provider=provider, max_per_minute=limits.max_per_minute,
        max_per_day=limits.max_per_day,
    )


def parse_imap(r: Reader, base_dir: Path | None) -> ImapSettings:
    server = _server(r, base_dir, kind="imap", security="tls", timeout=60.0, login_required=True)
    folder = "a folder name such as \"INBOX\" or \"Checkins/Processed\""
    return ImapSettings(
        host=server.host, port=server.port, security=server.security,
        username=server.username or "", password_env=server.password_env,
        password_command=server.password_command, ca_file=server.ca_file,
        timeout=server.timeout, auth=server.auth,
        folder=r.text("folder", folder, "INBOX"),
        processed_folder=r.text("processed_folder", folder, "Checkins/Processed"),
        quarantine_folder=r.text("quarantine_folder", folder, "Checkins/Quarantine"),
        poll_seconds=r.integer("poll_seconds", 60, 5, 86400),
        max_message_bytes=r.integer("max_message_bytes", 10 * 1024 * 1024, 1024),
        trusted_authserv_id=r.optional_text(
            "trusted_authserv_id", 'the authserv-id of your server\'s Authentication-Results, '
                                   'e.g. "mx.example.com"'),
    )
