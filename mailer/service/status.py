"""``mailer status``: what the service did, will do, and whether a person is needed.

Read-only: the ledger is opened with SQLite's ``mode=ro`` (beside a running service, WAL lets
it read while the service writes; on a full disk nothing has to be written), and the service's
own view (SMTP and IMAP state, the config it runs) comes from the state file it keeps
(:mod:`mailer.service.health`). The summary is built by pure functions (:func:`team_status`,
:func:`attention`) from the config, the ledger's facts and the clock.

Exit code 3 when something needs a person: prompts due and unsent for more than
:data:`STUCK_AFTER`, a refused sign-in, a full disk or a ledger the service cannot write.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from mailer.config.load import load_config
from mailer.errors import ConfigError
from mailer.kinds import KIND_NAMES
from mailer.models import AddressFailure, Config, Pause, Person, Prompt, Team
from mailer.outbound import schedule
from mailer.service.health import read_state
from mailer.service.timing import TEST_CLOCK_ENV, timing_from_env
from mailer.storage.ledger import Ledger

#: Due and unsent for longer than this: stuck (a person should look).
STUCK_AFTER = timedelta(minutes=15)
#: A heartbeat older than this: the service is not running (it beats every minute).
HEARTBEAT_STALE = timedelta(minutes=5)
#: Less free space than this in the data folder counts as a full disk.
DISK_LOW_BYTES = 1024 * 1024
EXIT_NEEDS_PERSON = 3


@dataclass(frozen=True)
class PausedPerson:
    email: str
    until: str
    reason: str


@dataclass(frozen=True)
class PersonRun:
    """One recipient's next run, in their own time and in the manager's."""

    name: str
    email: str
    zone: str  # the person's time zone, e.g. "Asia/Tokyo"
    local: str  # ISO, in the person's zone
    manager_time: str  # ISO, in the manager's zone


@dataclass(frozen=True)
class Pending:
    """Prompts due and not sent yet."""

    count: int
    oldest_due: str | None
    last_error: str | None
    stuck: int  # due for longer than STUCK_AFTER


@dataclass(frozen=True)
class Expired:
    email: str
    kind: str
    period: str
    reason: str


@dataclass(frozen=True)
class TeamStatus:
    team: str
    next_runs: dict[str, str]  # kind -> ISO time of the next run, in the manager's zone
    last_send: str | None
    last_poll: str | None
    replies_this_week: int
    paused: list[PausedPerson]
    failing: list[str]
    quarantined_this_week: int
    people_runs: dict[str, list[PersonRun]] = field(default_factory=dict)
    pending: Pending = Pending(0, None, None, 0)
    expired_this_week: list[Expired] = field(default_factory=list)


# --------------------------------------------------------------------------- pure parts


def _local(at: datetime, team: Team) -> str:
    """A time as the manager reads it: their own zone, to the second."""
    return _iso_in(at, team.manager.timezone)


def _wall(at: datetime, person: Person) -> str:
    return _iso_in(at, person.timezone)


@lru_cache(maxsize=4096)
def _iso_in(at: datetime, zone: ZoneInfo) -> str:
    """Teams share calendars and zones: each instant is formatted once per zone."""
    return at.astimezone(zone).replace(microsecond=0).isoformat()


def _said(run: PersonRun) -> str:
    """``Yuki Tanaka: Mon 7 Dec 09:30 Asia/Tokyo = Mon 7 Dec 01:30 manager's time``."""
    return f"{run.name}: {_when(run.local, run.manager_time, run.zone)}"


@lru_cache(maxsize=1024)
def _when(local_iso: str, manager_iso: str, zone: str) -> str:
    local, mine = datetime.fromisoformat(local_iso), datetime.fromisoformat(manager_iso)
    text = f"{local:%a} {local.day} {local:%b %H:%M} {zone}"
    if local.utcoffset() != mine.utcoffset():
        text += f" = {mine:%a} {mine.day} {mine:%b %H:%M} manager's time"
    return text


def people_runs(team: Team, *, now: datetime) -> dict[str, list[PersonRun]]:
    """Per kind, each recipient's next run: their local time and the manager's (issue 11)."""
    runs: dict[str, list[PersonRun]] = {}
    for kind in KIND_NAMES:
        # One planner question and one formatting per zone, not per person.
        by_zone: dict[ZoneInfo, tuple[str, str] | None] = {}
        found: list[PersonRun] = []
        for person in schedule.recipients(team, kind):
            zone = person.timezone
            if zone not in by_zone:
                at = schedule.next_run(team, kind, zone, now)
                by_zone[zone] = None if at is None else (_wall(at, person), _local(at, team))
            times = by_zone[zone]
            if times is not None:
                found.append(PersonRun(person.name, person.email, zone.key, *times))
        if found:
            runs[kind] = found
    return runs


def pending_of(rows: Sequence[Prompt], *, now: datetime, team: Team) -> Pending:
    if not rows:
        return Pending(0, None, None, 0)
    oldest = min(rows, key=lambda p: p.due_at)
    errors = [p for p in rows if p.last_error]
    last_error = max(errors, key=lambda p: p.due_at).last_error if errors else None
    stuck = sum(1 for p in rows if now - p.due_at > STUCK_AFTER)
    return Pending(len(rows), _local(oldest.due_at, team), last_error, stuck)


def team_status(
    config: Config, team: Team, *, now: datetime, last_send: datetime | None,
    last_poll: str | None, counts: Mapping[str, int], pauses: Sequence[Pause],
    failures: Sequence[AddressFailure], pending: Sequence[Prompt] = (),
    expired: Sequence[Prompt] = (),
) -> TeamStatus:
    today = now.astimezone(team.manager.timezone).date()
    members = {p.email for p in team.members} | {team.manager.email}
    runs = people_runs(team, now=now)
    next_runs = {kind: min(people, key=lambda r: r.manager_time).manager_time
                 for kind, people in sorted(runs.items())}
    return TeamStatus(
        team=team.name,
        next_runs=next_runs,
        last_send=_local(last_send, team) if last_send else None,
        last_poll=_local(datetime.fromisoformat(last_poll), team) if last_poll else None,
        replies_this_week=counts.get("record", 0),
        paused=[PausedPerson(p.email, p.until.isoformat(), p.reason) for p in pauses
                if p.until >= today],
        failing=[f.email for f in failures if f.email in members],
        quarantined_this_week=counts.get("quarantine", 0),
        people_runs=runs,
        pending=pending_of(pending, now=now, team=team),
        expired_this_week=[Expired(p.slot.email, p.slot.kind, p.slot.period,
                                   p.skip_reason or "") for p in expired],
    )


@dataclass(frozen=True)
class ServiceView:
    """The service as its state file and the data folder show it."""

    running: bool | None  # None: the service never wrote a state file here
    pid: int | None
    heartbeat: str | None
    config_sha256: str | None
    config_loaded_at: str | None
    config_on_disk_sha256: str | None
    components: dict[str, dict[str, Any]]
    disk_free_bytes: int | None

    @property
    def config_matches(self) -> bool | None:
        if self.config_sha256 is None or self.config_on_disk_sha256 is None:
            return None
        return self.config_sha256 == self.config_on_disk_sha256


def service_view(state: Mapping[str, Any] | None, *, now: datetime, on_disk_sha: str | None,
                 pid_alive: bool, free: int | None) -> ServiceView:
    if state is None:
        return ServiceView(None, None, None, None, None, on_disk_sha, {}, free)
    heartbeat = state.get("heartbeat")
    fresh = heartbeat is not None and now - datetime.fromisoformat(heartbeat) < HEARTBEAT_STALE
    config = state.get("config") or {}
    return ServiceView(bool(fresh and pid_alive), state.get("pid"), heartbeat,
                       config.get("sha256"), config.get("loaded_at"), on_disk_sha,
                       dict(state.get("components") or {}), free)


def attention(teams: Sequence[TeamStatus], view: ServiceView) -> list[str]:
    """What needs a person, one line each; empty when all is well."""
    lines: list[str] = []
    stuck = sum(t.pending.stuck for t in teams)
    if stuck:
        lines.append(f"{stuck} prompt{'s' if stuck != 1 else ''} due for more than "
                     f"{int(STUCK_AFTER.total_seconds() // 60)} minutes and not sent")
    if view.disk_free_bytes is not None and view.disk_free_bytes < DISK_LOW_BYTES:
        lines.append(f"the data folder's disk is full ({view.disk_free_bytes} bytes free)")
    if view.running:
        for name, comp in sorted(view.components.items()):
            if comp.get("state") == "auth":
                lines.append(f"{name}: sign-in refused: {comp.get('detail', '')}")
            elif comp.get("state") == "failing" and name == "ledger":
                lines.append(f"ledger: cannot write: {comp.get('detail', '')}")
    return lines


# --------------------------------------------------------------------------- rendering


def render_text(statuses: Sequence[TeamStatus], *, unmatched_quarantine: int,
                view: ServiceView | None = None, needs: Sequence[str] = ()) -> str:
    lines: list[str] = []
    if view is not None:
        lines += _service_lines(view)
    for st in statuses:
        lines.append(f"{st.team}")
        for kind, at in st.next_runs.items():
            lines.append(f"  next {kind:<11} {at}")
            for run in st.people_runs.get(kind, ()):
                lines.append(f"    {_said(run)}")
        pend = st.pending
        if pend.count:
            lines.append(f"  due, not sent    {pend.count} (oldest due {pend.oldest_due}; last "
                         f"error: {pend.last_error or 'none yet'})")
        for ex in st.expired_this_week:
            lines.append(f"  expired          {ex.kind} {ex.period} to {ex.email}: {ex.reason}")
        lines.append(f"  last send        {st.last_send or 'never'}")
        lines.append(f"  last poll        {st.last_poll or 'never'}")
        lines.append(f"  replies (week)   {st.replies_this_week}")
        lines.append(f"  quarantined      {st.quarantined_this_week} this week")
        for p in st.paused:
            lines.append(f"  paused           {p.email} until {p.until} "
                         f"({p.reason.replace('_', ' ')})")
        for email in st.failing:
            lines.append(f"  failing address  {email}")
    lines.append(f"quarantined, no team: {unmatched_quarantine}")
    lines += [f"NEEDS ATTENTION: {line}" for line in needs]
    return "\n".join(lines)


#: The ledger state key of the last batch the daily cap held back (written by the send job).
DAILY_CAP_STATE = "smtp.daily_cap"


@dataclass(frozen=True)
class DailyCapHold:
    """A batch that ``smtp.max_per_day`` cut short: ``held_back`` prompts stayed due."""

    at: datetime
    held_back: int
    cap: int

    def state(self) -> str:
        return json.dumps({"at": self.at.isoformat(), "held_back": self.held_back,
                           "cap": self.cap})


def daily_cap_hold(state: str | None, *, now: datetime,
                   within: timedelta = timedelta(days=1)) -> DailyCapHold | None:
    """The hold recorded in the ledger state :data:`DAILY_CAP_STATE`, if ``within`` of now."""
    if not state:
        return None
    held = json.loads(state)
    hold = DailyCapHold(datetime.fromisoformat(held["at"]), int(held["held_back"]),
                        int(held["cap"]))
    return hold if now - hold.at <= within else None


def daily_cap_note(state: str | None, *, now: datetime) -> str | None:
    """The warning of ``mailer status`` for a hold in the last 24 hours, or None."""
    hold = daily_cap_hold(state, now=now)
    if hold is None:
        return None
    return (f"daily cap: {hold.held_back} prompts held back at "
            f"{hold.at.replace(microsecond=0).isoformat()} (smtp.max_per_day is {hold.cap}); "
            "they go out at the next run")
def _service_lines(view: ServiceView) -> list[str]:
    if view.running is None:
        lines = ["service          no state file: `mailer run` has not run with this data folder"]
    else:
        state = "running" if view.running else "not running"
        lines = [f"service          {state} (pid {view.pid}, last tick {view.heartbeat})"]
        for name in ("smtp", "imap", "ledger", "config"):
            comp = view.components.get(name)
            if comp is None:
                continue
            if comp.get("state") == "ok":
                lines.append(f"{name:<16} ok (last ok {comp.get('last_ok') or '?'})")
            else:
                lines.append(f"{name:<16} {comp.get('state')} since {comp.get('since')}: "
                             f"{comp.get('detail')} ({comp.get('failures')} failed attempts)")
        match = {True: "same as the file on disk", False: "the file on disk differs (the "
                 "service reloads it within a minute, or on SIGHUP; a bad one it refuses); "
                 "the next runs below are the file's", None: "?"}
        lines.append(f"config           {(view.config_sha256 or '?')[:12]} loaded "
                     f"{view.config_loaded_at}: {match[view.config_matches]}")
    if view.disk_free_bytes is not None:
        lines.append(f"disk free        {view.disk_free_bytes // (1024 * 1024)} MiB")
    return lines


# --------------------------------------------------------------------------- I/O


def _week_start(now: datetime, team: Team) -> datetime:
    local = now.astimezone(team.manager.timezone)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0,
                                                               microsecond=0)
    return monday.astimezone(UTC)


def collect(config: Config, ledger: Ledger, *, now: datetime) -> list[TeamStatus]:
    """Every team's status from one read-only session: a few indexed queries per team."""
    with ledger.session() as held:
        failures = held.failures()
        last_poll = held.get_state("last_poll")
        pauses: dict[str, list[Pause]] = {}
        for pause in held.pauses():
            pauses.setdefault(pause.team, []).append(pause)
        pending: dict[str, list[Prompt]] = {}
        for row in held.pending():
            pending.setdefault(row.slot.team, []).append(row)
        week_ago = now - timedelta(days=8)
        expired: dict[str, list[Prompt]] = {}
        for row in held.in_state("expired", since=week_ago):
            expired.setdefault(row.slot.team, []).append(row)
        statuses = []
        for team in config.teams:
            week = _week_start(now, team)
            statuses.append(team_status(
                config, team, now=now, last_send=held.last_sent_at(team=team.id),
                last_poll=last_poll, counts=held.inbound_counts_for(team.id, since=week),
                pauses=pauses.get(team.id, []), failures=failures,
                pending=pending.get(team.id, []),
                expired=[p for p in expired.get(team.id, []) if p.due_at >= week]))
    return statuses


def _pid_alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _free_bytes(path: Path) -> int | None:
    try:
        found = os.statvfs(path)
    except OSError:
        return None
    return found.f_bavail * found.f_frsize


def _sha(path: Path | None) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path else None
    except OSError:
        return None


def _data_dir_of_broken(path: Path, error: ConfigError) -> Path:
    """The data folder named by a config file that does not load, to show the service anyway."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        raw = data["service"]["data_dir"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        raise error from None
    folder = Path(str(raw)).expanduser()
    return folder if folder.is_absolute() else path.parent / folder


def status_command(config_path: Path, *, as_json: bool) -> int:
    """``mailer status [--json]``: print the status; exit 3 when something needs a person."""
    config: Config | None
    try:
        config = load_config(config_path)
    except ConfigError as exc:  # the service may still run the config it loaded before
        config, problem = None, exc
        data_dir = _data_dir_of_broken(config_path, exc)
    else:
        data_dir = config.service.data_dir
    now = timing_from_env(os.environ.get(TEST_CLOCK_ENV)).clock()
    state = read_state(data_dir)
    view = service_view(state, now=now, on_disk_sha=_sha(config_path),
                        pid_alive=_pid_alive((state or {}).get("pid")),
                        free=_free_bytes(data_dir))
    ledger = Ledger.reader(data_dir / "ledger.sqlite3")
    statuses: list[TeamStatus] = []
    unmatched = 0
    if ledger is not None:
        if config is not None:
            statuses = collect(config, ledger, now=now)
        unmatched = ledger.inbound_counts_for("", since=now - timedelta(days=7)).get(
            "quarantine", 0)
    needs = attention(statuses, view)
    cap_note = daily_cap_note(ledger.get_state(DAILY_CAP_STATE), now=now) if ledger else None
    if config is None:
        needs.insert(0, f"the config file does not load ({problem}); a restart would fail")
    if as_json:
        # vars(), not asdict(): asdict deep-copies every field, a second at 1,000 teams.
        print(json.dumps({"service": view, "teams": statuses,
                          "quarantined_no_team": unmatched, "needs_attention": needs,
                          "daily_cap": cap_note},
                         ensure_ascii=False, default=vars))  # compact: for machines
    else:
        print(render_text(statuses, unmatched_quarantine=unmatched, view=view, needs=needs))
        if cap_note:
            print(cap_note)
    return EXIT_NEEDS_PERSON if needs else 0
