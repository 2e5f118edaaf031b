"""A first config from a few answers (``mailer init``): the answers, checks, and the TOML. Pure.

:class:`Answers` holds what ``mailer init`` asks for (or takes as flags); :func:`render_config`
turns it into a commented TOML file that ``mailer check`` accepts, and :func:`secret_names`
says which environment variables the service then needs. No secret is ever part of the
answers, so none can reach the file: passwords and keys are named, never written.

Microsoft 365 and Google Workspace log in with OAuth 2.0 (``auth = "oauth2"`` and an
``[oauth2]`` section, documented in docs/providers.md); any other server with a password.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailer.addressing import format_address, header_safe, is_valid_address
from mailer.models import LANGUAGES

ProviderName = Literal["microsoft365", "google", "generic"]
Security = Literal["starttls", "tls", "none"]
SECURITIES: tuple[Security, ...] = ("starttls", "tls", "none")


@dataclass(frozen=True)
class Provider:
    """A mail provider's servers; ``generic`` has none and asks for them."""

    label: str
    smtp: tuple[str, int, Security] | None = None
    imap: tuple[str, int, Security] | None = None


PROVIDERS: dict[ProviderName, Provider] = {
    # learn.microsoft.com: "POP, IMAP, and SMTP settings for Outlook.com" (Exchange Online).
    "microsoft365": Provider("Microsoft 365", ("smtp.office365.com", 587, "starttls"),
                             ("outlook.office365.com", 993, "tls")),
    # support.google.com/a/answer/176600 (SMTP) and /mail/answer/7126229 (IMAP).
    "google": Provider("Google Workspace", ("smtp.gmail.com", 587, "starttls"),
                       ("imap.gmail.com", 993, "tls")),
    "generic": Provider("another IMAP/SMTP server"),
}
DEFAULT_PORTS: dict[str, dict[Security, int]] = {
    "smtp": {"starttls": 587, "tls": 465, "none": 25},
    "imap": {"tls": 993, "starttls": 143, "none": 143},
}
SECRET_ENV = "MAILER_SECRET"
SMTP_PASSWORD_ENV = "MAILER_SMTP_PASSWORD"
IMAP_PASSWORD_ENV = "MAILER_IMAP_PASSWORD"
OAUTH_SECRET_ENV = "MAILER_OAUTH_CLIENT_SECRET"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: Security


@dataclass(frozen=True)
class Answers:
    """Everything ``mailer init`` writes; no field ever holds a secret."""

    provider: ProviderName
    mailbox: str  # the service's own address: prompts come from it, replies go to it
    sender_name: str
    smtp: Server
    imap: Server
    username: str  # the login of the mailbox (generic servers)
    manager: tuple[str, str]  # (name, email)
    team: str
    team_name: str
    members: tuple[tuple[str, str], ...]
    timezone: str
    language: str
    tenant_id: str = ""  # microsoft365
    client_id: str = ""  # microsoft365
    service_account_file: str = ""  # google: a path, not the key itself


# --------------------------------------------------------------------------- checks


def check_text(value: str) -> str | None:
    if not value.strip():
        return "must not be empty"
    return None if header_safe(value) and value.isprintable() else "no control characters"


def check_address(value: str) -> str | None:
    return None if is_valid_address(value) else f'"{value}" is not an address like anna@example.com'


def check_slug(value: str) -> str | None:
    return None if _SLUG.match(value) else (
        f'"{value}" is not a short name of lowercase letters, digits and "-" (e.g. platform)')


def check_timezone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return f'"{value}" is not an IANA time zone such as Europe/Stockholm or Asia/Tokyo'
    return None


def check_language(value: str) -> str | None:
    return None if value in LANGUAGES else f'"{value}" is not one of {", ".join(LANGUAGES)}'


def check_guid(value: str) -> str | None:
    return None if _GUID.match(value.strip()) else (
        f'"{value}" is not a GUID such as 8c1e6e4f-5f5a-4d7e-9b1a-2f6c0d3e4a5b (the app\'s '
        "overview page in Microsoft Entra shows it)")


def check_tenant(value: str) -> str | None:
    text = value.strip()
    return None if _GUID.match(text) or _DOMAIN.match(text) else (
        f'"{value}" is not a directory (tenant) ID: a GUID, or the tenant\'s domain such as '
        "contoso.onmicrosoft.com")


def check_port(value: str) -> str | None:
    return None if value.isdigit() and 0 < int(value) < 65536 else f'"{value}" is not a port'


def check_security(value: str) -> str | None:
    return None if value in SECURITIES else f'"{value}" is not "starttls", "tls" or "none"'


def as_security(value: str) -> Security:
    """``value`` as a :data:`Security` (ValueError otherwise): a checked narrowing."""
    for security in SECURITIES:
        if value == security:
            return security
    raise ValueError(f"unknown security {value!r}")


def parse_person(value: str) -> tuple[str, str] | str:
    """``Anna Berg <anna@example.com>`` as (name, email), or the problem."""
    name, email = parseaddr(value)
    problem = check_address(email) if "@" in value else f'"{value}" is not "Name <email>"'
    if problem is None and not name.strip():
        problem = f'"{value}": the name is missing ("Anna Berg <{email}>")'
    if problem is None:
        problem = check_text(name)
    return problem if problem else (name.strip(), email.lower())


# --------------------------------------------------------------------------- the file


def _s(value: str) -> str:
    # JSON's string escapes are all valid in a TOML basic string (toml.io: "Basic strings").
    return json.dumps(value, ensure_ascii=False)


def _person(name: str, email: str) -> str:
    return f"{{ name = {_s(name)}, email = {_s(email)} }}"


def secret_names(answers: Answers) -> list[tuple[str, str]]:
    """The environment variables the written config names: (name, what it holds)."""
    names = [(SECRET_ENV, "signs reply tokens; a long random string that stays the same")]
    if answers.provider == "microsoft365":
        names.append((OAUTH_SECRET_ENV, "the client secret of the app registration"))
    elif answers.provider == "generic":
        names += [(SMTP_PASSWORD_ENV, f"the SMTP password of {answers.username}"),
                  (IMAP_PASSWORD_ENV, f"the IMAP password of {answers.username}")]
    return names


def _server(section: str, server: Server, answers: Answers) -> list[str]:
    lines = [f"[{section}]", f"host = {_s(server.host)}", f"port = {server.port}",
             f'security = "{server.security}"']
    if answers.provider == "generic":
        env = SMTP_PASSWORD_ENV if section == "smtp" else IMAP_PASSWORD_ENV
        lines += [f"username = {_s(answers.username)}",
                  "# The password is read from this environment variable, never from this file.",
                  f'password_env = "{env}"']
        if section == "smtp":
            lines.append('# provider = "generic"  (Microsoft 365, Google Workspace: '
                         "docs/providers.md)")
        return lines
    lines += ["# The mailbox to sign in to; no password: " + PROVIDERS[answers.provider].label
              + " takes OAuth 2.0 ([oauth2] below, docs/providers.md).",
              f"username = {_s(answers.mailbox)}", 'auth = "oauth2"']
    if section == "smtp":
        lines += ["# The provider's sending limits (connections, messages a minute and a day).",
                  f'provider = "{answers.provider}"']
    return lines


def _oauth(answers: Answers) -> list[str]:
    if answers.provider == "microsoft365":
        return ["", "# The app registration in Microsoft Entra ID (docs/providers.md): its",
                "# directory (tenant) and application (client) IDs. The client secret is read",
                f"# from {OAUTH_SECRET_ENV}, never from this file.",
                "[oauth2]", 'provider = "microsoft"', f"tenant_id = {_s(answers.tenant_id)}",
                f"client_id = {_s(answers.client_id)}",
                f'client_secret_env = "{OAUTH_SECRET_ENV}"']
    if answers.provider == "google":
        return ["", "# A service account with domain-wide delegation (docs/providers.md). Only",
                "# the path of its key file is here; keep the file readable by the service alone.",
                "[oauth2]", 'provider = "google"',
                f"service_account_file = {_s(answers.service_account_file)}"]
    return []


def render_config(answers: Answers) -> str:
    """The commented TOML of a first config (``config/example.toml`` documents every key)."""
    smtp_from = format_address(answers.sender_name, answers.mailbox)
    lines = [
        "# mailer: written by `mailer init`. config/example.toml explains every key (it is also",
        "# installed with the package, as mailer/examples/example.toml).",
        "# No secret is in this file: each one is read from the environment variable named here.",
        "# Next: set those variables, then `mailer check`, `mailer preview checkin`,",
        "# and `mailer send checkin --to-me` for a test before going live.",
        "",
        "# The service: where it keeps its data, and the defaults for people.",
        "[service]",
        "# Records, the outbox ledger and the service's state; relative to this file's folder.",
        'data_dir = "data"',
        "# The time zone and language of people who have none of their own.",
        f"timezone = {_s(answers.timezone)}",
        f'language = "{answers.language}"',
        "# Signs reply tokens: keep it stable (see `mailer init`'s output for how to make one).",
        f'secret_env = "{SECRET_ENV}"',
        "",
        "# Outgoing mail: prompts, digests and receipts are sent from `from`.",
        *_server("smtp", answers.smtp, answers),
        "# Replies come back to this address, so it must be the mailbox that [imap] reads.",
        f"from = {_s(smtp_from)}",
        "",
        "# Incoming mail: where replies arrive.",
        *_server("imap", answers.imap, answers),
        *_oauth(answers),
        "",
        "# One [[teams]] table per team; copy the block for more teams.",
        "[[teams]]",
        f"name = {_s(answers.team)}",
        f"display_name = {_s(answers.team_name)}",
        "# Gets the weekly digest, the meeting brief and the monthly reflection.",
        f"manager = {_person(*answers.manager)}",
        "# Check-ins at this time on each person's own clock; the digest on the manager's.",
        'checkin = { days = ["mon", "wed", "fri"], time = "09:00" }',
        'review = { on = "first monday", time = "10:00" }',
        'digest = { day = "fri", time = "15:00" }',
        "# Also: feedback, reflection, meeting, availability, questions (see config/example.toml).",
    ]
    for name, email in answers.members:
        lines += ["", "[[teams.members]]", f"name = {_s(name)}", f"email = {_s(email)}",
                  "# timezone, language, country, goals, away, aliases: see config/example.toml"]
    return "\n".join(lines) + "\n"
