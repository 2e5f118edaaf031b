"""Load the TOML config and validate it into a frozen :class:`~mailer.models.Config`.

:func:`load_config` reads the file; :func:`parse_config` is pure (no I/O, no clock, no
environment) and reports every problem at once, each located by its key path and saying what
is expected, e.g. ``teams[0].members[2].timezone: unknown time zone "Europe/Stockholn" (did
you mean "Europe/Stockholm"?)``. Secrets never live in the file: only the names of the
environment variables (or commands) that hold them, resolved by :mod:`mailer.secrets`.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import json
import re
import shlex
import tomllib
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from email.utils import parseaddr
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo, available_timezones

import holidays

from mailer.addressing import header_safe, is_valid_address
from mailer.errors import ConfigError
from mailer.models import (
    ANSWERED_KINDS,
    LANGUAGES,
    WEEKDAYS,
    CheckinSchedule,
    Config,
    FeedbackSchedule,
    ImapSettings,
    Language,
    MeetingSchedule,
    MonthlyRule,
    MonthlySchedule,
    Period,
    Person,
    Question,
    Security,
    ServiceSettings,
    SmtpSettings,
    Team,
    WeeklySchedule,
)
from mailer.questions import parse_questions

T = TypeVar("T")

_TOP_KEYS = ("service", "smtp", "imap", "teams")
_SERVICE_KEYS = ("data_dir", "timezone", "language", "secret_env", "templates_dir", "catch_up",
                 "retention_months", "text_retention_months")
_SERVER_KEYS = ("host", "port", "security", "username", "password_env", "password_command",
                "ca_file", "timeout")
_SMTP_KEYS = (*_SERVER_KEYS, "from", "max_connections", "max_attempts", "plus_tokens")
_IMAP_KEYS = (*_SERVER_KEYS, "folder", "processed_folder", "quarantine_folder", "poll_seconds",
              "max_message_bytes", "trusted_authserv_id")
_TEAM_KEYS = ("name", "display_name", "manager", "members", "availability", "checkin", "review",
              "feedback", "reflection", "digest", "meeting", "confirmations", "questions")
_MANAGER_KEYS = ("name", "email", "timezone", "language", "country", "away", "aliases")
_MEMBER_KEYS = (*_MANAGER_KEYS, "goals")

_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_NAMES = {name: i for names in (WEEKDAYS, _FULL_WEEKDAYS) for i, name in enumerate(names)}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_SECURITY: dict[str, Security] = {"starttls": "starttls", "tls": "tls", "none": "none"}
_LANGUAGE: dict[str, Language] = {language: language for language in LANGUAGES}
_DEFAULT_PORTS = {"smtp": {"starttls": 587, "tls": 465, "none": 25},
                  "imap": {"starttls": 143, "tls": 993, "none": 143}}

_SLUG_RE = re.compile(r"^[a-z0-9-]+$")
_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_DURATION_RE = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?:in)?)?$")
_HOST_RE = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$")
_BARE_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")

_EXPECT_TIME = 'a 24-hour time "HH:MM", e.g. "09:00"'
_EXPECT_DAY = 'a weekday, "mon".."sun" or "monday".."sunday"'
_EXPECT_ON = ('"first|second|third|fourth|last <weekday>", e.g. "first monday", '
              'or "day N" with N from 1 to 28')
_EXPECT_DURATION = ('a duration such as "3h", "90m" or "1h30m", or a number of minutes '
                    '(0 turns catch-up off)')

_NO_PASSWORD = ("never put a password in the config file; set password_env to the name of an "
                "environment variable that holds it (e.g. \"MAILER_SMTP_PASSWORD\"), or "
                "password_command to a command that prints it")
_CONTROL = ("contains a line break (CR/LF) or NUL; write it on one line (such values end up in "
            "mail headers, where a line break could inject a header)")
_MAX_CATCH_UP = timedelta(days=7)


class _Invalid(ValueError):
    """A value is wrong; the message says what was expected (the reader adds the key path)."""


# --------------------------------------------------------------------------- entry points


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
    _scan(data, "", problems)
    root = _Reader(data, "", problems, _TOP_KEYS)
    service = _service(root.section("service", _SERVICE_KEYS), base_dir)
    smtp = _smtp(root.section("smtp", _SMTP_KEYS), base_dir)
    imap = _imap(root.section("imap", _IMAP_KEYS), base_dir)
    teams = _teams(root, service)
    _cross_check(teams, smtp, imap, problems)
    if problems:
        raise ConfigError(problems)
    return Config(service=service, smtp=smtp, imap=imap, teams=teams)


# --------------------------------------------------------------------------- the reader


def _show(value: Any) -> str:
    """A value as TOML would write it, shortened (control characters escaped)."""
    if isinstance(value, dict):
        return "a table"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _key_path(path: str, key: str) -> str:
    key = key if _BARE_KEY_RE.match(key) else json.dumps(key, ensure_ascii=False)
    return f"{path}.{key}" if path else key


def _suggest(word: str, choices: Collection[str]) -> str:
    """`` (did you mean "x"?)`` or an empty string."""
    lowered = {choice.lower(): choice for choice in choices}
    if word.lower() in lowered and word not in choices:
        return f' (did you mean "{lowered[word.lower()]}"?)'
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _has_control(value: Any) -> bool:
    """True when a string anywhere in ``value`` holds CR, LF or NUL (see :func:`_scan`)."""
    if isinstance(value, str):
        return not header_safe(value)
    if isinstance(value, dict):
        value = list(cast(dict[str, Any], value).values())
    return isinstance(value, list) and any(_has_control(item) for item in cast(list[Any], value))


def _scan(value: Any, path: str, problems: list[str]) -> None:
    """Problems anywhere in the tree: a literal ``password`` key, CR/LF/NUL in a string."""
    if isinstance(value, dict):
        for key, item in cast(dict[str, Any], value).items():
            at = _key_path(path, key)
            if key.lower() == "password":
                problems.append(f"{at}: {_NO_PASSWORD}")
            else:
                _scan(item, at, problems)
    elif isinstance(value, list):
        for index, item in enumerate(cast(list[Any], value)):
            _scan(item, f"{path}[{index}]", problems)
    elif isinstance(value, str) and not header_safe(value):
        problems.append(f"{path}: {_CONTROL}")


class _Reader:
    """Typed getters over one TOML table that record problems instead of raising.

    A getter returns a fallback when the value is missing or wrong, so parsing goes on and
    finds every problem; :func:`parse_config` raises when any was recorded.
    """

    def __init__(self, data: Mapping[str, Any], path: str, problems: list[str],
                 keys: Collection[str]) -> None:
        self.data, self.path, self.problems = data, path, problems
        for key in data:
            if key not in keys and key.lower() != "password":  # _scan reports password keys
                hint = _suggest(key, keys) or "; expected one of: " + ", ".join(keys)
                self.add(key, f"unknown key{hint}")

    def at(self, key: str) -> str:
        return _key_path(self.path, key)

    def add(self, key: str, message: str) -> None:
        self.problems.append(f"{self.at(key)}: {message}")

    def value(self, key: str, convert: Callable[[Any], T], default: T, *,
              required: bool = False, expect: str = "") -> T:
        """The converted value of ``key``; a :class:`_Invalid` from ``convert`` is recorded."""
        if key not in self.data:
            if required:
                self.add(key, f"missing; expected {expect}")
            return default
        raw = self.data[key]
        if _has_control(raw):  # already reported by _scan
            return default
        try:
            return convert(raw)
        except _Invalid as exc:
            self.add(key, str(exc))
            return default

    def text(self, key: str, expect: str, default: str = "", *, required: bool = False) -> str:
        def convert(raw: Any) -> str:
            if not isinstance(raw, str) or (required and not raw.strip()):
                raise _Invalid(f"expected {expect}, got {_show(raw)}")
            return raw.strip() or default
        return self.value(key, convert, default, required=required, expect=expect)

    def optional_text(self, key: str, expect: str) -> str | None:
        return self.text(key, expect, "") or None

    def integer(self, key: str, default: int, low: int, high: int | None = None) -> int:
        def convert(raw: Any) -> int:
            if isinstance(raw, bool) or not isinstance(raw, int) or raw < low or (
                    high is not None and raw > high):
                bound = f"from {low} to {high}" if high is not None else f"{low} or more"
                raise _Invalid(f"expected a whole number {bound}, got {_show(raw)}")
            return raw
        return self.value(key, convert, default)

    def number(self, key: str, default: float, low: float, high: float) -> float:
        def convert(raw: Any) -> float:
            if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not low < raw <= high:
                raise _Invalid(f"expected a number of seconds above {low:g} and at most "
                               f"{high:g}, got {_show(raw)}")
            return float(raw)
        return self.value(key, convert, default)

    def flag(self, key: str, default: bool) -> bool:
        def convert(raw: Any) -> bool:
            if not isinstance(raw, bool):
                raise _Invalid(f"expected true or false (no quotes), got {_show(raw)}")
            return raw
        return self.value(key, convert, default)

    def path_value(self, key: str, base_dir: Path | None, default: str = "") -> Path | None:
        """A path; relative ones resolve against ``base_dir`` (the config file's folder)."""
        text = self.text(key, "a file or folder path", default)
        if not text:
            return None
        path = Path(text).expanduser()
        return base_dir / path if base_dir is not None and not path.is_absolute() else path

    def table(self, key: str, keys: Collection[str], expect: str) -> _Reader | None:
        """The sub-table ``key``, or None when absent (or wrong, which is recorded)."""
        raw = self.data.get(key)
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.add(key, f"expected {expect}, got {_show(raw)}")
            return None
        return _Reader(cast(dict[str, Any], raw), self.at(key), self.problems, keys)

    def section(self, key: str, keys: Sequence[str]) -> _Reader:
        """A required top-level ``[key]`` table; an empty one (after recording) when missing."""
        found = self.table(key, keys, f"a [{key}] table")
        if found is not None:
            return found
        if key not in self.data:
            self.add(key, f"missing; expected a [{key}] table with " + ", ".join(keys[:4]) + "...")
        return _Reader({}, self.at(key), [], keys)

    def tables(self, key: str, keys: Collection[str], expect: str, *,
               required: bool = False) -> list[_Reader]:
        """An array of tables (``[[teams]]``, ``away = [{...}]``)."""
        raw = self.data.get(key)
        if raw is None:
            if required:
                self.add(key, f"missing; expected {expect}")
            return []
        if not isinstance(raw, list) or (required and not raw):
            self.add(key, f"expected {expect}, got {_show(raw)}")
            return []
        readers: list[_Reader] = []
        for index, item in enumerate(cast(list[Any], raw)):
            at = f"{self.at(key)}[{index}]"
            if isinstance(item, dict):
                readers.append(_Reader(cast(dict[str, Any], item), at, self.problems, keys))
            else:
                self.problems.append(f"{at}: expected a table, got {_show(item)}")
        return readers


# --------------------------------------------------------------------------- value converters


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def _countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def _timezone(raw: Any) -> ZoneInfo:
    if not isinstance(raw, str) or not raw.strip():
        raise _Invalid(f'expected a time zone name such as "Europe/Stockholm", got {_show(raw)}')
    if raw not in _zones():
        hint = _suggest(raw, _zones()) or '; expected an IANA name such as "Europe/Stockholm"'
        raise _Invalid(f"unknown time zone {_show(raw)}{hint}")
    return ZoneInfo(raw)


def _language(raw: Any) -> Language:
    if not isinstance(raw, str) or raw not in _LANGUAGE:
        raise _Invalid(f'language {_show(raw)} is not supported; expected "sv" or "en"')
    return _LANGUAGE[raw]


def _country(raw: Any) -> str:
    code = raw.strip().upper() if isinstance(raw, str) else None
    if code is None or code not in _countries():
        raise _Invalid(f"unknown country code {_show(raw)} for public holidays; expected an "
                       'ISO 3166 code that the holidays package knows, such as "SE", "US" or "JP"')
    return code


def _email(raw: Any) -> str:
    address = raw.strip().lower() if isinstance(raw, str) else ""
    if not is_valid_address(address):
        raise _Invalid(f"{_show(raw)} is not an email address; expected a bare address such "
                       'as "anna@example.com", without a name or angle brackets')
    return address


def _emails(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise _Invalid('expected a list of email addresses such as ["anna.berg@example.com"], '
                       f"got {_show(raw)}")
    return tuple(_email(item) for item in cast(list[Any], raw))


def _strings(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in cast(list[Any], raw)):
        raise _Invalid(f'expected a list of strings such as ["Ship v2"], got {_show(raw)}')
    return tuple(x.strip() for x in cast(list[str], raw) if x.strip())


def _clock(raw: Any) -> time:
    if isinstance(raw, time):  # an unquoted TOML local time (09:00:00)
        return raw.replace(second=0, microsecond=0)
    found = _TIME_RE.match(raw) if isinstance(raw, str) else None
    if not found or int(found[1]) > 23 or int(found[2]) > 59:
        raise _Invalid(f"{_show(raw)} is not a time; expected {_EXPECT_TIME}")
    return time(int(found[1]), int(found[2]))


def _weekday(raw: Any) -> int:
    name = raw.strip().lower() if isinstance(raw, str) else ""
    if name not in _WEEKDAY_NAMES:
        hint = _suggest(name, _WEEKDAY_NAMES) if name else ""
        raise _Invalid(f"unknown weekday {_show(raw)}{hint}; expected {_EXPECT_DAY}")
    return _WEEKDAY_NAMES[name]


def _weekdays(raw: Any) -> tuple[int, ...]:
    if not isinstance(raw, list) or not raw:
        raise _Invalid('expected a list of weekdays such as ["mon", "wed", "fri"], got '
                       f"{_show(raw)}")
    days = [_weekday(item) for item in cast(list[Any], raw)]
    if len(set(days)) != len(days):
        raise _Invalid("a weekday is listed twice; list each day once")
    return tuple(sorted(days))


def _monthly_rule(raw: Any) -> MonthlyRule:
    words = raw.lower().split() if isinstance(raw, str) else []
    if len(words) != 2:
        raise _Invalid(f"{_show(raw)} is not understood; expected {_EXPECT_ON}")
    first, second = words
    if first == "day":
        if not second.isdigit() or not 1 <= int(second) <= 28:
            raise _Invalid(f"{_show(raw)}: the day must be from 1 to 28, which every month "
                           'has; for the end of the month write e.g. "last friday"')
        return MonthlyRule(day=int(second), text=raw)
    if first not in _ORDINALS:
        hint = _suggest(first, [*_ORDINALS, "day"])
        raise _Invalid(f"{_show(raw)} is not understood{hint}; expected {_EXPECT_ON}")
    return MonthlyRule(nth=_ORDINALS[first], weekday=_weekday(second), text=raw)


def _months(raw: Any) -> tuple[int, ...]:
    items = cast(list[Any], raw) if isinstance(raw, list) else []
    if not items or not all(isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12
                            for m in items):
        raise _Invalid("expected a list of month numbers 1-12 such as [3, 6, 9, 12], got "
                       f"{_show(raw)}")
    if len(set(items)) != len(items):
        raise _Invalid("a month is listed twice; list each month once")
    return tuple(sorted(cast(list[int], items)))


def _quarterly(raw: Any) -> tuple[int, ...]:
    """Feedback months: at most one per quarter, as feedback is collected per quarter."""
    months = _months(raw)
    quarters = [(m - 1) // 3 for m in months]
    if len(set(quarters)) != len(quarters):
        raise _Invalid(f"{_show(raw)} asks twice in one quarter; feedback is collected once a "
                       "quarter, so list at most one month per quarter (e.g. [3, 6, 9, 12])")
    return months


def _day(raw: Any) -> date:
    if isinstance(raw, date) and not isinstance(raw, datetime):  # an unquoted TOML local date
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise _Invalid(f'{_show(raw)} is not a date; expected "YYYY-MM-DD", e.g. "2026-12-21"')


def _catch_up(raw: Any) -> timedelta:
    if isinstance(raw, int) and not isinstance(raw, bool):
        minutes = raw
    elif isinstance(raw, str) and (found := _DURATION_RE.match(raw.replace(" ", "").lower())) \
            and (found[1] or found[2]):
        minutes = int(found[1] or 0) * 60 + int(found[2] or 0)
    else:
        raise _Invalid(f"{_show(raw)} is not a duration; expected {_EXPECT_DURATION}")
    if not timedelta(0) <= timedelta(minutes=minutes) <= _MAX_CATCH_UP:
        raise _Invalid(f"{_show(raw)} is out of range; expected 0 to 168h (a week)")
    return timedelta(minutes=minutes)


def _slug(raw: Any) -> str:
    if not isinstance(raw, str) or not _SLUG_RE.match(raw):
        fixed = re.sub(r"[^a-z0-9]+", "-", str(raw).lower()).strip("-") or "platform"
        raise _Invalid(f"{_show(raw)} is not a slug; expected lowercase letters, digits and "
                       f'"-" only, e.g. "{fixed}" (put the pretty name in display_name)')
    return raw


def _security(raw: Any) -> Security:
    if not isinstance(raw, str) or raw not in _SECURITY:
        raise _Invalid(f'{_show(raw)} is not a security mode; expected "starttls", "tls" or '
                       '"none" ("none" only towards a loopback host)')
    return _SECURITY[raw]


def _host(raw: Any) -> str:
    host = raw.strip() if isinstance(raw, str) else ""
    if _is_ip(host) or _HOST_RE.match(host):
        return host
    raise _Invalid(f"{_show(raw)} is not a host name; expected a name such as "
                   '"mail.example.com" or an IP address, without scheme or port (the port '
                   "goes in port)")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and "localhost": the only hosts we talk to without TLS."""
    if host.lower().rstrip(".") == "localhost":
        return True
    return _is_ip(host) and ipaddress.ip_address(host).is_loopback


def _env_name(raw: Any) -> str:
    if not isinstance(raw, str) or not _ENV_RE.match(raw):
        # Never echo the value: it may be the password itself, put here by mistake.
        raise _Invalid('expected the NAME of an environment variable, such as '
                       '"MAILER_SMTP_PASSWORD" (letters, digits and "_"); put the secret '
                       "itself in that variable, never in the config")
    return raw


def _command(raw: Any) -> str:
    try:
        words = shlex.split(raw) if isinstance(raw, str) else []
    except ValueError as exc:
        raise _Invalid(f"cannot split the command ({exc}); check its quotes") from exc
    if not words:
        raise _Invalid('expected a command that prints the secret, e.g. "pass show mailer/smtp"')
    return cast(str, raw)


# --------------------------------------------------------------------------- sections


def _service(r: _Reader, base_dir: Path | None) -> ServiceSettings:
    retention = r.integer("retention_months", 24, 1, 1200)
    text_retention = r.value("text_retention_months", lambda raw: _text_retention(raw, retention),
                             None)
    return ServiceSettings(
        data_dir=r.path_value("data_dir", base_dir, "data") or Path("data"),
        timezone=r.value("timezone", _timezone, ZoneInfo("UTC"), required=True,
                         expect='the default time zone, e.g. "Europe/Stockholm"'),
        language=r.value("language", _language, "en"),
        secret_env=r.value("secret_env", _env_name, "MAILER_SECRET"),
        templates_dir=r.path_value("templates_dir", base_dir),
        catch_up=r.value("catch_up", _catch_up, timedelta(hours=3)),
        retention_months=retention,
        text_retention_months=text_retention,
    )


def _text_retention(raw: Any, retention: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= retention:
        raise _Invalid(f"expected a whole number of months from 1 to retention_months "
                       f"({retention}), got {_show(raw)}")
    return raw


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


def _server(r: _Reader, base_dir: Path | None, *, kind: str, security: Security,
            timeout: float, login_required: bool) -> _Server:
    host = r.value("host", _host, "localhost", required=True,
                   expect=f'the server\'s host name, e.g. "{kind}.example.com"')
    mode: Security = r.value("security", _security, security)
    if mode == "none" and "host" in r.data and not _is_loopback(host):
        r.add("security", '"none" sends the password and the mail in clear text, so it is only '
                          "allowed towards a loopback host (127.0.0.1, ::1, localhost), not "
                          f'{_show(host)}; use "starttls" or "tls"')
    username = (r.text("username", 'the login name, e.g. "checkin@example.com"',
                       required=login_required) or None)
    env = r.value("password_env", _env_name, None)
    command = r.value("password_command", _command, None)
    if env and command:
        r.add("password_command", "set either password_env or password_command, not both")
    if username and "password_env" not in r.data and "password_command" not in r.data:
        r.add("password_env", f'missing; the server needs a password for {_show(username)}: set '
                              f'password_env = "MAILER_{kind.upper()}_PASSWORD" (the name of an '
                              "environment variable) or password_command")
    default_port = _DEFAULT_PORTS[kind][mode]
    return _Server(host=host, port=r.integer("port", default_port, 1, 65535), security=mode,
                   username=username, password_env=env, password_command=command,
                   ca_file=r.path_value("ca_file", base_dir),
                   timeout=r.number("timeout", timeout, 0, 3600))


def _smtp(r: _Reader, base_dir: Path | None) -> SmtpSettings:
    server = _server(r, base_dir, kind="smtp", security="starttls", timeout=30.0,
                     login_required=False)
    name, address = r.value("from", _from_header, ("", ""), required=True,
                            expect='the sender, e.g. "Team check-in <checkin@example.com>"')
    return SmtpSettings(
        host=server.host, port=server.port, security=server.security,
        username=server.username, password_env=server.password_env,
        password_command=server.password_command, ca_file=server.ca_file,
        timeout=server.timeout, from_address=address, from_name=name,
        max_connections=r.integer("max_connections", 4, 1, 100),
        max_attempts=r.integer("max_attempts", 5, 1, 100),
        plus_tokens=r.flag("plus_tokens", False),
    )


def _from_header(raw: Any) -> tuple[str, str]:
    name, address = parseaddr(raw) if isinstance(raw, str) else ("", "")
    if not is_valid_address(address.lower()):
        raise _Invalid(f"{_show(raw)} is not a sender; expected "
                       '"Display Name <address@example.com>" or a bare address')
    return name.strip(), address.lower()


def _imap(r: _Reader, base_dir: Path | None) -> ImapSettings:
    server = _server(r, base_dir, kind="imap", security="tls", timeout=60.0, login_required=True)
    folder = "a folder name such as \"INBOX\" or \"Checkins/Processed\""
    return ImapSettings(
        host=server.host, port=server.port, security=server.security,
        username=server.username or "", password_env=server.password_env,
        password_command=server.password_command, ca_file=server.ca_file,
        timeout=server.timeout,
        folder=r.text("folder", folder, "INBOX"),
        processed_folder=r.text("processed_folder", folder, "Checkins/Processed"),
        quarantine_folder=r.text("quarantine_folder", folder, "Checkins/Quarantine"),
        poll_seconds=r.integer("poll_seconds", 60, 5, 86400),
        max_message_bytes=r.integer("max_message_bytes", 10 * 1024 * 1024, 1024),
        trusted_authserv_id=r.optional_text(
            "trusted_authserv_id", 'the authserv-id of your server\'s Authentication-Results, '
                                   'e.g. "mx.example.com"'),
    )


# --------------------------------------------------------------------------- teams and people


def _teams(root: _Reader, service: ServiceSettings) -> tuple[Team, ...]:
    readers = root.tables("teams", _TEAM_KEYS, required=True,
                          expect="at least one [[teams]] table with name, manager and members")
    teams = tuple(_team(r, service) for r in readers)
    seen: dict[str, str] = {}
    for r, team in zip(readers, teams, strict=True):
        if team.name and team.name in seen:
            r.add("name", f'team name "{team.name}" is already used by {seen[team.name]}; '
                          "team names must be unique")
        seen.setdefault(team.name, r.path)
    return teams


def _team(r: _Reader, service: ServiceSettings) -> Team:
    """One ``[[teams]]`` table; problems come in the order of the example file."""
    name = r.value("name", _slug, "", required=True,
                   expect='a short slug of lowercase letters, digits and "-", e.g. "platform"')
    return Team(
        name=name,
        display_name=r.text("display_name", "a display name such as \"Platform team\"", name),
        manager=_manager(r, service),
        availability=r.text("availability", 'a line such as "Tue and Thu 13-15, else mail"'),
        checkin=_checkin(r.table("checkin", ("days", "time"), _CHECKIN_EXAMPLE)),
        review=_monthly(r.table("review", ("on", "time", "months"), _MONTHLY_EXAMPLE)),
        feedback=_feedback(r.table("feedback", ("on", "time", "months", "min_respondents"),
                                   _MONTHLY_EXAMPLE)),
        reflection=_monthly(r.table("reflection", ("on", "time", "months"), _MONTHLY_EXAMPLE)),
        digest=_weekly(r.table("digest", ("day", "time"), _WEEKLY_EXAMPLE)),
        meeting=_meeting(r.table("meeting", ("day", "time", "brief_minutes_before"),
                                 _WEEKLY_EXAMPLE)),
        confirmations=r.flag("confirmations", True),
        questions=_questions(r.table("questions", ANSWERED_KINDS,
                                     "a table of question lists per kind")),
        members=_members(r, service),
    )


def _manager(r: _Reader, service: ServiceSettings) -> Person:
    found = r.table("manager", _MANAGER_KEYS, "a table { name = ..., email = ... }")
    if found is None and "manager" not in r.data:
        r.add("manager", 'missing; expected { name = "Maria Lind", email = "maria@example.com" }')
    return _person(found or _Reader({}, "", [], ()), service)


def _members(r: _Reader, service: ServiceSettings) -> tuple[Person, ...]:
    readers = r.tables("members", _MEMBER_KEYS, required=True,
                       expect="at least one [[teams.members]] table with name and email")
    members = tuple(_person(m, service) for m in readers)
    _check_duplicates(readers, members)
    return members


_CHECKIN_EXAMPLE = 'a table such as { days = ["mon", "wed", "fri"], time = "09:00" }'
_MONTHLY_EXAMPLE = 'a table such as { on = "first monday", time = "10:00" }'
_WEEKLY_EXAMPLE = 'a table such as { day = "fri", time = "15:00" }'


def _person(r: _Reader, service: ServiceSettings) -> Person:
    return Person(
        name=r.text("name", 'the person\'s name, e.g. "Anna Berg"', required=True),
        email=r.value("email", _email, "", required=True,
                      expect='an email address, e.g. "anna@example.com"'),
        timezone=r.value("timezone", _timezone, service.timezone),
        language=r.value("language", _language, service.language),
        country=r.value("country", _country, "SE"),
        goals=r.value("goals", _strings, ()),
        away=tuple(_period(a) for a in r.tables(
            "away", ("from", "to"), 'a list of periods such as [{ from = "2026-12-21", '
                                    'to = "2027-01-06" }]')),
        aliases=r.value("aliases", _emails, ()),
    )


def _period(r: _Reader) -> Period:
    expect = 'a date "YYYY-MM-DD" (both ends are included)'
    start = r.value("from", _day, date.min, required=True, expect=expect)
    end = r.value("to", _day, date.max, required=True, expect=expect)
    if start > end:
        r.add("to", f"{end} is before from ({start}); expected the last day away, on or after "
                    "the first")
    return Period(start, end)


def _check_duplicates(readers: Sequence[_Reader], members: Sequence[Person]) -> None:
    """Every address (email and aliases) names one member of the team."""
    owner: dict[str, str] = {}
    for r, person in zip(readers, members, strict=True):
        for key, address in [("email", person.email), *(("aliases", a) for a in person.aliases)]:
            if address and address in owner and owner[address] != r.path:
                r.add(key, f'"{address}" is already used by {owner[address]}; each member needs '
                           "their own address")
            owner.setdefault(address, r.path)


def _checkin(r: _Reader | None) -> CheckinSchedule | None:
    if r is None:
        return None
    days: tuple[int, ...] = r.value(
        "days", _weekdays, (0,), required=True,
        expect='a list of weekdays such as ["mon", "wed", "fri"]')
    return CheckinSchedule(days=days, time=r.value("time", _clock, time(9), required=True,
                                                  expect=_EXPECT_TIME))


def _monthly(r: _Reader | None) -> MonthlySchedule | None:
    if r is None:
        return None
    return MonthlySchedule(
        on=r.value("on", _monthly_rule, MonthlyRule(day=1), required=True, expect=_EXPECT_ON),
        time=r.value("time", _clock, time(10), required=True, expect=_EXPECT_TIME),
        months=r.value("months", _months, tuple(range(1, 13))),
    )


def _feedback(r: _Reader | None) -> FeedbackSchedule | None:
    if r is None:
        return None
    return FeedbackSchedule(
        on=r.value("on", _monthly_rule, MonthlyRule(day=1), required=True, expect=_EXPECT_ON),
        time=r.value("time", _clock, time(10), required=True, expect=_EXPECT_TIME),
        months=r.value("months", _quarterly, (3, 6, 9, 12)),
        # Fewer than 2 respondents would let the manager tell who wrote what.
        min_respondents=r.integer("min_respondents", 3, 2, 1000),
    )


def _weekly(r: _Reader | None) -> WeeklySchedule | None:
    if r is None:
        return None
    return WeeklySchedule(
        day=r.value("day", _weekday, 4, required=True, expect=_EXPECT_DAY),
        time=r.value("time", _clock, time(15), required=True, expect=_EXPECT_TIME),
    )


def _meeting(r: _Reader | None) -> MeetingSchedule | None:
    if r is None:
        return None
    return MeetingSchedule(
        day=r.value("day", _weekday, 1, required=True, expect=_EXPECT_DAY),
        time=r.value("time", _clock, time(10), required=True, expect=_EXPECT_TIME),
        brief_minutes_before=r.integer("brief_minutes_before", 30, 1, 1440),
    )


def _questions(r: _Reader | None) -> dict[str, tuple[Question, ...]]:
    if r is None:
        return {}
    result: dict[str, tuple[Question, ...]] = {}
    for kind in ANSWERED_KINDS:
        if kind in r.data and not _has_control(r.data[kind]):
            questions, problems = parse_questions(r.data[kind], where=r.at(kind))
            r.problems.extend(problems)
            if questions:
                result[kind] = questions
    return result


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
