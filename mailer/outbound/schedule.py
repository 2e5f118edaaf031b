"""When each prompt is due, for whom, and why a slot is skipped. Pure: the clock is an argument.

Two views of one calendar, kept consistent by the tests:

* :func:`job_specs` turns the config into APScheduler ``CronTrigger`` jobs, one per group of
  recipients sharing (kind, team, time zone, local time); ``mailer run`` registers them and the
  demo drives the same triggers on a simulated clock;
* :func:`slots_due` answers "what should have been sent by ``now``": each recipient's latest
  occurrence of the kind at or before ``now``, as a :class:`Planned` slot that is either due or
  carries the reason it is skipped (holiday, away, paused, missed); :func:`next_planned` the
  next occurrence after ``now`` (for previews and dry runs).

Periods (the part of a :class:`~mailer.models.Slot` that makes "at most once" hold): the local
date for check-ins, ``YYYY-MM`` for reviews and reflections, ``YYYY-Qn`` for feedback, the
meeting date for briefs and, for digests, the ISO week being summarised: a digest sent Monday to
Wednesday summarises the previous ISO week (which has just ended), one sent Thursday to Sunday
the current week so far (a Friday 15:00 digest covers Monday to Friday of its own week).

The rules (also in the README):

* times are the recipient's wall clock; a time in a DST gap moves on by the gap's length, a time
  in a fold is its first occurrence (:func:`local_instant`); the brief goes out its lead before
  the meeting in absolute time, so a spring-forward morning does not make it late;
* a check-in or brief on the recipient's public holiday (of their country and subdivision, see
  :mod:`mailer.outbound.workdays`), away period or pause is skipped; a monthly review,
  reflection or quarterly feedback request on a holiday moves to their next working day (its
  period stays the month or quarter it belongs to); away and pauses still skip it;
* calendar skips never apply to the digest: it is a record of the week that the manager reads
  when back, and a holiday Friday must not lose a week's summary;
* a slot up to :data:`ON_TIME` late is on time; later than that plus ``catch_up`` it is skipped
  as missed; only each recipient's latest occasion is planned, so after a long outage one
  check-in goes out, not a burst of old ones.

Cron (:func:`job_specs`) knows no holidays: a monthly occasion moved to the next working day
has no fire of its own there; a planner that ticks and asks :func:`slots_due` has no such gap.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from mailer.kinds import KIND_NAMES, KINDS, MEMBER_KINDS, PromptKind, prompt_kind
from mailer.models import (
    WEEKDAYS,
    Config,
    MonthlyRule,
    Pause,
    Person,
    Slot,
    Team,
)
from mailer.outbound.workdays import Region, holiday_name, next_working_day

#: APScheduler may wake a few milliseconds before the minute; a slot due within this margin
#: counts as due now, so an early wake-up never falls back to the previous occurrence.
EARLY = timedelta(minutes=1)
#: A slot this late is on time whatever ``catch_up`` says (even 0): the service wakes once a
#: minute, and a wake-up a few milliseconds late, or behind a long batch, is not a miss.
ON_TIME = timedelta(minutes=2)
_ORDINAL = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}


@dataclass(frozen=True)
class Planned:
    """One recipient's latest slot of a kind at ``now``: due when ``skip_reason`` is None."""

    slot: Slot
    person: Person
    team: Team
    due_at: datetime  # aware, in the recipient's zone
    skip_reason: str | None = None

    @property
    def due(self) -> bool:
        return self.skip_reason is None


@dataclass(frozen=True)
class JobSpec:
    """A cron job for a group of recipients sharing (kind, team, zone, local time)."""

    id: str
    kind: PromptKind
    team: str
    timezone: ZoneInfo
    at: time  # the local fire time
    trigger: CronTrigger
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class _Cadence:
    """A kind's calendar for one team: weekdays or a monthly rule, a local time, a lead."""

    time: time
    weekdays: tuple[int, ...] = ()
    monthly: MonthlyRule | None = None
    months: tuple[int, ...] = ()
    lead: timedelta = timedelta(0)  # briefs go out this long before the meeting


# --------------------------------------------------------------------------- periods


def digest_week(day: date) -> str:
    """The ISO week a digest sent on ``day`` summarises (see the module docstring)."""
    year, week, weekday = day.isocalendar()
    if weekday <= 3:  # Monday to Wednesday: the week that just ended
        year, week, _ = (day - timedelta(days=7)).isocalendar()
    return f"{year:04d}-W{week:02d}"


def period_of(kind: str, local_dt: datetime | date) -> str:
    """The slot period of a send (for briefs: of the meeting) at a local date or time."""
    day = local_dt.date() if isinstance(local_dt, datetime) else local_dt
    cadence = KINDS[prompt_kind(kind)].cadence
    if cadence == "day":
        return day.isoformat()
    if cadence == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if cadence == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return digest_week(day)


# --------------------------------------------------------------------------- calendars


def recipients(team: Team, kind: str) -> tuple[Person, ...]:
    """Members get check-ins, reviews and feedback; the manager everything else."""
    return team.members if kind in MEMBER_KINDS else (team.manager,)


def _cadence(team: Team, kind: str) -> _Cadence | None:
    """The team's calendar for a kind, or None when the team does not send it."""
    if kind == "checkin" and team.checkin and team.checkin.days:
        return _Cadence(team.checkin.time, weekdays=team.checkin.days)
    if kind in ("review", "feedback", "reflection"):
        monthly = getattr(team, kind)
        if monthly is None or not monthly.months:
            return None
        return _Cadence(monthly.time, monthly=monthly.on, months=monthly.months)
    if kind == "digest" and team.digest:
        return _Cadence(team.digest.time, weekdays=(team.digest.day,))
    if kind == "brief" and team.meeting:
        return _Cadence(team.meeting.time, weekdays=(team.meeting.day,),
                        lead=timedelta(minutes=team.meeting.brief_minutes_before))
    return None


def _dates(cadence: _Cadence, start: date, *, step: int) -> Iterator[date]:
    """The cadence's occasion dates from ``start`` on, going back (``step=-1``) or ahead
    (``step=1``), nearest first: a bounded search (15 days, or 25 months)."""
    if cadence.monthly is None:
        for n in range(15):
            day = start + timedelta(days=step * n)
            if day.weekday() in cadence.weekdays:
                yield day
        return
    year, month = start.year, start.month
    for _ in range(25):
        if month in cadence.months:
            day = cadence.monthly.date_in(year, month)
            if (day - start).days * step >= 0:
                yield day
        year, month = divmod(year * 12 + month - 1 + step, 12)
        month += 1


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant of a local date and time in ``tz``, as an aware datetime in ``tz``.

    A time in a DST gap (02:30 on a spring-forward night in Europe, 00:30 in Havana or the
    Azores) is read with the offset before the gap, so it moves on by the gap's length (03:30,
    01:30), as RFC 5545 3.3.5 says for calendars; a time in a fold (the autumn hour that
    happens twice) is its first occurrence (``fold=0``).
    """
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC).astimezone(tz)


def _fire_at(cadence: _Cadence, day: date, tz: ZoneInfo) -> datetime:
    """The instant of an occasion; a brief's lead is subtracted in absolute time, so the brief
    of a meeting on a spring-forward morning still arrives ``lead`` before it starts."""
    start = local_instant(day, cadence.time, tz)
    return (start.astimezone(UTC) - cadence.lead).astimezone(tz)


@dataclass(frozen=True)
class Occasion:
    """One send of a cadence: the rule's ``day`` (the slot period comes from it), the local
    date it goes out ``on`` (a monthly prompt on a holiday moves to the next working day),
    and the instant ``at``."""

    day: date
    on: date
    at: datetime


def last_occurrence(cadence: _Cadence, tz: ZoneInfo, now: datetime, *,
                    region: Region | None = None) -> Occasion | None:
    """The latest send at or before ``now`` (+ :data:`EARLY`).

    :param region: the recipient's holidays; a monthly occasion on one of them moves to the
        next working day (a rule date maps to a later send date, never past the next one).
    """
    limit = now + EARLY
    start = limit.astimezone(tz).date() + timedelta(days=cadence.lead.days + 1)
    for day in _dates(cadence, start, step=-1):
        on = day
        if cadence.monthly is not None and region is not None and holiday_name(region, day):
            on = next_working_day(region, day)
        at = _fire_at(cadence, on, tz)
        if at <= limit:
            return Occasion(day, on, at)
    return None


def next_occurrence(cadence: _Cadence, tz: ZoneInfo, now: datetime, *,
                    region: Region | None = None) -> Occasion | None:
    """The first send after ``now`` (+ :data:`EARLY`): :func:`last_occurrence` looking ahead,
    so that the send it finds is the one :func:`last_occurrence` returns when its time comes."""
    after = now + EARLY
    start = after.astimezone(tz).date() - timedelta(days=cadence.lead.days + 1)
    for day in _dates(cadence, start, step=1):
        on = day
        if cadence.monthly is not None and region is not None and holiday_name(region, day):
            on = next_working_day(region, day)
        at = _fire_at(cadence, on, tz)
        if at > after:
            return Occasion(day, on, at)
    return None


# --------------------------------------------------------------------------- skips


def _pause_until(person: Person, team: Team, day: date, pauses: Sequence[Pause]) -> date | None:
    ends = [p.until for p in pauses
            if p.team == team.id and p.email in person.addresses and p.start <= day <= p.until]
    return max(ends) if ends else None


def calendar_skip(kind: str, person: Person, team: Team, day: date,
                  pauses: Sequence[Pause]) -> str | None:
    """Why ``person`` gets no ``kind`` on their local ``day``: away, paused or a holiday.

    Monthly kinds are moved off holidays before this is asked (:func:`last_occurrence`), so
    only away and pauses skip them; the digest is never skipped.
    """
    if kind == "digest":
        return None
    if any(day in period for period in person.away):
        return "away"
    until = _pause_until(person, team, day, pauses)
    if until is not None:
        return f"paused until {until.isoformat()}"
    name = holiday_name(Region.of(person), day)
    return f"holiday: {name}" if name else None


def human_duration(delta: timedelta) -> str:
    """``2d 3h``, ``4h 12m``, ``35m``: for log lines and skip reasons."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


# --------------------------------------------------------------------------- planning


def slots_due(
    config: Config,
    kind: str,
    *,
    now: datetime,
    catch_up: timedelta,
    ledger_pauses: Sequence[Pause],
    team: str | None = None,
    member: str | None = None,
) -> list[Planned]:
    """Each recipient's latest ``kind`` slot at ``now``, due or with the reason it is skipped.

    A slot missed by more than ``catch_up`` (plus :data:`ON_TIME`) is skipped ("missed by 5h
    2m"), never sent late. Only the latest occurrence per recipient is planned: after a long
    outage older ones are not sent in a burst.

    :param team: only this team (its name); :param member: only this address (or alias).
    :raises ValueError: ``now`` is naive or ``kind`` unknown.
    """
    planned: list[Planned] = []
    for current, cadence, person in _scheduled(config, kind, now, team, member):
        found = last_occurrence(cadence, person.timezone, now, region=Region.of(person))
        if found is not None:
            planned.append(_plan(kind, current, person, found, now, catch_up, ledger_pauses))
    return planned


def next_planned(
    config: Config,
    kind: str,
    *,
    now: datetime,
    ledger_pauses: Sequence[Pause] = (),
    team: str | None = None,
    member: str | None = None,
) -> list[Planned]:
    """Each recipient's next ``kind`` slot after ``now``, with the reason it will be skipped
    (holiday, away, paused) when the calendar already says so.

    The same occasions as :func:`slots_due` will plan when their time comes (holidays moved,
    a brief's lead in real time), so a preview or a dry run names what ``mailer run`` sends.

    :raises ValueError: ``now`` is naive or ``kind`` unknown.
    """
    planned: list[Planned] = []
    for current, cadence, person in _scheduled(config, kind, now, team, member):
        found = next_occurrence(cadence, person.timezone, now, region=Region.of(person))
        if found is None:
            continue
        slot = Slot(current.id, person.id, prompt_kind(kind), period_of(kind, found.day))
        planned.append(Planned(slot, person, current, found.at,
                               calendar_skip(kind, person, current, found.on, ledger_pauses)))
    return planned


def _scheduled(config: Config, kind: str, now: datetime, team: str | None,
               member: str | None) -> Iterator[tuple[Team, _Cadence, Person]]:
    """(team, its cadence of ``kind``, recipient) for every recipient the filters keep."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    period_of(kind, now)  # rejects an unknown kind early
    for current in config.teams:
        cadence = _cadence(current, kind)
        if cadence is None or (team is not None and current.name != team):
            continue
        for person in recipients(current, kind):
            if member is None or member.lower() in person.addresses:
                yield current, cadence, person


def _plan(kind: str, team: Team, person: Person, found: Occasion, now: datetime,
          catch_up: timedelta, pauses: Sequence[Pause]) -> Planned:
    slot = Slot(team.id, person.id, prompt_kind(kind), period_of(kind, found.day))
    reason = calendar_skip(kind, person, team, found.on, pauses)
    late = now - found.at
    if reason is None and late > catch_up + ON_TIME:
        reason = f"missed by {human_duration(late)}"
    return Planned(slot, person, team, found.at, reason)


# --------------------------------------------------------------------------- cron jobs


def _cron_fields(cadence: _Cadence) -> dict[str, str]:
    """CronTrigger fields of a cadence; a brief's lead shifts its weekday and time.

    Cron knows no holidays: a monthly occasion that the planner moves off a holiday has no
    fire of its own here (the planner tick of ``mailer run`` asks the planner instead).
    """
    if cadence.monthly is not None:
        rule = cadence.monthly
        day = str(rule.day) if rule.day is not None else (
            f"{_ORDINAL[rule.nth or 1]} {WEEKDAYS[rule.weekday or 0]}")
        return {"month": ",".join(map(str, cadence.months)), "day": day,
                "hour": str(cadence.time.hour), "minute": str(cadence.time.minute)}
    week = 7 * 24 * 60
    lead = int(cadence.lead.total_seconds() // 60)
    shifted = {(d * 24 * 60 + cadence.time.hour * 60 + cadence.time.minute - lead) % week
               for d in cadence.weekdays}
    days = sorted({m // (24 * 60) for m in shifted})
    minute_of_day = {m % (24 * 60) for m in shifted}.pop()  # one time per cadence
    return {"day_of_week": ",".join(WEEKDAYS[d] for d in days),
            "hour": str(minute_of_day // 60), "minute": str(minute_of_day % 60)}


def job_specs(config: Config) -> list[JobSpec]:
    """One cron job per (kind, team, zone, local time), with a stable id; sorted by id."""
    specs: list[JobSpec] = []
    for team in config.teams:
        for kind in KIND_NAMES:
            cadence = _cadence(team, kind)
            if cadence is None:
                continue
            groups: dict[str, list[Person]] = {}
            for person in recipients(team, kind):
                groups.setdefault(person.timezone.key, []).append(person)
            fields = _cron_fields(cadence)
            at = time(int(fields["hour"]), int(fields["minute"]))
            for key, people in groups.items():
                tz = ZoneInfo(key)
                specs.append(JobSpec(
                    id=f"{kind}:{team.name}:{key}:{at:%H:%M}", kind=kind,
                    team=team.name, timezone=tz, at=at,
                    trigger=CronTrigger(timezone=tz, **fields),
                    recipients=tuple(p.email for p in people)))
    return sorted(specs, key=lambda spec: spec.id)




def next_run(team: Team, kind: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The first send of ``kind`` for the team's recipients in zone ``tz`` after ``now``.

    Calendar skips (holidays, away, pauses) are not applied: this is when the planner looks
    next, for ``mailer status``.
    """
    cadence = _cadence(team, kind)
    return None if cadence is None else _next_fire(cadence, tz, now)


@lru_cache(maxsize=4096)
def _next_fire(cadence: _Cadence, tz: ZoneInfo, now: datetime) -> datetime | None:
    """Teams often share a calendar: status asks once per (calendar, zone) at one ``now``."""
    start = now.astimezone(tz).date() - timedelta(days=cadence.lead.days + 1)
    for day in _dates(cadence, start, step=1):
        at = _fire_at(cadence, day, tz)
        if at > now:
            return at
    return None
