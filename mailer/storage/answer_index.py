"""The latest answers index: which records hold a person's latest reviews and reflections.

A review or reflection prompt shows the person what they answered last time. Finding that by
reading the person's archive (every month folder, a YAML load per file) costs more the older
the archive is; this index makes it one small read and one record read, whatever the age.

One file per person folder, ``records/<team>/<member-dir>/.latest.json``, holding for each
indexed kind the newest :data:`KEEP` entries ``[slot, received_at, relative path]``: pointers
only, never answer text: removing a record removes its entry, a folder left with nothing but
the index goes with it, and ``forget`` removes the folder with the index in it. It is 0600
like every data file, and a dot file, so exports and the record scans never take it for a
record.

It is a cache that can always be rebuilt from the records, and is kept correct this way:

1. a record is written first, then its entry (under an exclusive ``flock`` on the person
   folder, which serialises writers and rebuilds across processes);
2. a record written while the folder has no index adds nothing: the rebuild that the next
   reader runs (under the same lock) scans the folder and sees it;
3. a crash between 1 and its entry leaves the reply unacknowledged on the IMAP server (the
   poller acknowledges after the ledger row, which comes after this), so the retry writes the
   same record again, finds it present, and adds the entry then.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mailer.kinds import KINDS
from mailer.models import Record
from mailer.storage import durable

INDEX_NAME = ".latest.json"
#: Kinds whose prompts quote the previous answers (check-ins would rewrite it daily for nothing).
INDEXED_KINDS = tuple(kind.name for kind in KINDS.values() if kind.quotes_previous)
KEEP = 4  # the newest few per kind: one earlier than the slot being sent is all a prompt needs
_VERSION = 1

Entry = tuple[str, str, str]  # (slot, received_at ISO, path relative to the person folder)


def entry_of(record: Record, path: Path, person_dir: Path) -> Entry:
    return (record.slot, record.received_at.isoformat(), path.relative_to(person_dir).as_posix())


def parse(text: str) -> dict[str, list[Entry]] | None:
    """The entries of an index file, or None when it is not one (then it is rebuilt)."""
    try:
        data: Any = json.loads(text)
        if data.get("version") != _VERSION:
            return None
        return {kind: [(str(e[0]), str(e[1]), str(e[2])) for e in entries]
                for kind, entries in data["kinds"].items()}
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


def dump(entries: dict[str, list[Entry]]) -> bytes:
    kinds = {kind: [list(e) for e in _newest(found)] for kind, found in sorted(entries.items())}
    return json.dumps({"version": _VERSION, "kinds": kinds}, indent=1).encode("utf-8")


def _newest(entries: list[Entry]) -> list[Entry]:
    return sorted(set(entries), reverse=True)[:KEEP]


def truncated(entries: dict[str, list[Entry]], kind: str) -> bool:
    """Whether older entries of ``kind`` may exist than the index holds."""
    return len(entries.get(kind, [])) >= KEEP


@contextmanager
def locked(person_dir: Path) -> Iterator[None]:
    """An exclusive lock on the person folder, across threads and processes (``flock``)."""
    fd = os.open(person_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def read(person_dir: Path) -> dict[str, list[Entry]] | None:
    """The index as it is on disk (no lock: it is only ever replaced atomically)."""
    try:
        text = (person_dir / INDEX_NAME).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return parse(text)


def add(person_dir: Path, entry: Entry, kind: str) -> None:
    """Add one entry, if the folder has an index (else the next reader's rebuild finds it).

    :raises OSError: the index could not be rewritten (it is removed then, if it can be, so
        that it is rebuilt instead of being read stale).
    """
    with locked(person_dir):
        entries = read(person_dir)
        if entries is None:
            return
        if entry in entries.get(kind, []):
            return
        entries.setdefault(kind, []).append(entry)
        try:
            durable.replace(person_dir / INDEX_NAME, dump(entries))
        except OSError:
            (person_dir / INDEX_NAME).unlink(missing_ok=True)
            raise


def drop(person_dir: Path, relative: str) -> None:
    """Remove the entry of a record that is gone (retention, forget): no pointer outlives it.

    Retention removes the oldest records first and the index keeps the newest, so this rarely
    changes anything; when it does, what is left is still the newest of what exists.
    """
    if not (person_dir / INDEX_NAME).exists():
        return
    with locked(person_dir):
        entries = read(person_dir)
        if entries is None:
            return
        kept = {kind: [e for e in found if e[2] != relative] for kind, found in entries.items()}
        if kept != entries:
            durable.replace(person_dir / INDEX_NAME, dump(kept))


def rebuild(person_dir: Path, scan: Callable[[], Iterator[tuple[str, Entry]]]
            ) -> dict[str, list[Entry]]:
    """Build the index from ``scan``'s (kind, entry) of every record of the folder and write
    it (under the lock)."""
    with locked(person_dir):
        entries = read(person_dir)
        if entries is not None:  # another process built it while we waited
            return entries
        entries = {kind: [] for kind in INDEXED_KINDS}
        for kind, entry in scan():
            if kind in INDEXED_KINDS:
                entries[kind].append(entry)
        entries = {kind: _newest(found) for kind, found in entries.items()}
        durable.replace(person_dir / INDEX_NAME, dump(entries))
        return entries
