"""The privacy notice (GDPR art. 13): what the service asks, keeps, where, how long, who reads it.

Pure given a Jinja environment: :func:`notice_context` turns the config's real values into the
template variables of ``<language>/privacy_notice.txt.j2``; :func:`render_notice` renders it
as plain text and :func:`notice_html` builds the HTML form from that text (one source per
language, so the two can never say different things). ``mailer privacy-notice`` prints it, and
the first prompt each person receives carries it below the signature delimiter.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2

from mailer.kinds import PromptKind
from mailer.models import Config, Question, Team
from mailer.outbound.compose import render_plain

#: Marks what the employer has to fill in where the config says nothing.
MISSING = {"en": "to be filled in by the employer", "sv": "fylls i av arbetsgivaren"}
_DAYS = {
    "en": ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"),
    "sv": ("måndagar", "tisdagar", "onsdagar", "torsdagar", "fredagar", "lördagar", "söndagar"),
}
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december"),
}
_ASKED = {
    "en": {"checkin": "A check-in on {days} at {time}: {questions}",
           "review": "A monthly review: {questions}",
           "feedback": "Anonymous feedback on your manager's leadership in {months}: {questions}"},
    "sv": {"checkin": "En avstämning {days} kl. {time}: {questions}",
           "review": "En uppföljning varje månad: {questions}",
           "feedback": "Anonym återkoppling på chefens ledarskap i {months}: {questions}"},
}


@dataclass(frozen=True)
class Notice:
    text: str
    html: str
    missing: tuple[str, ...]  # the values the employer still has to fill in


def _join(items: Sequence[str], language: str) -> str:
    word = " och " if language == "sv" else " and "
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + word + items[-1]


def _asked(team: Team, questions: Mapping[PromptKind, Sequence[Question]],
           language: str) -> list[str]:
    words = _ASKED[language]
    found = []
    kinds: tuple[PromptKind, ...] = ("checkin", "review", "feedback")
    for kind in kinds:
        schedule = getattr(team, kind)
        if schedule is None:
            continue
        wordings = [f"“{q.wording(language)}”" if language == "en" else f"”{q.wording(language)}”"
                    for q in questions.get(kind, ())]
        values = {"questions": "; ".join(wordings) or "-"}
        if kind == "checkin":
            values["days"] = _join([_DAYS[language][d] for d in schedule.days], language)
            values["time"] = schedule.time.strftime("%H:%M")
        if kind == "feedback":
            values["months"] = _join([_MONTHS[language][m - 1] for m in schedule.months],
                                     language)
        found.append(words[kind].format(**values))
    return found


def notice_context(config: Config, team: Team, language: str,
                   questions: Mapping[PromptKind, Sequence[Question]]) -> dict[str, Any]:
    """The template variables, from the config's real values (``questions`` per prompt kind)."""
    privacy = config.privacy
    service = config.service
    return {
        "language": language,
        "missing": MISSING.get(language, MISSING["en"]),
        "controller": privacy.controller,
        "contact": privacy.contact,
        "legal_basis": privacy.legal_basis_in(language),
        "team": {"name": team.name, "display_name": team.display_name},
        "manager": {"name": team.manager.name, "first_name": team.manager.first_name},
        "asked": _asked(team, questions, language),
        "mailbox": {"address": config.imap.username, "host": config.imap.host,
                    "processed_folder": config.imap.processed_folder},
        "confirmations": team.confirmations,
        "retention_months": service.retention_months,
        "text_retention_months": service.text_retention_months,
        "feedback": team.feedback is not None,
        "min_respondents": team.feedback.min_respondents if team.feedback else None,
    }


def missing_values(config: Config) -> tuple[str, ...]:
    """The ``[privacy]`` keys the notice needs and the config does not set."""
    privacy = config.privacy
    return tuple(f"privacy.{key}" for key in ("controller", "contact", "legal_basis")
                 if not getattr(privacy, key))  # an empty legal_basis table is falsy too


def render_notice(env: jinja2.Environment, config: Config, team: Team, language: str,
                  questions: Mapping[PromptKind, Sequence[Question]]) -> Notice:
    """The notice for ``team`` in ``language``, as text and HTML."""
    values = notice_context(config, team, language, questions)
    text = render_plain(env, f"{language}/privacy_notice.txt.j2", values)
    return Notice(text, notice_html(text), missing_values(config))


_UNDERLINE = re.compile(r"^(=+|-+)$")


def notice_html(text: str) -> str:
    """The notice's HTML fragment: a line underlined with ``=`` is the title, with ``-`` a
    heading (setext style, readable as plain text), ``- `` lines a list, other blocks
    paragraphs; every character of the text escaped."""
    blocks = [b.strip("\n") for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    out: list[str] = []
    for block in blocks:
        lines = block.splitlines()
        if len(lines) == 2 and _UNDERLINE.match(lines[1]):
            tag = "h1" if lines[1][0] == "=" else "h2"
            out.append(f"<{tag}>{html.escape(lines[0])}</{tag}>")
        elif all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{html.escape(line[2:])}</li>" for line in lines)
            out.append(f"<ul>{items}</ul>")
        else:
            out.append("<p>" + "<br>".join(html.escape(line) for line in lines) + "</p>")
    return "\n".join(out)
