"""``mailer send``: the prompts of one kind that are due, sent (or, with --dry-run, listed)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from mailer.cli.options import at_time, config_of
from mailer.errors import MailerError
from mailer.kinds import KIND_NAMES
from mailer.service.context import open_context
from mailer.service.send import send_due


def register(subs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subs.add_parser(
        "send", help="send the prompts of one kind that are due now",
        description="Send every slot of KIND that is due at --at (default now) and not yet sent.\n"
                    "Run twice, the second run sends nothing.\n\n"
                    "example: mailer send checkin --team platform --dry-run",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("kind", choices=KIND_NAMES)
    sub.add_argument("--team", help="only this team")
    sub.add_argument("--member", metavar="EMAIL", help="only this person")
    sub.add_argument("--at", metavar="ISO", help="pretend it is this time (ISO 8601, aware)")
    sub.add_argument("--dry-run", action="store_true", help="print what would be sent")
    sub.set_defaults(run=send)


def send(args: argparse.Namespace) -> int:
    """``mailer send KIND [--team T] [--member EMAIL] [--at ISO] [--dry-run]``."""
    config = config_of(args)
    if args.team and config.team(args.team) is None:
        raise MailerError(f"--team {args.team}: no such team (teams: "
                          f"{', '.join(t.name for t in config.teams)})")
    if args.member and not any(args.member.lower() in p.addresses for t in config.teams
                               for p in (t.manager, *t.members)):
        raise MailerError(f"--member {args.member}: nobody in the config has that address")
    ctx = open_context(config, need_secret=not args.dry_run)
    now = at_time(args.at, config.service.timezone, now=datetime.now(UTC))
    report = asyncio.run(send_due(ctx, args.kind, now=now, team=args.team, member=args.member,
                                  dry_run=args.dry_run))
    lines = report.lines if args.dry_run else report.lines[-1:]
    print("\n".join(lines))
    return 1 if report.failed else 0
