"""``mailer digest``: build a team's weekly digest, print it, write its HTML, mail it.

Thin: the digest is built by :mod:`mailer.digest_render`. ``--send`` goes through the outbox
ledger like every prompt, on the same slot ``digest:<team>:<manager>:<week>`` that the
scheduled job of ``mailer run`` (:func:`mailer.jobs.send_due`) uses: the slot gets its fixed
Message-ID first, is marked ``sending`` before the SMTP transaction and ``sent`` after it, so
the manager gets each week's digest once, whether the command or the schedule sent it.
(``send_due`` plans the week from the schedule and the catch-up window; ``--week`` names any
week, hence this one-slot path.)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from mailer.addressing import domain_of, message_id, mint_token
from mailer.compose import build_message
from mailer.config import load_config
from mailer.context import Context, open_context
from mailer.digest import last_complete_week, week_monday
from mailer.digest_render import render_digest
from mailer.errors import ConfigError, DeliveryError, SecretError
from mailer.models import Prompt, RenderedMail, Slot, Team


def digest_command(args: argparse.Namespace) -> int:
    """Build (and with --send, mail) the digest of each team, or of --team."""
    config = load_config(args.config_path)
    ctx = open_context(config, need_secret=bool(args.send))
    now = _now(args.at, config.service.timezone)
    teams = [t for t in config.teams if args.team in (None, t.name)]
    if not teams:
        known = ", ".join(t.name for t in config.teams) or "none"
        raise ConfigError(f'--team: no team "{args.team}" in the config (teams: {known})')
    for team in teams:
        week = args.week or last_complete_week(now, team.manager.timezone)
        try:
            week_monday(week)
        except ValueError as exc:
            print(f"mailer: --week: {exc}", file=sys.stderr)
            return 2
        mail = render_digest(ctx, team, week, now=now)
        if args.output is not None:
            _output(args.output, team, many=len(teams) > 1).write_text(mail.html, "utf-8")
        print(f"Subject: {mail.subject}\n\n{mail.text}")
        if args.send:
            print(send_digest(ctx, team, week, mail, now=now), file=sys.stderr)
    return 0


def _now(value: str | None, zone: ZoneInfo) -> datetime:
    if not value:
        return datetime.now(zone)
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f'--at: "{value}" is not an ISO 8601 time such as '
                          "2026-11-30T08:00+01:00") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=zone)


def _output(path: Path, team: Team, *, many: bool) -> Path:
    """``--output FILE``; with several teams, one file per team (``FILE-<team>.html``)."""
    return path.with_name(f"{path.stem}-{team.name}{path.suffix}") if many else path


def send_digest(ctx: Context, team: Team, week: str, mail: RenderedMail, *,
                now: datetime) -> str:
    """Mail the digest to the manager at most once per week; returns what happened.

    :raises DeliveryError: the mail could not be sent (the slot stays retryable unless the
        failure is permanent).
    """
    if ctx.secret is None:
        raise SecretError(f"{ctx.config.service.secret_env} is not set")
    manager = team.manager
    slot = Slot(team.name, manager.email, "digest", week)
    known = ctx.ledger.get(slot.key)
    if known is not None and known.state == "sent":
        return f"digest {week} of {team.name} was already sent at {known.sent_at}"
    if known is None:
        token = mint_token(slot, ctx.secret)
        mid = message_id(token, "digest", domain_of(ctx.config.smtp.from_address))
        # due_at in UTC, as jobs.send_due writes it: the ledger compares the text
        ctx.ledger.ensure([Prompt(slot, mid, token, "due", now.astimezone(timezone.utc),
                                  manager.language)])
        known = ctx.ledger.get(slot.key)
        assert known is not None
    smtp = ctx.config.smtp
    message = build_message(mail, to=manager.email, to_name=manager.name,
                            from_name=smtp.from_name, from_address=smtp.from_address,
                            message_id=known.message_id, reply_to=smtp.from_address,
                            token=None, date=now)
    ctx.ledger.set_state(slot.key, "sending", count_attempt=True)
    from mailer import outbox  # the network edge, only when sending

    try:
        asyncio.run(outbox.send(message, smtp))
    except DeliveryError as exc:
        ctx.ledger.set_state(slot.key, "failed" if exc.permanent else "due", error=str(exc))
        raise
    ctx.ledger.set_state(slot.key, "sent", at=now)
    return f"digest {week} of {team.name} sent to {manager.email}"
