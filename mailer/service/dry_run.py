"""What ``mailer send KIND --dry-run`` says, in people's words. Pure: data in, lines out.

Three parts: the slots due now (what a real run would send), each recipient's next slot in
their own time and in the manager's ("Yuki Tanaka: Mon 7 Dec 09:30 Asia/Tokyo = 01:30 your
time"), and one line that explains every skipped slot. "Your time" is the team manager's zone:
the manager runs the service for the team and reads what it sends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from mailer.kinds import noun
from mailer.outbound.schedule import Planned

# English names whatever the machine's locale: the command line speaks English.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class DueNow:
    """A slot a real run would send now, and the subject it would carry."""

    planned: Planned
    subject: str


def day_time(at: datetime, *, now: datetime | None = None) -> str:
    """``Mon 7 Dec 09:30``; with the year when it is not the year of ``now``."""
    text = f"{_WEEKDAYS[at.weekday()]} {at.day} {_MONTHS[at.month - 1]}"
    if now is not None and at.year != now.astimezone(at.tzinfo).year:
        text += f" {at.year}"
    return f"{text} {at:%H:%M}"


def both_times(at: datetime, yours: ZoneInfo, *, now: datetime) -> str:
    """``Mon 7 Dec 09:30 Asia/Tokyo = 01:30 your time``: the day too when it differs,
    ``(your time too)`` when the zones are the same."""
    zone = at.tzinfo.key if isinstance(at.tzinfo, ZoneInfo) else str(at.tzinfo)
    text = f"{day_time(at, now=now)} {zone}"
    if zone == yours.key:
        return f"{text} (your time too)"
    mine = at.astimezone(yours)
    return (f"{text} = {mine:%H:%M} your time" if mine.date() == at.date()
            else f"{text} = {day_time(mine, now=now)} your time")


def span(delta: timedelta) -> str:
    """``3h``, ``90m`` as ``1h 30m``, ``2d``: a duration as a person writes it."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = (f"{days}d" if days else "", f"{hours}h" if hours else "",
             f"{minutes}m" if minutes else "")
    return " ".join(p for p in parts if p) or "0m"


def skip_summary(kind: str, skipped: Sequence[Planned], *, catch_up: timedelta) -> str | None:
    """One line that explains every skipped slot, or None when nothing was skipped."""
    if not skipped:
        return None
    reasons: Counter[str] = Counter()
    holidays: dict[str, None] = {}
    missed: dict[str, None] = {}
    for plan in sorted(skipped, key=lambda p: p.due_at):
        why = plan.skip_reason or "skipped"
        head = why.split(":")[0].split()[0]
        reasons[head] += 1
        if head == "holiday":
            holidays[why.partition(":")[2].strip()] = None
        elif head == "missed":
            missed[day_time(plan.due_at).rsplit(" ", 1)[0]] = None
    words = {
        "missed": f"missed (due {', '.join(missed)}, more than {span(catch_up)} ago: "
                  "service.catch_up), and a late prompt is never sent",
        "holiday": f"on a public holiday ({', '.join(holidays)})",
        "away": "away (an away period in the config)",
        "paused": "paused (by their own reply or an out-of-office)",
    }
    parts = [f"{n} {words.get(head, head)}" for head, n in sorted(reasons.items())]
    return f"{len(skipped)} {noun(kind, len(skipped))} skipped: {'; '.join(parts)}"


def dry_run_lines(kind: str, *, due: Sequence[DueNow], skipped: Sequence[Planned],
                  upcoming: Sequence[Planned], now: datetime, catch_up: timedelta,
                  team: str | None = None) -> list[str]:
    """The whole dry run: due now, each recipient's next slot per team, the skips, the total."""
    lines = [f"send now: {d.planned.person.name} <{d.planned.person.email}> "
             f"({d.planned.team.name}) [{d.planned.person.language}], due "
             f"{both_times(d.planned.due_at, d.planned.team.manager.timezone, now=now)}: "
             f"{d.subject}" for d in due]
    if upcoming:
        lines.append(f"next {noun(kind, 2)}, in each person's time and yours (the manager's):")
    else:
        lines.append(f"no {noun(kind, 2)} are scheduled for {team or 'any team'}")
    current = None
    for plan in sorted(upcoming, key=lambda p: (p.team.name, p.due_at, p.person.name)):
        if plan.team.name != current:
            current, manager = plan.team.name, plan.team.manager
            lines.append(f"  {plan.team.display_name} ({plan.team.name}): your time is "
                         f"{manager.name}'s, {manager.timezone.key}")
        when = both_times(plan.due_at, plan.team.manager.timezone, now=now)
        skip = f", skipped: {plan.skip_reason}" if plan.skip_reason else ""
        lines.append(f"    {plan.person.name}: {when}{skip}")
    summary = skip_summary(kind, skipped, catch_up=catch_up)
    if summary:
        lines.append(summary)
    lines.append(f"would send {len(due)} {noun(kind, len(due))} now for {team or 'all teams'}")
    return lines
