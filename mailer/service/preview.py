"""``mailer preview``: a prompt, digest, brief or receipt as its reader would get it.

Who: ``--member EMAIL`` or ``--manager TEAM``. Kinds that go to the manager (reflection,
digest, brief) always show the team's manager, and say so when ``--member`` named a member.
When: the reader's next scheduled occurrence of the kind, unless ``--at`` says otherwise.
Language: the reader's, unless ``--language``. A receipt (``confirmation``) is the one a reply
answering every question of the reader's next check-in (a manager's: reflection) would get.
There is no out-of-office acknowledgement to preview: RFC 3834 section 2 forbids answering an
automatic reply, so an out-of-office only pauses its sender, silently.

:func:`preview_target`, :func:`preview_time` and :func:`receipt_sample` are pure;
:func:`render_preview` reads the records a digest or brief summarises.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from mailer.config.questions import questions_for
from mailer.errors import MailerError
from mailer.inbound.decision import Receipt
from mailer.inbound.receipts import confirmation_context
from mailer.kinds import KIND_NAMES, KINDS, prompt_kind
from mailer.models import Config, Pause, Person, Question, Record, RenderedMail, Slot, Team
from mailer.models import language as as_language
from mailer.outbound import schedule
from mailer.outbound.compose import render
from mailer.outbound.schedule import Planned
from mailer.service.context import Context
from mailer.service.dry_run import both_times
from mailer.service.send import content

#: Everything ``mailer preview`` shows: the prompt kinds and the receipt.
PREVIEW_KINDS: tuple[str, ...] = (*KIND_NAMES, "confirmation")
#: How long after the prompt the sample reply of a receipt preview arrives.
REPLY_AFTER = timedelta(minutes=20)


@dataclass(frozen=True)
class Target:
    """Whose mail a preview shows (in the previewed language), and a note for the reader."""

    team: Team
    person: Person
    note: str | None = None


@dataclass(frozen=True)
class When:
    """When the previewed mail goes out, in the reader's zone, and how that was chosen."""

    due_at: datetime
    period: str  # the slot period (for a receipt: of the prompt replied to)
    how: str  # "the next scheduled check-in", "--at", ...


def _noun(kind: str) -> str:
    return "receipt" if kind == "confirmation" else KINDS[kind].singular


def _to_members(kind: str, manager_team: str | None) -> bool:
    """Check-ins, reviews and feedback go to members; a receipt to whoever replied."""
    if kind == "confirmation":
        return manager_team is None
    return KINDS[kind].audience == "member"


def _emails(people: Sequence[Person]) -> str:
    return ", ".join(p.email for p in people) or "none"


def preview_target(config: Config, kind: str, *, member: str | None = None,
                   manager_team: str | None = None, language: str | None = None) -> Target:
    """The reader of a ``kind`` preview: the named member, or a team's manager.

    :raises MailerError: an unknown team or address, both options, or a member's kind asked
        of a manager.
    """
    if not config.teams:
        raise MailerError("the config has no teams: nobody to preview mail for")
    if member and manager_team:
        raise MailerError("--member and --manager: give one of them")
    if manager_team is not None:
        team, person, note = _manager_of(config, kind, manager_team)
    elif member is not None:
        team, person, note = _by_address(config, kind, member)
    else:
        team = config.teams[0]
        if _to_members(kind, None) and not team.members:
            raise MailerError(f"team {team.name} has no members to preview a {_noun(kind)} for")
        person, note = (team.members[0] if _to_members(kind, None) else team.manager), None
    if language is not None:
        person = dataclasses.replace(person, language=as_language(language))
    return Target(team, person, note)


def _manager_of(config: Config, kind: str, name: str) -> tuple[Team, Person, str | None]:
    team = config.team(name)
    if team is None:
        raise MailerError(f"--manager {name}: no such team (teams: "
                          f"{', '.join(t.name for t in config.teams)})")
    if _to_members(kind, name):
        raise MailerError(f"a {_noun(kind)} goes to team members, not to the manager: use "
                          f"--member EMAIL (members of {team.name}: {_emails(team.members)})")
    return team, team.manager, None


def _by_address(config: Config, kind: str, member: str) -> tuple[Team, Person, str | None]:
    address = member.lower()
    as_member = [(t, p) for t in config.teams for p in t.members if address in p.addresses]
    manages = [t for t in config.teams if address in t.manager.addresses]
    if _to_members(kind, None):
        if as_member:
            return as_member[0][0], as_member[0][1], None
        if manages:
            raise MailerError(f"--member {member}: manages {manages[0].name}, and a "
                              f"{_noun(kind)} goes to its members ({_emails(manages[0].members)})")
    elif manages:
        return manages[0], manages[0].manager, None
    elif as_member:
        team, person = as_member[0]
        return team, team.manager, (
            f"a {_noun(kind)} goes to the team's manager: this is {team.manager.name}'s "
            f"({team.name}), not {person.name}'s")
    raise MailerError(f"--member {member}: nobody in the config has that address")


def _source(kind: str, target: Target) -> str:
    """The prompt kind a preview is dated by: a receipt answers a check-in or a reflection."""
    if kind != "confirmation":
        return kind
    members = {p.email for p in target.team.members}
    return "checkin" if target.person.email in members else "reflection"


def preview_time(config: Config, kind: str, target: Target, *, now: datetime,
                 at: datetime | None = None, pauses: Sequence[Pause] = ()) -> When:
    """The send time of the previewed mail: ``at``, else the reader's next scheduled one."""
    source = _source(kind, target)
    person, team = target.person, target.team
    if at is not None:
        local = at.astimezone(person.timezone)
        period = schedule.period_of(source, local)
        if source == "brief":  # a brief's period is the day of the meeting it prepares
            meeting = schedule.next_planned(config, source, now=at - 2 * schedule.EARLY,
                                            team=team.name, member=person.email)
            period = meeting[0].slot.period if meeting else period
        return When(local, period, "the time given with --at")
    found = schedule.next_planned(config, source, now=now, ledger_pauses=pauses,
                                  team=team.name, member=person.email)
    if not found:
        local = now.astimezone(person.timezone)
        return When(local, schedule.period_of(source, local),
                    f"now: {team.name} has no {KINDS[source].singular} schedule")
    plan = found[0]
    how = f"the next scheduled {KINDS[source].singular}"
    if kind == "confirmation":
        how = f"a reply to {how}"
    if plan.skip_reason:
        how += f"; it will be skipped ({plan.skip_reason})"
    return When(plan.due_at, plan.slot.period, how)


# --------------------------------------------------------------------------- receipts

#: A receipt preview's answers, by question id; custom questions get the placeholder "".
_SAMPLE_ANSWERS: dict[str, dict[str, str]] = {
    "en": {"working_well": "Pairing on the billing migration.",
           "obstacles": "The staging database is slow in the mornings.",
           "progress": "Wrote the migration plan and started on it.",
           "strengthen": "Give feedback the same day.", "involve": "Ask in Monday's meeting.",
           "": "(the answer, as written)"},
    "sv": {"working_well": "Parprogrammering på fakturaflytten.",
           "obstacles": "Testdatabasen är långsam på morgonen.",
           "progress": "Skrev planen för flytten och kom igång.",
           "strengthen": "Ge återkoppling samma dag.", "involve": "Fråga på måndagsmötet.",
           "": "(svaret, som det skrevs)"},
}


def receipt_sample(target: Target, *, kind: str, questions: Sequence[Question], period: str,
                   subject: str, received_at: datetime) -> Receipt:
    """The receipt of a reply to ``kind`` that answered every question (scales with a 4)."""
    person = target.person
    words = _SAMPLE_ANSWERS.get(person.language, _SAMPLE_ANSWERS["en"])
    answers: dict[str, str | int] = {
        q.id: 4 if q.type == "scale" else words.get(q.id, words[""]) for q in questions}
    record = Record(
        id="0" * 40, team=target.team.id,
        member=None if kind == "feedback" else person.id, kind=prompt_kind(kind),
        slot=period, prompt_message_id=None, message_id=None, received_at=received_at,
        matched_by="in_reply_to", language=person.language, answers=answers,
        text="\n".join(f"{n}. {v}" for n, v in enumerate(answers.values(), start=1)))
    return Receipt(
        to=person.email, name=person.first_name, language=person.language,
        team=target.team.name, kind=kind, subject=f"Re: {subject}", in_reply_to=None,
        references=(), record=record,
        question_labels=tuple((q.id, q.wording(person.language)) for q in questions),
        country=person.country)


# --------------------------------------------------------------------------- rendering


def render_preview(ctx: Context, kind: str, target: Target, when: When) -> RenderedMail:
    """The mail itself; a digest or brief from the records in the data folder.

    :raises TemplateError: a template is missing or broken.
    """
    source = _source(kind, target)
    team, person = target.team, target.person
    if KINDS[source].audience == "manager":  # the digest and brief speak the manager's language
        team = dataclasses.replace(team, manager=person)
    planned = Planned(Slot(team.id, person.id, prompt_kind(source), when.period),
                      person, team, when.due_at)
    mail = content(ctx, planned, when.due_at)
    if kind != "confirmation":
        return mail
    received_at = when.due_at + REPLY_AFTER
    receipt = receipt_sample(target, kind=source, period=when.period, subject=mail.subject,
                             questions=questions_for(team, source, ctx.questions),
                             received_at=received_at)
    context = confirmation_context(receipt, team_display_name=team.display_name,
                                   today=received_at.date())
    return render(ctx.env, "confirmation", context["language"], context)


def header_lines(kind: str, target: Target, when: When, mail: RenderedMail, *,
                 now: datetime) -> list[str]:
    """``To:``, ``Date:`` (in the reader's time and the manager's) and ``Subject:``."""
    person = target.person
    sent = when.due_at + REPLY_AFTER if kind == "confirmation" else when.due_at
    lines = [f"To: {person.name} <{person.email}> ({target.team.name}, {person.language})",
             f"Date: {both_times(sent, target.team.manager.timezone, now=now)}; {when.how}",
             f"Subject: {mail.subject}"]
    if target.note:
        lines.insert(0, f"Note: {target.note}")
    return lines


def write_html(path: Path, html: str) -> None:
    """Write the HTML part; any failure is one line (:raises MailerError:)."""
    try:
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise MailerError(f"--output {path}: cannot write it: {exc.strerror or exc}") from exc
