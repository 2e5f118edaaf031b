"""Parsing received bytes into a compat32 ``Message``, the same one the stdlib builds, faster.

This module owns the parse step: :func:`parse_message` is
``email.message_from_bytes(data, policy=HEADER_POLICY)``, to the field, payload and defect.
A message whose top level is not ``multipart/*`` or ``message/*`` (most replies: one
text/plain body), or a multipart one of single-part parts with its boundary lines in order,
is split here in one pass (the stdlib's feed parser spends most of its time handing the body
over line by line), step for step as ``email.feedparser`` would; any other message, and one
with a Unix ``From`` line among its headers, goes to the stdlib parser unchanged. The message
it builds and the policy it parses with are :mod:`mailer.parse.message`'s.
"""

from __future__ import annotations

import email.parser
import itertools
import re
from email import errors
from email.message import Message

from mailer.parse.message import HEADER_POLICY, MAX_HEADER_CHARS, IndexedMessage

__all__ = ["parse_message"]

_PARSER = email.parser.Parser(policy=HEADER_POLICY)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")  # the feed parser's lines (io newline="")
# email.feedparser's headerRE and NLCRE: a header or continuation line; a line break.
_HEADER_LINE = re.compile(r"From |[\041-\071\073-\176]*:|[\t ]")
_NEWLINE = re.compile(r"\r\n|\r|\n")
#: The header lines ending in a line break, from the start: one regex instead of a loop.
_HEADER_BLOCK = re.compile(r"(?:(?:From |[\041-\071\073-\176]*:|[\t ])[^\r\n]*(?:\r\n|\r|\n))*")
#: One field: its name, and the value with its continuation lines (line breaks kept).
_FIELD = re.compile(r"([^:\r\n]*):([^\r\n]*(?:(?:\r\n|\r|\n)[ \t][^\r\n]*)*)(?:\r\n|\r|\n)?")
#: A plain field: a name of printable characters but the colon, the value after the blanks
#: that follow the colon, with its continuation lines, and the line break that ends it.
_PLAIN_FIELD = re.compile(
    r"([\041-\071\073-\176]+):[ \t]*([^\r\n]*(?:(?:\r\n|\r|\n)[ \t][^\r\n]*)*)(?:\r\n|\r|\n)")


def parse_message(data: bytes, /) -> Message:
    """``email.message_from_bytes(data, policy=HEADER_POLICY)``, with the same result."""
    text = data.decode("ascii", "surrogateescape")
    return _one_pass(text) or _PARSER.parsestr(text)


def _one_pass(text: str) -> Message | None:
    """The stdlib feed parser's result (``email.feedparser.FeedParser._parsegen``, step for
    step) for a single-part message, or a multipart one whose parts are single-part and
    whose boundaries are in order; None for any other message."""
    found = _part(text)
    if found is None:
        return None
    msg, pos = found
    if msg.get_content_maintype() != "multipart":
        msg.set_payload(text[pos:])
        return msg
    return msg if _parts(msg, text, pos) else None


def _part(text: str) -> tuple[Message, int] | None:
    """The header fields of ``text`` (``_parse_headers``) and where its body starts; None
    for message/* and a Unix From line."""
    msg = IndexedMessage(policy=HEADER_POLICY)
    plain = _plain_fields(text)
    if plain is not None:
        msg._headers, pos = plain  # type: ignore[attr-defined]
    else:
        found = _fields_of(msg, text)
        if found is None:
            return None
        pos = found
    if msg.get_content_maintype() == "message":
        return None
    return msg, pos


def _plain_fields(text: str) -> tuple[list[tuple[str, str]], int] | None:
    """The fields of a header block of plain fields only, ended by a blank line, and where
    the body starts; None for any other block (:func:`_fields_of` reads it).

    Most mail: one match per field, where the general path scans the block three times.
    compat32's header_source_parse: the name as written; the value without the blanks after
    the colon and the line break at its end, folding kept; then clipped.
    """
    fields: list[tuple[str, str]] = []
    pos = 0
    while field := _PLAIN_FIELD.match(text, pos):
        fields.append((field[1], field[2][:MAX_HEADER_CHARS]))
        pos = field.end()
    blank = _NEWLINE.match(text, pos)
    return None if blank is None else (fields, blank.end())


def _fields_of(msg: Message, text: str) -> int | None:
    """Any header block: its fields and defects set on ``msg``, and where the body starts;
    None for a Unix From line."""
    pos = _HEADER_BLOCK.match(text).end()  # type: ignore[union-attr]
    if pos < len(text):
        if _HEADER_LINE.match(text, pos):
            pos = len(text)  # the last header line, with no line break: no body
        elif _NEWLINE.match(text, pos):
            pos = _NEWLINE.match(text, pos).end()  # type: ignore[union-attr]
        else:
            HEADER_POLICY.handle_defect(msg, errors.MissingHeaderBodySeparatorDefect())
    block = text[:pos]
    if _odd(block):
        if not _odd_fields(msg, _LINE.findall(block)):
            return None
    else:
        # compat32's header_source_parse, as in _plain_fields
        msg._headers = [  # type: ignore[attr-defined]
            (name, value.lstrip(" \t").rstrip("\r\n")[:MAX_HEADER_CHARS])
            for name, value in _FIELD.findall(block)]
    return pos


def _parts(msg: Message, text: str, pos: int) -> bool:
    """The parts of a multipart ``msg`` whose body starts at ``pos``: False unless it has a
    boundary, a first and a closing boundary line, no two boundary lines in a row and only
    single-part parts (the feed parser's other rules then apply)."""
    boundary = msg.get_boundary()
    if boundary is None or msg.get_content_type() == "multipart/digest":
        return False
    if str(msg.get("content-transfer-encoding", "8bit")).lower() not in ("7bit", "8bit",
                                                                         "binary"):
        HEADER_POLICY.handle_defect(msg, errors.InvalidMultipartContentTransferEncodingDefect())
    lines = _boundary_lines(text, pos, "--" + boundary)
    if len(lines) < 2 or not lines[-1][2] or any(end for _, _, end in lines[:-1]):
        return False
    if lines[0][0] > pos:  # RFC 2046: the last line break belongs to the boundary
        msg.preamble = _without_last_break(text[pos:lines[0][0]])
    for (_, start, _), (stop, _, _) in itertools.pairwise(lines):
        if start == stop:
            return False  # two boundary lines in a row: the stdlib skips both
        found = _part(text[start:stop])
        if found is None or found[0].get_content_maintype() == "multipart":
            return False
        part, at = found
        part.set_payload(_without_last_break(text[start:stop][at:]))
        msg.attach(part)
    close = text[lines[-1][0]:lines[-1][1]]
    msg.epilogue = text[lines[-1][1]:] if close.endswith(("\r", "\n")) else ""
    return True


def _without_last_break(text: str) -> str:
    """``text`` without the line break it ends with (the feed parser's NLCRE_eol): a regex
    anchored at the end still scans the whole part."""
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith(("\r", "\n")) else text


def _boundary_lines(text: str, pos: int, separator: str) -> list[tuple[int, int, bool]]:
    """(start, end, closing) of each line from ``pos`` on that the feed parser takes for a
    boundary line of ``separator``, up to the closing one."""
    boundary = re.compile(re.escape(separator) + r"(?P<end>--)?[ \t]*(?:\r\n|\r|\n)?\Z")
    found: list[tuple[int, int, bool]] = []
    at = text.find(separator, pos)
    while at >= 0:
        if at == 0 or text[at - 1] in "\r\n":
            line = _LINE.match(text, at).group()  # type: ignore[union-attr]
            match = boundary.match(line)
            if match:
                found.append((at, at + len(line), bool(match["end"])))
                if match["end"]:
                    break
        at = text.find(separator, at + 1)
    return found


def _odd(block: str) -> bool:
    """A block the feed parser has special rules for: a continuation line first, a line
    with no field name, a Unix From line (substring tests: a regex search costs more)."""
    return (block.startswith((" ", "\t", ":", "From ")) or "\n:" in block or "\r:" in block
            or "\nFrom " in block or "\rFrom " in block)


def _odd_fields(msg: Message, lines: list[str]) -> bool:
    """``FeedParser._parse_headers`` on header lines with a defect; False for a Unix From
    line (the stdlib parser's rules for it apply)."""
    name, value = "", []
    for line in lines:
        if not line or _NEWLINE.match(line):
            continue  # the blank line that ends the block
        if line[0] in " \t":
            if not name:
                HEADER_POLICY.handle_defect(msg, errors.FirstHeaderLineIsContinuationDefect(line))
            else:
                value.append(line)
            continue
        if name:
            msg.set_raw(*HEADER_POLICY.header_source_parse(value))
            name, value = "", []
        if line.startswith("From "):
            return False
        colon = line.find(":")
        if colon == 0:
            msg.defects.append(errors.InvalidHeaderDefect("Missing header name."))
            continue
        name, value = line[:colon], [line]
    if name:
        msg.set_raw(*HEADER_POLICY.header_source_parse(value))
    return True
