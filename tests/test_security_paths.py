"""Member addresses and team names can never make the service write, read or delete outside
``data_dir``: not through the record store, not through export or forget."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.errors import RecordError
from mailer.models import Record, member_dirname
from mailer.storage.ledger import Ledger
from mailer.storage.privacy import export_person, forget_person, parse_member
from mailer.storage.store import RecordStore

RECEIVED = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

HOSTILE_NAMES = {
    "dotdot": "..",
    "parent": "../outside",
    "deep-parent": "a/../../../outside",
    "absolute": "/tmp/outside",
    "absolute-etc": "/etc/passwd",
    "nul": "team\x00../../x",
    "trailing-newline": "platform\n",
    "fullwidth-solidus": "platform\uff0f..\uff0f..\uff0foutside",
    "fullwidth-dots": "\uff0e\uff0e",
    "one-dot-leader": "\u2024\u2024",
    "division-slash": "..\u2215outside",
    "fullwidth-letters": "\uff50\uff4c\uff41\uff54",
    "backslash": "..\\outside",
    "home": "~root",
    "empty": "",
    "uppercase": "Platform",
}


def tree(root: Path) -> set[str]:
    """Every path below ``root`` (symbolic links not followed)."""
    return {os.path.relpath(os.path.join(p, n), root)
            for p, dirs, files in os.walk(root) for n in dirs + files}


def make_record(*, team: str = "platform", member: str | None = "anna@example.com",
                id: str = "b" * 40) -> Record:
    return Record(
        id=id, team=team, member=member, kind="checkin", slot="2026-11-30",
        prompt_message_id=None, message_id=None, received_at=RECEIVED, matched_by="sender",
        language="en", answers={"mood": 3}, text="fine",
    )


@pytest.fixture()
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """A data_dir and, next to it, an ``outside`` folder full of things worth protecting."""
    data_dir = tmp_path / "data"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.yaml").write_text("precious\n")
    return data_dir, outside


@pytest.mark.parametrize("team", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_hostile_team_names_are_refused_and_nothing_is_created(
    team: str, layout: tuple[Path, Path]
) -> None:
    data_dir, outside = layout
    before = tree(data_dir.parent)
    store = RecordStore(data_dir)
    with pytest.raises(RecordError):
        store.write(make_record(team=team))
    with pytest.raises(RecordError):
        store.write(make_record(team=team, member=None))
    assert tree(data_dir.parent) == before
    assert store.member_paths(team, "anna@example.com") == []
    assert list(store.team_records(team, since=RECEIVED, until=NOW)) == []


@pytest.mark.parametrize("record_id", ["../" + "a" * 37, "a" * 40 + "\n", "A" * 40, "a" * 39 + "/"])
def test_hostile_record_ids_are_refused(record_id: str, tmp_path: Path) -> None:
    with pytest.raises(RecordError):
        RecordStore(tmp_path).write(make_record(id=record_id))
    assert tree(tmp_path) == set()


HOSTILE_MEMBERS = {
    "parent": "../../outside@example.com",
    "absolute": "/tmp/outside/anna@example.com",
    "nul": "anna\x00/../../x@example.com",
    "fullwidth-solidus": "\uff0e\uff0e\uff0fanna@example.com",
    "dots": "..@..",
    "only-dots": "...",
    "backslash": "..\\..\\anna@example.com",
    "newline": "anna@example.com\n../x",
}


@pytest.mark.parametrize("member", HOSTILE_MEMBERS.values(), ids=HOSTILE_MEMBERS.keys())
def test_hostile_member_addresses_stay_inside_their_team(
    member: str, layout: tuple[Path, Path]
) -> None:
    data_dir, outside = layout
    outside_before = tree(outside)
    path, created = RecordStore(data_dir).write(make_record(member=member))
    team_dir = (data_dir / "records" / "platform").resolve()
    assert created
    assert path.resolve().parent.parent.parent == team_dir
    assert re.fullmatch(r"[a-z0-9-]+", path.parent.parent.name)
    assert tree(data_dir) == {
        "records", "records/platform", f"records/platform/{path.parent.parent.name}",
        f"records/platform/{path.parent.parent.name}/2026-11",
        f"records/platform/{path.parent.parent.name}/2026-11/{'b' * 40}.yaml",
    }
    assert tree(outside) == outside_before


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_any_address_gives_one_safe_folder_name(email: str) -> None:
    name = member_dirname(email)
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) or re.fullmatch(r"x-[0-9a-f]{8}", name)
    assert name not in (".", "..") and "/" not in name and "\x00" not in name


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_any_team_name_is_refused_or_one_plain_folder(team: str) -> None:
    store = RecordStore(Path("/nonexistent/data"))
    try:
        path = store.path_for(make_record(team=team))
    except RecordError:
        return
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", team)
    assert path.parts[:4] == ("/", "nonexistent", "data", "records") and path.parts[4] == team


# --------------------------------------------------------------------------- export and forget


@pytest.mark.parametrize("member", [*HOSTILE_MEMBERS.values(), "%@%", "_@_", "' or 1=1 --@x"])
def test_forget_and_export_of_hostile_members_touch_nothing_else(
    member: str, layout: tuple[Path, Path]
) -> None:
    data_dir, outside = layout
    store = RecordStore(data_dir)
    ledger = Ledger.in_dir(data_dir)
    store.write(make_record(member="erik@example.com"))
    ledger.record_inbound("k1", "recorded", at=RECEIVED, team="platform", email="erik@example.com",
                          detail="reply from erik@example.com")
    data_before, outside_before = tree(data_dir), tree(outside)

    email = parse_member(member)
    if email is None:
        return  # the commands refuse it (exit 2): see test_privacy
    document = export_person(store, ledger, email, now=NOW)
    report = forget_person(store, ledger, email)

    assert document["records"] == [] and all(v == [] for v in document["ledger"].values())
    assert report.nothing
    assert tree(data_dir) == data_before
    assert tree(outside) == outside_before
    assert (outside / "victim.yaml").read_text() == "precious\n"
    assert ledger.inbound_outcome("k1") == "recorded"


def test_symlinked_team_folder_is_neither_read_nor_emptied(layout: tuple[Path, Path]) -> None:
    data_dir, outside = layout
    store = RecordStore(data_dir)
    store.write(make_record())
    planted = outside / member_dirname("anna@example.com") / "2026-11"
    planted.mkdir(parents=True)
    (planted / ("c" * 40 + ".yaml")).write_text("precious\n")
    (data_dir / "records" / "evil").symlink_to(outside, target_is_directory=True)

    document = export_person(store, None, "anna@example.com", now=NOW)
    report = forget_person(store, None, "anna@example.com")

    assert [item["path"] for item in document["records"]] == [
        f"records/platform/{member_dirname('anna@example.com')}/2026-11/{'b' * 40}.yaml"]
    assert len(report.files) == 1
    assert (planted / ("c" * 40 + ".yaml")).read_text() == "precious\n"


def test_symlink_inside_a_person_folder_is_removed_not_its_target(
    layout: tuple[Path, Path]
) -> None:
    data_dir, outside = layout
    store = RecordStore(data_dir)
    path, _ = store.write(make_record())
    link = path.parent / ("d" * 40 + ".yaml")
    link.symlink_to(outside / "victim.yaml")

    document = export_person(store, None, "anna@example.com", now=NOW)
    assert "precious" not in str(document)
    report = forget_person(store, None, "anna@example.com")

    assert set(report.files) == {path, link}
    assert not os.path.lexists(link)
    assert (outside / "victim.yaml").read_text() == "precious\n"
    assert not (data_dir / "records" / "platform").exists()


def test_store_refuses_to_remove_or_rewrite_outside_itself(layout: tuple[Path, Path]) -> None:
    data_dir, outside = layout
    store = RecordStore(data_dir)
    store.write(make_record())
    victim = outside / "victim.yaml"
    sneaky = data_dir / "records" / "platform" / ".." / ".." / ".." / "outside" / "victim.yaml"
    for target in (victim, sneaky):
        with pytest.raises(RecordError):
            store.remove(target)
        with pytest.raises(RecordError):
            store.rewrite(target, make_record())
        with pytest.raises(RecordError):
            store.remove_folder(target.parent)
    assert victim.read_text() == "precious\n"
    assert tree(outside) == {"victim.yaml"}
