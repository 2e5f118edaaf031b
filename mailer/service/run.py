"""``mailer run``: the service process. One asyncio loop, one clock, one planner, one poller.

Every minute the tick asks the pure planner (:func:`mailer.outbound.schedule.slots_due`) what
is due for every kind and sends it through the same exactly-once ledger path as ``mailer send``
(:func:`mailer.service.send.send_planned`). There are no per-zone cron jobs: a slot exists
when the planner says so, whatever a time zone did to the wall clock that day, and a config
reload takes effect at the next tick.

* Retry: rows left due by a failed batch (SMTP down, a full disk, an unwritable ledger) are
  tried again with backoff (:mod:`mailer.outbound.schedule_retry`) until their window ends;
  then they become ``expired`` with the reason. Slots that came due while the service ran are
  never "missed": the catch-up window (``service.catch_up``) applies to the time before start.
* Health: SMTP, IMAP, the ledger and the config are logged once per change of state, and kept
  in the state file ``mailer status`` reads (:mod:`mailer.service.health`).
* Reload: SIGHUP, or a change of the config file (checked every tick), loads and validates the
  file; a bad one is logged with every problem and the running config stays.
* Housekeeping (retention) runs once a day after 03:17 service time, from the same tick.

SIGTERM/SIGINT: stop ticking, let the batch in flight finish (up to ``GRACE`` seconds, after
which it is cancelled and its slot stays ``sending``, resent with the same Message-ID at the
next start), close the IMAP session, exit 0.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
from datetime import date, datetime, time, timedelta
from pathlib import Path

from mailer.clock import Clock, utcnow
from mailer.config.load import load_config
from mailer.errors import (
    AuthenticationError,
    ConfigError,
    DeliveryError,
    MailerError,
    RecordError,
)
from mailer.kinds import KIND_NAMES
from mailer.models import Config
from mailer.outbound import schedule
from mailer.outbound.schedule_retry import retry_policy
from mailer.service import housekeeping, poll, send
from mailer.service.context import Context, open_context
from mailer.service.health import Health
from mailer.service.timing import Timing

log = logging.getLogger("mailer.service")

GRACE = 7.0  # seconds a batch in flight may take to finish after SIGTERM (exit within 10 s)
TICK = timedelta(minutes=1)
AUTH_BACKOFF = timedelta(minutes=30)
HOUSEKEEPING_AT = time(3, 17)


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class Service:
    """The running service: its current context, the tick, the poller, the batch in flight."""

    def __init__(self, ctx: Context, *, config_path: Path | None = None,
                 timing: Timing | None = None, clock: Clock | None = None) -> None:
        """:param clock: a clock of the caller's (the demo's simulated time) at real speed."""
        timing = timing or Timing(clock or utcnow)
        self.ctx = ctx
        self.timing = timing
        self.clock = timing.clock
        self.config_path = config_path
        self.started_at = self.clock()
        self.stop = asyncio.Event()
        self.in_flight: set[asyncio.Task[object]] = set()
        self.health = Health(ctx.config.service.data_dir, started_at=self.started_at)
        self.loaded_digest = file_digest(config_path) if config_path else None
        self.rejected_digest: str | None = None
        self.settled: set[str] = set()  # slot keys in a final state: not planned again
        self.housekept: date | None = None
        #: After a batch stopped (server down, login refused) nothing is sent before this;
        #: rows are still recorded and expired meanwhile.
        self.smtp_retry_at: datetime | None = None
        self.smtp_failures = 0

    # ------------------------------------------------------------------ the tick

    async def tick(self) -> None:
        """Plan every kind at now and send what is due; one failure class ends this tick."""
        now = self.clock()
        self.health.beat(now)
        ctx = self.ctx
        catch_up = ctx.config.service.catch_up
        # Slots that came due while the service ran are not "missed": only their window ends.
        effective = max(catch_up, now - self.started_at + catch_up)
        try:
            pauses = ctx.ledger.pauses()
            pending = send.pending_plans(ctx, now=now)
            for kind in KIND_NAMES:
                planned = [p for p in schedule.slots_due(
                    ctx.config, kind, now=now, catch_up=effective, ledger_pauses=pauses)
                    if p.slot.key not in self.settled]
                planned += [p for p in pending if p.slot.kind == kind
                            and p.slot.key not in {q.slot.key for q in planned}]
                if planned:
                    await self._send(kind, planned, now)
        except RecordError as exc:
            self.health.problem("ledger", now, str(exc), next_try=now + TICK)
            return
        except (AuthenticationError, DeliveryError):
            return  # noted by _send; the rows wait for their retry time
        self.health.ok("ledger", now)
        await self._housekeeping(now)

    async def _send(self, kind: str, planned: list[schedule.Planned], now: datetime) -> None:
        deliver = self.smtp_retry_at is None or now >= self.smtp_retry_at
        task = asyncio.ensure_future(send.send_planned(self.ctx, kind, planned, now=now,
                                                       quiet=True, deliver=deliver))
        self.in_flight.add(task)
        try:
            report = await task
        except (AuthenticationError, DeliveryError) as exc:
            self._smtp_failed(exc, now)
            raise
        finally:
            self.in_flight.discard(task)
        self.settled.update(report.settled)
        if len(self.settled) > 1_000_000:  # a memo, not a record: the ledger stays the truth
            self.settled.clear()
        if report.sent:
            self.smtp_failures, self.smtp_retry_at = 0, None
            self.health.ok("smtp", now, f"sent {report.sent}")

    def _smtp_failed(self, exc: Exception, now: datetime) -> None:
        """Back off all sending: 1, 2, 5, 10, 30 minutes...; 30 at once for a refused login
        (retrying a wrong password gets mailboxes locked)."""
        self.smtp_failures += 1
        auth = isinstance(exc, AuthenticationError)
        delay = retry_policy(self.ctx.config.service).delay(self.smtp_failures)
        self.smtp_retry_at = now + (max(delay, AUTH_BACKOFF) if auth else delay)
        self.health.problem("smtp", now, str(exc), auth=auth, next_try=self.smtp_retry_at)

    async def send(self, kind: str, team: str | None = None) -> None:
        """Plan and send one kind now, as the tick does (the demo drives its cron this way)."""
        now = self.clock()
        ctx = self.ctx
        planned = schedule.slots_due(ctx.config, kind, now=now,
                                     catch_up=ctx.config.service.catch_up,
                                     ledger_pauses=ctx.ledger.pauses(), team=team)
        try:
            await self._send(kind, planned, now)
        except MailerError as exc:
            log.error("sending %s stopped: %s", kind, exc)

    async def _housekeeping(self, now: datetime) -> None:
        local = now.astimezone(self.ctx.config.service.timezone)
        if self.housekept == local.date() or local.time() < HOUSEKEEPING_AT:
            return
        self.housekept = local.date()
        try:
            await asyncio.to_thread(housekeeping.housekeeping, self.ctx, now)
        except Exception:  # noqa: BLE001 - the job boundary: log and keep the service going
            log.exception("housekeeping failed")

    # ------------------------------------------------------------------ reload

    def reload(self, why: str) -> bool:
        """Load the config file again; keep the running one when the new one is bad."""
        if self.config_path is None:
            return False
        now = self.clock()
        digest = file_digest(self.config_path)
        try:
            config = load_config(self.config_path)
            _check_reloadable(self.ctx.config, config)
        except ConfigError as exc:
            if digest != self.rejected_digest:  # once per version of the file
                problems = "\n  ".join(exc.problems) if exc.problems else str(exc)
                log.error("config %s not loaded (%s); still running the one loaded at %s:\n  %s",
                          self.config_path, why, self.health.state.config.get("loaded_at"),
                          problems)
                self.health.problem("config", now, f"{len(exc.problems) or 1} problem(s) in "
                                                   f"{self.config_path}; the old config runs")
            self.rejected_digest = digest
            return False
        self.ctx = _with_config(self.ctx, config)
        self.loaded_digest, self.rejected_digest = digest, None
        self._note_config(now)
        self.health.ok("config", now, f"reloaded ({why})")
        log.info("config reloaded (%s): %d teams", why, len(config.teams))
        return True

    def _note_config(self, now: datetime) -> None:
        self.health.set_config(path=str(self.config_path or ""), sha256=self.loaded_digest or "",
                               loaded_at=now, teams=len(self.ctx.config.teams))

    def watch_config(self) -> None:
        """The per-tick check: reload when the file's content changed since the last load."""
        if self.config_path is None:
            return
        digest = file_digest(self.config_path)
        if digest is not None and digest not in (self.loaded_digest, self.rejected_digest):
            self.reload("the file changed")

    # ------------------------------------------------------------------ run

    async def run(self) -> int:
        self.health.open()
        self._note_config(self.started_at)
        log.info("service started: %d teams, a tick every %s", len(self.ctx.config.teams), TICK)
        polling = asyncio.create_task(poll.poll_forever(
            self.ctx, self.stop, now_fn=self.clock, health=self.health,
            context_fn=lambda: self.ctx, speed=self.timing.speed))
        try:
            while not self.stop.is_set():
                self.watch_config()
                await self._guarded_tick()
                try:
                    await asyncio.wait_for(self.stop.wait(), self.timing.real_seconds(TICK))
                except asyncio.TimeoutError:
                    pass
        finally:
            await self.shutdown(polling)
        return 0

    async def _guarded_tick(self) -> None:
        try:
            await self.tick()
        except asyncio.CancelledError:
            log.warning("a batch was interrupted by shutdown; its slots stay due")
        except Exception:  # noqa: BLE001 - the job boundary (STYLE.md 6): log, keep ticking
            log.exception("the tick failed")

    async def shutdown(self, polling: asyncio.Task[object]) -> None:
        log.info("stopping: waiting up to %.0f s for %d batch(es) in flight", GRACE,
                 len(self.in_flight))
        if self.in_flight:
            _, pending = await asyncio.wait(set(self.in_flight), timeout=GRACE)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self.stop.set()
        try:
            await asyncio.wait_for(polling, timeout=GRACE)
        except asyncio.TimeoutError:
            log.error("the poller did not stop in time; cancelled")
        except Exception:  # noqa: BLE001 - stopping anyway
            log.exception("the poller failed while stopping")
        self.health.close()
        log.info("stopped")


def _check_reloadable(old: Config, new: Config) -> None:
    """What a reload cannot change: the data folder (the ledger and records live there)."""
    if new.service.data_dir != old.service.data_dir:
        raise ConfigError([f"service.data_dir: changed from {old.service.data_dir} to "
                           f"{new.service.data_dir}; that needs a restart"])


def _with_config(ctx: Context, config: Config) -> Context:
    """The context for a reloaded config: the same ledger and store, new templates."""
    fresh = open_context(config, need_secret=ctx.secret is not None, ledger=ctx.ledger,
                         store=ctx.store)
    return fresh


async def serve(ctx: Context, *, config_path: Path | None = None,
                timing: Timing | None = None) -> int:
    """Run until SIGTERM or SIGINT; SIGHUP reloads the config."""
    service = Service(ctx, config_path=config_path, timing=timing)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, service.stop.set)
    loop.add_signal_handler(signal.SIGHUP, service.reload, "SIGHUP")
    return await service.run()
