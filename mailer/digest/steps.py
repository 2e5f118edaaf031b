"""Suggested next steps: explicit rules from the digest's facts to a few concrete actions. Pure.

Each rule names the habit of remote leadership it serves (the ``habit`` of a
:class:`NextStep`): 1 psychological needs (competence, autonomy, relatedness, feedback on
leadership), 2 digital interplay in meetings, 3 daily contact, 4 clear goals, 5 follow up all
the time. The rules run in priority order (people before process) and at most
:data:`MAX_STEPS` are kept, so the section stays a short to-do list. The wording lives in the
templates, per rule and language; here only the facts a sentence needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from mailer.digest.model import (
    Attention,
    Facts,
    FeedbackSummary,
    FollowUp,
    NextStep,
    PersonSummary,
    Pulse,
    quarter_of,
    quarter_start,
)
from mailer.digest.similarity import THEMES, is_nothing, themes

MAX_STEPS = 5
#: Below half the prompts answered the check-ins stop telling the manager much.
LOW_REPLY_RATE = 0.5
LOW_REPLY_MIN_SENT = 3
#: Two people raising the same kind of problem is a pattern, not an anecdote.
THEME_MIN_PEOPLE = 2
#: "No feedback this quarter" is worth saying in the last four weeks of it, not every week.
FEEDBACK_NAG = timedelta(days=28)

THEME_HABITS = {"priorities": 4, "workload": 1, "meetings": 2, "access": 5, "waiting": 5,
                "information": 2}


def next_steps(
    facts: Facts,
    *,
    attention: Sequence[Attention],
    pulse: Pulse,
    people: Sequence[PersonSummary],
    follow_up: FollowUp,
    feedback: FeedbackSummary | None,
    meeting: date | None,
) -> tuple[NextStep, ...]:
    """At most :data:`MAX_STEPS` actions, most important first."""
    steps = [
        *_from_attention(facts, attention),
        *_themes(facts, meeting),
        *_commitments(follow_up, meeting),
        *_reply_rate(pulse, meeting),
        *_no_feedback(facts, feedback),
        *_own_reflection(follow_up),
        *_recognise(facts, people, meeting),
    ]
    return tuple(steps[:MAX_STEPS])


def _names(items: Sequence[Attention], *kinds: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a.name for a in items if a.kind in kinds))


def _from_attention(facts: Facts, attention: Sequence[Attention]) -> list[NextStep]:
    steps: list[NextStep] = []
    if names := _names(attention, "bounce"):
        steps.append(NextStep("bounce", 3, names))
    quiet = [a for a in attention if a.kind == "quiet"]
    if quiet:
        oldest = min(a.since for a in quiet)
        weeks = max(1, round((facts.day(facts.as_of) - oldest).days / 7))
        steps.append(NextStep("quiet", 3, _names(quiet, "quiet"), count=len(quiet), weeks=weeks))
    low = [a for a in attention if a.kind in ("low_mood", "mood_drop")]
    if low:
        steps.append(NextStep("low_mood", 1, _names(low, "low_mood", "mood_drop"),
                              count=len(low), score=low[0].score if len(low) == 1 else None))
    repeated = [a for a in attention if a.kind == "repeated_obstacle"]
    if repeated:
        first = repeated[0]
        steps.append(NextStep("repeated_obstacle", 5, _names(repeated, "repeated_obstacle"),
                              count=first.count,
                              topic=first.evidence.text if first.evidence and len(repeated) == 1
                              else ""))
    return steps


def _themes(facts: Facts, meeting: date | None) -> list[NextStep]:
    """Obstacles raised this week by two people or more that fall under the same theme."""
    who: dict[str, list[str]] = {name: [] for name in THEMES}
    for email, records in facts.by_member.items():
        found: set[str] = set()
        for record in records:
            text = record.answers.get("obstacles")
            if (record.kind == "checkin" and isinstance(text, str)
                    and facts.start <= record.received_at < facts.end and not is_nothing(text)):
                found |= themes(text)
        for name in found:
            who[name].append(facts.names[email])
    ranked = sorted(((name, names) for name, names in who.items()
                     if len(names) >= THEME_MIN_PEOPLE), key=lambda item: -len(item[1]))
    return [NextStep("theme", THEME_HABITS[name], tuple(names), count=len(names), topic=name,
                     on=meeting) for name, names in ranked]


def _commitments(follow_up: FollowUp, meeting: date | None) -> list[NextStep]:
    if not follow_up.missing:
        return []
    return [NextStep("no_commitment", 4, follow_up.missing, count=len(follow_up.missing),
                     on=meeting)]


def _reply_rate(pulse: Pulse, meeting: date | None) -> list[NextStep]:
    if pulse.rate is None or pulse.sent < LOW_REPLY_MIN_SENT or pulse.rate >= LOW_REPLY_RATE:
        return []
    return [NextStep("low_reply_rate", 5, count=pulse.replied, weeks=pulse.sent, on=meeting)]


def _no_feedback(facts: Facts, feedback: FeedbackSummary | None) -> list[NextStep]:
    """Nobody has answered a feedback round this quarter and the quarter is nearly over."""
    last_day = facts.start.date() + timedelta(days=6)
    quarter = quarter_of(last_day)
    if any(r.slot == quarter for r in facts.feedback) or (feedback and feedback.respondents):
        return []
    start = quarter_start(quarter, facts.tz)
    next_quarter = (start + timedelta(days=95)).replace(day=1)
    if next_quarter - facts.end > FEEDBACK_NAG:
        return []
    return [NextStep("no_feedback", 1)]


def _own_reflection(follow_up: FollowUp) -> list[NextStep]:
    return [NextStep("own_reflection", 5)] if follow_up.own_missing else []


def _recognise(facts: Facts, people: Sequence[PersonSummary],
               meeting: date | None) -> list[NextStep]:
    """People who reported progress this week: say so in front of the team (competence)."""
    names = tuple(p.name for p in people if p.progress is not None
                  and facts.start <= p.progress.at < facts.end and not is_nothing(p.progress.text))
    return [NextStep("recognise", 1, names, count=len(names), on=meeting)] if names else []
