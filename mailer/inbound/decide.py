"""What to do with one parsed message: ``decide(reply, ...) -> Decision``. Pure.

The decision is data: the record to write, the pauses to add, the addresses to mark failing,
the slot to skip, the receipt to send, and the folder the message goes to. The poller carries
it out in a fixed, crash-safe order (:mod:`mailer.service.poll`). Lookups of prompts come through
the small :class:`Lookups` protocol (the ledger implements it); the clock comes in as ``now``.

The rules, in order:

1. an out-of-office pauses its sender until the day before the return date it names (or for
   7 days), but only when it answers a prompt (In-Reply-To, References or a signed token: never
   the From address alone) and comes from that prompt's recipient; one from anybody else
   holding a prompt's token is quarantined and pauses nobody; other auto-replies, and
   out-of-office mail answering no prompt, are only filed away;
2. a bounce marks the known addresses it reports as failing permanently;
3. a reply must match a prompt: In-Reply-To, References, the signed token (subject or
   plus-address), else the sender's latest prompt within 7 days;
4. the sender must be the prompt's recipient (any of their configured addresses), and DMARC
   must not have failed at ``imap.trusted_authserv_id``; otherwise quarantine;
5. a command in the first sentence of the reply's opening acts (pause, resume, skip), as
   people write it ("Skip this week please, I'm at a conference": the rest is its reason; see
   :mod:`mailer.parse.commands`); anything else is a record. Text below a command is
   recorded too (never lose an answer), unless it is only a courtesy ("Tack!", "God jul!"):
   see :func:`_command` for how the two go together;
6. mail that may or may not come from a machine (``kind == "unsure"``, see
   :mod:`mailer.parse.machine`) gets no record and no receipt: it goes to the review folder
   for a person to look at, and counts in ``mailer status`` and the digest. Except an answer
   to anonymous feedback from the prompt's own recipient: the digest asks the manager to look
   in the review folder, and there the message would show who wrote the feedback. It is
   recorded anonymously like any feedback, without a receipt (it may come from a machine).

A reply is read knowing what its prompt said when the ledger kept the prompt's lines at send
time (``prompt_lines``): those lines are quoted material wherever the client put them
(:mod:`mailer.parse.prompt_text`); for older prompts the quoting rules alone apply.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from mailer.config.questions import QuestionSet, questions_for
from mailer.inbound.automatic import auto_reply, bounce
from mailer.inbound.decision import Decision, Held, Receipt, quarantine
from mailer.inbound.matching import Lookups, match_prompt, people_at, recipient
from mailer.inbound.trial import TestLookups, match_test_send
from mailer.kinds import ANSWERED_KINDS
from mailer.models import (
    Config,
    MatchedBy,
    Pause,
    Person,
    Prompt,
    Question,
    Record,
    Team,
    TestSend,
)
from mailer.parse.answers import KEPT_AS_TEXT, Mapped, map_answers
from mailer.parse.commands import Command, after_command, parse_command
from mailer.parse.prompt_text import PromptText
from mailer.parse.replies import Reply, with_prompt
from mailer.storage.records import quarter_start

__all__ = ["Decision", "Held", "Lookups", "PromptLines", "Receipt", "decide"]

#: The lines the ledger kept of a prompt when it was sent, by its Message-ID (None: none kept).
PromptLines = Callable[[str], Sequence[str] | None]


def decide(
    reply: Reply, *, config: Config, questions: QuestionSet, lookups: Lookups,
    secret: bytes | None, now: datetime, prompt_lines: PromptLines | None = None,
    tests: TestLookups | None = None,
) -> Decision:
    """The decision for one message (see the module docstring for the rules).

    :param tests: the test prompts (``mailer send --to-me``); a reply to one is answered with
        a receipt and nothing else (:func:`_test_reply`).
    """
    trusted = config.imap.trusted_authserv_id
    if trusted and any(r.authserv_id == trusted.lower() and r.dmarc == "fail"
                       for r in reply.auth_results):
        return quarantine(reply, f"DMARC failed at {trusted}")
    if reply.kind == "auto_reply":
        return auto_reply(reply, config=config, lookups=lookups, secret=secret, now=now)
    if reply.kind == "bounce":
        return bounce(reply, config)
    if reply.kind == "unsure":
        if not _answers_own_feedback(reply, config=config, lookups=lookups, secret=secret,
                                     now=now):
            return _review(reply, config=config, lookups=lookups, secret=secret, now=now)
        # Read as a person's reply; auto_submitted stays set, so no receipt goes back.
        reply = replace(reply, kind="reply")
    test = match_test_send(reply, lookups=tests, secret=secret) if tests is not None else None
    if test is not None:
        return _test_reply(reply, test, config, questions)
    match = match_prompt(reply, config=config, lookups=lookups, secret=secret, now=now)
    if isinstance(match, str):
        return quarantine(reply, match)
    prompt, matched_by = match
    team = config.team_by_id(prompt.slot.team)
    person = recipient(team, prompt.slot.email) if team else None
    if team is None or person is None:
        return quarantine(reply, "the prompt's team or person is no longer configured")
    if reply.from_address not in person.addresses:
        known = people_at(config, reply.from_address)
        return quarantine(reply, "reply to someone else's prompt" if known else "unknown sender",
                          team=team.id)
    if prompt.slot.kind not in ANSWERED_KINDS:
        return quarantine(reply, f"reply to a {prompt.slot.kind}, which takes no answers",
                          team=team.id)
    said = _said(prompt, prompt_lines)
    reply = with_prompt(reply, said)
    today = now.astimezone(person.timezone).date()
    command = parse_command(reply.text, today=today)
    if command is not None:
        return _command(reply, command, prompt, matched_by, team, person, questions, now, today,
                        said)
    return _record(reply, prompt, matched_by, team, person, questions, said)


def _said(prompt: Prompt, prompt_lines: PromptLines | None) -> PromptText | None:
    """What the prompt said, when the ledger kept its lines."""
    lines = prompt_lines(prompt.message_id) if prompt_lines is not None else None
    return PromptText.from_lines(lines) if lines else None


def _answers_own_feedback(reply: Reply, *, config: Config, lookups: Lookups,
                          secret: bytes | None, now: datetime) -> bool:
    """True when ``reply`` answers an anonymous feedback prompt and comes from its recipient."""
    match = match_prompt(reply, config=config, lookups=lookups, secret=secret, now=now)
    if isinstance(match, str) or match[0].slot.kind != "feedback":
        return False
    team = config.team_by_id(match[0].slot.team)
    person = recipient(team, match[0].slot.email) if team else None
    return person is not None and reply.from_address in person.addresses


def _review(reply: Reply, *, config: Config, lookups: Lookups, secret: bytes | None,
            now: datetime) -> Decision:
    """Not sure a person wrote it: no record and no receipt; the message goes to the review
    folder, counted for the team of the prompt it answers (the person only when verified,
    and never for anonymous feedback)."""
    match = match_prompt(reply, config=config, lookups=lookups, secret=secret, now=now)
    team = config.team(match[0].slot.team) if not isinstance(match, str) else None
    person = recipient(team, match[0].slot.email) if team and not isinstance(match, str) \
        else None
    named = person is not None and reply.from_address in person.addresses and not (
        isinstance(match, tuple) and match[0].slot.kind == "feedback")
    return Decision("review", "review", f"not sure a person wrote it ({reply.kind_reason})",
                    team=team.id if team else None,
                    email=person.email if person is not None and named else None,
                    sender=reply.from_address)






# --------------------------------------------------------------------------- outcomes


def _record(reply: Reply, prompt: Prompt, matched_by: MatchedBy, team: Team, person: Person,
            defaults: QuestionSet, said: PromptText | None) -> Decision:
    asked = _asked(team, prompt, defaults)
    mapped = map_answers(reply.text, reply.segments, asked, prompt=said)
    record = _new_record(reply, prompt, matched_by, team, person, reply.text, mapped)
    receipt = _receipt(reply, team, person, prompt, record=record, asked=asked)
    return _recorded(reply, record, f"{prompt.slot.kind} reply", team, person, receipt)


def _asked(team: Team, prompt: Prompt, defaults: QuestionSet) -> tuple[Question, ...]:
    """The questions the prompt asked, in its order (the team's set when the ids are gone)."""
    asked = tuple(questions_for(team, prompt.slot.kind, defaults))
    if prompt.question_ids:
        by_id = {q.id: q for q in asked}
        asked = tuple(by_id[qid] for qid in prompt.question_ids if qid in by_id) or asked
    return asked


def _new_record(reply: Reply, prompt: Prompt, matched_by: MatchedBy, team: Team, person: Person,
                text: str, mapped: Mapped, notes: tuple[str, ...] = ()) -> Record:
    kind = prompt.slot.kind
    if mapped.quoted_text:  # answers typed into the original (Outlook): nothing is lost
        text = "\n\n".join(part for part in (text.strip(), mapped.quoted_text) if part)
    record = Record(
        id=reply.key, team=team.id, member=None if kind == "feedback" else person.id,
        kind=kind, slot=prompt.slot.period, prompt_message_id=prompt.message_id,
        message_id=reply.message_id, received_at=reply.received_at, matched_by=matched_by,
        language=prompt.language, answers=mapped.answers, text=text,
        problems=(*reply.problems, *notes, *mapped.problems), unstructured=mapped.unstructured,
    )
    return record


def _anonymous(record: Record) -> Record:
    """A feedback record as stored: the team, the quarter, the language and the answers only.

    Everything that could join it to a person or to a moment goes: the member, both
    Message-IDs (the prompt's is in the ledger beside the address it went to; the reply's
    names the sender's mail domain), how it was matched and what the parser noticed about the
    mail (both tell mail clients apart), and the time, which becomes the start of the quarter.
    The id is left empty: the shell gives it a random one (the core reads no randomness).
    """
    return replace(
        record, id="", member=None, prompt_message_id=None, message_id=None, matched_by=None,
        received_at=quarter_start(record.slot),
        problems=tuple(p for p in record.problems if p.endswith(KEPT_AS_TEXT)),
    )


def _recorded(reply: Reply, record: Record, reason: str, team: Team, person: Person,
              receipt: Receipt | None, effects: _Effects | None = None) -> Decision:
    """A "record" decision. Feedback is stored anonymously (:func:`_anonymous`), its original
    is deleted rather than filed, and only ``answered_by`` (which the poller keeps apart from
    the record, see :mod:`mailer.poller`) still knows the person."""
    effects = effects or _Effects()
    if record.member is None:
        return Decision("record", "delete", reason, team=team.id, record=_anonymous(record),
                        receipt=receipt, answered_by=(team.id, record.slot, person.id))
    return Decision("record", "processed", reason, team=team.id, email=person.email,
                    sender=reply.from_address, record=record,
                    pauses=effects.pauses, resume=effects.resume, skip_slot=effects.skip_slot,
                    skip_reason=effects.skip_reason, receipt=receipt)


@dataclass(frozen=True)
class _Effects:
    """What a command changes, as :class:`Decision` fields."""

    pauses: tuple[Pause, ...] = ()
    resume: tuple[tuple[str, str, date], ...] = ()
    skip_slot: str | None = None
    skip_reason: str | None = None

    @classmethod
    def of(cls, command: Command, prompt: Prompt, team: Team, person: Person, now: datetime,
           today: date) -> _Effects:
        if command.problem is None and command.action == "pause" and command.until is not None:
            start = command.start or today  # "ledig v. 52" starts later: this slot is kept
            pause = Pause(team.id, person.email, start, command.until, "command", now)
            return cls(pauses=(pause,), skip_reason="pause command",
                       skip_slot=prompt.slot.key if prompt.state == "sent" and start <= today
                       else None)
        if command.action == "resume":
            return cls(resume=((team.id, person.email, today),))
        if command.action == "skip":
            return cls(skip_reason="skip command",
                       skip_slot=prompt.slot.key if prompt.state == "sent" else None)
        return cls()


_HELD_NOTE = {
    "answered": "not skipped, since the rest answers the questions",
    "anonymous": "not carried out, so as not to tie the sender to anonymous feedback",
}


def _command(reply: Reply, command: Command, prompt: Prompt, matched_by: MatchedBy, team: Team,
             person: Person, defaults: QuestionSet, now: datetime, today: date,
             said: PromptText | None) -> Decision:
    """Carry out a command, and record what is written below it (never lose an answer).

    The rest of the reply is mapped and recorded with the rules of any reply (it answers the
    same prompt, from the same verified sender). With a rest, the command goes like this:

    * pause or resume: carried out; a pause marks the prompt's slot skipped only when the rest
      answered none of its questions (free text alone: "away, back in January");
    * skip with answers is a contradiction, and the answers win: they are recorded and the
      slot is *not* skipped, because the person did answer it (the receipt says so). A skip
      with free text only ("skip\nBusy week") is a skip with a reason: skipped, text recorded;
    * on an anonymous feedback prompt the command is not carried out: a pause or a skip names
      the person, and doing it with the anonymous record (same message, same moment) would tie
      the two together. The receipt asks for the command in a reply of its own.
    """
    rest, segments = after_command(reply.text, reply.segments, command.rest_of_line)
    effects = _Effects.of(command, prompt, team, person, now, today)
    asked = _asked(team, prompt, defaults)
    # Answers typed into an Outlook original count as a rest too, though nothing else is new.
    mapped = map_answers(rest, segments, asked, prompt=said)
    if not rest and not mapped.answers:
        receipt = _receipt(reply, team, person, prompt, command=command)
        detail = command.action + (f" ({command.problem})" if command.problem else "")
        return Decision("command", "processed", detail, team=team.id, email=person.email,
                        sender=reply.from_address, pauses=effects.pauses, resume=effects.resume,
                        skip_slot=effects.skip_slot, skip_reason=effects.skip_reason,
                        receipt=receipt)
    held: Held | None = None
    if command.action == "skip" and mapped.answers:
        held = "answered"
    elif prompt.slot.kind == "feedback":
        held = "anonymous"
    note = (f'the first line, "{command.line}", is a {command.action} command'
            + (f" ({_HELD_NOTE[held]})" if held else "") + "; the rest is recorded")
    record = _new_record(reply, prompt, matched_by, team, person, rest, mapped, (note,))
    receipt = _receipt(reply, team, person, prompt, record=record, command=command,
                       asked=asked, held=held)
    reason = f"{prompt.slot.kind} reply after a {command.action} command" + (
        " (not carried out)" if held else "")
    if held:
        return _recorded(reply, record, reason, team, person, receipt)
    if mapped.answers:  # the slot is answered: the pause only covers what comes after it
        effects = replace(effects, skip_slot=None, skip_reason=None)
    return _recorded(reply, record, reason, team, person, receipt, effects)


def _receipt(reply: Reply, team: Team, person: Person, prompt: Prompt, *,
             record: Record | None = None, command: Command | None = None,
             asked: Sequence[Question] = (), held: Held | None = None) -> Receipt | None:
    if not team.confirmations or reply.auto_submitted:
        return None
    labels = tuple((q.id, q.wording(prompt.language)) for q in asked)
    return Receipt(
        to=reply.from_address, name=person.first_name, language=prompt.language, team=team.id,
        kind=prompt.slot.kind, subject=reply.subject, in_reply_to=reply.message_id,
        references=tuple(dict.fromkeys((*reply.references, *(
            [reply.message_id] if reply.message_id else [])))),
        record=record, command=command, question_labels=labels, country=person.country,
        command_held=held,
    )


def _test_reply(reply: Reply, test: TestSend, config: Config, defaults: QuestionSet
                ) -> Decision:
    """A reply to a test prompt: mapped like the member's would be, recorded nowhere, no
    command carried out; only its receipt, to the address the test went to, says what a real
    reply would have recorded."""
    prompt = test.prompt
    team = config.team_by_id(prompt.slot.team)
    person = recipient(team, prompt.slot.email) if team else None
    if team is None or person is None:
        return quarantine(reply, "a test prompt's team or person is no longer configured")
    if reply.from_address != test.sent_to:
        return quarantine(reply, "reply to a test prompt from an address it was not sent to",
                          team=team.id)
    if prompt.slot.kind not in ANSWERED_KINDS:
        return quarantine(reply, f"reply to a test {prompt.slot.kind}, which takes no answers",
                          team=team.id)
    asked = _asked(team, prompt, defaults)
    mapped = map_answers(reply.text, reply.segments, asked)
    record = _new_record(reply, prompt, "in_reply_to", team, person, reply.text, mapped)
    # Always a receipt (unless automatic mail): it is what the tester came for.
    receipt = _receipt(reply, replace(team, confirmations=True), person, prompt, record=record,
                       asked=asked)
    if receipt is not None:
        tester = people_at(config, reply.from_address)
        name = tester[0][1].first_name if tester else reply.from_address.partition("@")[0]
        receipt = replace(receipt, name=name, test_for=person.name)
    return Decision("test", "processed", f"reply to a test {prompt.slot.kind} for "
                    f"{person.email} (nothing recorded)", team=team.id,
                    email=test.sent_to, sender=reply.from_address, receipt=receipt)
