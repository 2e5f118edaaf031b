"""``mailer status``: what the service did and will do, read from the ledger beside a running
service.

SQLite in WAL mode lets this read while ``mailer run`` writes. The summary is built by a pure
function (:func:`team_status`) from the config, the ledger's facts and the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mailer.models import AddressFailure, Config, Pause, Team
from mailer.outbound import schedule
from mailer.storage.ledger import Ledger


@dataclass(frozen=True)
class PausedPerson:
    email: str
    until: str
    reason: str


@dataclass(frozen=True)
class TeamStatus:
    team: str
    next_runs: dict[str, str]  # kind -> ISO time of the next run
    last_send: str | None
    last_poll: str | None
    replies_this_week: int
    paused: list[PausedPerson]
    failing: list[str]
    quarantined_this_week: int
    #: Messages the service was not sure a person wrote (moved to the review folder).
    review_this_week: int = 0


def next_runs(config: Config, team: Team, *, now: datetime) -> dict[str, str]:
    """The earliest next fire time of each kind of the team's scheduled jobs."""
    runs: dict[str, datetime] = {}
    for spec in schedule.job_specs(config):
        if spec.team != team.name:
            continue
        at = spec.trigger.get_next_fire_time(None, now)
        if at is not None and (spec.kind not in runs or at < runs[spec.kind]):
            runs[spec.kind] = at
    return {kind: _local(at, team) for kind, at in sorted(runs.items())}


def _local(at: datetime, team: Team) -> str:
    """A time as the manager reads it: their own zone, to the second."""
    return at.astimezone(team.manager.timezone).replace(microsecond=0).isoformat()


def team_status(
    config: Config,
    team: Team,
    *,
    now: datetime,
    last_send: datetime | None,
    last_poll: str | None,
    counts: dict[str, int],
    pauses: Sequence[Pause],
    failures: Sequence[AddressFailure],
) -> TeamStatus:
    today = now.astimezone(team.manager.timezone).date()
    members = {p.email for p in team.members} | {team.manager.email}
    return TeamStatus(
        team=team.name,
        next_runs=next_runs(config, team, now=now),
        last_send=_local(last_send, team) if last_send else None,
        last_poll=_local(datetime.fromisoformat(last_poll), team) if last_poll else None,
        replies_this_week=counts.get("record", 0),
        paused=[
            PausedPerson(p.email, p.until.isoformat(), p.reason) for p in pauses if p.until >= today
        ],
        failing=[f.email for f in failures if f.email in members],
        quarantined_this_week=counts.get("quarantine", 0),
        review_this_week=counts.get("review", 0),
    )


def _week_start(now: datetime, team: Team) -> datetime:
    local = now.astimezone(team.manager.timezone)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return monday.astimezone(UTC)


def collect(config: Config, ledger: Ledger, *, now: datetime) -> list[TeamStatus]:
    failures = ledger.failures()
    last_poll = ledger.get_state("last_poll")
    return [
        team_status(
            config,
            team,
            now=now,
            last_send=ledger.last_sent_at(team=team.name),
            last_poll=last_poll,
            counts=ledger.inbound_counts_for(team.name, since=_week_start(now, team)),
            pauses=ledger.pauses(team=team.name),
            failures=failures,
        )
        for team in config.teams
    ]


def render_text(statuses: Sequence[TeamStatus], *, unmatched_quarantine: int,
                unmatched_review: int = 0) -> str:
    lines: list[str] = []
    for st in statuses:
        lines.append(f"{st.team}")
        for kind, at in st.next_runs.items():
            lines.append(f"  next {kind:<11} {at}")
        lines.append(f"  last send        {st.last_send or 'never'}")
        lines.append(f"  last poll        {st.last_poll or 'never'}")
        lines.append(f"  replies (week)   {st.replies_this_week}")
        lines.append(f"  quarantined      {st.quarantined_this_week} this week")
        if st.review_this_week:
            lines.append(f"  not sure about   {st.review_this_week} this week (review folder)")
        for p in st.paused:
            lines.append(
                f"  paused           {p.email} until {p.until} ({p.reason.replace('_', ' ')})"
            )
        for email in st.failing:
            lines.append(f"  failing address  {email}")
    lines.append(f"quarantined, no team: {unmatched_quarantine}")
    if unmatched_review:
        lines.append(f"not sure about, no team: {unmatched_review} (in the review folder)")
    return "\n".join(lines)
