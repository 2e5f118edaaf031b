"""``mailer digest``: build a team's weekly digest, print it, write its HTML, mail it.

Thin: the digest is built by :mod:`mailer.digest_render`. ``--send`` goes through
:func:`mailer.jobs.send_planned`, the same exactly-once ledger path as every prompt, on the slot
``digest:<team>:<manager>:<week>`` that the scheduled job of ``mailer run`` uses, so the
manager gets each week's digest once, whether the command or the schedule sent it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from mailer import jobs
from mailer.config import load_config
from mailer.context import Context, open_context
from mailer.digest import last_complete_week, week_monday
from mailer.digest_render import render_digest
from mailer.errors import ConfigError, SecretError
from mailer.models import Slot, Team
from mailer.schedule import Planned


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
            send_digest(ctx, team, week, now=now)  # jobs logs what it did, in one line
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


def send_digest(ctx: Context, team: Team, week: str, *, now: datetime) -> jobs.SendReport:
    """Mail the digest of ``week`` to the manager at most once; returns what happened.

    :raises DeliveryError: the mail could not be sent (the slot stays due unless the
        failure is permanent).
    """
    if ctx.secret is None:
        raise SecretError(f"{ctx.config.service.secret_env} is not set")
    slot = Slot(team.name, team.manager.email, "digest", week)
    planned = Planned(slot=slot, person=team.manager, team=team, due_at=now)
    return asyncio.run(jobs.send_planned(ctx, "digest", [planned], now=now, team=team.name))
