"""A review batch through the real relay and Dovecot: each prompt quotes last month's answer,
costs one record read whatever the archive's age, and is rendered off the event loop."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from mailer.models import AnswerValue, Record
from mailer.service import send as jobs
from mailer.storage.store import PreviousAnswers, RecordStore
from tests.mailstack import MailStack
from tests.service.test_send import FAST, PASSWORD_ENV, SECRET, World, text_of

#: The first Monday of December, half a minute after 10:00 in Stockholm, then in London.
FIRST_MONDAY = {"anna": datetime(2026, 12, 7, 9, 0, 30, tzinfo=UTC),
                "ben": datetime(2026, 12, 7, 10, 0, 30, tzinfo=UTC)}


class ObservedStore(RecordStore):
    """The real store, noting how many records it reads and on which threads it answers."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.reads = 0
        self.threads: set[int] = set()

    def read(self, path: Path) -> Record:
        self.reads += 1
        return super().read(path)

    def read_answers(self, path: Path) -> Mapping[str, AnswerValue]:
        self.reads += 1
        return super().read_answers(path)

    def latest_answer(self, team: str, email: str, kind: str, *, before: str
                      ) -> PreviousAnswers | None:
        self.threads.add(threading.get_ident())
        return super().latest_answer(team, email, kind, before=before)


def _two_years_of_answers(store: RecordStore, email: str) -> None:
    n = 0
    for back in range(24, 0, -1):
        month = date(2026, 12, 1) - timedelta(days=30 * back)
        start = datetime(month.year, month.month, 2, 12, tzinfo=UTC)
        slot = f"{month.year:04d}-{month.month:02d}"
        for kind, period, answer in [("review", slot, f"Plan for {slot}"),
                                     *[("checkin", (start + timedelta(days=d)).date().isoformat(),
                                        "ok") for d in (0, 7, 14)]]:
            n += 1
            store.write(Record(id=f"{n:040x}", team="platform", member=email, kind=kind,  # type: ignore[arg-type]
                               slot=period, prompt_message_id=None, message_id=f"<{n}@x>",
                               received_at=start + timedelta(days=n % 20), matched_by="token",
                               language="sv", answers={"next_month": answer}, text=answer))


async def test_a_review_batch_reads_one_record_each_off_the_event_loop(
        stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILER_SECRET", SECRET)
    monkeypatch.setenv(PASSWORD_ENV, stack.smtp_password)
    world = World(stack, tmp_path / "data")
    store = ObservedStore(tmp_path / "data")
    ctx = dataclasses.replace(world.ctx, store=store)
    for person in (world.anna, world.ben):
        _two_years_of_answers(store, person.email)
    store.latest_answer("platform", world.anna.email, "review", before="2026-12")  # the index
    store.reads = 0
    store.threads.clear()
    for person in (world.anna, world.ben):
        now = FIRST_MONDAY[person.email.split("-")[0]]
        report = await jobs.send_due(ctx, "review", now=now, backoff=FAST, member=person.email)
        assert report.sent == 1
    # One record each; Ben's index was built from the first lines of his files, unparsed.
    assert store.reads == 2
    assert threading.get_ident() not in store.threads  # rendered in a worker thread
    for person in (world.anna, world.ben):
        [mail] = world.inbox(person)
        assert "Plan for 2026-11" in text_of(mail)
