"""Export and erasure of one person's data, and private file modes under data_dir."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from mailer.cli.main import main
from mailer.models import (
    Config,
    Pause,
    Prompt,
    Record,
    Slot,
    TestSend,
    member_dirname,
)
from mailer.storage.ledger import Ledger
from mailer.storage.privacy import (
    FEEDBACK_NOTE,
    export_person,
    forget_person,
    parse_member,
    write_private,
)
from mailer.storage.records import dump_yaml
from mailer.storage.retention import RetentionSettings, apply_retention
from mailer.storage.store import RecordStore
from tests.factories import config_data, member
from tests.factories import make_config as factory_config
from tests.factories import write_config as factory_write

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=TZ)
ANNA, ANNA_ALIAS, ERIK, MARIA = ("anna@example.com", "anna.berg@gmail.com", "erik@example.com",
                                 "maria@example.com")





def make_config(data_dir: Path) -> Config:
    """Anna (with an alias) and Erik, each with the goal "Mentor Erik", in two teams."""
    people = [member("Anna Berg", ANNA, aliases=[ANNA_ALIAS], goals=["Mentor Erik"]),
              member("Erik Holm", ERIK, goals=["Mentor Erik"])]
    return factory_config(data_dir=data_dir, teams=[
        {"name": name, "display_name": name.title(),
         "manager": {"name": "Maria Lind", "email": MARIA},
         "checkin": {"days": ["mon"], "time": "00:00"}, "members": people}
        for name in ("platform", "payments")])


def make_record(n: int, *, team: str = "platform", member: str | None = ANNA,
                text: str = "Bra vecka.\nInga hinder.\n", days_ago: int = 3) -> Record:
    return Record(
        id=f"{n:040x}", team=team, member=member, kind="feedback" if member is None else "checkin",
        slot="2026-11-27", prompt_message_id=f"<p{n}@example.com>", message_id=f"<r{n}@x>",
        received_at=datetime(2026, 12, 1, 9, tzinfo=UTC) - timedelta(days=days_ago),
        matched_by="in_reply_to", language="sv", answers={"mood": 4, "obstacles": "inga"},
        text=text,
    )


def make_prompt(n: int, email: str, *, team: str = "platform") -> Prompt:
    return Prompt(
        slot=Slot(team, email, "checkin", f"2026-11-{n:02d}"), message_id=f"<m{n}{email}>",
        token=f"tok{n}{email}", state="sent", due_at=datetime(2026, 11, n, 8, tzinfo=UTC),
        language="sv",
    )


def populate(data_dir: Path) -> tuple[RecordStore, Ledger, dict[str, Path]]:
    """Anna in two teams (one reply from her alias), Erik, Maria, and anonymous feedback."""
    store, ledger = RecordStore(data_dir), Ledger.in_dir(data_dir)
    paths = {
        "anna-platform": store.write(make_record(1))[0],
        "anna-payments": store.write(make_record(2, team="payments", days_ago=40))[0],
        "anna-alias": store.write(make_record(3, member=ANNA_ALIAS))[0],
        "erik": store.write(make_record(4, member=ERIK))[0],
        "maria": store.write(make_record(5, member=MARIA))[0],
        "feedback": store.write(make_record(6, member=None, text="Anonymt.\n"))[0],
    }
    prompts = [make_prompt(1, ANNA), make_prompt(2, ANNA, team="payments"), make_prompt(1, ERIK)]
    ledger.ensure(prompts)
    for p in prompts:  # what each prompt said: the person's goals are in it
        ledger.save_prompt_lines(p, ["1. vad fungerar bra", f"mentor {p.slot.email}"])
    ledger.add_pause(Pause("platform", ANNA, date(2026, 12, 20), date(2027, 1, 3), "command",
                           NOW))
    ledger.add_pause(Pause("platform", ERIK, date(2026, 12, 20), date(2027, 1, 3), "command",
                           NOW))
    ledger.mark_failing(ANNA_ALIAS, "550 no such user", at=NOW)
    ledger.record_inbound("k-anna", "recorded", at=NOW, team="platform", email="Anna@Example.com")
    ledger.record_inbound("k-ooo", "quarantined", at=NOW, detail=f"unknown sender {ANNA_ALIAS}.")
    ledger.record_inbound("k-lookalike", "quarantined", at=NOW,
                          detail="unknown sender hanna@example.com and xanna@example.com.au")
    ledger.record_inbound("k-erik", "recorded", at=NOW, team="platform", email=ERIK)
    for n, email in ((7, ANNA), (8, ERIK)):  # Maria previewed each one's check-in
        test = make_prompt(n, email)
        ledger.add_test_send(TestSend(replace(test, slot=replace(test.slot, period="test-1")),
                                      MARIA, NOW))
    return store, ledger, paths


@pytest.fixture()
def world(tmp_path: Path) -> tuple[Config, RecordStore, Ledger, dict[str, Path]]:
    data_dir = tmp_path / "data"
    store, ledger, paths = populate(data_dir)
    return make_config(data_dir), store, ledger, paths


@pytest.fixture()
def config_file(tmp_path: Path) -> Path:
    return factory_write(tmp_path / "mailer.toml", config_data(
        data_dir="data",
        smtp={"host": "smtp.example.com", "username": "checkin@example.com",
              "password_env": "P", "from": "Check-in <checkin@example.com>"},
        imap={"host": "imap.example.com", "password_env": "P"},
        team={"manager": {"name": "Maria Lind", "email": MARIA}},
        members=[member("Anna Berg", ANNA, aliases=[ANNA_ALIAS]), member("Erik Holm", ERIK)]))


def rel(path: Path, data_dir: Path) -> str:
    return path.relative_to(data_dir).as_posix()


# --------------------------------------------------------------------------- export


def test_export_holds_every_record_and_ledger_row_of_the_person(world) -> None:
    config, store, ledger, paths = world
    data_dir = config.service.data_dir
    document = export_person(store, ledger, ANNA, config=config, now=NOW)

    assert document["export"]["addresses"] == [ANNA, ANNA_ALIAS]
    assert sorted(item["path"] for item in document["records"]) == sorted(
        rel(paths[key], data_dir) for key in ("anna-platform", "anna-payments", "anna-alias"))
    assert {item["record"]["team"] for item in document["records"]} == {"platform", "payments"}
    assert document["records"][0]["record"]["text"] == "Bra vecka.\nInga hinder.\n"
    ledger_part = document["ledger"]
    assert sorted(r["slot_key"] for r in ledger_part["prompts"]) == [
        f"checkin:payments:{ANNA}:2026-11-02", f"checkin:platform:{ANNA}:2026-11-01"]
    assert all("token" not in row for row in ledger_part["prompts"])
    assert [p["email"] for p in ledger_part["pauses"]] == [ANNA]
    assert [r["email"] for r in ledger_part["prompt_lines"]] == [ANNA, ANNA]
    assert [f["email"] for f in ledger_part["failures"]] == [ANNA_ALIAS]
    assert sorted(r["message_key"] for r in ledger_part["inbound"]) == ["k-anna", "k-ooo"]
    [test] = ledger_part["test_sends"]  # the manager's address is hers, not Anna's
    assert (test["email"], test["kind"], "sent_to" in test, "token" in test) == (
        ANNA, "checkin", False, False)
    assert [(c["team"], c["role"], c["goals"]) for c in document["config"]] == [
        ("platform", "member", ["Mentor Erik"]), ("payments", "member", ["Mentor Erik"])]
    assert FEEDBACK_NOTE in document["notes"]
    text = str(document)
    assert "Anonymt" not in text and ERIK not in text and MARIA not in text


def test_export_by_alias_finds_the_same_person(world) -> None:
    config, store, ledger, _ = world
    by_alias = export_person(store, ledger, ANNA_ALIAS, config=config, now=NOW)
    by_address = export_person(store, ledger, ANNA, config=config, now=NOW)
    assert by_alias["records"] == by_address["records"]
    assert by_alias["ledger"] == by_address["ledger"]


def test_export_command_writes_a_private_yaml_file(
    config_file: Path, tmp_path: Path, capsys
) -> None:
    populate(tmp_path / "data")
    output = tmp_path / "anna.yaml"
    output.write_text("old")
    output.chmod(0o644)

    assert main(["--config", str(config_file), "export", "--member", "ANNA@example.com ",
                 "--output", str(output)]) == 0

    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    raw = output.read_text(encoding="utf-8")
    document = yaml.safe_load(raw)
    assert len(document["records"]) == 3 and document["export"]["email"] == ANNA
    assert "text: |\n" in raw  # multi-line answers in block style
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert capsys.readouterr().out == ""


def test_export_command_prints_to_stdout_without_output(
    config_file: Path, tmp_path: Path, capsys
) -> None:
    populate(tmp_path / "data")
    assert main(["--config", str(config_file), "export", "--member", ERIK]) == 0
    document = yaml.safe_load(capsys.readouterr().out)
    assert [r["record"]["member"] for r in document["records"]] == [ERIK]


def test_export_of_nobody_on_a_fresh_install_creates_nothing(
    config_file: Path, tmp_path: Path, capsys
) -> None:
    assert main(["--config", str(config_file), "export", "--member", "x@example.com"]) == 0
    document = yaml.safe_load(capsys.readouterr().out)
    assert document["records"] == [] and document["config"] == []
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("member", ["", "anna", "@example.com", "anna@", "an na@example.com",
                                    "anna\x00@example.com", "../../etc/passwd"])
def test_commands_refuse_what_is_not_an_address(member: str, config_file: Path, capsys) -> None:
    for command in ("export", "forget"):
        assert main(["--config", str(config_file), command, "--member", member]) == 2
        assert "not an email address" in capsys.readouterr().err


def test_parse_member_normalises() -> None:
    assert parse_member("  Anna@Example.COM\n") == ANNA
    assert parse_member("anna@@example.com") == "anna@@example.com"  # odd but harmless: hashed
    assert parse_member("x" * 250 + "@example.com") is None


# --------------------------------------------------------------------------- forget


def test_forget_erases_the_person_everywhere_and_nothing_else(world) -> None:
    config, store, ledger, paths = world
    data_dir = config.service.data_dir
    report = forget_person(store, ledger, ANNA, config=config)

    gone = {paths[k] for k in ("anna-platform", "anna-payments", "anna-alias")}
    assert set(report.files) == gone
    assert not any(p.exists() for p in gone)
    for team in ("platform", "payments"):
        for address in (ANNA, ANNA_ALIAS):
            assert not (data_dir / "records" / team / member_dirname(address)).exists()
    assert not (data_dir / "records" / "payments").exists()  # emptied: removed too
    assert all(paths[k].exists() for k in ("erik", "maria", "feedback"))
    assert dict(report.ledger_rows) == {"prompts": 2, "pauses": 1, "failures": 1,
                                        "prompt_lines": 2, "inbound": 2, "feedback_answered": 0,
                                        "test_sends": 1}
    assert ledger.test_send_by_token(f"tok7{ANNA}") is None
    assert ledger.test_send_by_token(f"tok8{ERIK}") is not None
    assert [ledger.prompt_lines(p.message_id) is None for p in ledger.prompts()] == [False]
    assert ledger.prompts(email=ANNA) == [] and ledger.pauses(email=ANNA) == []
    assert ledger.failures() == []
    assert ledger.inbound_outcome("k-anna") is None and ledger.inbound_outcome("k-ooo") is None
    assert ledger.inbound_outcome("k-lookalike") == "quarantined"
    assert ledger.inbound_outcome("k-erik") == "recorded"
    assert [p.slot.email for p in ledger.prompts()] == [ERIK]
    assert [p.email for p in ledger.pauses()] == [ERIK]


def test_forget_leaves_no_copy_of_the_rows_in_the_ledger_files(world) -> None:
    config, store, ledger, _ = world
    secret = "Anna was out sick with a migraine"
    service = sqlite3.connect(ledger.path)  # the running service keeps the WAL alive
    try:
        service.execute("SELECT COUNT(*) FROM prompts").fetchone()
        ledger.record_inbound("k-sick", "out_of_office", at=NOW, email=ANNA, detail=secret)
        forget_person(store, ledger, ANNA, config=config)
        files = [p for p in ledger.path.parent.iterdir() if p.name.startswith(ledger.path.name)]
        assert len(files) == 3  # the database, -wal and -shm
        assert not any(secret.encode() in p.read_bytes() for p in files)
    finally:
        service.close()


def test_forget_is_idempotent(world) -> None:
    config, store, ledger, _ = world
    assert not forget_person(store, ledger, ANNA, config=config).nothing
    again = forget_person(store, ledger, ANNA, config=config)
    assert again.nothing and again.files == ()
    assert export_person(store, ledger, ANNA, config=config, now=NOW)["records"] == []


def test_forget_removes_leftover_temporary_files_too(world) -> None:
    config, store, ledger, paths = world
    leftover = paths["anna-platform"].parent / f".{paths['anna-platform'].name}.123.tmp"
    leftover.write_text("half a reply")
    report = forget_person(store, ledger, ANNA, config=config)
    assert leftover in report.files and not leftover.exists()


def test_forget_command_prints_counts_and_paths_then_nothing(
    config_file: Path, tmp_path: Path, capsys
) -> None:
    _, _, paths = populate(tmp_path / "data")
    assert main(["--config", str(config_file), "forget", "--member", ANNA]) == 0
    out = capsys.readouterr().out
    # every team on disk counts, also one (payments) that is no longer in the config
    assert f"removed 3 file(s) about {ANNA}, {ANNA_ALIAS}" in out
    assert ("removed ledger rows: 2 prompts, 1 pauses, 1 failures, 2 prompt_lines, 2 inbound"
            in out)
    assert f"  {rel(paths['anna-platform'], tmp_path / 'data')}" in out
    assert "still a member of team platform" in out

    assert main(["--config", str(config_file), "forget", "--member", ANNA]) == 0
    assert "nothing removed" in capsys.readouterr().out


# --------------------------------------------------------------------------- file modes


@pytest.fixture()
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)  # a typical shell umask: the code must not rely on a strict one
    try:
        yield
    finally:
        os.umask(old)


def test_data_files_are_0600_and_folders_0700_after_a_realistic_run(
    tmp_path: Path, open_umask
) -> None:
    data_dir = tmp_path / "data"
    config = make_config(data_dir)
    store, ledger, _ = populate(data_dir)
    for n in range(10, 40):  # a few months of replies, some old enough for retention
        store.write(make_record(n, member=(ANNA, ERIK, MARIA, None)[n % 4], days_ago=n * 9))
    apply_retention(store, ledger, now=NOW,
                    settings=RetentionSettings(retention_months=6, text_retention_months=2))
    forget_person(store, ledger, ERIK, config=config)
    write_private(data_dir / "anna-export.yaml",
                  dump_yaml(export_person(store, ledger, ANNA, config=config, now=NOW)))

    reader = sqlite3.connect(ledger.path)  # another process reading while the service writes
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM prompts").fetchone()
        ledger.ensure([make_prompt(20, ANNA)])
        names = {p.name for p in data_dir.iterdir()}
        assert {"ledger.sqlite3", "ledger.sqlite3-wal", "ledger.sqlite3-shm"} <= names
        modes = {p: stat.S_IMODE(p.lstat().st_mode) for p in [data_dir, *data_dir.rglob("*")]}
    finally:
        reader.close()
    files = [p for p in modes if p.is_file()]
    assert len(files) > 12
    assert {str(p): m for p, m in modes.items() if p.is_file() and m != 0o600} == {}
    assert {str(p): m for p, m in modes.items() if p.is_dir() and m != 0o700} == {}
