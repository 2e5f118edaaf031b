"""``jobs.send_due`` end to end: aiosmtplib (STARTTLS + AUTH) -> aiosmtpd relay -> LMTP -> Dovecot.

Every assertion reads what arrived: the parsed messages in the recipients' Dovecot mailboxes
(or the relay's record of accepted messages) and the ledger rows; nothing of ours is mocked.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailer.addressing import token_from_subject, verify_token
from mailer.cli.main import main as cli
from mailer.errors import AuthenticationError
from mailer.models import Pause, Period, Record, SmtpSettings
from mailer.outbound import schedule
from mailer.outbound import smtp as outbox
from mailer.outbound.samples import sample_config, sample_person, sample_team
from mailer.service import send as jobs
from mailer.service.context import open_context
from tests.factories import config_data, member, on_stack
from tests.factories import write_config as factory_write
from tests.mailstack import MailStack, MailUser

UTC = UTC
SECRET = "test-secret-0123456789abcdef"
PASSWORD_ENV = "MAILER_TEST_SMTP_PASSWORD"
FAST = outbox.Backoff(base=0.01, cap=0.05)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def environment(stack, monkeypatch):
    """``stack`` (tests/conftest.py): the session's Dovecot + relay, faults and records cleared."""
    monkeypatch.setenv("MAILER_SECRET", SECRET)
    monkeypatch.setenv(PASSWORD_ENV, stack.smtp_password)


def smtp_settings(stack: MailStack, **changes) -> SmtpSettings:
    return dataclasses.replace(SmtpSettings(
        host=stack.host, port=stack.submission_port, security="starttls",
        username=stack.smtp_user, password_env=PASSWORD_ENV,
        from_address=f"checkin@{stack.domain}", from_name="Team check-in",
        ca_file=stack.ca_file, timeout=10.0, max_connections=4, max_attempts=4), **changes)


class World:
    """A team whose people have real mailboxes, and the context to send to them."""

    def __init__(self, stack: MailStack, data_dir: Path, *, people=None, **team_options):
        self.stack = stack
        self.users: dict[str, MailUser] = {}
        self.anna = self.person("anna", "Anna Berg", "Europe/Stockholm", "sv", "SE",
                                goals=("Ship the billing migration",))
        self.ben = self.person("ben", "Ben Carter", "Europe/London", "en", "GB")
        self.chloe = self.person("chloe", "Chloe Ng", "Australia/Sydney", "en", "AU")
        self.lena = self.person("lena", "Lena Holm", "Europe/Stockholm", "sv", "SE")
        members = people(self) if people else (self.anna, self.ben, self.chloe)
        team = sample_team(members=members, manager=self.lena, **team_options)
        self.config = sample_config(data_dir, teams=[team], smtp=smtp_settings(stack))
        self.ctx = open_context(self.config)

    def person(self, prefix, name, tz, language, country, **options):
        user = self.stack.new_user(prefix)
        self.users[user.email] = user
        return sample_person(name, user.email, timezone=tz, language=language, country=country,
                             **options)

    def inbox(self, person) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default)
                for raw in self.stack.fetch(self.users[person.email])]

    async def send(self, kind, now, **options):
        return await jobs.send_due(self.ctx, kind, now=now, backoff=FAST, **options)

    async def run_jobs(self, kind, start, end):
        """Fire every cron job of ``kind`` in [start, end) in time order, as ``mailer run``."""
        fires = []
        for spec in schedule.job_specs(self.config):
            fire = spec.trigger.get_next_fire_time(None, start) if spec.kind == kind else None
            while fire is not None and fire < end:
                fires.append((fire, spec.team))
                fire = spec.trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        return [await self.send(kind, fire + timedelta(seconds=1), team=team)
                for fire, team in sorted(fires)]


@pytest.fixture
def world(stack, tmp_path):
    return World(stack, tmp_path / "data")


def text_of(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content().replace("\r\n", "\n")


def local_date_header(msg: EmailMessage, person) -> datetime:
    return msg["Date"].datetime.astimezone(person.timezone)


# --------------------------------------------------------------------------- right person, time, language


@pytest.mark.parametrize(("weeks", "utc_hours"), [
    # Wednesdays around Stockholm's and London's spring-forward (2027-03-28)...
    ([datetime(2027, 3, 23, 12, tzinfo=UTC), datetime(2027, 3, 30, 12, tzinfo=UTC)],
     {"anna": [8, 7], "ben": [9, 8], "chloe": [22, 22]}),
    # ...and around their fall-back (2026-10-25); Sydney is on summer time throughout.
    ([datetime(2026, 10, 20, 12, tzinfo=UTC), datetime(2026, 10, 27, 12, tzinfo=UTC)],
     {"anna": [7, 8], "ben": [8, 9], "chloe": [22, 22]}),
], ids=["march", "october"])
async def test_checkins_arrive_at_nine_local_in_each_language_across_dst(world, weeks, utc_hours):
    for start in weeks:
        await world.run_jobs("checkin", start, start + timedelta(hours=36))
    for name, person in (("anna", world.anna), ("ben", world.ben), ("chloe", world.chloe)):
        mails = world.inbox(person)
        assert len(mails) == 2, name
        dates = [local_date_header(m, person) for m in mails]
        assert [(d.weekday(), d.hour, d.minute) for d in dates] == [(2, 9, 0), (2, 9, 0)]
        assert [m["Date"].datetime.astimezone(UTC).hour for m in mails] == utc_hours[name]
        for mail, day in zip(mails, dates, strict=True):
            prompt = world.ctx.ledger.by_message_id(mail["Message-ID"])
            assert prompt is not None and prompt.state == "sent"
            assert prompt.slot.email == person.email and prompt.slot.period == day.date().isoformat()
            assert verify_token(token_from_subject(mail["Subject"]), SECRET.encode())
            assert mail["Reply-To"] == f"checkin@{world.stack.domain}"
            assert mail.get_content_type() == "multipart/alternative"
    anna, ben = world.inbox(world.anna)[0], world.inbox(world.ben)[0]
    assert anna["Subject"].startswith("Avstämning onsdag ")
    assert "1. Vad fungerar bra i samarbetet just nu?" in text_of(anna)
    assert "- Ship the billing migration" in text_of(anna)
    assert ben["Subject"].startswith("Check-in Wednesday, ")
    assert "1. What is working well in the collaboration right now?" in text_of(ben)
    assert "Reply PAUSE until" in text_of(ben) and "Svara PAUS till" in text_of(anna)
    assert world.inbox(world.lena) == []


async def test_a_second_send_sends_nothing(world):
    now = datetime(2026, 11, 30, 9, 0, 5, tzinfo=ZoneInfo("Europe/Stockholm"))
    first = await world.send("checkin", now, team="platform", member=world.anna.email)
    second = await world.send("checkin", now, team="platform", member=world.anna.email)
    assert (first.sent, second.sent, second.already_sent) == (1, 0, 1)
    assert len(world.stack.smtp_received) == 1 and len(world.inbox(world.anna)) == 1



async def test_a_sent_slot_is_not_sent_again_after_its_time_changes_in_the_config(world):
    """A slot is (person, kind, period): moving the check-in from 09:00 to 09:30 the same
    morning must not send that day's check-in a second time."""
    nine = datetime(2026, 11, 30, 9, 0, 5, tzinfo=ZoneInfo("Europe/Stockholm"))
    assert (await world.send("checkin", nine, member=world.anna.email)).sent == 1
    team = world.config.teams[0]
    later = dataclasses.replace(team.checkin, time=team.checkin.time.replace(minute=30))
    moved = dataclasses.replace(world.config, teams=(dataclasses.replace(team, checkin=later),))
    world.ctx = dataclasses.replace(world.ctx, config=moved)
    again = await world.send("checkin", nine + timedelta(minutes=30), member=world.anna.email)
    assert (again.sent, again.already_sent) == (0, 1)
    assert len(world.inbox(world.anna)) == 1

# --------------------------------------------------------------------------- skips


async def test_holidays_away_and_pauses_are_skipped_and_recorded(world):
    # Christmas Day (Friday 2026-12-25) is a public holiday in Sweden, Britain and Australia.
    reports = await world.run_jobs("checkin", datetime(2026, 12, 24, 12, tzinfo=UTC),
                                   datetime(2026, 12, 26, tzinfo=UTC))
    assert sum(r.sent for r in reports) == 0
    assert sum(r.skipped.get("holiday", 0) for r in reports) == 3
    rows = world.ctx.ledger.prompts(kind="checkin")
    assert {(r.slot.email, r.state, r.skip_reason) for r in rows if r.slot.period == "2026-12-25"
            } == {(p.email, "skipped", "holiday: Christmas Day")
                  for p in (world.anna, world.ben, world.chloe)}
    # Friday 2027-01-08: Ben is away, Chloe paused by a reply; Anna gets her check-in.
    world.ctx.ledger.add_pause(Pause("platform", world.chloe.email, date(2027, 1, 4),
                                     date(2027, 1, 15), "command", datetime(2027, 1, 3, tzinfo=UTC)))
    away = dataclasses.replace(world.ben, away=(Period(date(2027, 1, 4), date(2027, 1, 8)),))
    team = dataclasses.replace(world.config.teams[0], members=(world.anna, away, world.chloe))
    world.config = dataclasses.replace(world.config, teams=(team,))
    world.ctx = dataclasses.replace(world.ctx, config=world.config)
    reports = await world.run_jobs("checkin", datetime(2027, 1, 7, 12, tzinfo=UTC),
                                   datetime(2027, 1, 9, tzinfo=UTC))
    assert [len(world.inbox(p)) for p in (world.anna, world.ben, world.chloe)] == [1, 0, 0]
    reasons = {r.slot.email: r.skip_reason for r in world.ctx.ledger.prompts(kind="checkin")
               if r.slot.period == "2027-01-08"}
    assert reasons == {world.anna.email: None, world.ben.email: "away",
                       world.chloe.email: "paused until 2027-01-15"}
    assert any("skip checkin 2027-01-08 to " + world.ben.email in line
               for r in reports for line in r.lines)


async def test_catch_up_sends_a_recent_miss_and_skips_an_old_one(world):
    sthlm = ZoneInfo("Europe/Stockholm")
    recent = await world.send("checkin", datetime(2026, 12, 2, 11, 0, tzinfo=sthlm),
                              member=world.anna.email)
    assert recent.sent == 1 and len(world.inbox(world.anna)) == 1
    late = await world.send("checkin", datetime(2026, 12, 4, 13, 0, tzinfo=sthlm),
                            member=world.anna.email)
    assert late.sent == 0 and late.skipped == {"missed": 1}
    row = world.ctx.ledger.prompts(email=world.anna.email)[-1]
    assert (row.slot.period, row.state, row.skip_reason) == ("2026-12-04", "skipped",
                                                              "missed by 4h 0m")
    assert len(world.inbox(world.anna)) == 1


# --------------------------------------------------------------------------- failures


async def test_temporary_failures_retried_permanent_ones_recorded(stack, tmp_path):
    ghost = sample_person("Ghost", f"ghost@{stack.domain}", language="en")  # no such mailbox
    world = World(stack, tmp_path / "data",
                  people=lambda w: (w.anna, ghost, w.ben))
    stack.smtp_faults.reply("DATA", 451, times=2)
    stack.smtp_faults.drop("DATA")
    now = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)  # Stockholm and London both due
    report = await world.send("checkin", now)
    assert (report.sent, report.failed_permanent, report.failed_temporary) == (2, 1, 0)
    assert len(world.inbox(world.anna)) == 1 and len(world.inbox(world.ben)) == 1
    rows = {r.slot.email: r for r in world.ctx.ledger.prompts(kind="checkin")}
    assert rows[ghost.email].state == "failed" and "550" in rows[ghost.email].last_error
    assert sum(r.attempts for r in rows.values()) == 3 + 3  # two 451s and one drop retried
    failing = world.ctx.ledger.failures()
    assert [f.email for f in failing] == [ghost.email] and "5.1.1" in failing[0].reason


async def test_exhausted_temporary_failure_stays_due_and_goes_out_next_run(world):
    world.stack.smtp_faults.reply("RCPT", 450, times=None, address=world.ben.email)
    now = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    first = await world.send("checkin", now, team="platform")
    assert (first.sent, first.failed_temporary) == (1, 1)
    ben_row = world.ctx.ledger.get(f"checkin:platform:{world.ben.email}:2026-12-02")
    assert ben_row.state == "due" and ben_row.attempts == 4 and "450" in ben_row.last_error
    world.stack.smtp_faults.clear()
    second = await world.send("checkin", now + timedelta(minutes=10), team="platform")
    assert (second.sent, second.already_sent) == (1, 1)
    [mail] = world.inbox(world.ben)
    assert mail["Message-ID"] == ben_row.message_id  # fixed before the first attempt


async def test_a_bad_password_stops_the_batch_once_and_leaves_it_due(world, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    now = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    with pytest.raises(AuthenticationError, match="refused the login"):
        await world.send("checkin", now)
    assert len(world.stack.smtp_received) == 0
    assert {r.state for r in world.ctx.ledger.prompts(kind="checkin", since=now - timedelta(
        hours=3))} <= {"due", "sending"}
    monkeypatch.setenv(PASSWORD_ENV, world.stack.smtp_password)
    assert (await world.send("checkin", now)).sent == 2


# --------------------------------------------------------------------------- other kinds


async def test_review_quotes_last_months_next_month_answer(world):
    store = world.ctx.store
    store.write(Record(id="a" * 40, team="platform", member=world.anna.email, kind="review",
                       slot="2026-11", prompt_message_id=None, message_id="<r@x>",
                       received_at=datetime(2026, 11, 3, 12, tzinfo=UTC), matched_by="token",
                       language="sv", answers={"next_month": "Avsluta billing-migreringen"},
                       text=""))
    fire = schedule.job_specs(world.config)
    review = next(s for s in fire if s.kind == "review" and world.anna.email in s.recipients)
    at = review.trigger.get_next_fire_time(None, datetime(2026, 11, 20, tzinfo=UTC))
    assert at == datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    assert (await world.send("review", at, member=world.anna.email)).sent == 1
    [mail] = world.inbox(world.anna)
    assert mail["Subject"].startswith("Månadsuppföljning 7 december 2026")
    assert "    Avsluta billing-migreringen" in text_of(mail)
    assert "5. Vad ska du göra nästa månad?" in text_of(mail)


async def test_feedback_and_reflection_reach_the_right_people(world):
    feedback = await world.send("feedback", datetime(2026, 12, 1, 13, 5, tzinfo=UTC))
    assert feedback.sent == 2 and feedback.skipped == {"missed": 1}  # Sydney's 13:00 was hours ago
    [mail] = world.inbox(world.ben)
    assert "only in aggregate" in text_of(mail) and "never with your name" in text_of(mail)
    reflection = await world.send("reflection", datetime(2026, 11, 27, 13, 5, tzinfo=UTC))
    assert reflection.sent == 1
    [mail] = world.inbox(world.lena)
    assert mail["Subject"].startswith("Din ledarskapsreflektion")
    assert "Hur involverar du teamet?" in text_of(mail)


async def test_digest_goes_to_the_manager_once_a_week(world):
    friday = datetime(2026, 11, 27, 15, 0, 3, tzinfo=ZoneInfo("Europe/Stockholm"))
    report = await world.send("digest", friday)
    assert report.sent == 1, report.lines
    [mail] = world.inbox(world.lena)
    row = world.ctx.ledger.by_message_id(mail["Message-ID"])
    assert row.slot.period == "2026-W48" and row.slot.kind == "digest"
    assert token_from_subject(mail["Subject"]) is None  # a digest is read, not answered
    assert (await world.send("digest", friday + timedelta(hours=1))).already_sent == 1


# --------------------------------------------------------------------------- the command line



def write_config(stack: MailStack, folder: Path, members: list[MailUser]) -> Path:
    data = on_stack(config_data(
        domain=stack.domain, data_dir=folder / "data",
        members=[member(f"Member {n}", u.email, timezone="Europe/Stockholm",
                        language="sv" if n % 2 else "en", country="SE")
                 for n, u in enumerate(members)],
        team={"name": "big", "display_name": "Big team",
              "manager": {"name": "Lena Holm", "email": f"lena@{stack.domain}",
                          "timezone": "Europe/Stockholm", "language": "sv"},
              "checkin": {"days": ["mon", "wed", "fri"], "time": "09:00"}}), stack)
    data["smtp"].update({"password_env": PASSWORD_ENV, "max_connections": 4})
    data["imap"].pop("ca_file")
    return factory_write(folder / "mailer.toml", data)


def test_dry_run_and_preview_need_no_smtp_secret(stack, tmp_path, monkeypatch, capsys):
    users = [stack.new_user("cli") for _ in range(3)]
    path = write_config(stack, tmp_path, users)
    monkeypatch.delenv(PASSWORD_ENV)
    monkeypatch.delenv("MAILER_SECRET")
    at = "2026-12-25T09:00:30+01:00"
    assert cli(["--config", str(path), "send", "checkin", "--at", at, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "3 check-ins skipped: 3 on a public holiday (Christmas Day)" in out
    assert "would send 0 check-ins now" in out
    assert out.count("Mon 28 Dec 09:00 Europe/Stockholm (your time too)") == 3  # the next ones
    at = "2026-12-23T09:00:30+01:00"
    assert cli(["--config", str(path), "send", "checkin", "--at", at, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"send now: Member 1 <{users[1].email}> (big) [sv], due Wed 23 Dec 09:00" in out
    assert "Avstämning onsdag 23 december 2026" in out and "would send 3 check-ins" in out
    assert len(stack.smtp_received) == 0
    html = tmp_path / "preview.html"
    assert cli(["--config", str(path), "preview", "checkin", "--member", users[0].email,
                     "--output", str(html)]) == 0
    out = capsys.readouterr().out
    assert "Subject: Check-in" in out and "1. What is working well" in out
    assert "max-width: 600px" in html.read_text(encoding="utf-8")


def test_cli_send_twice_sends_once(stack, tmp_path, capsys):
    users = [stack.new_user("twice") for _ in range(3)]
    path = write_config(stack, tmp_path, users)
    argv = ["--config", str(path), "send", "checkin", "--at", "2026-12-23T09:01:00+01:00"]
    assert cli(argv) == 0
    assert cli(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["sent 3 check-ins for all teams", "sent 0 check-ins for all teams, 3 already sent"]
    assert len(stack.smtp_received) == 3


# --------------------------------------------------------------------------- kill -9


def mailer_send(path: Path, at: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "mailer", "--config", str(path), "send",
                             "checkin", "--at", at], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_kill_9_mid_batch_then_restart_sends_every_slot_at_most_one_duplicate_each(
        stack, tmp_path):
    users = [stack.new_user("kill") for _ in range(240)]
    path = write_config(stack, tmp_path, users)
    at = "2026-12-23T09:00:10+01:00"
    stack.smtp_faults.stall("DATA", 0.01, times=None)  # a batch of a few seconds
    process = mailer_send(path, at)
    try:
        stack.smtp_received.wait_for(80, timeout=60)
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL
    killed_at = len(stack.smtp_received)
    assert killed_at < len(users), "the batch finished before the kill"
    stack.smtp_faults.clear()
    again = mailer_send(path, at)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err.decode()

    received = stack.smtp_received.snapshot()
    per_person: dict[str, list[str]] = {}
    for mail in received:
        message = email.message_from_bytes(mail.data, policy=email.policy.default)
        per_person.setdefault(mail.rcpt_tos[0], []).append(message["Message-ID"])
    never_sent = [u.email for u in users if u.email not in per_person]
    twice = {who: ids for who, ids in per_person.items() if len(ids) > 1}
    assert never_sent == []
    assert all(len(ids) == 2 and ids[0] == ids[1] for ids in twice.values()), twice
    assert len(twice) <= 4  # at most the one message in flight per connection
    assert Counter(len(ids) for ids in per_person.values())[1] >= len(users) - 4
    third = mailer_send(path, at)
    out, _ = third.communicate(timeout=60)
    assert out.decode().strip() == f"sent 0 check-ins for all teams, {len(users)} already sent"
    assert len(stack.smtp_received) == len(received)
    time.sleep(0)  # nothing else arrives: the relay is synchronous per message


async def test_reply_to_carries_the_token_only_with_plus_tokens(stack, tmp_path):
    world = World(stack, tmp_path / "data", people=lambda w: (w.anna,))
    world.config = dataclasses.replace(world.config, smtp=dataclasses.replace(
        world.config.smtp, plus_tokens=True))
    world.ctx = dataclasses.replace(world.ctx, config=world.config)
    await world.send("checkin", datetime(2026, 12, 2, 8, 5, tzinfo=UTC))
    [mail] = world.inbox(world.anna)
    token = token_from_subject(mail["Subject"])
    assert mail["Reply-To"] == f"checkin+{token}@{stack.domain}"
    assert mail["Message-ID"] == f"<{token}.checkin@{stack.domain}>"


def test_send_refuses_an_unknown_team_or_member(stack, tmp_path, capsys):
    path = write_config(stack, tmp_path, [stack.new_user("known")])
    assert cli(["--config", str(path), "send", "checkin", "--team", "nope", "--dry-run"]) == 1
    assert "no such team" in capsys.readouterr().err
    assert cli(["--config", str(path), "send", "checkin", "--member", "x@example.org",
                     "--dry-run"]) == 1
    assert "nobody in the config" in capsys.readouterr().err


async def test_the_first_prompt_a_person_gets_carries_the_privacy_notice(world):
    """GDPR art. 13: people are told what is kept when it is first asked for, once."""
    start = datetime(2026, 11, 23, 12, tzinfo=UTC)
    await world.run_jobs("checkin", start, start + timedelta(days=5))
    first, second, *_ = world.inbox(world.anna)
    body = text_of(first)
    notice = body.index("Så hanterar avstämningarna i Platform dina uppgifter")
    assert body.rindex("\n-- \n", 0, notice) < notice  # below the signature delimiter
    assert "raderas 24 månader efter" in body and "Integritetsskyddsmyndigheten" in body
    html = first.get_body(("html",)).get_content()
    assert 'class="privacy"' in html and "<h1" in html
    assert "Så hanterar" not in text_of(second)
    assert "How the Platform check-ins handle your information" in text_of(
        world.inbox(world.ben)[0])
