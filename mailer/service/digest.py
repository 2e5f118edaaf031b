"""The digest and the meeting brief as mail: load what the pure builders need, render it.

The imperative shell around :mod:`mailer.digest.build` and :mod:`mailer.digest.brief`. It reads only
the weeks the digest looks at (:func:`mailer.digest.build.read_window`, plus this quarter's
leadership feedback) from the record store, the team's ledger rows of the same window, and renders
with :func:`mailer.outbound.compose.render` in the manager's language. ``mailer check`` renders both
kinds against :func:`sample_context` and :func:`sample_context_brief`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from babel.dates import format_interval, format_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup, escape

from mailer.config.questions import QuestionSet, load_default_questions, questions_for
from mailer.digest import samples as digest_samples
from mailer.digest.brief import Brief, build_brief, meeting_time
from mailer.digest.build import build_digest, read_window
from mailer.digest.model import Digest, quarter_of
from mailer.models import Config, Language, Record, RenderedMail, Slot, Team
from mailer.outbound.compose import babel_locale, render
from mailer.service.context import Context
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
    records = {r.id: r for r in ctx.store.team_records(team.name, since=since, until=until)}
    quarter = quarter_of(until.date() - timedelta(days=1))
    records.update((r.id, r) for r in quarter_feedback(ctx.store, team.name, quarter))
    prompts = ctx.ledger.prompts(team=team.name, since=since - _LEDGER_MARGIN,
                                 until=until + _LEDGER_MARGIN)
    addresses = {a for p in team.members for a in p.addresses}
    failures = [f for f in ctx.ledger.failures() if f.email in addresses]
    return build_digest(team, records.values(), prompts, ctx.ledger.pauses(team=team.name),
                        failures, week=week, now=now)


def load_brief(ctx: Context, team: Team, day: date, *, now: datetime) -> Brief:
    """Build the brief of the team meeting on ``day`` (the slot period of a brief)."""
    meeting_at = meeting_time(team, day)
    since = meeting_at - timedelta(days=7)
    # Two weeks of prompts and replies: "quiet lately" looks at the last two check-ins.
    window = meeting_at - timedelta(days=21)
    records = ctx.store.team_records(team.name, since=window, until=meeting_at)
    prompts = ctx.ledger.prompts(team=team.name, since=window - _LEDGER_MARGIN,
                                 until=meeting_at + _LEDGER_MARGIN)
    return build_brief(team, records, prompts, ctx.ledger.pauses(team=team.name),
                       meeting_at=meeting_at, since=since, now=now,
                       language=team.manager.language)


# --------------------------------------------------------------------------- template context


#: From this many members the digest quotes only the week's obstacles and progress, so that
#: a large team's digest stays far below Gmail's 102 KB clipping (and our 60 KB budget).
COMPACT_FROM = 15


def _helpers(locale: str) -> dict[str, Callable[..., Any]]:
    """Locale-aware formatting the templates need beyond compose's date filters."""
    def month(period: str) -> date:
        return date(int(period[:4]), int(period[5:7]), 1)

    def span(start: date, end: date, skeleton: str = "MMMd") -> str:
        """"21–27 dec." / "Dec 21 – 27": a range of days as the locale writes it."""
        if start == end:
            return format_skeleton(skeleton, start, locale=locale)
        return format_interval(start, end, skeleton, locale=locale)

    def days(values: Iterable[date], skeleton: str = "MMMEd") -> str:
        return format_list([format_skeleton(skeleton, d, locale=locale) for d in values],
                           locale=locale)

    return {
        "join": lambda names: format_list([str(n) for n in names], locale=locale),
        "number": lambda value: format_decimal(value, "0.0", locale=locale),
        "percent": lambda value: format_percent(value, locale=locale),
        "month": month,
        "span": span,
        "days": days,
        "mark": mark,
        "mailto": mailto,
    }


def mark(text: str, words: Iterable[str]) -> Markup:
    """``text`` escaped, with each of ``words`` (as written in it) in bold: the words a claim
    of the digest rests on, shown inside the answer that holds them."""
    wanted = sorted({w for w in words if w}, key=len, reverse=True)
    if not wanted:
        return escape(text)
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in wanted) + r")(?!\w)")
    parts = pattern.split(text)
    return Markup("").join(Markup("<strong>{}</strong>").format(part) if i % 2 else escape(part)
                           for i, part in enumerate(parts))


def mailto(emails: Iterable[str], subject: str) -> str:
    """A mailto: URI (RFC 6068) to these addresses with a suggested subject."""
    to = ",".join(quote(e, safe="@") for e in emails)
    return f"mailto:{to}?subject={quote(subject, safe='')}"


def _wordings(team: Team, kind: str, questions: QuestionSet, language: str) -> dict[str, str]:
    return {q.id: q.wording(language) for q in questions_for(team, kind, questions)}


def digest_context(team: Team, digest: Digest, *, questions: QuestionSet,
                   language: Language | None = None) -> dict[str, Any]:
    """The template variables of ``<lang>/digest.*.j2``: the digest plus formatting helpers."""
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
        "compact_from": COMPACT_FROM,
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
    return render(ctx.env, "digest", team.manager.language,
                  digest_context(team, digest, questions=ctx.questions))


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
    return digest_context(team, digest, questions=questions, language=_language(language))


def sample_context_brief(config: Config, team: Team, language: str) -> dict[str, Any]:
    brief = digest_samples.sample_brief(team, _language(language))
    return brief_context(team, brief, language=_language(language))


def _language(value: str) -> Language:
    return "sv" if value == "sv" else "en"
