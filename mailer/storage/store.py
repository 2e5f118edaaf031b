"""The record store: atomic, private YAML files under ``data_dir/records``. No business rules.

Layout, so that a week of one team is read without touching the rest of the archive::

    records/<team>/<member-dir>/<YYYY-MM>/<id>.yaml     one person's answers (month received, UTC)
    records/<team>/_feedback/<YYYY-Qn>/<id>.yaml         leadership feedback: no identity at all

Feedback files also keep no time and no order (:meth:`RecordStore.write_anonymous`).

``<member-dir>`` is :func:`mailer.models.member_dirname` (slug + hash: never a path separator,
never ``..``). Files are 0600, folders 0700; a record is written to a temporary file, fsynced,
hard-linked into place (which never overwrites) and the folder fsynced.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from mailer.errors import RecordError
from mailer.models import Record, member_dirname
from mailer.storage import durable
from mailer.storage.records import dump_record, load_record

FEEDBACK_DIR = "_feedback"
_SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\Z")
_SAFE_ID = re.compile(r"^[0-9a-f]{40}\Z")
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})\Z")
_QUARTER = re.compile(r"^([0-9]{4})-Q([1-4])\Z")


def _months(since: datetime, until: datetime) -> list[str]:
    start = since.astimezone(UTC)
    end = until.astimezone(UTC)
    year, month, names = start.year, start.month, []
    while (year, month) <= (end.year, end.month):
        names.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return names


def _quarter(received_at: datetime) -> str:
    at = received_at.astimezone(UTC)
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
        month = record.received_at.astimezone(UTC).strftime("%Y-%m")
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
            return path, durable.create(path, dump_record(record).encode("utf-8"))
        except OSError as exc:
            raise RecordError(f"cannot write record {path}: {exc.strerror}") from exc

    def write_anonymous(self, record: Record) -> tuple[Path, bool]:
        """Write a feedback record so that the folder does not tell when, or in which order,
        its records came: after the write, every record of the quarter is rewritten in a
        random order (temp file, fsync, ``os.replace``: a new inode each, so inode numbers are
        shuffled too) and its access and modification times set to the quarter's start. Their
        change times (which no one can set) then all fall within this one sweep, again in a
        random order. A quarter holds one record per person, so the sweep stays small.
        Returns (path, created) as :meth:`write` does; a rerun still sweeps.
        """
        path, created = self.write(record)
        start = record.received_at.timestamp()
        files = [p for p in path.parent.glob("*.yaml") if p.is_file() and not p.is_symlink()]
        random.SystemRandom().shuffle(files)
        try:
            for each in files:
                durable.replace(each, each.read_bytes())
                os.utime(each, (start, start), follow_symlinks=False)
            durable.fsync_dir(path.parent)
        except OSError as exc:
            raise RecordError(f"cannot rewrite the feedback of {path.parent}: {exc.strerror}"
                              ) from exc
        return path, created

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
        if not _SAFE_NAME.match(team):
            return []
        person = self.root / team / member_dirname(email)
        return sorted(person.rglob("*.yaml")) if person.is_dir() else []

    # The methods below serve privacy and retention (mailer.storage.privacy,
    # mailer.storage.retention).

    def person_folders(self, emails: Iterable[str]) -> list[Path]:
        """The folders holding the records of these addresses, in every team on disk.

        Symbolic links are never followed, so nothing outside the store is ever listed.
        """
        if not self.root.is_dir():
            return []
        names = {member_dirname(email) for email in emails}
        return [
            team_dir / name
            for team_dir in sorted(self.root.iterdir())
            if _SAFE_NAME.match(team_dir.name) and _real_dir(team_dir)
            for name in sorted(names)
            if _real_dir(team_dir / name)
        ]

    def period_folders(self) -> Iterator[tuple[Path, datetime, datetime]]:
        """Every month (or feedback quarter) folder with the UTC range ``[start, end)`` of what
        it holds: a record's folder is the month or quarter of its ``received_at``."""
        if not self.root.is_dir():
            return
        for team_dir in sorted(self.root.iterdir()):
            if not (_SAFE_NAME.match(team_dir.name) and _real_dir(team_dir)):
                continue
            for owner in sorted(p for p in team_dir.iterdir() if _real_dir(p)):
                for folder in sorted(p for p in owner.iterdir() if _real_dir(p)):
                    span = _span(folder.name, quarter=owner.name == FEEDBACK_DIR)
                    if span is not None:
                        yield folder, *span

    def files_in(self, folder: Path) -> list[Path]:
        """Every file (and symbolic link, not followed) below ``folder``, temporary ones too."""
        found: list[Path] = []
        for parent, dirs, files in os.walk(folder, followlinks=False):
            found += [Path(parent, name) for name in files]
            found += [Path(parent, name) for name in dirs if Path(parent, name).is_symlink()]
        return sorted(found)

    def remove(self, path: Path) -> None:
        """Delete one file durably (unlink, fsync the folder), then the folders it left empty.

        A symbolic link is removed, never its target; a path outside the store is refused.
        """
        folder = self._inside(path.parent)
        try:
            os.unlink(folder / path.name)
            durable.fsync_dir(folder)
            self._prune(folder)
        except OSError as exc:
            raise RecordError(f"cannot remove {path}: {exc.strerror}") from exc

    def remove_folder(self, folder: Path) -> list[Path]:
        """Delete everything below ``folder`` and the folder itself; returns the removed files."""
        removed: list[Path] = []
        for path in self.files_in(folder):
            self.remove(path)
            removed.append(path)
        leftovers = sorted(
            (Path(p) for p, _, _ in os.walk(folder, followlinks=False)), reverse=True
        )
        for empty in leftovers:  # deepest first: folders that held no file at all
            try:
                if empty.is_dir():
                    self._prune(self._inside(empty))
            except OSError as exc:
                raise RecordError(f"cannot remove {empty}: {exc.strerror}") from exc
        return removed

    def rewrite(self, path: Path, record: Record) -> None:
        """Replace an existing record in place, atomically (temp file, fsync, ``os.replace``).

        The one sanctioned rewrite: retention removing the texts of old records.
        """
        folder = self._inside(path.parent)
        try:
            durable.replace(folder / path.name, dump_record(record).encode("utf-8"))
        except OSError as exc:
            raise RecordError(f"cannot rewrite record {path}: {exc.strerror}") from exc

    def sweep_temp_files(self, *, older_than: float) -> list[Path]:
        """Remove temporary files that a killed writer left (``.<name>.<random>.tmp``).

        A write that is killed between its temp file and the link leaves the temp file
        behind; no reader takes it for a record, but it holds a reply's text. Only files older
        than ``older_than`` (a Unix time) go, so a write in progress is never touched.
        """
        removed: list[Path] = []
        if not self.root.is_dir():
            return removed
        for parent, _dirs, files in os.walk(self.root, followlinks=False):
            for name in files:
                path = Path(parent) / name
                if (
                    name.startswith(".")
                    and name.endswith(".tmp")
                    and path.lstat().st_mtime < older_than
                ):
                    path.unlink()
                    removed.append(path)
        return removed

    def _inside(self, folder: Path) -> Path:
        resolved, root = folder.resolve(), self.root.resolve()
        if resolved != root and root not in resolved.parents:
            raise RecordError(f"refusing to touch {folder}: outside the record store")
        return resolved

    def _prune(self, folder: Path) -> None:
        """Remove ``folder`` and its parents while they are empty, up to the store's root."""
        root = self.root.resolve()
        while folder != root and root in folder.parents and not any(folder.iterdir()):
            folder.rmdir()
            durable.fsync_dir(folder.parent)
            folder = folder.parent


def _real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _span(name: str, *, quarter: bool) -> tuple[datetime, datetime] | None:
    """The UTC range of a month (``2026-11``) or quarter (``2026-Q4``) folder name."""
    match = (_QUARTER if quarter else _MONTH).match(name)
    if match is None:
        return None
    year, number = int(match[1]), int(match[2])
    month = 3 * number - 2 if quarter else number
    if not (1 <= month <= 12 and 1 <= year < 9999):
        return None
    months = 3 if quarter else 1
    end_year, end_month = year + (month + months - 1) // 12, (month + months - 1) % 12 + 1
    return (datetime(year, month, 1, tzinfo=UTC), datetime(end_year, end_month, 1, tzinfo=UTC))


def _mkdirs(folder: Path) -> None:
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)
        durable.fsync_dir(path.parent)
