"""IMAP faults on the real loopback Dovecot, through ``poller.poll_once`` / ``poll_forever``.

Faults are real: Dovecot restarted under a live session, a refused login, folders missing
or deleted and made again (new UIDVALIDITY), a second IMAP session expunging a message
the poller has just listed. Outcomes are read back from the data_dir (records, the
ledger's inbound table) and from the Dovecot folders: every reply recorded exactly once,
each message filed once, and the poller recovering by itself.

The whole matrix: fault -> outcome, then the test ("tests/..." is a test elsewhere).

Dovecot restarted during IDLE -> poll_forever reconnects, the next reply is recorded
    tests/service/test_poller.py::test_poll_forever_idles_and_records_within_seconds
Dovecot restarted mid-batch (in a fetch or move) -> poll_forever reconnects by itself;
every reply recorded once, each message filed once
    test_dovecot_restarted_mid_batch_loses_and_duplicates_nothing
kill -9 of the poller mid-batch -> the rerun loses nothing, doubles nothing
    tests/service/test_poller.py::test_kill_9_during_poll_once_loses_and_duplicates_nothing
login refused -> one clear MailboxError; nothing moved or created, no record
    test_a_refused_login_is_one_clear_error_and_touches_nothing
processed/quarantine folders missing -> created, then used
    test_missing_processed_and_quarantine_folders_are_created
configured imap.folder missing -> one MailboxError naming imap.folder; nothing moved
    test_a_missing_configured_folder_is_a_clear_error
UIDVALIDITY change between passes (folder deleted, made again, same messages appended)
-> everything read again, nothing doubled
    tests/service/test_poller.py::test_uidvalidity_change_on_dovecot_reads_again_without_duplicates
the same under a live poll_forever session -> a new session, read again; nothing lost
or doubled, no busy loop
    test_folder_recreated_under_a_live_session_reads_again_without_duplicates
message expunged by another session between listing and fetch -> the others recorded,
no error, nothing doubled, the next pass finds nothing
    test_a_message_expunged_by_another_session_mid_batch
certificate not trusted -> MailboxError, nothing touched
    tests/service/test_poller.py::test_starttls_works_and_an_untrusted_certificate_is_refused,
    tests/test_security.py::test_imaps_verifies_the_certificate_unless_ca_file_trusts_it
a bug on one message -> that one stays in the inbox, the others go on
    tests/service/test_poller.py::test_fake_a_bug_on_one_message_does_not_stop_the_others
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mailer.config.secrets import imap_password
from mailer.errors import MailboxError
from mailer.inbound.imap import ImapInbox
from mailer.service import poll as poller
from mailer.service.poll import poll_once
from tests.helpers_faults import DUE, IMAP_ENV, Team, folder, message_ids, reply
from tests.mailstack import MailStack

AFTER = DUE.replace(hour=10)  # "now" for the decisions: an hour after the prompts went out


def now() -> Any:
    return AFTER


@pytest.fixture
def team(stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    # No receipts: these tests are about the inbox side (receipts: tests/test_security.py).
    return Team(stack, tmp_path / "data", monkeypatch, size=2, confirmations=False)


def replies(team: Team, count: int, *, tag: str = "r") -> list[bytes]:
    """``count`` distinct genuine replies of the first member to their check-in."""
    person = team.people[0]
    prompt = team.ctx.ledger.get(f"checkin:{team.team.name}:{person.email}:2026-12-02") \
        or team.add_prompt(person)
    return [reply(prompt, person.email, f"1. Pairing went well ({n})\n2. None\n3. 4",
                  message_id=f"<{tag}{n}@client.example>") for n in range(count)]


def append(stack: MailStack, team: Team, raws: list[bytes], where: str = "INBOX") -> None:
    with stack.mailbox(team.service) as box:
        for raw in raws:
            box.append(raw, where)


def assert_recorded_once(team: Team, raws: list[bytes]) -> None:
    """One record per reply, one inbound row per reply: nothing lost, nothing doubled."""
    assert sorted(r.message_id for r in team.records()) == message_ids(raws)
    assert team.ctx.ledger.inbound_counts() == {"record": len(raws)}


async def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {seconds} s"
        await asyncio.sleep(0.02)


async def test_dovecot_restarted_mid_batch_loses_and_duplicates_nothing(
        stack: MailStack, team: Team, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """poll_forever on 80 replies; Dovecot is restarted once 5 records are on disk."""
    total = 80
    raws = replies(team, total)
    append(stack, team, raws)
    records = team.ctx.store.root
    seen: dict[str, int] = {}
    # A slow disk (25 ms a record), so that the batch outlasts the second Dovecot takes to
    # stop: without it all 80 were handled before the old session died.
    write = team.ctx.store.write
    monkeypatch.setattr(team.ctx.store, "write", lambda r: (time.sleep(0.025), write(r))[1])

    def restart_after_five_records() -> None:
        deadline = time.monotonic() + 20
        while len(list(records.rglob("*.yaml"))) < 5 and time.monotonic() < deadline:
            time.sleep(0.002)
        seen["at_restart"] = len(list(records.rglob("*.yaml")))
        stack.restart_dovecot()  # stop() returns once the old session's processes are dead
        seen["after_restart"] = len(list(records.rglob("*.yaml")))

    restarter = threading.Thread(target=restart_after_five_records)
    restarter.start()
    stop = asyncio.Event()
    caplog.set_level(logging.WARNING, logger="mailer.service.poll")
    task = asyncio.create_task(poller.poll_forever(team.ctx, stop, now_fn=now))
    try:
        # ~3 s (80 records at 25 ms, plus the restart); 80 s is the runaway bound.
        await wait_for(lambda: len(team.records()) >= total, 80, "every reply recorded")
        await asyncio.to_thread(restarter.join)
        await wait_for(lambda: not folder(stack, team.service, "INBOX"), 20, "the inbox emptied")
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert 5 <= seen["at_restart"] and seen["after_restart"] < total, \
        f"the restart did not land mid-batch: {seen}"
    ended = [r.getMessage() for r in caplog.records if "IMAP session ended" in r.getMessage()]
    # The old session died with records written and their MOVE not done (or in a FETCH):
    # the new session reads those again and files them as already handled.
    assert ended and all("IDLE" not in line for line in ended), ended
    assert_recorded_once(team, raws)
    assert message_ids(folder(stack, team.service, "Checkins/Processed")) == message_ids(raws)


def test_a_refused_login_is_one_clear_error_and_touches_nothing(
        stack: MailStack, team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    raws = replies(team, 2)
    append(stack, team, raws)
    monkeypatch.setenv(IMAP_ENV, "not-the-password")
    with pytest.raises(MailboxError, match=r"^IMAP login failed: .*AUTHENTICATIONFAILED"):
        poll_once(team.ctx, now)
    assert stack.folders(team.service) == ["INBOX"]  # nothing created, nothing moved
    assert message_ids(folder(stack, team.service, "INBOX")) == message_ids(raws)
    assert team.records() == [] and team.ctx.ledger.inbound_counts() == {}
    assert team.ctx.ledger.get_state("last_poll") is None



async def test_a_refused_login_under_poll_forever_is_not_retried_quickly(
        stack: MailStack, team: Team, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """Unlike a dropped connection (backoff from 1 s), a refused login waits
    AUTH_RETRY_SECONDS: a server may lock an account that fails to log in every minute."""
    monkeypatch.setenv(IMAP_ENV, "not-the-password")
    attempts: list[float] = []
    real_open = ImapInbox.open

    def counting_open(*args: Any, **kwargs: Any) -> ImapInbox:
        attempts.append(time.monotonic())
        return real_open(*args, **kwargs)

    monkeypatch.setattr(ImapInbox, "open", counting_open)
    stop = asyncio.Event()
    task = asyncio.create_task(poller.poll_forever(team.ctx, stop))
    await asyncio.sleep(3.5)  # a transient error would have been retried 2-3 times by now
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert len(attempts) == 1
    assert any(r.levelno == logging.ERROR and "IMAP password" in r.getMessage()
               for r in caplog.records)

def test_missing_processed_and_quarantine_folders_are_created(stack: MailStack,
                                                              team: Team) -> None:
    genuine = replies(team, 1)
    stranger = reply(None, "Stranger <who@nowhere.example>", "Hello?", subject="Hi")
    append(stack, team, [*genuine, stranger])
    assert stack.folders(team.service) == ["INBOX"]
    report = poll_once(team.ctx, now)
    assert report.outcomes == {"record": 1, "quarantine": 1}
    assert {"Checkins.Processed", "Checkins.Quarantine"} <= set(stack.folders(team.service))
    assert message_ids(folder(stack, team.service, "Checkins/Processed")) == message_ids(genuine)
    assert message_ids(folder(stack, team.service, "Checkins/Quarantine")) == message_ids(
        [stranger])
    assert folder(stack, team.service, "INBOX") == []


def test_a_missing_configured_folder_is_a_clear_error(stack: MailStack, team: Team) -> None:
    raws = replies(team, 1)
    append(stack, team, raws)
    team.reconfigure(imap={"folder": "Checkins/Incoming"})
    with pytest.raises(MailboxError,
                       match=r"^IMAP select of imap.folder 'Checkins/Incoming' failed: .*exist"):
        poll_once(team.ctx, now)
    assert message_ids(folder(stack, team.service, "INBOX")) == message_ids(raws)
    assert team.records() == [] and team.ctx.ledger.inbound_counts() == {}


async def test_folder_recreated_under_a_live_session_reads_again_without_duplicates(
        stack: MailStack, team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dovecot may answer every IDLE on the replaced folder with "* NO Internal error" at
    once, forever: the poller must start a new session, not spin (it listed the folder
    hundreds of times a second and never saw the new messages before the fix)."""
    team.reconfigure(imap={"folder": "Incoming"})
    listings = []
    listed = ImapInbox.envelopes

    def counted(self: ImapInbox, *, after_uid: int) -> Any:
        listings.append(after_uid)
        return listed(self, after_uid=after_uid)

    monkeypatch.setattr(ImapInbox, "envelopes", counted)
    raws = replies(team, 3)
    with stack.mailbox(team.service) as box:
        box.folder.create("Incoming")
    append(stack, team, raws[:2], "Incoming")
    stop = asyncio.Event()
    task = asyncio.create_task(poller.poll_forever(team.ctx, stop, now_fn=now))
    try:
        await wait_for(lambda: len(team.records()) == 2, 20, "the first two replies")
        before = team.ctx.ledger.get_state("imap.uidvalidity:Incoming")

        def restore_from_backup() -> None:  # a migration: same messages, new UIDVALIDITY
            with stack.mailbox(team.service) as box:
                box.folder.delete("Incoming")
                box.folder.create("Incoming")
                for raw in raws:
                    box.append(raw, "Incoming")

        await asyncio.to_thread(restore_from_backup)
        await wait_for(lambda: len(team.records()) == 3, 20, "the third reply after the reset")
        await wait_for(lambda: not folder(stack, team.service, "Incoming"), 20, "Incoming emptied")
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert team.ctx.ledger.get_state("imap.uidvalidity:Incoming") != before
    assert len(listings) < 10, f"the poller spun: {len(listings)} listings"
    assert_recorded_once(team, raws)


def test_a_message_expunged_by_another_session_mid_batch(stack: MailStack, team: Team) -> None:
    raws = replies(team, 5)
    append(stack, team, raws)
    inbox = ImapInbox.open(team.ctx.config.imap, imap_password(team.ctx.config.imap))
    listed = inbox.envelopes

    def envelopes_then_someone_deletes_uid_3(*, after_uid: int) -> Any:
        found = listed(after_uid=after_uid)
        with stack.mailbox(team.service) as other:  # another client, another session
            other.delete(["3"])  # STORE \\Deleted + EXPUNGE
        return found

    inbox.envelopes = envelopes_then_someone_deletes_uid_3  # type: ignore[method-assign]
    try:
        report = poll_once(team.ctx, now, inbox=inbox)
    finally:
        inbox.close()
    assert report.seen == 5 and report.errors == 0 and report.duplicates == 0
    kept = raws[:2] + raws[3:]
    assert report.outcomes == {"record": 4}
    assert_recorded_once(team, kept)
    assert message_ids(folder(stack, team.service, "Checkins/Processed")) == message_ids(kept)
    assert folder(stack, team.service, "INBOX") == []
    again = poll_once(team.ctx, now)
    assert (again.seen, again.duplicates) == (0, 0) and len(team.records()) == 4


async def test_without_idle_the_poller_polls_every_poll_seconds(
        stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server without IDLE (RFC 2177 is an extension): the session waits
    ``imap.poll_seconds`` between passes, and a reply delivered meanwhile is recorded on the
    next pass. Dovecot always offers IDLE, so the session is told it does not."""
    team = Team(stack, tmp_path / "data", monkeypatch, size=1, confirmations=False,
                imap={"poll_seconds": 1})
    real_open = ImapInbox.open
    sessions: list[ImapInbox] = []

    def without_idle(*args: Any, **kwargs: Any) -> ImapInbox:
        inbox = real_open(*args, **kwargs)
        inbox.idle_supported = False
        sessions.append(inbox)
        return inbox

    monkeypatch.setattr(ImapInbox, "open", without_idle)
    stop = asyncio.Event()
    task = asyncio.create_task(poller.poll_forever(team.ctx, stop, now_fn=now))
    await wait_for(lambda: team.ctx.ledger.get_state("last_poll") is not None, 20, "a first pass")
    raws = replies(team, 2)
    for raw in raws:  # delivered while the session sleeps, not idles
        stack.deliver(raw, team.service)
    started = time.monotonic()
    await wait_for(lambda: len(team.records()) == 2, 20, "both replies recorded")
    took = time.monotonic() - started
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    # One poll interval (1 s) plus the work took 0.97 s; 20x that still tells it from the
    # 60 s default interval, and a busy machine cannot fail it.
    assert len(sessions) == 1 and took < 20
    assert_recorded_once(team, raws)
