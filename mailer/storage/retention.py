"""Retention: old records are deleted, and the texts of not-so-old ones removed. Daily housekeeping.

``service.retention_months`` (default 24): records received longer ago than that are deleted,
and so are ledger rows of that age. ``service.text_retention_months`` (optional, at most
``retention_months``): records older than that keep only their scale (integer) answers; the
text, the text answers and anything else that is not a number are dropped, and a problem line
says when. That rewrite (temp file, fsync, ``os.replace``) is the one time a record changes.

Planning is pure (:func:`plan_retention` over paths and dates); :func:`apply_retention` does
the I/O and :func:`housekeeping` is the daily job that ``mailer run`` schedules.
"""

from __future__ import annotations

import calendar
import dataclasses
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from mailer.errors import RecordError
from mailer.models import AnswerValue, Record, ServiceSettings
from mailer.storage.ledger import Ledger
from mailer.storage.store import RecordStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionSettings:
    retention_months: int = 24
    text_retention_months: int | None = None

    @classmethod
    def of(cls, service: ServiceSettings) -> RetentionSettings:
        return cls(service.retention_months, service.text_retention_months)


@dataclass(frozen=True)
class StoredRecord:
    """A record file as retention sees it.

    ``period_end`` is the end of its month (or feedback quarter) folder: it was received before
    then. ``received_at`` is None when the file was not read (its whole folder is past the
    cutoff) or could not be read; then only ``period_end`` decides, never a guessed date.
    """

    path: Path
    period_end: datetime
    received_at: datetime | None = None
    has_text: bool = False


@dataclass(frozen=True)
class RetentionPlan:
    cutoff: datetime  # records received before this are deleted
    text_cutoff: datetime | None  # records received before this lose their texts
    delete: tuple[Path, ...] = ()
    strip: tuple[Path, ...] = ()


@dataclass(frozen=True)
class RetentionReport:
    settings: RetentionSettings
    removed: tuple[Path, ...] = ()
    stripped: tuple[Path, ...] = ()
    ledger_rows: Mapping[str, int] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line for the log: ``removed 12 records older than 24 months, stripped text of 3``."""
        line = (f"removed {len(self.removed)} record{_s(len(self.removed))} older than "
                f"{self.settings.retention_months} months")
        if self.settings.text_retention_months is not None:
            line += f", stripped text of {len(self.stripped)}"
        rows = sum(self.ledger_rows.values())
        line += f", removed {rows} ledger row{_s(rows)}"
        if self.problems:
            line += f", {len(self.problems)} problem{_s(len(self.problems))}"
        return line


def _s(count: int) -> str:
    return "" if count == 1 else "s"


# --------------------------------------------------------------------------- pure


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock time ``months`` calendar months earlier, the day clamped to the
    month's length (31 May minus 3 months is 28 or 29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def cutoffs(now: datetime, settings: RetentionSettings) -> tuple[datetime, datetime | None]:
    """(records received before this are deleted, records received before this lose texts)."""
    if settings.retention_months < 1:
        raise ValueError("retention_months must be at least 1")
    cutoff = months_before(now, settings.retention_months)
    months = settings.text_retention_months
    if months is None or months >= settings.retention_months:
        return cutoff, None
    return cutoff, months_before(now, months)


def plan_retention(
    records: Iterable[StoredRecord], now: datetime, settings: RetentionSettings
) -> RetentionPlan:
    """Which files to delete and which to strip of text, as of ``now``. Pure."""
    cutoff, text_cutoff = cutoffs(now, settings)
    delete: list[Path] = []
    strip: list[Path] = []
    for item in records:
        if item.received_at is None:
            if item.period_end <= cutoff:
                delete.append(item.path)
        elif item.received_at < cutoff:
            delete.append(item.path)
        elif text_cutoff is not None and item.received_at < text_cutoff and item.has_text:
            strip.append(item.path)
    return RetentionPlan(cutoff, text_cutoff, tuple(sorted(delete)), tuple(sorted(strip)))


def _is_scale(value: AnswerValue) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def has_text(record: Record) -> bool:
    """Whether the record still holds anything but scale answers."""
    return bool(record.text) or not all(_is_scale(v) for v in record.answers.values())


def strip_text(record: Record, *, on: date) -> Record:
    """The record with only its scale answers, and a problem line saying when the text went."""
    return dataclasses.replace(
        record,
        text="",
        answers={key: value for key, value in record.answers.items() if _is_scale(value)},
        problems=(*record.problems, f"text removed by retention on {on.isoformat()}"),
    )


# --------------------------------------------------------------------------- I/O


def scan_store(
    store: RecordStore, now: datetime, settings: RetentionSettings
) -> tuple[list[StoredRecord], list[str]]:
    """The record files retention may act on, with what it needs to know; plus problems.

    Reads only the folders that straddle a cutoff: a folder wholly past ``cutoff`` is deleted
    unread, a folder wholly newer than every cutoff is not even listed.
    """
    cutoff, text_cutoff = cutoffs(now, settings)
    horizon = text_cutoff or cutoff
    found: list[StoredRecord] = []
    problems: list[str] = []
    for folder, start, end in store.period_folders():
        if start >= horizon:
            continue
        for path in sorted(folder.glob("*.yaml")):
            if path.is_symlink() or not path.is_file():
                continue
            if end <= cutoff:
                found.append(StoredRecord(path, end))
                continue
            try:
                record = store.read(path)
            except RecordError as exc:
                problems.append(_problem(path, exc))
                found.append(StoredRecord(path, end))
                continue
            received = record.received_at if record.received_at.tzinfo is not None else None
            found.append(StoredRecord(path, end, received, has_text(record)))
    return found, problems


def _problem(path: Path, exc: RecordError) -> str:
    return str(exc) if str(path) in str(exc) else f"{path}: {exc}"


def apply_retention(
    store: RecordStore, ledger: Ledger, *, now: datetime, settings: RetentionSettings
) -> RetentionReport:
    """Delete and strip what :func:`plan_retention` says, and drop old ledger rows.

    One file that cannot be read, removed or rewritten is reported and skipped; the rest goes on.
    """
    stored, problems = scan_store(store, now, settings)
    plan = plan_retention(stored, now, settings)
    removed: list[Path] = []
    stripped: list[Path] = []
    for path in plan.delete:
        try:
            store.remove(path)
            removed.append(path)
        except RecordError as exc:
            problems.append(_problem(path, exc))
    for path in plan.strip:
        try:
            store.rewrite(path, strip_text(store.read(path), on=now.date()))
            stripped.append(path)
        except RecordError as exc:
            problems.append(_problem(path, exc))
    rows = ledger.delete_older_than(plan.cutoff)
    return RetentionReport(settings, tuple(removed), tuple(stripped), rows, tuple(problems))
