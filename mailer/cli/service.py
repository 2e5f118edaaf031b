"""``mailer run`` and ``mailer status``: the service, and what it did and will do."""

from __future__ import annotations

import argparse
import asyncio
import os

from mailer.cli.options import config_of
from mailer.config.tokens import read_secrets
from mailer.service.context import open_context
from mailer.service.run import serve
from mailer.service.status import status_command
from mailer.service.timing import TEST_CLOCK_ENV, timing_from_env


def register(subs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subs.add_parser(
        "run", help="run the service: schedules, poller, housekeeping",
        description="Run every scheduled job and the IMAP poller until SIGTERM or SIGINT.\n\n"
                    "example: mailer --config /etc/mailer/mailer.toml run")
    sub.set_defaults(run=run)

    sub = subs.add_parser(
        "status", help="show what the service did and will do",
        description="The service's state (SMTP, IMAP, the config it runs), then per team: next\n"
                    "runs in the manager's and each person's time, prompts due but unsent,\n"
                    "expired prompts, last send and poll, replies, pauses, failing addresses,\n"
                    "quarantine. Read-only: works beside the service and on a full disk.\n"
                    "Exit 3 when something needs a person (stuck prompts, a refused sign-in,\n"
                    "a full disk).\n\nexample: mailer status --json")
    sub.add_argument("--json", action="store_true", help="machine-readable output")
    sub.set_defaults(run=status)


def run(args: argparse.Namespace) -> int:
    """``mailer run``: until SIGTERM or SIGINT; SIGHUP (or an edit of the file) reloads."""
    config = config_of(args)
    ctx = open_context(config, need_secret=True)
    # Every secret the service will need, now: a missing one is one clear line at start,
    # not a poller thread that dies quietly at its first login.
    read_secrets(config, ctx.tokens)
    timing = timing_from_env(os.environ.get(TEST_CLOCK_ENV))
    return asyncio.run(serve(ctx, config_path=args.config_path, timing=timing))


def status(args: argparse.Namespace) -> int:
    """``mailer status [--json]``: exit 3 when something needs a person."""
    return status_command(args.config_path, as_json=args.json)
