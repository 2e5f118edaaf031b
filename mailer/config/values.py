"""Converters of single config values: each takes the raw TOML value and returns the typed
value or raises :class:`~mailer.config.reader.Invalid` saying what was expected.

Times, weekdays, monthly "on" rules, months, dates, durations, time zones and country codes
(with did-you-mean), languages, email addresses and senders, host names, security modes,
environment-variable names and secret commands. Pure; the reader adds the key path.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from email.utils import parseaddr
from functools import cache
from typing import Any, cast
from zoneinfo import ZoneInfo, available_timezones

import holidays

from mailer.addressing import is_valid_address
from mailer.config.reader import Invalid, show, suggest
from mailer.models import LANGUAGES, WEEKDAYS, Language, MonthlyRule, Security

_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_NAMES = {name: i for names in (WEEKDAYS, _FULL_WEEKDAYS) for i, name in enumerate(names)}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_SECURITY: dict[str, Security] = {"starttls": "starttls", "tls": "tls", "none": "none"}
_LANGUAGE: dict[str, Language] = {language: language for language in LANGUAGES}

_SLUG_RE = re.compile(r"^[a-z0-9-]+$")
_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_DURATION_RE = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?:in)?)?$")
_HOST_RE = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$")

EXPECT_TIME = 'a 24-hour time "HH:MM", e.g. "09:00"'
EXPECT_DAY = 'a weekday, "mon".."sun" or "monday".."sunday"'
EXPECT_ON = ('"first|second|third|fourth|last <weekday>", e.g. "first monday", '
             'or "day N" with N from 1 to 28')
EXPECT_DURATION = ('a duration such as "3h", "90m" or "1h30m", or a number of minutes '
                   '(0 turns catch-up off)')
_MAX_CATCH_UP = timedelta(days=7)


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def _countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def time_zone(raw: Any) -> ZoneInfo:
    if not isinstance(raw, str) or not raw.strip():
        raise Invalid(f'expected a time zone name such as "Europe/Stockholm", got {show(raw)}')
    if raw not in _zones():
        hint = suggest(raw, _zones()) or '; expected an IANA name such as "Europe/Stockholm"'
        raise Invalid(f"unknown time zone {show(raw)}{hint}")
    return ZoneInfo(raw)


def language(raw: Any) -> Language:
    if not isinstance(raw, str) or raw not in _LANGUAGE:
        raise Invalid(f'language {show(raw)} is not supported; expected "sv" or "en"')
    return _LANGUAGE[raw]


def country(raw: Any) -> str:
    code = raw.strip().upper() if isinstance(raw, str) else None
    if code is None or code not in _countries():
        raise Invalid(f"unknown country code {show(raw)} for public holidays; expected an "
                      'ISO 3166 code that the holidays package knows, such as "SE", "US" or "JP"')
    return code


def subdivision(country_code: str) -> Callable[[Any], str]:
    """The converter of a person's ``subdivision`` in ``country_code`` (``"ENG"`` in GB)."""
    def convert(raw: Any) -> str:
        known = holidays.list_supported_countries().get(country_code, [])
        code = raw.strip().upper() if isinstance(raw, str) else None
        if code is not None and code in known:
            return code
        if not known:
            raise Invalid(f"{show(raw)}: the holidays package knows no regions of "
                          f"{country_code}; leave subdivision out")
        listed = ", ".join(f'"{k}"' for k in known[:12]) + (", ..." if len(known) > 12 else "")
        hint = suggest(code, known) if code else ""
        raise Invalid(f"unknown subdivision {show(raw)} of {country_code} for public holidays"
                      f"{hint}; expected one of {listed}")
    return convert


def email(raw: Any) -> str:
    address = raw.strip().lower() if isinstance(raw, str) else ""
    if not is_valid_address(address):
        raise Invalid(f"{show(raw)} is not an email address; expected a bare address such "
                      'as "anna@example.com", without a name or angle brackets')
    return address


def emails(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise Invalid('expected a list of email addresses such as ["anna.berg@example.com"], '
                      f"got {show(raw)}")
    return tuple(email(item) for item in raw)


EXPECT_LOCALIZED = 'a text, or one per language such as { sv = "Tis 13-15", en = "Tue 1-3 pm" }'


def localized(raw: Any) -> dict[str, str]:
    """A text of the config given once or per language: ``{"": text}`` for a plain string,
    else ``{language: text}`` (every language the service knows, or some of them)."""
    if isinstance(raw, str):
        return {"": raw.strip()} if raw.strip() else {}
    if isinstance(raw, dict) and raw:
        texts: dict[Any, Any] = raw
        unknown = [str(k) for k in texts if k not in LANGUAGES]
        if unknown:
            raise Invalid(f'unknown language "{unknown[0]}"; expected {EXPECT_LOCALIZED}')
        if all(isinstance(v, str) and v.strip() for v in texts.values()):
            return {str(k): str(v).strip() for k, v in texts.items()}
    raise Invalid(f"expected {EXPECT_LOCALIZED}, got {show(raw)}")


def localized_list(raw: Any) -> tuple[dict[str, str], ...]:
    """A list of such texts (goals); empty entries are dropped."""
    if not isinstance(raw, list):
        raise Invalid(f'expected a list such as ["Ship v2"] or [{{ sv = "Släpp v2", '
                      f'en = "Ship v2" }}], got {show(raw)}')
    items: list[Any] = raw
    return tuple(texts for item in items if (texts := localized(item)))


def in_language(texts: dict[str, str], language: str) -> str:
    """The text of a :func:`localized` value for a reader of ``language``."""
    return texts.get("") or texts.get(language) or next(iter(texts.values()), "")


def clock(raw: Any) -> time:
    if isinstance(raw, time):  # an unquoted TOML local time (09:00:00)
        return raw.replace(second=0, microsecond=0)
    found = _TIME_RE.match(raw) if isinstance(raw, str) else None
    if not found or int(found[1]) > 23 or int(found[2]) > 59:
        raise Invalid(f"{show(raw)} is not a time; expected {EXPECT_TIME}")
    return time(int(found[1]), int(found[2]))


def weekday(raw: Any) -> int:
    name = raw.strip().lower() if isinstance(raw, str) else ""
    if name not in _WEEKDAY_NAMES:
        hint = suggest(name, _WEEKDAY_NAMES) if name else ""
        raise Invalid(f"unknown weekday {show(raw)}{hint}; expected {EXPECT_DAY}")
    return _WEEKDAY_NAMES[name]


def weekdays(raw: Any) -> tuple[int, ...]:
    if not isinstance(raw, list) or not raw:
        raise Invalid('expected a list of weekdays such as ["mon", "wed", "fri"], got '
                      f"{show(raw)}")
    days = [weekday(item) for item in raw]
    if len(set(days)) != len(days):
        raise Invalid("a weekday is listed twice; list each day once")
    return tuple(sorted(days))


def monthly_rule(raw: Any) -> MonthlyRule:
    words = raw.lower().split() if isinstance(raw, str) else []
    if len(words) != 2:
        raise Invalid(f"{show(raw)} is not understood; expected {EXPECT_ON}")
    first, second = words
    if first == "day":
        if not second.isdigit() or not 1 <= int(second) <= 28:
            raise Invalid(f"{show(raw)}: the day must be from 1 to 28, which every month "
                          'has; for the end of the month write e.g. "last friday"')
        return MonthlyRule(day=int(second), text=raw)
    if first not in _ORDINALS:
        hint = suggest(first, [*_ORDINALS, "day"])
        raise Invalid(f"{show(raw)} is not understood{hint}; expected {EXPECT_ON}")
    return MonthlyRule(nth=_ORDINALS[first], weekday=weekday(second), text=raw)


def months(raw: Any) -> tuple[int, ...]:
    items = raw if isinstance(raw, list) else []
    if not items or not all(isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12
                            for m in items):
        raise Invalid("expected a list of month numbers 1-12 such as [3, 6, 9, 12], got "
                      f"{show(raw)}")
    if len(set(items)) != len(items):
        raise Invalid("a month is listed twice; list each month once")
    return tuple(sorted(cast(list[int], items)))


def quarterly(raw: Any) -> tuple[int, ...]:
    """Feedback months: at most one per quarter, as feedback is collected per quarter."""
    chosen = months(raw)
    quarters = [(m - 1) // 3 for m in chosen]
    if len(set(quarters)) != len(quarters):
        raise Invalid(f"{show(raw)} asks twice in one quarter; feedback is collected once a "
                      "quarter, so list at most one month per quarter (e.g. [3, 6, 9, 12])")
    return chosen


def day(raw: Any) -> date:
    if isinstance(raw, date) and not isinstance(raw, datetime):  # an unquoted TOML local date
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise Invalid(f'{show(raw)} is not a date; expected "YYYY-MM-DD", e.g. "2026-12-21"')


def catch_up(raw: Any) -> timedelta:
    if isinstance(raw, int) and not isinstance(raw, bool):
        minutes = raw
    elif isinstance(raw, str) and raw.strip().isdigit():  # "0", "90": minutes, as the hint says
        minutes = int(raw.strip())
    elif isinstance(raw, str) and (found := _DURATION_RE.match(raw.replace(" ", "").lower())) \
            and (found[1] or found[2]):
        minutes = int(found[1] or 0) * 60 + int(found[2] or 0)
    else:
        raise Invalid(f"{show(raw)} is not a duration; expected {EXPECT_DURATION}")
    if not timedelta(0) <= timedelta(minutes=minutes) <= _MAX_CATCH_UP:
        raise Invalid(f"{show(raw)} is out of range; expected 0 to 168h (a week)")
    return timedelta(minutes=minutes)


def slug(raw: Any) -> str:
    if not isinstance(raw, str) or not _SLUG_RE.match(raw):
        fixed = re.sub(r"[^a-z0-9]+", "-", str(raw).lower()).strip("-") or "platform"
        raise Invalid(f"{show(raw)} is not a slug; expected lowercase letters, digits and "
                      f'"-" only, e.g. "{fixed}" (put the pretty name in display_name)')
    return raw


def security(raw: Any) -> Security:
    if not isinstance(raw, str) or raw not in _SECURITY:
        raise Invalid(f'{show(raw)} is not a security mode; expected "starttls", "tls" or '
                      '"none" ("none" only towards a loopback host)')
    return _SECURITY[raw]


def host(raw: Any) -> str:
    host = raw.strip() if isinstance(raw, str) else ""
    if _is_ip(host) or _HOST_RE.match(host):
        return host
    raise Invalid(f"{show(raw)} is not a host name; expected a name such as "
                  '"mail.example.com" or an IP address, without scheme or port (the port '
                  "goes in port)")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and "localhost": the only hosts we talk to without TLS."""
    if host.lower().rstrip(".") == "localhost":
        return True
    return _is_ip(host) and ipaddress.ip_address(host).is_loopback


def env_name(raw: Any) -> str:
    if not isinstance(raw, str) or not _ENV_RE.match(raw):
        # Never echo the value: it may be the password itself, put here by mistake.
        raise Invalid('expected the NAME of an environment variable, such as '
                      '"MAILER_SMTP_PASSWORD" (letters, digits and "_"); put the secret '
                      "itself in that variable, never in the config")
    return raw


def command(raw: Any) -> str:
    try:
        words = shlex.split(raw) if isinstance(raw, str) else []
    except ValueError as exc:
        raise Invalid(f"cannot split the command ({exc}); check its quotes") from exc
    if not words:
        raise Invalid('expected a command that prints the secret, e.g. "pass show mailer/smtp"')
    return cast(str, raw)


def from_header(raw: Any) -> tuple[str, str]:
    name, address = parseaddr(raw) if isinstance(raw, str) else ("", "")
    if not is_valid_address(address.lower()):
        raise Invalid(f"{show(raw)} is not a sender; expected "
                      '"Display Name <address@example.com>" or a bare address')
    return name.strip(), address.lower()
