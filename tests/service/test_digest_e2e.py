"""End to end: ``mailer digest --send`` through the loopback SMTP relay into Dovecot, read back
over IMAP; sent once however often it runs. Also the command without --send."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path

import pytest

from mailer.cli.main import main
from mailer.config.load import load_config
from mailer.digest.samples import SAMPLE_WEEK, sample_inputs
from mailer.outbound.samples import sample_team
from mailer.service import send as jobs
from mailer.service.context import open_context
from mailer.storage.ledger import Ledger
from mailer.storage.store import RecordStore
from tests.factories import config_data, member
from tests.factories import write_config as factory_write

AT = "2026-12-07T08:00:00+01:00"



def write_config(tmp_path: Path, *, manager: str, smtp_port: int, smtp_user: str,
                 ca_file: Path) -> Path:
    tz = {"Europe/Stockholm": "sv", "Europe/London": "en", "Australia/Sydney": "en"}
    people = (("Anna Berg", "anna@example.com", "Europe/Stockholm"),
              ("Ben Carter", "ben@example.com", "Europe/London"),
              ("Chloe Ng", "chloe@example.com", "Australia/Sydney"))
    data = config_data(
        domain="example.test", data_dir="data",
        smtp={"port": smtp_port, "security": "starttls", "username": smtp_user,
              "password_env": "MAILER_SMTP_PASSWORD", "ca_file": str(ca_file)},
        imap={"security": "starttls", "password_env": "MAILER_IMAP_PASSWORD"},
        members=[member(name, email, timezone=zone, language=tz[zone])
                 for name, email, zone in people],
        team={"display_name": "Platform",
              "manager": {"name": "Lena Holm", "email": manager, "language": "sv",
                          "timezone": "Europe/Stockholm"},
              "checkin": {"days": ["mon"], "time": "09:00"},
              "digest": {"day": "mon", "time": "08:00"},
              "meeting": {"day": "mon", "time": "10:00"}})
    return factory_write(tmp_path / "mailer.toml", data)


def fill(data_dir: Path, manager: str) -> None:
    """The sample weeks of :mod:`mailer.digest.samples`, written to a real store and ledger."""
    team = sample_team(manager=dataclasses.replace(sample_team().manager, email=manager))
    team, records, prompts, pauses, _ = sample_inputs(team)
    store, ledger = RecordStore(data_dir), Ledger.in_dir(data_dir)
    for record in records:
        store.write(record)
    ledger.ensure(dataclasses.replace(p, state="due", sent_at=None) for p in prompts)
    for p in prompts:
        ledger.set_state(p.slot.key, "sent", at=p.sent_at)
    for pause in pauses:
        ledger.add_pause(pause)


def test_digest_is_mailed_once_and_reads_back_over_imap(stack, tmp_path, monkeypatch, capsys):
    manager = stack.new_user("manager")
    monkeypatch.setenv("MAILER_SMTP_PASSWORD", stack.smtp_password)
    monkeypatch.setenv("MAILER_IMAP_PASSWORD", "unused")
    monkeypatch.setenv("MAILER_SECRET", "e2e-secret-of-the-digest-test")
    config = write_config(tmp_path, manager=manager.email, smtp_port=stack.submission_port,
                          smtp_user=stack.smtp_user, ca_file=stack.ca_file)
    fill(tmp_path / "data", manager.email)
    output = tmp_path / "digest.html"
    argv = ["--config", str(config), "digest", "--team", "platform", "--week", SAMPLE_WEEK,
            "--output", str(output), "--send", "--at", AT]

    assert main(argv) == 0
    printed = capsys.readouterr()
    assert "Subject: Vecka 49, Platform" in printed.out
    assert "sent 1 digest for platform" in printed.err
    assert main(argv) == 0  # a second run finds the slot sent and mails nothing
    assert "already sent" in capsys.readouterr().err

    (raw,) = stack.fetch(manager)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"].startswith("Vecka 49, Platform:")
    assert message["To"] == f"Lena Holm <{manager.email}>"
    assert message["Message-ID"].endswith(".digest@example.test>")
    text = message.get_body(("plain",)).get_content()
    body = message.get_body(("html",)).get_content()
    for heading in ("BEHÖVER UPPMÄRKSAMHET", "TEAMETS PULS", "NÄSTA STEG"):
        assert heading in text
    assert "Ben: inga svar på de tre senaste avstämningarna" in text
    assert ">Teamets puls</h2>" in body
    # --output is the HTML part (which the mail may carry with character references)
    assert unescape(output.read_text("utf-8")).split() == unescape(body).split()
    assert "<script" not in body and "Anna" in body
    ledger = Ledger.in_dir(tmp_path / "data")
    (row,) = ledger.prompts(kind="digest")
    assert row.state == "sent" and row.slot.period == SAMPLE_WEEK and row.attempts == 1


def test_digest_without_send_prints_and_writes_only(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("MAILER_SECRET", raising=False)
    config = write_config(tmp_path, manager="lena@example.com", smtp_port=2525,
                          smtp_user="x@example.test", ca_file=tmp_path / "none.pem")
    fill(tmp_path / "data", "lena@example.com")
    out = tmp_path / "digest.html"
    assert main(["--config", str(config), "digest", "--output", str(out), "--at", AT]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Subject: Vecka 49, Platform")  # default: the last complete week
    assert out.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert Ledger.in_dir(tmp_path / "data").prompts(kind="digest") == []


@pytest.mark.parametrize(("args", "message"), [
    (["--team", "nope"], 'no team "nope"'),
    (["--week", "2026-W60"], "does not exist"),
])
def test_digest_command_usage_errors(tmp_path, capsys, args, message):
    config = write_config(tmp_path, manager="lena@example.com", smtp_port=2525,
                          smtp_user="x@example.test", ca_file=tmp_path / "none.pem")
    assert main(["--config", str(config), "digest", "--at", AT, *args]) == 2
    assert message in capsys.readouterr().err


async def test_the_scheduled_digest_and_brief_go_through_jobs_and_share_the_slot(
        stack, tmp_path, monkeypatch, capsys):
    manager = stack.new_user("manager")
    monkeypatch.setenv("MAILER_SMTP_PASSWORD", stack.smtp_password)
    monkeypatch.setenv("MAILER_IMAP_PASSWORD", "unused")
    monkeypatch.setenv("MAILER_SECRET", "e2e-secret-of-the-digest-test")
    path = write_config(tmp_path, manager=manager.email, smtp_port=stack.submission_port,
                        smtp_user=stack.smtp_user, ca_file=stack.ca_file)
    fill(tmp_path / "data", manager.email)
    ctx = open_context(load_config(path))
    at = datetime.fromisoformat(AT)  # Monday 08:00: the configured digest time

    report = await jobs.send_due(ctx, "digest", now=at, team="platform")
    assert report.sent == 1
    brief = await jobs.send_due(ctx, "brief", now=at + timedelta(hours=1, minutes=30))
    assert brief.sent == 1  # the meeting is at 10:00, the brief 30 minutes before

    # The command finds the week the schedule sent: nothing goes out twice.
    # A command runs outside any event loop: call it from a thread, as a shell would.
    argv = ["--config", str(path), "digest", "--send", "--at", AT]
    assert await asyncio.to_thread(main, argv) == 0
    assert "already sent" in capsys.readouterr().err
    subjects = [email.message_from_bytes(raw, policy=email.policy.default)["Subject"]
                for raw in stack.fetch(manager)]
    assert len(subjects) == 2
    assert subjects[0].startswith("Vecka 49, Platform")
    assert subjects[1].startswith("Inför mötet i Platform, mån 7 december kl. 10:00")
