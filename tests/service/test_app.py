"""``mailer run`` end to end: a real process against the loopback Dovecot and SMTP relay.

A check-in scheduled a few minutes ago goes out in the start-up catch-up pass, the member's
reply comes back through IMAP IDLE into a record, then SIGTERM stops the service cleanly
within 10 s, with nothing lost. ``mailer status`` reads the same ledger beside it.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

from mailer.storage.ledger import Ledger
from tests.factories import config_data, on_stack
from tests.factories import member as factory_member
from tests.factories import write_config as factory_write
from tests.mailstack import MailStack, MailUser
from tests.service.helpers import wait_for

ZONE = ZoneInfo("Europe/Stockholm")
SECRET = "app-test-secret-value-0123456789"


def country_without_holiday(days: list[date]) -> str:
    """A country whose public holidays miss the given days, so the prompt is not skipped."""
    for code in ("SE", "US", "JP", "DE", "GB", "AU", "FR"):
        calendar = holidays.country_holidays(code, years={d.year for d in days})
        if not any(d in calendar for d in days):
            return code
    raise AssertionError("every candidate country has a holiday today")



def write_config(path: Path, stack: MailStack, service: MailUser, member: MailUser,
                 manager: MailUser) -> None:
    now = datetime.now(ZONE)
    fire = now - timedelta(minutes=10)  # missed by 10 minutes: sent by the catch-up pass
    country = country_without_holiday([fire.date(), now.date()])
    data = on_stack(config_data(
        data_dir="data", service={"secret_env": "MAILER_TEST_SECRET"},
        members=[factory_member("Anna Berg", member.email, country=country,
                                goals=["Migrate billing to the new API"])],
        team={"manager": {"name": "Maria Lind", "email": manager.email},
              "checkin": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                          "time": f"{fire:%H:%M}"}}), stack, imap_user=service.email)
    data["smtp"]["from"] = f"Team check-in <{service.email}>"
    factory_write(path, data)


def reply_to(prompt: bytes, member: MailUser, service: MailUser) -> bytes:
    original = email.message_from_bytes(prompt, policy=email.policy.default)
    reply = EmailMessage()
    reply["From"] = f"Anna Berg <{member.email}>"
    reply["To"] = service.email
    reply["Subject"] = "SV: " + str(original["Subject"])
    reply["Message-ID"] = "<reply-1@mail.example.test>"
    reply["In-Reply-To"] = original["Message-ID"]
    reply["References"] = original["Message-ID"]
    reply.set_content("1. Parprogrammeringen med Erik\n2. Väntar på API-nycklar\n3. 4\n"
                      "4. Halva migreringen klar\n\nDen 28 nov. 2026 skrev Team check-in:\n> 1. ...\n")
    return bytes(reply)


def test_run_sends_records_and_stops_cleanly_on_sigterm(stack: MailStack, tmp_path: Path) -> None:
    service, member, manager = stack.new_user("checkin"), stack.new_user("anna"), stack.new_user("maria")
    config = tmp_path / "mailer.toml"
    write_config(config, stack, service, member, manager)
    env = {**os.environ, "MAILER_TEST_SECRET": SECRET,
           "MAILER_TEST_SMTP_PASSWORD": stack.smtp_password,
           "MAILER_TEST_IMAP_PASSWORD": service.password}
    log = tmp_path / "service.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "mailer", "--config", str(config), "run"],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            prompt = wait_for(lambda: stack.fetch(member), 20, "the check-in", log)[0]
            stack.deliver(reply_to(prompt, member, service), service)
            records = tmp_path / "data" / "records"
            paths = wait_for(lambda: list(records.rglob("*.yaml")), 20, "the record", log)
            status = subprocess.run(
                [sys.executable, "-m", "mailer", "--config", str(config), "status", "--json"],
                env=env, capture_output=True, text=True, timeout=30)
            stopped_at = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=15)
            stop_seconds = time.monotonic() - stopped_at
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    output = log.read_text()
    assert code == 0, output
    assert stop_seconds < 10, f"took {stop_seconds:.1f} s to stop"
    assert len(paths) == 1
    text = paths[0].read_text(encoding="utf-8")
    assert "mood: 4" in text and "Väntar på API-nycklar" in text
    ledger = Ledger.in_dir(tmp_path / "data")
    prompts = ledger.prompts(team="platform", kind="checkin")
    assert [p.state for p in prompts] == ["sent"]
    assert email.message_from_bytes(prompt)["Message-ID"] == prompts[0].message_id
    assert stack.fetch(service) == []  # the reply was moved out of the inbox, not deleted
    # The configured "Checkins/Processed" maps to the server's delimiter (Maildir++: ".").
    assert len(stack.fetch(service, "Checkins.Processed")) == 1
    # Logs say what happened, never what people wrote, and never a secret.
    assert "Väntar" not in output and "API-nycklar" not in output
    assert SECRET not in output and stack.smtp_password not in output
    assert service.password not in output
    assert status.returncode == 0, status.stderr
    team = json.loads(status.stdout)["teams"][0]
    assert team["last_send"] is not None and team["replies_this_week"] == 1
    assert "checkin" in team["next_runs"]


def test_run_refuses_to_start_without_the_imap_password(stack: MailStack, tmp_path: Path) -> None:
    service, member, manager = stack.new_user("checkin"), stack.new_user("anna"), stack.new_user("maria")
    config = tmp_path / "mailer.toml"
    write_config(config, stack, service, member, manager)
    env = {**os.environ, "MAILER_TEST_SECRET": SECRET,
           "MAILER_TEST_SMTP_PASSWORD": stack.smtp_password}
    done = subprocess.run([sys.executable, "-m", "mailer", "--config", str(config), "run"],
                          env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "MAILER_TEST_IMAP_PASSWORD" in done.stderr and "Traceback" not in done.stderr
    assert stack.fetch(member) == []  # nothing was sent by a service that could not poll
