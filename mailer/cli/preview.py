"""``mailer preview``: show any mail the service sends as its reader would get it."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from mailer.cli.options import at_time, config_of
from mailer.models import LANGUAGES
from mailer.service.context import open_context
from mailer.service.preview import (
    PREVIEW_KINDS,
    header_lines,
    preview_target,
    preview_time,
    render_preview,
    write_html,
)


def register(subs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subs.add_parser(
        "preview", help="show a prompt, digest, brief or receipt as its reader gets it",
        description="Print the text part of a mail and write its HTML part to --output.\n"
                    "It is dated at the reader's next scheduled one (or --at). Check-ins,\n"
                    "reviews and feedback go to members; reflections, digests and briefs to\n"
                    "the manager; 'confirmation' is the receipt for a reply.\n\n"
                    "example: mailer preview checkin --member anna@example.com --language sv "
                    "--output checkin.html\n"
                    "example: mailer preview digest --manager platform")
    sub.add_argument("kind", choices=PREVIEW_KINDS)
    who = sub.add_mutually_exclusive_group()
    who.add_argument("--member", metavar="EMAIL",
                     help="the reader (default: the first team's first member, or its manager)")
    who.add_argument("--manager", metavar="TEAM", help="the manager of this team is the reader")
    sub.add_argument("--language", choices=LANGUAGES, help="instead of the reader's own")
    sub.add_argument("--at", metavar="ISO",
                     help="the send time (default: the next scheduled one)")
    sub.add_argument("--output", metavar="FILE", type=Path, help="write the HTML part here")
    sub.set_defaults(run=preview)


def preview(args: argparse.Namespace) -> int:
    """``mailer preview KIND [--member EMAIL | --manager TEAM] [--language L] [--at ISO]
    [--output FILE.html]``: the text to stdout, the HTML to a file."""
    config = config_of(args)
    now = datetime.now(UTC)
    at = at_time(args.at, config.service.timezone, now=now) if args.at else None
    target = preview_target(config, args.kind, member=args.member, manager_team=args.manager,
                            language=args.language)
    ctx = open_context(config, need_secret=False)
    when = preview_time(config, args.kind, target, now=now, at=at, pauses=ctx.ledger.pauses())
    mail = render_preview(ctx, args.kind, target, when)
    if args.output:  # first: a path that cannot be written is the only thing said
        write_html(args.output, mail.html)
    print("\n".join(header_lines(args.kind, target, when, mail, now=now)) + "\n")
    print(mail.text, end="")
    if args.output:
        print(f"\n(HTML part written to {args.output})", file=sys.stderr)
    return 0
