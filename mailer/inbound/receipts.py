"""The receipt a person gets for a recorded reply or a command. Pure given a Jinja environment.

It owns what the receipt says (each recorded answer next to its question, the problems noted,
"a new reply corrects it"; or what a command did) and how it is addressed: to the verified
sender only, threaded under their reply (In-Reply-To, References), and marked
``Auto-Submitted: auto-replied`` (RFC 3834 5) so that their own auto-responder stays silent.
:mod:`mailer.inbound.decide` decides whether a receipt is sent at all (never for automatic mail or
an unverified sender, and not when the team turned ``confirmations`` off).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Literal, get_args

import jinja2

from mailer.config.questions import load_default_questions, questions_for
from mailer.inbound.decision import Held, Receipt
from mailer.models import AnswerValue, Config, Language, Record, Team
from mailer.models import language as as_language
from mailer.outbound.compose import (
    babel_locale,
    build_message,
    format_date,
    format_skeleton,
    render,
)
from mailer.parse.answers import KEPT_AS_TEXT, ScaleIssue, read_scale
from mailer.parse.commands import Command

MAX_VALUE = 300  # characters of an answer shown in the receipt
EXAMPLE_PAUSE = timedelta(days=14)  # "pause until <today + 14 days>" in the example

#: One template per outcome (``<lang>/receipt_<outcome>.*.j2``), so that a subject can never
#: contradict its body: a refused pause is never "Done".
Outcome = Literal["recorded", "partly", "paused", "resumed", "skipped", "not_understood",
                  "refused", "test"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

# Everything a receipt says that is not in its template, per language. Records keep their notes
# in English (data for the manager's tools); none of that reaches a receipt.
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        # what a command did, in a subject: "Your answers are saved and ..."
        "pause": "questions paused until {until}", "resume": "questions back on",
        "skip": "skipped",
        # why a pause could not be set
        "no_length": "it has no end date or length.",
        "impossible_date": "{date} does not exist.",
        "in_the_past": "{date} has already passed.",
        "too_long": "a pause can last at most a year.",
        "unknown": "it is not a command I know.",
        "pause_fix": 'Reply, for example, “pause until {example}” or “pause 2 weeks”.',
        "unknown_fix": "The commands are PAUSE (with an end date or a length), RESUME and SKIP.",
        # a scale answer that is not one number on the scale
        "question": "Question {number}",
        "no_number": "there is no number in {shown}",
        "not_whole": "{shown} is not a whole number",
        "other_scale": "{shown} is on another scale than {low}–{high}",
        "several": "{shown} is more than one number",
        "out_of_range": "{shown} is outside the scale {low}–{high}",
        "unclear": "{shown} cannot be read as a number from {low} to {high}",
        "scale_fix": "Reply again with all your answers, and answer question {number} with a "
                     "number from {low} to {high}, for example “{example}”.",
        "text_fix": "Reply again and write each answer after its number, for example "
                    "“2. Waiting for access to the test server”.",
        "anonymous_fix": "Send “{line}” again in an email of its own, with nothing else in it.",
    },
    "sv": {
        "pause": "frågorna pausade till och med {until}", "resume": "frågorna igång igen",
        "skip": "överhoppad",
        "no_length": "det saknas ett slutdatum eller en längd.",
        "impossible_date": "{date} finns inte.",
        "in_the_past": "{date} har redan varit.",
        "too_long": "en paus kan vara högst ett år.",
        "unknown": "det är inget kommando som jag känner till.",
        "pause_fix": "Svara till exempel ”paus till {example}” eller ”paus 2 veckor”.",
        "unknown_fix": "Kommandona är PAUS (med ett slutdatum eller en längd), ÅTERUPPTA och "
                       "HOPPA ÖVER.",
        "question": "Fråga {number}",
        "no_number": "det finns ingen siffra i {shown}",
        "not_whole": "{shown} är inget heltal",
        "other_scale": "{shown} hör till en annan skala än {low}–{high}",
        "several": "{shown} är mer än en siffra",
        "out_of_range": "{shown} ligger utanför skalan {low}–{high}",
        "unclear": "{shown} går inte att läsa som en siffra från {low} till {high}",
        "scale_fix": "Svara igen med alla dina svar, och svara på fråga {number} med en siffra "
                     "från {low} till {high}, till exempel ”{example}”.",
        "text_fix": "Svara igen och skriv varje svar efter frågans nummer, till exempel "
                    "”2. Väntar på åtkomst till testservern”.",
        "anonymous_fix": "Skicka ”{line}” igen i ett eget mejl, utan något annat i.",
    },
}


def outcome_of(receipt: Receipt, problems: Sequence[str]) -> Outcome:
    """What happened to a reply, as one of :data:`OUTCOMES`."""
    command = receipt.command
    if receipt.test_for is not None:  # a reply to `mailer send --to-me`: nothing was done
        return "test"
    if receipt.refused:
        return "refused"
    if receipt.record is not None:
        if problems or receipt.record.unstructured or receipt.command_held == "anonymous" or (
                command is not None and command.problem):
            return "partly"
        return "recorded"
    if command is None or command.problem:
        return "not_understood"
    if command.action == "pause":
        return "paused"
    return "resumed" if command.action == "resume" else "skipped"


def confirmation_context(receipt: Receipt, *, team_display_name: str, today: date
                         ) -> dict[str, Any]:
    """The template variables of a receipt: in the person's language, and every date in the
    format of their language in their country (``en`` in the US writes "January 7, 2027").

    ``outcome`` names the template; ``fixes`` says what to do next, one sentence each.

    :param today: for the example date of a pause that was not understood.
    """
    language = receipt.language if receipt.language in _WORDS else "en"
    locale = babel_locale(language, receipt.country)
    labels = dict(receipt.question_labels)
    record = receipt.record
    anonymous = receipt.kind == "feedback"
    problems, fixes = _scale_problems(None if anonymous else record, labels, language)
    command = _command(receipt.command, receipt.command_held, language, locale, today)
    if record is not None and record.unstructured and not anonymous:
        fixes.append(_WORDS[language]["text_fix"])
    if command and command["held"] == "anonymous":
        fixes.append(_WORDS[language]["anonymous_fix"].format(line=command["line"]))
    elif command and command["problem"]:
        fixes.append(command["fix"])
    return {
        "language": language,
        "locale": locale,
        "outcome": outcome_of(receipt, problems),
        "person": {"first_name": receipt.name},
        "team": {"display_name": team_display_name},
        "subject": _REPLY_PREFIX.sub("", _TOKEN.sub("", receipt.subject or "")).strip(),
        "anonymous": anonymous,
        "refused": receipt.refused,
        "recorded": record is not None,
        # Feedback is not echoed: a copy of the receipt (a provider may file sent mail) would
        # put the answers beside the person's address again.
        "answers": [] if anonymous else _answers(record, labels),
        "unstructured": bool(record and record.unstructured and not anonymous),
        "problems": problems,
        "fixes": fixes,
        "command": command,
        # A reply to a test prompt: the member's name; nothing was recorded (see decide).
        "test_for": receipt.test_for,
    }


# "Re: ", "SV: ", "AW: "... and the reply token: the receipt names the prompt, not the reply.
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|sv|aw|vs|antw|fw|fwd)\s*:\s*)+", re.IGNORECASE)
_TOKEN = re.compile(r"\s*\[#[^\]]*\]")


def _scale_problems(record: Record | None, labels: dict[str, str],
                    language: str) -> tuple[list[str], list[str]]:
    """The only problems a person can fix by replying again: a scale answer that was not one
    number on the scale, said in their language, each with how to fix it. The record's note is
    English; the issue is read again from the answer kept as text
    (:func:`mailer.parse.answers.read_scale`)."""
    if record is None:
        return [], []
    words = _WORDS[language]
    numbers = {qid: n for n, qid in enumerate(labels, start=1)}
    problems, fixes = [], []
    noted = (p.partition(":")[0] for p in record.problems if p.endswith(KEPT_AS_TEXT))
    for qid in dict.fromkeys(noted):
        value = record.answers.get(qid)
        if qid not in labels or not isinstance(value, str):
            continue
        issue = read_scale(value)[1]
        if issue is None:  # noted by an older version of the rules: say it plainly
            issue = ScaleIssue("unclear", '"' + " ".join(value.split())[:40] + '"')
        shown = _quoted(issue.shown, language)
        said = words[issue.kind].format(shown=shown, low=issue.low, high=issue.high)
        number = numbers[qid]
        problems.append(f"{words['question'].format(number=number)}: {said}.")
        fixes.append(words["scale_fix"].format(number=number, low=issue.low, high=issue.high,
                                               example=(issue.low + issue.high + 1) // 2))
    return problems, fixes


def _quoted(shown: str, language: str) -> str:
    """The parser's '"4/10"' with the quotation marks of the person's language."""
    inner = shown[1:-1] if len(shown) >= 2 and shown[0] == shown[-1] == '"' else shown
    return f"”{inner}”" if language == "sv" else f"“{inner}”"


def _answers(record: Record | None, labels: dict[str, str]) -> list[dict[str, str]]:
    if record is None:
        return []
    items = []
    for qid, value in record.answers.items():
        label = _label(labels.get(qid, qid.replace("_", " ")))
        text = " ".join(str(value).split())
        items.append({"label": label, "value": text if len(text) <= MAX_VALUE
                      else text[:MAX_VALUE - 1] + "…"})
    return items


def _label(wording: str) -> str:
    """A question as a label: its first sentence, without the question mark ("Vilka framsteg
    har du gjort mot dina mål? Små steg räknas också." is "Vilka framsteg har du gjort mot
    dina mål")."""
    return re.split(r"[?.!]", wording, maxsplit=1)[0].strip() or wording.strip()


def _command(command: Command | None, held: Held | None, language: str, locale: str,
             today: date) -> dict[str, Any] | None:
    if command is None:
        return None
    words = _WORDS[language]
    problem = fix = None
    if command.problem:
        problem = _problem(command, language, locale, today)
        example = format_date(today + EXAMPLE_PAUSE, locale, "long")
        fix = (words["pause_fix"].format(example=example) if command.action == "pause"
               else words["unknown_fix"])
    until = format_skeleton(command.until, locale, "MMMMd") if command.until else ""
    return {"action": command.action, "until": command.until, "problem": problem, "fix": fix,
            "line": command.line, "summary": words[command.action].format(until=until),
            "held": held}


def _problem(command: Command, language: str, locale: str, today: date) -> str:
    """Why a command was refused, in the person's words (the command's own is English). A date
    that does not exist ("31 februari") is named as such, whatever the parser made of it. The
    example date is written as the person writes dates: :func:`mailer.parse.commands.parse_command`
    reads "7 januari 2027" and "January 7, 2027" alike."""
    words = _WORDS[language]
    impossible = impossible_date(command.line, today=today)
    if impossible is not None:
        return words["impossible_date"].format(date=_quoted(f'"{impossible}"', language))
    if command.issue is None:
        return words["unknown"]
    named = format_date(command.named, locale, "long") if command.named else ""
    return _capital(words[command.issue].format(date=named))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


_MONTHS = {
    **{name: n for n, name in enumerate(
        ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
         "september", "oktober", "november", "december"), start=1)},
    **{name: n for n, name in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"), start=1)},
    **{name: n for n, name in enumerate(
        ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov",
         "dec"), start=1)},
    "oct": 10, "sept": 9,
}
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|:e|:a)?\.?\s+([a-zåäö]+)\.?(?:\s+(\d{4}))?",
                        re.IGNORECASE)
_MONTH_DAY = re.compile(r"\b([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b,?(?:\s+(\d{4}))?",
                        re.IGNORECASE)
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")


def impossible_date(line: str, *, today: date) -> str | None:
    """The part of a command that names a day that does not exist ("31 februari",
    "2027-02-30"), as written; None when every date in it exists or it names none.

    Read only to word the receipt: whether a command is carried out is the parser's decision
    (:func:`mailer.parse.answers.parse_command`), which finds no date there at all.
    """
    for found in _ISO.finditer(line):
        year, month, day = (int(x) for x in found.groups())
        if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
            return found[0]
    for pattern, (day_at, month_at) in ((_DAY_MONTH, (1, 2)), (_MONTH_DAY, (2, 1))):
        for found in pattern.finditer(line):
            named = _MONTHS.get(found[month_at].lower())
            if named is None:
                continue
            year = int(found[3]) if found[3] else today.year
            if not 1 <= int(found[day_at]) <= calendar.monthrange(year, named)[1]:
                return found[0].strip().rstrip(",")
    return None


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
    mail = render(env, f"receipt_{context['outcome']}", context["language"], context)
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


def sample_receipt(config: Config, team: Team, language: str, outcome: Outcome) -> Receipt:
    """A receipt that has ``outcome``, for ``mailer check``, tests and screenshots."""
    person = team.members[0] if team.members else team.manager
    asked = questions_for(team, "checkin", load_default_questions(config.service.templates_dir))
    pairing, slow = (("Parprogrammering", "Långsam CI") if language == "sv"
                     else ("Pairing", "Slow CI"))
    answers: dict[str, AnswerValue] = {"working_well": pairing, "obstacles": slow, "mood": 4}
    problems: tuple[str, ...] = ()
    if outcome == "partly":
        answers["mood"] = "8"
        problems = (f"mood: 8 is outside the scale 1-5{KEPT_AS_TEXT}",)
    record = Record(
        id="0" * 40, team=team.id, member=person.email, kind="checkin", slot="2026-12-07",
        prompt_message_id=None, message_id=None,
        received_at=datetime.fromisoformat("2026-12-07T10:00:00+01:00"), matched_by="in_reply_to",
        language=as_language(language), answers=answers,
        text="\n".join(f"{n}. {v}" for n, v in enumerate(answers.values(), start=1)),
        problems=problems,
    ) if outcome in ("recorded", "partly", "test") else None
    pause = "paus" if language == "sv" else "pause"
    until = "till" if language == "sv" else "until"
    command = {
        "paused": Command("pause", until=date(2026, 12, 21), line=f"{pause} {until} 21/12"),
        "resumed": Command("resume", line="ÅTERUPPTA" if language == "sv" else "RESUME"),
        "skipped": Command("skip", line="hoppa över" if language == "sv" else "skip"),
        "not_understood": Command(
            "pause", line=f"{pause} {until} 31 " + ("februari" if language == "sv" else "February"),
            problem="no end date or length", issue="no_length"),
    }.get(outcome)
    subject = "Re: Avstämning måndag 7 december" if language == "sv" else (
        "Re: Check-in, Monday 7 December")
    return Receipt(
        to=person.email, name=person.first_name, language=language, team=team.id,
        kind="feedback" if outcome == "refused" else "checkin", subject=subject,
        in_reply_to=None, references=(), record=record, refused=outcome == "refused",
        command=command, question_labels=tuple((q.id, q.wording(language)) for q in asked),
        country=person.country, test_for=person.name if outcome == "test" else None,
    )


def sample_factory(outcome: Outcome) -> Callable[[Config, Team, Language], dict[str, Any]]:
    """The ``mailer check`` sample of one outcome's template."""
    def sample(config: Config, team: Team, language: Language) -> dict[str, Any]:
        receipt = sample_receipt(config, team, language, outcome)
        return confirmation_context(receipt, team_display_name=team.display_name,
                                    today=date(2026, 12, 7))
    return sample
