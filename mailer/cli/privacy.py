"""``mailer export``, ``mailer forget`` and ``mailer privacy-notice``: a person's access and
erasure requests, and the notice that tells the team what is kept (GDPR art. 13)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from mailer.cli.options import config_of
from mailer.config.questions import load_default_questions, questions_for
from mailer.kinds import MEMBER_KINDS
from mailer.models import LANGUAGES, Config
from mailer.outbound.compose import build_environment, render_page
from mailer.outbound.notice import render_notice
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
                    "\n\nexample: mailer export --member anna@example.com --output anna.yaml")
    sub.add_argument("--member", metavar="EMAIL", required=True)
    sub.add_argument("--output", metavar="FILE", type=Path, help="default: stdout")
    sub.set_defaults(run=export)

    sub = subs.add_parser(
        "forget", help="erase everything stored about a person",
        description="Erase a person's records, ledger rows and pauses (anonymous feedback "
                    "stays); with --mentions, also replace their name in other people's "
                    "replies.\n\nexample: mailer forget --member anna@example.com --mentions")
    sub.add_argument("--member", metavar="EMAIL", required=True)
    sub.add_argument("--mentions", action="store_true",
                     help="also replace the name in other people's replies")
    sub.set_defaults(run=forget)

    sub = subs.add_parser(
        "privacy-notice", help="print the privacy notice of a team (GDPR art. 13)",
        description="Print what the service asks, keeps, where, for how long and who reads it,"
                    "\nfrom the config's real values, as text or (--html) a page.\n\n"
                    "example: mailer privacy-notice --team platform --language sv --html "
                    "--output notice.html")
    sub.add_argument("--team", help="the team (default: the only one)")
    sub.add_argument("--language", choices=LANGUAGES, help="default: the manager's language")
    sub.add_argument("--html", action="store_true", help="an HTML page instead of text")
    sub.add_argument("--output", metavar="FILE", type=Path, help="default: stdout")
    sub.set_defaults(run=privacy_notice)


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
    report = forget_person(store, ledger, email, config=config, mentions=args.mentions)
    for line in report.lines(config.service.data_dir):
        print(line)
    if report.mentioned:
        print(f"{len(report.mentioned)} record(s) of other people name {email}; run again with "
              "--mentions to replace the name there")
    print("anonymous leadership feedback was not touched: it carries no identity")
    for team, role, _ in people_named(config, email):
        print(f"note: {email} is still a {role} of team {team} in the config; remove them there,"
              " or they will be sent prompts again")
    return 0


def privacy_notice(args: argparse.Namespace) -> int:
    """``mailer privacy-notice [--team T] [--language sv|en] [--html] [--output FILE]``."""
    config = config_of(args)
    names = [t.name for t in config.teams]
    team = config.team(args.team) if args.team else (config.teams[0] if len(names) == 1 else None)
    if team is None:
        wanted = f"no team {args.team!r}" if args.team else "several teams"
        print(f"mailer: {wanted}: pass --team, one of {', '.join(names)}", file=sys.stderr)
        return 2
    language = args.language or team.manager.language
    env = build_environment(config)
    defaults = load_default_questions(config.service.templates_dir)
    questions = {kind: questions_for(team, kind, defaults) for kind in MEMBER_KINDS}
    notice = render_notice(env, config, team, language, questions)
    text = notice.text
    if args.html:
        text = render_page(env, "privacy_notice.html.j2", {"language": language, "notice": notice})
    if args.output is None or str(args.output) == "-":
        sys.stdout.write(text)
    else:
        write_private(args.output, text)
        print(f"wrote {args.output}", file=sys.stderr)
    for key in notice.missing:
        print(f"mailer: {key} is not set in the config: the notice asks the employer to fill "
              "it in", file=sys.stderr)
    return 0
