"""The daily cap of the provider profile, end to end: the send job, receipts, the ledger, status,
digest."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mailer.inbound.decision import Receipt
from mailer.models import Prompt, Slot, TestSend
from mailer.service.digest import render_digest
from mailer.service.poll import send_receipts
from mailer.service.status import DAILY_CAP_STATE, daily_cap_note
from mailer.storage.ledger import Ledger
from tests.mailstack import MailStack
from tests.service.test_send import PASSWORD_ENV, SECRET, World

UTC = timezone.utc


@pytest.fixture
def world(stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("MAILER_SECRET", SECRET)
    monkeypatch.setenv(PASSWORD_ENV, stack.smtp_password)
    return World(stack, tmp_path / "data")


def capped(world: World, per_day: int | None) -> None:
    smtp = dataclasses.replace(world.config.smtp, max_per_day=per_day)
    world.config = dataclasses.replace(world.config, smtp=smtp)
    world.ctx = dataclasses.replace(world.ctx, config=world.config)


async def test_a_batch_past_the_daily_cap_sends_what_fits_and_leaves_the_rest_due(
        world: World) -> None:
    now = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)  # Stockholm and London both due
    capped(world, 1)
    first = await world.send("checkin", now)
    assert (first.sent, first.held_back, first.failed) == (1, 1, 0)
    assert "1 held back by the daily cap" in first.summary
    note = daily_cap_note(world.ctx.ledger.get_state(DAILY_CAP_STATE), now=now)
    assert note is not None and note.startswith("daily cap: 1 prompts held back")
    assert daily_cap_note(world.ctx.ledger.get_state(DAILY_CAP_STATE),
                          now=now + timedelta(days=2)) is None
    team = world.config.teams[0]
    digest = render_digest(world.ctx, team, "2026-W49", now=now + timedelta(days=3))
    assert ("1 utskick hölls tillbaka till en senare körning" in digest.text  # Lena reads Swedish
            and "smtp.max_per_day" in digest.text and "Utskick</h2>" in digest.html)
    rows = world.ctx.ledger.prompts(kind="checkin")
    assert sorted(r.state for r in rows if r.state != "skipped") == ["due", "sent"]
    again = await world.send("checkin", now + timedelta(minutes=5))  # the 24 h are not over
    assert (again.sent, again.held_back) == (0, 1)
    capped(world, 2)
    last = await world.send("checkin", now + timedelta(minutes=10))
    assert (last.sent, last.held_back, last.already_sent) == (1, 0, 1)
    assert len(world.inbox(world.anna)) == len(world.inbox(world.ben)) == 1
    assert world.ctx.ledger.sent_count_since(now - timedelta(hours=1)) == 2


def test_the_ledger_counts_receipts_per_hour_for_two_days(tmp_path: Path) -> None:
    ledger = Ledger.in_dir(tmp_path)
    at = datetime(2026, 12, 2, 9, 59, tzinfo=UTC)
    ledger.count_receipts(2, at=at)
    ledger.count_receipts(1, at=at + timedelta(minutes=2))  # the next hour
    ledger.count_receipts(0, at=at)  # nothing sent: nothing written
    test = Prompt(slot=Slot("platform", "anna@example.com", "checkin", "test-1"),
                  message_id="<t1@x>", token="t1", state="sent", due_at=at, language="sv")
    ledger.add_test_send(TestSend(test, "lena@example.com", at))  # a test send counts too
    assert ledger.sent_count_since(at - timedelta(hours=1)) == 4
    # The cap counts whole hours: the receipts of 09:xx count for a window from 09:30.
    assert ledger.sent_count_since(at.replace(minute=30)) == 4
    assert ledger.sent_count_since(at + timedelta(minutes=1)) == 1
    ledger.count_receipts(5, at=at + timedelta(days=3))  # hours over two days old go
    with sqlite3.connect(ledger.path) as db:
        assert db.execute("SELECT hour, n FROM receipts_sent").fetchall() == [
            ("2026-12-05T09", 5)]


async def test_receipts_count_towards_the_daily_cap_and_stop_at_it(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    now = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)  # Stockholm and London both due
    capped(world, 3)
    assert (await world.send("checkin", now)).sent == 2
    team = world.config.teams[0].name
    # Receipts of a second feedback answer each (the simplest receipt to build by hand).
    receipts = [Receipt(to=p.email, name=p.name, language=p.language, team=team,
                        kind="feedback", subject="Re: feedback", in_reply_to=None,
                        references=(), refused=True) for p in (world.anna, world.ben)]

    sent = await send_receipts(world.ctx, receipts, lambda: now + timedelta(minutes=1))

    assert sent == 1  # the cap had room for one more message
    assert "daily cap: 1 receipts not sent; smtp.max_per_day is 3" in caplog.text
    assert (len(world.inbox(world.anna)), len(world.inbox(world.ben))) == (2, 1)
    assert world.ctx.daily_room(now + timedelta(minutes=2)) == 0
    later = now + timedelta(hours=25)  # all three went out over 24 hours before
    assert world.ctx.daily_room(later) == 3
    assert await send_receipts(world.ctx, receipts[1:], lambda: later) == 1
    assert world.ctx.daily_room(later) == 2
