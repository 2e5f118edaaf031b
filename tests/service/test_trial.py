"""``mailer send KIND --to-me``: a real prompt as a test, and the receipt of a reply to it.

On the loopback stack: the test prompt goes through the relay into the manager's Dovecot
mailbox; the reply is delivered into the service's and read by the real poller.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mailer.cli.main import main
from mailer.errors import SecretError
from mailer.service.poll import poll_and_answer
from mailer.service.trial import TEST_HEADER, send_test
from tests.helpers_faults import DUE, Team, parse, reply
from tests.mailstack import MailStack

ANSWERS = "1. Pairing with Erik\n2. Slow CI\n3. 4\n"


@pytest.fixture
def team(stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    return Team(stack, tmp_path / "data", monkeypatch, size=2)


async def test_the_test_goes_to_the_manager_marked_and_is_no_prompt_of_the_member(
        team: Team) -> None:
    member = team.people[1]
    test = await send_test(team.ctx, "checkin", member=member.email, to=None, now=DUE)
    (mail,) = team.inbox(team.manager)
    assert mail["Subject"].startswith("[TEST] ")
    assert mail[TEST_HEADER] == member.email
    assert mail["Message-ID"] == test.prompt.message_id
    body = mail.get_body(("plain",))
    assert body is not None and f"Hi {member.first_name}" in body.get_content()
    assert team.inbox(member) == []
    assert team.ctx.ledger.prompts() == []  # nothing in the member's prompts
    # The schedule still sends the member's own check-in, once.
    report = await team.send()
    assert report.sent == 2 and len(team.inbox(member)) == 1


async def test_a_reply_gets_a_receipt_that_says_it_was_a_test_and_nothing_is_recorded(
        stack: MailStack, team: Team) -> None:
    member = team.people[0]
    test = await send_test(team.ctx, "checkin", member=member.email, to=None, now=DUE)
    stack.deliver(reply(test.prompt, team.manager.email, ANSWERS,
                        subject=f"Re: {team.inbox(team.manager)[0]['Subject']}"), team.service)
    report = await poll_and_answer(team.ctx)
    assert dict(report.outcomes) == {"test": 1}
    assert team.records() == []
    assert team.ctx.ledger.pauses() == []
    (outcome, detail, _team) = team.inbound()[0]
    assert outcome == "test" and member.email in detail
    receipt = team.inbox(team.manager)[-1]
    assert receipt["Subject"].startswith("Test received – [TEST] ")
    text = receipt.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "This was a test, so nothing was saved and nothing was changed" in text
    assert f"Had {member.name} replied like this" in text
    assert "Pairing with Erik" in text and "Slow CI" in text
    assert "a new reply replaces this one" not in text


async def test_a_command_in_a_test_reply_changes_nothing(stack: MailStack, team: Team) -> None:
    member = team.people[0]
    test = await send_test(team.ctx, "checkin", member=member.email, to=None, now=DUE)
    stack.deliver(reply(test.prompt, team.manager.email, "PAUSE 2 weeks\n"), team.service)
    report = await poll_and_answer(team.ctx)
    assert dict(report.outcomes) == {"test": 1}
    assert team.ctx.ledger.pauses() == [] and team.records() == []


async def test_a_reply_from_another_address_is_quarantined(stack: MailStack, team: Team) -> None:
    tester = stack.new_user("tester")
    test = await send_test(team.ctx, "checkin", member=team.people[0].email,
                           to=tester.email, now=DUE)
    stack.deliver(reply(test.prompt, team.people[1].email, ANSWERS), team.service)
    report = await poll_and_answer(team.ctx)
    assert dict(report.outcomes) == {"quarantine": 1}
    assert "test prompt from an address it was not sent to" in team.inbound()[0][1]
    assert team.records() == []


async def test_test_to_and_manager_kinds(stack: MailStack, team: Team) -> None:
    other = stack.new_user("tester")
    await send_test(team.ctx, "digest", member=None, to=other.email, now=DUE)
    (mail,) = [parse(raw) for raw in stack.fetch(other)]
    assert mail["Subject"].startswith("[TEST] ") and mail[TEST_HEADER] == team.manager.email


def test_without_the_secret_nothing_is_sent(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = team.ctx.__class__(**{**team.ctx.__dict__, "secret": None})
    with pytest.raises(SecretError, match="signed like a real one"):
        asyncio.run(send_test(ctx, "checkin", member=None, to=None, now=DUE))
    assert team.inbox(team.manager) == []


def test_the_command_line_refuses_dry_run_with_a_test(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "mailer.toml"
    assert main(["--config", str(config), "init", "--no-input", "--provider", "generic",
                 "--mailbox", "checkin@example.com", "--smtp-host", "smtp.example.com",
                 "--imap-host", "imap.example.com", "--manager", "Maria Lind <maria@example.com>",
                 "--team", "platform", "--member", "Anna Berg <anna@example.com>"]) == 0
    assert main(["--config", str(config), "send", "checkin", "--to-me", "--dry-run"]) == 2
    assert "--dry-run and --to-me/--test-to: choose one" in capsys.readouterr().err
    assert main(["--config", str(config), "send", "checkin", "--test-to", "maria"]) == 2
    assert '--test-to: "maria" is not an address' in capsys.readouterr().err
