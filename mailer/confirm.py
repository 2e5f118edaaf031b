"""The receipt a person gets for a recorded reply or a command. Pure given a Jinja environment.

It owns what the receipt says (each recorded answer next to its question, the problems noted,
"a new reply corrects it"; or what a command did) and how it is addressed: to the verified
sender only, threaded under their reply (In-Reply-To, References), and marked
``Auto-Submitted: auto-replied`` (RFC 3834 5) so that their own auto-responder stays silent.
:mod:`mailer.inbound` decides whether a receipt is sent at all (never for automatic mail or
an unverified sender, and not when the team turned ``confirmations`` off).
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from typing import Any

import jinja2

from mailer.answers import Command
from mailer.compose import babel_locale, build_message, render
from mailer.inbound import Receipt
from mailer.models import Config, Record, Team

MAX_VALUE = 300  # characters of an answer shown in the receipt

_SUMMARY = {
    "en": {"pause": "paused until {until}", "resume": "resumed", "skip": "skipped",
           "problem": "not understood"},
    "sv": {"pause": "pausat till och med {until}", "resume": "återupptaget",
           "skip": "överhoppat", "problem": "inte förstått"},
}


def confirmation_context(receipt: Receipt, *, team_display_name: str, country: str = "SE"
                         ) -> dict[str, Any]:
    """The template variables of a receipt."""
    language = receipt.language if receipt.language in _SUMMARY else "en"
    labels = dict(receipt.question_labels)
    record = receipt.record
    return {
        "language": language,
        "locale": babel_locale(language, country),
        "person": {"first_name": receipt.name},
        "team": {"display_name": team_display_name},
        "subject": receipt.subject or "",
        "anonymous": receipt.kind == "feedback",
        "answers": _answers(record, labels),
        "unstructured": bool(record and record.unstructured),
        "problems": _scale_problems(record, labels, language),
        "command": _command(receipt.command, language),
    }


_KEPT_AS_TEXT = {"en": "kept as text, since it is not one number 1-5",
                 "sv": "sparat som text, eftersom det inte är ett tal 1-5"}


def _scale_problems(record: Record | None, labels: dict[str, str], language: str) -> list[str]:
    """The only problems a person can fix by replying again: a scale answer that was not one
    number on the scale (see :func:`mailer.answers.parse_scale`), said in their language."""
    if record is None:
        return []
    ids = [p.partition(":")[0] for p in record.problems]
    return [f"{labels[qid].rstrip(' ?')}: {_KEPT_AS_TEXT[language]}"
            for qid in ids if qid in labels and isinstance(record.answers.get(qid), str)]


def _answers(record: Record | None, labels: dict[str, str]) -> list[dict[str, str]]:
    if record is None:
        return []
    items = []
    for qid, value in record.answers.items():
        label = labels.get(qid, qid.replace("_", " ")).rstrip(" ?")
        text = " ".join(str(value).split())
        items.append({"label": label, "value": text if len(text) <= MAX_VALUE
                      else text[:MAX_VALUE - 1] + "…"})
    return items


def _command(command: Command | None, language: str) -> dict[str, Any] | None:
    if command is None:
        return None
    words = _SUMMARY[language]
    if command.problem:
        summary = words["problem"]
    else:
        until = command.until.isoformat() if command.until else ""
        summary = words[command.action].format(until=until)
    return {"action": command.action, "until": command.until, "problem": command.problem,
            "line": command.line, "summary": summary}


def build_confirmation(
    env: jinja2.Environment, config: Config, receipt: Receipt, *, message_id: str,
    now: datetime,
) -> EmailMessage:
    """The receipt as a message, ready for :mod:`mailer.outbox`.

    :raises TemplateError: the confirmation template is missing or broken.
    """
    team = config.team(receipt.team)
    context = confirmation_context(
        receipt, team_display_name=team.display_name if team else receipt.team)
    mail = render(env, "confirmation", context["language"], context)
    headers = {"Auto-Submitted": "auto-replied"}
    if receipt.in_reply_to:
        headers["In-Reply-To"] = receipt.in_reply_to
    if receipt.references:
        headers["References"] = " ".join(receipt.references)
    return build_message(
        mail, to=receipt.to, to_name=receipt.name, from_name=config.smtp.from_name,
        from_address=config.smtp.from_address, message_id=message_id,
        reply_to=config.smtp.from_address, token=None, headers=headers, date=now,
    )


def sample_context(config: Config, team: Team, language: str) -> dict[str, Any]:
    """A receipt context for ``mailer check``: answers, a noted problem and no command."""
    del config
    person = team.members[0] if team.members else team.manager
    record = Record(
        id="0" * 40, team=team.name, member=person.email, kind="checkin", slot="2026-12-07",
        prompt_message_id=None, message_id=None,
        received_at=datetime.fromisoformat("2026-12-07T10:00:00+01:00"), matched_by="in_reply_to",
        language=language,  # type: ignore[arg-type]
        answers={"working_well": "Pairing", "mood": "7", "obstacles": "Slow CI"},
        text="1. Pairing\n2. Slow CI\n3. 7", problems=("mood: 7 is outside the scale 1-5",),
    )
    receipt = Receipt(
        to=person.email, name=person.first_name, language=language, team=team.name,
        kind="checkin", subject="Re: Check-in", in_reply_to=None, references=(), record=record,
        question_labels=(("working_well", "What is working well?"), ("mood", "Energy, 1-5?"),
                         ("obstacles", "Obstacles?")),
    )
    return confirmation_context(receipt, team_display_name=team.display_name)
