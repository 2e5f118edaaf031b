"""parse_reply over a corpus of realistic messages (tests/messages/<case>.eml + <case>.yaml),
plus the never-raises property and the parse-reply command."""

from __future__ import annotations

import calendar
import json
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mailer.cli.main import main as cli
from mailer.config.questions import load_default_questions
from mailer.parse import replies, reply_headers
from mailer.parse.answers import map_answers
from mailer.parse.commands import parse_command
from mailer.parse.replies import parse_reply

MESSAGES = Path(__file__).parents[1] / "messages"
CASES = sorted(p.stem for p in MESSAGES.glob("*.eml"))
RECEIVED = datetime(2026, 12, 18, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
CHECKIN = load_default_questions()["checkin"]


@pytest.mark.parametrize("case", CASES)
def test_corpus(case: str) -> None:
    expected = yaml.safe_load((MESSAGES / f"{case}.yaml").read_text(encoding="utf-8"))
    reply = parse_reply((MESSAGES / f"{case}.eml").read_bytes(), received_at=RECEIVED)
    assert reply.kind == expected["kind"], reply.kind_reason
    assert reply.out_of_office == expected.get("out_of_office", False)
    if "from" in expected:
        assert reply.from_address == expected["from"]
    for key in ("message_id", "in_reply_to"):
        if key in expected:
            value = getattr(reply, key)
            assert (list(value) if isinstance(value, tuple) else value) == expected[key]
    if "return_date" in expected:
        assert reply.return_date == expected["return_date"]
    if "failed" in expected:
        assert [f.address for f in reply.failed if f.permanent] == expected["failed"]
    for fragment in expected.get("text_contains", []):
        assert fragment in " ".join(reply.text.split()), reply.text
    for fragment in expected.get("text_excludes", []):
        assert fragment not in reply.text, reply.text
    if "answers" in expected:
        mapped = map_answers(reply.text, reply.segments, CHECKIN)
        assert dict(mapped.answers) == expected["answers"]
        assert mapped.method == expected["method"]
    if "command" in expected:
        command = parse_command(reply.text, today=RECEIVED.date())
        assert command is not None
        assert (command.action, command.until) == (
            expected["command"]["action"], expected["command"].get("until"))
    if "dmarc" in expected:
        assert [r.dmarc for r in reply.auth_results] == [expected["dmarc"]]
    assert reply.auto_submitted == (reply.kind != "reply")


def test_every_case_has_its_expectations() -> None:
    assert len(CASES) >= 10
    assert all((MESSAGES / f"{case}.yaml").exists() for case in CASES)


def test_no_message_id_keys_on_content_and_says_so() -> None:
    raw = b"From: a@example.se\r\nSubject: hej\r\n\r\nHej\r\n"
    reply = parse_reply(raw, received_at=RECEIVED)
    assert reply.message_id is None and any("Message-ID" in p for p in reply.problems)
    assert reply.key == parse_reply(raw, received_at=RECEIVED).key
    assert reply.key != parse_reply(raw + b"x", received_at=RECEIVED).key


def test_same_message_id_and_body_same_key_whatever_the_bytes() -> None:
    a = parse_reply(b"Message-ID: <x@y>\n\nfirst  line\n", received_at=RECEIVED)
    b = parse_reply(b"Message-ID:  <x@y>\r\nX-Extra: 1\r\nContent-Transfer-Encoding: base64"
                    b"\r\n\r\nZmlyc3QgbGluZQ==\r\n", received_at=RECEIVED)
    assert a.key == b.key


def test_same_message_id_other_body_is_another_message() -> None:
    """Some clients and gateways reuse a Message-ID: the second reply is no duplicate."""
    a = parse_reply(b"Message-ID: <x@y>\n\nfirst", received_at=RECEIVED)
    b = parse_reply(b"Message-ID: <x@y>\n\nsecond copy", received_at=RECEIVED)
    assert a.key != b.key


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_parse_reply_never_raises(raw: bytes) -> None:
    reply = parse_reply(raw, received_at=RECEIVED)
    assert reply.kind in ("reply", "auto_reply", "bounce")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from([
    b"From: =?utf-8?q?=C3=A5?= <a@b>", b"Subject: =?bogus?q?x?=", b"Content-Type: multipart/report",
    b"Content-Type: text/plain; charset=x-unknown", b"Date: not a date", b"Message-ID: <",
    b"Auto-Submitted: auto-replied", b"References: <a@b> <c@d", b"Return-Path: <>",
    b"Content-Transfer-Encoding: base64", b"Authentication-Results: ; dmarc=",
]), max_size=8), st.binary(max_size=300))
def test_parse_reply_survives_hostile_headers(headers: list[bytes], body: bytes) -> None:
    parse_reply(b"\r\n".join(headers) + b"\r\n\r\n" + body, received_at=RECEIVED)


_FIELDS = [b"Subject: ", b"From: ", b"To: ", b"Message-ID: ", b"References: ", b"Date: ",
           b"Auto-Submitted: ", b"Return-Path: ", b"Content-Type: text/plain; charset=",
           b"Content-Disposition: attachment; filename="]
_PIECES = [b"=?", b"?=", b"?q?", b"?b?", b"utf-8", b"\xc3", b"\xa5", b"\xff", b"abc", b"QQ==",
           b"=C3=A5", b" ", b"<", b">", b"@", b";", b"'", b"\x00", b"\r"]


@settings(max_examples=300, deadline=None)
@example([(b"Subject: ", [b"=?", b"\xc3", b"?q?", b"abc", b"?="])])
@example([(b"Auto-Submitted: ", [b"=?", b"\xff", b"?q?", b"?="])])
@example([(b"References: ", [b"=?", b"utf-8", b"?b?", b"\xa5", b"?="])])
@example([(b"Content-Type: text/plain; charset=", [b"\xc3", b"\xa5"])])
@given(st.lists(st.tuples(st.sampled_from(_FIELDS),
                          st.lists(st.sampled_from(_PIECES), max_size=8)), max_size=5))
def test_encoded_words_with_raw_bytes_never_raise(fields: list[tuple[bytes, list[bytes]]]
                                                  ) -> None:
    # Found by fuzzing: "=?\xc3?b?...?=" (a raw 8-bit byte in an encoded-word's charset) made
    # the stdlib raise CharsetError, "=?utf-8?b?\xa5?=" HeaderParseError: the message was left
    # in the inbox and retried at every poll.
    raw = b"\n".join(name + b"".join(value) for name, value in fields) + b"\n\nHej\n"
    result = replies.parse_file(raw, as_kind="eml", questions=CHECKIN, received_at=RECEIVED)
    assert result["kind"] in ("reply", "auto_reply", "bounce", "unsure")


#: The fields of ``mailer parse-reply``'s JSON objects (README, "Reading replies by hand").
SCHEMA = {"file", "kind", "reason", "out_of_office", "return_date", "text", "command", "answers",
          "problems", "prompt_aware"}


def test_parse_reply_command_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text_file = tmp_path / "answer.txt"
    text_file.write_text(
        "1. Bra\n2. Inget\n3. 4 av 5\n\n> 1. Vad fungerar bra?\n", encoding="utf-8"
    )
    files = [MESSAGES / "gmail_numbered_sv.eml", MESSAGES / "dsn_postfix.eml", text_file]
    assert cli(["parse-reply", "--json", *map(str, files)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["file"] for line in lines] == [str(f) for f in files]
    assert [line["kind"] for line in lines] == ["reply", "bounce", "reply"]
    assert lines[0]["answers"]["mood"] == 4
    assert lines[1]["answers"] == {}  # a bounce answers nothing
    assert lines[2]["answers"] == {"working_well": "Bra", "obstacles": "Inget", "mood": 4}
    assert all(set(line) == SCHEMA for line in lines)  # the README's stable schema
    assert lines[1]["reason"] and lines[1]["command"] is None


def test_parse_reply_shows_the_command_and_reads_with_the_prompt(
        capsys: pytest.CaptureFixture[str]) -> None:
    realistic = Path(__file__).parent / "realistic"
    files = [realistic / f"{case}.eml" for case in ("outlook_web_paus_till_sv",
                                                    "outlook_desktop_bottom_post_en")]
    assert cli(["parse-reply", "--json", *map(str, files)]) == 0
    blind = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert blind[0]["command"]["action"] == "pause" and blind[0]["command"]["until"]
    assert blind[0]["answers"] == {} and not blind[0]["prompt_aware"]
    assert blind[1]["answers"] == {}
    assert cli(["parse-reply", "--prompt", str(realistic / "prompt_en.eml"), str(files[1])]) == 0
    aware = json.loads(capsys.readouterr().out)
    assert aware["prompt_aware"] and aware["answers"]["mood"] == 5


def test_parse_reply_with_a_missing_prompt_file_is_a_usage_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["parse-reply", "--prompt", str(tmp_path / "none.eml"),
                str(MESSAGES / "dsn_postfix.eml")]) == 2
    assert "--prompt" in capsys.readouterr().err


def test_parse_reply_command_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html = tmp_path / "reply.html"
    html.write_text("<p>Hinder: inga</p><blockquote>Vilka hinder?</blockquote>", encoding="utf-8")
    assert cli(["parse-reply", "--json", "--as", "html", str(html)]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["answers"] == {"obstacles": "inga"}


def test_return_date_type() -> None:
    reply = parse_reply((MESSAGES / "ooo_gmail_en.eml").read_bytes(), received_at=RECEIVED)
    assert reply.return_date == date(2027, 1, 4)


def test_a_date_header_with_an_absurd_year_is_a_problem_not_a_crash() -> None:
    """Found by the fuzz test: parsedate_to_datetime raises OverflowError for such a year."""
    raw = (
        b"From: Anna <anna@example.com>\r\nTo: checkin@example.com\r\nSubject: Re: x\r\n"
        b"Date: Mon, 30 Nov 2222222026 09:00:00 +0100\r\n\r\nHej\r\n"
    )
    reply = parse_reply(raw, received_at=datetime(2026, 11, 30, 10, tzinfo=UTC))
    assert reply.date is None and any("Date" in p for p in reply.problems)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["", *(f"{day}, " for day in calendar.day_abbr)]), st.integers(0, 99),
       st.sampled_from(calendar.month_abbr[1:]), st.integers(0, 9999), st.integers(0, 99),
       st.integers(0, 99), st.integers(0, 99), st.sampled_from("+-"), st.integers(0, 9999))
def test_a_date_header_in_the_usual_form_reads_as_the_stdlib_reads_it(
        weekday: str, day: int, month: str, year: int, hour: int, minute: int, second: int,
        sign: str, zone: int) -> None:
    # The fast path of the usual form: the same datetime (offset, "-0000" naive) or the
    # same exception as the stdlib, absurd fields included.
    value = f"{weekday}{day:02} {month} {year:04} {hour:02}:{minute:02}:{second:02} {sign}{zone:04}"

    def read(parse: object) -> object:
        try:
            return repr(parse(value))  # type: ignore[operator]
        except Exception as exc:  # the exception is the outcome compared
            return type(exc)

    assert read(reply_headers.parse_date) == read(parsedate_to_datetime)


def test_an_out_of_office_quoting_our_prompt_takes_no_date_from_the_prompt() -> None:
    """Outlook rules may quote the original: its "PAUS till ..." example is not a return day."""
    raw = ("From: Anna Berg <anna@example.com>\r\nTo: checkin@example.com\r\n"
           "Subject: SV: Avstämning\r\nMessage-ID: <ooo-quote@example.com>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n"
           "Jag är tjänstledig och läser inte min e-post.\r\n\r\n"
           "________________________________\r\nFrån: Team check-in <checkin@example.com>\r\n"
           "Skickat: den 7 december 2026 09:00\r\nTill: Anna Berg <anna@example.com>\r\n"
           "Ämne: Avstämning\r\n\r\nBorta en tid? Svara PAUS till 2026-12-21 så kommer inga "
           "frågor till dess.\r\n").encode()
    reply = parse_reply(raw, received_at=datetime(2026, 12, 7, 10, tzinfo=UTC))
    assert (reply.kind, reply.out_of_office, reply.return_date) == ("auto_reply", True, None)


@pytest.mark.parametrize(
    ("marker", "subject", "body", "away"),
    [
        # A responder's header alone: the text has to say the absence.
        ("Auto-Submitted: auto-replied", "Re: Avstämning",
         "Ditt meddelande till listan team@example.org väntar på moderatorns godkännande.",
         False),
        ("Auto-Submitted: auto-replied", "Re: Check-in",
         "Thanks for your message. I answer all mail within two working days.", False),
        ("X-Autoreply: yes", "Re: Check-in", "Your request has been received.", False),
        ("X-MS-Exchange-Inbox-Rules-Loop: anna@example.com", "Re: Check-in",
         "Thank you, your message has been forwarded to the team.", False),
        # ... and when it does, or names a return day, it is an out-of-office.
        ("Auto-Submitted: auto-replied", "Re: Avstämning", "Jag är ledig.", True),
        ("Auto-Submitted: auto-replied", "Re: Check-in", "I'm on vacation, no access to email.",
         True),
        ("Auto-Submitted: auto-replied", "Re: Check-in", "Back on 4 January.", True),
        ("X-MS-Exchange-Inbox-Rules-Loop: anna@example.com", "Re: Check-in",
         "This is an automatic reply. Reach Erik at erik@example.com meanwhile.", True),
        # A subject of absence says it whatever the text is; Exchange's "Automatic reply:"
        # is only a responder's subject (its delegate notices use it too).
        ("Auto-Submitted: auto-replied", "Out of Office: Check-in", "Hello.", True),
        ("X-Mailer: x", "Frånvaro: Avstämning", "Hej.", True),
        ("Auto-Submitted: auto-generated", "Automatic reply: Check-in",
         "This is an automatic notice. Messages to this address are forwarded to my delegate "
         "Maria Berg (maria.berg@example.com), who handles my correspondence.", False),
        ("X-Mailer: x", "Automatiskt svar: Avstämning", "Jag svarar inom två arbetsdagar.", False),
        ("X-Mailer: x", "Automatic reply: Check-in", "I'm on parental leave.", True),
        ("X-Mailer: x", "Autosvar: Avstämning", "Åter 4 januari.", True),
    ],
)
def test_a_responders_mark_is_away_only_when_its_text_says_so(marker: str, subject: str,
                                                                 body: str, away: bool) -> None:
    raw = (f"From: Anna Berg <anna@example.com>\r\nTo: checkin@example.com\r\n{marker}\r\n"
           f"Subject: {subject}\r\nMessage-ID: <auto@example.com>\r\n"
           f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()
    reply = parse_reply(raw, received_at=datetime(2026, 12, 7, 10, tzinfo=UTC))
    assert (reply.kind, reply.out_of_office) == ("auto_reply", away), reply.kind_reason


@pytest.mark.parametrize("subject", ["Läst: Avstämning måndag 7 december",
                                     "Read: Check-in Monday, 7 December"])
def test_a_read_receipt_sent_as_a_message_is_machine_mail(subject: str) -> None:
    # Outlook's read receipt without an RFC 8098 report, HTML only ("Ditt meddelande ...
    # lästes den ..."): its quoted header lines are cut as quote, "Ditt meddelande" is left.
    raw = (f"From: Anna Lind <anna@example.com>\r\nTo: checkin@example.com\r\n"
           f"Subject: {subject}\r\nMessage-ID: <read@example.com>\r\n"
           "Content-Type: text/html; charset=utf-8\r\n\r\n<p>Ditt meddelande</p><p>Till: Anna "
           "Lind<br>Ämne: Avstämning<br>Skickat: den 7 december 2026 08:00</p><p>lästes den 7 "
           "december 2026 09:03.</p>\r\n").encode()
    reply = parse_reply(raw, received_at=datetime(2026, 12, 7, 10, tzinfo=UTC))
    assert (reply.kind, reply.out_of_office) == ("auto_reply", False), reply.kind_reason


@pytest.mark.parametrize(("raw_subject", "subject"), [
    ("Re: Veckans avstämning".encode(), "Re: Veckans avstämning"),  # RFC 6532 UTF-8
    ("SV: Frånvaro".encode("latin-1"), "SV: Frånvaro"),  # an old client's Latin-1
])
def test_a_raw_8bit_subject_is_decoded_not_replaced(raw_subject: bytes, subject: str) -> None:
    # compat32 gives such a value as a Header whose str() is U+FFFD characters: the record
    # and the receipt's "Re:" showed "avst\ufffd\ufffdmning".
    raw = (b"From: Anna <anna@example.com>\r\nSubject: " + raw_subject
           + b"\r\nMessage-ID: <raw@example.com>\r\n\r\nHej\r\n")
    assert parse_reply(raw, received_at=RECEIVED).subject == subject
