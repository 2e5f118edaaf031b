"""Text decoding: the bytes of a body part and the values of header fields, to text.

This module owns charsets: the labels clients write and the codec each stands for
(aliases, labels that promise nothing, codecs that are no mail text), the fallbacks when a
label is wrong (UTF-8, then Windows-1252; ``iso-8859-1`` read as Windows-1252, as browsers
do), Dovecot's 0x80 for a NUL byte, RFC 2047 encoded words in header values
(:func:`decode_header`) and RFC 3676 ``format=flowed`` (:func:`unflow`).
:mod:`mailer.parse.mime` walks the MIME tree and hands each text part's bytes here.
Nothing here raises on bad input: what needed a fallback is returned as problems.
"""

from __future__ import annotations

import codecs
import email.errors
import email.header
import re

__all__ = ["decode_bytes", "decode_header", "unflow"]

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
