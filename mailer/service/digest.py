"""The digest and the meeting brief as mail: load what the pure builders need, render it.

The imperative shell around :mod:`mailer.digest.build` and :mod:`mailer.digest.brief`. It reads only
the weeks the digest looks at (:func:`mailer.digest.build.read_window`, plus this quarter's
leadership feedback) from the record store, the team's ledger rows of the same window, and renders
with :func:`mailer.outbound.compose.render` in the manager's language. ``mailer check`` renders both
kinds against :func:`sample_context` and :func:`sample_context_brief`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from mailer.config.questions import QuestionSet, load_default_questions, questions_for
from mailer.digest import samples as digest_samples
from mailer.digest.brief import Brief, build_brief, meeting_time
from mailer.digest.build import build_digest, read_window
from mailer.digest.model import Digest, quarter_of
from mailer.models import Config, Language, Prompt, Record, RenderedMail, Slot, Team
from mailer.outbound.compose import babel_locale, render
from mailer.service.context import Context
from mailer.service.status import DAILY_CAP_STATE, DailyCapHold, daily_cap_hold
from mailer.storage.store import FEEDBACK_DIR, RecordStore

#: The prompts of one day before the window too: the ledger stores ``due_at`` with the
#: recipient's offset, so a UTC bound can miss a few hours at either end (filtered later).
_LEDGER_MARGIN = timedelta(days=1)


# --------------------------------------------------------------------------- loading


def quarter_feedback(store: RecordStore, team: str, quarter: str) -> list[Record]:
    """The leadership feedback received in ``quarter`` (one folder, nothing else is read).

    The window of :func:`read_window` can start after the quarter did; feedback is the one
    thing the digest needs from the whole quarter.
    """
    folder = store.root / team / FEEDBACK_DIR / quarter
    return [store.read(path) for path in sorted(folder.glob("*.yaml"))] if folder.is_dir() else []


def load_digest(ctx: Context, team: Team, week: str, *, now: datetime) -> Digest:
    """Build the digest of ``team`` for ``week`` from the store and the ledger."""
    since, until = read_window(week, team.manager.timezone)
    records = {r.id: r for r in ctx.store.team_records(team.id, since=since, until=until)}
    quarter = quarter_of(until.date() - timedelta(days=1))
    records.update((r.id, r) for r in quarter_feedback(ctx.store, team.id, quarter))
    prompts = ctx.ledger.prompts(team=team.id, since=since - _LEDGER_MARGIN,
                                 until=until + _LEDGER_MARGIN)
    # "n of m answered" counts everyone the quarter's feedback went to, not only this window.
    known = {p.slot.key for p in prompts}
    prompts += [p for p in ctx.ledger.prompts(team=team.id, kind="feedback")
                if p.slot.period == quarter and p.slot.key not in known]
    addresses = {a for p in team.members for a in p.addresses}
    failures = [f for f in ctx.ledger.failures() if f.email in addresses]
    return build_digest(team, records.values(), prompts, ctx.ledger.pauses(team=team.id),
                        failures, week=week, now=now)


def load_brief(ctx: Context, team: Team, day: date, *, now: datetime) -> Brief:
    """Build the brief of the team meeting on ``day`` (the slot period of a brief)."""
    meeting_at = meeting_time(team, day)
    since = meeting_at - timedelta(days=7)
    # Two weeks of prompts and replies: "quiet lately" looks at the last two check-ins.
    window = meeting_at - timedelta(days=21)
    records = ctx.store.team_records(team.id, since=window, until=meeting_at)
    prompts = ctx.ledger.prompts(team=team.id, since=window - _LEDGER_MARGIN,
                                 until=meeting_at + _LEDGER_MARGIN)
    return build_brief(team, records, prompts, ctx.ledger.pauses(team=team.id),
                       meeting_at=meeting_at, since=since, now=now,
                       language=team.manager.language)


# --------------------------------------------------------------------------- not sent

#: The prompt kinds as the digest names them, per language.
_KIND_WORDS = {
    "en": {"checkin": "check-in", "review": "monthly review", "feedback": "feedback request",
           "reflection": "reflection", "digest": "digest", "brief": "meeting brief"},
    "sv": {"checkin": "avstämningen", "review": "månadsavstämningen",
           "feedback": "återkopplingsfrågan", "reflection": "reflektionen",
           "digest": "veckobrevet", "brief": "mötesunderlaget"},
}


@dataclass(frozen=True)
class NotSent:
    """A prompt that expired unsent (mailer.schedule_retry): who, what, when and why."""

    name: str
    what: str
    period: str
    reason: str


def not_sent(team: Team, prompts: Iterable[Prompt], language: str) -> list[NotSent]:
    """The team's expired prompts among ``prompts``, by due time, for the digest."""
    people = {p.id: p.name for p in (team.manager, *team.members)}
    words = _KIND_WORDS.get(language, _KIND_WORDS["en"])
    return [NotSent(people.get(p.slot.email, p.slot.email), words.get(p.slot.kind, p.slot.kind),
                    p.slot.period, p.skip_reason or "")
            for p in sorted(prompts, key=lambda p: p.due_at)
            if p.state == "expired" and p.slot.team == team.id]


def load_not_sent(ctx: Context, team: Team, week: str) -> list[NotSent]:
    """Expired prompts of ``week`` (the digest's read window), from the ledger."""
    since, until = read_window(week, team.manager.timezone)
    rows = [p for p in ctx.ledger.in_state("expired", since=since - _LEDGER_MARGIN)
            if p.due_at < until + _LEDGER_MARGIN]
    return not_sent(team, rows, team.manager.language)


# --------------------------------------------------------------------------- template context


def _helpers(locale: str) -> dict[str, Callable[..., Any]]:
    """Locale-aware formatting the templates need beyond compose's date filters."""
    def month(period: str) -> date:
        return date(int(period[:4]), int(period[5:7]), 1)

    return {
        "join": lambda names: format_list([str(n) for n in names], locale=locale),
        "number": lambda value: format_decimal(value, "0.0", locale=locale),
        "percent": lambda value: format_percent(value, locale=locale),
        "month": month,
    }


def _wordings(team: Team, kind: str, questions: QuestionSet, language: str) -> dict[str, str]:
    return {q.id: q.wording(language) for q in questions_for(team, kind, questions)}


def digest_context(team: Team, digest: Digest, *, questions: QuestionSet,
                   language: Language | None = None,
                   daily_cap: DailyCapHold | None = None,
                   unsent: Sequence[NotSent] = ()) -> dict[str, Any]:
    """The template variables of ``<lang>/digest.*.j2``: the digest plus formatting helpers,
    ``daily_cap`` when the provider's daily cap held prompts back during the week, and the
    prompts that were ``not_sent`` (expired) with their reasons."""
    manager = team.manager
    language = language or manager.language
    locale = babel_locale(language, manager.country)
    return {
        "digest": digest,
        "locale": locale,
        "team": {"name": team.name, "display_name": team.display_name},
        "manager": {"name": manager.name, "first_name": manager.first_name},
        "feedback_questions": _wordings(team, "feedback", questions, language),
        "attention_people": len({a.email for a in digest.attention}),
        "daily_cap": daily_cap,
        "not_sent": list(unsent),
        **_helpers(locale),
    }


def brief_context(team: Team, brief: Brief, *, language: Language | None = None) -> dict[str, Any]:
    manager = team.manager
    locale = babel_locale(language or manager.language, manager.country)
    return {
        "brief": brief,
        "locale": locale,
        "team": {"name": team.name, "display_name": team.display_name},
        "manager": {"name": manager.name, "first_name": manager.first_name},
        **_helpers(locale),
    }


# --------------------------------------------------------------------------- mail


def render_digest(ctx: Context, team: Team, week: str, *, now: datetime) -> RenderedMail:
    digest = load_digest(ctx, team, week, now=now)
    hold = daily_cap_hold(ctx.ledger.get_state(DAILY_CAP_STATE), now=now,
                          within=timedelta(days=7))
    return render(ctx.env, "digest", team.manager.language,
                  digest_context(team, digest, questions=ctx.questions, daily_cap=hold,
                                 unsent=load_not_sent(ctx, team, week)))


def digest_mail(ctx: Context, team: Team, slot: Slot, now: datetime) -> RenderedMail:
    """The digest mail of a ledger slot (``slot.period`` is the ISO week); for jobs.send_due."""
    return render_digest(ctx, team, slot.period, now=now)


def brief_mail(ctx: Context, team: Team, slot: Slot, now: datetime) -> RenderedMail:
    """The brief of a ledger slot (``slot.period`` is the meeting date); for jobs.send_due."""
    brief = load_brief(ctx, team, date.fromisoformat(slot.period), now=now)
    return render(ctx.env, "brief", team.manager.language, brief_context(team, brief))


# --------------------------------------------------------------------------- samples (mailer check)


def sample_context(config: Config, team: Team, language: str) -> dict[str, Any]:
    """A digest of hand-made records that fills every section, for ``mailer check``."""
    questions = load_default_questions(config.service.templates_dir)
    digest = digest_samples.sample_digest(team)
    hold = DailyCapHold(datetime.combine(digest.end, time(9), tzinfo=team.manager.timezone), 12,
                        10_000)
    person = team.members[0] if team.members else team.manager
    unsent = [NotSent(person.name, _KIND_WORDS[_language(language)]["checkin"],
                      digest.start.isoformat(),
                      "not sent by 00:00: the SMTP server was unreachable")]
    return digest_context(team, digest, questions=questions, language=_language(language),
                          daily_cap=hold, unsent=unsent)


def sample_context_brief(config: Config, team: Team, language: str) -> dict[str, Any]:
    brief = digest_samples.sample_brief(team, _language(language))
    return brief_context(team, brief, language=_language(language))


def _language(value: str) -> Language:
    return "sv" if value == "sv" else "en"
