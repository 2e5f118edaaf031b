"""The ``Message`` every parse of received mail builds, and the lookups the reader makes in it.

This module owns the policy every parse of received mail uses (:data:`HEADER_POLICY`:
compat32, each header field clipped), the message class it builds (:class:`IndexedMessage`:
header fields looked up by name through an index built once, not a scan of every field per
lookup), :func:`field_names` and :func:`raw_values` (lookups through that index) and
:func:`addresses` (``getaddresses``, remembered). Parsing bytes into such a message is
:mod:`mailer.parse.message_parser`'s.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Collection
from email.message import Message
from email.policy import Compat32
from email.utils import getaddresses
from functools import lru_cache
from typing import Any

__all__ = [
    "HEADER_POLICY",
    "MAX_HEADER_CHARS",
    "IndexedMessage",
    "addresses",
    "field_names",
    "raw_values",
]

MAX_HEADER_CHARS = 16 * 1024  # per header field; no real field comes near it



class IndexedMessage(Message):
    """compat32's ``Message`` whose header lookups go through an index by lower-cased name.

    The stdlib scans every field (lower-casing each name) per ``get``; reading one reply
    asks some 40 times (``get_content_type``, ``get_param``, the classification's markers).
    The index is rebuilt whenever the field list changed (new list, other length, or
    :meth:`replace_header`, the one in-place change); the parameters of a field (by name,
    as written and unquoted, for ``get_param``) and the content type (asked for some 7
    times, its main type as often) are kept with it.
    """

    _index_of: list[tuple[str, Any]] | None = None
    _index_len = -1
    _index: dict[str, list[tuple[str, Any]]]
    _params: dict[str, Any]
    _by_param: dict[str, dict[str, tuple[Any, Any]]]
    _ctype: tuple[str, str, str] | None = None  # default type, content type, main type

    def _fields(self) -> dict[str, list[tuple[str, Any]]]:
        headers: list[tuple[str, Any]] = self._headers  # type: ignore[attr-defined]
        if self._index_of is not headers or self._index_len != len(headers):
            index: dict[str, list[tuple[str, Any]]] = {}
            for field in headers:
                index.setdefault(field[0].lower(), []).append(field)
            self._index, self._params, self._by_param, self._ctype = index, {}, {}, None
            self._index_of, self._index_len = headers, len(headers)
        return self._index

    def get(self, name: str, failobj: Any = None) -> Any:
        headers: list[tuple[str, Any]] = self._headers  # type: ignore[attr-defined]
        # _fields inlined: this is the most frequent call of a reading
        if self._index_of is headers and self._index_len == len(headers):
            found = self._index.get(name.lower())
        else:
            found = self._fields().get(name.lower())
        if found is None:
            return failobj
        value = found[0][1]
        if type(value) is str and value.isascii() and self.policy is HEADER_POLICY:
            return value  # compat32's header_fetch_parse changes only values with surrogates
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

    def _content_type(self) -> tuple[str, str, str]:
        ctype = self._ctype
        headers: list[tuple[str, Any]] = self._headers  # type: ignore[attr-defined]
        # the checks of _fields inlined, as in get: asked ~6 times per part
        if (ctype is not None and self._index_of is headers and self._index_len == len(headers)
                and ctype[0] == self._default_type):  # type: ignore[attr-defined]
            return ctype
        self._fields()
        default = self.get_default_type()
        if self._ctype is None or self._ctype[0] != default:
            full = super().get_content_type()
            self._ctype = (default, full, full.split("/")[0])  # as get_content_maintype splits
        return self._ctype

    def get_content_type(self) -> str:
        return self._content_type()[1]

    def get_content_maintype(self) -> str:
        return self._content_type()[2]

    def get_param(self, param: str, failobj: Any = None, header: str = "content-type",
                  unquote: bool = True) -> Any:
        key = header.lower()
        headers: list[tuple[str, Any]] = self._headers  # type: ignore[attr-defined]
        # the checks of _fields inlined, as in get: asked ~5 times per part
        if self._index_of is headers and self._index_len == len(headers):
            by_param = self._by_param.get(key)
        else:
            by_param = None
        if by_param is None and key not in self._fields():
            return failobj
        if by_param is None:  # the first of each name, as the stdlib's loop finds it
            value = self.get(header)
            by_param = _plain_table(value) if type(value) is str else None
            if by_param is None:
                by_param = {}
                for name, value in self._get_params_preserve(failobj, header):
                    by_param.setdefault(name.lower(), (value, _unquoted(value)))
            self._by_param[key] = by_param
        found = by_param.get(param.lower())
        if found is None:
            return failobj
        return found[1] if unquote else found[0]

    def replace_header(self, _name: str, _value: Any) -> None:
        super().replace_header(_name, _value)
        self._index_of = None

    def _get_params_preserve(self, failobj: Any, header: str) -> Any:
        key = header.lower()
        if key not in self._fields():
            return failobj
        if key not in self._params:
            value = self.get(header)
            params = _plain_params(value) if type(value) is str else None
            if params is None:
                params = super()._get_params_preserve(failobj, header)  # type: ignore[misc]
            self._params[key] = params
        return list(self._params[key])


def _plain_params(value: str) -> list[tuple[str, str]] | None:
    """``Message._get_params_preserve`` (``_parseparam`` and ``decode_params``) for a field
    with no backslash, no RFC 2231 star and no ";" between quotes, the usual one: a split on
    ";" instead of a quote count per ";". None for any other field."""
    if "\\" in value or "*" in value:
        return None
    params: list[tuple[str, str]] = []
    for piece in value.split(";"):
        if piece.count('"') % 2:
            return None  # a ";" between quotes: _parseparam joins the pieces
        name, equals, rest = piece.partition("=")
        params.append((name.strip().lower(), rest.strip()) if equals else (piece.strip(), ""))
    return params[:1] + [(name, f'"{email.utils.quote(email.utils.unquote(rest))}"')
                         for name, rest in params[1:]]


def _plain_table(value: str) -> dict[str, tuple[str, str]] | None:
    """``get_param``'s table for a field :func:`_plain_params` reads (lower-cased name ->
    (value as written, unquoted), the first of each name), built in the same pass; None for
    any other field. A parameter after the first is written ``'"' + quote(u) + '"'`` with
    ``u`` its unquoted value: with no backslash in the field, unquoting that gives ``u``."""
    if "\\" in value or "*" in value:
        return None
    pieces = value.split(";")
    table: dict[str, tuple[str, str]] = {}
    for at, piece in enumerate(pieces):
        if piece.count('"') % 2:
            return None  # a ";" between quotes: _parseparam joins the pieces
        name, equals, rest = piece.partition("=")
        name = name.strip().lower()  # the whole piece when it has no "="
        if name in table:
            continue
        if at == 0:
            written = rest.strip() if equals else ""
            table[name] = (written, email.utils.unquote(written))
        else:
            plain = email.utils.unquote(rest.strip())
            table[name] = (f'"{email.utils.quote(plain)}"', plain)
    return table


def _unquoted(value: Any) -> Any:
    """A parameter value as ``get_param`` returns it by default (email.message._unquotevalue)."""
    if isinstance(value, tuple):
        return value[0], value[1], email.utils.unquote(value[2])
    return email.utils.unquote(value)


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


def field_names(msg: Message, /) -> Collection[str]:
    """The lower-cased names of the header fields of ``msg``: its index when it has one."""
    if isinstance(msg, IndexedMessage):
        return msg._fields().keys()
    return {name.lower() for name in msg.keys()}


def raw_values(msg: Message, name: str, /) -> list[Any]:
    """The values of the fields of ``msg`` named ``name`` (lower-cased), as parsed: what
    ``raw_items`` holds, no policy applied; from the index when ``msg`` has one."""
    if isinstance(msg, IndexedMessage):
        return [value for _, value in msg._fields().get(name, ())]
    return [value for field, value in msg.raw_items() if field.lower() == name]


#: An atom of email._parseaddr (RFC 5322 3.2.3): no special, no control, no whitespace (the
#: stdlib drops an atom of Unicode whitespace alone, by str.strip); the dot left out too (the
#: stdlib keeps it inside a display-name word, we need not).
_ATOM = r'[^\s\x00-\x1f\x7f()<>@,:;."\[\]\\]+'
_ADDR_SPEC = rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*"
#: One address as nearly every field holds it: ``Anna Lind <anna@example.com>`` (words
#: of a display name between single spaces) or a bare ``anna@example.com``; no comment,
#: no quoted string, no group, no route, no domain literal, no blank to skip.
_SIMPLE_ADDRESS = re.compile(rf"(?:({_ATOM}(?: {_ATOM})*) )?<({_ADDR_SPEC})>|({_ADDR_SPEC})")


@lru_cache(maxsize=256)
def addresses(*fields: str) -> tuple[tuple[str, str], ...]:
    """``email.utils.getaddresses(fields)``, kept for the next call with the same fields: one
    reply's From is parsed three times (its kind, its sender, its authors), and the same
    people and the service's own address come back in every poll.

    A field of one simple address (:data:`_SIMPLE_ADDRESS`) is read by one match (~1 us),
    where the stdlib's tokenizer takes ~13 us; any other field list goes to the stdlib.
    """
    found: list[tuple[str, str]] = []
    for field in fields:
        simple = _SIMPLE_ADDRESS.fullmatch(field)
        if simple is None:
            return tuple(getaddresses(list(fields)))
        name, address, bare = simple.groups()
        found.append((name or "", address) if bare is None else ("", bare))
    return tuple(found)
