"""Load the TOML config and validate it into a frozen :class:`~mailer.models.Config`.

:func:`load_config` reads the file; :func:`parse_config` is pure (no I/O, no clock, no
environment) and reports every problem at once, each located by its key path and saying what
is expected, e.g. ``teams[0].members[2].timezone: unknown time zone "Europe/Stockholn" (did
you mean "Europe/Stockholm"?)``. Secrets never live in the file: only the names of the
environment variables (or commands) that hold them, resolved by :mod:`mailer.config.secrets`.

This module owns the entry points and the top-level assembly; the parts live in
:mod:`mailer.config.reader` (the problem collector), :mod:`mailer.config.values` (single
values), :mod:`mailer.config.sections` (service, SMTP, IMAP) and :mod:`mailer.config.teams`.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mailer.config import providers
from mailer.config.reader import Reader, scan
from mailer.config.sections import (
    IMAP_KEYS,
    PRIVACY_KEYS,
    SERVICE_KEYS,
    SMTP_KEYS,
    parse_imap,
    parse_privacy,
    parse_service,
    parse_smtp,
)
from mailer.config.teams import MEMBER_KEYS, TEAM_KEYS, parse_teams
from mailer.errors import ConfigError
from mailer.models import Config, ImapSettings, SmtpSettings, Team

_TOP_KEYS = ("service", "smtp", "imap", "teams", "privacy", "oauth2")
# The keys each table accepts, also under their old names here (tests/test_config.py checks
# that config/example.toml documents every one).
_SERVICE_KEYS, _SMTP_KEYS, _IMAP_KEYS = SERVICE_KEYS, SMTP_KEYS, IMAP_KEYS
_TEAM_KEYS, _MEMBER_KEYS = TEAM_KEYS, MEMBER_KEYS


def load_config(path: Path) -> Config:
    """Read and validate the config file.

    :raises ConfigError: the file is missing, not TOML (with line and column), or invalid;
        ``problems`` lists every problem found.
    """
    try:
        text = path.read_bytes().decode("utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError("no such file; copy config/example.toml there and edit it (or pass "
                          "--config PATH, or set MAILER_CONFIG)", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8",
                          path=str(path)) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror or exc}", path=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_problem(exc), path=str(path)) from exc
    try:
        config = parse_config(data, base_dir=path.resolve().parent)
    except ConfigError as exc:
        raise ConfigError(exc.problems, path=str(path)) from None
    return dataclasses.replace(config, path=path)


def _toml_problem(exc: tomllib.TOMLDecodeError) -> str:
    """``line 3, column 7: not valid TOML: Invalid value`` from the parser's message."""
    message = str(exc)
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if found:
        return f"line {found[1]}, column {found[2]}: not valid TOML: {message[:found.start()]}"
    return f"not valid TOML: {message}"


def parse_config(data: Mapping[str, Any], *, base_dir: Path | None = None) -> Config:
    """Validate parsed TOML into a :class:`Config`.

    :param base_dir: the config file's folder; relative paths (data_dir, templates_dir,
        ca_file) resolve against it. Without it they stay relative to the working directory.
    :raises ConfigError: with every problem found, each located by its key path.
    """
    problems: list[str] = []
    scan(data, "", problems)
    root = Reader(data, "", problems, _TOP_KEYS)
    service = parse_service(root.section("service", SERVICE_KEYS), base_dir)
    smtp = parse_smtp(root.section("smtp", SMTP_KEYS), base_dir)
    imap = parse_imap(root.section("imap", IMAP_KEYS), base_dir)
    oauth2 = providers.parse_oauth2(
        root.table("oauth2", providers.OAUTH2_KEYS, "an [oauth2] table"), base_dir)
    teams = parse_teams(root, service)
    privacy = parse_privacy(root.table("privacy", PRIVACY_KEYS, "a [privacy] table"))
    _cross_check(teams, smtp, imap, problems)
    providers.cross_check(smtp, imap, oauth2, problems)
    if problems:
        raise ConfigError(problems)
    return Config(service=service, smtp=smtp, imap=imap, teams=teams, privacy=privacy,
                  oauth2=oauth2)


# --------------------------------------------------------------------------- cross-section checks


def _cross_check(teams: Sequence[Team], smtp: SmtpSettings, imap: ImapSettings,
                 problems: list[str]) -> None:
    """Nobody on a team may use the service's own address: its prompts would loop."""
    own = {smtp.from_address, imap.username.lower()} - {""}
    for t_index, team in enumerate(teams):
        people = [("manager", team.manager)]
        people += [(f"members[{i}]", m) for i, m in enumerate(team.members)]
        for where, person in people:
            for address in sorted(person.addresses & own):
                problems.append(f"teams[{t_index}].{where}: \"{address}\" is the service's own "
                                "address (smtp.from / imap.username); use the person's address")
