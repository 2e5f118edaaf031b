"""Automatic mail: out-of-office replies pause their verified sender; bounces mark addresses.

Neither creates an answer record. Pure: the clock comes in as ``now``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from mailer.inbound.decision import Decision, quarantine
from mailer.inbound.matching import Lookups, match_prompt, people_at, recipient
from mailer.models import Config, Pause, Person, Team
from mailer.parse.replies import Reply

DEFAULT_AWAY = timedelta(days=7)


def auto_reply(reply: Reply, *, config: Config, lookups: Lookups, secret: bytes | None,
                now: datetime) -> Decision:
    """Pause the verified recipient of the prompt an out-of-office answers; nobody else.

    The prompt must be found by In-Reply-To, References or a signed token, never by the From
    address alone (anyone can write it), and the From address must be one of that recipient's
    own. The pause covers the same person in their other teams too: one absence is one
    absence, and Exchange answers each sender only once per absence anyway.
    """
    known = people_at(config, reply.from_address)
    if not reply.out_of_office:
        reason = f"auto-reply ({reply.kind_reason})" if known else (
            f"auto-reply from an unknown sender ({reply.kind_reason})")
        return Decision("ignored", "processed", reason, email=known[0][1].email if known else None,
                        sender=reply.from_address)
    match = match_prompt(reply, config=config, lookups=lookups, secret=secret, now=now,
                         by_sender=False)
    if isinstance(match, str):
        return Decision("ignored", "processed", f"out-of-office, nobody paused: {match}",
                        sender=reply.from_address)
    prompt = match[0]
    team = config.team_by_id(prompt.slot.team)
    person = recipient(team, prompt.slot.email) if team else None
    if team is None or person is None:
        return Decision("ignored", "processed", "out-of-office, nobody paused: the prompt's "
                        "team or person is no longer configured", sender=reply.from_address)
    if reply.from_address not in person.addresses:
        why = "someone else's prompt" if known else "a prompt, from an unknown sender"
        return quarantine(reply, f"out-of-office answering {why}: nobody paused",
                          team=team.id)
    memberships = [(team, person), *((t, p) for t, p in people_at(config, person.email)
                                     if p.email == person.email and t.id != team.id)]
    pauses = tuple(away(t, p, reply.return_date, now) for t, p in memberships)
    why = f"back {reply.return_date.isoformat()}" if reply.return_date else "no return date found"
    return Decision("out_of_office", "processed",
                    f"paused until {pauses[0].until.isoformat()} ({why})",
                    team=team.id, email=person.email, pauses=pauses)


def away(team: Team, person: Person, return_date: date | None, now: datetime) -> Pause:
    """Paused from today until the day before the return date (or for a week)."""
    today = now.astimezone(person.timezone).date()
    back = return_date if return_date and return_date > today else None
    return Pause(team.id, person.email, today, (back or today + DEFAULT_AWAY)
                 - timedelta(days=1), "out_of_office", now)


def bounce(reply: Reply, config: Config) -> Decision:
    permanent = [f for f in reply.failed if f.permanent]
    known = tuple(dict.fromkeys(
        f.address for f in permanent if people_at(config, f.address)))
    if not known:
        reason = "bounce for no configured address" if permanent else "delay notice"
        return Decision("ignored", "processed", f"{reason} ({reply.kind_reason})",
                        sender=reply.from_address)
    status = next((f.status for f in permanent if f.address in known and f.status), "")
    reason = f"bounce {status}".strip()
    return Decision("bounce", "processed", reason, email=known[0], failing=known)
