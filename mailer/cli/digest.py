"""``mailer digest``: build a team's weekly digest, print it, write its HTML, mail it."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from mailer.cli.options import at_time, config_of
from mailer.digest.model import last_complete_week, week_monday
from mailer.errors import ConfigError
from mailer.models import Team
from mailer.service.context import open_context
from mailer.service.digest import render_digest
from mailer.service.send import send_digest
from mailer.storage.privacy import write_private


def register(subs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subs.add_parser(
        "digest", help="build (and send) a team's weekly digest",
        description="Build the digest of an ISO week (default: the last complete one), print "
                    "its text,\nwrite the HTML to --output, mail it to the manager with --send.\n\n"
                    "example: mailer digest --team platform --week 2026-W48 --output digest.html")
    sub.add_argument("--team", help="only this team")
    sub.add_argument("--week", metavar="YYYY-Www", help="ISO week (default: last complete)")
    sub.add_argument("--output", metavar="FILE", type=Path, help="write the HTML part here")
    sub.add_argument("--send", action="store_true", help="mail it to the manager")
    sub.add_argument("--at", metavar="ISO", help=argparse.SUPPRESS)
    sub.set_defaults(run=digest)


def digest(args: argparse.Namespace) -> int:
    """Build (and with --send, mail) the digest of each team, or of --team."""
    config = config_of(args)
    ctx = open_context(config, need_secret=bool(args.send))
    zone = config.service.timezone
    now = at_time(args.at, zone, now=datetime.now(zone))
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
            write_private(_output(args.output, team, many=len(teams) > 1), mail.html)
        print(f"Subject: {mail.subject}\n\n{mail.text}")
        if args.send:
            send_digest(ctx, team, week, now=now)  # the send job logs what it did, in one line
    return 0


def _output(path: Path, team: Team, *, many: bool) -> Path:
    """``--output FILE``; with several teams, one file per team (``FILE-<team>.html``)."""
    return path.with_name(f"{path.stem}-{team.name}{path.suffix}") if many else path
