"""The daily cap of the provider profile, end to end: the send job, the ledger, status, digest."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mailer.service.digest import render_digest
from mailer.service.status import DAILY_CAP_STATE, daily_cap_note
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
