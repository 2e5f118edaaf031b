"""The linking attack: try to name the author of every anonymous feedback record (issue 16).

The attacker has everything the service has after a feedback round: the data folder (record
files with their times, sizes and inode numbers, the SQLite ledger and its WAL), every folder
of the service mailbox, the log lines with their times, and the config's people. It does not
import the service: it reads what is on disk and in the mailbox, so the same attack runs
against any version of the code.

A *claim* is "record R was written by person P", with the evidence. Claims come from:

* ids: every value of the record (and its file name) looked up, as is and sha1/sha256-hashed,
  in every ledger row, every mailbox message and every log line that names a person;
* text: each answer looked up in the mailbox messages (their From) and the log lines;
* times: every time the record carries (received_at, mtime, ctime, atime) against every time
  tied to a person (ledger rows with an address, log lines naming one, mailbox messages from
  one), within ``window`` seconds; and against the prompts' send times (a reply cannot
  precede the prompt); and the UTC offset of received_at against the people's zones;
* order: the records in the order of any of their times or inode numbers, against ledger rows
  that record a person answering (feedback) in insertion (rowid) order;
* quasi-identifiers: the record's language and the domain of any Message-ID it holds,
  combined with the time windows; a combination that leaves one person is a claim.

A value every record shares (the same time within the window, one UTC offset for all) says
nothing about any one record and is not used. The attack only claims; a test knows who wrote
what and can tell a right claim from a wrong one.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import os
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    language: str
    timezone: str
    aliases: tuple[str, ...] = ()

    @property
    def addresses(self) -> frozenset[str]:
        return frozenset((self.email.lower(), *(a.lower() for a in self.aliases)))


@dataclass(frozen=True)
class LogLine:
    at: datetime
    text: str


@dataclass(frozen=True)
class Claim:
    record: str  # the record file, relative to the data folder
    person: str  # email
    how: str  # the evidence


@dataclass
class Evidence:
    data_dir: Path
    people: Sequence[Person]
    mailbox: dict[str, list[bytes]] = field(default_factory=dict)
    logs: Sequence[LogLine] = ()
    window: float = 2.0


@dataclass(frozen=True)
class FeedbackFile:
    path: Path
    rel: str
    data: dict[str, Any]
    stat: os.stat_result


# --------------------------------------------------------------------------- gathering


def feedback_files(data_dir: Path) -> list[FeedbackFile]:
    found = []
    for path in sorted((data_dir / "records").glob("*/_feedback/*/*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found.append(FeedbackFile(path, path.relative_to(data_dir).as_posix(), data,
                                  path.stat()))
    return found


def ledger_rows(data_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, with its rowid when the table has one (insertion order)."""
    path = data_dir / "ledger.sqlite3"
    if not path.exists():
        return {}
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out: dict[str, list[dict[str, Any]]] = {}
        for table in tables:
            try:
                rows = db.execute(f'SELECT rowid AS _rowid, * FROM "{table}"').fetchall()
            except sqlite3.OperationalError:  # WITHOUT ROWID: no insertion order to read
                rows = db.execute(f'SELECT * FROM "{table}"').fetchall()
            out[table] = [dict(r) for r in rows]
        return out
    finally:
        db.close()


def _hashes(value: str) -> set[str]:
    raw = value.strip().encode("utf-8", "surrogateescape")
    return {value.strip(), hashlib.sha1(raw).hexdigest(), hashlib.sha256(raw).hexdigest()}


def _times(value: Any) -> list[datetime]:
    if isinstance(value, datetime):
        return [value if value.tzinfo else value.replace(tzinfo=timezone.utc)]
    if isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d", value):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return []
        return [parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)]
    return []


class Attack:
    def __init__(self, evidence: Evidence) -> None:
        self.ev = evidence
        self.by_address = {a: p for p in evidence.people for a in p.addresses}
        self.records = feedback_files(evidence.data_dir)
        self.rows = ledger_rows(evidence.data_dir)
        self.messages = [(folder, raw, email.message_from_bytes(raw, policy=email.policy.default))
                         for folder, raws in evidence.mailbox.items() for raw in raws]
        self.claims: list[Claim] = []

    # who a piece of evidence names
    def people_in(self, text: str) -> set[str]:
        low = text.lower()
        found = {p.email for a, p in self.by_address.items() if a in low}
        for p in self.ev.people:
            if re.search(rf"(?<!\w){re.escape(p.name)}(?!\w)", text):
                found.add(p.email)
        return found

    def row_people(self, row: dict[str, Any]) -> set[str]:
        return self.people_in(" ".join(str(v) for v in row.values() if v is not None))

    def message_person(self, msg: Any) -> set[str]:
        senders = {a.lower() for _, a in email.utils.getaddresses(msg.get_all("From", []))}
        return {self.by_address[a].email for a in senders if a in self.by_address}

    def claim(self, rec: FeedbackFile, people: Iterable[str], how: str) -> None:
        for person in sorted(set(people)):
            self.claims.append(Claim(rec.rel, person, how))

    # ------------------------------------------------------------------ signals

    def ids(self, rec: FeedbackFile) -> None:
        # Values shared by every record of the round (team, kind, quarter) name nobody.
        common = ("answers", "text", "team", "kind", "slot", "language", "matched_by", "schema",
                  "received_at", "member", "problems", "unstructured")
        values = [str(v) for k, v in rec.data.items()
                  if k not in common and isinstance(v, str) and len(str(v)) >= 8]
        values.append(rec.path.stem)
        needles = set().union(*(_hashes(v) for v in values))
        for table, rows in self.rows.items():
            for row in rows:
                cells = {str(v).strip() for v in row.values() if v is not None}
                hit = needles & cells
                if hit and len(who := self.row_people(row)) == 1:
                    self.claim(rec, who, f"id {sorted(hit)[0][:24]} in ledger {table}")
        for folder, _raw, msg in self.messages:
            ids = {str(msg.get(h, "")).strip() for h in ("Message-ID", "In-Reply-To")}
            ids |= set(str(msg.get("References", "")).split())
            ids.discard("")
            hashed = set().union(*(_hashes(i) for i in ids)) if ids else set()
            if needles & hashed and len(self.message_person(msg)) == 1:
                self.claim(rec, self.message_person(msg), f"id matches a message in {folder}")
        for line in self.ev.logs:
            if any(n[:12] in line.text for n in needles if len(n) >= 12) \
                    and len(self.people_in(line.text)) == 1:
                self.claim(rec, self.people_in(line.text), "id in a log line")

    def text(self, rec: FeedbackFile) -> None:
        answers = [str(v) for v in (rec.data.get("answers") or {}).values()
                   if isinstance(v, str) and len(v) >= 12]
        for folder, raw, msg in self.messages:
            body = _body_text(msg, raw)
            flat = " ".join(body.split())
            for answer in answers:
                if " ".join(answer.split()) in flat:
                    self.claim(rec, self.message_person(msg), f"answer text in {folder}")
                    break
        for line in self.ev.logs:
            if any(a in line.text for a in answers):
                self.claim(rec, self.people_in(line.text), "answer text in a log line")

    def record_times(self, rec: FeedbackFile) -> dict[str, datetime]:
        times: dict[str, datetime] = {}
        for key, value in rec.data.items():
            for t in _times(value):
                times[key] = t
        st = rec.stat
        for name in ("st_mtime", "st_ctime", "st_atime"):
            times[name] = datetime.fromtimestamp(getattr(st, name), timezone.utc)
        return times

    def person_times(self) -> list[tuple[datetime, str, str]]:
        """(time, person, source) for every time tied to one person."""
        out: list[tuple[datetime, str, str]] = []
        for table, rows in self.rows.items():
            for row in rows:
                who = self.row_people(row)
                if len(who) != 1:
                    continue
                for column, value in row.items():
                    if column in ("due_at",):  # planned, not an event
                        continue
                    for t in _times(value):
                        out.append((t, next(iter(who)), f"ledger {table}.{column}"))
        for line in self.ev.logs:
            who = self.people_in(line.text)
            if len(who) == 1:
                out.append((line.at, next(iter(who)), "log line"))
        for folder, _raw, msg in self.messages:
            who = self.message_person(msg)
            if len(who) == 1 and msg.get("Date"):
                try:
                    out.append((email.utils.parsedate_to_datetime(str(msg["Date"])),
                                next(iter(who)), f"Date of a message in {folder}"))
                except (TypeError, ValueError):
                    pass
        return out

    def common_times(self) -> set[str]:
        """Time fields that are the same for every record (within the window): they say
        nothing about one record in particular."""
        spreads: dict[str, list[datetime]] = {}
        for rec in self.records:
            for name, t in self.record_times(rec).items():
                spreads.setdefault(name, []).append(t)
        return {name for name, ts in spreads.items()
                if len(ts) > 1 and (max(ts) - min(ts)).total_seconds() <= self.ev.window}

    def times(self, rec: FeedbackFile, person_times: list[tuple[datetime, str, str]],
              common: set[str]) -> None:
        for name, t in self.record_times(rec).items():
            if name in common:
                continue
            near = {(p, src) for at, p, src in person_times
                    if abs((at - t).total_seconds()) <= self.ev.window}
            people = {p for p, _ in near}
            if len(people) == 1:
                src = sorted(s for _, s in near)[0]
                self.claim(rec, people, f"record {name} within {self.ev.window}s of {src}")

    def candidates(self, rec: FeedbackFile) -> tuple[set[str], list[str]]:
        """The people the record's quasi-identifiers leave, and why."""
        team = rec.data.get("team")
        people = {p.email: p for p in self.ev.people}
        left = set(people)
        why: list[str] = []
        sent: dict[str, datetime] = {}
        for row in self.rows.get("prompts", []):
            if row.get("kind") == "feedback" and row.get("team") == team and row.get("sent_at") \
                    and row.get("period") == rec.data.get("slot"):
                sent[str(row["email"]).lower()] = _times(row["sent_at"])[0]
        if sent:
            left &= set(sent)
            times = self.record_times(rec)
            # A reply is written after its prompt was sent, and before the record's times.
            earliest = min(times.values())
            before = {e for e, at in sent.items() if at <= earliest}
            if before and before != left:
                left &= before
                why.append(f"prompt sent before {earliest.isoformat()}")
        language = rec.data.get("language")
        if language and any(p.language != language for p in people.values()):
            left = {e for e in left if people[e].language == language}
            why.append(f"language {language}")
        received = _times(rec.data.get("received_at"))
        offsets = {t.utcoffset() for r in self.records for t in _times(r.data.get("received_at"))}
        if received and received[0].utcoffset() is not None and len(offsets) > 1:
            offset = received[0].utcoffset()
            zones = {e for e in left
                     if received[0].astimezone(ZoneInfo(people[e].timezone)).utcoffset() == offset}
            if zones and zones != left:
                left = zones
                why.append(f"UTC offset {offset}")
        for key in ("message_id", "prompt_message_id"):
            value = rec.data.get(key)
            if isinstance(value, str) and "@" in value:
                domain = value.strip("<>").rpartition("@")[2].lower()
                same = {e for e in left if e.rpartition("@")[2] == domain}
                if same and same != left:
                    left = same
                    why.append(f"domain of {key}")
        return left, why

    def order(self) -> None:
        """Answer rows in insertion order against the records in the order of a time/inode.

        Prompt rows are left out: they are inserted when prompts are planned, which says
        nothing about who answered when."""
        for table, rows in self.rows.items():
            if table == "prompts":
                continue
            ordered = [r for r in rows if "_rowid" in r
                       and any("feedback" in str(v) for v in r.values())]
            named = [r for r in sorted(ordered, key=lambda r: r["_rowid"])
                     if len(self.row_people(r)) == 1]
            if not named or len(named) != len(self.records):
                continue
            for key in ("st_ino", "st_ctime_ns", "st_mtime_ns"):
                recs = sorted(self.records, key=lambda r: getattr(r.stat, key))
                values = [getattr(r.stat, key) for r in recs]
                if len(set(values)) != len(values):
                    continue
                for rec, row in zip(recs, named, strict=True):
                    self.claim(rec, self.row_people(row), f"order of {key} vs {table} rowid")

    def run(self) -> list[Claim]:
        person_times = self.person_times()
        common = self.common_times()
        for rec in self.records:
            self.ids(rec)
            self.text(rec)
            self.times(rec, person_times, common)
            left, why = self.candidates(rec)
            if len(left) == 1 and why:
                self.claim(rec, left, "only candidate left by " + ", ".join(why))
        self.order()
        return self.claims


def _body_text(msg: Any, raw: bytes) -> str:
    parts = []
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            try:
                parts.append(part.get_content())
            except (LookupError, ValueError):
                parts.append(part.get_payload(decode=True).decode("utf-8", "replace"))
    return "\n".join(parts) or raw.decode("utf-8", "replace")


def attack(evidence: Evidence) -> list[Claim]:
    return Attack(evidence).run()
