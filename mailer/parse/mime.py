"""MIME decoding: from the raw bytes of a message to the body text we read a reply from.

This module owns the MIME walk and the choice of body part, transfer encodings included.
:func:`decode_message` picks the best inline ``text/plain`` and ``text/html`` parts,
skips attachments without decoding them, never descends into an attached or forwarded
message (``message/rfc822``: its body is somebody else's text), recovers from broken
multipart boundaries, and undoes RFC 3676 ``format=flowed``.  Turning a part's bytes into
text (charsets and their fallbacks) is :mod:`mailer.parse.text_decoding`'s.  It never
raises: what went wrong is returned in ``Body.problems``.
"""

from __future__ import annotations

import email
import email.utils
import re
import urllib.parse
from dataclasses import dataclass, field
from email.message import Message

from mailer.parse.message import HEADER_POLICY
from mailer.parse.message_parser import parse_message
from mailer.parse.text_decoding import decode_bytes, unflow

__all__ = ["Body", "content_param", "decode_message", "decode_parsed"]

_DEEP = 30  # no client nests this deep: worth a problem line, but the text is still read
_MAX_PARTS = 2000  # bounds the walk; the parser bounds the depth (about 1,000 levels)
_DEEP_PROBLEM = f"MIME nested more than {_DEEP} levels deep"
_BOUNDARY_LINE = re.compile(r"^--([^\s]{1,200}?)(?:--)?[ \t]*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Body:
    """The readable body of a message.

    ``text`` is the best inline text/plain part, ``html`` the best inline text/html part,
    each decoded to ``str`` (``None`` when the message has none).  ``problems`` lists
    everything that needed a fallback, in the order met.
    """

    text: str | None
    html: str | None
    problems: tuple[str, ...] = ()


@dataclass(slots=True)
class _Found:
    text: str | None = None
    html: str | None = None
    problems: list[str] = field(default_factory=list)
    parts: int = 0
    text_parent: int | None = None  # id() of the multipart/mixed holding the text part


def decode_message(raw: bytes, /) -> Body:
    """Decode a whole RFC 5322 message into its readable body.

    :param raw: the message exactly as received (any line endings, any encodings).
    :returns: the text and HTML bodies and the problems met; never raises.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        return Body(None, None, (f"not bytes: {type(raw).__name__}",))
    data = bytes(raw)
    found = _Found()
    if b"\x00" in data:
        data = data.replace(b"\x00", b"")
        found.problems.append("NUL bytes removed")
    try:
        msg = parse_message(data)
    except (ValueError, TypeError, LookupError, IndexError) as exc:  # the parser is lenient
        return Body(None, None, (*found.problems, f"unparseable message: {exc!r}"))
    except RecursionError:  # the stdlib parser recurses per MIME level: ~1,000 is the end
        return _first_text_part(data, found)
    return decode_parsed(msg, found)


def decode_parsed(msg: Message, found: _Found | None = None, /) -> Body:
    """:func:`decode_message` for a message already parsed with :data:`HEADER_POLICY` (and
    free of NUL bytes): parsing is most of the cost of reading a small message."""
    found = found or _Found()
    try:
        _walk(msg, found)
    except (ValueError, TypeError, LookupError, IndexError, AttributeError, RecursionError) as exc:
        # compat32 is lenient but some header parameters still trip it; keep what we found.
        found.problems.append(f"MIME structure not fully readable: {exc!r}")
    return Body(found.text, found.html, tuple(found.problems))


def _walk(root: Message, found: _Found) -> None:
    """Depth first, in document order, without recursion: a deep tree costs a loop, not stack.

    The parser itself gives up near 1,000 levels (it recurses per level); below that, any
    depth is read, and the part count bounds the work.
    """
    stack: list[tuple[Message, int, Message | None]] = [(root, 0, None)]
    while stack:
        part, depth, parent = stack.pop()
        found.parts += 1
        if found.parts > _MAX_PARTS:
            found.problems.append(f"more than {_MAX_PARTS} MIME parts; the rest skipped")
            return
        if depth == _DEEP and found.parts and _DEEP_PROBLEM not in found.problems:
            found.problems.append(_DEEP_PROBLEM)
        stack.extend(reversed(_visit(part, depth, found, parent)))


def _visit(part: Message, depth: int, found: _Found,
           parent: Message | None) -> list[tuple[Message, int, Message | None]]:
    """Read one part; return its children (parent and depth attached) to visit next."""
    ctype = part.get_content_type()
    maintype = ctype.split("/")[0]  # get_content_maintype, without asking again
    if maintype == "message":
        # A forwarded or bounced message: its body is not what the sender wrote here.
        found.problems.append(f"{ctype} part skipped")
        return []
    if part.is_multipart():
        return [(sub, depth + 1, part) for sub in part.get_payload() if isinstance(sub, Message)]
    if maintype == "multipart":
        return [(sub, depth + 1, None) for sub in _broken_multipart(part, found)]
    if _is_attachment(part) or ctype not in ("text/plain", "text/html"):
        return []
    _take_text(part, ctype, found, parent)
    return []


def _take_text(part: Message, ctype: str, found: _Found, parent: Message | None) -> None:
    mixed = parent is not None and parent.get_content_subtype() == "mixed"
    # Apple Mail splits a plain-text body around an inline picture: multipart/mixed with
    # text/plain, image/jpeg, text/plain.  The parts after the picture are still the body.
    continues = (
        ctype == "text/plain" and mixed and found.text_parent == id(parent) and found.text
    )
    if (ctype == "text/plain" and found.text is not None and not continues) or (
        ctype == "text/html" and found.html is not None
    ):
        return
    text = _decode_part(part, found.problems, html=ctype == "text/html")
    if ctype == "text/plain":
        if content_param(part, "format") == "flowed":
            text = unflow(text, delsp=content_param(part, "delsp") == "yes")
        if continues and found.text is not None:
            found.text = found.text.rstrip("\n") + "\n\n" + text.lstrip("\r\n")
        else:
            found.text = text
            found.text_parent = id(parent) if mixed else None
    else:
        found.html = text


_PART_LINE = re.compile(rb"^--[^\r\n]{1,200}\r?\n", re.M)
_LAST_LINE_BREAK = re.compile(rb"\r?\n\Z")


def _first_text_part(data: bytes, found: _Found) -> Body:
    """A tree too deep for the parser: read the first text parts by their boundary lines.

    Each piece between two lines starting with ``--`` is parsed alone; the first inline
    text/plain (and text/html) piece is the body. A line of the text itself that starts with
    ``--`` ends it early: a cut answer beats an empty one.
    """
    found.problems.append("MIME nested too deeply to parse; first text part read by boundary")
    for piece in _PART_LINE.split(data)[1:]:
        piece = _LAST_LINE_BREAK.sub(b"", piece)  # it belongs to the boundary (RFC 2046 5.1.1)
        head = piece[:2048].partition(b"\n\n")[0].lower()
        if b"text/" not in head:  # a multipart level or an attachment: not worth a parse
            continue
        if found.parts >= _MAX_PARTS or (found.text is not None and found.html is not None):
            break
        found.parts += 1
        try:
            part = parse_message(piece)
            ctype = part.get_content_type()
            if not part.is_multipart() and ctype in ("text/plain", "text/html") \
                    and not _is_attachment(part):
                _take_text(part, ctype, found, None)
        except (ValueError, TypeError, LookupError, IndexError, AttributeError) as exc:
            found.problems.append(f"MIME part not readable: {exc!r}")
    return Body(found.text, found.html, tuple(found.problems))


def content_param(part: Message, name: str) -> str:
    """A Content-Type parameter, lowercased, "" when absent.

    An RFC 2231 value (``format*=us-ascii''flowed``) comes back from ``get_param`` as a
    (charset, language, value) tuple: decode it to its value.
    """
    value = part.get_param(name)
    if isinstance(value, tuple):
        value = email.utils.collapse_rfc2231_value(value)
    if value is None:
        # The stdlib decodes RFC 2231 only for names matching \w+: a hyphenated one
        # ("report-type*=us-ascii''delivery-status") stays raw under "name*" (RFC 2231 4).
        encoded = part.get_param(f"{name}*")
        if isinstance(encoded, str) and encoded.count("'") >= 2:
            charset, _, rest = encoded.partition("'")
            try:
                value = urllib.parse.unquote(rest.partition("'")[2], encoding=charset or "ascii")
            except LookupError:  # an unknown charset: the percent-escapes stay as written
                value = rest.partition("'")[2]
    return (value or "").lower()


def _is_attachment(part: Message) -> bool:
    field = part.get("Content-Disposition")
    try:
        if field is None:
            # get_filename reads Content-Disposition's filename, else Content-Type's name
            # (never None when present): the usual body part has neither.
            return part.get_param("name") is not None and part.get_filename() is not None
        if field.split(";", 1)[0].strip().lower() == "attachment":
            return True
        return part.get_filename() is not None
    except (ValueError, TypeError, LookupError):
        return True


def _broken_multipart(part: Message, found: _Found) -> list[Message]:
    """A multipart whose boundary is missing or wrong: the parts of the boundary the body uses."""
    payload = part.get_payload()
    if not isinstance(payload, str):
        return []
    match = next(
        (
            m
            for m in _BOUNDARY_LINE.finditer(payload)
            if re.match(r"\s*content-", payload[m.end() : m.end() + 200], re.IGNORECASE)
        ),
        None,
    )
    if match is None:
        found.problems.append("multipart without parts; body read as text")
        if found.text is None:
            found.text, _ = decode_bytes(payload.encode("ascii", "surrogateescape"), None)
        return []
    found.problems.append("multipart boundary recovered from the body")
    marker = re.compile(rf"^--{re.escape(match.group(1))}(?:--)?[ \t]*$", re.M)
    return [email.message_from_string(piece.lstrip("\r\n"), policy=HEADER_POLICY)
            for piece in marker.split(payload)[1:] if piece.strip()]


def _decode_part(part: Message, problems: list[str], *, html: bool) -> str:
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError) as exc:
        problems.append(f"transfer encoding not decodable: {exc!r}")
        data = None
    if not isinstance(data, bytes):
        payload = part.get_payload()
        data = payload.encode("ascii", "surrogateescape") if isinstance(payload, str) else b""
    for defect in part.defects:
        problems.append(f"MIME defect: {type(defect).__name__}")
    try:
        charset = part.get_content_charset()
    except (ValueError, LookupError, TypeError):
        charset = None
    text, charset_problems = decode_bytes(data, charset, html=html)
    problems.extend(charset_problems)
    if "\x00" in text:
        problems.append("NUL characters removed")
        text = text.replace("\x00", "")
    return text
