"""The shapes of the weekly digest: frozen dataclasses, and the ISO-week arithmetic. Pure.

:func:`mailer.digest.build.build_digest` returns a :class:`Digest`. All dates and times in it are in
the manager's time zone; texts are shortened but not escaped (templates escape).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from mailer.digest.absences import Absence, Holiday
from mailer.digest.similarity import shorten
from mailer.models import AddressFailure, Pause, Prompt, Record, Team

#: The weeks the digest looks back over: 8 weeks of mood sparklines (this one and 7 before),
#: the 4-week baselines, the last 3 prompts of a weekly check-in, and the previous monthly
#: review round, which can lie two calendar months back.
LOOKBACK_WEEKS = 9
SPARK_WEEKS = 8
BASELINE_WEEKS = 4

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


# --------------------------------------------------------------------------- the digest's shape


@dataclass(frozen=True)
class Quote:
    """A shortened answer and where it comes from (the evidence behind a line)."""

    text: str
    at: datetime  # when the reply arrived, manager's zone
    question: str
    record_id: str
    language: str = ""  # the language of the reply (templates mark other-language quotes)


@dataclass(frozen=True)
class Goal:
    """One of a person's goals as the digest shows it, and the language it is written in
    (the templates mark a goal in the other language, as they mark quotes)."""

    text: str
    language: str


@dataclass(frozen=True)
class Evidence:
    """What a claim rests on: who said it, their words, and the words the claim is about (each
    of them occurs in ``quote.text``)."""

    name: str
    quote: Quote
    words: tuple[str, ...] = ()


#: "quiet": no answer to the last prompts since an earlier answer; "never": no answer at all.
AttentionKind = Literal["bounce", "quiet", "never", "low_mood", "mood_drop", "repeated_obstacle"]


@dataclass(frozen=True)
class Attention:
    """One line of "needs attention": who, what, since when, and the evidence."""

    kind: AttentionKind
    email: str
    name: str
    anchor: str  # the person's section in the HTML part
    since: date
    score: float | None = None  # low mood / drop: the latest score (3.5 for "3-4")
    average: float | None = None  # drop: the person's own average of the 4 weeks before
    count: int = 0  # quiet, never: unanswered prompts; repeated obstacle: check-ins in a row
    reason: str = ""  # bounce: the server's words
    last_reply: date | None = None  # quiet
    evidence: Quote | None = None
    unanswered: tuple[date, ...] = ()  # quiet, never: the days the unanswered prompts went out


@dataclass(frozen=True)
class MoodLine:
    email: str
    name: str
    anchor: str
    weeks: tuple[float | None, ...]  # mean score per week, oldest first
    sparkline: str
    latest: float | None  # the latest score this week


@dataclass(frozen=True)
class Pulse:
    sent: int  # prompts sent this week (check-ins and reviews)
    replied: int
    rate: float | None
    sent_before: int  # the same over the 4 weeks before
    replied_before: int
    rate_before: float | None
    week_labels: tuple[str, ...]  # "W41" .. "W48"
    team_mood: tuple[float | None, ...]  # None where fewer than 3 people gave a score
    team_sparkline: str
    team_average: float | None  # this week; None with fewer than 3 answers
    answers: int  # people who gave a score this week
    people: tuple[MoodLine, ...]


@dataclass(frozen=True)
class PersonSummary:
    email: str
    name: str
    anchor: str
    working_well: Quote | None
    obstacles: Quote | None
    progress: Quote | None
    goals: tuple[Goal, ...]  # in the manager's language where the config has it
    commitment: Quote | None  # "next month" of their latest review
    replied_this_week: bool
    last_reply: date | None
    away_until: date | None  # on leave or paused now
    sparkline: str
    asked: int = 0  # prompts sent to them in the window
    obstacles_new: Quote | None = None  # this week's obstacle, unless it says "nothing"
    progress_new: Quote | None = None  # this week's progress, when it reports some
    free_text: Quote | None = None  # this week's reply that could not be split into answers


@dataclass(frozen=True)
class ReviewLine:
    email: str
    name: str
    anchor: str
    committed: Quote | None  # this round's "next month"
    previous: Quote | None  # the previous round's "next month"
    outcome: Quote | None  # this round's "what happened"


@dataclass(frozen=True)
class FollowUp:
    round: str | None  # month of the latest review round, "2026-11"
    previous_round: str | None
    people: tuple[ReviewLine, ...]
    missing: tuple[str, ...]  # names asked in this round who have not answered
    own: tuple[Quote, ...]  # the manager's latest reflection
    own_round: str | None
    own_missing: bool  # a reflection prompt went out this month and is unanswered


@dataclass(frozen=True)
class ScaleSummary:
    question: str
    counts: tuple[int, int, int, int, int]  # answers 1..5
    answers: int


@dataclass(frozen=True)
class FeedbackSummary:
    quarter: str
    respondents: int
    min_respondents: int
    shown: bool  # False: only "n of m answered"
    comments: tuple[tuple[str, tuple[str, ...]], ...]  # (question id, texts in seeded order)
    scales: tuple[ScaleSummary, ...]
    asked: int = 0  # people the quarter's feedback prompt went to


@dataclass(frozen=True)
class NextStep:
    """A suggested action, derived by an explicit rule (see :mod:`mailer.digest.steps`)."""

    rule: str
    habit: int  # 1 needs & feedback, 2 digital meetings, 3 daily contact, 4 goals, 5 follow-up
    names: tuple[str, ...] = ()
    count: int = 0
    weeks: int = 0
    topic: str = ""
    on: date | None = None  # the next team meeting
    score: float | None = None
    average: float | None = None  # low mood after a drop: the average it dropped from
    evidence: tuple[Evidence, ...] = ()  # why: the answers the step rests on
    more: int = 0  # people the step names whose answers are not quoted (beyond MAX_EVIDENCE)
    dates: tuple[date, ...] = ()  # why, for silence: the days of the unanswered prompts
    emails: tuple[str, ...] = ()  # whom to write to (a mailto: link), empty: nobody
    language: str = "en"  # the language of a mail to them (their own, when they share one)


@dataclass(frozen=True)
class Digest:
    team: str
    team_name: str
    manager: str
    week: str
    start: date  # Monday
    end: date  # Sunday
    as_of: datetime
    next_meeting: date | None
    attention: tuple[Attention, ...]
    pulse: Pulse
    people: tuple[PersonSummary, ...]
    follow_up: FollowUp
    feedback: FeedbackSummary | None
    next_steps: tuple[NextStep, ...]
    #: Messages of the week the service was not sure a person wrote (left for review).
    unsure: int = 0
    absences: tuple[Absence, ...] = ()  # away now or in the coming week
    holidays: tuple[Holiday, ...] = ()  # public holidays of the coming week
    history: bool = True  # False: nothing was ever sent, so there is nothing to report


# --------------------------------------------------------------------------- ISO weeks


def week_monday(week: str) -> date:
    """The Monday of an ISO week "YYYY-Www". :raises ValueError: for anything else."""
    found = _WEEK_RE.match(week.strip())
    if not found:
        raise ValueError(f'"{week}" is not an ISO week; expected YYYY-Www such as 2026-W48')
    try:
        return date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise ValueError(f'"{week}" does not exist '
                         f"(year {found[1]} has no week {found[2]})") from None


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_bounds(week: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """``[Monday 00:00, next Monday 00:00)`` of the week in ``tz`` (DST-correct)."""
    monday = week_monday(week)
    return (
        datetime.combine(monday, time(), tz),
        datetime.combine(monday + timedelta(days=7), time(), tz),
    )


def last_complete_week(now: datetime, tz: ZoneInfo) -> str:
    """The ISO week before the one ``now`` falls in (in ``tz``)."""
    return week_of(now.astimezone(tz).date() - timedelta(days=7))


def quarter_of(day: date) -> str:
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def quarter_start(quarter: str, tz: ZoneInfo) -> datetime:
    year, q = int(quarter[:4]), int(quarter[-1])
    return datetime(year, 3 * (q - 1) + 1, 1, tzinfo=tz)


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


# --------------------------------------------------------------------------- cleaned inputs


@dataclass(frozen=True)
class Facts:
    """The inputs after clean-up, shared by the section builders."""

    team: Team
    tz: ZoneInfo
    start: datetime
    end: datetime
    as_of: datetime
    names: Mapping[str, str]  # member email -> how the digest names them
    anchors: Mapping[str, str]
    by_member: Mapping[str, tuple[Record, ...]]  # answers of members, oldest first
    own: tuple[Record, ...]  # the manager's reflections
    feedback: tuple[Record, ...]
    prompts: tuple[Prompt, ...]  # sent before ``as_of``, oldest first
    pauses: tuple[Pause, ...]
    failures: tuple[AddressFailure, ...]
    min_respondents: int

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.tz)

    def day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def quote(self, record: Record, question: str, limit: int = 160) -> Quote | None:
        value = record.answers.get(question)
        text = shorten(str(value), limit) if value is not None else ""
        if not text:
            return None
        return Quote(text, self.local(record.received_at), question, record.id, record.language)


def display_names(team: Team) -> dict[str, str]:
    """First names, or full names where two members share a first name."""
    firsts = [p.first_name for p in team.members]
    return {
        p.email: p.first_name if firsts.count(p.first_name) == 1 else p.name for p in team.members
    }
