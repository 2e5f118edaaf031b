"""Suggested next steps: explicit rules from the digest's facts to a few concrete actions. Pure.

Each rule names the habit of remote leadership it serves (the ``habit`` of a
:class:`NextStep`): 1 psychological needs (competence, autonomy, relatedness, feedback on
leadership), 2 digital interplay in meetings, 3 daily contact, 4 clear goals, 5 follow up all
the time. The rules run in priority order (people before process) and at most
:data:`MAX_STEPS` are kept: the digest opens with them, so they must fit on a phone's first
screen. The wording lives in the templates, per rule and language; here only the facts a
sentence needs.

Every step names who it is about, carries why (the answers it rests on, or the days of the
prompts nobody answered) and whom to write to. A step without evidence is not made: a theme
names only the people whose own words match it (:mod:`mailer.digest.themes`), and
"recognise progress" only people whose latest answer says they moved forward.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from mailer.digest.model import (
    Attention,
    Evidence,
    Facts,
    FeedbackSummary,
    FollowUp,
    NextStep,
    Pulse,
    quarter_of,
    quarter_start,
)
from mailer.digest.people import evidence_quote, new_progress
from mailer.digest.sections import in_week
from mailer.digest.similarity import is_nothing
from mailer.digest.themes import ORDER, themes

MAX_STEPS = 3
#: Answers quoted under one step; the others are counted ("and 12 more"), so a step stays a
#: few lines on a phone and a large team's digest stays small.
MAX_EVIDENCE = 3
#: Below half the prompts answered the check-ins stop telling the manager much.
LOW_REPLY_RATE = 0.5
LOW_REPLY_MIN_SENT = 3
#: Two people raising the same kind of problem is a pattern, not an anecdote.
THEME_MIN_PEOPLE = 2
#: "No feedback this quarter" is worth saying in the last four weeks of it, not every week.
FEEDBACK_NAG = timedelta(days=28)

THEME_HABITS = {"priorities": 4, "workload": 1, "meetings": 2, "access": 5, "tools": 5,
                "time_zones": 3, "waiting": 5, "information": 2}


def next_steps(
    facts: Facts,
    *,
    attention: Sequence[Attention],
    pulse: Pulse,
    follow_up: FollowUp,
    feedback: FeedbackSummary | None,
    meeting: date | None,
) -> tuple[NextStep, ...]:
    """At most :data:`MAX_STEPS` actions, most important first."""
    steps = [
        *_from_attention(facts, attention),
        *_themes(facts, meeting),
        *_commitments(facts, follow_up),
        *_reply_rate(facts, pulse, meeting),
        *_recognise(facts, meeting),
        *_no_feedback(facts, feedback),
        *_own_reflection(follow_up),
    ]
    return _once(steps[:MAX_STEPS])


def _once(steps: Sequence[NextStep]) -> tuple[NextStep, ...]:
    """Each answer quoted as evidence once, under the first step it supports (a low score and
    a repeated obstacle of the same person rest on the same reply), and at most
    :data:`MAX_EVIDENCE` per step."""
    seen: set[tuple[str, str]] = set()
    result = []
    for step in steps:
        fresh = [e for e in step.evidence if (e.quote.record_id, e.quote.question) not in seen]
        shown = tuple(fresh[:MAX_EVIDENCE])
        seen |= {(e.quote.record_id, e.quote.question) for e in shown}
        result.append(replace(step, evidence=shown, more=len(fresh) - len(shown)))
    return tuple(result)


def _to(facts: Facts, step: NextStep, emails: Sequence[str]) -> NextStep:
    """``step`` addressed to these members, in their language when they share one."""
    people = [p for e in emails if (p := facts.team.member(e)) is not None]
    languages = {p.language for p in people}
    language = languages.pop() if len(languages) == 1 else facts.team.manager.language
    return replace(step, emails=tuple(p.email for p in people), language=language)


def _of(items: Sequence[Attention], *kinds: str) -> list[Attention]:
    """The first line of each person among ``items`` of these kinds."""
    seen: dict[str, Attention] = {}
    for item in items:
        if item.kind in kinds:
            seen.setdefault(item.email, item)
    return list(seen.values())


def _from_attention(facts: Facts, attention: Sequence[Attention]) -> list[NextStep]:
    steps: list[NextStep] = []
    if bounced := _of(attention, "bounce"):  # no mail: it would bounce too
        steps.append(NextStep("bounce", 3, tuple(a.name for a in bounced)))
    if never := _of(attention, "never"):
        step = NextStep("never", 3, tuple(a.name for a in never), count=len(never),
                        dates=never[0].unanswered if len(never) == 1 else ())
        steps.append(_to(facts, step, [a.email for a in never]))
    if quiet := _of(attention, "quiet"):
        oldest = min(a.since for a in quiet)
        weeks = max(1, round((facts.day(facts.as_of) - oldest).days / 7))
        step = NextStep("quiet", 3, tuple(a.name for a in quiet), count=len(quiet), weeks=weeks,
                        dates=quiet[0].unanswered if len(quiet) == 1 else ())
        steps.append(_to(facts, step, [a.email for a in quiet]))
    if low := _of(attention, "low_mood", "mood_drop"):
        one = low[0] if len(low) == 1 else None
        step = NextStep("low_mood", 1, tuple(a.name for a in low), count=len(low),
                        score=one.score if one else None, average=one.average if one else None,
                        evidence=tuple(Evidence(a.name, a.evidence) for a in low if a.evidence))
        steps.append(_to(facts, step, [a.email for a in low]))
    if repeated := _of(attention, "repeated_obstacle"):
        step = NextStep("repeated_obstacle", 5, tuple(a.name for a in repeated),
                        count=repeated[0].count,
                        evidence=tuple(Evidence(a.name, a.evidence)
                                       for a in repeated if a.evidence))
        steps.append(_to(facts, step, [a.email for a in repeated]))
    return steps


def _themes(facts: Facts, meeting: date | None) -> list[NextStep]:
    """Obstacles raised this week by two people or more that fall under the same theme; each
    person named with the answer whose words put them there."""
    found: dict[str, list[Evidence]] = {name: [] for name in ORDER}
    emails: dict[str, list[str]] = {name: [] for name in ORDER}
    for person in facts.team.members:
        seen: set[str] = set()
        for record in reversed(facts.by_member.get(person.email, ())):
            text = record.answers.get("obstacles")
            if (record.kind != "checkin" or not isinstance(text, str)
                    or not in_week(facts, record.received_at) or is_nothing(text)):
                continue
            for match in themes(text, record.language):
                quote = evidence_quote(facts, record, "obstacles", match.words)
                if match.theme in seen or quote is None:
                    continue
                seen.add(match.theme)
                found[match.theme].append(Evidence(facts.names[person.email], quote,
                                                   match.words))
                emails[match.theme].append(person.email)
    ranked = sorted((name for name in ORDER if len(found[name]) >= THEME_MIN_PEOPLE),
                    key=lambda name: -len(found[name]))
    return [_to(facts, NextStep("theme", THEME_HABITS[name], tuple(e.name for e in found[name]),
                                count=len(found[name]), topic=name, on=meeting,
                                evidence=tuple(found[name])), emails[name])
            for name in ranked]


def _commitments(facts: Facts, follow_up: FollowUp) -> list[NextStep]:
    if not follow_up.missing:
        return []
    emails = [p.email for p in facts.team.members if facts.names[p.email] in follow_up.missing]
    step = NextStep("no_commitment", 4, follow_up.missing, count=len(follow_up.missing))
    return [_to(facts, step, emails)]


def _reply_rate(facts: Facts, pulse: Pulse, meeting: date | None) -> list[NextStep]:
    if pulse.rate is None or pulse.sent < LOW_REPLY_MIN_SENT or pulse.rate >= LOW_REPLY_RATE:
        return []
    step = NextStep("low_reply_rate", 5, count=pulse.replied, weeks=pulse.sent, on=meeting)
    return [_to(facts, step, [p.email for p in facts.team.members])]


def _recognise(facts: Facts, meeting: date | None) -> list[NextStep]:
    """People whose latest answer this week reports progress: say so in front of the team."""
    evidence: list[Evidence] = []
    emails: list[str] = []
    for person in facts.team.members:
        checkins = [r for r in facts.by_member.get(person.email, ()) if r.kind == "checkin"]
        quote, words = new_progress(facts, checkins, person.goals)
        if quote is not None:
            evidence.append(Evidence(facts.names[person.email], quote, words))
            emails.append(person.email)
    if not evidence:
        return []
    step = NextStep("recognise", 1, tuple(e.name for e in evidence), count=len(evidence),
                    on=meeting, evidence=tuple(evidence))
    return [_to(facts, step, emails)]


def _no_feedback(facts: Facts, feedback: FeedbackSummary | None) -> list[NextStep]:
    """A feedback round went out this quarter, nobody has answered it, and the quarter is
    nearly over. Without a round sent there is nothing to chase (a new service, or a team
    without feedback rounds)."""
    last_day = facts.start.date() + timedelta(days=6)
    quarter = quarter_of(last_day)
    sent = any(p.slot.kind == "feedback" and p.slot.period == quarter for p in facts.prompts)
    if not sent or any(r.slot == quarter for r in facts.feedback) or (
            feedback and feedback.respondents):
        return []
    start = quarter_start(quarter, facts.tz)
    next_quarter = (start + timedelta(days=95)).replace(day=1)
    if next_quarter - facts.end > FEEDBACK_NAG:
        return []
    return [_to(facts, NextStep("no_feedback", 1), [p.email for p in facts.team.members])]


def _own_reflection(follow_up: FollowUp) -> list[NextStep]:
    return [NextStep("own_reflection", 5)] if follow_up.own_missing else []


