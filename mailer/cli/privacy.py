"""``mailer export`` and ``mailer forget``: a person's access and erasure requests."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from mailer.cli.options import config_of
from mailer.models import Config
from mailer.storage.ledger import Ledger
from mailer.storage.privacy import (
    export_person,
    forget_person,
    parse_member,
    people_named,
    write_private,
)
from mailer.storage.records import dump_yaml
from mailer.storage.store import RecordStore


def register(subs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subs.add_parser(
        "export", help="export everything stored about a person",
        description="Write every record, ledger row and pause of a person as one YAML document."
                    "\n\nexample: mailer export --member anna@example.com --output anna.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("--member", metavar="EMAIL", required=True)
    sub.add_argument("--output", metavar="FILE", type=Path, help="default: stdout")
    sub.set_defaults(run=export)

    sub = subs.add_parser(
        "forget", help="erase everything stored about a person",
        description="Erase a person's records, ledger rows and pauses (anonymous feedback "
                    "stays).\n\nexample: mailer forget --member anna@example.com",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("--member", metavar="EMAIL", required=True)
    sub.set_defaults(run=forget)


def _open(config: Config) -> tuple[RecordStore, Ledger | None]:
    """The store and ledger; no ledger (and nothing created) when there is no data yet."""
    data_dir = config.service.data_dir
    return RecordStore(data_dir), Ledger.in_dir(data_dir) if data_dir.is_dir() else None


def _member(args: argparse.Namespace) -> str | None:
    email = parse_member(args.member)
    if email is None:
        print(f"mailer: --member: not an email address: {args.member!r}", file=sys.stderr)
    return email


def export(args: argparse.Namespace) -> int:
    """``mailer export --member EMAIL [--output FILE]``: one YAML document, 0600 or stdout."""
    config = config_of(args)
    email = _member(args)
    if email is None:
        return 2
    store, ledger = _open(config)
    document = export_person(store, ledger, email, config=config,
                             now=datetime.now(config.service.timezone))
    text = dump_yaml(document)
    output: Path | None = args.output
    if output is None or str(output) == "-":
        sys.stdout.write(text)
    else:
        write_private(output, text)
        print(f"wrote {output} ({len(document['records'])} records)", file=sys.stderr)
    return 0


def forget(args: argparse.Namespace) -> int:
    """``mailer forget --member EMAIL``: erase, then print what went."""
    config = config_of(args)
    email = _member(args)
    if email is None:
        return 2
    store, ledger = _open(config)
    report = forget_person(store, ledger, email, config=config)
    for line in report.lines(config.service.data_dir):
        print(line)
    print("anonymous leadership feedback was not touched: it carries no identity")
    for team, role, _ in people_named(config, email):
        print(f"note: {email} is still a {role} of team {team} in the config; remove them there,"
              " or they will be sent prompts again")
    return 0
