"""One inbound message, understood: ``parse_reply(raw, received_at=...) -> Reply``. Pure.

It owns the step from raw RFC 5322 bytes to a frozen :class:`Reply`: the headers the service
acts on (Message-ID, In-Reply-To, References, From, the recipients that may carry a token,
Authentication-Results: read by :mod:`mailer.parse.reply_headers`), the kind
(:mod:`mailer.parse.classify`), the new text and its segments (:mod:`mailer.parse.mime`
decodes, :mod:`mailer.parse.extract` strips quotes and signatures) and, for an out-of-office,
the return date. It never raises: whatever is missing or broken becomes a ``None`` and a line
in ``Reply.problems``.

``mailer parse-reply`` (:func:`parse_file`) runs this, plus answer mapping against
the default check-in questions, on files: no mailbox, no ledger, no secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from operator import itemgetter

from mailer.models import Question
from mailer.parse.answers import map_answers
from mailer.parse.classify import (
    Classification,
    FailedRecipient,
    MessageKind,
    classify,
    failed_recipients,
    header_text,
)
from mailer.parse.commands import Command, after_command, parse_command
from mailer.parse.extract import Segment, split_html_reply, split_reply
from mailer.parse.extract_html import html_to_text
from mailer.parse.machine import MachineScore, score_machine, speaks_of_absence
from mailer.parse.message import MAX_HEADER_CHARS
from mailer.parse.message_parser import parse_message
from mailer.parse.mime import decode_message, decode_parsed
from mailer.parse.prompt_text import PromptText
from mailer.parse.reply_headers import (
    AuthResult,
    auth_results,
    authors,
    auto_submitted,
    first_message_id,
    from_fields_of,
    message_ids,
    recipients,
    sender,
    sent_date,
)
from mailer.parse.return_dates import find_return_date
from mailer.parse.text_decoding import decode_bytes

# Message-IDs looked up per message: each is a ledger query. Kept: the first In-Reply-To
# ids and the first and last References (RFC 5322 3.6.4: the thread's root comes first,
# the parent last; clients that trim keep both ends).
_MAX_IN_REPLY_TO = 10
_MAX_REFERENCES = (10, 40)


@dataclass(frozen=True)
class Reply:
    key: str  # records.reply_key: sha1 of the Message-ID and the body, else of the bytes
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    from_address: str  # bare, lowercased; "" when missing
    from_name: str
    recipients: tuple[str, ...]  # To, Cc, Delivered-To, X-Original-To: where a plus-token may be
    date: datetime | None
    received_at: datetime
    kind: MessageKind
    kind_reason: str
    out_of_office: bool
    #: Any machine marker at all (RFC 3834): such mail never gets a confirmation.
    auto_submitted: bool
    text: str  # what the sender newly wrote
    segments: tuple[Segment, ...]
    full_text: str  # the whole decoded text body
    # dt.date: in this class body "date" is the field above, not the class.
    return_date: dt.date | None  # for an out-of-office: the first day back
    failed: tuple[FailedRecipient, ...]  # for a bounce
    auth_results: tuple[AuthResult, ...]
    size: int
    problems: tuple[str, ...] = ()


def parse_reply(raw: bytes, *, received_at: datetime, prompt: PromptText | None = None) -> Reply:
    """Understand one message. Never raises; problems are data.

    :param received_at: when the mailbox got it (IMAP INTERNALDATE): the record's time and
        "today" for dates without a year in an out-of-office.
    :param prompt: what the prompt it answers said, when known (:func:`with_prompt` does the
        same after the prompt is found).
    """
    return _read(raw, received_at, prompt)[0]


def _read(raw: bytes, received_at: datetime,
          prompt: PromptText | None) -> tuple[Reply, Command | None]:
    """:func:`parse_reply`, and the reply command of a person's reply (None for any other
    kind): its kind is weighed with it, and ``parse_file`` prints it."""
    try:
        return _understand(raw, raw, received_at, [], prompt)
    except RecursionError:
        # The stdlib parser (and Message.walk) recurse once per MIME level, so ~1,000
        # nested parts raise; that is an attack, not mail. Read the headers alone.
        head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0] + b"\n\n"
        return _understand(raw, head, received_at,
                           ["MIME nested too deeply to read: only the headers were read"], prompt)


def with_prompt(reply: Reply, prompt: PromptText | None) -> Reply:
    """``reply`` read again knowing what its prompt said (prompt-aware extraction): the
    prompt's lines are quoted material wherever the client put them. Unchanged when the
    prompt is unknown or the message is not a person's reply."""
    if prompt is None or reply.kind != "reply":
        return reply
    parts = split_reply(reply.full_text, sender_name=reply.from_name or reply.from_address,
                        prompt=prompt)
    return replace(reply, text=parts.new_text, segments=parts.segments)


def _understand(raw: bytes, data: bytes, received_at: datetime,
                problems: list[str], prompt: PromptText | None = None
                ) -> tuple[Reply, Command | None]:
    """:func:`_read` on ``data`` (``raw`` itself, or only its headers); key and size of
    ``raw``."""
    msg = parse_message(data)
    # compat32 never raises on bad headers; defects are only noted.
    if msg.defects:
        names = ", ".join(type(defect).__name__ for defect in msg.defects[:3])
        problems.append(f"malformed message: {names}")
    message_id = first_message_id(header_text(msg, "Message-ID"))
    if message_id is None:
        problems.append("no Message-ID: the record is keyed on the content")
    if max(map(len, map(itemgetter(1), msg.raw_items())), default=0) >= MAX_HEADER_CHARS:
        problems.append(f"a header field over {MAX_HEADER_CHARS} characters was cut")
    subject = header_text(msg, "Subject")
    kind = classify(msg, subject=subject)
    # Parsed once: decode_message would parse the bytes again (NUL bytes it removes first).
    body = decode_parsed(msg) if b"\x00" not in data else decode_message(data)
    problems += body.problems
    full_text = body.text or ""
    if not full_text.strip() and body.html:
        full_text = html_to_text(body.html)  # HTML-only mail (Outlook on the web, some phones)
    if not full_text.strip():
        problems.append("no readable text in the message")
    from_fields = from_fields_of(msg)
    from_name, from_address = sender(from_fields)
    parts = split_reply(full_text, sender_name=from_name or from_address,  # "/Erik" sign-offs
                        prompt=prompt)
    command: Command | None = None
    if kind.kind == "reply":
        # No header says "machine" (RFC 3834): weigh what the sender wrote (mailer.machine).
        command = parse_command(parts.new_text, today=received_at.date())
        kind = _by_content(kind, score_machine(sender=from_address, display_name=from_name,
                                               subject=subject, text=parts.new_text,
                                               command=command is not None))
    said = parts.new_text or full_text
    # From what the sender wrote: a quoted prompt holds dates too ("PAUS till 2026-12-21").
    return_date = find_return_date(f"{subject}\n{said}", today=received_at.date()) \
        if kind.out_of_office else None
    if kind.away_unconfirmed and return_date is None and not speaks_of_absence(said):
        # A responder's header or "Automatic reply:" (which the text rules would read as
        # saying it is automatic), and no absence in the text.
        kind = replace(kind, out_of_office=False)
    if not from_address:
        problems.append("no From address")
    elif len(authors(from_fields)) > 1:
        # RFC 5322 3.6.2: more than one author needs a Sender; a reply has one. With two,
        # a DMARC check upstream may have judged the other one: trust neither.
        problems.append("more than one From address: the sender is unknown")
        from_address = ""
    reply = Reply(
        key=reply_key(message_id, full_text, raw),
        message_id=message_id,
        in_reply_to=message_ids(msg, "In-Reply-To", _MAX_IN_REPLY_TO, 0, problems),
        references=message_ids(msg, "References", *_MAX_REFERENCES, problems),
        subject=subject,
        from_address=from_address.strip().lower(),
        from_name=from_name,
        recipients=recipients(msg),
        date=sent_date(msg, problems),
        received_at=received_at,
        kind=kind.kind,
        kind_reason=kind.reason,
        out_of_office=kind.out_of_office,
        auto_submitted=auto_submitted(msg, kind),
        text=parts.new_text,
        segments=parts.segments,
        full_text=full_text,
        return_date=return_date,
        failed=failed_recipients(msg) if kind.kind == "bounce" else (),
        auth_results=tuple(auth_results(msg)),
        size=len(raw),
        problems=tuple(problems),
    )
    return reply, command if reply.kind == "reply" else None


def _by_content(kind: Classification, score: MachineScore) -> Classification:
    verdict = score.verdict
    if verdict == "person":
        return kind
    reason = "content: " + ", ".join(score.reasons[:3])
    if verdict == "unsure":
        return Classification("unsure", reason)
    return Classification("auto_reply", reason, score.away)


def record_id(message_id: str | None, raw: bytes) -> str:
    """sha1 of the Message-ID, or of the whole message when it has none."""
    basis = message_id.strip().encode("utf-8", "surrogateescape") if message_id else raw
    return hashlib.sha1(basis).hexdigest()


def reply_key(message_id: str | None, body: str, raw: bytes) -> str:
    """The idempotency key of an inbound message: its Message-ID *and* a hash of its
    normalised body (whitespace runs folded), else the sha1 of the whole message.

    Some clients and gateways reuse a Message-ID for different messages: keyed on the id
    alone, the second reply was dropped as a duplicate. The same message fetched twice (other
    headers, other line endings or transfer encoding) keeps its key.
    """
    if not message_id:
        return record_id(None, raw)
    digest = hashlib.sha1(" ".join(body.split()).encode("utf-8", "surrogateescape")).hexdigest()
    return hashlib.sha1(f"{message_id.strip()}\n{digest}".encode("utf-8", "surrogateescape")
                        ).hexdigest()


# --------------------------------------------------------------------------- parse-reply


def parse_file(data: bytes, *, as_kind: str, questions: Sequence[Question],
               received_at: datetime, prompt: PromptText | None = None) -> dict[str, object]:
    """What ``mailer parse-reply`` prints for one file's bytes (``as_kind``: eml, text, html).

    The schema is stable and documented in the README ("Reading replies by hand"): ``kind``
    (reply, auto_reply, bounce, unsure), ``reason``, ``out_of_office``, ``return_date``,
    ``text``, ``command`` (``action``, ``until``, ``start``, ``reason``, ``problem``) or null,
    ``answers`` (question id -> text or number), ``problems`` and ``prompt_aware``. With the
    ``prompt`` the reply answers, its lines are quoted material wherever they stand.
    """
    return_date: dt.date | None = None
    reason, away = "", False
    command: Command | None  # read with the reply's kind (_read), or here for a bare text
    if as_kind == "eml":
        reply, command = _read(data, received_at, prompt)
        kind, text, segments = reply.kind, reply.text, reply.segments
        problems = list(reply.problems)
        reason, away, return_date = reply.kind_reason, reply.out_of_office, reply.return_date
    else:
        body, decoded = decode_bytes(data, None, html=as_kind == "html")
        parts = (split_html_reply if as_kind == "html" else split_reply)(body, prompt=prompt)
        kind, text, problems, segments = "reply", parts.new_text, list(decoded), parts.segments
        command = parse_command(text, today=received_at.date())
    answers: dict[str, object] = {}
    if kind == "reply":  # auto-replies, bounces and unsure mail answer nothing
        rest, pieces = after_command(text, segments, command.rest_of_line) if command else (
            text, segments)
        mapped = map_answers(rest, pieces, questions, prompt=prompt)
        answers = dict(mapped.answers)
        problems += mapped.problems
    return {"kind": kind, "reason": reason, "out_of_office": away,
            "return_date": return_date.isoformat() if return_date else None, "text": text,
            "command": _command_json(command), "answers": answers, "problems": problems,
            "prompt_aware": prompt is not None}


def _command_json(command: Command | None) -> dict[str, object] | None:
    if command is None:
        return None
    return {"action": command.action,
            "until": command.until.isoformat() if command.until else None,
            "start": command.start.isoformat() if command.start else None,
            "reason": command.reason, "problem": command.problem}
