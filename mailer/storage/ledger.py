"""The outbox ledger and service state: one SQLite file in ``data_dir`` (stdlib ``sqlite3``).

It owns every fact that must survive a crash, apart from the reply records themselves:

* ``prompts``: one row per slot (see :class:`mailer.models.Slot`) with its fixed Message-ID,
  token and delivery state ``due -> sending -> sent | failed``, or ``skipped`` with a reason;
* ``pauses``: when a person gets no prompts (a PAUSE command or an out-of-office reply);
* ``failures``: addresses that bounced or were refused permanently;
* ``inbound``: the outcome of every message the poller handled, keyed by its Message-ID (or
  content hash), so a message seen twice is acted on once;
* ``prompt_lines``: what each prompt said, as the normalised lines of its text and HTML parts
  (:mod:`mailer.parse.prompt_text`), kept at send time so a reply to it can be read knowing
  which of its lines are the prompt's; personal data (a person's goals), so exported, forgotten
  and expired with the prompt;
* ``state``: small key/value facts (last successful send and poll, IMAP UIDVALIDITY);
* ``test_sends``: prompts sent as a test (``mailer send --to-me``), apart from ``prompts`` so
  they never count as a member's, kept for a week;
* ``feedback_seen`` and ``feedback_answered``: that a feedback message was handled (a keyed
  hash) and that a person answered a quarter's feedback, kept so that nothing joins either to
  the anonymous record (see :meth:`Ledger.finish_feedback`);
* ``receipts_sent``: how many receipts went out in each UTC hour of the last two days, for the
  provider's daily cap (a count per hour, no address: a feedback reply's receipt counts too).

WAL journal with ``synchronous=NORMAL``: a committed transaction survives ``kill -9`` of the
process (only a power loss may drop the last ones). A new connection per call keeps the
ledger usable from the poller's thread and the event loop alike.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, overload

from mailer.errors import RecordError
from mailer.models import AddressFailure, Pause, Prompt, PromptState, Slot, TestSend

#: How long a test send (``mailer send --to-me``) is kept for its reply to be recognised.
TEST_SEND_DAYS = 7

SCHEMA = """
CREATE TABLE IF NOT EXISTS prompts (
    slot_key     TEXT PRIMARY KEY,
    team         TEXT NOT NULL,
    email        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    period       TEXT NOT NULL,
    message_id   TEXT NOT NULL UNIQUE,
    token        TEXT NOT NULL UNIQUE,
    state        TEXT NOT NULL,
    due_at       TEXT NOT NULL,
    language     TEXT NOT NULL,
    question_ids TEXT NOT NULL DEFAULT '[]',
    attempts     INTEGER NOT NULL DEFAULT 0,
    sent_at      TEXT,
    last_error   TEXT,
    skip_reason  TEXT
);
CREATE INDEX IF NOT EXISTS prompts_email ON prompts (email, due_at);
CREATE INDEX IF NOT EXISTS prompts_team ON prompts (team, kind, due_at);
CREATE INDEX IF NOT EXISTS prompts_state ON prompts (state);
CREATE INDEX IF NOT EXISTS prompts_team_sent ON prompts (team, state, sent_at);
CREATE TABLE IF NOT EXISTS pauses (
    id         INTEGER PRIMARY KEY,
    team       TEXT NOT NULL,
    email      TEXT NOT NULL,
    start      TEXT NOT NULL,
    until      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pauses_email ON pauses (email);
CREATE TABLE IF NOT EXISTS failures (
    email  TEXT PRIMARY KEY,
    since  TEXT NOT NULL,
    reason TEXT NOT NULL,
    count  INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS inbound (
    message_key  TEXT PRIMARY KEY,
    outcome      TEXT NOT NULL,
    detail       TEXT,
    team         TEXT,
    email        TEXT,
    processed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inbound_outcome ON inbound (outcome, processed_at);
CREATE INDEX IF NOT EXISTS inbound_team ON inbound (team, processed_at);
CREATE TABLE IF NOT EXISTS state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS prompt_lines (
    message_id TEXT PRIMARY KEY,
    email      TEXT NOT NULL,
    due_at     TEXT NOT NULL,
    lines      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS test_sends (
    token        TEXT PRIMARY KEY,
    message_id   TEXT NOT NULL UNIQUE,
    team         TEXT NOT NULL,
    email        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    period       TEXT NOT NULL,
    language     TEXT NOT NULL,
    question_ids TEXT NOT NULL DEFAULT '[]',
    sent_to      TEXT NOT NULL,
    sent_at      TEXT NOT NULL
);
-- Anonymous feedback (mailer.service.poll): WITHOUT ROWID, so rows lie in key order and no row
-- number tells the order of arrival; no times; nothing shared with the record files.
CREATE TABLE IF NOT EXISTS feedback_seen (
    key       TEXT PRIMARY KEY,  -- HMAC of the message key (mailer.dedup)
    quarter   TEXT NOT NULL,
    record_id TEXT               -- set only while the record is being written
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feedback_answered (
    team    TEXT NOT NULL,
    quarter TEXT NOT NULL,
    email   TEXT NOT NULL,
    PRIMARY KEY (team, quarter, email)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS receipts_sent (
    hour TEXT PRIMARY KEY,  -- UTC, "2026-12-07T09"
    n    INTEGER NOT NULL
) WITHOUT ROWID;
"""

#: Columns added to ``prompts`` after its first release, added to older ledgers at open:
#: failed batches of a slot and when it may be tried again (mailer.schedule_retry).
_ADDED_COLUMNS = (("retries", "INTEGER NOT NULL DEFAULT 0"), ("retry_at", "TEXT"))


def _migrate(db: sqlite3.Connection) -> None:
    have = {row[1] for row in db.execute("PRAGMA table_info(prompts)")}
    for name, definition in _ADDED_COLUMNS:
        if name not in have:
            db.execute(f"ALTER TABLE prompts ADD COLUMN {name} {definition}")


def _hour(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H")


@overload
def _iso(value: datetime | date) -> str: ...
@overload
def _iso(value: None) -> None: ...
def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _row_to_prompt(row: sqlite3.Row) -> Prompt:
    due_at = _dt(row["due_at"])
    assert due_at is not None
    return Prompt(
        slot=Slot(row["team"], row["email"], row["kind"], row["period"]),
        message_id=row["message_id"],
        token=row["token"],
        state=row["state"],
        due_at=due_at,
        language=row["language"],
        question_ids=tuple(json.loads(row["question_ids"])),
        attempts=row["attempts"],
        sent_at=_dt(row["sent_at"]),
        last_error=row["last_error"],
        skip_reason=row["skip_reason"],
        retries=row["retries"] if "retries" in row.keys() else 0,
        retry_at=_dt(row["retry_at"]) if "retry_at" in row.keys() else None,
    )


def _row_to_test_send(row: sqlite3.Row) -> TestSend:
    sent_at = _dt(row["sent_at"])
    assert sent_at is not None
    prompt = Prompt(
        slot=Slot(row["team"], row["email"], row["kind"], row["period"]),
        message_id=row["message_id"], token=row["token"], state="sent", due_at=sent_at,
        language=row["language"], question_ids=tuple(json.loads(row["question_ids"])),
        sent_at=sent_at)
    return TestSend(prompt=prompt, sent_to=row["sent_to"], sent_at=sent_at)


def _row_to_pause(row: sqlite3.Row) -> Pause:
    created = _dt(row["created_at"])
    assert created is not None
    return Pause(
        team=row["team"], email=row["email"], start=date.fromisoformat(row["start"]),
        until=date.fromisoformat(row["until"]), reason=row["reason"], created_at=created,
    )


class Ledger:
    """The SQLite ledger at ``path`` (created 0600 in a 0700 folder on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not path.exists():
                fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
            with self._connect() as db:
                db.executescript(SCHEMA)
            with self._connect() as db:
                _migrate(db)
        except (OSError, sqlite3.Error) as exc:
            raise RecordError(f"cannot open the ledger {path}: {exc}") from exc

    @classmethod
    def reader(cls, path: Path) -> Ledger | None:
        """The ledger at ``path`` for reading only, or None when there is none yet.

        SQLite's ``mode=ro``: nothing is created or written, so it works beside the running
        service and on a full disk. A WAL reader needs the ``-shm`` file; when there is none
        and it cannot be made (a full disk, the service stopped), it reads with
        ``immutable=1``: the main file only, which the last clean shutdown brought up to date.
        """
        if not path.is_file():
            return None
        ledger = cls.__new__(cls)
        ledger.path = path
        ledger._uri = f"file:{path}?mode=ro"
        try:
            ledger._query("SELECT 1 FROM prompts LIMIT 1")
        except RecordError:
            ledger._uri = f"file:{path}?immutable=1"
        return ledger

    #: The read-only URI of a :meth:`reader`; None for the service's own ledger.
    _uri: str | None = None

    @classmethod
    def in_dir(cls, data_dir: Path) -> Ledger:
        return cls(data_dir / "ledger.sqlite3")

    #: The connection a :meth:`session` holds open; None on every shared instance.
    _held: sqlite3.Connection | None = None

    def _open(self) -> sqlite3.Connection:
        if self._uri is not None:
            db = sqlite3.connect(self._uri, uri=True, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            return db
        old_umask = os.umask(0o077)  # WAL and shm files must be private too
        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        finally:
            os.umask(old_umask)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = self._held or self._open()
        try:
            db.execute("BEGIN" if self._uri is not None else "BEGIN IMMEDIATE")
            yield db
            if db.in_transaction:  # executescript() commits on its own (schema creation)
                db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            if db is not self._held:
                db.close()

    @contextmanager
    def session(self) -> Iterator[Ledger]:
        """This ledger on one connection held open for the block: for many small writes in a
        row (a send batch changes state twice per message). A connection per call costs about
        0.5 ms (PRAGMAs, and a WAL checkpoint when the last one closes); a held one about
        0.03 ms. Every call is still its own committed transaction. Use the returned ledger
        from the calling thread only; ``self`` is left as it was.
        """
        held = copy.copy(self)
        held._held = self._open()
        try:
            yield held
        finally:
            held._held.close()
            held._held = None

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        try:
            with self._connect() as db:
                return list(db.execute(sql, tuple(params)))
        except sqlite3.Error as exc:
            raise RecordError(f"ledger query failed: {exc}") from exc

    # ------------------------------------------------------------------ prompts

    def ensure(self, prompts: Iterable[Prompt]) -> int:
        """Insert each prompt unless its slot is already known; returns how many were new."""
        rows = [
            (p.slot.key, p.slot.team, p.slot.email, p.slot.kind, p.slot.period, p.message_id,
             p.token, p.state, _iso(p.due_at), p.language, json.dumps(list(p.question_ids)),
             p.skip_reason)
            for p in prompts
        ]
        try:
            with self._connect() as db:
                before = db.total_changes
                db.executemany(
                    "INSERT OR IGNORE INTO prompts (slot_key, team, email, kind, period,"
                    " message_id, token, state, due_at, language, question_ids, skip_reason)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    rows,
                )
                return db.total_changes - before
        except sqlite3.Error as exc:
            raise RecordError(f"ledger insert failed: {exc}") from exc

    def get(self, slot_key: str) -> Prompt | None:
        rows = self._query("SELECT * FROM prompts WHERE slot_key = ?", (slot_key,))
        return _row_to_prompt(rows[0]) if rows else None

    def get_many(self, slot_keys: Iterable[str]) -> dict[str, Prompt]:
        """The known rows among ``slot_keys``, by key (looked up in chunks of 500)."""
        keys = list(dict.fromkeys(slot_keys))
        found: dict[str, Prompt] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._query(f"SELECT * FROM prompts WHERE slot_key IN ({marks})", chunk):
                found[row["slot_key"]] = _row_to_prompt(row)
        return found

    def by_message_id(self, message_id: str) -> Prompt | None:
        rows = self._query("SELECT * FROM prompts WHERE message_id = ?", (message_id.strip(),))
        return _row_to_prompt(rows[0]) if rows else None

    def by_token(self, token: str) -> Prompt | None:
        rows = self._query("SELECT * FROM prompts WHERE token = ?", (token.lower(),))
        return _row_to_prompt(rows[0]) if rows else None

    def pending(self, *, kind: str | None = None, team: str | None = None) -> list[Prompt]:
        """Prompts not yet delivered (``due``, or ``sending`` when a crash interrupted them)."""
        sql = "SELECT * FROM prompts WHERE state IN ('due', 'sending')"
        params: list[str] = []
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        if team:
            sql += " AND team = ?"
            params.append(team)
        return [_row_to_prompt(r) for r in self._query(sql + " ORDER BY due_at, slot_key", params)]

    def defer(self, slot_keys: Iterable[str], *, now: datetime,
              delay: Callable[[int], timedelta]) -> None:
        """After a failed batch: each pending row waits ``delay(failures so far)`` to retry."""
        keys = list(dict.fromkeys(slot_keys))
        try:
            with self._connect() as db:
                for key in keys:
                    row = db.execute("SELECT retries FROM prompts WHERE slot_key = ? AND"
                                     " state IN ('due', 'sending')", (key,)).fetchone()
                    if row is not None:
                        failures = row["retries"] + 1
                        at = (now + delay(failures)).astimezone(UTC)
                        db.execute("UPDATE prompts SET retries = ?, retry_at = ?"
                                   " WHERE slot_key = ?", (failures, _iso(at), key))
        except sqlite3.Error as exc:
            raise RecordError(f"ledger update failed: {exc}") from exc

    def in_state(self, state: PromptState, *, since: datetime | None = None) -> list[Prompt]:
        """Prompts in ``state`` (due at or after ``since``), oldest first."""
        sql, params = "SELECT * FROM prompts WHERE state = ?", [str(state)]
        if since is not None:
            sql += " AND due_at >= ?"
            params.append(_iso(since.astimezone(UTC)))
        return [_row_to_prompt(r) for r in self._query(sql + " ORDER BY due_at, slot_key",
                                                        params)]

    def set_state(
        self,
        slot_key: str,
        state: PromptState,
        *,
        at: datetime | None = None,
        error: str | None = None,
        skip_reason: str | None = None,
        count_attempt: bool = False,
    ) -> None:
        sql = (
            "UPDATE prompts SET state = ?, last_error = COALESCE(?, last_error),"
            " skip_reason = COALESCE(?, skip_reason), attempts = attempts + ?"
        )
        params: list[Any] = [state, error, skip_reason, 1 if count_attempt else 0]
        if state == "sent":
            sql += ", sent_at = ?"
            params.append(_iso(at))
        self._query(sql + " WHERE slot_key = ?", [*params, slot_key])

    def prompts(
        self,
        *,
        team: str | None = None,
        email: str | None = None,
        kind: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Prompt]:
        """Prompts by due time in ``[since, until)``, oldest first."""
        clauses, params = [], []
        for column, value in (("team", team), ("email", email), ("kind", kind)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            clauses.append("due_at >= ?")
            params.append(_iso(since.astimezone(UTC)))
        if until is not None:
            clauses.append("due_at < ?")
            params.append(_iso(until.astimezone(UTC)))
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        rows = self._query(f"SELECT * FROM prompts{where} ORDER BY due_at, slot_key", params)
        return [_row_to_prompt(r) for r in rows]

    def latest_sent_to(self, email: str, *, since: datetime) -> Prompt | None:
        """The most recent prompt sent to ``email`` since ``since`` (answered kinds only)."""
        rows = self._query(
            "SELECT * FROM prompts WHERE email = ? AND state = 'sent' AND sent_at >= ?"
            " AND kind IN ('checkin', 'review', 'feedback', 'reflection')"
            " ORDER BY sent_at DESC LIMIT 1",
            (email.lower(), _iso(since.astimezone(UTC))),
        )
        return _row_to_prompt(rows[0]) if rows else None

    def sent_count_since(self, since: datetime) -> int:
        """How many messages went out since ``since``, as a provider's daily cap counts them:
        prompts (digests and briefs are prompts), test sends, and receipts (counted per hour,
        so the receipts of the hour ``since`` falls in all count: the cap errs on the safe side).

        ``julianday`` compares the instants: ``sent_at`` keeps the offset it was written with.
        """
        at = _iso(since)
        rows = self._query(
            "SELECT (SELECT COUNT(*) FROM prompts WHERE state = 'sent'"
            "        AND julianday(sent_at) >= julianday(?))"
            " + (SELECT COUNT(*) FROM test_sends WHERE julianday(sent_at) >= julianday(?))"
            " + (SELECT COALESCE(SUM(n), 0) FROM receipts_sent WHERE hour >= ?) AS n",
            (at, at, _hour(since)))
        return int(rows[0]["n"])

    def count_receipts(self, sent: int, *, at: datetime) -> None:
        """Add ``sent`` receipts to the hour of ``at``; hours over two days old go."""
        if sent <= 0:
            return
        try:
            with self._connect() as db:
                db.execute("DELETE FROM receipts_sent WHERE hour < ?",
                           (_hour(at - timedelta(days=2)),))
                db.execute("INSERT INTO receipts_sent (hour, n) VALUES (?, ?)"
                           " ON CONFLICT (hour) DO UPDATE SET n = n + excluded.n",
                           (_hour(at), sent))
        except sqlite3.Error as exc:
            raise RecordError(f"ledger update failed: {exc}") from exc

    def sent_as(self, slots: Iterable[Slot]) -> dict[str, list[Prompt]]:
        """Per slot key: the rows sent for the same person, kind and period, under any team
        id (a few queries for a whole batch, not one per slot)."""
        wanted: dict[tuple[str, str, str], list[str]] = {}
        for slot in slots:
            wanted.setdefault((slot.email, slot.kind, slot.period), []).append(slot.key)
        by_period: dict[tuple[str, str], list[str]] = {}
        for email, kind, period in wanted:
            by_period.setdefault((kind, period), []).append(email)
        found: dict[str, list[Prompt]] = {}
        for (kind, period), emails in by_period.items():
            rows = self._for_emails("SELECT * FROM prompts WHERE state = 'sent' AND kind = ?"
                                    " AND period = ?", [kind, period], emails)
            for row in rows:
                for key in wanted[(row["email"], kind, period)]:
                    found.setdefault(key, []).append(_row_to_prompt(row))
        return found

    def _for_emails(self, sql: str, params: Sequence[Any], emails: Sequence[str]
                    ) -> list[sqlite3.Row]:
        """The rows of ``sql`` (a SELECT with a WHERE) for each of ``emails``: it is run with
        ``AND email IN (...)`` for 500 at a time, SQLite's limit on parameters in mind."""
        rows: list[sqlite3.Row] = []
        for start in range(0, len(emails), 500):
            part = emails[start:start + 500]
            rows += self._query(f"{sql} AND email IN ({','.join('?' * len(part))})",
                                [*params, *part])
        return rows

    def last_sent_at(self, *, team: str, kind: str | None = None) -> datetime | None:
        """When the team's most recent prompt (of ``kind``) was delivered."""
        sql = "SELECT MAX(sent_at) AS at FROM prompts WHERE team = ? AND state = 'sent'"
        params = [team]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        return _dt(self._query(sql, params)[0]["at"])

    def inbound_counts_for(self, team: str, *, since: datetime,
                           until: datetime | None = None) -> dict[str, int]:
        """Outcomes of the messages of one team handled since ``since`` (and before ``until``)."""
        rows = self._query(
            "SELECT outcome, COUNT(*) AS n FROM inbound WHERE team = ? AND processed_at >= ?"
            " AND (? IS NULL OR processed_at < ?) GROUP BY outcome",
            (team, _iso(since), _iso(until), _iso(until)),
        )
        return {r["outcome"]: r["n"] for r in rows}

    # ------------------------------------------------------------------ test sends

    def add_test_send(self, test: TestSend) -> None:
        """Keep a test prompt (``mailer send --to-me``) apart from the real ones; test sends
        older than :data:`TEST_SEND_DAYS` go at the same time (a reply that late is quarantined
        as unmatched, and no member's address stays here longer than that)."""
        p = test.prompt
        try:
            with self._connect() as db:
                db.execute("DELETE FROM test_sends WHERE julianday(sent_at) < julianday(?)",
                           (_iso((test.sent_at - timedelta(days=TEST_SEND_DAYS)).astimezone(UTC)),))
                db.execute(
                    "INSERT INTO test_sends (token, message_id, team, email, kind, period,"
                    " language, question_ids, sent_to, sent_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (p.token, p.message_id, p.slot.team, p.slot.email, p.slot.kind,
                     p.slot.period, p.language, json.dumps(list(p.question_ids)),
                     test.sent_to.lower(), _iso(test.sent_at.astimezone(UTC))))
        except sqlite3.Error as exc:
            raise RecordError(f"ledger insert failed: {exc}") from exc

    def test_send_by_message_id(self, message_id: str) -> TestSend | None:
        rows = self._query("SELECT * FROM test_sends WHERE message_id = ?", (message_id.strip(),))
        return _row_to_test_send(rows[0]) if rows else None

    def test_send_by_token(self, token: str) -> TestSend | None:
        rows = self._query("SELECT * FROM test_sends WHERE token = ?", (token.lower(),))
        return _row_to_test_send(rows[0]) if rows else None

    # ------------------------------------------------------------------ pauses and failures

    def add_pause(self, pause: Pause) -> None:
        self._query(
            "INSERT INTO pauses (team, email, start, until, reason, created_at)"
            " VALUES (?,?,?,?,?,?)",
            (pause.team, pause.email, _iso(pause.start), _iso(pause.until), pause.reason,
             _iso(pause.created_at)),
        )

    def end_pauses(self, team: str, email: str, *, on: date) -> int:
        """Resume: pauses of the person that still run on ``on`` end the day before."""
        rows = self._query(
            "SELECT id, start FROM pauses WHERE team = ? AND email = ? AND until >= ?",
            (team, email, _iso(on)),
        )
        for row in rows:
            if row["start"] >= _iso(on):  # not started yet: drop it
                self._query("DELETE FROM pauses WHERE id = ?", (row["id"],))
            else:
                yesterday = date.fromordinal(on.toordinal() - 1)
                self._query("UPDATE pauses SET until = ? WHERE id = ?",
                            (_iso(yesterday), row["id"]))
        return len(rows)

    def pauses(self, *, team: str | None = None, email: str | None = None) -> list[Pause]:
        clauses, params = [], []
        for column, value in (("team", team), ("email", email)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        rows = self._query(f"SELECT * FROM pauses{where} ORDER BY start", params)
        return [_row_to_pause(r) for r in rows]

    def mark_failing(self, email: str, reason: str, *, at: datetime) -> None:
        self._query(
            "INSERT INTO failures (email, since, reason) VALUES (?,?,?)"
            " ON CONFLICT(email) DO UPDATE SET count = count + 1, reason = excluded.reason",
            (email.lower(), _iso(at), reason),
        )

    def clear_failure(self, email: str) -> None:
        self._query("DELETE FROM failures WHERE email = ?", (email.lower(),))

    def failures(self) -> list[AddressFailure]:
        return [
            AddressFailure(r["email"], _dt(r["since"]) or datetime.min, r["reason"], r["count"])
            for r in self._query("SELECT * FROM failures ORDER BY email")
        ]

    # ------------------------------------------------------------------ inbound and state

    def save_prompt_lines(self, prompt: Prompt, lines: Sequence[str]) -> None:
        """Keep what ``prompt`` said (its normalised lines) for reading replies to it."""
        self.save_many_prompt_lines([(prompt, lines)])

    def save_many_prompt_lines(self, said: Sequence[tuple[Prompt, Sequence[str]]]) -> None:
        """:meth:`save_prompt_lines` for a chunk of a batch, in one transaction."""
        if not said:
            return
        try:
            with self._connect() as db:
                db.executemany(
                    "INSERT OR REPLACE INTO prompt_lines (message_id, email, due_at, lines)"
                    " VALUES (?,?,?,?)",
                    [(prompt.message_id, prompt.slot.email, _iso(prompt.due_at),
                      json.dumps(list(lines), ensure_ascii=False)) for prompt, lines in said])
        except sqlite3.Error as exc:
            raise RecordError(f"ledger insert failed: {exc}") from exc

    def sent_to(self, people: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of the (team, email) pairs have been sent a prompt (any kind) already."""
        wanted = set(people)
        rows = self._for_emails("SELECT DISTINCT team, email FROM prompts WHERE state = 'sent'",
                                [], sorted({email for _, email in wanted}))
        return {(r["team"], r["email"]) for r in rows} & wanted

    def prompt_lines(self, message_id: str) -> tuple[str, ...] | None:
        """The lines :meth:`save_prompt_lines` kept for a prompt, or None (sent before they
        were kept, or expired)."""
        rows = self._query("SELECT lines FROM prompt_lines WHERE message_id = ?",
                           (message_id.strip(),))
        return tuple(json.loads(rows[0]["lines"])) if rows else None

    def inbound_outcome(self, message_key: str) -> str | None:
        rows = self._query("SELECT outcome FROM inbound WHERE message_key = ?", (message_key,))
        return rows[0]["outcome"] if rows else None

    def record_inbound(
        self, message_key: str, outcome: str, *, at: datetime, detail: str | None = None,
        team: str | None = None, email: str | None = None,
    ) -> None:
        self._query(
            "INSERT OR REPLACE INTO inbound"
            " (message_key, outcome, detail, team, email, processed_at) VALUES (?,?,?,?,?,?)",
            (message_key, outcome, detail, team, email, _iso(at)),
        )

    def inbound_counts(self, *, since: datetime | None = None) -> dict[str, int]:
        sql = "SELECT outcome, COUNT(*) AS n FROM inbound"
        params: list[str | None] = []
        if since is not None:
            sql += " WHERE processed_at >= ?"
            params.append(_iso(since))
        return {r["outcome"]: r["n"] for r in self._query(sql + " GROUP BY outcome", params)}

    def get_state(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM state WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def put_state(self, key: str, value: str) -> None:
        self._query("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, value))

    # ------------------------------------------------------------------ anonymous feedback

    def feedback_seen(self, key: str) -> FeedbackSeen | None:
        """What the ledger knows of the feedback message with dedup value ``key``."""
        rows = self._query("SELECT record_id FROM feedback_seen WHERE key = ?", (key,))
        return FeedbackSeen(rows[0]["record_id"]) if rows else None

    def begin_feedback(self, key: str, quarter: str, record_id: str) -> None:
        """Before the record is written: the id it gets, so that a rerun after a crash writes
        the same file instead of a second one. The only moment a message and a record meet."""
        self._query("INSERT OR IGNORE INTO feedback_seen (key, quarter, record_id)"
                    " VALUES (?,?,?)", (key, quarter, record_id))

    def finish_feedback(self, key: str, quarter: str,
                        answered_by: tuple[str, str, str] | None) -> None:
        """After the record is on disk (or when it is refused): forget the record's id, note
        that the person answered, in one transaction; then empty the WAL, whose frames would
        otherwise keep the old row and the order of the changes."""
        try:
            with self._connect() as db:
                db.execute("PRAGMA secure_delete = ON")  # overwrite the freed record id
                db.execute("INSERT INTO feedback_seen (key, quarter, record_id) VALUES (?,?,NULL)"
                           " ON CONFLICT(key) DO UPDATE SET record_id = NULL", (key, quarter))
                if answered_by is not None:
                    db.execute("INSERT OR IGNORE INTO feedback_answered (team, quarter, email)"
                               " VALUES (?,?,?)", (*answered_by[:2], answered_by[2].lower()))
            self._checkpoint()
        except sqlite3.Error as exc:
            raise RecordError(f"ledger update failed: {exc}") from exc

    def has_answered(self, team: str, quarter: str, email: str) -> bool:
        rows = self._query("SELECT 1 FROM feedback_answered WHERE team = ? AND quarter = ?"
                           " AND email = ?", (team, quarter, email.lower()))
        return bool(rows)

    def answered_count(self, team: str, quarter: str) -> int:
        rows = self._query("SELECT COUNT(*) AS n FROM feedback_answered WHERE team = ?"
                           " AND quarter = ?", (team, quarter))
        return int(rows[0]["n"])

    # ------------------------------------------------------------------ personal data, retention

    def person_rows(self, addresses: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Every row naming one of ``addresses``, per table: prompts, pauses, failures,
        prompt_lines, inbound, feedback_answered (the quarters in which the person answered
        feedback; never which answer), test_sends (as the member previewed or as the manager
        the test went to).

        Rows match on their ``email`` (any case); inbound rows also when one of the addresses
        appears, as a whole address, in their ``detail``.
        """
        try:
            with self._connect() as db:
                found = _person_rows(db, _lowered(addresses))
        except sqlite3.Error as exc:
            raise RecordError(f"ledger query failed: {exc}") from exc
        return {table: [{k: r[k] for k in r.keys() if k != "_rowid"} for r in rows]
                for table, rows in found.items()}

    def forget(self, addresses: Iterable[str]) -> dict[str, int]:
        """Delete every row :meth:`person_rows` finds, in one transaction; counts per table."""
        try:
            with self._connect() as db:
                db.execute("PRAGMA secure_delete = ON")  # overwrite, not just free, the pages
                found = _person_rows(db, _lowered(addresses))
                for table, rows in found.items():
                    if table == "feedback_answered":  # WITHOUT ROWID: by its key
                        db.executemany("DELETE FROM feedback_answered WHERE team = ? AND"
                                       " quarter = ? AND email = ?",
                                       [(r["team"], r["quarter"], r["email"]) for r in rows])
                        continue
                    db.executemany(f"DELETE FROM {table} WHERE rowid = ?",
                                   [(r["_rowid"],) for r in rows])
            self._checkpoint()
        except sqlite3.Error as exc:
            raise RecordError(f"ledger delete failed: {exc}") from exc
        return {table: len(rows) for table, rows in found.items()}

    def delete_older_than(self, cutoff: datetime) -> dict[str, int]:
        """Retention: delete prompts due, pauses ended, address failures first seen, inbound
        messages handled and test prompts sent before ``cutoff``, and the feedback facts of
        quarters that ended before it; counts per table. Times compare as instants."""
        at = _iso(cutoff.astimezone(UTC))
        utc = cutoff.astimezone(UTC)
        quarter = f"{utc.year:04d}-Q{(utc.month - 1) // 3 + 1}"  # earlier quarters end before it
        statements = {
            "prompts": ("DELETE FROM prompts WHERE julianday(due_at) < julianday(?)", at),
            "prompt_lines": ("DELETE FROM prompt_lines WHERE julianday(due_at) < julianday(?)",
                             at),
            "pauses": ("DELETE FROM pauses WHERE until < ?", _iso(cutoff.date())),
            "failures": ("DELETE FROM failures WHERE julianday(since) < julianday(?)", at),
            "inbound": ("DELETE FROM inbound WHERE julianday(processed_at) < julianday(?)", at),
            "feedback_seen": ("DELETE FROM feedback_seen WHERE quarter < ?", quarter),
            "feedback_answered": ("DELETE FROM feedback_answered WHERE quarter < ?", quarter),
            "test_sends": ("DELETE FROM test_sends WHERE julianday(sent_at) < julianday(?)", at),
        }
        try:
            with self._connect() as db:
                db.execute("PRAGMA secure_delete = ON")
                counts = {table: db.execute(sql, (value,)).rowcount
                          for table, (sql, value) in statements.items()}
            self._checkpoint()
        except sqlite3.Error as exc:
            raise RecordError(f"ledger delete failed: {exc}") from exc
        return counts

    def _checkpoint(self) -> None:
        """Copy the WAL into the database and empty it, so deleted rows leave no old copy there.

        Best effort: a reader holding an old snapshot keeps those pages until it is done.
        """
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()


@dataclass(frozen=True)
class FeedbackSeen:
    """A feedback message the poller has handled; ``record_id`` is set only while its record
    is being written (a crash then leaves the id to finish with)."""

    record_id: str | None

    @property
    def done(self) -> bool:
        return self.record_id is None


def _lowered(addresses: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({a.strip().lower() for a in addresses if a.strip()}))


def _person_rows(db: sqlite3.Connection, wanted: tuple[str, ...]) -> dict[str, list[sqlite3.Row]]:
    by_email = ("prompts", "pauses", "failures", "prompt_lines")
    tables = (*by_email, "inbound", "feedback_answered", "test_sends")
    if not wanted:
        return {table: [] for table in tables}
    marks = ",".join("?" * len(wanted))
    found = {
        table: list(db.execute(
            f"SELECT rowid AS _rowid, * FROM {table} WHERE lower(email) IN ({marks})"
            " ORDER BY rowid",
            wanted))
        for table in by_email
    }
    # instr, not LIKE: an address may hold % or _; the regex then checks whole addresses.
    mentions = " OR ".join("instr(lower(detail), ?) > 0" for _ in wanted)
    rows = db.execute(f"SELECT rowid AS _rowid, * FROM inbound WHERE lower(email) IN ({marks})"
                      f" OR {mentions} ORDER BY processed_at, rowid", wanted * 2)
    found["inbound"] = [r for r in rows if (r["email"] or "").lower() in wanted
                        or _mentions(r["detail"] or "", wanted)]
    found["feedback_answered"] = list(db.execute(
        f"SELECT team, quarter, email FROM feedback_answered WHERE email IN ({marks})"
        " ORDER BY team, quarter", wanted))
    # A test prompt names the member it previews and the manager it went to: both are theirs.
    found["test_sends"] = list(db.execute(
        f"SELECT rowid AS _rowid, * FROM test_sends WHERE lower(email) IN ({marks})"
        f" OR lower(sent_to) IN ({marks}) ORDER BY sent_at, rowid", wanted * 2))
    return found


def _mentions(text: str, addresses: tuple[str, ...]) -> bool:
    """Whether ``text`` holds one of the addresses whole (not "a@b.se" inside "anna@b.se")."""
    text = text.lower()
    return any(re.search(rf"(?<![\w.+-]){re.escape(a)}(?![\w-]|\.[\w-])", text) for a in addresses)
