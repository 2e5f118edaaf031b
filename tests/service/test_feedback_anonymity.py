"""Issue 16's test: after a feedback round from 6 people through the real Dovecot, nothing the
service has (data folder, ledger, every mailbox folder, logs) links an answer to its author.

The attack (tests/service/linking_attack.py) reads everything the way an insider would; its
own tests below show that it does find a link when one is there, so "no claim" means something.
Against the code before issue 16 the same round gave 6 of 6 records linked, by the prompt's
Message-ID in the ledger, the originals in Checkins/Processed and the answer texts there.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import logging
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailer.models import ImapSettings, SmtpSettings
from mailer.outbound.samples import sample_config, sample_person, sample_team
from mailer.service import poll as poller
from mailer.service import send as jobs
from mailer.service.context import open_context
from tests.mailstack import MailStack, MailUser
from tests.service import linking_attack as attack
from tests.service.linking_attack import Evidence, LogLine

PEOPLE = [("Anna Berg", "sv", "Europe/Stockholm"), ("Ben Carter", "en", "Europe/London"),
          ("Chloe Ng", "en", "Australia/Sydney"), ("David Ek", "sv", "Europe/Stockholm"),
          ("Eva Lund", "sv", "Europe/Helsinki"), ("Farid Khan", "en", "America/New_York")]


def _reply(prompt_raw: bytes, sender: str, lines: list[str], *, message_id: str | None = None
           ) -> bytes:
    prompt = email.message_from_bytes(prompt_raw, policy=email.policy.default)
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = str(prompt["Reply-To"] or prompt["From"])
    reply["Subject"] = "Re: " + str(prompt["Subject"])
    reply["Message-ID"] = message_id or email.utils.make_msgid(domain="client.example")
    reply["In-Reply-To"] = str(prompt["Message-ID"])
    reply["References"] = str(prompt["Message-ID"])
    reply["Date"] = email.utils.format_datetime(datetime.now(UTC))
    reply.set_content("\n".join(f"{n}. {line}" for n, line in enumerate(lines, start=1)))
    return reply.as_bytes()


def _mailbox(stack: MailStack, user: MailUser) -> dict[str, list[bytes]]:
    """Every selectable folder of the service mailbox ("Checkins" itself holds none)."""
    folders = {}
    for name in stack.folders(user):
        try:
            folders[name] = stack.fetch(user, name)
        except Exception:  # noqa: BLE001 - a \Noselect parent folder
            continue
    return folders


def _files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


async def test_no_link_from_any_feedback_record_to_its_author(
        stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    service = stack.new_user("checkin")
    boxes = [stack.new_user(name.split()[0].lower()) for name, _, _ in PEOPLE]
    members = [sample_person(name, box.email, language=lang, timezone=tz)  # type: ignore[arg-type]
               for (name, lang, tz), box in zip(PEOPLE, boxes, strict=True)]
    team = sample_team(members=members, manager=sample_person("Lena Holm", "lena@x.test"))
    monkeypatch.setenv("MAILER_SECRET", "anonymity-secret-0123456789")
    monkeypatch.setenv("MAILER_TEST_SMTP_PASSWORD", stack.smtp_password)
    monkeypatch.setenv("MAILER_TEST_IMAP_PASSWORD", service.password)
    smtp = SmtpSettings(host=stack.host, port=stack.submission_port, security="starttls",
                        username=stack.smtp_user, password_env="MAILER_TEST_SMTP_PASSWORD",
                        from_address=service.email, from_name="Team check-in",
                        ca_file=stack.ca_file, timeout=10.0, max_attempts=2)
    imap = ImapSettings(host=stack.host, port=stack.imaps_port, security="tls",
                        username=service.email, password_env="MAILER_TEST_IMAP_PASSWORD",
                        ca_file=stack.ca_file)
    data = tmp_path / "data"
    ctx = open_context(replace(sample_config(data, teams=[team], smtp=smtp), imap=imap))
    # Tuesday 1 December 2026, 13:00 in each person's zone: six zones, six send times.
    for hour in range(24):
        await jobs.send_due(ctx, "feedback", now=datetime(2026, 12, 1, hour, 5, tzinfo=UTC))
    await jobs.send_due(ctx, "checkin", now=datetime(2026, 12, 2, 8, 5, tzinfo=UTC))
    author: dict[str, str] = {}  # a phrase only that person wrote -> their address
    message_ids: list[str] = []
    for n, (person, box) in enumerate(zip(members, boxes, strict=True)):
        prompts = {str(m["Subject"]): m.as_bytes() for m in map(
            lambda raw: email.message_from_bytes(raw, policy=email.policy.default),
            stack.fetch(box))}
        feedback = next(raw for subject, raw in prompts.items() if "eedback" in subject
                        or "terkoppling" in subject)
        phrase = f"the plans are clear, note number {n}"
        author[phrase] = person.email
        message_id = email.utils.make_msgid(domain="client.example")
        message_ids.append(message_id)
        stack.deliver(_reply(feedback, f"{person.name} <{box.email}>",
                             [phrase, f"more one-to-ones would help, {n} times over",
                              str(3 + n % 3)], message_id=message_id), service)
        if n == 0:  # Anna also answers a check-in: named mail beside the anonymous one
            checkin = next(raw for subject, raw in prompts.items() if "eedback" not in subject
                           and "terkoppling" not in subject)
            stack.deliver(_reply(checkin, f"{person.name} <{box.email}>",
                                 ["Pairing works", "Waiting for review", "4"]), service)
        await poller.poll_and_answer(ctx)  # one pass per reply, as IDLE gives
    # The same message again, and a second answer from Ben: neither is stored.
    first = members[0]
    stack.deliver(_reply(next(iter(stack.fetch(boxes[0]))), f"{first.name} <{boxes[0].email}>",
                         ["again"], message_id=message_ids[0]), service)
    ben_prompt = next(raw for raw in stack.fetch(boxes[1])
                      if b"eedback" in raw.split(b"\n\n")[0])
    stack.deliver(_reply(ben_prompt, f"Ben Carter <{boxes[1].email}>", ["second thoughts"]),
                  service)
    await poller.poll_and_answer(ctx)

    records = sorted((data / "records" / "platform" / "_feedback" / "2026-Q4").glob("*.yaml"))
    assert len(records) == 6
    logs = [LogLine(datetime.fromtimestamp(r.created, UTC), r.getMessage())
            for r in caplog.records]
    people = [attack.Person(p.email, p.name, p.language, p.timezone.key) for p in members]
    claims = attack.attack(Evidence(data, people, mailbox=_mailbox(stack, service), logs=logs))
    assert claims == []

    # What the attack could have used, checked directly as well.
    mailbox = _mailbox(stack, service)
    assert mailbox["INBOX"] == []
    everything = b"".join(raw for raws in mailbox.values() for raw in raws)
    assert not any(phrase.encode() in everything for phrase in author)  # originals deleted
    files = _files(data)
    ledger_bytes = b"".join(blob for path, blob in files.items() if "ledger" in path.name)
    assert not any(path.stem.encode() in ledger_bytes for path in records)  # ids are gone
    for message_id in message_ids:
        for form in (message_id, hashlib.sha1(message_id.encode()).hexdigest()):
            assert not any(form.encode() in blob for blob in files.values())
    assert [r.getMessage() for r in caplog.records].count("1 feedback reply recorded") == 6
    polled = [r.getMessage() for r in caplog.records if r.name.startswith("mailer.service.poll")]
    named = [t for t in polled for p in members if p.email in t or p.first_name in t]
    assert named == [f"recorded checkin reply from {members[0].email}"]  # the check-in only
    stamps = {path.stat().st_mtime for path in records}
    assert stamps == {datetime(2026, 10, 1, tzinfo=UTC).timestamp()}
    with sqlite3.connect(data / "ledger.sqlite3") as db:
        answered = sorted(row[0] for row in db.execute("SELECT email FROM feedback_answered"))
        assert answered == sorted(p.email for p in members)
        assert db.execute("SELECT COUNT(*) FROM feedback_seen WHERE record_id IS NOT NULL"
                          ).fetchone() == (0,)


# --------------------------------------------------------------------------- the attack bites


def _person(email_: str, name: str, language: str = "sv") -> attack.Person:
    return attack.Person(email_, name, language, "Europe/Stockholm")


def _old_style(data: Path, *, language: str = "sv") -> Path:
    """A record and ledger as the code before issue 16 left them."""
    folder = data / "records" / "platform" / "_feedback" / "2026-Q4"
    folder.mkdir(parents=True)
    path = folder / ("a" * 40 + ".yaml")
    path.write_text(f"""schema: 1
id: {"a" * 40}
team: platform
member: null
kind: feedback
slot: 2026-Q4
received_at: '2026-12-01T13:04:43+01:00'
language: {language}
prompt_message_id: <efylz2iaftebbhfu.feedback@example.com>
message_id: <3738337F@example.se>
answers:
  works: Du lyssnar och följer upp det vi tar upp.
text: '1. Du lyssnar och följer upp det vi tar upp.'
""", encoding="utf-8")
    with sqlite3.connect(data / "ledger.sqlite3") as db:
        db.execute("CREATE TABLE prompts (slot_key TEXT, team TEXT, email TEXT, kind TEXT,"
                   " period TEXT, message_id TEXT, sent_at TEXT)")
        db.executemany("INSERT INTO prompts VALUES (?,?,?,?,?,?,?)", [
            ("k1", "platform", "sofia@example.se", "feedback", "2026-Q4",
             "<efylz2iaftebbhfu.feedback@example.com>", "2026-12-01T10:00:00+01:00"),
            ("k2", "platform", "erik@example.se", "feedback", "2026-Q4",
             "<other.feedback@example.com>", "2026-12-01T10:00:00+01:00")])
    return path


def test_the_attack_names_the_author_through_the_prompt_message_id(tmp_path: Path) -> None:
    _old_style(tmp_path)
    people = [_person("sofia@example.se", "Sofia Nyström"), _person("erik@example.se", "Erik Holm")]
    claims = attack.attack(Evidence(tmp_path, people))
    assert {(c.person, c.how.split(" in ")[-1]) for c in claims} >= {
        ("sofia@example.se", "ledger prompts")}
    assert all(c.person == "sofia@example.se" for c in claims)


def test_the_attack_names_the_author_through_a_copy_in_the_mailbox(tmp_path: Path) -> None:
    _old_style(tmp_path)
    original = (b"From: Erik Holm <erik@example.se>\nMessage-ID: <x@y>\nSubject: Re\n"
                b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
                b"1. Du lyssnar och f\xc3\xb6ljer upp det vi tar upp.\n")
    people = [_person("erik@example.se", "Erik Holm"), _person("anna@example.se", "Anna Berg")]
    claims = attack.attack(Evidence(tmp_path, people, mailbox={"Processed": [original]}))
    assert ("erik@example.se", "answer text in Processed") in {(c.person, c.how) for c in claims}


def test_the_attack_names_the_author_by_time_and_by_language(tmp_path: Path) -> None:
    _old_style(tmp_path, language="en")
    at = datetime(2026, 12, 1, 12, 4, 43, tzinfo=UTC)
    people = [_person("sofia@example.se", "Sofia Nyström"),
              _person("erik@example.se", "Erik Holm", "en")]
    logs = [LogLine(at + timedelta(seconds=1), "receipt sent to erik@example.se")]
    claims = attack.attack(Evidence(tmp_path, people, logs=logs))
    hows = {(c.person, c.how.split(" within")[0]) for c in claims}
    assert ("erik@example.se", "record received_at") in hows
    assert ("erik@example.se", "only candidate left by language en") in hows


def test_people_are_not_named_by_what_every_record_shares(tmp_path: Path) -> None:
    """Files that all carry the quarter's start and one sweep's ctime are no evidence."""
    folder = tmp_path / "records" / "platform" / "_feedback" / "2026-Q4"
    folder.mkdir(parents=True)
    for n in range(3):
        (folder / f"{n:040x}.yaml").write_text(
            f"team: platform\nkind: feedback\nslot: 2026-Q4\nlanguage: sv\n"
            f"received_at: '2026-10-01T00:00:00+00:00'\nanswers:\n  works: answer {n}\n")
    people = [_person(f"p{n}@example.se", f"Person{n} X") for n in range(3)]
    assert attack.attack(Evidence(tmp_path, people, logs=[
        LogLine(datetime.now(UTC), "checkin reply from p1@example.se")])) == []
