"""The receipt a person gets for a recorded reply or a command. Pure given a Jinja environment.

It owns what the receipt says (each recorded answer next to its question, the problems noted,
"a new reply corrects it"; or what a command did) and how it is addressed: to the verified
sender only, threaded under their reply (In-Reply-To, References), and marked
``Auto-Submitted: auto-replied`` (RFC 3834 5) so that their own auto-responder stays silent.
:mod:`mailer.inbound.decide` decides whether a receipt is sent at all (never for automatic mail or
an unverified sender, and not when the team turned ``confirmations`` off).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import jinja2

from mailer.config.questions import load_default_questions, questions_for
from mailer.inbound.decision import Held, Receipt
from mailer.models import Config, Record, Team
from mailer.models import language as as_language
from mailer.outbound.compose import babel_locale, build_message, format_date, render
from mailer.parse.answers import KEPT_AS_TEXT, Command, ScaleIssue, read_scale

MAX_VALUE = 300  # characters of an answer shown in the receipt

# Everything the receipt says that is not in the templates, in the person's language. Records
# keep their notes in English (data for the manager's tools); none of that reaches a receipt.
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "pause": "paused until {until}", "resume": "resumed", "skip": "skipped",
        "problem": "not understood", "answered": "not skipped, since you answered",
        "anonymous": "not carried out",
        "no_length": 'no end date or length: write e.g. "pause until {example}" or '
                     '"pause 2 weeks"',
        "in_the_past": "{date} is in the past", "too_long": "a pause can last at most a year",
        "unknown": "the command was not understood",
        "kept": "{issue}, so it is kept as text",
        "no_number": "there is no number {scale} in {shown}",
        "not_whole": "{shown} is not a whole number {scale}",
        "other_scale": "{shown} is not on the {scale} scale",
        "several": "{shown} is more than one number",
        "out_of_range": "{shown} is outside the scale {scale}",
        "unclear": "{shown} is not one number {scale}",
    },
    "sv": {
        "pause": "pausat till och med {until}", "resume": "återupptaget",
        "skip": "överhoppat", "problem": "inte förstått",
        "answered": "inte överhoppat, eftersom du svarade", "anonymous": "inte utfört",
        "no_length": 'inget slutdatum eller ingen längd: skriv t.ex. "paus till {example}" '
                     'eller "paus 2 veckor"',
        "in_the_past": "{date} har redan varit", "too_long": "en paus kan vara högst ett år",
        "unknown": "kommandot gick inte att förstå",
        "kept": "{issue}, så det sparades som text",
        "no_number": "det finns inget tal {scale} i {shown}",
        "not_whole": "{shown} är inte ett heltal {scale}",
        "other_scale": "{shown} är inte på skalan {scale}",
        "several": "{shown} är mer än ett tal",
        "out_of_range": "{shown} ligger utanför skalan {scale}",
        "unclear": "{shown} är inte ett tal {scale}",
    },
}
EXAMPLE_PAUSE = timedelta(days=14)  # "pause until <today + 14 days>" in the example


def confirmation_context(receipt: Receipt, *, team_display_name: str, today: date
                         ) -> dict[str, Any]:
    """The template variables of a receipt: in the person's language, and every date in the
    format of their language in their country (``en`` in the US writes "January 7, 2027").

    :param today: for the example date of a pause that was not understood.
    """
    language = receipt.language if receipt.language in _WORDS else "en"
    locale = babel_locale(language, receipt.country)
    labels = dict(receipt.question_labels)
    record = receipt.record
    anonymous = receipt.kind == "feedback"
    return {
        "language": language,
        "locale": locale,
        "person": {"first_name": receipt.name},
        "team": {"display_name": team_display_name},
        "subject": receipt.subject or "",
        "anonymous": anonymous,
        "refused": receipt.refused,
        "recorded": record is not None,
        # Feedback is not echoed: a copy of the receipt (a provider may file sent mail) would
        # put the answers beside the person's address again.
        "answers": [] if anonymous else _answers(record, labels),
        "unstructured": bool(record and record.unstructured and not anonymous),
        "problems": [] if anonymous else _scale_problems(record, labels, language),
        "command": _command(receipt.command, receipt.command_held, language, locale, today),
        # A reply to a test prompt: the member's name; nothing was recorded (see decide).
        "test_for": receipt.test_for,
    }


def _scale_problems(record: Record | None, labels: dict[str, str], language: str) -> list[str]:
    """The only problems a person can fix by replying again: a scale answer that was not one
    number on the scale, said in their language. The record's note is English; the issue is
    read again from the answer kept as text (:func:`mailer.parse.answers.read_scale`)."""
    if record is None:
        return []
    words = _WORDS[language]
    problems = []
    noted = (p.partition(":")[0] for p in record.problems if p.endswith(KEPT_AS_TEXT))
    for qid in dict.fromkeys(noted):
        value = record.answers.get(qid)
        if qid not in labels or not isinstance(value, str):
            continue
        issue = read_scale(value)[1]
        if issue is None:  # noted by an older version of the rules: say it plainly
            issue = ScaleIssue("unclear", '"' + " ".join(value.split())[:40] + '"')
        said = words[issue.kind].format(shown=issue.shown, scale=f"{issue.low}-{issue.high}")
        problems.append(f"{labels[qid].rstrip(' ?')}: {words['kept'].format(issue=said)}")
    return problems


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


def _command(command: Command | None, held: Held | None, language: str, locale: str,
             today: date) -> dict[str, Any] | None:
    if command is None:
        return None
    words = _WORDS[language]
    problem = _problem(command, language, locale, today) if command.problem else None
    if held:
        summary = words[held]
    elif problem:
        summary = words["problem"]
    else:
        until = format_date(command.until, locale, "long") if command.until else ""
        summary = words[command.action].format(until=until)
    return {"action": command.action, "until": command.until, "problem": problem,
            "line": command.line, "summary": summary, "held": held}


def _problem(command: Command, language: str, locale: str, today: date) -> str:
    """Why a pause was refused, in the person's words (the command's own is English). The
    example date is written as the person writes dates: :func:`mailer.parse.answers.parse_command`
    reads "7 januari 2027" and "January 7, 2027" alike."""
    words = _WORDS[language]
    if command.issue is None:
        return (command.problem or words["unknown"]) if language == "en" else words["unknown"]
    named = format_date(command.named, locale, "long") if command.named else ""
    example = format_date(today + EXAMPLE_PAUSE, locale, "long")
    return words[command.issue].format(date=named, example=example)


def build_confirmation(
    env: jinja2.Environment, config: Config, receipt: Receipt, *, message_id: str,
    now: datetime,
) -> EmailMessage:
    """The receipt as a message, ready for :mod:`mailer.outbound.smtp`.

    :raises TemplateError: the confirmation template is missing or broken.
    """
    team = config.team_by_id(receipt.team)
    context = confirmation_context(
        receipt, team_display_name=team.display_name if team else receipt.team,
        today=now.date())
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
    person = team.members[0] if team.members else team.manager
    asked = questions_for(team, "checkin", load_default_questions(config.service.templates_dir))
    pairing, slow = (("Parprogrammering", "Långsam CI") if language == "sv"
                     else ("Pairing", "Slow CI"))
    record = Record(
        id="0" * 40, team=team.id, member=person.email, kind="checkin", slot="2026-12-07",
        prompt_message_id=None, message_id=None,
        received_at=datetime.fromisoformat("2026-12-07T10:00:00+01:00"), matched_by="in_reply_to",
        language=as_language(language),
        answers={"working_well": pairing, "mood": "7", "obstacles": slow},
        text=f"1. {pairing}\n2. {slow}\n3. 7", problems=("mood: 7 is outside the scale 1-5",),
    )
    receipt = Receipt(
        to=person.email, name=person.first_name, language=language, team=team.id,
        kind="checkin", subject="Re: Check-in", in_reply_to=None, references=(), record=record,
        question_labels=tuple((q.id, q.wording(language)) for q in asked),
        country=person.country,
    )
    return confirmation_context(receipt, team_display_name=team.display_name,
                                today=record.received_at.date())
