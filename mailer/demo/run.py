"""``mailer demo``: about five simulated weeks of the real service on an embedded mail server.

Everything runs in one process and one event loop, on loopback, and stops when the demo ends:

* :class:`~mailer.demo.server.EmbeddedMailServer` (aiosmtpd + pymap, STARTTLS) with an account
  for the service and for every person of ``config/demo.toml``;
* the service exactly as ``mailer run`` wires it: :func:`mailer.outbound.schedule.job_specs` gives
  the
  cron triggers, :meth:`mailer.service.run.Service.send` runs :func:`mailer.service.send.send_due`
  over SMTP, and :func:`mailer.service.poll.poll_forever` reads replies over IMAP (IDLE) into YAML
  records and sends the receipts. The only difference is the clock: a simulated one, advanced from
  one trigger fire time (``trigger.get_next_fire_time(prev, now)``) or simulated reply to the next
  instead of waiting for it;
* simulated people (:mod:`mailer.demo.simulate`) who read their mailbox and answer over SMTP.

Everything written goes under one folder (``--output``, default ``./demo-output``): the
service's data (ledger and records), the throwaway certificate, ``mailboxes/<person>/`` with
every message each person received and sent (:mod:`mailer.demo.mailboxes`), ``index.html``
linking them per person and per week (:mod:`mailer.demo.index`), and ``mailer.toml``, the
config pointed at that data for ``mailer preview`` and ``mailer send --dry-run``. A folder
from an earlier demo is replaced; any other non-empty folder is refused.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import os
import random
import re
import secrets
import shutil
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosmtplib

from mailer.config.load import load_config
from mailer.demo.index import index_html
from mailer.demo.mailboxes import Direction, Kept, Owner, folder_name, write_mailboxes
from mailer.demo.model import Persona, Simulated, parse_prompt
from mailer.demo.report import DemoReport, TeamReport
from mailer.demo.server import EmbeddedMailServer
from mailer.demo.simulate import forged_reply, out_of_office, reply, reply_delay, responds
from mailer.errors import MailerError
from mailer.kinds import KIND_NAMES
from mailer.models import Config, Person
from mailer.outbound import schedule
from mailer.outbound.sockets import Sockets
from mailer.resources import example_config
from mailer.service import poll as poller
from mailer.service import run as app
from mailer.service.context import Context, open_context

log = logging.getLogger("mailer.demo.run")

DEMO_CONFIG = example_config("demo.toml")
#: A Monday: the weeks then hold a reflection, a feedback round, a monthly review, an away
#: period and the Christmas holidays of config/demo.toml.
START = datetime(2026, 11, 23, 0, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
MARKER = ".mailer-demo"
SEED = 2026
#: Fixed, so that a rerun mints the same reply tokens; never used outside the demo.
TOKEN_SECRET = "mailer-demo-token-secret: throwaway, for the simulation only"
OUTSIDER = Persona(name="Jonas Extern", email="jonas@partner.example", language="sv",
                   client="outlook", answers="free_text")
DRAIN_SECONDS = 3.0
WEEK = timedelta(days=7)


class SimClock:
    """The demo's time: set by the simulation, read by the service, the poller and the server."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


# --------------------------------------------------------------------------- the cast

# (client, answer style) per member in config order, cycling: inline and top-posted answers,
# every client, Swedish and English as the config says.
_STYLES = [("gmail", "inline"), ("outlook", "top_numbered"), ("iphone", "top_numbered"),
           ("thunderbird", "inline"), ("gmail", "free_text"), ("apple_mail", "labelled")]
_OBSTACLE = {"sv": "Väntar fortfarande på att betalteamet granskar API-ändringen; "
                   "det blockerar lanseringen.",
             "en": "Still waiting on the payments team to review the API change; "
                   "it blocks the launch."}


@dataclass
class Cast:
    """Who plays what: the personas, and the members with a part in the story."""

    people: dict[str, Persona]
    tired: str | None = None  # energy 4 -> 2; the same obstacle in weeks 3 and 4
    quiet: str | None = None  # stops answering
    away: str | None = None  # an out-of-office in ``away_week``
    away_week: int = 3
    forged_for: str | None = None  # whose prompt an outsider answers in ``forged_week``
    forged_week: int = 1


def cast_for(config: Config) -> Cast:
    """A persona for everyone; the first team's members also play the story's parts."""
    people: dict[str, Persona] = {}
    for offset, team in enumerate(config.teams):
        teammates = tuple(p.first_name for p in team.members)
        for index, person in enumerate(team.members):
            client, answers = _STYLES[(index + offset) % len(_STYLES)]
            people.setdefault(person.email, Persona.for_person(
                person, client=client, answers=answers, reply_rate=0.85,
                teammates=tuple(n for n in teammates if n != person.first_name),
                energy=(4, 3, 4, 4, 3) if index % 2 else (4,)))
        people.setdefault(team.manager.email, Persona.for_person(
            team.manager, client="outlook", answers="top_numbered"))
    members = list(config.teams[0].members)
    cast = Cast(people)

    def role(index: int) -> str | None:
        return members[index].email if index < len(members) else None

    cast.forged_for, cast.tired, cast.quiet, cast.away = role(0), role(2), role(3), role(4)
    if cast.tired:
        tired = people[cast.tired]
        people[cast.tired] = replace(tired, energy=(4, 4, 3, 2, 2), obstacle_weeks=(3, 4),
                                     recurring_obstacle=_OBSTACLE[tired.language])
    if cast.quiet:
        people[cast.quiet] = replace(people[cast.quiet], quiet_from_week=3)
    return cast


# --------------------------------------------------------------------------- the run


async def run_demo(config_path: Path, output: Path, *, weeks: int = 5,
                   seed: int = SEED) -> DemoReport:
    """Run the simulation; everything it writes goes under ``output``."""
    if not 1 <= weeks <= 12:
        raise MailerError("--weeks must be between 1 and 12")
    started = time.monotonic()
    output = _prepare(output)
    config = load_config(config_path)
    clock = SimClock(START)
    report = DemoReport(output=output.resolve(), weeks=weeks, started=START,
                        ended=START + timedelta(weeks=weeks))
    async with EmbeddedMailServer(cert_dir=output / "tls", clock=clock) as server:
        with _secrets(config) as passwords:
            config = _on_loopback(config, server, output / "data")
            ctx = open_context(config)
            await _accounts(server, config, passwords)
            demo = _Simulation(ctx, server, clock, cast_for(config), passwords, seed)
            await demo.run(report.ended)
            report.replies_sent = demo.replies_sent
            _tally(ctx, report)
            people = owners(config)
            report.owners = list(people.values())
            report.kept = await _keep_mailboxes(server, people, output / "mailboxes",
                                                demo.sent)
    _write_index(report)
    _copy_config(config_path, output)
    report.seconds = time.monotonic() - started
    return report


def _prepare(output: Path) -> Path:
    if output.exists() and any(output.iterdir()):
        if not (output / MARKER).exists():
            raise MailerError(f"{output} is not empty and was not made by mailer demo; "
                              "choose another --output")
        shutil.rmtree(output)
    output.mkdir(parents=True, exist_ok=True)
    (output / MARKER).write_text("written by `mailer demo`; deleted by the next run\n")
    return output


@contextmanager
def _secrets(config: Config) -> Iterator[dict[str, str]]:
    """The demo's passwords in the environment variables the config names, then restored."""
    names = {config.service.secret_env: TOKEN_SECRET}
    service_password = secrets.token_urlsafe(16)
    for env in (config.smtp.password_env, config.imap.password_env):
        if env:
            names[env] = service_password
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(names)
    try:
        yield {"service": service_password}
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _on_loopback(config: Config, server: EmbeddedMailServer, data_dir: Path) -> Config:
    """The demo config pointed at the embedded server and the output folder."""
    return replace(
        config,
        service=replace(config.service, data_dir=data_dir.resolve()),
        smtp=replace(config.smtp, host=server.host, port=server.smtp_port, security="starttls",
                     ca_file=server.ca_file, password_command=None),
        imap=replace(config.imap, host=server.host, port=server.imap_port, security="starttls",
                     ca_file=server.ca_file, password_command=None, poll_seconds=1),
    )


async def _accounts(server: EmbeddedMailServer, config: Config,
                    passwords: dict[str, str]) -> None:
    service = {a for a in (config.smtp.username, config.imap.username,
                           config.smtp.from_address) if a}
    for address in service:
        await server.add_user(address, passwords["service"])
    people: list[Person] = [p for team in config.teams for p in (team.manager, *team.members)]
    for person in people:
        passwords[person.email] = secrets.token_urlsafe(12)
        await server.add_user(person.email, passwords[person.email])
    passwords[OUTSIDER.email] = secrets.token_urlsafe(12)
    await server.add_user(OUTSIDER.email, passwords[OUTSIDER.email])


# --------------------------------------------------------------------------- the simulation


@dataclass(order=True)
class _Event:
    at: datetime
    order: int
    what: str = field(compare=False)  # "job" or "mail"
    spec: schedule.JobSpec | None = field(compare=False, default=None)
    mail: Simulated | None = field(compare=False, default=None)
    sender: str = field(compare=False, default="")
    envelope_from: str = field(compare=False, default="")


class _Simulation:
    def __init__(self, ctx: Context, server: EmbeddedMailServer, clock: SimClock, cast: Cast,
                 passwords: dict[str, str], seed: int) -> None:
        self.ctx, self.server, self.clock, self.cast = ctx, server, clock, cast
        self.passwords, self.seed = passwords, seed
        self.events: list[_Event] = []
        self.order = 0
        self.seen: dict[str, int] = {}
        self.replies_sent = 0
        self.answered = 0  # messages the poller handled and sent the receipts of
        self.sent: list[tuple[str, bytes, str]] = []  # (sender, raw, note) as submitted
        self.forged = False
        self.tls = ssl.create_default_context(cafile=str(server.ca_file))

    def push(self, event: _Event) -> None:
        self.order += 1
        event.order = self.order
        heapq.heappush(self.events, event)

    async def run(self, until: datetime) -> None:
        service = app.Service(self.ctx, clock=self.clock)
        for spec in schedule.job_specs(self.ctx.config):
            first = spec.trigger.get_next_fire_time(None, self.clock())
            if first is not None:
                self.push(_Event(first, 0, "job", spec=spec))
        stop = asyncio.Event()
        polling = asyncio.create_task(poller.poll_forever(
            self.ctx, stop, now_fn=self.clock, on_answered=self._answered))
        try:
            for kind in KIND_NAMES:  # mailer run's catch-up pass at start
                await service.send(kind)
            while self.events and self.events[0].at < until:
                event = heapq.heappop(self.events)
                self.clock.now = max(self.clock.now, event.at)
                if event.what == "job":
                    await self._fire(service, event)
                else:
                    await self._deliver(event)
            await self._drain()
        finally:
            stop.set()
            await polling

    async def _fire(self, service: app.Service, event: _Event) -> None:
        spec = event.spec
        assert spec is not None
        await service.send(spec.kind, spec.team)
        following = spec.trigger.get_next_fire_time(event.at, event.at)
        if following is not None:
            self.push(_Event(following, 0, "job", spec=spec))
        await self._read_mailboxes()

    async def _read_mailboxes(self) -> None:
        """Each simulated person reads their new mail and decides what to answer."""
        for address, persona in self.cast.people.items():
            inbox = await self.server.messages(address)
            new, self.seen[address] = inbox[self.seen.get(address, 0):], len(inbox)
            for raw in new:
                self._answer(persona, raw)

    def _answer(self, persona: Persona, raw: bytes) -> None:
        msg = message_from_bytes(raw, policy=policy.default)
        prompt = parse_prompt(msg)
        if prompt.token is None or msg.get("Auto-Submitted") or prompt.kind not in (
                "checkin", "review", "feedback", "reflection"):
            return  # digests, briefs and receipts are read, not answered
        now = self.clock()
        week = (now - START).days // 7
        rng = random.Random(f"{self.seed}:{persona.email}:{prompt.message_id}")
        if persona.email == self.cast.away and week == self.cast.away_week:
            back = (START + timedelta(weeks=week + 2)).date()
            mail = out_of_office(msg, persona, back_on=back, rng=rng,
                                 sent_at=now + timedelta(minutes=1), contact=self._manager())
            self._send_later(mail, persona.email, envelope_from="")
            return
        if persona.email == self.cast.forged_for and week == self.cast.forged_week \
                and not self.forged:
            # The prompt was forwarded to someone outside the team, who answers it.
            self.forged = True
            at = now + reply_delay(rng)
            mail = forged_reply(msg, OUTSIDER, week=week, rng=rng, sent_at=at)
            self._send_later(mail, OUTSIDER.email)
        if responds(persona, week, rng):
            at = now + reply_delay(rng)
            self._send_later(reply(msg, persona, week=week, rng=rng, sent_at=at), persona.email)

    def _manager(self) -> str:
        return self.ctx.config.teams[0].manager.name

    def _send_later(self, mail: Simulated, sender: str, *,
                    envelope_from: str | None = None) -> None:
        when = message_from_bytes(mail.raw, policy=policy.default)["Date"].datetime
        self.push(_Event(when, 0, "mail", mail=mail, sender=sender,
                         envelope_from=sender if envelope_from is None else envelope_from))

    async def _deliver(self, event: _Event) -> None:
        """A simulated person's client submits the mail over STARTTLS + AUTH."""
        assert event.mail is not None
        msg = message_from_bytes(event.mail.raw, policy=policy.default)
        to = [a.addr_spec for a in msg["To"].addresses]
        client = aiosmtplib.SMTP(hostname=self.server.host, port=self.server.smtp_port,
                                 tls_context=self.tls, timeout=30)
        sockets = Sockets()
        try:
            await client.connect()  # STARTTLS on connect: the server offers it
            sockets.track(client)
            await client.login(event.sender, self.passwords[event.sender])
            # An auto-reply goes out with a null reverse-path (RFC 3834 3.3, RFC 5321 4.5.5).
            await client.sendmail(event.envelope_from, to, event.mail.raw)
        finally:
            await sockets.end(client)
        self.replies_sent += 1
        self.sent.append((event.sender, event.mail.raw, event.mail.note))
        await self._drain()
        await self._read_mailboxes()

    def _answered(self, report: poller.PollReport) -> None:
        self.answered += report.seen

    async def _drain(self) -> None:
        """Wait until the poller has filed everything in the service's inbox (it moves each
        message to the processed or quarantine folder once its record is on disk) and sent
        the receipts, before the clock moves on: a receipt is dated when the reply came, as
        with ``mailer run``, where it follows within a minute."""
        imap = self.ctx.config.imap
        deadline = time.monotonic() + DRAIN_SECONDS
        while (self.answered < self.replies_sent
               or await self.server.messages(imap.username, imap.folder)):
            if time.monotonic() > deadline:
                log.warning("the poller left mail in %s for %.0f s", imap.folder, DRAIN_SECONDS)
                return
            await asyncio.sleep(0.005)


# --------------------------------------------------------------------------- after the run


def _tally(ctx: Context, report: DemoReport) -> None:
    """Per team: what was sent and skipped (the ledger), what came in, who was paused."""
    teams = {t.name: TeamReport(t.name, t.display_name, t.manager.name, t.manager.language,
                                len(t.members)) for t in ctx.config.teams}
    for prompt in ctx.ledger.prompts():
        team = teams.get(prompt.slot.team)
        if team is None:
            continue
        if prompt.state == "sent":
            team.sent[prompt.slot.kind] += 1
        elif prompt.state == "skipped" and prompt.due_at < report.started:
            report.skipped_at_start += 1
        elif prompt.state == "skipped":
            why = (prompt.skip_reason or "unknown").split(":")[0].split()[0]
            team.skipped[(prompt.slot.kind, why)] += 1
    names = {p.email: p.name for t in ctx.config.teams for p in (t.manager, *t.members)}
    for team in teams.values():
        team.inbound = ctx.ledger.inbound_counts_for(team.name, since=report.started - WEEK)
        team.recorded = sum(1 for _ in (ctx.store.root / team.name).rglob("*.yaml"))
        team.paused = [f"{names.get(p.email, p.email)} {_days(p.start, p.until)} "
                       f"({p.reason.replace('_', '-')})" for p in ctx.ledger.pauses(team=team.name)]
    report.teams = list(teams.values())


def _days(start: date, until: date) -> str:
    """``16–27 Dec``, ``28 Nov–3 Dec``."""
    first = f"{start.day}" if start.month == until.month else f"{start.day} {start:%b}"
    return f"{first}–{until.day} {until:%b}"


def owners(config: Config) -> dict[str, Owner]:
    """Everyone whose mailbox the demo keeps, by address: each team's manager and members,
    then the outsider who answers a forwarded prompt."""
    found: dict[str, Owner] = {}
    people = [(team, person, role) for team in config.teams for person, role in
              ((team.manager, "manager"), *((m, "member") for m in team.members))]
    for team, person, role in people:
        if person.email not in found:
            found[person.email] = Owner(
                person.name, person.email, person.timezone, team.display_name, role,
                person.language, folder_name(person.name, {o.folder for o in found.values()}))
    found[OUTSIDER.email] = Owner(
        OUTSIDER.name, OUTSIDER.email, OUTSIDER.timezone, "", "outsider", OUTSIDER.language,
        folder_name(OUTSIDER.name, {o.folder for o in found.values()}))
    return found


async def _keep_mailboxes(server: EmbeddedMailServer, people: dict[str, Owner], folder: Path,
                          sent: list[tuple[str, bytes, str]]) -> list[Kept]:
    """Everything each person received (their INBOX) and sent (as their client submitted it)."""
    messages: list[tuple[Owner, Direction, bytes, str]] = []
    for address, owner in people.items():
        messages += [(owner, "in", raw, "") for raw in await server.messages(address)]
    messages += [(people[sender], "out", raw, note) for sender, raw, note in sent
                 if sender in people]
    return write_mailboxes(folder, messages)


def _write_index(report: DemoReport) -> None:
    weeks = "1 simulated week" if report.weeks == 1 else f"{report.weeks} simulated weeks"
    title = f"mailer demo: {weeks}, {len(report.teams)} teams"
    intro = (f"Every message the demo's people received and sent, {report.started:%d %b} to "
             f"{report.ended:%d %b %Y}. Each link opens the message as its reader sees it.")
    present = {k.owner for k in report.kept}
    page = index_html(report.kept, [o for o in report.owners if o in present], title=title,
                      intro=intro)
    report.index.write_text(page, encoding="utf-8")


def _copy_config(config_path: Path, output: Path) -> None:
    """The demo's config beside its data, so that preview, send --dry-run and status work on
    what the demo left: its ``data_dir`` becomes ``data``, which resolves to this folder."""
    text = re.sub(r"(?m)^data_dir\s*=.*$", 'data_dir = "data"',
                  config_path.read_text(encoding="utf-8"))
    head = ("# Written by `mailer demo`: its config, with data_dir pointing at this folder.\n"
            "# Try: mailer --config <this file> preview checkin | send checkin --dry-run\n")
    (output / "mailer.toml").write_text(head + text, encoding="utf-8")


@contextmanager
def quiet_logs(quiet: bool) -> Iterator[None]:
    """The service logs each batch at INFO; the demo prints its own summary instead."""
    logger = logging.getLogger("mailer")
    level = logger.level
    if quiet:
        logger.setLevel(logging.ERROR)  # the expected quarantine is in the summary
    try:
        yield
    finally:
        logger.setLevel(level)
