"""kill -9 of the service at 20 random points while it sends 500 prompts, and again while it
polls 500 replies; nothing may be lost, nothing recorded twice, no prompt resent under a new
Message-ID.

Real processes (``python -m mailer send checkin --at ...`` and ``... poll --once``) against
the session's loopback Dovecot and SMTP relay; the machinery is in ``crashes.py`` (also run
by ``bench/reliability.py`` with larger counts). Kill points come from a seeded RNG: the seed
is printed, stored in ``bench/out/reliability.json`` with the figures, and ``CRASH_SEED=<seed>``
replays the plan. Every one of the 20 kills lands on a working process: a run that finishes
before its kill point does not count, and the next one is killed early instead.

What "at most twice" means for sending: SMTP gives no exactly-once. A message the relay took
whose "250" the killed process never recorded is sent again by the next run, with the same
Message-ID. So each kill may add one copy of each message then in flight (up to
``smtp.max_connections``). A prompt arrives a third time only if a second kill finds that
same prompt in flight again; ``mailer send`` now resends such prompts after all the fresh
ones, so that takes a kill in the last second of a batch. The test asserts the exact bound
(no copy beyond one per kill that left the prompt in flight, per the ledger read after each
kill) and records how many prompts came more than twice.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest

from mailer.config.load import load_config
from mailer.outbound import smtp as outbox
from mailer.service import send as jobs
from mailer.service.context import open_context
from tests.mailstack import MailStack
from tests.reliability.crashes import (
    SECRET,
    SECRET_ENV,
    SEND_AT,
    SMTP_PASSWORD_ENV,
    Figures,
    log_tail,
    poll_scenario,
    seed_from_env,
    send_scenario,
    write_config,
    write_figures,
)

PROMPTS = 500
REPLIES = 500
KILLS = 20


@pytest.fixture(scope="module")
def seed() -> int:
    value = seed_from_env()
    print(f"\ncrash seed {value} (CRASH_SEED={value} replays the kill plan)")
    return value


def _report(name: str, figures: Figures, folder: Path) -> str:
    """Print and store the figures; return the text for assertion messages."""
    print(figures.summary())
    path = write_figures(name, figures.as_json())
    print(f"figures written to {path}")
    return f"{figures.summary()}\n--- end of the service log:\n{log_tail(folder)}"


@pytest.mark.slow
def test_kill_9_at_20_points_while_sending_500_prompts(stack: MailStack, tmp_path: Path,
                                                       seed: int) -> None:
    figures = send_scenario(stack, tmp_path, prompts=PROMPTS, kills=KILLS, seed=seed)
    why = _report("crash_send", figures, tmp_path)
    assert figures.faults_survived == KILLS, why
    assert figures.detail["final_returncode"] == 0, why
    assert figures.lost == 0, why
    assert figures.different_ids == 0, why
    assert figures.detail["message_ids_not_in_ledger"] == 0, why
    assert figures.unexplained_copies == 0, why
    assert figures.detail["ledger_states"] == {"sent": PROMPTS}, why
    assert figures.detail["second_final_run"].endswith(
        f"sent 0 check-ins for all teams, {PROMPTS} already sent"), why
    assert figures.leftover_temp_files == 0, why


@pytest.mark.slow
def test_kill_9_at_20_points_while_polling_500_replies(stack: MailStack, tmp_path: Path,
                                                       seed: int) -> None:
    figures = poll_scenario(stack, tmp_path, replies=REPLIES, kills=KILLS, seed=seed)
    why = _report("crash_poll", figures, tmp_path)
    detail = figures.detail
    assert figures.faults_survived == KILLS, why
    assert detail["final_returncode"] == 0, why
    assert figures.lost == 0, why
    assert figures.duplicated == 0, why
    assert detail["records"] == REPLIES and detail["records_for_other_messages"] == 0, why
    assert detail["inbound_outcomes"] == {"record": REPLIES}, why
    assert (detail["left_in_inbox"], detail["in_processed"], detail["in_quarantine"]) == (
        0, REPLIES, 0), why
    assert detail["second_final_run"] == "0 messages: nothing to do", why
    # A kill between the temporary file and its link leaves it (private, 0600, never read
    # as a record; forget and retention remove it): at most one per kill.
    assert figures.leftover_temp_files <= figures.faults_survived, why


def test_prompts_left_in_flight_by_a_crash_go_out_after_the_fresh_ones(
        stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: a restart resent the in-flight prompts first, so every further crash early
    in a batch sent those same people one more copy (seen: 4 copies in 20 kills)."""
    users = [stack.new_user("inflight") for _ in range(4)]
    config = write_config(stack, tmp_path, [(f"Member {n}", u.email) for n, u in enumerate(users)],
                          max_connections=1)
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setenv(SMTP_PASSWORD_ENV, stack.smtp_password)
    ctx = open_context(load_config(config))
    now = datetime.fromisoformat(SEND_AT)
    first = asyncio.run(jobs.send_due(ctx, "checkin", now=now, member=users[0].email))
    assert first.sent == 1
    # The state a kill leaves: the second person's attempt started, its outcome unknown.
    stack.smtp_faults.reply("RCPT", 450, times=None)
    asyncio.run(jobs.send_due(ctx, "checkin", now=now, member=users[1].email,
                              backoff=outbox.Backoff(base=0.001, cap=0.001)))
    stack.smtp_faults.clear()
    rows = {row.slot.email: row for row in ctx.ledger.prompts(kind="checkin")}
    ctx.ledger.set_state(rows[users[1].email].slot.key, "sending", count_attempt=True)
    received_before = len(stack.smtp_received)

    report = asyncio.run(jobs.send_due(ctx, "checkin", now=now))

    assert (report.sent, report.already_sent) == (3, 1)
    order = [mail.rcpt_tos[0] for mail in stack.smtp_received.snapshot()[received_before:]]
    assert order == [users[2].email, users[3].email, users[1].email]
