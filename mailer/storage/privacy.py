"""A person's data: export it all (a data-subject access request) or erase it all.

What is stored about a person: their record files in every team (``records/<team>/<member-dir>/``,
found by the folder name derived from the address, never by a path built from user input),
and the ledger rows naming them (prompts, pauses, address failures, inbound outcomes). The
person is known by every address the config gives them (the address and its aliases).

Leadership feedback is stored with its team and quarter only, so it cannot be attributed to
anyone: it is neither exported nor erased. Reply tokens are credentials, not data about the
person: they are left out of the export (the prompt rows themselves are in it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mailer.errors import RecordError
from mailer.models import Config, Person, Record
from mailer.storage import durable
from mailer.storage.ledger import Ledger
from mailer.storage.mentions import Needles, blank_record, needles, record_mentions
from mailer.storage.records import record_to_dict
from mailer.storage.store import RecordStore

FEEDBACK_NOTE = (
    "Anonymous leadership feedback is stored with its team and quarter only, without any "
    "identity, so it cannot be attributed to anyone and is not included."
)
TOKEN_NOTE = "Reply tokens (credentials that let a reply be matched) are left out of the prompts."
MENTIONS_NOTE = (
    "Mentions are the lines of other people's replies (anonymous feedback included) that name "
    "this person by first name, full name or address; the rest of those replies is the other "
    "people's and is not included."
)
LEDGER_TABLES = ("prompts", "pauses", "failures", "prompt_lines", "inbound",
                 "feedback_answered", "test_sends")


# --------------------------------------------------------------------------- pure


def parse_member(raw: str) -> str | None:
    """The address, lowercased, or None when ``raw`` is not an email address."""
    email = raw.strip().lower()
    local, at, domain = email.rpartition("@")
    if not (at and local and domain) or len(email) > 254:
        return None
    if any(ch.isspace() or not ch.isprintable() for ch in email):
        return None
    return email


def people_named(config: Config | None, email: str) -> list[tuple[str, str, Person]]:
    """(team, role, person) for every config entry with this address or alias."""
    if config is None:
        return []
    found: list[tuple[str, str, Person]] = []
    for team in config.teams:
        if email in team.manager.addresses:
            found.append((team.name, "manager", team.manager))
        found += [(team.name, "member", p) for p in team.members if email in p.addresses]
    return found


def known_addresses(config: Config | None, email: str) -> tuple[str, ...]:
    """The address and every other address the config gives the same person; ``email`` first."""
    others = {a for _, _, person in people_named(config, email) for a in person.addresses}
    return (email, *sorted(others - {email}))


def _person_dict(team: str, role: str, person: Person) -> dict[str, Any]:
    return {
        "team": team,
        "role": role,
        "name": person.name,
        "email": person.email,
        "aliases": list(person.aliases),
        "timezone": person.timezone.key,
        "language": person.language,
        "country": person.country,
        "goals": list(person.goals),
        "away": [{"start": p.start.isoformat(), "end": p.end.isoformat()} for p in person.away],
    }


# --------------------------------------------------------------------------- mentions


def _needles(config: Config | None, email: str, addresses: Sequence[str]) -> Needles:
    named = people_named(config, email)
    return needles(named[0][2] if named else None, addresses)


def _others_records(store: RecordStore, addresses: Sequence[str]) -> list[Path]:
    """Every record file except the person's own (those are exported and erased whole)."""
    own = set(store.person_folders(addresses))
    return [path for folder, _, _ in store.period_folders() if folder.parent not in own
            for path in sorted(folder.glob("*.yaml"))
            if not path.name.startswith(".") and not path.is_symlink()]


def find_mentions(store: RecordStore, who: Needles, addresses: Sequence[str]
                  ) -> list[tuple[Path, Record, dict[str, list[str]]]]:
    """(path, record, lines per field) of other people's records that name the person."""
    found = []
    for path in _others_records(store, addresses):
        try:
            record = store.read(path)
        except RecordError:
            continue  # unreadable: the operator sees it in housekeeping; nothing to match
        lines = record_mentions(record, who)
        if lines:
            found.append((path, record, lines))
    return found


def _mention_items(store: RecordStore, who: Needles, addresses: Sequence[str],
                   data_dir: Path) -> list[dict[str, Any]]:
    return [{"path": path.relative_to(data_dir).as_posix(), "kind": record.kind,
             "period": record.slot, "lines": lines}
            for path, record, lines in find_mentions(store, who, addresses)]


# --------------------------------------------------------------------------- export


def _records_of(
    store: RecordStore, addresses: Sequence[str], data_dir: Path
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for folder in store.person_folders(addresses):
        for path in store.files_in(folder):
            if path.suffix != ".yaml" or path.name.startswith(".") or path.is_symlink():
                continue
            shown = path.relative_to(data_dir).as_posix()
            try:
                items.append({"path": shown, "record": record_to_dict(store.read(path))})
            except RecordError as exc:  # still their data: give it as it is on disk
                items.append({"path": shown, "problem": str(exc), "content": _raw(path)})
    return items


def _raw(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return None


def export_person(
    store: RecordStore,
    ledger: Ledger | None,
    email: str,
    *,
    config: Config | None = None,
    now: datetime,
) -> dict[str, Any]:
    """Everything stored about the person with address ``email``, as plain data.

    :param ledger: None when there is no ledger yet (then there are no rows either).
    """
    addresses = known_addresses(config, email)
    data_dir = store.root.parent
    rows = ledger.person_rows(addresses) if ledger else {t: [] for t in LEDGER_TABLES}
    own = {a.lower() for a in addresses}
    return {
        "export": {
            "email": email,
            "addresses": list(addresses),
            "generated_at": now.isoformat(),
            "data_dir": str(data_dir),
        },
        "notes": [FEEDBACK_NOTE, TOKEN_NOTE, MENTIONS_NOTE],
        "config": [_person_dict(*entry) for entry in people_named(config, email)],
        "records": _records_of(store, addresses, data_dir),
        "mentions": _mention_items(store, _needles(config, email, addresses), addresses,
                                   data_dir),
        "ledger": {t: [_shown(row, own) for row in rows[t]] for t in LEDGER_TABLES},
    }


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as a 0600 file, atomically (temp file, fsync, replace)."""
    try:
        durable.replace(path, text.encode("utf-8"))
    except OSError as exc:
        raise RecordError(f"cannot write {path}: {exc.strerror or exc}") from exc


# --------------------------------------------------------------------------- forget


@dataclass(frozen=True)
class ForgetReport:
    addresses: tuple[str, ...]
    files: tuple[Path, ...] = ()
    ledger_rows: Mapping[str, int] = field(default_factory=dict)
    blanked: tuple[Path, ...] = ()  # others' records whose mentions were blanked
    mentioned: tuple[Path, ...] = ()  # others' records that name the person (left as they are)

    @property
    def nothing(self) -> bool:
        return not self.files and not any(self.ledger_rows.values()) and not self.blanked

    def lines(self, data_dir: Path) -> list[str]:
        """What was removed, for the operator: counts, then every file path."""
        who = ", ".join(self.addresses)
        if self.nothing:
            return [f"nothing stored about {who}: nothing removed"]
        rows = ", ".join(f"{self.ledger_rows.get(t, 0)} {t}" for t in LEDGER_TABLES)
        lines = [f"removed {len(self.files)} file(s) about {who}", f"removed ledger rows: {rows}"]
        lines += [f"  {_relative(path, data_dir)}" for path in self.files]
        if self.blanked:
            lines.append(f"blanked the name in {len(self.blanked)} record(s) of other people")
            lines += [f"  {_relative(path, data_dir)}" for path in self.blanked]
        return lines


def _shown(row: dict[str, Any], own: set[str]) -> dict[str, Any]:
    """A ledger row as the export shows it: question ids as a list; without the reply token
    (a key, not data about anyone) nor a test prompt's ``sent_to`` when that is the manager's
    address, not the person's."""
    return {k: json.loads(v) if k == "question_ids" else v for k, v in row.items()
            if k != "token" and (k != "sent_to" or v in own)}


def _relative(path: Path, data_dir: Path) -> str:
    try:
        return path.relative_to(data_dir).as_posix()
    except ValueError:
        return str(path)


def forget_person(
    store: RecordStore, ledger: Ledger | None, email: str, *, config: Config | None = None,
    mentions: bool = False,
) -> ForgetReport:
    """Erase the person's record folders (every file in them) and their ledger rows; with
    ``mentions``, also replace their name in other people's records (anonymous feedback
    included) by ``[namn borttaget]`` / ``[name removed]``, rewriting each file atomically.

    Idempotent: a second call removes nothing. Anonymous feedback is never erased as anyone's.
    """
    addresses = known_addresses(config, email)
    who = _needles(config, email, addresses)  # before the config entry may go
    files: list[Path] = []
    for folder in store.person_folders(addresses):
        files += store.remove_folder(folder)
    rows = ledger.forget(addresses) if ledger else {t: 0 for t in LEDGER_TABLES}
    found = find_mentions(store, who, addresses)
    blanked: list[Path] = []
    if mentions:
        for path, record, _ in found:
            store.rewrite(path, blank_record(record, who))
            blanked.append(path)
    return ForgetReport(addresses, tuple(files), rows, tuple(blanked),
                        tuple(path for path, _, _ in found if path not in blanked))

