"""The sections of the digest that watch people: needs attention and the team pulse. Pure;
every function takes the cleaned :class:`Facts`. Per person, follow-up and leadership feedback
are in :mod:`mailer.digest.people`.

The thresholds are named constants below, each with the reason for its value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import Any

from mailer.digest.absences import Absence, absences, away_on, periods
from mailer.digest.model import (
    BASELINE_WEEKS,
    SPARK_WEEKS,
    Attention,
    AttentionKind,
    Facts,
    MoodLine,
    Pulse,
    Quote,
)
from mailer.digest.similarity import first_similar_run, shorten
from mailer.models import Person, Prompt, Record

#: A score of 1 or 2 on the 1-5 energy question is low in itself.
LOW_SCORE = 2
#: A fall of 1.5 against the person's own average is more than the usual week-to-week noise.
DROP = 1.5
#: An average of a single earlier score is no baseline.
DROP_MIN_SCORES = 2
#: No reply to this many prompts in a row: the person has gone quiet.
QUIET_PROMPTS = 3
#: A prompt counts as unanswered only a day after it went out: people answer in their own time.
GRACE = timedelta(days=1)
#: With fewer people than this, a team average would all but show each person's score.
MIN_TEAM_ANSWERS = 3
#: Absences that start within this time are shown with the current ones: the manager can plan.
UPCOMING = timedelta(days=7)

REPLY_KINDS = ("checkin", "review")  # feedback is anonymous: it cannot count for a person
BLOCKS = "▁▂▃▄▅▆▇█"
GAP = "·"
_ORDER = ("bounce", "never", "quiet", "low_mood", "mood_drop", "repeated_obstacle")
_EVIDENCE = ("obstacles", "working_well", "progress")


# --------------------------------------------------------------------------- shared helpers


def replied_to(facts: Facts) -> Callable[[Prompt], bool]:
    """Whether a prompt got a reply: by its Message-ID, else by person, kind and period."""
    ids = {r.prompt_message_id for rs in facts.by_member.values() for r in rs}
    slots = {(email, r.kind, r.slot) for email, rs in facts.by_member.items() for r in rs}
    return lambda p: p.message_id in ids or (p.slot.email, p.slot.kind, p.slot.period) in slots


def _checkins(facts: Facts, email: str) -> list[Record]:
    return [r for r in facts.by_member.get(email, ()) if r.kind == "checkin"]


def _scored(records: Sequence[Record]) -> list[tuple[Record, float]]:
    return [(r, s) for r in records if (s := r.score("mood")) is not None]


def in_week(facts: Facts, at: datetime) -> bool:
    return facts.start <= at < facts.end


def _evidence(facts: Facts, record: Record) -> Quote | None:
    for question in _EVIDENCE:
        quote = facts.quote(record, question)
        if quote is not None:
            return quote
    # A reply the parser could not split into answers is quoted as a whole.
    text = shorten(record.text, 160) if record.unstructured else ""
    return Quote(text, facts.local(record.received_at), "text", record.id) if text else None


def coming_absences(facts: Facts) -> tuple[Absence, ...]:
    """Who is away now or within :data:`UPCOMING`: configured leave and pauses."""
    today = facts.day(facts.as_of)
    return absences(facts.team, facts.pauses, first=today,
                    last=facts.day(facts.as_of + UPCOMING), names=dict(facts.names),
                    anchors=dict(facts.anchors))


# --------------------------------------------------------------------------- needs attention


def attention(facts: Facts) -> tuple[Attention, ...]:
    """Every line of "needs attention"; empty when all is well. Someone on planned leave or
    paused today is never listed as silent: they are under "away" instead."""
    replied = replied_to(facts)
    today = facts.day(facts.as_of)
    items: list[Attention] = []
    for person in facts.team.members:
        failure = next((f for f in facts.failures if f.email.lower() in person.addresses), None)
        if failure is not None:
            items.append(_item(facts, person, "bounce", facts.day(failure.since),
                               count=failure.count, reason=_mask(failure.reason, person)))
        elif not away_on(person, facts.pauses, today):  # a bounce or leave explains silence
            items += _quiet(facts, person, replied)
        items += _mood(facts, person) + _repeated(facts, person)
    # One person's lines together (read on a phone, by name), the most urgent person first.
    urgency: dict[str, int] = {}
    for item in items:
        urgency[item.email] = min(urgency.get(item.email, 99), _ORDER.index(item.kind))
    items.sort(key=lambda a: (urgency[a.email], a.name, _ORDER.index(a.kind)))
    return tuple(items)


def _item(facts: Facts, person: Person, kind: AttentionKind, since: date,
          **fields: Any) -> Attention:
    return Attention(kind=kind, email=person.email, name=facts.names[person.email],
                     anchor=facts.anchors[person.email], since=since, **fields)


def _mask(reason: str, person: Person) -> str:
    """A bounce reason without any address but the person's own (it may name a forward)."""

    def keep(match: re.Match[str]) -> str:
        return match[0] if match[0].lower() in person.addresses else "…"
    return shorten(re.sub(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", keep, reason), 100)


def asked_of(facts: Facts, person: Person) -> list[Prompt]:
    """The check-ins and reviews sent to ``person`` before ``as_of``, oldest first, without
    those that went out while they were on leave or paused (no answer is expected then)."""
    away = periods(person, facts.pauses)
    return [p for p in facts.prompts if p.slot.email in person.addresses
            and p.slot.kind in REPLY_KINDS and p.sent_at is not None
            and not any(start <= facts.day(p.sent_at) <= end for start, end, _ in away)]


def _quiet(facts: Facts, person: Person, replied: Callable[[Prompt], bool]) -> list[Attention]:
    """No answer to the last :data:`QUIET_PROMPTS` prompts: "never" when the person has not
    answered anything in the window, else "quiet". The newest prompt may still be within
    :data:`GRACE` (a Friday digest sees Friday's check-in); the ones before it may not."""
    streak: list[Prompt] = []
    for prompt in reversed(asked_of(facts, person)):
        if replied(prompt):
            break
        streak.append(prompt)
    cutoff = facts.as_of - GRACE
    overdue = [p for p in streak if p.sent_at is not None and p.sent_at <= cutoff]
    if len(streak) < QUIET_PROMPTS or len(overdue) < QUIET_PROMPTS - 1:
        return []
    answers = facts.by_member.get(person.email, ())
    days = tuple(facts.day(p.sent_at) for p in reversed(streak) if p.sent_at is not None)
    if not answers:
        return [_item(facts, person, "never", days[0], count=len(streak), unanswered=days)]
    return [_item(facts, person, "quiet", days[0], count=len(streak),
                  last_reply=facts.day(answers[-1].received_at), unanswered=days)]


def _mood(facts: Facts, person: Person) -> list[Attention]:
    """A low score this week, or a drop against the person's own 4-week average."""
    scored = _scored(_checkins(facts, person.email))
    if not scored or not in_week(facts, scored[-1][0].received_at):
        return []
    latest, score = scored[-1]
    base_from = facts.start - timedelta(weeks=BASELINE_WEEKS)
    before = [s for r, s in scored if base_from <= r.received_at < facts.start]
    average = round(fmean(before), 1) if len(before) >= DROP_MIN_SCORES else None
    dropped = average is not None and average - score >= DROP
    if score > LOW_SCORE and not dropped:
        return []
    # since: the first of the run of scores this low (for a drop: within this week, because
    # the weeks before are the baseline it dropped from)
    low = score <= LOW_SCORE
    limit = LOW_SCORE if low else (average or 0) - DROP
    since = latest
    for record, value in reversed(scored):
        if value > limit or (not low and record.received_at < facts.start):
            break
        since = record
    return [_item(facts, person, "low_mood" if low else "mood_drop",
                  facts.day(since.received_at), score=score,
                  average=average if dropped else None, evidence=_evidence(facts, latest))]


def _repeated(facts: Facts, person: Person) -> list[Attention]:
    """The same obstacle in this week's check-in and the one(s) before (see similarity)."""
    checkins = _checkins(facts, person.email)
    if not checkins or not in_week(facts, checkins[-1].received_at):
        return []
    newest_first = list(reversed(checkins))
    run = first_similar_run(str(r.answers.get("obstacles") or "") for r in newest_first)
    if run < 2:
        return []
    return [_item(facts, person, "repeated_obstacle",
                  facts.day(newest_first[run - 1].received_at), count=run,
                  evidence=facts.quote(newest_first[0], "obstacles"))]


# --------------------------------------------------------------------------- team pulse


def sparkline(values: Sequence[float | None]) -> str:
    """One block per value on the fixed 1-5 scale (so heights compare across weeks), a dot
    where there is none. Unicode blocks render in plain text and every mail client."""
    top = len(BLOCKS) - 1
    return "".join(GAP if v is None else BLOCKS[max(0, min(top, round((v - 1) / 4 * top)))]
                   for v in values)


def pulse(facts: Facts) -> Pulse:
    first = facts.start.date() - timedelta(weeks=SPARK_WEEKS - 1)
    mondays = [first + timedelta(weeks=i) for i in range(SPARK_WEEKS)]
    lines = [_mood_line(facts, p, first) for p in facts.team.members]
    team: list[float | None] = []
    for index in range(SPARK_WEEKS):
        values = [v for line in lines if (v := line.weeks[index]) is not None]
        team.append(round(fmean(values), 1) if len(values) >= MIN_TEAM_ANSWERS else None)
    answers = sum(1 for line in lines if line.weeks[-1] is not None)
    replied = replied_to(facts)
    members = {a for p in facts.team.members for a in p.addresses}
    asked = [p for p in facts.prompts if p.slot.kind in REPLY_KINDS and p.slot.email in members]
    before_from = facts.start - timedelta(weeks=BASELINE_WEEKS)
    now = [p for p in asked if p.sent_at and p.sent_at >= facts.start]
    before = [p for p in asked if p.sent_at and before_from <= p.sent_at < facts.start]
    sent, got = len(now), sum(1 for p in now if replied(p))
    sent_b, got_b = len(before), sum(1 for p in before if replied(p))
    return Pulse(
        sent=sent, replied=got, rate=got / sent if sent else None,
        sent_before=sent_b, replied_before=got_b, rate_before=got_b / sent_b if sent_b else None,
        week_labels=tuple(f"W{m.isocalendar()[1]:02d}" for m in mondays),
        team_mood=tuple(team), team_sparkline=sparkline(team), team_average=team[-1],
        answers=answers, people=tuple(lines),
    )


def _mood_line(facts: Facts, person: Person, first: date) -> MoodLine:
    buckets: list[list[float]] = [[] for _ in range(SPARK_WEEKS)]
    latest: float | None = None
    for record, score in _scored(_checkins(facts, person.email)):
        index = (facts.day(record.received_at) - first).days // 7
        if 0 <= index < SPARK_WEEKS:
            buckets[index].append(score)
            if index == SPARK_WEEKS - 1:
                latest = score
    weeks = tuple(round(fmean(b), 1) if b else None for b in buckets)
    return MoodLine(person.email, facts.names[person.email], facts.anchors[person.email],
                    weeks, sparkline(weeks), latest)
