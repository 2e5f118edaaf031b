"""The sections of the digest that report facts: needs attention, team pulse, per person,
follow-up and leadership feedback. Pure; every function takes the cleaned :class:`Facts`.

The thresholds are named constants below, each with the reason for its value.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import Any

from mailer.digest_model import (
    BASELINE_WEEKS,
    SPARK_WEEKS,
    Attention,
    Facts,
    FeedbackSummary,
    FollowUp,
    MoodLine,
    PersonSummary,
    Pulse,
    Quote,
    ReviewLine,
    ScaleSummary,
    previous_month,
    quarter_of,
)
from mailer.models import Pause, Person, Prompt, Record
from mailer.similarity import first_similar_run, shorten

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
#: Pauses that start within this time are shown with the current ones: the manager can plan.
UPCOMING = timedelta(days=7)
#: Feedback is reported for a round that went out this recently, or got answers this week.
FEEDBACK_RECENT = timedelta(days=28)
#: Reviews whose prompts went out longer ago than this are not chased as missing.
REVIEW_RECENT = timedelta(days=35)

REPLY_KINDS = ("checkin", "review")  # feedback is anonymous: it cannot count for a person
BLOCKS = "▁▂▃▄▅▆▇█"
GAP = "·"
_ORDER = ("bounce", "quiet", "low_mood", "mood_drop", "repeated_obstacle", "paused")
_EVIDENCE = ("obstacles", "working_well", "progress")


# --------------------------------------------------------------------------- shared helpers


def replied_to(facts: Facts) -> Callable[[Prompt], bool]:
    """Whether a prompt got a reply: by its Message-ID, else by person, kind and period."""
    ids = {r.prompt_message_id for rs in facts.by_member.values() for r in rs}
    slots = {(email, r.kind, r.slot) for email, rs in facts.by_member.items() for r in rs}
    return lambda p: p.message_id in ids or (p.slot.email, p.slot.kind, p.slot.period) in slots


def _checkins(facts: Facts, email: str) -> list[Record]:
    return [r for r in facts.by_member.get(email, ()) if r.kind == "checkin"]


def _scored(records: Sequence[Record]) -> list[tuple[Record, int]]:
    return [(r, s) for r in records if (s := r.score("mood")) is not None]


def _in_week(facts: Facts, at: datetime) -> bool:
    return facts.start <= at < facts.end


def _evidence(facts: Facts, record: Record) -> Quote | None:
    for question in _EVIDENCE:
        quote = facts.quote(record, question)
        if quote is not None:
            return quote
    # A reply the parser could not split into answers is quoted as a whole.
    text = shorten(record.text, 160) if record.unstructured else ""
    return Quote(text, facts.local(record.received_at), "text", record.id) if text else None


def current_pauses(facts: Facts) -> dict[str, Pause]:
    """The pause running at ``as_of`` or starting within a week, per member (longest wins)."""
    today = facts.day(facts.as_of)
    horizon = facts.day(facts.as_of + UPCOMING)
    found: dict[str, Pause] = {}
    for pause in facts.pauses:
        person = facts.team.member(pause.email)
        if person is None or pause.until < today or pause.start > horizon:
            continue
        kept = found.get(person.email)
        if kept is None or pause.until > kept.until:
            found[person.email] = pause
    return found


# --------------------------------------------------------------------------- needs attention


def attention(facts: Facts) -> tuple[Attention, ...]:
    """Every line of "needs attention"; empty when all is well."""
    pauses = current_pauses(facts)
    replied = replied_to(facts)
    items: list[Attention] = []
    for person in facts.team.members:
        failure = next((f for f in facts.failures if f.email.lower() in person.addresses), None)
        if failure is not None:
            items.append(_item(facts, person, "bounce", facts.day(failure.since),
                               count=failure.count, reason=_mask(failure.reason, person)))
        pause = pauses.get(person.email)
        if pause is not None:
            items.append(_item(facts, person, "paused", pause.start, until=pause.until,
                               reason=pause.reason))
        elif failure is None:  # a bounce or a pause already explains the silence
            items += _quiet(facts, person, replied)
        items += _mood(facts, person) + _repeated(facts, person)
    # One person's lines together (read on a phone, by name), the most urgent person first.
    urgency: dict[str, int] = {}
    for item in items:
        urgency[item.email] = min(urgency.get(item.email, 99), _ORDER.index(item.kind))
    items.sort(key=lambda a: (urgency[a.email], a.name, _ORDER.index(a.kind)))
    return tuple(items)


def _item(facts: Facts, person: Person, kind: str, since: date, **fields: Any) -> Attention:
    return Attention(kind=kind, email=person.email, name=facts.names[person.email],  # type: ignore[arg-type]
                     anchor=facts.anchors[person.email], since=since, **fields)


def _mask(reason: str, person: Person) -> str:
    """A bounce reason without any address but the person's own (it may name a forward)."""

    def keep(match: re.Match[str]) -> str:
        return match[0] if match[0].lower() in person.addresses else "…"
    return shorten(re.sub(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", keep, reason), 100)


def _quiet(facts: Facts, person: Person, replied: Callable[[Prompt], bool]) -> list[Attention]:
    cutoff = facts.as_of - GRACE
    asked = [p for p in facts.prompts if p.slot.email in person.addresses
             and p.slot.kind in REPLY_KINDS and p.sent_at is not None and p.sent_at <= cutoff]
    streak: list[Prompt] = []
    for prompt in reversed(asked):
        if replied(prompt):
            break
        streak.append(prompt)
    if len(streak) < QUIET_PROMPTS:
        return []
    answers = facts.by_member.get(person.email, ())
    last = facts.day(answers[-1].received_at) if answers else None
    assert streak[-1].sent_at is not None
    return [_item(facts, person, "quiet", facts.day(streak[-1].sent_at), count=len(streak),
                  last_reply=last)]


def _mood(facts: Facts, person: Person) -> list[Attention]:
    """A low score this week, or a drop against the person's own 4-week average."""
    scored = _scored(_checkins(facts, person.email))
    if not scored or not _in_week(facts, scored[-1][0].received_at):
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
    if not checkins or not _in_week(facts, checkins[-1].received_at):
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
    buckets: list[list[int]] = [[] for _ in range(SPARK_WEEKS)]
    latest: int | None = None
    for record, score in _scored(_checkins(facts, person.email)):
        index = (facts.day(record.received_at) - first).days // 7
        if 0 <= index < SPARK_WEEKS:
            buckets[index].append(score)
            if index == SPARK_WEEKS - 1:
                latest = score
    weeks = tuple(round(fmean(b), 1) if b else None for b in buckets)
    return MoodLine(person.email, facts.names[person.email], facts.anchors[person.email],
                    weeks, sparkline(weeks), latest)


# --------------------------------------------------------------------------- per person


def _latest(facts: Facts, records: Sequence[Record], question: str) -> Quote | None:
    for record in reversed(records):
        quote = facts.quote(record, question)
        if quote is not None:
            return quote
    return None


def people(facts: Facts, pulse: Pulse) -> tuple[PersonSummary, ...]:
    pauses = current_pauses(facts)
    current, _ = review_rounds(facts)
    sparks = {line.email: line.sparkline for line in pulse.people}
    result = []
    for person in facts.team.members:
        records = facts.by_member.get(person.email, ())
        checkins = [r for r in records if r.kind == "checkin"]
        review = _review(records, current)
        pause = pauses.get(person.email)
        result.append(PersonSummary(
            email=person.email, name=facts.names[person.email],
            anchor=facts.anchors[person.email],
            working_well=_latest(facts, checkins, "working_well"),
            obstacles=_latest(facts, checkins, "obstacles"),
            progress=_latest(facts, checkins, "progress"),
            goals=person.goals,
            commitment=facts.quote(review, "next_month") if review else None,
            replied_this_week=any(_in_week(facts, r.received_at) for r in records),
            last_reply=facts.day(records[-1].received_at) if records else None,
            paused_until=pause.until if pause and pause.start <= facts.day(facts.as_of) else None,
            sparkline=sparks.get(person.email, ""),
        ))
    return tuple(result)


# --------------------------------------------------------------------------- follow-up


def review_rounds(facts: Facts) -> tuple[str | None, str | None]:
    """The month of the latest review round up to this week, and the month before it."""
    last_month = (facts.start.date() + timedelta(days=6)).strftime("%Y-%m")
    months = {r.slot for rs in facts.by_member.values() for r in rs if r.kind == "review"}
    months |= {p.slot.period for p in facts.prompts if p.slot.kind == "review"}
    months = {m for m in months if m <= last_month}
    if not months:
        return None, None
    current = max(months)
    return current, previous_month(current)


def _review(records: Sequence[Record], month: str | None) -> Record | None:
    return next((r for r in reversed(records) if r.kind == "review" and r.slot == month), None)


def follow_up(facts: Facts) -> FollowUp:
    current, previous = review_rounds(facts)
    lines: list[ReviewLine] = []
    missing: list[str] = []
    asked = {p.slot.email for p in facts.prompts if p.slot.kind == "review"
             and p.slot.period == current and p.sent_at is not None
             and facts.as_of - REVIEW_RECENT <= p.sent_at <= facts.as_of - 2 * GRACE}
    for person in facts.team.members:
        records = facts.by_member.get(person.email, ())
        now, before = _review(records, current), _review(records, previous)
        line = ReviewLine(
            person.email, facts.names[person.email], facts.anchors[person.email],
            committed=facts.quote(now, "next_month") if now else None,
            previous=facts.quote(before, "next_month") if before else None,
            outcome=facts.quote(now, "happened") if now else None)
        if line.committed or line.previous or line.outcome:
            lines.append(line)
        if now is None and person.addresses & asked:
            missing.append(facts.names[person.email])
    own = facts.own[-1] if facts.own else None
    own_quotes = tuple(q for question, value in (own.answers.items() if own else ())
                       if isinstance(value, str) and (q := facts.quote(own, question, 240)))
    own_missing = any(
        p.slot.kind == "reflection" and p.sent_at is not None
        and facts.as_of - REVIEW_RECENT <= p.sent_at <= facts.as_of - 2 * GRACE
        and not any(r.slot == p.slot.period for r in facts.own)
        for p in facts.prompts)
    return FollowUp(current if (lines or missing) else None, previous, tuple(lines),
                    tuple(missing), own_quotes, own.slot if own else None, own_missing)


# --------------------------------------------------------------------------- leadership feedback


def feedback(facts: Facts) -> FeedbackSummary | None:
    """This quarter's round, when one went out lately or got answers this week.

    Anonymity: nothing here names a person or keeps the order of arrival. Comments are sorted
    by text and then shuffled with a seed of team, quarter and question, so the order is the
    same every time (testable) yet says nothing about who answered when.
    """
    quarter = quarter_of(facts.start.date() + timedelta(days=6))
    records = [r for r in facts.feedback if r.slot == quarter]
    sent = [p.sent_at for p in facts.prompts if p.slot.kind == "feedback"
            and p.slot.period == quarter and p.sent_at is not None]
    recent = any(at >= facts.end - FEEDBACK_RECENT for at in sent)
    new = any(_in_week(facts, r.received_at) for r in records)
    if not (recent or new):
        return None
    shown = len(records) >= facts.min_respondents
    comments: list[tuple[str, tuple[str, ...]]] = []
    scales: list[ScaleSummary] = []
    for question in _question_order(records) if shown else ():
        values = [r.answers[question] for r in records if question in r.answers]
        numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        texts = sorted(shorten(v, 300) for v in values if isinstance(v, str) and v.strip())
        if numbers:
            counts = (numbers.count(1), numbers.count(2), numbers.count(3), numbers.count(4),
                      numbers.count(5))
            scales.append(ScaleSummary(question, counts, sum(counts)))
        elif texts:
            random.Random(f"{facts.team.name}:{quarter}:{question}").shuffle(texts)
            comments.append((question, tuple(texts)))
    return FeedbackSummary(quarter, len(records), facts.min_respondents, shown,
                           tuple(comments), tuple(scales))


def _question_order(records: Sequence[Record]) -> list[str]:
    """Question ids in the order the replies list them (records by id, not by arrival)."""
    order: list[str] = []
    for record in sorted(records, key=lambda r: r.id):
        order += [q for q in record.answers if q not in order]
    return order
