"""The latest answers index: a review reads one record, whatever the archive's age; the index
stays right across a missing index (an archive from before it), a crash between a record and
its entry, retention, and it holds no answer text."""

from __future__ import annotations

import dataclasses
import json
import stat
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.models import AnswerValue, Record
from mailer.storage import answer_index
from mailer.storage.records import (
    dump_record,
    head_fields,
    load_answers,
    load_record,
    record_to_dict,
)
from mailer.storage.store import RecordStore

EMAIL = "anna@example.com"


def record(kind: str, slot: str, received: datetime, answer: str, n: int) -> Record:
    return Record(id=f"{n:040x}", team="platform", member=EMAIL, kind=kind,  # type: ignore[arg-type]
                  slot=slot, prompt_message_id=None, message_id=f"<{n}@x>", received_at=received,
                  matched_by="token", language="sv", answers={"next_month": answer}, text=answer)


def archive(store: RecordStore, months: int) -> None:
    """``months`` months of one review and four check-ins each, ending November 2026."""
    n = 0
    for back in range(months, 0, -1):
        year, month = divmod(2026 * 12 + 11 - back, 12)
        start = datetime(year, month + 1, 1, tzinfo=UTC)
        slot = f"{start.year:04d}-{start.month:02d}"
        n += 1
        store.write(record("review", slot, start + timedelta(days=3), f"plan {slot}", n))
        for week in range(4):
            n += 1
            store.write(record("checkin", (start + timedelta(days=7 * week)).date().isoformat(),
                               start + timedelta(days=7 * week, hours=9), "ok", n))


def latest_slot(store: RecordStore, before: str) -> str | None:
    found = store.latest_answer("platform", EMAIL, "review", before=before)
    return None if found is None else found.slot


class CountingStore(RecordStore):
    """Counts record reads, whole or answers only: the cost of a review in operations."""

    reads = 0

    def read(self, path: Path) -> Record:
        self.reads += 1
        return super().read(path)

    def read_answers(self, path: Path) -> Mapping[str, AnswerValue]:
        self.reads += 1
        return super().read_answers(path)


@pytest.mark.parametrize("months", [1, 24])
def test_a_review_reads_one_record_whatever_the_archives_age(tmp_path: Path, months: int) -> None:
    archive(RecordStore(tmp_path), months)
    store = CountingStore(tmp_path)
    store.latest_answer("platform", EMAIL, "review", before="2026-12")  # builds the index
    store.reads = 0
    found = store.latest_answer("platform", EMAIL, "review", before="2026-12")
    assert found is not None and found.slot == "2026-11" and found.answers == {
        "next_month": "plan 2026-11"}
    assert store.reads == 1


def test_an_archive_without_an_index_is_indexed_once_reading_only_the_indexed_kinds(
        tmp_path: Path) -> None:
    archive(RecordStore(tmp_path), 6)
    person = next((tmp_path / "records" / "platform").iterdir())
    assert not (person / answer_index.INDEX_NAME).exists()  # writes never start an index
    store = CountingStore(tmp_path)
    assert latest_slot(store, "2026-10") == "2026-09"
    assert store.reads == 1  # the index is built from the files' first lines, no YAML load
    index = person / answer_index.INDEX_NAME
    assert stat.S_IMODE(index.stat().st_mode) == 0o600
    text = index.read_text()
    assert "plan" not in text and "ok" not in text  # pointers only, never answers
    assert [e[0] for e in json.loads(text)["kinds"]["review"]] == [
        "2026-11", "2026-10", "2026-09", "2026-08"]


def test_a_record_in_another_yaml_shape_is_loaded_whole_by_the_rebuild(tmp_path: Path) -> None:
    store = RecordStore(tmp_path)
    odd = record("review", "2026-10", datetime(2026, 10, 2, tzinfo=UTC), "hand edited", 1)
    path = store.path_for(odd)
    path.parent.mkdir(parents=True)
    # Flow style, as a person editing the file by hand might leave it: no top-level lines.
    path.write_text(yaml.safe_dump(record_to_dict(odd), default_flow_style=True), "utf-8")
    found = store.latest_answer("platform", EMAIL, "review", before="2026-11")
    assert found is not None and found.answers == {"next_month": "hand edited"}


def test_a_record_written_when_there_is_no_index_is_found_by_the_rebuild(tmp_path: Path) -> None:
    store = RecordStore(tmp_path)
    store.write(record("review", "2026-10", datetime(2026, 10, 2, tzinfo=UTC), "first", 1))
    assert not list((tmp_path / "records").rglob(answer_index.INDEX_NAME))
    found = store.latest_answer("platform", EMAIL, "review", before="2026-11")
    assert found is not None and found.answers["next_month"] == "first"
    store.write(record("review", "2026-11", datetime(2026, 11, 2, tzinfo=UTC), "second", 2))
    found = store.latest_answer("platform", EMAIL, "review", before="2026-12")
    assert found is not None and found.answers["next_month"] == "second"


def test_a_crash_between_record_and_entry_is_healed_by_the_retry(tmp_path: Path) -> None:
    store = RecordStore(tmp_path)
    store.write(record("review", "2026-10", datetime(2026, 10, 2, tzinfo=UTC), "old", 1))
    store.latest_answer("platform", EMAIL, "review", before="2026-11")  # the index exists now
    late = record("review", "2026-11", datetime(2026, 11, 2, tzinfo=UTC), "new", 2)
    person = store.path_for(late).parent.parent
    saved = (person / answer_index.INDEX_NAME).read_bytes()
    store.write(late)
    (person / answer_index.INDEX_NAME).write_bytes(saved)  # as if killed before the entry
    assert latest_slot(store, "2026-12") == "2026-10"
    assert store.write(late) == (store.path_for(late), False)  # the poller's retry
    assert latest_slot(store, "2026-12") == "2026-11"


def test_a_removed_record_takes_its_entry_and_the_last_one_the_index(tmp_path: Path) -> None:
    store = RecordStore(tmp_path)
    archive(store, 3)
    assert latest_slot(store, "2026-12") == "2026-11"  # builds the index
    person = next((tmp_path / "records" / "platform").iterdir())
    index = person / answer_index.INDEX_NAME
    path = person / json.loads(index.read_text())["kinds"]["review"][0][2]
    assert path.is_file()
    store.remove(path)  # as retention or forget does
    assert path.name not in index.read_text()  # no pointer outlives its record
    assert latest_slot(store, "2026-12") == "2026-10"
    for folder, _start, _end in list(store.period_folders()):
        store.remove_folder(folder)
    assert not index.exists() and not index.parent.exists()


def test_older_than_the_index_keeps_falls_back_to_reading_the_folder(tmp_path: Path) -> None:
    store = RecordStore(tmp_path)
    archive(store, 8)
    assert latest_slot(store, "2026-05") == "2026-04"


def test_nobody_and_unsafe_names_have_no_answers(tmp_path: Path) -> None:
    store = RecordStore(tmp_path)
    assert store.latest_answer("platform", EMAIL, "review", before="2026-12") is None
    assert store.latest_answer("../etc", EMAIL, "review", before="2026-12") is None
    with pytest.raises(ValueError, match="not indexed"):
        store.latest_answer("platform", EMAIL, "checkin", before="2026-12-01")


@settings(max_examples=200, deadline=None)
@given(text=st.text(), answer=st.text(), member=st.sampled_from([EMAIL, "x'y@example.com"]))
def test_the_head_of_a_dumped_record_names_its_kind_slot_and_time(text: str, answer: str,
                                                                   member: str) -> None:
    # Whatever the reply says (even "kind: checkin" on a line of its own), the first lines of
    # the file give the record's own kind, slot and time of receipt, or fewer keys.
    base = record("review", "2026-11", datetime(2026, 11, 3, 9, 30, tzinfo=UTC), answer, 1)
    dumped = dump_record(dataclasses.replace(base, member=member, text=f"kind: checkin\n{text}"))
    head = head_fields(dumped.encode("utf-8")[:1024])
    assert head == {"kind": "review", "slot": "2026-11",
                    "received_at": "2026-11-03T09:30:00+00:00"}


@settings(max_examples=200, deadline=None)
@given(answers=st.dictionaries(st.text(min_size=1), st.one_of(st.text(), st.integers(0, 9))),
       text=st.text())
def test_the_answers_alone_read_back_as_a_whole_load_does(answers: dict[str, str | int],
                                                          text: str) -> None:
    base = record("review", "2026-11", datetime(2026, 11, 3, tzinfo=UTC), "x", 1)
    dumped = dump_record(dataclasses.replace(base, answers=answers, text=f"answers:\n{text}"))
    assert load_answers(dumped) == load_record(dumped).answers == answers


def test_answers_of_a_record_in_another_shape_come_from_a_whole_load() -> None:
    odd = record("review", "2026-10", datetime(2026, 10, 2, tzinfo=UTC), "hand edited", 1)
    flow = yaml.safe_dump(record_to_dict(odd), default_flow_style=True)
    assert load_answers(flow) == {"next_month": "hand edited"}
