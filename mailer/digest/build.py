"""The manager's weekly digest: :func:`build_digest`, a pure function of records, ledger rows,
config and the period.

It reads no file, no ledger and no clock: :mod:`mailer.service.digest` loads the records, prompts,
pauses and failures of :func:`read_window` and passes ``now``. This module cleans the inputs (a
reply superseded by a later reply to the same prompt counts once, aliases map to the member, nothing
after the week counts) and assembles the sections, whose rules live in :mod:`mailer.digest.sections`
(attention, pulse), :mod:`mailer.digest.people` (per person, follow-up, feedback) and
:mod:`mailer.digest.steps` (what to do next). The shapes are in :mod:`mailer.digest.model`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from mailer.digest import people as digest_people
from mailer.digest import sections as digest_sections
from mailer.digest.model import (
    LOOKBACK_WEEKS,
    Digest,
    Facts,
    display_names,
    week_bounds,
)
from mailer.digest.steps import next_steps
from mailer.models import MIN_RESPONDENTS, AddressFailure, Pause, Prompt, Record, Team


def read_window(week: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The records and prompts :func:`build_digest` needs: :data:`LOOKBACK_WEEKS` back."""
    start, end = week_bounds(week, tz)
    return start - timedelta(weeks=LOOKBACK_WEEKS), end


def latest_replies(records: Iterable[Record]) -> list[Record]:
    """One record per prompt: a later reply to the same prompt replaces the earlier one."""
    best: dict[tuple[str | None, str], Record] = {}
    for record in records:
        key = ((record.member, record.prompt_message_id) if record.prompt_message_id
               else (None, record.id))
        kept = best.get(key)
        if kept is None or (record.received_at, record.id) > (kept.received_at, kept.id):
            best[key] = record
    return sorted(best.values(), key=lambda r: (r.received_at, r.id))


def gather(
    team: Team,
    records: Iterable[Record],
    prompts: Iterable[Prompt],
    pauses: Iterable[Pause],
    failures: Iterable[AddressFailure],
    *,
    week: str,
    now: datetime,
    min_respondents: int | None,
) -> Facts:
    """Sort the raw inputs into :class:`Facts`: nothing after the end of the week, or after
    ``now`` for a digest of the week so far, counts."""
    tz = team.manager.timezone
    start, end = week_bounds(week, tz)
    as_of = min(now.astimezone(tz), end)
    by_member: dict[str, list[Record]] = {p.email: [] for p in team.members}
    own: list[Record] = []
    feedback: list[Record] = []
    manager = team.manager.addresses
    for record in latest_replies(r for r in records
                                 if r.team == team.id and r.received_at < as_of):
        if record.kind == "feedback":
            feedback.append(record)
        elif record.member is not None and record.member.lower() in manager:
            if record.kind == "reflection":
                own.append(record)
        elif record.member is not None and (person := team.member(record.member)):
            by_member[person.email].append(record)
    addresses = {a for p in team.members for a in p.addresses}
    if min_respondents is None:
        min_respondents = team.feedback.min_respondents if team.feedback else MIN_RESPONDENTS
    return Facts(
        team=team, tz=tz, start=start, end=end, as_of=as_of,
        names=display_names(team),
        anchors={p.email: f"p{i + 1}" for i, p in enumerate(team.members)},
        by_member={email: tuple(items) for email, items in by_member.items()},
        own=tuple(own), feedback=tuple(feedback),
        prompts=tuple(sorted((p for p in prompts if p.slot.team == team.id and p.state == "sent"
                              and p.sent_at is not None and p.sent_at < as_of),
                             key=lambda p: (p.sent_at or p.due_at, p.slot.key))),
        pauses=tuple(p for p in pauses if p.team == team.id),
        failures=tuple(f for f in failures if f.email.lower() in addresses),
        min_respondents=max(3, min_respondents),
    )


def next_meeting(team: Team, after: datetime) -> date | None:
    """The date of the first team meeting at or after ``after`` (manager's zone)."""
    if team.meeting is None:
        return None
    local = after.astimezone(team.manager.timezone)
    day = local.date() + timedelta(days=(team.meeting.day - local.weekday()) % 7)
    if day == local.date() and local.time() > team.meeting.time:
        day += timedelta(days=7)
    return day


# --------------------------------------------------------------------------- the entry point


def build_digest(
    team: Team,
    records: Iterable[Record],
    prompts: Iterable[Prompt],
    pauses: Iterable[Pause] = (),
    failures: Iterable[AddressFailure] = (),
    *,
    week: str,
    now: datetime,
    min_respondents: int | None = None,
) -> Digest:
    """The digest of ``team`` for the ISO ``week`` as it stands at ``now``.

    :param records: the team's records of :func:`read_window` (more is harmless).
    :param prompts: the team's ledger rows of the same window, any kind and state.
    :param min_respondents: leadership feedback is shown from this many answers; default
        the team's ``feedback.min_respondents``, else 5; never below 3.
    :raises ValueError: ``week`` is not an ISO week.
    """
    facts = gather(team, records, prompts, pauses, failures, week=week, now=now,
                   min_respondents=min_respondents)
    attention = digest_sections.attention(facts)
    pulse = digest_sections.pulse(facts)
    people = digest_people.people(facts, pulse)
    follow_up = digest_people.follow_up(facts)
    feedback = digest_people.feedback(facts)
    meeting = next_meeting(team, facts.as_of)
    steps = next_steps(facts, attention=attention, pulse=pulse, people=people,
                       follow_up=follow_up, feedback=feedback, meeting=meeting)
    return Digest(
        team=team.name, team_name=team.display_name, manager=team.manager.name, week=week,
        start=facts.start.date(), end=facts.start.date() + timedelta(days=6), as_of=facts.as_of,
        next_meeting=meeting, attention=attention, pulse=pulse, people=people,
        follow_up=follow_up, feedback=feedback, next_steps=steps,
    )
