"""The service's data: frozen, typed dataclasses and nothing that does I/O.

Two families live here:

* the validated configuration (``Config`` and its parts), produced by :mod:`mailer.config.load`;
* the runtime facts every module exchanges: a ``Slot`` (who gets which prompt for which period),
  a ``Prompt`` (a ledger row), a ``Record`` (one accepted reply), ``Pause`` and ``AddressFailure``.

Times are always aware datetimes; dates of a person's calendar are plain ``date`` in their zone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from mailer.kinds import PromptKind

Language = Literal["sv", "en"]
LANGUAGES: tuple[Language, ...] = ("sv", "en")

Security = Literal["starttls", "tls", "none"]
#: How the service signs in to IMAP and SMTP: a password, or an OAuth 2.0 access token.
Auth = Literal["password", "oauth2"]
#: Where the access tokens come from ([oauth2] provider).
OAuth2Provider = Literal["microsoft", "google", "command"]
#: The sending-limit profiles of [smtp] provider (numbers in mailer.config.providers).
SmtpProvider = Literal["generic", "microsoft365", "google"]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

QuestionType = Literal["text", "scale"]


def language(value: str) -> Language:
    """``value`` as a language of the service; ValueError for anything else."""
    for known in LANGUAGES:
        if value == known:
            return known
    raise ValueError(f"unknown language {value!r}")


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Question:
    """One numbered question of a prompt. ``text`` maps a language to the wording."""

    id: str
    text: Mapping[str, str]
    type: QuestionType = "text"
    #: Extra words that label this question in a reply ("Hinder: ..."), lowercased.
    labels: tuple[str, ...] = ()

    #: Earlier wordings, so a reply that quotes a prompt sent before a rewording is still read.
    former: tuple[str, ...] = ()

    def wording(self, language: str) -> str:
        return self.text.get(language) or self.text.get("en") or next(iter(self.text.values()))

    def wordings(self) -> tuple[str, ...]:
        """Every wording a reply may quote: the current ones in each language, then former."""
        return (*self.text.values(), *self.former)


@dataclass(frozen=True)
class Period:
    """An inclusive range of local dates (an away period)."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True)
class Person:
    """A team member or a manager."""

    name: str
    email: str  # lowercased, validated
    timezone: ZoneInfo
    language: Language
    country: str = "SE"
    goals: tuple[str, ...] = ()  # in the person's own language
    away: tuple[Period, ...] = ()
    aliases: tuple[str, ...] = ()  # other addresses the person may reply from, lowercased
    #: Each goal per language when the config gives it so (``{ sv = "...", en = "..." }``);
    #: empty when every goal is one plain string.
    goal_texts: tuple[Mapping[str, str], ...] = ()
    subdivision: str | None = None  # the region of ``country`` for holidays ("ENG", "NSW")

    def goals_in(self, language: str) -> tuple[str, ...]:
        """The goals as a reader of ``language`` should see them (the manager's digest)."""
        return tuple(text for text, _ in self.goals_for(language))

    def goals_for(self, language: str) -> tuple[tuple[str, str], ...]:
        """(text, the language it is in) of each goal for a reader of ``language``: in that
        language where the config gives it, else in the person's own."""
        texts = self.goal_texts or tuple({} for _ in self.goals)
        return tuple((found, language) if (found := per_language.get(language)) else
                     (goal, self.language)
                     for per_language, goal in zip(texts, self.goals, strict=True))

    #: The stable id in slot keys, the ledger and record folders (config ``id``, default the
    #: email): a new address with the old one as id keeps the person's history.
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", self.email)

    @property
    def addresses(self) -> frozenset[str]:
        """Every address that names the person: email, aliases and the id (often the old
        address, which ledger rows and records still carry)."""
        return frozenset((self.email, *self.aliases, self.id))

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name


@dataclass(frozen=True)
class MonthlyRule:
    """A day of the month: ``nth`` weekday (1-4, or -1 for last) or a fixed ``day`` (1-28)."""

    nth: int | None = None
    weekday: int | None = None  # 0 = Monday
    day: int | None = None
    text: str = ""  # the expression as written, for messages

    def date_in(self, year: int, month: int) -> date:
        """The local date this rule names in the given month."""
        if self.day is not None:
            return date(year, month, self.day)
        assert self.nth is not None and self.weekday is not None
        if self.nth > 0:
            first = date(year, month, 1)
            offset = (self.weekday - first.weekday()) % 7
            return first + timedelta(days=offset + 7 * (self.nth - 1))
        next_month = date(year + month // 12, month % 12 + 1, 1)
        last = next_month - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - self.weekday) % 7)


@dataclass(frozen=True)
class CheckinSchedule:
    days: tuple[int, ...]  # weekdays, 0 = Monday
    time: time


@dataclass(frozen=True)
class MonthlySchedule:
    """Reviews and reflections: once a month on ``on``; feedback: only in ``months``."""

    on: MonthlyRule
    time: time
    months: tuple[int, ...] = tuple(range(1, 13))


@dataclass(frozen=True)
class FeedbackSchedule(MonthlySchedule):
    #: Answers shown only from this many people (per question for written answers); at least 3.
    min_respondents: int = 5


#: The default of ``feedback.min_respondents`` (Officevibe's rule); below 3 is a config error.
MIN_RESPONDENTS = 5


@dataclass(frozen=True)
class WeeklySchedule:
    """The digest: a weekday and a time in the manager's zone."""

    day: int
    time: time


@dataclass(frozen=True)
class MeetingSchedule:
    day: int
    time: time
    brief_minutes_before: int = 30


@dataclass(frozen=True)
class Team:
    name: str  # slug [a-z0-9-]+
    display_name: str
    manager: Person
    members: tuple[Person, ...]
    availability: str = ""  # the manager's words, in the manager's language
    checkin: CheckinSchedule | None = None
    review: MonthlySchedule | None = None
    feedback: FeedbackSchedule | None = None
    reflection: MonthlySchedule | None = None
    digest: WeeklySchedule | None = None
    meeting: MeetingSchedule | None = None
    #: Questions per kind when the team overrides the template defaults; empty: defaults.
    questions: Mapping[str, tuple[Question, ...]] = field(default_factory=dict)
    confirmations: bool = True
    #: ``availability`` per language when the config gives it so; empty for a plain string.
    availability_texts: Mapping[str, str] = field(default_factory=dict)

    def availability_in(self, language: str) -> str:
        """How to reach the manager, in the reader's language when the config has it."""
        return self.availability_texts.get(language) or self.availability

    #: The stable id in slot keys, the ledger and record folders (config ``id``, default the
    #: name): renaming a team keeps its history and sends nothing twice.
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", self.name)

    def member(self, email: str) -> Person | None:
        email = email.lower()
        for person in self.members:
            if email in person.addresses:
                return person
        return None


@dataclass(frozen=True)
class ServiceSettings:
    data_dir: Path
    timezone: ZoneInfo
    language: Language
    secret_env: str = "MAILER_SECRET"
    templates_dir: Path | None = None
    catch_up: timedelta = timedelta(hours=3)
    retention_months: int = 24
    text_retention_months: int | None = None
    #: How long an unsent prompt is retried, per kind: "day", "week", "meeting" or a
    #: duration (see mailer.schedule_retry); kinds not named keep their default.
    send_window: Mapping[str, str | timedelta] = field(default_factory=dict)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: Security
    username: str | None
    password_env: str | None
    from_address: str  # the bare address of ``from``
    from_name: str  # the display name of ``from`` ("" when none)
    ca_file: Path | None = None
    password_command: str | None = None
    timeout: float = 30.0
    max_connections: int = 4
    max_attempts: int = 5
    #: Reply-To carries a plus-address token (checkin+TOKEN@...) only when the server supports it.
    plus_tokens: bool = False
    auth: Auth = "password"
    #: The provider profile the limits below came from (each may be overridden in the config).
    provider: SmtpProvider = "generic"
    max_per_minute: int | None = None  # messages in any minute; None: as fast as the server takes
    max_per_day: int | None = None  # messages in any 24 hours; None: no cap


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: Security
    username: str
    password_env: str | None
    folder: str = "INBOX"
    processed_folder: str = "Checkins/Processed"
    quarantine_folder: str = "Checkins/Quarantine"
    ca_file: Path | None = None
    password_command: str | None = None
    poll_seconds: int = 60
    max_message_bytes: int = 10 * 1024 * 1024
    trusted_authserv_id: str | None = None
    timeout: float = 60.0
    auth: Auth = "password"
    #: Where mail goes that the service is not sure a person wrote (no record, no receipt).
    review_folder: str = "Checkins/Review"


@dataclass(frozen=True)
class OAuth2Settings:
    """[oauth2]: where access tokens come from; secrets only by the name of their variable."""

    provider: OAuth2Provider
    tenant_id: str | None = None  # microsoft
    client_id: str | None = None  # microsoft
    client_secret_env: str | None = None  # microsoft, or client_certificate_file
    client_certificate_file: Path | None = None  # microsoft: PEM with the key and certificate
    service_account_file: Path | None = None  # google (domain-wide delegation)
    token_command: str | None = None  # command: prints an access token


@dataclass(frozen=True)
class PrivacySettings:
    """``[privacy]``: what the privacy notice says about the employer (None: to fill in)."""

    controller: str | None = None  # the employer's name (and organisation number)
    contact: str | None = None  # where people send questions and requests
    #: The legal basis in words, per language ("" when one text serves both).
    legal_basis: Mapping[str, str] = field(default_factory=dict)

    def legal_basis_in(self, language: str) -> str | None:
        """The wording for ``language``, else the one for every language, else None."""
        return self.legal_basis.get(language) or self.legal_basis.get("") or None


@dataclass(frozen=True)
class Config:
    service: ServiceSettings
    smtp: SmtpSettings
    imap: ImapSettings
    teams: tuple[Team, ...]
    path: Path | None = None  # the file it was loaded from; relative paths resolve against it
    privacy: PrivacySettings = PrivacySettings()
    oauth2: OAuth2Settings | None = None

    def team(self, name: str) -> Team | None:
        return next((t for t in self.teams if t.name == name), None)

    def team_by_id(self, team_id: str) -> Team | None:
        """The team whose stable id (slot keys, ledger, records) is ``team_id``."""
        return next((t for t in self.teams if t.id == team_id), None)


# --------------------------------------------------------------------------- runtime facts

PromptState = Literal["due", "sending", "sent", "failed", "skipped", "expired"]


def _email_slug(email: str) -> str:
    """A file-system-safe, collision-free name for an address (never a path separator)."""
    local = re.sub(r"[^a-z0-9]+", "-", email.lower()).strip("-")[:40] or "x"
    digest = hashlib.sha256(email.lower().encode()).hexdigest()[:8]
    return f"{local}-{digest}"


@dataclass(frozen=True)
class Slot:
    """(team, person, kind, period): what is sent at most once.

    ``period`` is the local date for check-ins and briefs (``2026-11-30``), the month for
    reviews and reflections (``2026-11``), the quarter for feedback (``2026-Q4``) and the ISO
    week for digests (``2026-W48``).
    """

    team: str
    email: str
    kind: PromptKind
    period: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.team}:{self.email}:{self.period}"


@dataclass(frozen=True)
class Prompt:
    """A row of the outbox ledger: one slot, its fixed Message-ID and its delivery state."""

    slot: Slot
    message_id: str  # with angle brackets, fixed before the first attempt
    token: str  # the signed reply token (see :mod:`mailer.addressing`)
    state: PromptState
    due_at: datetime
    language: Language
    question_ids: tuple[str, ...] = ()
    attempts: int = 0
    sent_at: datetime | None = None
    last_error: str | None = None
    skip_reason: str | None = None
    #: Failed batches so far and when the next one may try (see mailer.schedule_retry).
    retries: int = 0
    retry_at: datetime | None = None


@dataclass(frozen=True)
class TestSend:
    """A prompt sent as a test (``mailer send KIND --to-me``): rendered for ``prompt.slot.email``
    but sent to ``sent_to``, and kept apart from that member's prompts, so a reply to it is
    never their record (see :mod:`mailer.inbound.trial`)."""

    __test__ = False  # not a pytest test class, despite the name

    prompt: Prompt  # the slot's period is "test-<UTC time>", never one a schedule plans
    sent_to: str
    sent_at: datetime


@dataclass(frozen=True)
class Pause:
    """A person gets no prompts from ``start`` to ``until`` (both inclusive, local dates)."""

    team: str
    email: str
    start: date
    until: date
    reason: Literal["command", "out_of_office"]
    created_at: datetime


@dataclass(frozen=True)
class AddressFailure:
    """An address that bounced or was refused permanently."""

    email: str
    since: datetime
    reason: str
    count: int = 1


MatchedBy = Literal["in_reply_to", "references", "token", "sender"]
#: Text, or a scale number: whole, or a half for an answer between two ("3-4" is 3.5).
AnswerValue = str | int | float


@dataclass(frozen=True)
class Record:
    """One accepted reply, as stored in YAML.

    For ``feedback`` records ``member`` is None: leadership feedback is stored without the
    member's identity (team and period only), not even in the file name.
    """

    id: str  # sha1 of the Message-ID (or of the content when it has none)
    team: str
    member: str | None  # email, None for anonymous feedback
    kind: PromptKind
    slot: str  # the slot period (date / month / quarter)
    prompt_message_id: str | None
    message_id: str | None
    received_at: datetime
    matched_by: MatchedBy | None
    language: Language
    answers: Mapping[str, AnswerValue]
    text: str
    problems: tuple[str, ...] = ()
    unstructured: bool = False
    schema: int = 1

    def answer(self, question_id: str) -> AnswerValue | None:
        return self.answers.get(question_id)

    def score(self, question_id: str = "mood") -> float | None:
        """The scale answer (3, or 3.5 for "3-4"), or None when it is text or missing."""
        value = self.answers.get(question_id)
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def member_dirname(email: str) -> str:
    """The folder name of a person's records (see :func:`_email_slug`)."""
    return _email_slug(email)


@dataclass(frozen=True)
class RenderedMail:
    """A composed message before addressing: subject and both bodies."""

    subject: str
    text: str
    html: str
