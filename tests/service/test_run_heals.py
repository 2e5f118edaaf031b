"""``mailer run`` as a real process that heals itself, on a simulated clock.

The service runs against the session's loopback Dovecot and SMTP relay, on the test-only
clock of ``MAILER_TEST_CLOCK`` (a chosen start, 180 times real speed: a simulated hour takes
twenty seconds, ticks and backoff shrink alike; the margins between a fault and the time it
must precede are ten real seconds or more, for a busy machine). Faults are real: the relay answers 421 to every
connection, the data folder is a small tmpfs that fills up, the config file changes under a
SIGHUP. Every assertion reads the recipients' Dovecot mailboxes, the ledger, ``mailer status``
and the service's log.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from mailer.config.load import load_config
from mailer.service.context import open_context
from mailer.service.digest import render_digest
from mailer.service.health import read_state
from mailer.storage.ledger import Ledger
from tests.mailstack import MailStack, MailUser
from tests.service.helpers import fill, wait_for

UTC = timezone.utc
SECRET = "run-heals-test-secret-0123456789abcdef"
SPEED = 180  # simulated seconds per real second
#: Wednesday 2 December 2026, no public holiday in SE or US.
START = datetime(2026, 12, 2, 7, 58, tzinfo=UTC)


class Service:
    """A ``mailer run`` process with its config file, log, environment and clock."""

    def __init__(self, stack: MailStack, root: Path, *, data_dir: Path | None = None) -> None:
        self.stack, self.root = stack, root
        self.data_dir = data_dir or root / "data"
        self.config = root / "mailer.toml"
        self.log = root / "service.log"
        self.service_user = stack.new_user("checkin")
        self.env = {**os.environ, "MAILER_TEST_SECRET": SECRET,
                    "MAILER_TEST_SMTP_PASSWORD": stack.smtp_password,
                    "MAILER_TEST_IMAP_PASSWORD": self.service_user.password,
                    "MAILER_TEST_CLOCK": f"{START.isoformat()}*{SPEED}"}
        self.proc: subprocess.Popen[bytes] | None = None

    def header(self) -> str:
        stack = self.stack
        return f'''
[service]
data_dir = "{self.data_dir}"
timezone = "Europe/Stockholm"
language = "en"
secret_env = "MAILER_TEST_SECRET"
catch_up = "10m"

{stack.servers_toml(self.service_user, env_prefix="MAILER_TEST")}'''

    def write(self, teams: str) -> None:
        self.config.write_text(self.header() + teams, encoding="utf-8")

    @contextmanager
    def running(self) -> Iterator[subprocess.Popen[bytes]]:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "mailer", "--config", str(self.config), "run"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT)
            try:
                yield self.proc
                self.proc.send_signal(signal.SIGTERM)
                assert self.proc.wait(timeout=20) == 0, self.log.read_text()
            finally:
                if self.proc.poll() is None:
                    self.proc.kill()
                    self.proc.wait()

    def now(self) -> datetime | None:
        """The service's simulated time, from the heartbeat in its state file."""
        state = read_state(self.data_dir)
        return datetime.fromisoformat(state["heartbeat"]) if state else None

    def wait_until(self, at: datetime, timeout: float = 60) -> None:
        wait_for(lambda: (self.now() or START) >= at, timeout, f"simulated {at}", self.log)

    def status(self) -> tuple[int, dict[str, Any]]:
        """``mailer status --json`` at the service's simulated time: (exit code, output)."""
        done = self.status_process("--json")
        return done.returncode, json.loads(done.stdout)

    def status_process(self, *options: str) -> subprocess.CompletedProcess[str]:
        now = self.now() or START
        env = {**self.env, "MAILER_TEST_CLOCK": f"{now.isoformat()}*1"}
        done = subprocess.run(
            [sys.executable, "-m", "mailer", "--config", str(self.config), "status", *options],
            env=env, capture_output=True, text=True, timeout=60)
        assert done.stdout, done.stderr
        return done

    def log_lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines()

    def ledger(self) -> Ledger:
        found = Ledger.reader(self.data_dir / "ledger.sqlite3")
        assert found is not None
        return found


def member(name: str, user: MailUser, zone: str, country: str, *, id: str = "") -> str:
    return (f'[[teams.members]]\nname = "{name}"\nemail = "{user.email}"\n'
            + (f'id = "{id}"\n' if id else "")
            + f'timezone = "{zone}"\ncountry = "{country}"\n')


def team(name: str, manager: MailUser, at: str, members: str, *, extra: str = "") -> str:
    return (f'\n[[teams]]\nname = "{name}"\n{extra}'
            f'manager = {{ name = "Maria Lind", email = "{manager.email}" }}\n'
            f'checkin = {{ days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], '
            f'time = "{at}" }}\n' + members)


def test_prompts_due_while_smtp_is_down_go_out_once_or_expire(
        stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = Service(stack, tmp_path)
    anna, bo, manager = stack.new_user("anna"), stack.new_user("bo"), stack.new_user("maria")
    # Anna's 09:10 in Stockholm is 08:10 UTC; Bo's 23:05 in Anchorage is 08:05 UTC, and his
    # day (the check-in's window) ends at 09:00 UTC, while SMTP is still down.
    service.write(team("platform", manager, "09:10", member("Anna Berg", anna,
                                                            "Europe/Stockholm", "SE"))
                  + team("night", manager, "23:05", member("Bo Night", bo,
                                                           "America/Anchorage", "US")))
    stack.smtp_faults.reply("connect", 421, times=None)
    with service.running():
        # 08:20: both are due and unsent (Bo's day ends at 09:00 UTC, margin for a busy box).
        service.wait_until(datetime(2026, 12, 2, 8, 20, tzinfo=UTC))
        code, status = service.status()
        assert code == 3, status  # stuck prompts need a person
        pending = {t["team"]: t["pending"]["count"] for t in status["teams"]}
        assert pending == {"platform": 1, "night": 1}
        assert status["service"]["components"]["smtp"]["state"] == "failing"
        text = service.status_process().stdout
        assert "smtp             failing since" in text and "421" in text, text
        assert "due, not sent    1 (oldest due 2026-12-02T09:10:00+01:00" in text, text
        assert "NEEDS ATTENTION: " in text and "due for more than 15 minutes" in text, text
        service.wait_until(datetime(2026, 12, 2, 9, 5, tzinfo=UTC))
        stack.smtp_faults.clear()  # SMTP is back at 09:05 UTC; the next try is at 09:28
        wait_for(lambda: stack.fetch(anna), 60, "Anna's check-in", service.log)
        service.wait_until(datetime(2026, 12, 2, 9, 35, tzinfo=UTC))
        code, status = service.status()
    assert len(stack.fetch(anna)) == 1 and stack.fetch(bo) == []
    rows = {p.slot.email: p for p in service.ledger().prompts(kind="checkin")}
    assert rows[anna.email].state == "sent"
    assert rows[bo.email].state == "expired"
    assert "not sent by 2026-12-02 00:00 AKST" in (rows[bo.email].skip_reason or "")
    assert "421" in (rows[bo.email].skip_reason or "")
    night = next(t for t in status["teams"] if t["team"] == "night")
    assert [e["email"] for e in night["expired_this_week"]] == [bo.email]
    assert code == 0, status  # nothing stuck any more: the expiry is reported, not alarmed
    # The manager's digest of that week says who missed what, and why.
    monkeypatch.setenv("MAILER_TEST_SECRET", SECRET)
    ctx = open_context(load_config(service.config), need_secret=False)
    night_team = ctx.config.team("night")
    assert night_team is not None
    digest = render_digest(ctx, night_team, "2026-W49", now=START + timedelta(days=2))
    assert "Bo Night: the check-in of 2026-12-01 did not go out" in digest.text
    assert "421" in digest.text
    lines = service.log_lines()
    # One line when SMTP started failing, one when it recovered: not one per attempt.
    assert sum("smtp failing" in line for line in lines) == 1, lines
    assert sum("smtp recovered" in line for line in lines) == 1, lines


def test_sighup_applies_a_new_config_and_keeps_the_old_one_when_broken(
        stack: MailStack, tmp_path: Path) -> None:
    service = Service(stack, tmp_path)
    anna, bo, cleo = stack.new_user("anna"), stack.new_user("bo"), stack.new_user("cleo")
    manager, anna_new = stack.new_user("maria"), stack.new_user("anna-new")
    # Anna's check-in is at 09:00 Stockholm (08:00 UTC), Bo's at 09:00 London (09:00 UTC).
    service.write(team("platform", manager, "09:00",
                       member("Anna Berg", anna, "Europe/Stockholm", "SE")
                       + member("Bo Lund", bo, "Europe/London", "GB")))
    with service.running() as proc:
        wait_for(lambda: stack.fetch(anna), 30, "Anna's first check-in", service.log)
        service.wait_until(datetime(2026, 12, 2, 8, 5, tzinfo=UTC))
        # Renamed (id kept), Bo removed, Cleo added, the time moved to 09:40, and Anna has
        # a new address (her old one kept as her id).
        service.write(team("core", manager, "09:40",
                           member("Anna Berg", anna_new, "Europe/Stockholm", "SE",
                                  id=anna.email)
                           + member("Cleo Sand", cleo, "Europe/Stockholm", "SE"),
                           extra='id = "platform"\ndisplay_name = "Core team"\n'))
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: any("config reloaded" in line for line in service.log_lines()), 30,
                 "the reload", service.log)
        loaded = service.status()[1]["service"]["config_sha256"]
        service.wait_until(datetime(2026, 12, 2, 8, 15, tzinfo=UTC))
        broken = service.config.read_text().replace('timezone = "Europe/Stockholm"\ncountry',
                                                    'timezone = "Mars/Olympus"\ncountry', 1)
        service.config.write_text(broken, encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: any("not loaded" in line for line in service.log_lines()), 30,
                 "the rejection", service.log)
        service.wait_until(datetime(2026, 12, 2, 9, 10, tzinfo=UTC))
        code, status = service.status()
    assert code == 3 and "does not load" in status["needs_attention"][0], status
    assert len(stack.fetch(anna)) == 1  # renamed and moved: the day's slot was sent already
    assert stack.fetch(anna_new) == []  # her new address: the same person, the same slot
    assert stack.fetch(bo) == []  # removed before his time
    assert len(stack.fetch(cleo)) == 1  # added: her first check-in at the new time
    text = service.log.read_text()
    assert "Mars/Olympus" in text and "still running the one loaded at" in text
    assert status["service"]["config_sha256"] == loaded  # the good one runs on
    assert status["service"]["config_on_disk_sha256"] != loaded
    rows = service.ledger().prompts(kind="checkin")
    assert {p.slot.team for p in rows} == {"platform"}  # the stable id, not the new name


def checkins(stack: MailStack, user: MailUser) -> list[bytes]:
    """The check-ins in ``user``'s inbox (a receipt for a reply may be there too)."""
    return [raw for raw in stack.fetch(user) if b".checkin@" in raw.split(b"\r\n\r\n")[0]]


def note(sender: MailUser, service: MailUser) -> bytes:
    """A message to the service that threads under nothing (it is handled all the same)."""
    msg = EmailMessage()
    msg["From"] = sender.email
    msg["To"] = service.email
    msg["Subject"] = "A question"
    msg["Message-ID"] = f"<note-{sender.email}>"
    msg.set_content("Can we move Friday's meeting?\n")
    return bytes(msg)


def test_a_full_disk_loses_nothing_sends_nothing_twice_and_logs_little(
        stack: MailStack, tmp_path: Path, small_disk: Path) -> None:
    service = Service(stack, tmp_path, data_dir=small_disk / "data")
    people = [stack.new_user(f"p{n}") for n in range(3)]
    manager = stack.new_user("maria")
    # 09:30 in Stockholm: 08:30 UTC, while the disk is full (from 07:59 to 08:50).
    service.write(team("platform", manager, "09:30", "".join(
        member(f"Person {n}", user, "Europe/Stockholm", "SE") for n, user in enumerate(people))))
    with service.running():
        service.wait_until(START + timedelta(minutes=1))
        filler = fill(small_disk)
        before = len(service.log_lines())
        # A message arrives while nothing can be written: it must wait in the inbox.
        stack.deliver(note(people[0], service.service_user), service.service_user)
        code, status = service.status()  # works on a full disk
        assert code == 3 and any("disk" in line for line in status["needs_attention"]), status
        service.wait_until(datetime(2026, 12, 2, 8, 50, tzinfo=UTC))
        during = len(service.log_lines()) - before
        filler.unlink()
        for user in people:
            wait_for(lambda u=user: stack.fetch(u), 30, f"{user.email}'s check-in", service.log)
        wait_for(lambda: not stack.fetch(service.service_user), 60, "the message handled",
                 service.log)
        service.wait_until(datetime(2026, 12, 2, 9, 10, tzinfo=UTC))
        code, status = service.status()
    assert any("ledger failing" in line for line in service.log_lines()[before:])  # it was full
    assert [len(checkins(stack, user)) for user in people] == [1, 1, 1]
    today = service.ledger().prompts(kind="checkin", since=START)
    assert [p.state for p in today] == ["sent"] * 3
    assert sum(service.ledger().inbound_counts().values()) == 1  # handled once, not lost
    assert during <= 6, service.log_lines()[before:]  # 50 simulated minutes: a few lines
    assert code == 0, status
