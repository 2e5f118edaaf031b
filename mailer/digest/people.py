"""The sections of the digest that report answers: per person, follow-up (reviews and the
manager's own reflection) and leadership feedback. Pure; every function takes :class:`Facts`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta

from mailer.digest.model import (
    Facts,
    FeedbackSummary,
    FollowUp,
    PersonSummary,
    Pulse,
    Quote,
    ReviewLine,
    ScaleSummary,
    previous_month,
    quarter_of,
)
from mailer.digest.sections import GRACE, current_pauses, in_week
from mailer.digest.similarity import shorten
from mailer.models import Record

#: Feedback is reported for a round that went out this recently, or got answers this week.
FEEDBACK_RECENT = timedelta(days=28)
#: Reviews whose prompts went out longer ago than this are not chased as missing.
REVIEW_RECENT = timedelta(days=35)


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
            replied_this_week=any(in_week(facts, r.received_at) for r in records),
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
    own_quotes = tuple(q for question, value in own.answers.items()
                       if isinstance(value, str) and (q := facts.quote(own, question, 240))
                       ) if own else ()
    own_missing = any(
        p.slot.kind == "reflection" and p.sent_at is not None
        and facts.as_of - REVIEW_RECENT <= p.sent_at <= facts.as_of - 2 * GRACE
        and not any(r.slot == p.slot.period for r in facts.own)
        for p in facts.prompts)
    return FollowUp(current if (lines or missing) else None, previous, tuple(lines),
                    tuple(missing), own_quotes, own.slot if own else None, own_missing)


# --------------------------------------------------------------------------- leadership feedback


def feedback(facts: Facts) -> FeedbackSummary | None:
    """This quarter's round, when one went out lately or has answers.

    Anonymity: nothing here names a person or keeps the order of arrival (records carry
    neither). Below ``min_respondents`` answers only "n of m answered" is shown; above it, a
    question's scale or written answers only when at least ``min_respondents`` people
    answered that question (two answers to one question would tell their authors each
    other's). Comments are sorted by text and then shuffled with a seed of team, quarter and
    question, so the order is the same every time (testable) yet says nothing of who wrote what.
    """
    quarter = quarter_of(facts.start.date() + timedelta(days=6))
    records = [r for r in facts.feedback if r.slot == quarter]
    sent = {p.slot.email: p.sent_at for p in facts.prompts if p.slot.kind == "feedback"
            and p.slot.period == quarter and p.sent_at is not None}
    recent = any(at >= facts.end - FEEDBACK_RECENT for at in sent.values())
    if not (recent or records):
        return None
    least = facts.min_respondents
    shown = len(records) >= least
    comments: list[tuple[str, tuple[str, ...]]] = []
    scales: list[ScaleSummary] = []
    for question in _question_order(records) if shown else ():
        values = [r.answers[question] for r in records if question in r.answers]
        numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        texts = sorted(shorten(v, 300) for v in values if isinstance(v, str) and v.strip())
        if len(numbers) >= least:
            counts = (numbers.count(1), numbers.count(2), numbers.count(3), numbers.count(4),
                      numbers.count(5))
            scales.append(ScaleSummary(question, counts, sum(counts)))
        elif len(texts) >= least:
            random.Random(f"{facts.team.name}:{quarter}:{question}").shuffle(texts)
            comments.append((question, tuple(texts)))
    return FeedbackSummary(quarter, len(records), least, shown, tuple(comments),
                           tuple(scales), asked=max(len(sent), len(records)))


def _question_order(records: Sequence[Record]) -> list[str]:
    """Question ids in the order the replies list them (records by id, not by arrival)."""
    order: list[str] = []
    for record in sorted(records, key=lambda r: r.id):
        order += [q for q in record.answers if q not in order]
    return order
