"""Message-IDs, signed reply tokens and address handling. Pure: no network, no clock.

A reply token names a slot without revealing it and cannot be forged without the service
secret: ``token = slot_id + mac`` where ``slot_id`` is 8 base32 characters derived from the
slot key and ``mac`` the first 8 base32 characters of HMAC-SHA256(secret, slot_id). It appears
in three places, so that a reply can be matched whichever of them the mail client keeps:

* the prompt's ``Message-ID`` (``<TOKEN.KIND@domain>``), echoed in ``In-Reply-To``/``References``;
* the subject, as ``[#TOKEN]`` (kept by every client when replying);
* optionally the ``Reply-To`` plus-address (``checkin+TOKEN@example.com``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from email.headerregistry import Address
from email.utils import getaddresses, parseaddr

from mailer.models import Slot

TOKEN_LENGTH = 16
_TOKEN_RE = re.compile(r"\b([a-z2-7]{16})\b")
_SUBJECT_TOKEN_RE = re.compile(r"\[#([a-z2-7]{16})\]", re.IGNORECASE)
_MSGID_TOKEN_RE = re.compile(r"<([a-z2-7]{16})\.[a-z]+@", re.IGNORECASE)
# A deliberately strict address shape: one @, no spaces or control characters, a dotted domain.
_ADDRESS_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def _b32(data: bytes, length: int) -> str:
    return base64.b32encode(data).decode("ascii").lower()[:length]


def slot_id(slot: Slot) -> str:
    return _b32(hashlib.sha256(slot.key.encode("utf-8")).digest(), 8)


def sign(identifier: str, secret: bytes) -> str:
    return _b32(hmac.new(secret, identifier.encode("ascii"), hashlib.sha256).digest(), 8)


def mint_token(slot: Slot, secret: bytes) -> str:
    """The signed token of a slot: stable, so a resend after a crash reuses it."""
    ident = slot_id(slot)
    return ident + sign(ident, secret)


def verify_token(token: str, secret: bytes) -> bool:
    """True when the token was minted with this secret (constant-time comparison)."""
    token = token.lower()
    if len(token) != TOKEN_LENGTH:
        return False
    return hmac.compare_digest(sign(token[:8], secret), token[8:])


def message_id(token: str, kind: str, domain: str) -> str:
    """The prompt's Message-ID (RFC 5322 3.6.4), with angle brackets."""
    return f"<{token}.{kind}@{domain}>"


def token_from_message_id(value: str) -> str | None:
    match = _MSGID_TOKEN_RE.search(value or "")
    return match.group(1).lower() if match else None


def token_from_subject(subject: str) -> str | None:
    match = _SUBJECT_TOKEN_RE.search(subject or "")
    return match.group(1).lower() if match else None


def token_from_address(address: str, mailbox: str) -> str | None:
    """The token of a plus-address ``local+TOKEN@domain`` of the service ``mailbox``."""
    local, _, domain = normalize_address(address).partition("@")
    base_local, _, base_domain = mailbox.lower().partition("@")
    if domain != base_domain or "+" not in local:
        return None
    base, _, tag = local.partition("+")
    if base != base_local:
        return None
    match = _TOKEN_RE.fullmatch(tag)
    return match.group(1) if match else None


def plus_address(mailbox: str, token: str) -> str:
    local, _, domain = mailbox.partition("@")
    return f"{local}+{token}@{domain}"


def subject_with_token(subject: str, token: str) -> str:
    return f"{subject} [#{token}]"


def normalize_address(address: str) -> str:
    """Lowercased bare address of a header value ("Anna <Anna@X.se>" -> "anna@x.se")."""
    return parseaddr(address or "")[1].strip().lower()


def is_valid_address(address: str) -> bool:
    return bool(_ADDRESS_RE.match(address or "")) and len(address) <= 254


def header_safe(value: str) -> bool:
    """False when a value would break a header (CR, LF or NUL: header injection)."""
    return not any(ch in value for ch in "\r\n\0")


def format_address(name: str, address: str) -> str:
    """A From/To value with the display name properly quoted or encoded (RFC 5322 3.4)."""
    if not header_safe(name) or not header_safe(address):
        raise ValueError("CR, LF or NUL in an address")
    local, _, domain = address.partition("@")
    return str(Address(display_name=name, username=local, domain=domain))


def header_addresses(header_values: list[str]) -> list[str]:
    """Every bare, lowercased address in the given header values (From, To, Cc...)."""
    return [addr.lower() for _, addr in getaddresses(header_values) if addr]


def domain_of(address: str) -> str:
    return normalize_address(address).rpartition("@")[2] or "localhost"
