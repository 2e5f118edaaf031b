"""Job bodies: send the due slots of a kind (scheduler, ``mailer send``), preview a prompt.

A batch, and why it is crash safe (``kill -9`` at any point):

1. plan with :func:`mailer.outbound.schedule.slots_due` (pure);
2. write a ledger row per new slot with its Message-ID and token fixed *before* any attempt
   (state ``due``, or ``skipped`` with the reason), in one transaction;
3. per due row: ``sending`` (attempt counted) -> SMTP -> ``sent`` once the server took it,
   ``failed`` on a permanent refusal, back to ``due`` after temporary failures.

With a daily cap (``smtp.max_per_day``, from the provider profile) a batch sends what fits
in the last 24 hours' count and leaves the rest ``due``, with a warning (log, ``mailer status``).

A row left ``due``/``sending`` by a crash is sent again at the next run within the catch-up
window, with the same Message-ID: the one message in flight per connection at the kill may
arrive twice, identical, and no slot is ever lost. A second run finds every row ``sent``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.progress import Progress

from mailer.addressing import domain_of, message_id, mint_token, plus_address
from mailer.config.questions import questions_for
from mailer.config.tokens import smtp_login
from mailer.errors import AuthenticationError, DeliveryError, MailerError, SecretError
from mailer.kinds import KINDS, MEMBER_KINDS, noun
from mailer.models import Person, Prompt, PromptState, RenderedMail, Slot, Team
from mailer.outbound import compose, schedule
from mailer.outbound import smtp as outbox
from mailer.outbound.notice import Notice, render_notice
from mailer.outbound.pacing import Timing
from mailer.outbound.schedule import Planned, human_duration
from mailer.outbound.schedule_retry import expiry_reason, retry_policy, window_end
from mailer.parse.prompt_text import prompt_text_from_parts
from mailer.service import digest
from mailer.service.context import Context
from mailer.service.dry_run import DueNow, dry_run_lines
from mailer.service.status import DAILY_CAP_STATE, DailyCapHold
from mailer.storage.ledger import Ledger

log = logging.getLogger("mailer.service.send")

_OFFLINE_KEY = b"offline preview key: never used for mail that is sent"


@dataclass(frozen=True)
class SendReport:
    """What one batch did; ``lines`` holds one line per skip and failure, then the summary."""

    kind: str
    team: str | None
    sent: int = 0
    already_sent: int = 0
    skipped: Mapping[str, int] = field(default_factory=dict)  # by reason: holiday, away...
    failed_temporary: int = 0
    failed_permanent: int = 0
    lines: tuple[str, ...] = ()
    dry_run: bool = False
    held_back: int = 0  # due, but past the provider's daily cap: sent at a later run
    #: Rows whose retry time has not come (after a failed batch) and rows that expired now.
    waiting: int = 0
    expired: int = 0
    #: Slot keys now in a final state (sent, failed, skipped, expired): the service's tick
    #: does not plan them again.
    settled: tuple[str, ...] = ()

    @property
    def failed(self) -> int:
        return self.failed_temporary + self.failed_permanent

    @property
    def summary(self) -> str:
        verb = "would send" if self.dry_run else "sent"
        text = f"{verb} {self.sent} {noun(self.kind, self.sent)} for {self.team or 'all teams'}"
        if self.skipped:
            reasons = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()))
            text += f", {sum(self.skipped.values())} skipped: {reasons}"
        if self.failed:
            text += f", {self.failed_permanent} failed, {self.failed_temporary} to retry"
        if self.expired:
            text += f", {self.expired} expired"
        if self.waiting:
            text += f", {self.waiting} waiting to retry"
        if self.already_sent:
            text += f", {self.already_sent} already sent"
        if self.held_back:
            text += f", {self.held_back} held back by the daily cap"
        return text

    @property
    def eventful(self) -> bool:
        """Whether the batch changed anything worth a log line (the tick is quiet otherwise)."""
        return bool(self.sent or self.failed or self.expired or self.skipped)


@dataclass
class _Tally:
    sent: int = 0
    already_sent: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failed_temporary: int = 0
    failed_permanent: int = 0
    lines: list[str] = field(default_factory=list)
    held_back: int = 0
    waiting: int = 0
    expired: int = 0
    settled: list[str] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)  # keys with a temporary failure
    skipped_slots: list[Planned] = field(default_factory=list)

    def skip(self, planned: Planned, reason: str) -> None:
        self.skipped[reason.split(":")[0].split()[0]] += 1
        self.skipped_slots.append(planned)
        self.lines.append(f"skip {_who(planned)}: {reason}")

    def report(self, kind: str, team: str | None, *, dry_run: bool = False) -> SendReport:
        report = SendReport(kind, team, self.sent, self.already_sent, dict(self.skipped),
                            self.failed_temporary, self.failed_permanent, tuple(self.lines),
                            dry_run, self.held_back, self.waiting, self.expired,
                            tuple(self.settled))
        return SendReport(**{**report.__dict__, "lines": (*self.lines, report.summary)})


def _who(planned: Planned) -> str:
    slot = planned.slot
    return f"{slot.kind} {slot.period} to {planned.person.email} ({planned.team.name})"


# --------------------------------------------------------------------------- content


def _previous_answers(ctx: Context, team: Team, person: Person, kind: str,
                      period: str) -> tuple[dict[str, Any], str | None]:
    """The answers of the person's latest earlier record of ``kind`` (an index read: the cost
    of a review does not grow with the age of the archive)."""
    best = ctx.store.latest_answer(team.id, person.id, kind, before=period)
    if best is None:
        return {}, None
    return {k: str(v) for k, v in best.answers.items()}, best.slot


@dataclass
class Notices:
    """A batch's privacy notices: who had a prompt before (asked of the ledger once per
    chunk, :meth:`learn`), and each team's notice per language, rendered once."""

    sent: set[tuple[str, str]] = field(default_factory=set)  # (team id, person id)
    rendered: dict[tuple[str, str], Notice] = field(default_factory=dict)

    def learn(self, ctx: Context, chunk: Sequence[Planned]) -> None:
        self.sent |= ctx.ledger.sent_to((p.team.id, p.person.id) for p in chunk)

    def first(self, ctx: Context, team: Team, person: Person) -> Notice | None:
        """The notice when nothing was sent to the person in this team yet, else None."""
        if (team.id, person.id) in self.sent:
            return None
        key = (team.id, person.language)
        if key not in self.rendered:
            self.rendered[key] = privacy_notice(ctx, team, person.language)
        return self.rendered[key]


def content(ctx: Context, planned: Planned, now: datetime, *,
            notices: Notices | None = None) -> RenderedMail:
    """The rendered mail of a slot (digest and brief come from :mod:`mailer.service.digest`).

    :param notices: a batch's (:meth:`Notices.learn` called for this slot); by default the
        ledger is asked about this one person.
    """
    kind, team, person = planned.slot.kind, planned.team, planned.person
    if kind == "digest":
        return digest.digest_mail(ctx, team, planned.slot, now)
    if kind == "brief":
        return digest.brief_mail(ctx, team, planned.slot, now)
    previous: dict[str, Any] = {}
    previous_period: str | None = None
    if KINDS[kind].quotes_previous:
        previous, previous_period = _previous_answers(ctx, team, person, kind, planned.slot.period)
    context = compose.prompt_context(
        kind, team=team, person=person, questions=questions_for(team, kind, ctx.questions),
        due_at=planned.due_at, period=planned.slot.period, previous=previous,
        previous_period=previous_period)
    if kind in MEMBER_KINDS:
        # GDPR art. 13: the notice comes when the data is first asked for.
        if notices is None:
            notices = Notices()
            notices.learn(ctx, [planned])
        if (notice := notices.first(ctx, team, person)) is not None:
            context["privacy_notice"] = notice
    return compose.render(ctx.env, kind, person.language, context)


def privacy_notice(ctx: Context, team: Team, language: str) -> Notice:
    """The team's privacy notice in ``language``, from the config's real values."""
    questions = {kind: questions_for(team, kind, ctx.questions) for kind in MEMBER_KINDS}
    return render_notice(ctx.env, ctx.config, team, language, questions)


def _message(ctx: Context, prompt: Prompt, planned: Planned, mail: RenderedMail,
             date: datetime) -> outbox.Outgoing:
    smtp = ctx.config.smtp
    answered = KINDS[prompt.slot.kind].answered
    reply_to = (plus_address(smtp.from_address, prompt.token) if smtp.plus_tokens
                else smtp.from_address)
    message = compose.build_raw(
        mail, to=planned.person.email, to_name=planned.person.name, from_name=smtp.from_name,
        from_address=smtp.from_address, message_id=prompt.message_id, reply_to=reply_to,
        token=prompt.token if answered else None, date=date)
    return outbox.Outgoing(prompt.slot.key, message, planned.person.email, smtp.from_address)


# --------------------------------------------------------------------------- the ledger side


def _new_prompt(ctx: Context, planned: Planned, domain: str) -> Prompt:
    slot, secret = planned.slot, ctx.secret or _OFFLINE_KEY
    token = mint_token(slot, secret)
    questions = questions_for(planned.team, slot.kind, ctx.questions)
    return Prompt(
        slot=slot, message_id=message_id(token, slot.kind, domain),
        token=token, state="due" if planned.due else "skipped",
        due_at=planned.due_at.astimezone(UTC),  # the ledger compares UTC text
        language=planned.person.language, question_ids=tuple(q.id for q in questions),
        skip_reason=planned.skip_reason)


def _known(ctx: Context, planned: list[Planned]) -> dict[str, Prompt]:
    """The ledger rows of the planned slots, by slot key.

    By key, not by due time: a slot is (person, kind, period), so a check-in whose time moved
    in the config after it went out is still the same, already sent slot. A slot without a
    row counts as sent when the same person, kind and period went out under a team id that
    the config no longer has: a team renamed without keeping its ``id`` sends nothing twice.
    """
    if not planned:
        return {}
    known = ctx.ledger.get_many(p.slot.key for p in planned)
    ids = {team.id for team in ctx.config.teams}
    new = [plan for plan in planned if plan.slot.key not in known and plan.skip_reason is None]
    sent_as = ctx.ledger.sent_as(plan.slot for plan in new) if new else {}
    for plan in new:
        gone = [row for row in sent_as.get(plan.slot.key, ()) if row.slot.team not in ids]
        if gone:
            log.info("%s was sent under team id %r, no longer in the config (renamed without"
                     " id?): not sent again", plan.slot.key, gone[0].slot.team)
            known[plan.slot.key] = gone[0]
    return known


def _window_end(ctx: Context, planned: Planned) -> datetime:
    """Until when the slot is worth sending (see :mod:`mailer.outbound.schedule_retry`)."""
    kind, team = planned.slot.kind, planned.team
    lead = timedelta(minutes=team.meeting.brief_minutes_before) if (
        kind == "brief" and team.meeting) else timedelta(0)
    policy = retry_policy(ctx.config.service)
    return window_end(kind, planned.due_at, planned.person.timezone, policy.window(kind),
                      lead=lead)


def _triage(ctx: Context, planned: list[Planned], known: Mapping[str, Prompt], tally: _Tally,
            *, now: datetime, write: bool, wait: bool) -> list[tuple[Prompt, Planned]]:
    """Record new slots (and new skips of pending rows); return the rows to send now.

    A pending row expires once its window has ended (a new slot past it is skipped as
    missed); with ``wait`` (the service) it also waits while its retry time is ahead.
    Rows a crash left ``sending`` come last: their message may have arrived already, so
    a service killed again early in the next batch (a crash loop) must not send the same
    people one more copy each time while the others wait.
    """
    due: list[tuple[Prompt, Planned]] = []
    in_flight: list[tuple[Prompt, Planned]] = []
    new: list[Prompt] = []
    domain = domain_of(ctx.config.smtp.from_address)
    for plan in planned:
        row = known.get(plan.slot.key)
        if row is not None and row.state == "sent":
            tally.already_sent += 1
            tally.settled.append(plan.slot.key)
        elif row is not None and row.state not in ("due", "sending"):
            tally.settled.append(plan.slot.key)  # skipped, failed or expired earlier: logged then
        elif plan.skip_reason is not None:
            tally.skip(plan, plan.skip_reason)
            tally.settled.append(plan.slot.key)
            if row is None:
                new.append(_new_prompt(ctx, plan, domain))
            elif write:
                ctx.ledger.set_state(row.slot.key, "skipped", skip_reason=plan.skip_reason)
        elif now >= (end := _window_end(ctx, plan)) and (
                row is not None or now - plan.due_at > ctx.config.service.catch_up):
            # A new slot within service.catch_up still goes out (the catch-up after a stop,
            # and `mailer send --at` as before); the window bounds the retries of a row.
            tally.settled.append(plan.slot.key)
            if row is None:  # never planned in time (the service was down): missed
                late = human_duration(now - plan.due_at)
                missed = replace(plan, skip_reason=f"missed by {late}")
                tally.skip(missed, missed.skip_reason or "")
                new.append(_new_prompt(ctx, missed, domain))
            else:
                _expire(ctx, row, plan, end, tally, write=write)
        elif wait and row is not None and row.retry_at is not None and row.retry_at > now:
            tally.waiting += 1
        else:
            prompt = row or _new_prompt(ctx, plan, domain)
            if row is None:
                new.append(prompt)
            (in_flight if prompt.state == "sending" else due).append((prompt, plan))
    if write and new:
        ctx.ledger.ensure(new)
    return due + in_flight


def _expire(ctx: Context, row: Prompt, plan: Planned, end: datetime, tally: _Tally, *,
            write: bool) -> None:
    reason = expiry_reason(end, plan.person.timezone, row.last_error)
    tally.expired += 1
    line = f"expired {_who(plan)}: {reason}"
    tally.lines.append(line)
    if write:
        ctx.ledger.set_state(row.slot.key, "expired", skip_reason=reason)


def pending_plans(ctx: Context, *, now: datetime) -> list[Planned]:
    """The ledger's pending rows as planned slots, for the tick to retry or expire.

    A row whose team or person is no longer in the config expires at once ("no longer in the
    config"): a removed member gets nothing more.
    """
    plans: list[Planned] = []
    for row in ctx.ledger.pending():
        team = ctx.config.team_by_id(row.slot.team)
        person = None if team is None else next(
            (p for p in schedule.recipients(team, row.slot.kind) if p.id == row.slot.email),
            None)
        if team is None or person is None:
            reason = f"no longer in the config (removed from {row.slot.team})"
            ctx.ledger.set_state(row.slot.key, "expired", skip_reason=reason)
            log.warning("expired %s: %s", row.slot.key, reason)
            continue
        plans.append(Planned(row.slot, person, team, row.due_at.astimezone(person.timezone)))
    return plans


# --------------------------------------------------------------------------- the batch


#: Messages rendered per trip to the worker thread: few enough to keep memory flat, enough to
#: make the hop (about 0.1 ms) small beside the rendering (about 1 ms a message).
RENDER_CHUNK = 32


def _render_all(ctx: Context, chunk: list[tuple[Prompt, Planned]], now: datetime,
                clock: Callable[[], datetime], notices: Notices) -> list[outbox.Outgoing | str]:
    """Each message of the chunk, or the line saying why it could not be rendered (its row
    stays due). What each prompt said is written, for the chunk in one transaction, before
    any of them is sent: a reply can only come after (prompt-aware reading)."""
    results: list[outbox.Outgoing | str] = []
    said: list[tuple[Prompt, list[str]]] = []
    try:
        notices.learn(ctx, [planned for _, planned in chunk])
    except MailerError as exc:
        return [f"not rendered {_who(planned)}: {exc}" for _, planned in chunk]
    for prompt, planned in chunk:
        try:
            mail = content(ctx, planned, now, notices=notices)
            if KINDS[prompt.slot.kind].answered and prompt.slot.kind != "feedback":
                # Not for anonymous feedback: a row per person in send order is one more
                # thing to hold against the records (tests/service/linking_attack.py).
                said.append((prompt, prompt_text_from_parts(mail.text, mail.html).to_lines()))
            results.append(_message(ctx, prompt, planned, mail, clock()))
        except (MailerError, ValueError) as exc:
            results.append(f"not rendered {_who(planned)}: {exc}")
    try:
        ctx.ledger.save_many_prompt_lines(said)
    except MailerError as exc:
        return [f"not rendered {_who(planned)}: {exc}" for _, planned in chunk]
    return results


async def _rendered(ctx: Context, due: list[tuple[Prompt, Planned]], now: datetime,
                    tally: _Tally, clock: Callable[[], datetime]
                    ) -> AsyncIterator[outbox.Outgoing]:
    """Render lazily, a chunk at a time in a worker thread, so that templates and the record
    reads of reviews never hold the event loop (the poller and the SMTP sessions share it).
    Failures come back as data and are counted here, on the loop: the tally has one writer."""
    notices = Notices()
    for start in range(0, len(due), RENDER_CHUNK):
        chunk = due[start:start + RENDER_CHUNK]
        results = await asyncio.to_thread(_render_all, ctx, chunk, now, clock, notices)
        for result in results:
            if isinstance(result, str):
                tally.failed_temporary += 1
                tally.lines.append(result)
                log.error("%s", result)
            else:
                yield result


def _on_result(ledger: Ledger, tally: _Tally, clock: Callable[[], datetime],
               advance: Callable[[], None], *, quiet: bool) -> Callable[[outbox.Outcome], None]:
    def record(outcome: outbox.Outcome) -> None:
        advance()
        if outcome.sent or outcome.permanent:
            tally.settled.append(outcome.key)
        else:
            tally.retry.append(outcome.key)
        if outcome.sent:
            ledger.set_state(outcome.key, "sent", at=clock())
            tally.sent += 1
            return
        state: PromptState = "failed" if outcome.permanent else "due"
        ledger.set_state(outcome.key, state, error=outcome.error)
        if outcome.refused:
            ledger.mark_failing(outcome.recipient, outcome.error or "refused", at=clock())
        if outcome.permanent:
            tally.failed_permanent += 1
        else:
            tally.failed_temporary += 1
        line = f"{'failed' if outcome.permanent else 'to retry'} {outcome.key}: {outcome.error}"
        tally.lines.append(line)
        # The service's tick reports an unreachable server once (mailer.service.health);
        # a permanent refusal is always worth its own line.
        level = logging.DEBUG if quiet and not outcome.permanent else logging.WARNING
        log.log(level, "%s (after %d attempts)", line, outcome.attempts)
    return record


def _within_daily_cap(ctx: Context, due: list[tuple[Prompt, Planned]], now: datetime,
                      tally: _Tally) -> list[tuple[Prompt, Planned]]:
    """The part of ``due`` that fits under ``smtp.max_per_day`` (counted over 24 hours)."""
    smtp = ctx.config.smtp
    room = ctx.daily_room(now)
    if smtp.max_per_day is None or room is None or len(due) <= room:
        return due
    tally.held_back = len(due) - room
    line = (f"daily cap: {tally.held_back} held back, they stay due for the next run; "
            f"smtp.max_per_day is {smtp.max_per_day} messages in 24 hours "
            f"(provider {smtp.provider})")
    tally.lines.append(line)
    log.warning("%s", line)
    hold = DailyCapHold(now, tally.held_back, smtp.max_per_day)
    ctx.ledger.put_state(DAILY_CAP_STATE, hold.state())
    return due[:room]


async def _deliver(ctx: Context, due: list[tuple[Prompt, Planned]], now: datetime,
                   tally: _Tally, backoff: outbox.Backoff | None,
                   timing: Timing | None = None, *, quiet: bool = False) -> None:
    smtp = ctx.config.smtp
    started = time.monotonic()

    def clock() -> datetime:  # ``now`` moved on by the batch's own duration
        return now + timedelta(seconds=time.monotonic() - started)

    password = smtp_login(ctx.config, ctx.tokens)
    context = outbox.batch_tls_context(smtp) if smtp.security != "none" else None
    # One held connection: two committed state changes per message stay cheap (ledger.session).
    with _progress(len(due)) as advance, ctx.ledger.session() as ledger:
        await outbox.send_messages(
            smtp, _rendered(ctx, due, now, tally, clock), password=password, tls_context=context,
            on_attempt=lambda item, _n: ledger.set_state(item.key, "sending", count_attempt=True),
            on_result=_on_result(ledger, tally, clock, advance, quiet=quiet),
            backoff=backoff or outbox.Backoff(), timing=timing)


async def send_due(
    ctx: Context,
    kind: str,
    *,
    now: datetime,
    team: str | None = None,
    member: str | None = None,
    dry_run: bool = False,
    backoff: outbox.Backoff | None = None,
    timing: Timing | None = None,
) -> SendReport:
    """Send every slot of ``kind`` due at ``now`` and not yet sent; log one line per batch.

    ``backoff`` and ``timing`` (the pacer's clock) are for tests and benchmarks.

    :raises AuthenticationError: the SMTP login was refused (nothing retried).
    :raises DeliveryError: the server could not be reached or verified; unsent rows stay due.
    """
    pauses = ctx.ledger.pauses()
    planned = schedule.slots_due(ctx.config, kind, now=now, catch_up=ctx.config.service.catch_up,
                                 ledger_pauses=pauses, team=team, member=member)
    upcoming = schedule.next_planned(ctx.config, kind, now=now, ledger_pauses=pauses, team=team,
                                     member=member) if dry_run else []
    return await send_planned(ctx, kind, planned, now=now, team=team, dry_run=dry_run,
                              backoff=backoff, timing=timing, upcoming=upcoming)


async def send_planned(
    ctx: Context,
    kind: str,
    planned: list[Planned],
    *,
    now: datetime,
    team: str | None = None,
    dry_run: bool = False,
    backoff: outbox.Backoff | None = None,
    timing: Timing | None = None,
    quiet: bool = False,
    deliver: bool = True,
    upcoming: Sequence[Planned] = (),
) -> SendReport:
    """Send the given planned slots through the exactly-once ledger (see :func:`send_due`).

    For a slot the schedule does not name by itself, e.g. ``mailer digest --send --week``.
    Rows not sent by a failed batch wait for their retry time (1, 2, 5, 10, 30 minutes...).
    ``quiet`` (the service's tick): rows wait for their retry time, no summary line for a
    batch that changed nothing, and a stopped batch is the caller's to report.
    ``deliver=False``: record and expire only (the service while SMTP is backing off).
    A dry run writes nothing; its lines also name the ``upcoming`` slots.
    """
    tally = _Tally()
    due = _triage(ctx, planned, _known(ctx, planned), tally, now=now,
                  write=not dry_run, wait=quiet)
    if dry_run:  # printed by the command instead
        return _dry_run(ctx, kind, team, due, now, tally, upcoming)
    for line in tally.lines:  # the service logs skips in its summary line, one per batch
        level = logging.WARNING if line.startswith("expired") else (
            logging.DEBUG if quiet else logging.INFO)
        log.log(level, "%s", line)
    if not deliver:
        tally.waiting += len(due)
        due = []
    due = _within_daily_cap(ctx, due, now, tally)
    try:
        if due:
            await _deliver(ctx, due, now, tally, backoff, timing, quiet=quiet)
    except (AuthenticationError, DeliveryError) as exc:
        report = tally.report(kind, team)
        (log.debug if quiet else log.error)(
            "%s stopped: %s (%s); the rest stays due", noun(kind, 2), exc,
            report.summary)
        raise
    finally:
        if tally.retry:  # each waits for its next try (1, 2, 5, 10, 30 minutes...)
            ctx.ledger.defer(tally.retry, now=now,
                             delay=retry_policy(ctx.config.service).delay)
    report = tally.report(kind, team)
    if report.eventful or not quiet:
        log.info("%s", report.summary)
    return report


def _dry_run(ctx: Context, kind: str, team: str | None, due: list[tuple[Prompt, Planned]],
             now: datetime, tally: _Tally, upcoming: Sequence[Planned]) -> SendReport:
    """The report of a dry run: its lines are :func:`mailer.service.dry_run.dry_run_lines`."""
    items: list[DueNow] = []
    for _prompt, planned in due:
        try:
            subject = content(ctx, planned, now).subject
        except MailerError as exc:
            subject = f"(cannot render: {exc})"
        items.append(DueNow(planned, subject))
    tally.sent = len(items)
    report = tally.report(kind, team, dry_run=True)
    lines = dry_run_lines(kind, due=items, skipped=tally.skipped_slots, upcoming=upcoming,
                          now=now, catch_up=ctx.config.service.catch_up, team=team)
    return replace(report, lines=tuple(lines))


@contextmanager
def _progress(total: int) -> Iterator[Callable[[], None]]:
    """A rich progress bar when stderr is a terminal and the batch is taller than it."""

    console = Console(stderr=True)
    if not console.is_terminal or total <= console.size.height:
        yield lambda: None
        return

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("sending", total=total)
        yield lambda: progress.advance(task)


# --------------------------------------------------------------------------- commands


def send_digest(ctx: Context, team: Team, week: str, *, now: datetime) -> SendReport:
    """Mail the digest of ``week`` to the manager at most once; returns what happened.

    :raises DeliveryError: the mail could not be sent (the slot stays due unless the
        failure is permanent).
    """
    if ctx.secret is None:
        raise SecretError(f"{ctx.config.service.secret_env} is not set")
    slot = Slot(team.id, team.manager.id, "digest", week)
    planned = Planned(slot=slot, person=team.manager, team=team, due_at=now)
    return asyncio.run(send_planned(ctx, "digest", [planned], now=now, team=team.id))
