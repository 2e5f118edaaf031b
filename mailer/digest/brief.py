"""The meeting brief (habit 2, "from physical meeting to digital interplay") as data. Pure.

Sent ``brief_minutes_before`` a team meeting: the obstacles raised since the last meeting (who,
what), who has been quiet lately and could be invited to speak, who is away, and one social
opening question. The habits reminder (social start, everyone gets a turn, cameras on, an
agenda-free hangout now and then) is fixed text in the templates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mailer.digest.build import latest_replies
from mailer.digest.model import Quote, display_names
from mailer.digest.similarity import is_nothing, shorten, similar
from mailer.models import Language, Pause, Prompt, Record, Team

#: Two unanswered prompts in a row: not yet "gone quiet" (the digest's three), but worth a
#: direct invitation to speak in the meeting.
QUIET_LATELY = 2
GRACE = timedelta(days=1)

#: Social openers, one per meeting, rotating by date. Both languages side by side so the
#: lists can never drift apart; the Swedish is written as Swedish, not translated word by word.
OPENERS: tuple[dict[Language, str], ...] = (
    {"en": "What was the best thing that happened to you this week, at work or outside it?",
     "sv": "Vad var det bästa som hände dig den här veckan, på jobbet eller utanför?"},
    {"en": "What are you looking forward to this week?",
     "sv": "Vad ser du fram emot den här veckan?"},
    {"en": "Show us something in your room that has a story behind it.",
     "sv": "Visa något i rummet där du sitter som har en historia."},
    {"en": "What did you learn recently that surprised you?",
     "sv": "Vad har du lärt dig nyligen som överraskade dig?"},
    {"en": "What is the view from your window right now?",
     "sv": "Hur ser det ut utanför ditt fönster just nu?"},
    {"en": "What small thing made your week easier?",
     "sv": "Vilken liten sak gjorde din vecka lite lättare?"},
    {"en": "If you could work from anywhere for a week, where would you go?",
     "sv": "Om du fick jobba var som helst i en vecka, vart skulle du åka?"},
    {"en": "What are you reading, watching or listening to at the moment?",
     "sv": "Vad läser, tittar eller lyssnar du på just nu?"},
    {"en": "Who helped you this week, and how?",
     "sv": "Vem hjälpte dig den här veckan, och med vad?"},
    {"en": "What was your first job, and what did it teach you?",
     "sv": "Vilket var ditt första jobb, och vad lärde du dig av det?"},
    {"en": "Tell us one thing about you that the team doesn't know yet.",
     "sv": "Berätta en sak om dig själv som teamet inte vet än."},
    {"en": "What did you have for lunch today? Give it a score from 1 to 5.",
     "sv": "Vad åt du till lunch i dag? Ge den ett betyg från 1 till 5."},
)


@dataclass(frozen=True)
class BriefObstacle:
    email: str
    name: str
    quote: Quote
    times: int  # how often it was raised since the last meeting


@dataclass(frozen=True)
class Away:
    email: str
    name: str
    until: date
    reason: str  # "command" | "out_of_office"


@dataclass(frozen=True)
class Brief:
    team: str
    team_name: str
    manager: str
    meeting_at: datetime  # manager's zone
    since: datetime  # the previous meeting
    obstacles: tuple[BriefObstacle, ...]
    quiet: tuple[str, ...]  # names
    away: tuple[Away, ...]
    opener: str
    opener_index: int


def opener_for(day: date, language: Language) -> tuple[int, str]:
    """The social question of a meeting day: the same day always gets the same one."""
    index = day.toordinal() % len(OPENERS)
    return index, OPENERS[index][language]


def meeting_time(team: Team, day: date) -> datetime:
    """When the meeting on ``day`` starts, in the manager's zone."""
    at = team.meeting.time if team.meeting else time(9)
    return datetime.combine(day, at, team.manager.timezone)


def build_brief(
    team: Team,
    records: Iterable[Record],
    prompts: Iterable[Prompt],
    pauses: Iterable[Pause] = (),
    *,
    meeting_at: datetime,
    now: datetime,
    language: Language,
    since: datetime | None = None,
) -> Brief:
    """The brief for the meeting at ``meeting_at``.

    :param since: the previous meeting; default a week before (meetings are weekly).
    :param records: the team's records since ``since`` (more is harmless).
    """
    tz = team.manager.timezone
    meeting_at = meeting_at.astimezone(tz)
    since = (since or meeting_at - timedelta(days=7)).astimezone(tz)
    cutoff = min(now, meeting_at)
    names = display_names(team)
    replies = latest_replies(r for r in records if r.team == team.id and r.kind != "feedback"
                             and r.member is not None and r.received_at < cutoff)
    by_member: dict[str, list[Record]] = {p.email: [] for p in team.members}
    for record in replies:
        person = team.member(record.member or "")
        if person is not None:
            by_member[person.email].append(record)
    away = _away(team, pauses, meeting_at.date(), names)
    away_emails = {a.email for a in away}
    obstacles = [o for p in team.members
                 for o in _obstacles(by_member[p.email], since, p.email, names[p.email], tz)]
    quiet = _quiet(team, prompts, by_member, cutoff, away_emails, names)
    index, opener = opener_for(meeting_at.date(), language)
    return Brief(team.name, team.display_name, team.manager.name, meeting_at, since,
                 tuple(obstacles), quiet, away, opener, index)


def _obstacles(records: list[Record], since: datetime, email: str, name: str,
               tz: ZoneInfo) -> list[BriefObstacle]:
    """A person's obstacles since ``since``, newest first, the same one listed once."""
    found: list[tuple[Record, str, int]] = []
    for record in reversed(records):
        text = record.answers.get("obstacles")
        if record.kind != "checkin" or record.received_at < since or not isinstance(text, str):
            continue
        if is_nothing(text):
            continue
        match = next((i for i, (_, seen, _) in enumerate(found) if similar(seen, text)), None)
        if match is None:
            found.append((record, text, 1))
        else:
            kept, seen, times = found[match]
            found[match] = (kept, seen, times + 1)
    return [BriefObstacle(email, name,
                          Quote(shorten(text, 160), record.received_at.astimezone(tz),
                                "obstacles", record.id), times)
            for record, text, times in found]


def _quiet(team: Team, prompts: Iterable[Prompt], by_member: dict[str, list[Record]],
           cutoff: datetime, away: set[str], names: dict[str, str]) -> tuple[str, ...]:
    """Members whose last :data:`QUIET_LATELY` prompts went unanswered."""
    sent = sorted((p for p in prompts if p.state == "sent" and p.sent_at is not None
                   and p.sent_at <= cutoff - GRACE and p.slot.kind in ("checkin", "review")),
                  key=lambda p: p.sent_at or p.due_at)
    quiet: list[str] = []
    for person in team.members:
        if person.email in away:
            continue
        records = by_member[person.email]
        ids = {r.prompt_message_id for r in records}
        slots = {(r.kind, r.slot) for r in records}
        last = [p for p in sent if p.slot.email in person.addresses][-QUIET_LATELY:]
        if len(last) == QUIET_LATELY and not any(
                p.message_id in ids or (p.slot.kind, p.slot.period) in slots for p in last):
            quiet.append(names[person.email])
    return tuple(quiet)


def _away(team: Team, pauses: Iterable[Pause], day: date,
          names: dict[str, str]) -> tuple[Away, ...]:
    found: dict[str, Away] = {}
    for pause in pauses:
        person = team.member(pause.email)
        if person is None or pause.team != team.id or not pause.start <= day <= pause.until:
            continue
        if person.email not in found or pause.until > found[person.email].until:
            found[person.email] = Away(person.email, names[person.email], pause.until,
                                       pause.reason)
    return tuple(found[p.email] for p in team.members if p.email in found)
