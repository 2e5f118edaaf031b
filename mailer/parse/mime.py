"""MIME decoding: from the raw bytes of a message to the body text we read a reply from.

This module owns charset and transfer-encoding handling and the choice of body part.
:func:`decode_message` picks the best inline ``text/plain`` and ``text/html`` parts,
skips attachments without decoding them, never descends into an attached or forwarded
message (``message/rfc822``: its body is somebody else's text), recovers from broken
multipart boundaries, and undoes RFC 3676 ``format=flowed``.  It never raises: what went
wrong is returned in ``Body.problems``.
"""

from __future__ import annotations

import codecs
import email
import email.errors
import email.header
import email.utils
import re
import urllib.parse
from dataclasses import dataclass, field
from email.message import Message
from email.policy import Compat32

__all__ = [
    "HEADER_POLICY",
    "MAX_HEADER_CHARS",
    "Body",
    "decode_bytes",
    "decode_header",
    "decode_message",
    "unflow",
]

_MAX_DEPTH = 30  # MIME nesting deeper than this is an attack or a loop, not mail
_MAX_PARTS = 500
MAX_HEADER_CHARS = 16 * 1024  # per header field; no real field comes near it


class _ClippedHeaders(Compat32):
    """compat32, with each header field cut at :data:`MAX_HEADER_CHARS` as it is parsed.

    The stdlib reads parameters (``email.message._parseparam``) and RFC 2047 words
    (``email.header.decode_header``) in time quadratic in a field's length: 1 MB of
    Content-Type parameters took 11 s, a 1 MB Subject of encoded words 3 s.
    """

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        return name, value[:MAX_HEADER_CHARS]


#: The policy every parse of received mail uses.
HEADER_POLICY = _ClippedHeaders()

# Names seen in the wild that Python does not know, or knows as a narrower charset.
_CHARSET_ALIASES = {
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "gb2312": "gb18030",  # clients label GBK/GB18030 text as gb2312
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-mac-roman": "mac_roman",
    "ks_c_5601-1987": "cp949",
    "ansi_x3.4-1968": "ascii",
    "us-ascii": "ascii",
}
# Labels that promise nothing about the bytes.
_NO_CHARSET = {"unknown-8bit", "x-unknown", "unknown", "default", "charset", "8bit", "binary"}
# Codecs that are no text encoding of a mail body (or are slow on hostile input).
_REFUSED_CODECS = {"idna", "punycode", "raw_unicode_escape", "unicode_escape", "undefined", "mbcs"}
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE
)
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
        msg = email.message_from_bytes(data, policy=HEADER_POLICY)
    except (ValueError, TypeError, LookupError, IndexError) as exc:  # the parser is lenient
        return Body(None, None, (*found.problems, f"unparseable message: {exc!r}"))
    except RecursionError:  # the stdlib parser recurses per MIME level: ~1,000 is the end
        return Body(None, None, (*found.problems, "MIME nested too deeply to read"))
    return decode_parsed(msg, found)


def decode_parsed(msg: Message, found: _Found | None = None, /) -> Body:
    """:func:`decode_message` for a message already parsed with :data:`HEADER_POLICY` (and
    free of NUL bytes): parsing is most of the cost of reading a small message."""
    found = found or _Found()
    try:
        _walk(msg, 0, found)
    except (ValueError, TypeError, LookupError, IndexError, AttributeError, RecursionError) as exc:
        # compat32 is lenient but some header parameters still trip it; keep what we found.
        found.problems.append(f"MIME structure not fully readable: {exc!r}")
    return Body(found.text, found.html, tuple(found.problems))


def _walk(part: Message, depth: int, found: _Found, parent: Message | None = None) -> None:
    found.parts += 1
    if depth > _MAX_DEPTH or found.parts > _MAX_PARTS:
        if "MIME tree too deep or too large; rest skipped" not in found.problems:
            found.problems.append("MIME tree too deep or too large; rest skipped")
        return
    ctype = part.get_content_type()
    if part.get_content_maintype() == "message":
        # A forwarded or bounced message: its body is not what the sender wrote here.
        found.problems.append(f"{ctype} part skipped")
        return
    if part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                _walk(sub, depth + 1, found, parent=part)
        return
    if part.get_content_maintype() == "multipart":
        _walk_broken_multipart(part, depth, found)
        return
    if _is_attachment(part) or ctype not in ("text/plain", "text/html"):
        return
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
    disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    if disposition == "attachment":
        return True
    try:
        return part.get_filename() is not None
    except (ValueError, TypeError, LookupError):
        return True


def _walk_broken_multipart(part: Message, depth: int, found: _Found) -> None:
    """A multipart whose boundary is missing or wrong: find the boundary the body uses."""
    payload = part.get_payload()
    if not isinstance(payload, str):
        return
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
        return
    found.problems.append("multipart boundary recovered from the body")
    marker = re.compile(rf"^--{re.escape(match.group(1))}(?:--)?[ \t]*$", re.MULTILINE)
    for piece in marker.split(payload)[1:]:
        if piece.strip():
            sub = email.message_from_string(piece.lstrip("\r\n"), policy=HEADER_POLICY)
            _walk(sub, depth + 1, found)


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


def _codec(label: str | None) -> tuple[str | None, str | None]:
    """(codec name or None, problem or None) for a declared charset label."""
    if label is None:
        return None, None
    name = label.strip().strip("\"'").lower()
    if not name or name in _NO_CHARSET:
        return None, None
    name = _CHARSET_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None, f"unknown charset {label!r}"
    if info.name in _REFUSED_CODECS or not getattr(info, "_is_text_encoding", True):
        return None, f"unusable charset {label!r}"
    return info.name, None


def _looks_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are unassigned in cp1252
        return data.decode("latin-1")


def decode_bytes(
    data: bytes, charset: str | None, /, *, html: bool = False
) -> tuple[str, tuple[str, ...]]:
    """Decode body bytes, falling back sensibly when the declared charset is wrong.

    Order: a byte-order mark; the declared charset (``iso-8859-1`` read as Windows-1252,
    as browsers do, unless the bytes are valid UTF-8); for HTML a ``<meta charset>``;
    then UTF-8; then Windows-1252.  Every fallback adds a problem.
    """
    problems: list[str] = []
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace"), ()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace"), ()
    name, problem = _codec(charset)
    if problem:
        problems.append(problem)
    if name is None and html:
        meta = _META_CHARSET.search(data[:4096])
        if meta:
            name, _ = _codec(meta.group(1).decode("ascii", "replace"))
    if data.isascii():
        return data.decode("ascii"), tuple(problems)
    if name in ("latin-1", "iso8859-1", "cp1252"):
        if _looks_utf8(data):
            problems.append(f"declared {charset} but the body is UTF-8")
            return data.decode("utf-8"), tuple(problems)
        return _cp1252(data), tuple(problems)
    if name is not None and name != "ascii":
        try:
            return data.decode(name), tuple(problems)
        except (UnicodeError, ValueError, LookupError):
            problems.append(f"body is not valid {charset}")
    elif name == "ascii":
        problems.append("declared us-ascii but the body has 8-bit bytes")
    elif charset is None or not problems:
        problems.append("no charset declared")
    if _looks_utf8(data):
        return data.decode("utf-8"), tuple(problems)
    problems.append("decoded as windows-1252")
    return _cp1252(data), tuple(problems)


def decode_header(value: object, /) -> str:
    """Decode an RFC 2047 header value ("=?utf-8?q?...?=") to one line of text; never raises.

    Raw 8-bit headers (common from older clients) are read as UTF-8, else Windows-1252.
    """
    if value is None:
        return ""
    try:
        chunks = email.header.decode_header(value)  # type: ignore[arg-type]
    except (email.errors.HeaderParseError, ValueError, TypeError, LookupError):
        return " ".join(str(value).split())
    out: list[str] = []
    for chunk, label in chunks:
        if isinstance(chunk, str):
            if any("\udc80" <= ch <= "\udcff" for ch in chunk):
                chunk = decode_bytes(chunk.encode("ascii", "surrogateescape"), None)[0]
            out.append(chunk)
        else:
            out.append(decode_bytes(chunk, label)[0])
    return " ".join("".join(out).split())


_FLOWED_SIG = "-- "


def unflow(text: str, /, *, delsp: bool = False) -> str:
    """Undo RFC 3676 format=flowed: join soft-broken lines, keep quote depth as ``>`` prefixes.

    Thunderbird and Apple Mail send flowed text; joining makes a wrapped answer one line.
    """
    out: list[str] = []
    current: str | None = None
    depth_of_current = 0

    def flush() -> None:
        nonlocal current
        if current is not None:
            prefix = ">" * depth_of_current
            out.append(prefix + (" " if prefix and current else "") + current)
            current = None

    for line in text.replace("\r\n", "\n").split("\n"):
        stripped_quotes = line.lstrip(">")
        depth = len(line) - len(stripped_quotes)
        content = stripped_quotes.removeprefix(" ")
        if current is not None and depth != depth_of_current:
            flush()
        if content == _FLOWED_SIG:
            flush()
            out.append(">" * depth + (" " if depth else "") + content)
            continue
        flowed = content.endswith(" ")
        if flowed and delsp:
            content = content[:-1]
        current = content if current is None else current + content
        depth_of_current = depth
        if not flowed:
            flush()
    flush()
    return "\n".join(out)
