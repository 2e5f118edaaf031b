"""The header fields a :class:`~mailer.parse.replies.Reply` keeps, read from the message.

This module owns reading them: the Message-IDs (Message-ID, In-Reply-To, References), the
sender and authors (From: the address as written, only the display name decoded), the
recipients that may carry a token, the Date (:func:`parse_date`, a fast path for the usual
form, else the stdlib), the machine markers a reply can still carry and
Authentication-Results (:class:`AuthResult`). Problems are appended to the caller's list;
nothing here raises on a bad field. :mod:`mailer.parse.replies` builds the Reply.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.utils import parsedate_to_datetime

from mailer.parse.classify import Classification, header_text
from mailer.parse.message import addresses, field_names, raw_values
from mailer.parse.text_decoding import decode_header

__all__ = [
    "AuthResult",
    "auth_results",
    "authors",
    "auto_submitted",
    "first_message_id",
    "from_fields_of",
    "message_ids",
    "parse_date",
    "recipients",
    "sender",
    "sent_date",
]

_MSGID_RE = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class AuthResult:
    """One Authentication-Results header (RFC 8601): who checked, and the DMARC verdict."""

    authserv_id: str
    dmarc: str | None  # "pass", "fail", "none", ... or None when the header has no dmarc=


def message_ids(msg: Message, name: str, first: int, last: int,
                problems: list[str]) -> tuple[str, ...]:
    """The Message-IDs of field ``name``: all of them, or the ``first`` and the ``last`` ones
    (and a problem) when there are more."""
    found = _MSGID_RE.findall(header_text(msg, name))
    if len(found) <= first + last:
        return tuple(found)
    problems.append(f"{name} has {len(found)} Message-IDs: only {first + last} are looked up")
    return tuple(found[:first] + found[len(found) - last:])


def sender(from_fields: list[str]) -> tuple[str, str]:
    """The first author (of :func:`from_fields_of`): the address as written in the field, only
    the display name decoded.

    RFC 2047 5: encoded-words may stand in a display name, never in an address. Decoding the
    field first made ``=?utf-8?q?anna=40example.com?= <mallory@evil.example>`` the address
    anna@example.com, while a DMARC check upstream judged evil.example.
    """
    found = addresses(*from_fields[:1])
    return (decode_header(found[0][0]), found[0][1]) if found else ("", "")


def authors(from_fields: list[str]) -> set[str]:
    """The addresses of the From fields (of :func:`from_fields_of`), lower-cased."""
    return {address.lower() for _, address in addresses(*from_fields) if address}


def from_fields_of(msg: Message) -> list[str]:
    """The From fields as written, each on one line."""
    return [" ".join(value.split()) for value in raw_values(msg, "from")]


def first_message_id(value: str) -> str | None:
    """The first ``<...>`` of a Message-ID value, else the whole value bracketed; None when
    blank."""
    found = _MSGID_RE.search(value)
    return found.group(0) if found else (f"<{value.strip()}>" if value.strip() else None)


def recipients(msg: Message) -> tuple[str, ...]:
    """The addresses of To, Cc, Delivered-To and X-Original-To, lower-cased: where a
    plus-token may be."""
    values = [header_text(msg, name) for name in ("To", "Cc", "Delivered-To", "X-Original-To")]
    return tuple(addr.lower() for _, addr in addresses(*[v for v in values if v]) if addr)


def sent_date(msg: Message, problems: list[str]) -> datetime | None:
    """The Date field, aware (UTC when it names no zone); None (and a problem when it is
    unreadable) without one."""
    value = header_text(msg, "Date")
    if not value:
        return None
    try:
        parsed = parse_date(value)
    except (TypeError, ValueError, IndexError, OverflowError):  # OverflowError: year 2222222026
        problems.append(f"unreadable Date header {value[:40]!r}")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


#: The date-time of RFC 5322 3.3 as nearly every client writes it ("Mon, 07 Dec 2026 09:30:11
#: +0100", whitespace already folded), read without the stdlib's general tokenizer.
_RFC5322_DATE = re.compile(r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?([0-9]{1,2}) "
                           r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9][0-9]{3}) "
                           r"([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-][0-9]{4})")
_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


def parse_date(value: str) -> datetime:
    """``email.utils.parsedate_to_datetime(value)``, the same value or exception, with a
    fast path for the usual form; any other goes to the stdlib."""
    found = _RFC5322_DATE.fullmatch(value)
    if found is None:
        return parsedate_to_datetime(value)
    day, month, year, hour, minute, second, zone = found.groups()
    offset = int(zone)
    if offset == 0 and zone[0] == "-":  # RFC 5322 3.3: "-0000", local time of no known zone
        return datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute),
                        int(second))
    # email._parseaddr._parsedate_tz's arithmetic, "+0175" included
    sign = -1 if offset < 0 else 1
    offset = sign * (abs(offset) // 100 * 3600 + abs(offset) % 100 * 60)
    return datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second),
                    tzinfo=dt.timezone(dt.timedelta(seconds=offset)))


def auto_submitted(msg: Message, kind: Classification) -> bool:
    """Any machine marker at all: a kind other than a person's reply, or a vendor field."""
    return kind.kind != "reply" or not _AUTO_FIELDS.isdisjoint(field_names(msg))


#: The vendor markers of machine mail a reply can still carry (lower-cased field names).
_AUTO_FIELDS = frozenset(("x-autoreply", "x-autorespond"))


def auth_results(msg: Message) -> list[AuthResult]:
    """Each Authentication-Results field: its authserv-id and DMARC verdict."""
    results = []
    for value in msg.get_all("Authentication-Results") or []:
        text = " ".join(str(value).split())
        # RFC 8601 2.2: authserv-id [version] ; resinfo ; ...  (comments in parentheses)
        text = re.sub(r"\([^()]*\)", "", text)
        head, _, rest = text.partition(";")
        authserv = head.strip().split(" ")[0].lower() if head.strip() else ""
        dmarc = re.search(r"(?:^|;)\s*dmarc\s*=\s*([a-z]+)", ";" + rest, re.IGNORECASE)
        results.append(AuthResult(authserv, dmarc.group(1).lower() if dmarc else None))
    return results
