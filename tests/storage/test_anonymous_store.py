"""Feedback files keep no time and no order: RecordStore.write_anonymous (issue 16)."""

from __future__ import annotations

import stat
import time
from datetime import UTC, datetime
from pathlib import Path

from mailer.models import Record
from mailer.storage.dedup import dedup_key, feedback_key
from mailer.storage.store import RecordStore

QUARTER = datetime(2026, 10, 1, tzinfo=UTC)


def feedback(n: int) -> Record:
    return Record(id=f"{n:040x}", team="platform", member=None, kind="feedback", slot="2026-Q4",
                  prompt_message_id=None, message_id=None, received_at=QUARTER, matched_by=None,
                  language="sv", answers={"works": f"svar {n}"}, text=f"svar {n}")


def test_every_write_rewrites_the_whole_quarter_with_the_quarters_times(tmp_path: Path) -> None:
    """Each write rewrites every file of the quarter (a new inode each, in a random order):
    neither inode numbers nor change times keep the order in which answers came."""
    store = RecordStore(tmp_path)
    before: dict[str, int] = {}
    for n in range(1, 7):
        started = time.time_ns()
        path, created = store.write_anonymous(feedback(n))
        assert created
        files = sorted(path.parent.glob("*.yaml"))
        after = {p.name: p.stat().st_ino for p in files}
        assert len(after) == n and all(after[name] != ino for name, ino in before.items())
        assert all(p.stat().st_ctime_ns >= started - 10_000_000 for p in files)  # this sweep
        before = after
        assert {p.stat().st_mtime for p in files} == {QUARTER.timestamp()}
        assert {p.stat().st_atime for p in files} == {QUARTER.timestamp()}
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
        assert not list(path.parent.glob(".*"))  # no temporary file left behind
    assert sorted(store.read(p).answers["works"] for p in files) == [f"svar {n}" for n in
                                                                     range(1, 7)]
    again, created = store.write_anonymous(feedback(3))  # a rerun after a crash: no second file
    assert not created and len(list(again.parent.glob("*.yaml"))) == 6


def test_the_dedup_key_is_made_once_private_and_keys_the_hash(tmp_path: Path) -> None:
    key = dedup_key(tmp_path)
    assert dedup_key(tmp_path) == key and len(key) == 32
    assert stat.S_IMODE((tmp_path / "dedup.key").stat().st_mode) == 0o600
    assert feedback_key(key, "abc") == feedback_key(key, "abc") != feedback_key(b"x" * 32, "abc")
