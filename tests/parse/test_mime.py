"""mailer.parse.mime and mailer.parse.text_decoding: charsets, transfer encodings, the choice of
body part, and never raising."""

from __future__ import annotations

import base64
import quopri

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse import mime, text_decoding
from mailer.parse.mime import Body, decode_message
from mailer.parse.text_decoding import decode_bytes, decode_header, unflow

HEAD = b"From: Anna <anna@x.se>\nTo: checkin@team.example\nSubject: Re: x\nMIME-Version: 1.0\n"


def _plain(body: bytes, ctype: bytes = b"text/plain; charset=utf-8", cte: bytes = b"8bit") -> bytes:
    headers = b"Content-Type: " + ctype + b"\nContent-Transfer-Encoding: " + cte + b"\n\n"
    return HEAD + headers + body


# --------------------------------------------------------------------------- charsets

CHARSETS = [
    # (declared label, bytes, expected text, expected problem fragment or None)
    ("utf-8", "Hej då, åäö €".encode(), "Hej då, åäö €", None),
    ("iso-8859-1", "Hej då, åäö".encode("latin-1"), "Hej då, åäö", None),
    # Windows-1252 bytes labelled latin-1: read as cp1252, as browsers do.
    ("iso-8859-1", "It’s 5 €".encode("cp1252"), "It’s 5 €", None),
    ("windows-1252", "It’s – 5 €".encode("cp1252"), "It’s – 5 €", None),
    ("iso-8859-15", "Prix: 5 €".encode("iso-8859-15"), "Prix: 5 €", None),
    ("koi8-r", "Привет".encode("koi8-r"), "Привет", None),
    ("gb2312", "你好，世界".encode("gb18030"), "你好，世界", None),
    (None, "Hej då".encode(), "Hej då", "no charset declared"),
    (None, "Hej då".encode("cp1252"), "Hej då", "windows-1252"),
    ("us-ascii", "Hej då".encode(), "Hej då", "declared us-ascii"),
    ("iso-8859-1", "Hej då".encode(), "Hej då", "is UTF-8"),
    ("x-nonexistent", "Hej då".encode("cp1252"), "Hej då", "unknown charset"),
    ("utf-8", "Hej då".encode("cp1252"), "Hej då", "not valid utf-8"),
    ("base64", b"Hej d\xe5", "Hej då", "unusable charset"),  # a codec, but not a charset
    ("unknown-8bit", "Hej då".encode(), "Hej då", "no charset declared"),
]


@pytest.mark.parametrize(("label", "data", "expected", "problem"), CHARSETS)
def test_decode_bytes(label: str | None, data: bytes, expected: str, problem: str | None) -> None:
    text, problems = decode_bytes(data, label)
    assert text == expected
    if problem is None:
        assert problems == ()
    else:
        assert any(problem in p for p in problems), problems


def test_decode_bytes_boms_and_html_meta() -> None:
    assert decode_bytes(b"\xef\xbb\xbfHej", None) == ("Hej", ())
    assert decode_bytes("Hej".encode("utf-16"), None)[0] == "Hej"
    html = '<meta charset="windows-1252"><p>It’s</p>'.encode("cp1252")
    assert decode_bytes(html, None, html=True)[0] == '<meta charset="windows-1252"><p>It’s</p>'


@pytest.mark.parametrize(
    ("ctype", "data", "expected"),
    [
        (b"text/plain; charset=utf-8", "åäö".encode("latin-1"), "åäö"),
        (b"text/plain; charset=iso-8859-1", "åäö".encode(), "åäö"),
        (b'text/plain; charset="UTF8"', "åäö".encode(), "åäö"),
        (b"text/plain", b"\x81 \xe5", "\x81 å"),  # unassigned in cp1252: latin-1 last resort
    ],
)
def test_message_charsets_end_to_end(ctype: bytes, data: bytes, expected: str) -> None:
    assert decode_message(_plain(data, ctype)).text == expected


# --------------------------------------------------------------------------- transfer encodings


def test_quoted_printable_and_base64() -> None:
    text = "Bra vecka – inga hinder.\nRad två: åäö\n"
    qp = quopri.encodestring(text.encode("utf-8"))
    b64 = base64.encodebytes(text.encode("utf-8"))
    assert decode_message(_plain(qp, cte=b"quoted-printable")).text == text
    assert decode_message(_plain(b64, cte=b"base64")).text == text


def test_broken_base64_does_not_raise() -> None:
    body = decode_message(_plain(b"SGVqIGTDpQ==!!!not base64***\nSGVq", cte=b"base64"))
    assert body.text is not None and body.text.startswith("Hej d")


def test_unknown_transfer_encoding_keeps_the_bytes() -> None:
    assert decode_message(_plain(b"Hej\n", cte=b"x-weird")).text == "Hej\n"


def test_nul_bytes_are_removed_and_reported() -> None:
    body = decode_message(_plain(b"Hej\x00 d\x00\xc3\xa5\n"))
    assert body.text == "Hej d\xe5\n"
    assert "NUL bytes removed" in body.problems


DOVECOT_NUL = b"V\xc3\xa4ntar p\xc3\xa5 \x80granskning, \xc3\xb6vrigt bra.\x80\n"


@pytest.mark.parametrize("ctype", [b"text/plain; charset=utf-8", b"text/plain",
                                   b"text/plain; charset=UTF8"])
def test_a_nul_stored_by_dovecot_as_0x80_keeps_the_body_utf8(ctype: bytes) -> None:
    # Dovecot replaces NUL with 0x80 on delivery; one stray byte must not turn the whole
    # text into windows-1252 ("VÃ¤ntar pÃ¥").
    body = decode_message(_plain(DOVECOT_NUL, ctype))
    assert body.text == "V\xe4ntar p\xe5 granskning, \xf6vrigt bra.\n"
    assert "0x80 bytes removed (NUL bytes, as Dovecot stores them)" in body.problems
    assert "decoded as windows-1252" not in body.problems


def test_other_invalid_bytes_still_fall_back_to_windows_1252() -> None:
    # 0x80 beside a byte that is no UTF-8 either: the body is not UTF-8 at all.
    body = decode_message(_plain(b"Caf\xe9 \x80 5\n", b"text/plain"))
    assert body.text == "Caf\xe9 \u20ac 5\n"
    assert "decoded as windows-1252" in body.problems


def test_a_0x80_inside_a_utf8_sequence_is_text() -> None:
    assert decode_message(_plain("À la carte\n".encode())).text == "À la carte\n"


# --------------------------------------------------------------------------- structure


def _multipart(boundary: bytes, *parts: bytes, ctype: bytes = b"multipart/mixed") -> bytes:
    out = HEAD + b"Content-Type: " + ctype + b'; boundary="' + boundary + b'"\n\npreamble\n'
    for part in parts:
        out += b"--" + boundary + b"\n" + part + b"\n"
    return out + b"--" + boundary + b"--\n"


ALT = _multipart(
    b"alt",
    b"Content-Type: text/plain; charset=utf-8\n\nPlain body",
    b"Content-Type: text/html; charset=utf-8\n\n<p>HTML body</p>",
    ctype=b"multipart/alternative",
)


def test_alternative_gives_both_bodies() -> None:
    body = decode_message(ALT)
    assert (body.text, body.html) == ("Plain body", "<p>HTML body</p>")
    assert body.problems == ()


def test_nested_multiparts_and_attachments() -> None:
    inner = ALT.split(b"\n\n", 1)[1]  # the alternative's own body, with its boundary
    raw = _multipart(
        b"outer",
        b'Content-Type: multipart/alternative; boundary="alt"\n\n' + inner,
        b'Content-Type: text/plain; name="notes.txt"\nContent-Disposition: attachment; '
        b'filename="notes.txt"\n\nAttached notes, not the reply',
        b'Content-Type: application/pdf\nContent-Disposition: attachment; filename="a.pdf"\n'
        b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(b"%PDF" + bytes(5000)),
    )
    body = decode_message(raw)
    assert body.text == "Plain body"
    assert body.html == "<p>HTML body</p>"


def test_text_part_with_a_filename_is_an_attachment() -> None:
    raw = _multipart(
        b"b",
        b'Content-Type: text/plain; name="log.txt"\nContent-Disposition: inline; filename="log.txt"'
        b"\n\nA log file",
        b"Content-Type: text/plain\n\nThe reply",
    )
    assert decode_message(raw).text == "The reply"


_NAME_PIECES = st.sampled_from([";", "=", '"', "'", "*", "name", "NAME", "Name", "name*",
                                "name*0", "name*1*", "filename", "utf-8", "%C3%85", " ", "x"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_NAME_PIECES, max_size=16), st.booleans())
def test_a_part_without_disposition_or_name_parameter_has_no_filename(
        pieces: list[str], disposition: bool) -> None:
    # _is_attachment asks get_filename only when the part has one of the two.
    data = (b"Content-Type: text/plain" + "".join(pieces).encode()
            + (b"\nContent-Disposition: inline" + "".join(pieces).encode() if disposition
               else b"") + b"\n\nx")
    part = mime.parse_message(data)
    try:
        expected = part.get_filename() is not None or (disposition and part.get(
            "Content-Disposition").split(";", 1)[0].strip().lower() == "attachment")
    except (ValueError, TypeError, LookupError):
        expected = True
    assert mime._is_attachment(mime.parse_message(data)) == expected


def test_text_split_around_an_inline_image_is_joined() -> None:
    # Apple Mail: multipart/mixed with text/plain, image/png (inline), text/plain.
    raw = _multipart(
        b"m",
        b"Content-Type: text/plain\n\nBefore the picture",
        b'Content-Type: image/png\nContent-Disposition: inline; filename="a.png"\n\nPNG',
        b"Content-Type: text/plain\n\nAfter the picture",
    )
    assert decode_message(raw).text == "Before the picture\n\nAfter the picture"


def test_second_text_part_of_an_alternative_is_not_joined() -> None:
    raw = _multipart(
        b"a",
        b"Content-Type: text/plain\n\nFirst",
        b"Content-Type: text/plain\n\nSecond",
        ctype=b"multipart/alternative",
    )
    assert decode_message(raw).text == "First"


def test_forwarded_message_part_is_not_the_body() -> None:
    raw = _multipart(
        b"f",
        b"Content-Type: text/plain\n\nMy note above the forward",
        b"Content-Type: message/rfc822\n\nSubject: inner\nContent-Type: text/plain\n\nInner body",
    )
    body = decode_message(raw)
    assert body.text == "My note above the forward"
    assert "message/rfc822 part skipped" in body.problems


def test_only_a_forwarded_message_gives_no_body() -> None:
    raw = _multipart(b"f", b"Content-Type: message/rfc822\n\nSubject: in\n\nInner body")
    body = decode_message(raw)
    assert body.text is None and body.html is None


def test_wrong_boundary_is_recovered() -> None:
    raw = (
        HEAD + b'Content-Type: multipart/alternative; boundary="declared"\n\n'
        b"--actual\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: "
        b"quoted-printable\n\nHej d=C3=A5\n--actual\nContent-Type: text/html\n\n<p>x</p>\n"
        b"--actual--\n"
    )
    body = decode_message(raw)
    assert body.text == "Hej då\n"
    assert body.html == "<p>x</p>\n"
    assert "multipart boundary recovered from the body" in body.problems


def test_missing_boundary_and_no_parts_reads_the_body_as_text() -> None:
    raw = HEAD + b"Content-Type: multipart/mixed\n\nJust some text\n"
    body = decode_message(raw)
    assert body.text == "Just some text\n"
    assert any("multipart without parts" in p for p in body.problems)


def test_missing_closing_boundary() -> None:
    raw = HEAD + b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
    raw += b"Content-Type: text/plain\n\nHi"
    assert decode_message(raw).text == "Hi"


def test_html_only_message() -> None:
    raw = HEAD + b"Content-Type: text/html; charset=utf-8\n\n<p>Hej</p>"
    assert decode_message(raw) == Body(None, "<p>Hej</p>", ())


def test_headers_only_and_garbage() -> None:
    assert decode_message(b"") == Body("", None, ())
    assert decode_message(b"Subject: x\n").text == ""
    assert decode_message(b"\xff\xfe\x00garbage").text is not None


def _nested(depth: int, leaf: bytes = b"Content-Type: text/plain\n\ndeep\n") -> bytes:
    raw = HEAD + b'Content-Type: multipart/mixed; boundary="b0"\n\n'
    for level in range(1, depth):
        raw += b"--b%d\nContent-Type: multipart/mixed; boundary=\"b%d\"\n\n" % (level - 1, level)
    raw += b"--b%d\n" % (depth - 1) + leaf
    for level in range(depth - 1, -1, -1):
        raw += b"--b%d--\n" % level
    return raw


@pytest.mark.parametrize("depth", [60, 500])
def test_deeply_nested_multiparts_keep_their_text(depth: int) -> None:
    body = decode_message(_nested(depth))
    assert body.text == "deep"
    assert body.problems == ("MIME nested more than 30 levels deep",)


def test_deeper_than_the_parser_reads_the_first_text_part_by_its_boundary() -> None:
    leaf = b"Content-Type: text/plain; charset=utf-8\n\nAllt g\xc3\xa5r bra.\n"
    body = decode_message(_nested(3000, leaf))
    assert body.text == "Allt g\xe5r bra."
    assert body.problems == ("MIME nested too deeply to parse; first text part read by boundary",)


def test_the_number_of_parts_is_bounded() -> None:
    parts = [b"Content-Type: image/png\n\nx\n"] * 3000 + [b"Content-Type: text/plain\n\nlate\n"]
    body = decode_message(_multipart(b"m", *parts))
    assert body.text is None
    assert "more than 2000 MIME parts; the rest skipped" in body.problems


def test_non_bytes_input() -> None:
    assert decode_message(b"Subject: x\n\nHej").text == "Hej"  # bytes
    assert decode_message("Subject: x\n\nHej").text == "Hej"  # type: ignore[arg-type]
    assert decode_message(None).problems == ("not bytes: NoneType",)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=800))
def test_decode_message_never_raises(raw: bytes) -> None:
    assert isinstance(decode_message(raw), Body)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(
        [b"text/plain", b"multipart/mixed; boundary=x", b'text/html; charset="', b"message/rfc822"]
    ),
    st.sampled_from([b"7bit", b"base64", b"quoted-printable", b"x-uuencode"]),
    st.binary(max_size=400),
)
def test_decode_message_never_raises_on_mime_shaped_input(
    ctype: bytes, cte: bytes, body: bytes
) -> None:
    assert isinstance(decode_message(_plain(body, ctype, cte)), Body)


# --------------------------------------------------------------------------- format=flowed


def test_unflow_joins_soft_breaks_and_keeps_quotes_and_signature() -> None:
    flowed = "First line \nsecond line.\n> quoted \n> more\n>> deep\n-- \nSig"
    assert unflow(flowed) == "First line second line.\n> quoted more\n>> deep\n-- \nSig"


def test_unflow_delsp_and_space_stuffing() -> None:
    assert unflow("Lo \nng\n From here", delsp=True) == "Long\nFrom here"


def test_flowed_message_is_unflowed() -> None:
    ctype = b"text/plain; charset=utf-8; format=flowed"
    raw = _plain(b"The answer wraps \nover two lines.\n", ctype)
    assert decode_message(raw).text == "The answer wraps over two lines.\n"


def test_flowed_parameter_in_rfc2231_form_is_understood() -> None:
    # RFC 2231 4: format*=charset'language'value; get_param returns a tuple for it.
    ctype = b"text/plain; charset=utf-8; format*=us-ascii''flowed"
    raw = _plain(b"The answer wraps \nover two lines.\n", ctype)
    body = decode_message(raw)
    assert body.text == "The answer wraps over two lines.\n"
    assert not body.problems


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=?UTF-8?Q?Re=3A_Veckans_avst=C3=A4mning?=", "Re: Veckans avstämning"),
        ("=?iso-8859-1?B?SGVq?= =?iso-8859-1?Q?_d=E5?=", "Hej då"),
        ("Re: =?utf-8?q?Hej_d=C3=A5?= igen", "Re: Hej då igen"),
        ("plain\r\n folded", "plain folded"),
        ("=?x-unknown?q?Hej_d=E5?=", "Hej då"),
        ("=?utf-8?q?broken", "=?utf-8?q?broken"),
        ("Raw \udcc3\udca5", "Raw å"),  # 8-bit header as compat32 hands it over
        ("Åsa \udcc3\udca5", "Åsa å"),  # a str value: real characters beside raw bytes
        (None, ""),
    ],
)
def test_decode_header(value: str | None, expected: str) -> None:
    assert decode_header(value) == expected


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["=", "?", "=?", "?=", "utf-8", "q", "b", "Q", "_", "=C3=A5",
                                 " ", "\t", "\r\n ", "\x1c", "Anna", "<", ">",
                                 "\udcc3"]), max_size=16))
def test_a_plain_header_decodes_as_through_the_stdlib(pieces: list[str]) -> None:
    # ASCII without "=?" skips email.header.decode_header; any other value takes it.
    value = "".join(pieces)
    assert decode_header(value) == text_decoding._decoded_words(value)
