"""The one config factory of the tests: a valid config as the TOML file holds it, as data.

Every test builds its config here, so that a new required key or a changed default is one edit:
:func:`config_data` gives the dict (override any part), :func:`on_stack` points it at the
test's real mail servers, :func:`make_config` parses it the way ``mailer`` does, and
:func:`write_config` writes it as TOML for tests that run ``mailer`` itself.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from mailer.config.load import parse_config
from mailer.models import Config

if TYPE_CHECKING:
    from tests.mailstack import MailStack

IMAP_PASSWORD_ENV = "MAILER_TEST_IMAP_PASSWORD"
SMTP_PASSWORD_ENV = "MAILER_TEST_SMTP_PASSWORD"
SECRET_ENV = "MAILER_TEST_SECRET"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def member(name: str, email: str, **extra: Any) -> dict[str, Any]:
    """One ``[[teams.members]]`` entry (``extra``: language, timezone, aliases, goals, ...)."""
    return {"name": name, "email": email, **extra}


def config_data(*, domain: str = "example.com", data_dir: Path | str | None = None,
                members: list[dict[str, Any]] | None = None, team: dict[str, Any] | None = None,
                service: dict[str, Any] | None = None, smtp: dict[str, Any] | None = None,
                imap: dict[str, Any] | None = None,
                teams: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A valid config: one team "platform" (manager Maria Lind; Anna Berg and Erik Holm by
    default), loopback servers without TLS. Each keyword replaces or extends its part."""
    data: dict[str, Any] = {
        "service": {"timezone": "Europe/Stockholm", "language": "sv",
                    **({"data_dir": str(data_dir)} if data_dir is not None else {}),
                    **(service or {})},
        "smtp": {"host": "127.0.0.1", "port": 2525, "security": "none",
                 "from": f"Team check-in <checkin@{domain}>", **(smtp or {})},
        "imap": {"host": "127.0.0.1", "port": 1143, "security": "none",
                 "username": f"checkin@{domain}", "password_env": IMAP_PASSWORD_ENV,
                 **(imap or {})},
    }
    for section, given in (("smtp", smtp or {}), ("imap", imap or {})):
        if data[section]["host"] not in LOOPBACK:
            # A real host gets the real defaults (STARTTLS / implicit TLS), as in a user's file.
            for key in ("port", "security"):
                if key not in given:
                    del data[section][key]
    default_members = [member("Anna Berg", f"anna@{domain}", aliases=["anna.berg@gmail.com"]),
                       member("Erik Holm", f"erik@{domain}")]
    data["teams"] = teams if teams is not None else [{
        "name": "platform",
        "manager": {"name": "Maria Lind", "email": f"maria@{domain}"},
        "members": members if members is not None else default_members,
        **(team or {}),
    }]
    return data


def on_stack(data: dict[str, Any], stack: MailStack, *, imap_user: str | None = None,
             imap_password_env: str | None = IMAP_PASSWORD_ENV) -> dict[str, Any]:
    """``data`` sending through the stack's submission port (STARTTLS + AUTH) and reading
    over IMAPS, both trusting its throwaway certificate."""
    data = copy.deepcopy(data)
    data["smtp"] = {**data["smtp"], "host": stack.host, "port": stack.submission_port,
                    "security": "starttls", "username": stack.smtp_user,
                    "password_env": SMTP_PASSWORD_ENV, "ca_file": str(stack.ca_file)}
    imap = {**data["imap"], "host": stack.host, "port": stack.imaps_port, "security": "tls",
            "ca_file": str(stack.ca_file)}
    if imap_user is not None:
        imap["username"] = imap_user
    if imap_password_env is None:
        imap.pop("password_env", None)
    data["imap"] = imap
    return data


def make_config(data: dict[str, Any] | None = None, **kwargs: Any) -> Config:
    """``data`` (default: :func:`config_data` of ``kwargs``) parsed as ``mailer`` parses it."""
    return parse_config(data if data is not None else config_data(**kwargs))


def write_config(path: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` as the TOML file an operator would keep; returns ``path``."""
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path
