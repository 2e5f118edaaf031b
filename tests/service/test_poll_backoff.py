"""The poller backs off after any failure once logged in, not only a refused login.

Real parts: the session's Dovecot, and a data folder on a small tmpfs that is full, so every
pass fails after the login (the ledger and the records cannot be written). Before issue 13 the
poller logged in again about once a second and logged a traceback each time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from mailer.clock import utcnow
from mailer.inbound.imap import ImapInbox
from mailer.service import poll as poller
from mailer.service.health import Health
from tests.helpers_faults import Team, reply
from tests.mailstack import MailStack
from tests.service.helpers import fill


async def test_failures_after_login_back_off_and_log_once_per_state_change(
        stack: MailStack, small_disk: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    team = Team(stack, small_disk / "data", monkeypatch, size=1, confirmations=False)
    prompt = team.add_prompt(team.people[0])
    with stack.mailbox(team.service) as box:
        box.append(reply(prompt, team.people[0].email, "1. Fine\n2. None\n3. 4"), "INBOX")
    logins: list[float] = []
    real_open = ImapInbox.open

    def counting_open(*args: Any, **kwargs: Any) -> ImapInbox:
        logins.append(time.monotonic())
        return real_open(*args, **kwargs)

    monkeypatch.setattr(ImapInbox, "open", counting_open)
    filler = fill(small_disk)
    caplog.set_level(logging.INFO)
    health = Health(None, started_at=utcnow())
    stop = asyncio.Event()
    task = asyncio.create_task(poller.poll_forever(team.ctx, stop, health=health))
    await asyncio.sleep(6.5)  # 1 + 2 + 4 s of backoff: four logins, not six or more
    assert 2 <= len(logins) <= 4, logins
    failing = [r for r in caplog.records if "imap failing" in r.getMessage()]
    assert len(failing) == 1, [r.getMessage() for r in caplog.records]
    failed = len(logins)
    assert health.get("imap").failures == failed
    filler.unlink()
    deadline = time.monotonic() + 20
    while not team.records() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert len(team.records()) == 1  # nothing lost: recorded once the disk had room
    recovered = [r.getMessage() for r in caplog.records if "imap recovered" in r.getMessage()]
    assert len(recovered) == 1 and f"after {failed} failed" in recovered[0], recovered
