"""A reply with NUL bytes, delivered through the real Dovecot (LMTP) and read back over IMAPS
by the poller, keeps its UTF-8 text: Dovecot stores each NUL as 0x80, and that byte must not
send the whole body to the windows-1252 fallback ("VÃ¤ntar pÃ¥")."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mailer.service.poll import poll_once
from tests.mailstack import MailStack
from tests.service.test_poller import add_prompt, imap_settings, make_context, records


def _reply_with_nuls(message_id: str, token: str) -> bytes:
    body = ("1. Parprogrammeringen med Erik funkar j\u00e4ttebra\x00\n"
            "2. V\u00e4ntar\x00 fortfarande p\u00e5 access till prod-klustret\n"
            "3. 4\n"
            "4. Skrev klart designdokumentet f\u00f6r k\u00f6n\x00\n").encode()
    head = (f"From: Anna Berg <anna@example.com>\nTo: checkin@example.com\n"
            f"Subject: Re: Check-in [#{token}]\nMessage-ID: <nul-reply@example.com>\n"
            f"In-Reply-To: {message_id}\nReferences: {message_id}\n"
            "Date: Fri, 18 Dec 2026 10:12:31 +0100\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n")
    return head.encode() + body


async def test_a_reply_with_nul_bytes_through_dovecot_keeps_its_swedish_letters(
        stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = stack.new_user("nul")
    ctx = make_context(tmp_path, imap=imap_settings(stack, user, monkeypatch))
    prompt = add_prompt(ctx, "anna@example.com")
    stack.deliver(_reply_with_nuls(prompt.message_id, prompt.token), user)
    stored = stack.fetch(user)[0]
    assert b"\x00" not in stored and b"\x80" in stored  # what Dovecot made of the NULs
    report = await asyncio.to_thread(poll_once, ctx)
    assert report.outcomes == {"record": 1}
    [record] = records(ctx)
    assert record.answers["obstacles"] == "V\u00e4ntar fortfarande p\u00e5 access till prod-klustret"
    assert record.answers["progress"] == "Skrev klart designdokumentet f\u00f6r k\u00f6n"
    assert "\u00c3" not in record.text and "\x80" not in record.text
    assert "0x80 bytes removed (NUL bytes, as Dovecot stores them)" in record.problems
