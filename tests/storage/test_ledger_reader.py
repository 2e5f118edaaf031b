"""The read-only ledger of ``mailer status``: it writes nothing, reads beside a writer, and
still reads when SQLite cannot create its shared-memory file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailer.errors import RecordError
from mailer.models import Prompt, Slot
from mailer.storage.ledger import Ledger
from tests.service.helpers import fill

DUE = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def prompt(email: str) -> Prompt:
    return Prompt(Slot("platform", email, "checkin", "2026-12-02"), f"<{email}>", email, "due",
                  DUE, "en")


def test_no_ledger_is_none_and_nothing_is_created(tmp_path: Path) -> None:
    assert Ledger.reader(tmp_path / "ledger.sqlite3") is None
    assert list(tmp_path.iterdir()) == []


def test_it_reads_beside_a_writer_and_refuses_to_write(tmp_path: Path) -> None:
    writer = Ledger.in_dir(tmp_path)
    writer.ensure([prompt("anna@example.com")])
    reader = Ledger.reader(writer.path)
    assert reader is not None
    writer.ensure([prompt("bo@example.com")])  # committed after the reader opened
    assert [p.slot.email for p in reader.pending()] == ["anna@example.com", "bo@example.com"]
    with pytest.raises(RecordError, match="readonly"):
        reader.ensure([prompt("cleo@example.com")])


def test_on_a_full_disk_without_a_running_service_it_still_reads(small_disk: Path) -> None:
    """No -shm file and no room to make one: SQLite's mode=ro fails ("disk I/O error",
    measured), so the reader falls back to immutable=1 and reads the checkpointed file."""
    writer = Ledger.in_dir(small_disk / "data")
    writer.ensure([prompt("anna@example.com")])
    writer.delete_older_than(DUE.replace(year=2020))  # checkpoints and empties the WAL
    assert not (small_disk / "data" / "ledger.sqlite3-shm").exists()
    fill(small_disk)
    reader = Ledger.reader(writer.path)
    assert reader is not None
    assert [p.slot.email for p in reader.pending()] == ["anna@example.com"]
