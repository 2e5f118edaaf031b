"""What kind of message came in: a person's reply, an auto-reply, or a bounce. Pure.

It owns two questions about a parsed message, each answered from bytes alone (no network,
no clock):

* :func:`classify`: ``reply``, ``auto_reply`` (out-of-office, vacation, read receipt) or
  ``bounce`` (delivery status notification), with the marker that decided it;
* :func:`failed_recipients`: which addresses a bounce reports as failed.

The day an out-of-office says its sender is back is :mod:`mailer.parse.return_dates`'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_string
from email.errors import MessageError
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses
from functools import lru_cache
from typing import Literal

from mailer.parse.message import addresses, field_names
from mailer.parse.mime import content_param
from mailer.parse.text_decoding import decode_header as decoded_value

#: "unsure": maybe machine mail, maybe a person (mailer.parse.machine): neither recorded nor
#: confirmed; a person looks at it in the Review folder.
MessageKind = Literal["reply", "auto_reply", "bounce", "unsure"]


@dataclass(frozen=True)
class Classification:
    kind: MessageKind
    #: The marker that decided it, for the log ("Auto-Submitted: auto-replied").
    reason: str = ""
    #: An auto-reply that says its sender is away (pauses prompts); False for read receipts,
    #: list mail and other machine mail that says nothing about the person.
    out_of_office: bool = False
    #: Away only by a responder's header (Auto-Submitted: auto-replied, X-Autoreply, Exchange's
    #: rules loop), which ticket systems, list software and "I answer within two days"
    #: responders send as well: the text has to say the absence (mailer.parse.replies).
    away_unconfirmed: bool = False


@dataclass(frozen=True)
class FailedRecipient:
    address: str
    action: str = "failed"  # RFC 3464 2.3.3: failed / delayed / delivered / relayed / expanded
    status: str = ""  # "5.1.1"

    @property
    def permanent(self) -> bool:
        return self.action == "failed" or self.status.startswith("5")


def header_text(msg: Message, name: str) -> str:
    """A header decoded to one line of text; "" when missing or undecodable (never raises).

    NUL characters are dropped (RFC 5322 allows none): a Message-ID or Subject carrying one
    would make the receipt's In-Reply-To or Subject header unsendable.
    """
    value = msg.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        # compat32 hands raw 8-bit values (RFC 6532 UTF-8 headers, old clients' Latin-1) over
        # as a Header whose str() is U+FFFD replacement characters: decode the bytes instead.
        value = decoded_value(value)
    text = str(value)
    if "=?" in text:  # RFC 2047 encoded-words; decoding plain text costs as much
        text = _encoded_words(text)
    return " ".join(text.replace("\x00", "").split())


@lru_cache(maxsize=256)
def _encoded_words(text: str) -> str:
    """``text`` with its RFC 2047 encoded-words decoded, or as it is when they cannot be.
    Kept: one reply's Subject is read twice, and the replies to one prompt share theirs."""
    try:
        return str(make_header(decode_header(text)))
    except (LookupError, UnicodeError, ValueError, TypeError, MessageError):
        # MessageError: CharsetError for a charset label holding a raw 8-bit byte.
        return text


# --------------------------------------------------------------------------- classification

# Subjects of out-of-office replies as Outlook, Exchange, Gmail, Apple Mail and Swedish
# webmail write them (localized by the *sender's* client, so both languages always apply).
_AWAY_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|frånvaro|frånvarande|semester|vacation|on vacation|"
    r"away from (the )?office|abwesenheit|absence)\b",
    re.IGNORECASE,
)
# "Automatic reply:" is Exchange's subject for whatever its automatic replies say, a
# delegate's address or "I answer within two days" as well as an absence: like a responder's
# header, it needs its text to say the absence (Classification.away_unconfirmed).
_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|autosvar|automatiskt svar)\b", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliverable|undelivered mail|delivery status notification|"
    r"mail delivery (failed|failure|system)|returned mail|failure notice|"
    r"olevererbart|kunde inte levereras)\b",
    re.IGNORECASE,
)
#: Local parts of the addresses MTAs report from, written without separators: Verizon's
#: gateway writes "post_master", others "Mailer_Daemon" or "mail.daemon".
_DAEMON_LOCALS = frozenset(("mailerdaemon", "postmaster", "maildaemon"))
_SEPARATORS = re.compile(r"[-_.]")
#: RFC 3464 and RFC 6533 (internationalised) delivery-status parts.
_DSN_TYPES = frozenset(("message/delivery-status", "message/global-delivery-status"))


def classify(msg: Message, *, subject: str | None = None) -> Classification:
    """The kind of a message, from its headers and MIME structure; ``subject``: its Subject
    as :func:`header_text` reads it, when the caller has read it already.

    Bounces first: a DSN (RFC 3464) is multipart/report with report-type delivery-status, and
    is often *also* marked Auto-Submitted (RFC 3834 5), so it must not be taken for an
    out-of-office. Then RFC 3834 and the vendor markers, then the subject.
    """
    parts = _part_types(msg)
    report = msg.get_content_type() == "multipart/report"
    if report or not _DSN_TYPES.isdisjoint(parts) or "message/feedback-report" in parts:
        # A delivery-status part is a DSN's whatever wraps it: some gateways (McAfee Email
        # Gateway) send it inside multipart/mixed.
        report_type = content_param(msg, "report-type")
        if report_type == "disposition-notification":
            return Classification("auto_reply", "read receipt (RFC 8098)")
        if report_type == "feedback-report" or "message/feedback-report" in parts:
            # A complaint (RFC 5965 ARF: Yahoo's and Microsoft's feedback loops): someone
            # reported a message as spam. The address works; marking it failing would stop
            # the check-ins for a reason the manager could not see.
            return Classification("auto_reply", "feedback report (RFC 5965)")
        if _only_delays(failed_recipients(msg)):
            return Classification("auto_reply", "delay notice (RFC 3464 Action: delayed)")
        return Classification("bounce", "multipart/report (RFC 3464)" if report
                              else "delivery status part (RFC 3464)")
    if subject is None:
        subject = header_text(msg, "Subject")
    from_field = header_text(msg, "From")
    sender = addresses(from_field)
    local = sender[0][1].partition("@")[0].lower() if sender else ""
    if _SEPARATORS.sub("", local) in _DAEMON_LOCALS:
        if _DELAY_SUBJECT.match(subject):
            return Classification("auto_reply", f"delay notice (Subject: {subject[:40]})")
        return Classification("bounce", f"From: {local}")
    if "text/calendar" in parts and _calendar_reply(msg):
        # Calendars answer an invitation with METHOD:REPLY (RFC 5546 3.2.3): accepted,
        # declined ("conflicts with another event") or tentative, by themselves or by a click;
        # we send no invitations, so it says nothing about the person's check-in.
        return Classification("auto_reply", "calendar reply (text/calendar METHOD:REPLY/COUNTER)")
    marker = _auto_reply_marker(msg)
    # "Fwd: Automatic reply: ...": a person forwarding an auto-reply (with a note or their
    # answers above it); no responder forwards. The subject says nothing of its sender then.
    bare = "" if _FORWARD_PREFIX.match(subject) else _strip_prefixes(subject)
    away_subject = bool(_AWAY_SUBJECT.match(bare))
    auto_subject = not away_subject and bool(_AUTO_SUBJECT.match(bare))
    if marker is not None:
        reason, away = marker
        return Classification("auto_reply", reason, away or away_subject or auto_subject,
                              away_unconfirmed=(away or auto_subject) and not away_subject)
    if away_subject or auto_subject:
        return Classification("auto_reply", f"Subject: {subject[:40]}", True,
                              away_unconfirmed=auto_subject)
    return_path = header_text(msg, "Return-Path")
    if return_path.replace(" ", "") == "<>" or (
        msg.get("Return-Path") is not None and not return_path.strip()
    ):
        # A null reverse-path (RFC 5321 4.5.5) is reserved for notifications; with no other
        # marker it is a non-standard bounce.
        return Classification("bounce", "empty Return-Path")
    if from_field.replace(" ", "") == "<>":
        # The same null path written into From (McAfee Email Gateway's DSNs): no person's
        # client can send that.
        return Classification("bounce", "empty From")
    if local and _LIST_ADMIN.search(local) and not _LIST_SOFTWARE_FIELDS.isdisjoint(
            field_names(msg)):
        # A list's own address (fml's "-admin", Mailman's "-owner", "-bounces", "-request")
        # on mail its list software stamped: a notice of the list ("you are not a member",
        # "loop alert"), never a person's answer.
        return Classification("auto_reply", f"list notice (From: {local})")
    if _BOUNCE_SUBJECT.match(subject):
        return Classification("bounce", f"Subject: {subject[:40]}")
    return Classification("reply")


# A delay is no failure (RFC 3464 2.3.3): delivery goes on and the address may yet work.
_NOT_FAILED = frozenset(("delayed", "delivered", "relayed", "expanded"))
# Delay warnings of MTAs that send them as plain text from MAILER-DAEMON: Exchange "Delivery
# delayed:", Postfix "Delayed Mail (still being retried)", Exim "Warning: message ... delayed",
# Sendmail "Warning: could not send message for past 4 hours".
_DELAY_SUBJECT = re.compile(
    r"^\s*(?:delivery delayed|delayed mail|delay notification|warning: (?:message|could not)|"
    r"leverans(?:en)? (?:är )?fördröjd|fördröjd leverans)", re.IGNORECASE)


def _only_delays(found: tuple[FailedRecipient, ...]) -> bool:
    """A DSN that reports recipients, none of them failed: a delay (or success) notice."""
    return bool(found) and all(f.action in _NOT_FAILED and not f.status.startswith("5")
                               for f in found)


# RFC 2369 List-* fields, ezmlm's Mailing-List, fml's X-MLServer, Mailman's version stamp.
_LIST_SOFTWARE_FIELDS = frozenset((
    "list-id", "list-help", "list-subscribe", "list-unsubscribe", "list-post", "list-owner",
    "mailing-list", "x-mlserver", "x-mailman-version"))
_LIST_ADMIN = re.compile(r"-(?:admin|owner|bounces|request|ctl)$")


def _part_types(msg: Message) -> frozenset[str]:
    """The content types of the parts of ``msg`` (empty for a single part)."""
    if not msg.is_multipart():
        return frozenset()
    return frozenset(part.get_content_type() for part in msg.walk())


def _calendar_reply(msg: Message) -> bool:
    """A text/calendar part answering an invitation, as calendars send it: METHOD:REPLY, or
    METHOD:COUNTER (RFC 5546 3.2.7: another time proposed, Outlook's "New Time Proposed")."""
    for part in msg.walk():
        if part.get_content_type() != "text/calendar":
            continue
        if content_param(part, "method") in ("reply", "counter"):
            return True
        payload = part.get_payload(decode=True)
        head = payload[:2000].upper() if isinstance(payload, bytes) else b""
        if b"METHOD:REPLY" in head or b"METHOD:COUNTER" in head:
            return True
    return False


def _strip_prefixes(subject: str) -> str:
    # "SV: Automatiskt svar: ..." and "Re: Out of Office" never come from a person's reply
    # to us anyway; strip one level so the marker word is at the start.
    return _REPLY_PREFIXES.sub("", subject)


_REPLY_PREFIXES = re.compile(r"^\s*((re|sv|aw|vs|fw|fwd)\s*:\s*)+", re.IGNORECASE)
#: A forward's prefix first: English, Swedish "VB" (vidarebefordrat),
#: German "WG", French "TR", Spanish "RV" (not "VS": a forward in Danish, a reply in Finnish).
_FORWARD_PREFIX = re.compile(r"^\s*(?:fw|fwd|vb|wg|tr|rv)\s*:", re.IGNORECASE)


#: The fields :func:`_auto_reply_marker` reads, lower-cased: without any, there is no marker.
_MARKER_FIELDS = frozenset((
    "auto-submitted", "x-autoreply", "x-autorespond", "x-autoresponder",
    "x-ms-exchange-inbox-rules-loop", "precedence", "x-auto-generated", "x-autogenerated"))


def _auto_reply_marker(msg: Message) -> tuple[str, bool] | None:
    """(the marker, whether it speaks of absence), or None for no machine marker."""
    if _MARKER_FIELDS.isdisjoint(field_names(msg)):
        return None  # most replies: one pass over the names spares the nine lookups below
    auto = header_text(msg, "Auto-Submitted").lower()
    if auto and not auto.startswith("no"):
        # RFC 3834 5.2: "auto-replied" is what vacation responders send (Gmail, Sieve
        # vacation, Exchange OOF); "auto-generated" is any other machine mail.
        return f"Auto-Submitted: {auto.split(';')[0]}", auto.startswith("auto-replied")
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if msg.get(name) is not None:
            return name, True
    if msg.get("X-MS-Exchange-Inbox-Rules-Loop") is not None:
        # Exchange stamps mail its inbox rules (and the OOF assistant) generate. Note that
        # X-Auto-Response-Suppress is set by Outlook on ordinary mail: it is NOT a marker.
        return "X-MS-Exchange-Inbox-Rules-Loop", True
    precedence = header_text(msg, "Precedence").lower()
    if precedence in ("auto_reply", "auto-reply"):
        return f"Precedence: {precedence}", True
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}", False
    if header_text(msg, "X-Auto-Generated").lower() or msg.get("X-Autogenerated") is not None:
        return "X-Autogenerated", False
    return None


# --------------------------------------------------------------------------- bounces


def failed_recipients(msg: Message) -> tuple[FailedRecipient, ...]:
    """The recipients a bounce reports: the DSN's Final-Recipient (RFC 3464 2.3.2), else the
    To of the returned original message, else nothing."""
    found: list[FailedRecipient] = []
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            found += _dsn_recipients(part)
    if found:
        return tuple(found)
    for part in msg.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            original = _embedded(part)
            if original is not None:
                to = getaddresses([header_text(original, "To")])
                return tuple(FailedRecipient(a.lower()) for _, a in to if "@" in a)
    return ()


def _dsn_recipients(part: Message) -> list[FailedRecipient]:
    payload = part.get_payload()
    blocks: list[Message] = [p for p in payload if isinstance(p, Message)] if isinstance(
        payload, list) else []
    result = []
    for block in blocks:
        final = header_text(block, "Final-Recipient") or header_text(block, "Original-Recipient")
        if not final:
            continue
        address = final.partition(";")[2].strip() if ";" in final else final.strip()
        address = address.strip("<>").lower()
        if "@" in address:
            result.append(FailedRecipient(
                address,
                header_text(block, "Action").lower() or "failed",
                header_text(block, "Status").split(" ")[0],
            ))
    return result


def _embedded(part: Message) -> Message | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    if isinstance(payload, str):  # text/rfc822-headers: headers as text

        return message_from_string(payload)
    return None
