"""``mailer send`` and ``mailer preview``: the prompts of one kind, sent or shown."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from mailer.cli.options import at_time, config_of
from mailer.errors import MailerError
from mailer.kinds import KIND_NAMES
from mailer.service.context import open_context
from mailer.service.send import content, preview_slot, send_due
from mailer.storage.privacy import write_private


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

    sub = subs.add_parser(
        "preview", help="show a prompt as a person would get it",
        description="Print the text part of a prompt and write its HTML part to --output.\n\n"
                    "example: mailer preview checkin --member anna@example.com "
                    "--output checkin.html",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("kind", choices=KIND_NAMES)
    sub.add_argument("--member", metavar="EMAIL", help="the person (default: the first)")
    sub.add_argument("--output", metavar="FILE", type=Path, help="write the HTML part here")
    sub.set_defaults(run=preview)


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


def preview(args: argparse.Namespace) -> int:
    """``mailer preview KIND [--member EMAIL] [--output FILE.html]``: text out, HTML to a file."""
    ctx = open_context(config_of(args), need_secret=False)
    planned = preview_slot(ctx, args.kind, args.member, now=datetime.now(UTC))
    mail = content(ctx, planned, planned.due_at)
    print(f"To: {planned.person.name} <{planned.person.email}>\nSubject: {mail.subject}\n")
    print(mail.text, end="")
    if args.output:  # 0600: the HTML quotes the person's goals and last answers
        write_private(args.output, mail.html)
        print(f"\n(HTML part written to {args.output})", file=sys.stderr)
    return 0
