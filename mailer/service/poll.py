"""The inbound job: fetch new mail, decide, write, remember, then move. The imperative shell.

Order per message, so that a crash anywhere loses nothing and duplicates nothing:

1. fetch with ``BODY.PEEK[]`` (the message stays unseen and in the inbox);
2. skip it when the ledger's inbound table already knows its key (Message-ID, else content
   hash): a second delivery, or a rerun after a crash between steps 4 and 5;
3. decide (:func:`mailer.inbound.decide`, pure) and carry out the effects: the record is written
   durably first (:class:`~mailer.storage.store.RecordStore` never overwrites, so a rerun that gets
   here again writes nothing new), then pauses, failures, skipped slots;
4. ``ledger.record_inbound``: from now on the message is handled;
5. move it to the processed or quarantine folder. Receipts are sent after that, at most once.

Anonymous feedback takes its own path (:func:`record_feedback`): no inbound row (its order and
time would date the record), a keyed hash for dedup instead, and in step 5 the original is
deleted (that UID only) instead of filed, so the mailbox keeps no copy with the sender on it.

The last handled UID and the folder's UIDVALIDITY live in the ledger's state. When UIDVALIDITY
changes, every message is read again and step 2 keeps it safe.

``poll_once`` is synchronous (run it with ``asyncio.to_thread``); ``poll_forever`` keeps one
IMAP session in a worker thread, waits with IDLE (or sleeps ``poll_seconds``), reconnects with
backoff after any failure, and sends receipts on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.utils import make_msgid
from functools import partial

from mailer.addressing import domain_of
from mailer.clock import Clock, utcnow
from mailer.config.tokens import imap_login, smtp_login
from mailer.errors import MailboxAuthError, MailboxError, MailerError
from mailer.inbound.decide import decide
from mailer.inbound.decision import Decision, Folder, Receipt
from mailer.inbound.imap import FETCH_CHUNK, IDLE_MAX_SECONDS, Envelope, ImapInbox, Inbox
from mailer.inbound.receipts import build_confirmation
from mailer.outbound.smtp import Outgoing, batch_tls_context, send_messages
from mailer.parse.replies import Reply, parse_reply, record_id
from mailer.service.context import Context
from mailer.service.health import Health
from mailer.storage.dedup import dedup_key, feedback_key

log = logging.getLogger("mailer.service.poll")

#: The longest wait between two logins after failures (the service's 30-minute rule).
MAX_BACKOFF = 30 * 60.0
#: After a refused login: retrying every minute could get the account locked by the server
#: (as SMTP's 535 stops a batch at once); 48 tries a day recover by themselves once fixed.
AUTH_RETRY_SECONDS = 30 * 60.0



@dataclass
class PollReport:
    """What one pass over the inbox did."""

    seen: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    errors: int = 0
    uidvalidity_reset: bool = False
    receipts: list[Receipt] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        parts = [f"{n} {outcome}" for outcome, n in sorted(self.outcomes.items())]
        if self.duplicates:
            parts.append(f"{self.duplicates} already handled")
        if self.errors:
            parts.append(f"{self.errors} failed (left in the inbox)")
        return f"{self.seen} messages: " + (", ".join(parts) or "nothing to do")


# --------------------------------------------------------------------------- one pass


def poll_once(ctx: Context, now_fn: Clock = utcnow, *, inbox: Inbox | None = None) -> PollReport:
    """Connect (unless ``inbox`` is given), handle every new message, disconnect.

    :raises MailboxError: the mailbox could not be reached or used.
    """
    own = inbox is None
    session = inbox or ImapInbox.open(ctx.config.imap, imap_login(ctx.config, ctx.tokens))
    try:
        return process_new(ctx, session, now_fn)
    finally:
        if own:
            session.close()


def process_new(ctx: Context, inbox: Inbox, now_fn: Clock = utcnow) -> PollReport:
    """Handle every message above the last handled UID, in UID order."""
    started = time.monotonic()
    report = PollReport()
    folder = ctx.config.imap.folder
    last = _last_uid(ctx, inbox, folder, report)
    envelopes = inbox.envelopes(after_uid=last)
    report.seen = len(envelopes)
    done: set[int] = set()
    for start in range(0, len(envelopes), FETCH_CHUNK):
        chunk = envelopes[start:start + FETCH_CHUNK]
        moves = _handle_chunk(ctx, inbox, chunk, now_fn, report)
        for target, uids in moves.items():
            if target == DELETE:
                inbox.delete(uids)
            else:
                inbox.move(uids, target)
            done.update(uids)
        last = _advance(last, envelopes, done)
        ctx.ledger.put_state(f"imap.last_uid:{folder}", str(last))
    ctx.ledger.put_state("last_poll", now_fn().isoformat())
    report.seconds = time.monotonic() - started
    if report.seen:
        log.info("poll: %s in %.2f s", report.summary(), report.seconds)
    return report


def _last_uid(ctx: Context, inbox: Inbox, folder: str, report: PollReport) -> int:
    validity = str(inbox.uidvalidity())
    stored = ctx.ledger.get_state(f"imap.uidvalidity:{folder}")
    if stored == validity:
        return int(ctx.ledger.get_state(f"imap.last_uid:{folder}") or 0)
    if stored is not None:
        # RFC 3501 2.3.1.1: the old UIDs mean nothing now. Read everything again; the
        # inbound table makes sure nothing is recorded twice.
        log.warning("UIDVALIDITY of %s changed (%s -> %s): reading the folder again",
                    folder, stored, validity)
        report.uidvalidity_reset = True
    ctx.ledger.put_state(f"imap.uidvalidity:{folder}", validity)
    ctx.ledger.put_state(f"imap.last_uid:{folder}", "0")
    return 0


def _advance(last: int, envelopes: Sequence[Envelope], done: set[int]) -> int:
    """The highest UID with every message up to it handled: a failed one is retried later."""
    for envelope in envelopes:
        if envelope.uid not in done:
            break
        last = max(last, envelope.uid)
    return last


def _handle_chunk(ctx: Context, inbox: Inbox, chunk: Sequence[Envelope], now_fn: Clock,
                  report: PollReport) -> dict[str, list[int]]:
    imap = ctx.config.imap
    folders = {"processed": imap.processed_folder, "quarantine": imap.quarantine_folder,
               "review": imap.review_folder, "delete": DELETE}
    moves: dict[str, list[int]] = {folder: [] for folder in folders.values()}
    arrived = {e.uid: e.internaldate for e in chunk}
    small = [e.uid for e in chunk if e.size <= imap.max_message_bytes]
    strikes = _Strikes(ctx, f"{imap.folder}:{inbox.uidvalidity()}", now_fn)
    for envelope in chunk:
        if envelope.size > imap.max_message_bytes:
            target = _guarded(partial(_oversized, ctx, inbox, envelope, now_fn()), report,
                              strikes.on(envelope.uid))
            if target:
                moves[folders[target]].append(envelope.uid)
    for fetched in inbox.fetch(small):
        target = _guarded(
            partial(handle_message, ctx, fetched.raw, arrived[fetched.uid], now_fn(), report),
            report, strikes.on(fetched.uid, fetched.raw))
        if target:
            moves[folders[target]].append(fetched.uid)
    return {name: uids for name, uids in moves.items() if uids}


#: The key of the messages to delete in a chunk's moves (never a folder name: it has a NUL).
DELETE = "\0delete"

#: Passes a message may fail with an unexpected error before it goes to quarantine.
POISON_STRIKES = 3


class _Strikes:
    """Counts the passes in which one message failed with an unexpected error (a bug that
    this message triggers), in the ledger so that restarts count too. At POISON_STRIKES it
    goes to the quarantine folder for a person to look at, instead of failing (and filling
    the log) on every pass forever. Nothing is deleted; the count is shown by mailer status."""

    def __init__(self, ctx: Context, scope: str, now_fn: Clock) -> None:
        self.ctx, self.scope, self.now_fn = ctx, scope, now_fn

    def on(self, uid: int, raw: bytes = b"") -> Callable[[BaseException], bool]:
        def strike(exc: BaseException) -> bool:
            key = f"strikes:{self.scope}:{uid}"
            count = int(self.ctx.ledger.get_state(key) or 0) + 1
            self.ctx.ledger.put_state(key, str(count))
            if count < POISON_STRIKES:
                return False
            self.ctx.ledger.record_inbound(
                record_id(None, raw or key.encode()), "quarantine", at=self.now_fn(),
                detail=f"failed {count} times: {type(exc).__name__}", team="")
            log.error("message UID %d failed %d times (%s): moved to quarantine",
                      uid, count, type(exc).__name__)
            return True
        return strike


def _guarded(step: Callable[[], str], report: PollReport,
             strike: Callable[[BaseException], bool] | None = None) -> str | None:
    """One message's failure (a full disk, a bug that one odd message triggers) leaves it in
    the inbox for the next pass and never stops the others: the per-message job boundary
    (STYLE.md 6). Mailbox errors end the pass: the session is gone. Only unexpected errors
    count as strikes: a MailerError (disk full, ledger locked) is the environment's, and
    quarantining good replies during an outage would be wrong."""
    try:
        return step()
    except MailboxError:
        raise
    except MailerError as exc:
        report.errors += 1
        # The environment's failure (a full disk) hits every message alike: one line a pass.
        (log.error if report.errors == 1 else log.debug)(
            "a message could not be handled (left in the inbox): %s", exc)
    except Exception as exc:
        report.errors += 1
        log.exception("a message could not be handled (left in the inbox)")
        if strike is not None and strike(exc):
            return "quarantine"
    return None


def handle_message(ctx: Context, raw: bytes, received_at: datetime, now: datetime,
                   report: PollReport) -> str:
    """Steps 2-4 for one message; returns "processed", "quarantine", "review" or "delete"."""
    reply = parse_reply(raw, received_at=received_at)
    legacy = legacy_key(reply, raw) if reply.message_id else None
    prior = ctx.ledger.inbound_outcome(reply.key)
    if prior is None and legacy is not None:
        prior = ctx.ledger.inbound_outcome(legacy)
    if prior is not None:
        report.duplicates += 1
        log.info("message %s was already handled (%s): filing it", reply.key[:12], prior)
        return prior if prior in ("quarantine", "review") else "processed"
    decision = decide(reply, config=ctx.config, questions=ctx.questions, lookups=ctx.ledger,
                      secret=ctx.secret, now=now, prompt_lines=ctx.ledger.prompt_lines,
                      tests=ctx.ledger)
    if decision.answered_by is not None:
        return record_feedback(ctx, reply.key, decision, report, legacy=legacy)
    carry_out(ctx, reply.key, decision, now)
    (log.warning if decision.outcome == "quarantine" else log.info)(decision.log_line())
    if decision.record is not None:  # never feedback's: that took its own path above
        log.debug("text of %s: %r", decision.record.id[:12], decision.record.text)
    report.outcomes[decision.outcome] += 1
    if decision.receipt is not None:
        report.receipts.append(decision.receipt)
    return decision.folder


def carry_out(ctx: Context, key: str, decision: Decision, now: datetime) -> None:
    """The decision's effects, record first and the inbound row last (see the module doc)."""
    if decision.record is not None:
        ctx.store.write(decision.record)
    for pause in decision.pauses:
        ctx.ledger.add_pause(pause)
    for team, email, on in decision.resume:
        ctx.ledger.end_pauses(team, email, on=on)
    if decision.skip_slot:
        ctx.ledger.set_state(decision.skip_slot, "skipped", skip_reason=decision.skip_reason)
    for address in decision.failing:
        ctx.ledger.mark_failing(address, decision.reason, at=now)
    ctx.ledger.record_inbound(key, decision.outcome, at=now, detail=decision.reason,
                              team=decision.team or "", email=decision.email)


def legacy_key(reply: Reply, raw: bytes) -> str:
    """The key a message had before keys took in the body (the Message-ID's sha1 alone).

    A message handled before the upgrade and still in the inbox (a crash before its move, a
    move the server refused) must not be recorded twice under its new key. Rows that old leave
    the ledger with retention (``service.retention_months``); after that this can go.
    """
    return record_id(reply.message_id, raw)


def record_feedback(ctx: Context, message_key: str, decision: Decision,
                    report: PollReport, *, legacy: str | None = None) -> Folder:
    """Store one anonymous feedback reply; returns "delete" (the original goes, see below).

    In this order, each step safe to repeat after a crash at any point:

    1. the message's dedup value is ``HMAC(dedup key, message key)`` (:mod:`mailer.dedup`);
       when the ledger has it as done, this is a second delivery or a rerun after step 5;
    2. a person who has already answered this quarter is not stored again (each person counts
       once towards ``min_respondents``); the receipt tells them so;
    3. the ledger notes the dedup value with a new random record id (a rerun takes the id a
       crashed run left there, so it finishes the same file instead of writing a second);
    4. the record is written durably and the quarter's files swept
       (:meth:`~mailer.store.RecordStore.write_anonymous`);
    5. one transaction forgets the record id and notes that the person answered;
    6. the caller deletes the original from the mailbox after the chunk.
    """
    assert decision.record is not None and decision.answered_by is not None
    team, quarter, email = decision.answered_by
    secret = dedup_key(ctx.config.service.data_dir)
    key = feedback_key(secret, message_key)
    seen = ctx.ledger.feedback_seen(key)
    if seen is None and legacy is not None:  # begun or done before keys took in the body
        old_key = feedback_key(secret, legacy)
        if (old := ctx.ledger.feedback_seen(old_key)) is not None:
            key, seen = old_key, old  # finish it as it began
    if seen is not None and seen.done:
        report.duplicates += 1
        log.info("a feedback reply was handled before: deleting the copy")
        return "delete"
    if seen is None and ctx.ledger.has_answered(team, quarter, email):
        ctx.ledger.finish_feedback(key, quarter, None)
        report.outcomes["feedback not counted twice"] += 1
        log.info("1 feedback reply not recorded: its sender had answered this quarter already")
        if decision.receipt is not None:
            report.receipts.append(replace(decision.receipt, record=None, refused=True))
        return "delete"
    record_id = seen.record_id if seen is not None and seen.record_id else secrets.token_hex(20)
    if seen is None:
        ctx.ledger.begin_feedback(key, quarter, record_id)
    ctx.store.write_anonymous(replace(decision.record, id=record_id))
    ctx.ledger.finish_feedback(key, quarter, decision.answered_by)
    log.info(decision.log_line())
    report.outcomes["record"] += 1
    if decision.receipt is not None:
        report.receipts.append(decision.receipt)
    return "delete"


def _oversized(ctx: Context, inbox: Inbox, envelope: Envelope, now: datetime) -> str:
    """Quarantine without fetching the body; the headers name the sender for the log."""
    headers = parse_reply(inbox.headers(envelope.uid), received_at=envelope.internaldate)
    if ctx.ledger.inbound_outcome(headers.key) is None:
        reason = (f"too large ({envelope.size} bytes; imap.max_message_bytes is "
                  f"{ctx.config.imap.max_message_bytes})")
        ctx.ledger.record_inbound(headers.key, "quarantine", at=now, detail=reason, team="")
        log.warning("quarantined message from %s: %s", headers.from_address or "?", reason)
    return "quarantine"


# --------------------------------------------------------------------------- receipts


async def send_receipts(ctx: Context, receipts: Sequence[Receipt], now_fn: Clock = utcnow) -> int:
    """Send each receipt once; a failure is logged and not retried later (a receipt is a
    courtesy, and sending it twice would be worse than not at all). Receipts count towards
    ``smtp.max_per_day`` like prompts; those over it are not sent (one line says how many)."""
    if not receipts:
        return 0

    smtp = ctx.config.smtp
    room = ctx.daily_room(now_fn())
    if room is not None and len(receipts) > room:
        log.warning("daily cap: %d receipts not sent; smtp.max_per_day is %d messages in 24"
                    " hours (provider %s)", len(receipts) - room, smtp.max_per_day,
                    smtp.provider)
        receipts = receipts[:room]
        if not receipts:
            return 0
    domain = domain_of(smtp.from_address)
    try:
        items = [Outgoing(key=f"receipt:{n}", recipient=r.to, sender=smtp.from_address,
                          message=build_confirmation(
                              ctx.env, ctx.config, r, now=now_fn(),
                              message_id=make_msgid("receipt", domain=domain)))
                 for n, r in enumerate(receipts)]
        outcomes = await send_messages(smtp, items, password=smtp_login(ctx.config, ctx.tokens),
                                       tls_context=batch_tls_context(smtp))
    except MailerError as exc:
        log.warning("receipts not sent: %s", exc)
        return 0
    for outcome in outcomes:
        if not outcome.sent:
            log.warning("a receipt was not sent: %s", outcome.error)
    sent = sum(1 for o in outcomes if o.sent)
    try:
        ctx.ledger.count_receipts(sent, at=now_fn())
    except MailerError as exc:  # they went out; only the cap's count is short
        log.warning("receipts sent but not counted for smtp.max_per_day: %s", exc)
    return sent


# --------------------------------------------------------------------------- forever


class _Session:
    """The worker thread's side: one IMAP session at a time, reconnecting with backoff.

    Any failure, before or after the login (a dropped session, a full disk, an unwritable
    ledger, a bug), waits before the next login: 1 s, doubling up to 30 minutes, and only a
    pass that completes resets it. A refused login waits 30 minutes at once (a provider may
    lock the mailbox). :class:`~mailer.service.health.Health` logs one line per change of
    state with the count of failures, not one per attempt.
    """

    def __init__(self, ctx_fn: Callable[[], Context], now_fn: Clock,
                 on_report: Callable[[PollReport], object], health: Health) -> None:
        self.ctx_fn, self.now_fn, self.on_report, self.health = ctx_fn, now_fn, on_report, health
        self.stop = threading.Event()
        self._wake_read, self._wake_write = os.pipe()
        self.failures = 0
        self.real_seconds: Callable[[float], float] = lambda seconds: seconds

    def wake(self) -> None:
        self.stop.set()
        os.write(self._wake_write, b"x")

    def close(self) -> None:
        os.close(self._wake_read)
        os.close(self._wake_write)

    def _fail(self, detail: str, *, auth: bool = False) -> None:
        self.failures += 1
        wait = AUTH_RETRY_SECONDS if auth else min(2.0 ** (self.failures - 1), MAX_BACKOFF)
        now = self.now_fn()
        self.health.problem("imap", now, detail, auth=auth,
                            next_try=now + timedelta(seconds=wait))
        self.stop.wait(self.real_seconds(wait))

    def run(self) -> None:
        while not self.stop.is_set():
            ctx = self.ctx_fn()
            try:
                inbox = ImapInbox.open(ctx.config.imap, imap_login(ctx.config, ctx.tokens))
            except MailboxAuthError as exc:
                fix = ("the app's access to the mailbox (docs/providers.md)"
                       if ctx.config.imap.auth == "oauth2"
                       else "the IMAP password (imap.password_env)")
                self._fail(f"{exc}; check {fix}", auth=True)
                continue
            except MailerError as exc:
                self._fail(str(exc))
                continue
            try:
                self._serve(inbox)
            except MailerError as exc:
                self._fail(f"IMAP session ended: {exc}")
            except Exception as exc:  # the job boundary: log, back off, go on
                if self.failures == 0:  # the traceback once; the state change says the rest
                    log.exception("the poller failed")
                self._fail(f"the poller failed: {type(exc).__name__}: {exc}")
            finally:
                inbox.close()

    def _serve(self, inbox: Inbox) -> None:
        while not self.stop.is_set():
            ctx = self.ctx_fn()  # a reloaded config applies from the next pass
            report = process_new(ctx, inbox, self.now_fn)
            self.on_report(report)  # the receipts of the messages that went through
            if report.errors:  # e.g. a full disk: waiting is better than trying again now
                raise MailerError(f"{report.errors} message(s) could not be handled "
                                  "(left in the inbox)")
            self.failures = 0
            self.health.ok("imap", self.now_fn())
            if self.stop.is_set():
                return
            # With IDLE, the wait ends when the server reports news; re-IDLE before the
            # 29-minute limit (RFC 2177). Without it, poll every imap.poll_seconds.
            poll_seconds = float(ctx.config.imap.poll_seconds)
            timeout = IDLE_MAX_SECONDS if inbox.idle_supported else poll_seconds
            inbox.wait(timeout, wake_fd=self._wake_read)


async def poll_forever(ctx: Context, stop_event: asyncio.Event, *,
                       now_fn: Clock = utcnow, health: Health | None = None,
                       context_fn: Callable[[], Context] | None = None,
                       speed: float = 1.0,
                       on_answered: Callable[[PollReport], object] | None = None) -> None:
    """Poll until ``stop_event`` is set: IDLE in a worker thread, receipts on this loop.

    :param context_fn: the current context (the service's, after a config reload).
    :param speed: how much faster than real time ``now_fn`` runs (tests only): waits shrink.
    :param on_answered: called with each pass's report once its receipts went out (the demo
        holds its simulated clock until then, so a receipt is dated when the reply came).
    """
    loop = asyncio.get_running_loop()
    reports: asyncio.Queue[PollReport] = asyncio.Queue()
    current = context_fn or (lambda: ctx)
    session = _Session(current, now_fn,
                       lambda r: loop.call_soon_threadsafe(reports.put_nowait, r),
                       health or Health(None, started_at=now_fn()))
    session.real_seconds = lambda seconds: seconds / speed
    worker = asyncio.create_task(asyncio.to_thread(session.run))

    async def deliver() -> None:
        while True:
            report = await reports.get()
            try:
                await send_receipts(current(), report.receipts, now_fn)
            except Exception:
                log.exception("receipts of one poll pass could not be sent")
            if on_answered is not None:
                on_answered(report)

    sender = asyncio.create_task(deliver())
    try:
        await stop_event.wait()
    finally:
        session.wake()
        await worker
        while not reports.empty():
            await send_receipts(current(), reports.get_nowait().receipts, now_fn)
        sender.cancel()
        session.close()


async def poll_and_answer(ctx: Context) -> PollReport:
    """One pass over the mailbox (in a thread: imap-tools blocks), then its receipts."""
    report = await asyncio.to_thread(poll_once, ctx)
    await send_receipts(ctx, report.receipts)
    return report
