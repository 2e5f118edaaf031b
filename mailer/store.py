"""The record store: atomic, private YAML files under ``data_dir/records``. No business rules.

Layout, so that a week of one team is read without touching the rest of the archive::

    records/<team>/<member-dir>/<YYYY-MM>/<id>.yaml     answers of one person (month of receipt, UTC)
    records/<team>/_feedback/<YYYY-Qn>/<id>.yaml         leadership feedback: no identity at all

``<member-dir>`` is :func:`mailer.models.member_dirname` (slug + hash: never a path separator,
never ``..``). Files are 0600, folders 0700; a record is written to a temporary file, fsynced,
hard-linked into place (which never overwrites) and the folder fsynced.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from mailer.errors import RecordError
from mailer.models import Record, member_dirname
from mailer.records import dump_record, load_record

FEEDBACK_DIR = "_feedback"
_SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SAFE_ID = re.compile(r"^[0-9a-f]{40}$")


def _months(since: datetime, until: datetime) -> list[str]:
    start = since.astimezone(timezone.utc)
    end = until.astimezone(timezone.utc)
    year, month, names = start.year, start.month, []
    while (year, month) <= (end.year, end.month):
        names.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return names


def _quarter(received_at: datetime) -> str:
    at = received_at.astimezone(timezone.utc)
    return f"{at.year:04d}-Q{(at.month - 1) // 3 + 1}"


class RecordStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "records"

    def path_for(self, record: Record) -> Path:
        """Where a record lives; refuses anything that could step outside the store."""
        if not _SAFE_NAME.match(record.team) or not _SAFE_ID.match(record.id):
            raise RecordError(f"unsafe record team or id: {record.team!r} {record.id!r}")
        team_dir = self.root / record.team
        if record.member is None:
            return team_dir / FEEDBACK_DIR / _quarter(record.received_at) / f"{record.id}.yaml"
        month = record.received_at.astimezone(timezone.utc).strftime("%Y-%m")
        return team_dir / member_dirname(record.member) / month / f"{record.id}.yaml"

    def exists(self, record: Record) -> bool:
        return self.path_for(record).exists()

    def write(self, record: Record) -> tuple[Path, bool]:
        """Write durably; returns (path, created). An existing record is never overwritten."""
        path = self.path_for(record)
        if path.exists():
            return path, False
        try:
            _mkdirs(path.parent)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, dump_record(record).encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)
                created = True
            except FileExistsError:
                created = False
            finally:
                os.unlink(tmp)
            _fsync_dir(path.parent)
            return path, created
        except OSError as exc:
            raise RecordError(f"cannot write record {path}: {exc.strerror}") from exc

    def read(self, path: Path) -> Record:
        try:
            return load_record(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise RecordError(f"cannot read record {path}: {exc.strerror}") from exc

    def team_records(self, team: str, *, since: datetime, until: datetime) -> Iterator[Record]:
        """Every record of a team received in ``[since, until)``; reads only those months."""
        team_dir = self.root / team
        if not _SAFE_NAME.match(team) or not team_dir.is_dir():
            return
        months = _months(since, until)
        quarters = sorted({f"{m[:4]}-Q{(int(m[5:]) - 1) // 3 + 1}" for m in months})
        for member_dir in sorted(team_dir.iterdir()):
            names = quarters if member_dir.name == FEEDBACK_DIR else months
            for name in names:
                for path in sorted((member_dir / name).glob("*.yaml")):
                    record = self.read(path)
                    if since <= record.received_at < until:
                        yield record

    def member_paths(self, team: str, email: str) -> list[Path]:
        person = self.root / team / member_dirname(email)
        return sorted(person.rglob("*.yaml")) if person.is_dir() else []


def _mkdirs(folder: Path) -> None:
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)
        _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
