"""Parsing received bytes into a compat32 ``Message``, the same one the stdlib builds, faster.

This module owns the parse step under :mod:`mailer.parse.mime`: the policy every parse of
received mail uses (:data:`HEADER_POLICY`: compat32, each header field clipped), the message
class it builds (:class:`IndexedMessage`: header fields looked up by name through an index
built once, not a scan of every field per lookup) and :func:`parse_message`.

:func:`parse_message` is ``email.message_from_bytes(data, policy=HEADER_POLICY)``, to the
field, payload and defect. A message whose top level is not ``multipart/*`` or ``message/*``
(most replies: one text/plain body) is split here in one pass (the stdlib's feed parser
spends most of its time handing the body over line by line); any other message, and one with
a Unix ``From`` line among its headers, goes to the stdlib parser unchanged.
"""

from __future__ import annotations

import email.parser
import re
from email import errors
from email.message import Message
from email.policy import Compat32
from typing import Any

__all__ = ["HEADER_POLICY", "MAX_HEADER_CHARS", "IndexedMessage", "parse_message"]

MAX_HEADER_CHARS = 16 * 1024  # per header field; no real field comes near it


class IndexedMessage(Message):
    """compat32's ``Message`` whose header lookups go through an index by lower-cased name.

    The stdlib scans every field (lower-casing each name) per ``get``; reading one reply
    asks some 40 times (``get_content_type``, ``get_param``, the classification's markers).
    The index is rebuilt whenever the field list changed (new list, other length, or
    :meth:`replace_header`, the one in-place change); parsed values of the parameters of a
    field are kept with it.
    """

    _index_of: list[tuple[str, Any]] | None = None
    _index_len = -1
    _index: dict[str, list[tuple[str, Any]]]
    _params: dict[str, Any]

    def _fields(self) -> dict[str, list[tuple[str, Any]]]:
        headers: list[tuple[str, Any]] = self._headers  # type: ignore[attr-defined]
        if self._index_of is not headers or self._index_len != len(headers):
            index: dict[str, list[tuple[str, Any]]] = {}
            for field in headers:
                index.setdefault(field[0].lower(), []).append(field)
            self._index, self._params = index, {}
            self._index_of, self._index_len = headers, len(headers)
        return self._index

    def get(self, name: str, failobj: Any = None) -> Any:
        found = self._fields().get(name.lower())
        if found is None:
            return failobj
        return self.policy.header_fetch_parse(*found[0])

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._fields()

    def get_all(self, name: str, failobj: Any = None) -> Any:
        found = self._fields().get(name.lower())
        if not found:
            return failobj
        return [self.policy.header_fetch_parse(k, v) for k, v in found]

    def replace_header(self, _name: str, _value: Any) -> None:
        super().replace_header(_name, _value)
        self._index_of = None

    def _get_params_preserve(self, failobj: Any, header: str) -> Any:
        self._fields()
        key = header.lower()
        if key not in self._params:
            missing = object()
            params = super()._get_params_preserve(missing, header)  # type: ignore[misc]
            self._params[key] = None if params is missing else params
        params = self._params[key]
        return failobj if params is None else list(params)


class _ClippedHeaders(Compat32):
    """compat32, with each header field cut at :data:`MAX_HEADER_CHARS` as it is parsed.

    The stdlib reads parameters (``email.message._parseparam``) and RFC 2047 words
    (``email.header.decode_header``) in time quadratic in a field's length: 1 MB of
    Content-Type parameters took 11 s, a 1 MB Subject of encoded words 3 s.
    """

    message_factory = IndexedMessage

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        return name, value[:MAX_HEADER_CHARS]


#: The policy every parse of received mail uses.
HEADER_POLICY = _ClippedHeaders()

_PARSER = email.parser.Parser(policy=HEADER_POLICY)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")  # the feed parser's lines (io newline="")
# email.feedparser's headerRE and NLCRE: a header or continuation line; a line break.
_HEADER_LINE = re.compile(r"^(From |[\041-\071\073-\176]*:|[\t ])")
_NEWLINE = re.compile(r"\r\n|\r|\n")


def parse_message(data: bytes, /) -> Message:
    """``email.message_from_bytes(data, policy=HEADER_POLICY)``, with the same result."""
    text = data.decode("ascii", "surrogateescape")
    return _single_part(text) or _PARSER.parsestr(text)


def _single_part(text: str) -> Message | None:
    """The stdlib feed parser's result for a message that is not multipart/* or message/*
    (``email.feedparser.FeedParser._parsegen`` and ``_parse_headers``, step for step), or
    None for any other message."""
    msg = IndexedMessage(policy=HEADER_POLICY)
    lines: list[str] = []
    pos, end = 0, len(text)
    while pos < end:  # the header lines, up to the blank line or the first other line
        line = _LINE.match(text, pos).group()  # type: ignore[union-attr]
        if not _HEADER_LINE.match(line):
            if _NEWLINE.match(line):
                pos += len(line)  # the blank line between header and body is dropped
            else:
                HEADER_POLICY.handle_defect(msg, errors.MissingHeaderBodySeparatorDefect())
            break
        lines.append(line)
        pos += len(line)
    name, value = "", []
    for line in lines:
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
            return None  # a Unix From line: the stdlib's rules for it apply
        colon = line.find(":")
        if colon == 0:
            msg.defects.append(errors.InvalidHeaderDefect("Missing header name."))
            continue
        name, value = line[:colon], [line]
    if name:
        msg.set_raw(*HEADER_POLICY.header_source_parse(value))
    if msg.get_content_maintype() in ("message", "multipart"):
        return None
    msg.set_payload(text[pos:])
    return msg
