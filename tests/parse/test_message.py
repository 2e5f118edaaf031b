"""mailer.parse.message_parser and mailer.parse.message: the same Message as the stdlib parser
builds, and indexed lookups that follow every change to the header fields."""

from __future__ import annotations

import email
import email.utils
from email.message import Message
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse import message
from mailer.parse.message import HEADER_POLICY, IndexedMessage
from mailer.parse.message_parser import parse_message

TESTS = Path(__file__).resolve().parents[1]
EMLS = sorted(p for folder in ("emails", "messages", "parse/realistic")
              for p in (TESTS / folder).glob("*.eml"))


def _shape(msg: Message) -> object:
    """Everything a parse decides, for comparison: class, fields, defects, payload, parts."""
    payload = msg.get_payload()
    return (
        type(msg).__name__, msg.get_unixfrom(), msg.get_default_type(), msg._headers,  # type: ignore[attr-defined]
        [(type(d).__name__, d.args) for d in msg.defects], msg.preamble, msg.epilogue,
        [_shape(p) for p in payload] if isinstance(payload, list) else payload,
    )


def _same_as_stdlib(data: bytes) -> None:
    expected = email.message_from_bytes(data, policy=HEADER_POLICY)
    assert _shape(parse_message(data)) == _shape(expected)


@pytest.mark.parametrize("path", EMLS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_stored_message_parses_as_the_stdlib_does(path: Path) -> None:
    raw = path.read_bytes()
    for data in (raw, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"),
                 raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r"), raw.split(b"\n\n")[0]):
        _same_as_stdlib(data)


EDGES = [
    b"",
    b"\n",
    b"\r\n\r\nbody",
    b"Subject: no body",
    b"Subject: no body\r",
    b"Subject: x\nbody without a blank line\n",  # MissingHeaderBodySeparatorDefect
    b" continued first\nSubject: x\n\nbody",  # FirstHeaderLineIsContinuationDefect
    b": no name\nSubject: x\n\nbody",  # InvalidHeaderDefect
    b"From anna@x.se Mon Dec  7 09:00:00 2026\nSubject: x\n\nbody",  # Unix From line
    b"Subject: x\nFrom nobody\n\nbody",
    b"Subject: x\nFrom nobody",
    b"Subject : space before the colon\n\nbody",
    b"Subject: a\n\tfolded\n  twice\r\nTo: b\r\r\nc\n\nbody\r\n\r\n",
    b"Subject: 8bit \xe5\xe4\xf6\nContent-Type: text/plain; charset=utf-8\n\nh\xc3\xa5\x00\x80",
    b"Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n--b--\n",
    b"Content-Type: multipart/mixed\n\nno boundary\n",
    b"Content-Type: message/rfc822\n\nSubject: inner\n\nbody",
    b"Content-Type: message/delivery-status\n\nAction: failed\n\nStatus: 5.1.1\n",
    b"Content-Type: text\n\nmalformed type",
    b"Content-Type: MULTIPART/Alternative; boundary=\"b\"\n\n--b\n\nx\n--b--",
    b"Subject: " + b"x" * 20_000 + b"\n\nlong header",
    b"Content-Type: multipart/mixed; boundary=q\n\npreamble\n\n--q\nContent-Type: text/plain\n\n"
    b"one\n\n--q \t\r\n\ntwo, no headers\n--q\nX: no blank line\nbody\n--q--\r\nepilogue\n",
    b"Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nX: y\r\n\r\nz\r\n--q--",
    b"Content-Type: multipart/mixed; boundary=q\rContent-Transfer-Encoding: base64\r\r--q\rX: y\r"
    b"--q--\r",
    b"Content-Type: multipart/mixed; boundary=q\n\n--q\n--q\nX: y\n\nz\n--q--\n",
    b"Content-Type: multipart/mixed; boundary=q\n\n--q\nContent-Type: multipart/alternative; "
    b"boundary=r\n\n--r\n\nin r\n--r--\n--q--\n",
    b"Content-Type: multipart/mixed; boundary=q\n\n--q\n\nnever closed\n",
    b"Content-Type: multipart/mixed; boundary=q\n\n--q--\n",
    b"Content-Type: multipart/mixed; boundary=\"a:b\"\n\n--a:b\nX: y\n\nz\n--a:bc\n--a:b--\n",
]


@pytest.mark.parametrize("data", EDGES)
def test_edge_cases_parse_as_the_stdlib_does(data: bytes) -> None:
    _same_as_stdlib(data)


_LINES = st.sampled_from([
    "Subject: x", "To: a@b.c", " folded", "\tfolded", "From x", ": nameless", "no colon",
    "", "Content-Type: text/plain; charset=utf-8", "Content-Type: multipart/mixed; boundary=q",
    "--q", "--q--", "--q  ", "--q--x", "Content-Type: message/rfc822", "X-\u00e5: 8bit",
    "body text", "Content-Transfer-Encoding: base64", "Content-Type: multipart/digest; boundary=q",
    "Content-Type: multipart/alternative; boundary=r", "--r", "--r--",
])
_ENDS = st.sampled_from(["\n", "\r\n", "\r", "\r\r\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_LINES, _ENDS), max_size=12))
def test_any_line_mix_parses_as_the_stdlib_does(lines: list[tuple[str, str]]) -> None:
    _same_as_stdlib("".join(a + b for a, b in lines).encode("utf-8", "surrogateescape"))


def test_lookups_follow_every_change_to_the_fields() -> None:
    msg = parse_message(b"Subject: one\nX-A: 1\nx-a: 2\nContent-Type: text/plain; format=flowed"
                        b"\n\nbody")
    assert isinstance(msg, IndexedMessage)
    assert (msg["subject"], msg.get_all("X-A"), "x-A" in msg, "X-B" in msg) == (
        "one", ["1", "2"], True, False)
    assert msg.get_param("format") == "flowed"
    msg["X-B"] = "new"
    del msg["x-a"]
    msg.replace_header("Subject", "two")
    msg.set_param("format", "fixed")
    msg.add_header("X-C", "c", name="v")
    assert (msg["X-B"], msg.get("X-A"), msg["Subject"], msg.get_param("format"),
            msg.get_param("name", header="x-c")) == ("new", None, "two", "fixed", "v")
    msg.set_param("delsp", "yes")
    params = msg.get_params()
    assert params is not None
    params.append(("mutated", "by caller"))
    assert msg.get_params() == [("text/plain", ""), ("format", "fixed"), ("delsp", "yes")]
    assert msg.get_content_type() == "text/plain"
    msg.set_type("text/html")
    assert msg.get_content_type() == "text/html"
    del msg["Content-Type"]
    msg.set_default_type("message/rfc822")
    assert msg.get_content_type() == "message/rfc822"
    msg.set_default_type("//")  # the stdlib splits any default type on "/"
    assert (msg.get_content_maintype(), msg.get_content_subtype()) == ("", "")
    plain = Message()
    for name, value in msg.raw_items():
        plain[name] = value
    assert [(k, msg.get_all(k)) for k in msg.keys()] == [(k, plain.get_all(k)) for k in plain.keys()]


FIELDS = [
    'text/plain; charset="utf-8"; format=flowed; DelSp=yes',
    "text/plain; charset=utf-8; charset=latin-1",  # the first of a name counts
    "text/plain; title*=us-ascii'en'This%20is%20%2A%2A%2Afun%2A%2A%2A; name=\"a \\\"b\\\"\"",
    "text/plain; filename*0*=utf-8''%C3%A5; filename*1=.txt; report-type*=us-ascii''x",
    "multipart/mixed; boundary=\"=_q\"; BOUNDARY=other",
    "text/plain;; ;=odd; novalue; \"quoted\"=x",
    "",
]


@pytest.mark.parametrize("value", FIELDS)
def test_parameters_read_as_the_stdlib_reads_them(value: str) -> None:
    data = f"Content-Type: {value}\nContent-Disposition: attachment; {value}\n\nx".encode()
    ours, theirs = parse_message(data), email.message_from_bytes(data)
    for header in ("content-type", "Content-Disposition", "x-missing"):
        assert ours.get_params(header=header) == theirs.get_params(header=header)
        assert ours.get_params(header=header, unquote=False) == theirs.get_params(
            header=header, unquote=False)
        for name in ("charset", "CHARSET", "format", "delsp", "title", "name", "filename",
                     "report-type", "boundary", "novalue", "", "absent"):
            for unquote in (True, False):
                assert ours.get_param(name, "-", header, unquote) == theirs.get_param(
                    name, "-", header, unquote)
    assert (ours.get_filename(), ours.get_boundary(), ours.get_content_charset()) == (
        theirs.get_filename(), theirs.get_boundary(), theirs.get_content_charset())


_PARAM_PIECES = st.sampled_from([";", "=", '"', "\\", "*", "a", "B", " ", "\t", "<", ">", "'",
                                 "%", "\x1c", "\u0130", "x/y", "a*0", "a*1"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_PARAM_PIECES, max_size=24))
def test_any_parameters_read_as_the_stdlib_reads_them(pieces: list[str]) -> None:
    # Plain fields take a shorter way (_plain_params); any other the stdlib's.
    data = b"Content-Type: " + "".join(pieces).encode() + b"\n\nx"
    ours, theirs = parse_message(data), email.message_from_bytes(data)
    assert ours.get_params() == theirs.get_params()
    assert ours.get_params(unquote=False) == theirs.get_params(unquote=False)
    for name in ("a", "b", "x/y", ""):
        assert ours.get_param(name) == theirs.get_param(name)


_ADDRESS_PIECES = st.sampled_from(["a", "Anna", "Å", "=?utf-8?q?=C3=85?=", "@", ".", " ", "  ",
                                   "\t", "<", ">", ",", '"', "(", ")", ":", ";", "[", "]",
                                   "\\", "\u2003", "\x00", "\x7f", "\r\n", "example.com"])


@settings(max_examples=800, deadline=None)
@given(st.lists(st.lists(_ADDRESS_PIECES, max_size=12).map("".join), max_size=3))
def test_addresses_read_as_getaddresses_reads_them(fields: list[str]) -> None:
    # A field of one simple address takes a regex (_SIMPLE_ADDRESS); any other the stdlib.
    expected = tuple(email.utils.getaddresses(fields))
    assert message.addresses.__wrapped__(*fields) == expected


@pytest.mark.parametrize("field", ["Anna Lind <anna@example.com>", "anna@example.com",
                                   "=?utf-8?q?=C3=85sa?= <a.b@c.example>"])
def test_usual_addresses_take_the_simple_way(field: str) -> None:
    assert message._SIMPLE_ADDRESS.fullmatch(field)
    assert message.addresses.__wrapped__(field) == tuple(email.utils.getaddresses([field]))


_ATOMS = st.lists(_ADDRESS_PIECES, min_size=1, max_size=4).map("".join)


@settings(max_examples=800, deadline=None)
@given(st.lists(_ATOMS, max_size=3), _ATOMS, _ATOMS, st.sampled_from(["{n} <{a}>", "{a}",
                                                                      "{n}<{a}>", "<{a}>"]))
def test_address_like_fields_read_as_getaddresses_reads_them(
        words: list[str], local: str, domain: str, form: str) -> None:
    field = form.format(n=" ".join(words), a=f"{local}@{domain}")
    expected = tuple(email.utils.getaddresses([field]))
    assert message.addresses.__wrapped__(field) == expected
