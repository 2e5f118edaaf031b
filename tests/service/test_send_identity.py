"""Stable identities through ``send_due`` on the loopback relay: a renamed team or a person
with a new address is the same slot, so nothing goes out twice (issue 13, item 5)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.helpers_faults import DUE, Team
from tests.mailstack import MailStack


def renamed(team: Team, **changes: str) -> None:
    """The team's config with its one team changed (as a reload would give it)."""
    config = team.ctx.config
    team.ctx = dataclasses.replace(team.ctx, config=dataclasses.replace(
        config, teams=(dataclasses.replace(config.teams[0], **changes),)))


@pytest.fixture
def team(stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    return Team(stack, tmp_path / "data", monkeypatch, size=2, confirmations=False)


async def test_a_team_renamed_with_its_id_kept_sends_nothing_twice(team: Team) -> None:
    assert (await team.send()).sent == 2
    renamed(team, name="core", display_name="Core team")  # id stays "platform"
    again = await team.send()
    assert (again.sent, again.already_sent) == (0, 2)
    assert len(team.stack.smtp_received) == 2


async def test_a_team_renamed_without_its_id_sends_nothing_twice_either(team: Team) -> None:
    assert (await team.send()).sent == 2
    renamed(team, name="core", id="core")
    again = await team.send()
    assert (again.sent, again.already_sent) == (0, 2)
    assert len(team.stack.smtp_received) == 2
    assert {p.slot.team for p in team.ctx.ledger.prompts(kind="checkin")} == {"platform"}


async def test_a_new_address_with_the_old_one_as_id_is_the_same_person(team: Team) -> None:
    assert (await team.send()).sent == 2
    old = team.people[0]
    new_user = team.stack.new_user("moved")
    moved = dataclasses.replace(old, email=new_user.email, id=old.email)
    config = team.ctx.config
    members = (moved, *config.teams[0].members[1:])
    team.ctx = dataclasses.replace(team.ctx, config=dataclasses.replace(
        config, teams=(dataclasses.replace(config.teams[0], members=members),)))
    again = await team.send(DUE)
    assert (again.sent, again.already_sent) == (0, 2)
    assert team.stack.fetch(new_user) == []
