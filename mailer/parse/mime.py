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

from mailer.parse.message import HEADER_POLICY, MAX_HEADER_CHARS, parse_message

__all__ = [
    "HEADER_POLICY",
    "MAX_HEADER_CHARS",
    "Body",
    "decode_bytes",
    "decode_header",
    "decode_message",
    "unflow",
]

_DEEP = 30  # no client nests this deep: worth a problem line, but the text is still read
_MAX_PARTS = 2000  # bounds the walk; the parser bounds the depth (about 1,000 levels)
_DEEP_PROBLEM = f"MIME nested more than {_DEEP} levels deep"
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
    except (LookupError, UnicodeError):  # UnicodeError: a label holding an undecodable byte
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


#: Dovecot stores a NUL byte of a message as 0x80 (its "nonuls" input filter on delivery), so
#: a reply with a NUL in its UTF-8 text comes back from IMAP with a lone 0x80 byte in it.
_DOVECOT_NUL = "\udc80"
_NUL_PROBLEM = "0x80 bytes removed (NUL bytes, as Dovecot stores them)"


def _utf8_but_nul(data: bytes) -> str | None:
    """``data`` as UTF-8 when its only invalid bytes are lone 0x80s (Dovecot's NUL), else None.

    A lone 0x80 can never start a UTF-8 sequence, so dropping it loses nothing the sender
    wrote; without this, one NUL sent the whole body to the windows-1252 fallback ("Ã¥").
    """
    text = data.decode("utf-8", "surrogateescape")
    rest = text.replace(_DOVECOT_NUL, "")
    if len(rest) == len(text) or any("\udc80" <= ch <= "\udcff" for ch in rest):
        return None
    return rest


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
            if name == "utf-8" and (text := _utf8_but_nul(data)) is not None:
                return text, (*problems, _NUL_PROBLEM)
            problems.append(f"body is not valid {charset}")
    elif name == "ascii":
        problems.append("declared us-ascii but the body has 8-bit bytes")
    elif charset is None or not problems:
        problems.append("no charset declared")
    if _looks_utf8(data):
        return data.decode("utf-8"), tuple(problems)
    if (text := _utf8_but_nul(data)) is not None:
        return text, (*problems, _NUL_PROBLEM)
    problems.append("decoded as windows-1252")
    return _cp1252(data), tuple(problems)


def decode_header(value: object, /) -> str:
    """Decode an RFC 2047 header value ("=?utf-8?q?...?=") to one line of text; never raises.

    Raw 8-bit headers (common from older clients) are read as UTF-8, else Windows-1252.
    """
    if value is None:
        return ""
    if type(value) is str and value.isascii() and "=?" not in value:
        # No encoded-word can start (RFC 2047 2: "=?"), so the stdlib returns the value as
        # one chunk; ASCII holds no surrogate of an undecodable byte. The usual display name.
        return " ".join(value.split())
    return _decoded_words(value)


def _decoded_words(value: object) -> str:
    """:func:`decode_header` through ``email.header.decode_header``, for any value."""
    try:
        chunks = email.header.decode_header(value)  # type: ignore[arg-type]
    except (email.errors.HeaderParseError, ValueError, TypeError, LookupError):
        return " ".join(str(value).split())
    out: list[str] = []
    for chunk, label in chunks:
        if isinstance(chunk, str):
            if any("\udc80" <= ch <= "\udcff" for ch in chunk):
                # UTF-8, not ASCII: a value may mix real characters with the surrogates of
                # undecodable bytes (a str header), and ASCII could not encode the former.
                chunk = decode_bytes(chunk.encode("utf-8", "surrogateescape"), None)[0]
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
