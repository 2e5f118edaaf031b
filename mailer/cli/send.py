"""``mailer send``: the prompts of one kind that are due, sent (or, with --dry-run, listed)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from mailer.addressing import is_valid_address
from mailer.cli.options import at_time, config_of
from mailer.errors import ConfigError, MailerError
from mailer.kinds import KIND_NAMES, KINDS
from mailer.models import Config
from mailer.service.context import open_context
from mailer.service.send import send_due
from mailer.service.trial import TEST_MARK, send_test


def register(subs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subs.add_parser(
        "send", help="send the prompts of one kind that are due now",
        description="Send every slot of KIND that is due at --at (default now) and not yet sent.\n"
                    "Run twice, the second run sends nothing.\n"
                    "--to-me / --test-to EMAIL: instead, send one prompt of KIND, rendered for\n"
                    "--member (default: the first), as a test to its manager / EMAIL; nothing\n"
                    "is recorded for the member, and a reply gets a receipt saying it was a test."
                    "\n\nexample: mailer send checkin --team platform --dry-run\n"
                    "example: mailer send checkin --member anna@example.com --to-me")
    sub.add_argument("kind", choices=KIND_NAMES)
    sub.add_argument("--team", help="only this team")
    sub.add_argument("--member", metavar="EMAIL", help="only this person")
    sub.add_argument("--at", metavar="ISO", help="pretend it is this time (ISO 8601, aware)")
    sub.add_argument("--dry-run", action="store_true", help="print what would be sent")
    test = sub.add_mutually_exclusive_group()
    test.add_argument("--to-me", action="store_true",
                      help="send one prompt as a test to the member's manager")
    test.add_argument("--test-to", metavar="EMAIL", help="send one prompt as a test to EMAIL")
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
    if args.to_me or args.test_to:
        return send_as_test(args, config)
    ctx = open_context(config, need_secret=not args.dry_run)
    now = at_time(args.at, config.service.timezone, now=datetime.now(UTC))
    report = asyncio.run(send_due(ctx, args.kind, now=now, team=args.team, member=args.member,
                                  dry_run=args.dry_run))
    lines = report.lines if args.dry_run else report.lines[-1:]
    print("\n".join(lines))
    return 1 if report.failed else 0


def send_as_test(args: argparse.Namespace, config: Config) -> int:
    """``mailer send KIND [--member EMAIL | --team T] --to-me | --test-to EMAIL``."""
    if args.dry_run:
        raise ConfigError("--dry-run and --to-me/--test-to: choose one")
    if args.test_to and not is_valid_address(args.test_to):
        raise ConfigError(f'--test-to: "{args.test_to}" is not an address like '
                          "maria@example.com")
    member = args.member
    if member is None and args.team:
        team = config.team(args.team)
        member = team.members[0].email if team and team.members else None
    ctx = open_context(config, need_secret=True)
    now = at_time(args.at, config.service.timezone, now=datetime.now(UTC))
    test = asyncio.run(send_test(ctx, args.kind, member=member, to=args.test_to, now=now))
    slot = test.prompt.slot
    print(f"sent a test {KINDS[slot.kind].singular}, rendered for {slot.email}, to "
          f"{test.sent_to} (its subject starts with {TEST_MARK.strip()}).\n"
          f"Nothing is recorded for {slot.email}; reply to it, and the receipt (sent by "
          "`mailer poll` or the running service) says it was a test.")
    return 0

