"""``mailer check``: print ``ok`` or every problem of the config, its secrets, files and
templates."""

from __future__ import annotations

import argparse
import sys

from mailer.cli.options import config_of
from mailer.service.check import problems_of
from mailer.service.online import online


def register(subs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subs.add_parser(
        "check", help="validate the config and render every template",
        description="Validate the config and render every template against sample data.\n"
                    "Prints 'ok' or every problem found. With --online, also sign in to IMAP\n"
                    "and SMTP as the service will, and print what worked.\n\n"
                    "example: mailer --config config/mailer.toml check --online")
    sub.add_argument("--online", action="store_true",
                     help="also sign in to IMAP and SMTP and say what worked")
    sub.set_defaults(run=check)


def check(args: argparse.Namespace) -> int:
    """0 when all is well, 2 with every problem on stderr (after what worked, --online)."""
    config = config_of(args)
    problems = problems_of(config)
    if args.online and not problems:
        worked, problems = online(config)
        for line in worked:
            print(line)
    if not problems:
        print("ok")
        return 0
    print(f"mailer: {len(problems)} problem{'s' if len(problems) > 1 else ''} in "
          f"{args.config_path}:", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 2
