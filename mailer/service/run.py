"""``mailer run``: the service process. One asyncio loop, one scheduler, one poller.

It wires the pure planning (:mod:`mailer.outbound.schedule`) and the job bodies
(:mod:`mailer.service.send`, :mod:`mailer.service.poll`, :mod:`mailer.storage.retention`) into
APScheduler 3's ``AsyncIOScheduler``:

* every prompt kind, the digest and the meeting brief run as cron jobs in each recipient
  group's own time zone, rebuilt from the config at every start (memory job store only);
* at start, a catch-up pass sends slots missed by less than ``service.catch_up`` (older ones
  are skipped and logged by :func:`mailer.outbound.schedule.slots_due`);
* the IMAP poller runs beside them (IDLE) and reconnects on its own;
* housekeeping (retention) runs daily at 03:17 service time.

A failing job is logged and never stops the others (APScheduler catches at the executor
boundary; our listener logs ``EVENT_JOB_ERROR``/``EVENT_JOB_MISSED`` at ERROR).
SIGTERM/SIGINT: stop scheduling, let the batch in flight finish (up to ``GRACE`` seconds,
after which it is cancelled and its slot stays ``sending``, resent with the same Message-ID at
the next start), close the IMAP session, exit 0.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from mailer.clock import Clock, utcnow
from mailer.kinds import KIND_NAMES
from mailer.outbound import schedule
from mailer.service import housekeeping
from mailer.service import poll as poller
from mailer.service import send as jobs
from mailer.service.context import Context

log = logging.getLogger("mailer.service.run")

GRACE = 7.0  # seconds a batch in flight may take to finish after SIGTERM (exit within 10 s)



class Service:
    """The running service: the scheduler, the poller task and the batches in flight."""

    def __init__(self, ctx: Context, *, clock: Clock = utcnow) -> None:
        self.ctx = ctx
        self.clock = clock
        self.stop = asyncio.Event()
        self.in_flight: set[asyncio.Task[object]] = set()
        self.scheduler = AsyncIOScheduler(timezone=ctx.config.service.timezone)

    async def _guarded(self, what: str, body: Awaitable[object]) -> None:
        """Run one job body as a tracked task; log its failure and keep the service going."""
        task = asyncio.ensure_future(body)
        self.in_flight.add(task)
        try:
            await task
        except asyncio.CancelledError:
            log.warning("%s interrupted by shutdown; its slot stays due", what)
        except Exception:
            log.exception("%s failed", what)
        finally:
            self.in_flight.discard(task)

    async def send(self, kind: str, team: str | None = None) -> None:
        if self.stop.is_set():
            return
        await self._guarded(f"sending {kind}",
                            jobs.send_due(self.ctx, kind, now=self.clock(), team=team))

    async def housekeeping(self) -> None:
        await self._guarded("housekeeping", asyncio.to_thread(
            housekeeping.housekeeping, self.ctx, self.clock()))

    def register_jobs(self) -> int:
        specs = schedule.job_specs(self.ctx.config)
        for spec in specs:
            self.scheduler.add_job(
                self.send, trigger=spec.trigger, args=(spec.kind, spec.team), id=spec.id,
                name=spec.id, replace_existing=True, coalesce=True, max_instances=1,
                misfire_grace_time=int(self.ctx.config.service.catch_up.total_seconds()),
            )
        self.scheduler.add_job(
            self.housekeeping,
            CronTrigger(hour=3, minute=17, timezone=self.ctx.config.service.timezone),
            id="housekeeping",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.add_listener(_log_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        return len(specs)

    async def run(self) -> int:
        count = self.register_jobs()
        log.info(
            "service started: %d scheduled jobs for %d teams", count, len(self.ctx.config.teams)
        )
        for kind in KIND_NAMES:  # catch-up pass: slots missed while we were down
            await self.send(kind)
        self.scheduler.start()
        polling = asyncio.create_task(poller.poll_forever(self.ctx, self.stop))
        try:
            await self.stop.wait()
        finally:
            await self.shutdown(polling)
        return 0

    async def shutdown(self, polling: asyncio.Task[object]) -> None:
        log.info(
            "stopping: waiting up to %.0f s for %d batch(es) in flight", GRACE, len(self.in_flight)
        )
        self.scheduler.shutdown(wait=False)
        if self.in_flight:
            _, pending = await asyncio.wait(set(self.in_flight), timeout=GRACE)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self.stop.set()
        try:
            await asyncio.wait_for(polling, timeout=GRACE)
        except TimeoutError:
            log.error("the poller did not stop in time; cancelled")
        except Exception:
            log.exception("the poller failed while stopping")
        log.info("stopped")


def _log_job_event(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        log.error("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
    else:
        log.error("job %s raised %r", event.job_id, event.exception)


async def serve(ctx: Context) -> int:
    """Run until SIGTERM or SIGINT."""
    service = Service(ctx)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, service.stop.set)
    return await service.run()
