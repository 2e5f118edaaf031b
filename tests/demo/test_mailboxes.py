"""The demo's kept mailboxes and their index: pure parts, on hand-made messages."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from mailer.demo.index import index_html
from mailer.demo.mailboxes import Owner, folder_name, kept, page, threads, write_mailboxes

NEW_YORK = ZoneInfo("America/New_York")
ANNA = Owner("Anna Berg", "anna@example.com", NEW_YORK, "Platform team", "member", "en",
             "anna-berg")


def message(*, subject: str, message_id: str, at: datetime, in_reply_to: str | None = None,
            auto: bool = False, html: str | None = None, sender: str = "checkin@example.com"
            ) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "anna@example.com", subject
    msg["Date"], msg["Message-ID"] = format_datetime(at), message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if auto:
        msg["Auto-Submitted"] = "auto-replied"
    msg.set_content("1. What is working well? <script>\n")
    if html:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


AT = datetime(2026, 11, 23, 9, 0, tzinfo=NEW_YORK)
PROMPT = message(subject="Check-in", message_id="<abcdefghijklmnop.checkin@example.com>", at=AT,
                 html="<!DOCTYPE html><html><body style='margin:0'><p>Hi Anna</p></body></html>")
REPLY = message(subject="Re: Check-in", message_id="<r1@mail.example>", sender="anna@example.com",
                in_reply_to="<abcdefghijklmnop.checkin@example.com>", at=AT.replace(minute=20))
RECEIPT = message(subject="Received: Re: Check-in", message_id="<q1@example.com>", auto=True,
                  in_reply_to="<r1@mail.example>", at=AT.replace(minute=20))


def test_folder_names_are_ascii_and_unique():
    assert folder_name("Sofia Nyström") == "sofia-nystrom"
    assert folder_name("Anna Berg", {"anna-berg"}) == "anna-berg-2"


def test_what_each_message_is_and_where_it_goes():
    prompt = kept(PROMPT, ANNA, "in")
    assert (prompt.kind, prompt.label, prompt.stem) == (
        "checkin", "check-in", "anna-berg/2026-11-23-0900-checkin")
    assert kept(REPLY, ANNA, "out").kind == "reply"
    assert kept(RECEIPT, ANNA, "in").kind == "receipt"  # Auto-Submitted (RFC 3834)
    assert kept(PROMPT, ANNA, "in", taken={prompt.stem}).stem == f"{prompt.stem}-2"


def test_a_thread_is_prompt_reply_receipt_even_within_one_minute():
    items = [kept(RECEIPT, ANNA, "in"), kept(PROMPT, ANNA, "in"), kept(REPLY, ANNA, "out")]
    [thread] = threads(items)
    assert [k.kind for k in thread.items] == ["checkin", "reply", "receipt"]


def test_a_page_shows_the_headers_above_the_html_part_or_the_escaped_text():
    prompt, reply = kept(PROMPT, ANNA, "in"), kept(REPLY, ANNA, "out")
    html = page(prompt, PROMPT, threads([prompt, reply])[0])
    banner = html.index("all mailboxes")
    assert html.index("<body style='margin:0'>") < banner < html.index("<p>Hi Anna</p>")
    assert 'href="2026-11-23-0900-checkin.eml"' in html and "<b>check-in</b>" in html
    assert 'href="2026-11-23-0920-reply.html"' in html  # the thread's other pages
    text = page(reply, REPLY)
    assert "&lt;script&gt;" in text and "<script>" not in text


def test_a_page_is_utf_8_whatever_charset_the_part_declared(tmp_path: Path):
    outlook = EmailMessage()
    outlook["From"], outlook["To"], outlook["Subject"] = "erik@example.se", "c@example.com", "SV: x"
    outlook["Date"], outlook["Message-ID"] = format_datetime(AT), "<o1@example.se>"
    outlook.set_content("Hej, fåglar\n", charset="windows-1252")
    outlook.add_alternative('<html><head><meta http-equiv="Content-Type" content="text/html; '
                            'charset=windows-1252"></head><body>Hej, fåglar</body></html>',
                            subtype="html", charset="windows-1252")
    raw = outlook.as_bytes()
    [item] = write_mailboxes(tmp_path, [(ANNA, "out", raw, "")])
    written = (tmp_path / f"{item.stem}.html").read_bytes()
    assert written.startswith(b"\xef\xbb\xbf")  # the BOM outranks any <meta> in a browser
    text = written.decode("utf-8-sig")
    assert "charset=utf-8" in text and "windows-1252" not in text and "Hej, fåglar" in text


def test_files_and_index_link_every_message_per_person_and_week(tmp_path: Path):
    items = write_mailboxes(tmp_path / "mailboxes", [
        (ANNA, "in", PROMPT, ""), (ANNA, "out", REPLY, ""), (ANNA, "in", RECEIPT, "")])
    assert sorted(p.name for p in (tmp_path / "mailboxes" / "anna-berg").iterdir()) == [
        "2026-11-23-0900-checkin.eml", "2026-11-23-0900-checkin.html",
        "2026-11-23-0920-receipt.eml", "2026-11-23-0920-receipt.html",
        "2026-11-23-0920-reply.eml", "2026-11-23-0920-reply.html"]
    assert (tmp_path / "mailboxes" / "anna-berg" / "2026-11-23-0920-reply.eml").read_bytes() == REPLY
    index = index_html(items, [ANNA], title="t", intro="i")
    for item in items:
        assert f'href="mailboxes/{item.stem}.html"' in index
    assert "week 48" in index and "23–29 Nov" in index and "Anna Berg" in index
    assert "a check-in</a> → " in index  # the "start here" thread
