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
    Goal,
    PersonSummary,
    Pulse,
    Quote,
    ReviewLine,
    ScaleSummary,
    previous_month,
    quarter_of,
)
from mailer.digest.sections import GRACE, asked_of, coming_absences, in_week
from mailer.digest.similarity import is_nothing, shorten
from mailer.digest.themes import progress
from mailer.models import Record

#: Feedback is reported for a round that went out this recently, or got answers this week.
FEEDBACK_RECENT = timedelta(days=28)
#: Reviews whose prompts went out longer ago than this are not chased as missing.
REVIEW_RECENT = timedelta(days=35)
#: An answer a claim rests on is quoted up to this long, so the words it rests on are in it.
EVIDENCE_LIMIT = 400


# --------------------------------------------------------------------------- per person


def _latest(facts: Facts, records: Sequence[Record], question: str) -> Quote | None:
    for record in reversed(records):
        quote = facts.quote(record, question)
        if quote is not None:
            return quote
    return None


def people(facts: Facts, pulse: Pulse) -> tuple[PersonSummary, ...]:
    current, _ = review_rounds(facts)
    sparks = {line.email: line.sparkline for line in pulse.people}
    away = {a.email: a for a in coming_absences(facts)}
    today = facts.day(facts.as_of)
    language = facts.team.manager.language
    result = []
    for person in facts.team.members:
        records = facts.by_member.get(person.email, ())
        checkins = [r for r in records if r.kind == "checkin"]
        review = _review(records, current)
        absence = away.get(person.email)
        result.append(PersonSummary(
            email=person.email, name=facts.names[person.email],
            anchor=facts.anchors[person.email],
            working_well=_latest(facts, checkins, "working_well"),
            obstacles=_latest(facts, checkins, "obstacles"),
            progress=_latest(facts, checkins, "progress"),
            goals=tuple(Goal(text, lang) for text, lang in person.goals_for(language)),
            commitment=facts.quote(review, "next_month") if review else None,
            replied_this_week=any(in_week(facts, r.received_at) for r in records),
            last_reply=facts.day(records[-1].received_at) if records else None,
            away_until=absence.end if absence and absence.start <= today else None,
            sparkline=sparks.get(person.email, ""),
            asked=len(asked_of(facts, person)),
            obstacles_new=new_obstacle(facts, checkins),
            progress_new=new_progress(facts, checkins, person.goals)[0],
            free_text=_free_text(facts, records),
        ))
    return tuple(result)


def new_obstacle(facts: Facts, checkins: Sequence[Record]) -> Quote | None:
    """This week's latest obstacle, unless it says there is none."""
    for record in reversed(checkins):
        if not in_week(facts, record.received_at):
            break
        text = record.answers.get("obstacles")
        if isinstance(text, str) and not is_nothing(text):
            return facts.quote(record, "obstacles")
    return None


def new_progress(facts: Facts, checkins: Sequence[Record],
                 goals: Sequence[str]) -> tuple[Quote | None, tuple[str, ...]]:
    """This week's latest progress answer that reports progress (see
    :func:`mailer.digest.themes.progress`), and the words that say so; (None, ()) when the
    latest says the person stands still or nothing was reported."""
    for record in reversed(checkins):
        if not in_week(facts, record.received_at):
            break
        text = record.answers.get("progress")
        if not isinstance(text, str) or not text.strip():
            continue
        found = progress(text, record.language, goals)
        if found is None:
            return None, ()
        return evidence_quote(facts, record, "progress", found.words), found.words
    return None, ()


def evidence_quote(facts: Facts, record: Record, question: str,
                   words: Sequence[str]) -> Quote | None:
    """The answer quoted long enough that every word a claim rests on is in the quote."""
    quote = facts.quote(record, question)
    if quote is not None and all(w in quote.text for w in words):
        return quote
    return facts.quote(record, question, EVIDENCE_LIMIT)


def _free_text(facts: Facts, records: Sequence[Record]) -> Quote | None:
    """This week's latest reply that could not be split into answers, quoted as a whole."""
    for record in reversed(records):
        if not in_week(facts, record.received_at):
            break
        if record.unstructured and record.text.strip():
            return Quote(shorten(record.text, 240), facts.local(record.received_at), "text",
                         record.id, record.language)
    return None


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
