"""classify: message kinds, DSN recipients and out-of-office return dates (pure)."""

from __future__ import annotations

import re
import sys
from datetime import date
from email import message_from_bytes, message_from_string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.parse import return_dates as return_dates_module
from mailer.parse.classify import classify, failed_recipients
from mailer.parse.return_dates import find_return_date

TODAY = date(2026, 12, 18)  # a Friday


def _msg(headers: str, body: str = "Hej\n") -> object:
    return message_from_string(headers.strip() + "\n\n" + body)


@pytest.mark.parametrize(
    ("headers", "kind", "away"),
    [
        ("From: anna@example.se\nSubject: Re: Check-in", "reply", False),
        ("From: anna@example.se\nSubject: Re: Check-in\nAuto-Submitted: no", "reply", False),
        # Outlook sets this on ordinary mail: never an auto-reply marker.
        ("From: anna@example.se\nSubject: Re: x\nX-Auto-Response-Suppress: All", "reply", False),
        ("From: anna@example.se\nSubject: Re: x\nAuto-Submitted: auto-replied", "auto_reply", True),
        ("From: anna@example.se\nSubject: Ticket\nAuto-Submitted: auto-generated", "auto_reply",
         False),
        ("From: anna@example.se\nSubject: Re: x\nX-Autoreply: yes", "auto_reply", True),
        ("From: anna@example.se\nSubject: Re: x\nX-Autorespond: on", "auto_reply", True),
        ("From: a@example.se\nSubject: x\nX-MS-Exchange-Inbox-Rules-Loop: a@example.se",
         "auto_reply", True),
        ("From: a@example.se\nSubject: x\nPrecedence: auto_reply", "auto_reply", True),
        ("From: a@example.se\nSubject: x\nPrecedence: bulk", "auto_reply", False),
        ("From: a@example.se\nSubject: Automatiskt svar: Veckans check-in", "auto_reply", True),
        ("From: a@example.se\nSubject: Automatic reply: Weekly check-in", "auto_reply", True),
        ("From: a@example.se\nSubject: Out of Office: Weekly check-in", "auto_reply", True),
        ("From: a@example.se\nSubject: Frånvaro", "auto_reply", True),
        ("From: a@example.se\nSubject: SV: Frånvaro till 7/1", "auto_reply", True),
        ("From: MAILER-DAEMON@mx.example.se\nSubject: Undelivered Mail", "bounce", False),
        ("From: a@example.se\nReturn-Path: <>\nSubject: Delivery failed", "bounce", False),
        ("From: a@example.se\nReturn-Path: <>\nSubject: Re: x\nAuto-Submitted: auto-replied",
         "auto_reply", True),
        # a person forwarding an auto-reply: no responder forwards (its header still counts)
        ("From: a@example.se\nSubject: Fwd: Automatic reply: Check-in", "reply", False),
        ("From: a@example.se\nSubject: VB: Frånvaro: Avstämning", "reply", False),
        ("From: a@example.se\nSubject: Fwd: Out of Office\nAuto-Submitted: auto-replied",
         "auto_reply", True),
    ],
)
def test_classify_headers(headers: str, kind: str, away: bool) -> None:
    result = classify(_msg(headers))  # type: ignore[arg-type]
    assert (result.kind, result.out_of_office) == (kind, away), result.reason


DSN = b"""From: Mail Delivery System <MAILER-DAEMON@mx.example.se>
To: checkin@team.example
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.se

Final-Recipient: rfc822; Bertil@Example.se
Original-Recipient: rfc822;bertil@example.se
Action: failed
Status: 5.1.1 (user unknown)

Final-Recipient: rfc822; cilla@example.se
Action: delayed
Status: 4.4.1

--B
Content-Type: text/rfc822-headers

From: checkin@team.example
To: someone-else@example.se
Subject: Check-in

--B--
"""


def test_dsn_is_a_bounce_even_when_auto_submitted() -> None:
    msg = message_from_bytes(DSN)
    assert classify(msg).kind == "bounce"
    failed = failed_recipients(msg)
    assert [(f.address, f.permanent) for f in failed] == [
        ("bertil@example.se", True), ("cilla@example.se", False)]


def test_bounce_without_dsn_uses_the_original_to() -> None:
    raw = DSN.replace(b"message/delivery-status", b"text/plain")
    assert [f.address for f in failed_recipients(message_from_bytes(raw))] == [
        "someone-else@example.se"]


def test_read_receipt_is_not_out_of_office() -> None:
    msg = _msg('From: a@example.se\nContent-Type: multipart/report; '
               'report-type=disposition-notification; boundary="x"', "--x--\n")
    result = classify(msg)  # type: ignore[arg-type]
    assert result.kind == "auto_reply" and not result.out_of_office


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm out of the office and back on 7 January.", date(2027, 1, 7)),
        ("Jag är ledig och tillbaka den 7 januari.", date(2027, 1, 7)),
        ("Åter 2027-01-07. Vid brådskande ärenden, ring växeln.", date(2027, 1, 7)),
        ("I will return on Monday, January 4th. For urgent matters contact Bo.",
         date(2027, 1, 4)),
        ("Thank you. I'm away from 21 December through 3 January.", date(2027, 1, 4)),
        ("Jag är på semester 21/12 - 6/1 och läser inte mejl.", date(2027, 1, 7)),
        ("Jag är ledig till och med 6 januari.", date(2027, 1, 7)),
        ("Ledig t.o.m. 2/1, åter 3/1 2027.", date(2027, 1, 3)),
        ("Back 07.01.2027", date(2027, 1, 7)),
        ("Back in the office Jan 11, 2027.", date(2027, 1, 11)),
        ("Jag är tillbaka på måndag.", date(2026, 12, 21)),
        ("I am back on the 4th of January", date(2027, 1, 4)),
        ("Tillbaka 7:e januari", date(2027, 1, 7)),
        ("I'm out of office until Monday, January 4.", date(2027, 1, 4)),
        ("Jag är ledig till och med måndag den 4 januari.", date(2027, 1, 5)),
        ("Away until Monday.", date(2026, 12, 21)),
        ("Out of office. I read mail at 10.30 sometimes.", None),
        ("I was away on 3 December.", None),  # past dates say nothing
        ("Thanks for your message.", None),
    ],
)
def test_find_return_date(text: str, expected: date | None) -> None:
    assert find_return_date(text, today=TODAY) == expected


@given(st.text(max_size=300))
def test_find_return_date_never_raises(text: str) -> None:
    result = find_return_date(text, today=TODAY)
    assert result is None or result > TODAY


@given(st.binary(max_size=600))
def test_classify_never_raises_on_garbage(raw: bytes) -> None:
    msg = message_from_bytes(raw)
    assert classify(msg).kind in ("reply", "auto_reply", "bounce")
    failed_recipients(msg)


def test_a_report_type_in_rfc_2231_form_is_still_a_read_receipt() -> None:
    """``report-type*=us-ascii''disposition-notification`` (RFC 2231) is the same parameter."""
    raw = (
        b"From: Anna <anna@example.com>\r\nTo: checkin@example.com\r\nSubject: Read: Check-in\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/report; "
        b"report-type*=us-ascii''disposition-notification; boundary=\"b\"\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nYour message was read.\r\n--b--\r\n"
    )
    result = classify(message_from_bytes(raw))
    assert (result.kind, result.reason) == ("auto_reply", "read receipt (RFC 8098)")


def test_each_lookahead_accepts_what_a_word_it_guards_can_start_with() -> None:
    # The first-letter lookaheads only spare work: under IGNORECASE a letter also matches
    # its other cases and sre's equivalents (the long s, the Kelvin and Angstrom signs...);
    # the lookahead must accept every one of them, and nothing more.
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    for words in (tuple(return_dates_module.MONTHS),
                  (*return_dates_module.WEEKDAYS, *return_dates_module._WEEKDAY_LEAD),
                  return_dates_module._RETURN, return_dates_module._LAST_DAY,
                  (*return_dates_module._ORDINAL_UNITS, *return_dates_module._ORDINAL_TEENS,
                   *return_dates_module._ORDINAL_TENS), ("vecka", "week")):
        ahead = re.compile(return_dates_module._first_letter_of(*words), re.IGNORECASE)
        starts = {m.start() for m in ahead.finditer(every)}
        assert starts == {m.start() for letter in {word[0] for word in words}
                          for m in re.finditer(re.escape(letter), every, re.IGNORECASE)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A day of the month alone, right after words of return (TODAY is Friday 18 December).
        ("Travelling until 18 December, and I won't see your email before I'm back on the 21st.",
         date(2026, 12, 21)),
        ("Back on the 28th.", date(2026, 12, 28)),
        ("I return the 3rd.", date(2027, 1, 3)),  # the 3rd is past this month: next month's
        ("Jag är åter den 11:e.", date(2027, 1, 11)),
        ("Tillbaka den 22:a, hör av dig då.", date(2026, 12, 22)),
        # Not a day of return: no ordinal or article, a duration, or the day belongs to a date.
        ("Back in 2 weeks.", None),
        ("I'm back on the 2nd of January", date(2027, 1, 2)),
        ("The 21st was a good day.", None),
    ],
)
def test_a_day_of_the_month_after_words_of_return(text: str, expected: date | None) -> None:
    assert find_return_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A weekday and a day of the month (TODAY is Friday 18 December): the next such day on
        # or after today, if it falls on that weekday.
        ("I'll be back on Monday the 21st.", date(2026, 12, 21)),
        ("Back on Friday the 8th; for urgent matters call the desk.", date(2027, 1, 8)),
        ("Back on Monday the twenty-first.", date(2026, 12, 21)),
        ("Jag är tillbaka måndag den 21:a.", date(2026, 12, 21)),
        ("Åter på fredagen den 8:e.", date(2027, 1, 8)),
        # The weekday disagrees: the text contradicts itself, no day.
        ("I'll be back on Tuesday the 21st.", None),
        ("Back on Thursday the 8th.", None),
        ("Jag är tillbaka tisdag den 21:a.", None),
        ("Åter på torsdagen den 8:e.", None),
        # Back today: no day to wait for.
        ("Back on Friday the 18th.", None),
        ("Tillbaka fredag den 18:e.", None),
    ],
)
def test_a_weekday_and_a_day_of_the_month_after_words_of_return(text: str,
                                                                 expected: date | None) -> None:
    assert find_return_date(text, today=TODAY) == expected


@given(st.text(alphabet="0123456789٣a_é .:/-", max_size=12))
def test_day_digits_start_a_word_as_a_word_boundary_before_them_says(text: str) -> None:
    # The word start is checked after the first digit, so that sre scans for digits first.
    assert [m.span() for m in re.finditer(return_dates_module._DAY_DIGITS, text)] == [
        m.span() for m in re.finditer(r"\b\d{1,2}", text)]


def _dsn(actions: str) -> bytes:
    blocks = "\n".join(f"Final-Recipient: rfc822; {address}\nAction: {action}\nStatus: {status}\n"
                       for address, action, status in
                       (line.split() for line in actions.strip().splitlines()))
    return ("From: Microsoft Outlook <MicrosoftExchange329e@example.com>\n"
            "Subject: Delivery delayed:Check-in\nMIME-Version: 1.0\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
            "--B\nContent-Type: text/plain\n\nDelivery is delayed to these recipients.\n\n"
            "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
            f"{blocks}\n--B--\n").encode()


@pytest.mark.parametrize(("actions", "kind"), [
    ("anna@example.com delayed 4.4.7", "auto_reply"),
    ("anna@example.com delayed 4.4.7\nbo@example.com delivered 2.0.0", "auto_reply"),
    # One failure among the delays makes it a bounce; the delayed one stays non-permanent.
    ("anna@example.com delayed 4.4.7\nbo@example.com failed 5.1.1", "bounce"),
    ("anna@example.com failed 5.1.1", "bounce"),
    # "delayed" with a permanent status code is a failure all the same (RFC 3463).
    ("anna@example.com delayed 5.4.7", "bounce"),
])
def test_a_delay_notice_is_no_bounce(actions: str, kind: str) -> None:
    """RFC 3464 2.3.3: delivery goes on after a delay; the address must not count as failing."""
    result = classify(message_from_bytes(_dsn(actions)))
    assert (result.kind, result.out_of_office) == (kind, False), result.reason


@pytest.mark.parametrize(("subject", "kind"), [
    ("Delayed Mail (still being retried)", "auto_reply"),  # Postfix
    ("Warning: message 1abCdE-000Fgh-IJ delayed 24 hours", "auto_reply"),  # Exim
    ("Warning: could not send message for past 4 hours", "auto_reply"),  # Sendmail
    ("Undelivered Mail Returned to Sender", "bounce"),
    ("Mail delivery failed: returning message to sender", "bounce"),
])
def test_a_plain_text_delay_warning_from_the_daemon_is_no_bounce(subject: str, kind: str) -> None:
    result = classify(_msg(f"From: MAILER-DAEMON@mx.example.se\nSubject: {subject}"))  # type: ignore[arg-type]
    assert result.kind == kind, result.reason


def _with_calendar(subject: str, calendar_type: str, ics: str) -> bytes:
    return (f"From: Anna Berg <anna@example.com>\nSubject: {subject}\nMIME-Version: 1.0\n"
            'Content-Type: multipart/alternative; boundary="B"\n\n'
            "--B\nContent-Type: text/plain\n\nAnna Berg has declined this meeting.\n\n"
            f"--B\nContent-Type: {calendar_type}\n\n{ics}\n--B--\n").encode()


_ICS = "BEGIN:VCALENDAR\nMETHOD:{}\nBEGIN:VEVENT\nEND:VEVENT\nEND:VCALENDAR"


@pytest.mark.parametrize(("subject", "calendar_type", "method", "kind"), [
    ("Declined: Check-in", 'text/calendar; charset="utf-8"; method=REPLY', "REPLY", "auto_reply"),
    ("Avböjt: Avstämning", "text/calendar", "REPLY", "auto_reply"),  # METHOD only in the body
    ("Accepted: Check-in", "text/calendar; method=REPLY", "REPLY", "auto_reply"),
    # RFC 5546 3.2.7: another time proposed (Outlook's "New Time Proposed"), in either place
    ("New Time Proposed: Check-in", "text/calendar; method=COUNTER", "COUNTER", "auto_reply"),
    ("Ny tid föreslagen: Avstämning", "text/calendar", "COUNTER", "auto_reply"),
    # A person sending or forwarding an invitation in a reply is still a person.
    ("Re: Check-in", "text/calendar; method=REQUEST", "REQUEST", "reply"),
    ("Re: Check-in", "text/calendar", "PUBLISH", "reply"),
])
def test_a_calendar_reply_is_machine_mail_that_pauses_nobody(
        subject: str, calendar_type: str, method: str, kind: str) -> None:
    raw = _with_calendar(subject, calendar_type, _ICS.format(method))
    result = classify(message_from_bytes(raw))
    assert (result.kind, result.out_of_office) == (kind, False), result.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Days written as ordinal words (TODAY is Friday 18 December, ISO week 51).
        ("I will be back at my desk on the fourth of January.", date(2027, 1, 4)),
        ("Back January fourth.", date(2027, 1, 4)),
        ("Back on January the twenty-first.", date(2027, 1, 21)),
        ("Jag är tillbaka den fjärde januari.", date(2027, 1, 4)),
        ("Ledig till och med den tjugoförsta december.", date(2026, 12, 22)),
        ("Åter den trettioförsta december.", date(2026, 12, 31)),
        ("Back on Monday, the fourth of January.", date(2027, 1, 4)),
        ("I'm back on the twenty-eighth.", date(2026, 12, 28)),
        ("Jag är åter den tjugoandra.", date(2026, 12, 22)),
        # Not days: no month and not the end of the phrase; "may" the verb; no such day.
        ("Back on the first day of term, we may first meet the team.", None),
        ("Back on the thirty-second of January.", None),
        # ISO weeks: back in one is its Monday (or the weekday named), away in one is back the
        # Monday after; week 1 written in December is January's.
        ("Jag är på semester under veckorna 51–52 och är tillbaka måndag vecka 1.",
         date(2027, 1, 4)),
        ("Back Monday of week 2.", date(2027, 1, 11)),
        ("Tillbaka tisdag v. 1.", date(2027, 1, 5)),
        ("I'm back in week 2.", date(2027, 1, 11)),
        ("Ledig v. 51-52.", date(2026, 12, 28)),
        ("Jag är ledig v52.", date(2026, 12, 28)),
        ("Away weeks 52 and 53.", date(2027, 1, 4)),
        ("Ledig vecka 52–1.", date(2027, 1, 11)),
        ("Jag är ledig t.o.m. vecka 1.", date(2027, 1, 11)),
        ("Tillbaka efter vecka 52.", date(2026, 12, 28)),
        ("I am back after 3 January.", date(2027, 1, 4)),
        # a week with its year after it (the year is no date of its own)
        ("Jag är föräldraledig och åter i tjänst vecka 2 2027.", date(2027, 1, 11)),
        ("Back in week 2, 2027.", date(2027, 1, 11)),
        # Not weeks: a version, a week that does not exist.
        ("Out of office. We moved to API v2.", None),
        ("Away week 54.", None),
    ],
)
def test_return_dates_in_words_and_weeks(text: str, expected: date | None) -> None:
    assert find_return_date(text, today=TODAY) == expected


@pytest.mark.parametrize(("word", "day"), [
    ("first", 1), ("Fourth", 4), ("twenty-first", 21), ("twenty first", 21), ("thirtieth", 30),
    ("första", 1), ("fjärde", 4), ("tjugoförsta", 21), ("tjugonde", 20), ("trettioförsta", 31),
    ("fourthly", None), ("tjugo", None),
])
def test_ordinal_day(word: str, day: int | None) -> None:
    assert return_dates_module.ordinal_day(word) == day


# ------------------------------------------------------------ machine mail found in the wild
# Shapes from the Sisimai bounce collection (bench/machine_mail.py), written here anew.

def _mixed_dsn(action: str, status: str, sender: str = "postmaster@gw.example.net") -> bytes:
    return f"""From: {sender}
To: checkin@team.example
Subject: Delivery Status
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="B"

--B
Content-Type: text/plain

    --- The following addresses had delivery problems ---

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; gw.example.net

Final-Recipient: rfc822; anna@example.se
Action: {action}
Status: {status}

--B--
""".encode()


@pytest.mark.parametrize("sender", ["<>", "postmaster@gw.example.net", "Anna <anna@example.se>"])
def test_a_delivery_status_part_inside_multipart_mixed_is_a_dsn(sender: str) -> None:
    # McAfee Email Gateway and OpenSMTPD wrap their DSN in multipart/mixed, some with From: <>.
    failed = classify(message_from_bytes(_mixed_dsn("failed", "5.1.1", sender)))
    assert (failed.kind, failed.reason) == ("bounce", "delivery status part (RFC 3464)")
    delayed = classify(message_from_bytes(_mixed_dsn("delayed", "4.4.7", sender)))
    assert (delayed.kind, delayed.out_of_office) == ("auto_reply", False)
    assert delayed.reason.startswith("delay notice")


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        # Verizon's gateway: "post_master"; the separators of a daemon's name do not matter.
        ("From: post_master@vtext.example.com\nSubject: Re:Test message", "bounce"),
        ("From: Mailer_Daemon@mx.example.com\nSubject: Returned", "bounce"),
        ("From: mail.daemon@mx.example.com\nSubject: x", "bounce"),
        ("From: <>\nSubject: Delivery Status", "bounce"),
        ("From: post.mastersson@example.se\nSubject: Re: Check-in", "reply"),
        ("From: Post Master <anna@example.se>\nSubject: Re: Check-in", "reply"),
    ],
)
def test_daemon_senders_and_the_null_from(headers: str, kind: str) -> None:
    assert classify(_msg(headers)).kind == kind  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        # fml's "you are not a member" and "loop alert": the list's own address, list fields.
        ("From: neko-admin@example.org\nSubject: You are not member (neko ML)\n"
         "X-MLServer: fml [fml 4.0.3]", "auto_reply"),
        ("From: team-owner@lists.example.org\nSubject: Your message\n"
         "List-Id: <team.lists.example.org>", "auto_reply"),
        ("From: dev-request@example.org\nSubject: confirm\nMailing-List: contact dev-help@"
         "example.org; run by ezmlm", "auto_reply"),
        # A person whose address ends like a list's, without any list field: a person.
        ("From: sys-admin@example.se\nSubject: Re: Check-in", "reply"),
        # A person's message through a list names the list in List-Id, not in From.
        ("From: anna@example.se\nSubject: Re: Check-in\nList-Id: <team.example.se>", "reply"),
    ],
)
def test_list_notices_come_from_the_lists_own_address(headers: str, kind: str) -> None:
    result = classify(_msg(headers))  # type: ignore[arg-type]
    assert (result.kind, result.out_of_office) == (kind, False), result.reason


def _arf(report_type: str, outer: str = "multipart/report") -> bytes:
    """A complaint as RFC 5965 appendix B writes it, with the check-in it reports inside."""
    return (
        b"From: <feedback@arf.example.net>\r\nTo: checkin@example.com\r\n"
        b"Subject: FW: Veckans check-in\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: " + outer.encode() + b"; report-type=" + report_type.encode()
        + b"; boundary=\"part1\"\r\n\r\n"
        b"--part1\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n"
        b"--part1\r\nContent-Type: message/feedback-report\r\n\r\n"
        b"Feedback-Type: abuse\r\nUser-Agent: SomeGenerator/1.0\r\nVersion: 1\r\n"
        b"--part1\r\nContent-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n"
        b"From: checkin@example.com\r\nTo: anna@example.com\r\nSubject: Veckans check-in\r\n"
        b"\r\nHur m\xc3\xa5r du?\r\n--part1--\r\n"
    )


@pytest.mark.parametrize(("report_type", "outer"), [
    ("feedback-report", "multipart/report"),
    ("feedback-report", "multipart/mixed"),  # the part alone says it
])
def test_a_spam_complaint_is_no_bounce(report_type: str, outer: str) -> None:
    """RFC 5965: the address works; read as a bounce it was marked failing (the returned
    message's To) and the person's check-ins stopped, as "bounce"."""
    result = classify(message_from_bytes(_arf(report_type, outer)))
    assert (result.kind, result.reason, result.out_of_office) == (
        "auto_reply", "feedback report (RFC 5965)", False)
