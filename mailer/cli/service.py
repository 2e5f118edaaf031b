"""``mailer run`` and ``mailer status``: the service, and what it did and will do."""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from mailer.cli.options import config_of
from mailer.config.secrets import imap_password, smtp_password
from mailer.service.context import open_context
from mailer.service.run import serve
from mailer.service.status import collect, render_text
from mailer.storage.ledger import Ledger


def register(subs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subs.add_parser(
        "run", help="run the service: schedules, poller, housekeeping",
        description="Run every scheduled job and the IMAP poller until SIGTERM or SIGINT.\n\n"
                    "example: mailer --config /etc/mailer/mailer.toml run",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.set_defaults(run=run)

    sub = subs.add_parser(
        "status", help="show what the service did and will do",
        description="Per team: next runs, last send and poll, replies this week, pauses, "
                    "failures,\nquarantine.\n\nexample: mailer status --json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("--json", action="store_true", help="machine-readable output")
    sub.set_defaults(run=status)


def run(args: argparse.Namespace) -> int:
    """``mailer run``: until SIGTERM or SIGINT."""
    config = config_of(args)
    ctx = open_context(config, need_secret=True)
    # Every secret the service will need, now: a missing one is one clear line at start,
    # not a poller thread that dies quietly at its first login.
    smtp_password(config.smtp)
    imap_password(config.imap)
    return asyncio.run(serve(ctx))


def status(args: argparse.Namespace) -> int:
    """``mailer status [--json]``."""
    config = config_of(args)
    ledger = Ledger.in_dir(config.service.data_dir)
    now = datetime.now(UTC)
    statuses = collect(config, ledger, now=now)
    no_team = ledger.inbound_counts_for("", since=now - timedelta(days=7))
    unmatched = no_team.get("quarantine", 0)
    if args.json:
        print(json.dumps({"teams": [asdict(s) for s in statuses], "quarantined_no_team": unmatched,
                          "review_no_team": no_team.get("review", 0)},
                         indent=2, ensure_ascii=False))
    else:
        print(render_text(statuses, unmatched_quarantine=unmatched,
                          unmatched_review=no_team.get("review", 0)))
    return 0
