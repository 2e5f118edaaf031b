"""The ``mailer`` command: argument parsing and exit codes only; each command lives elsewhere.

Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad config. Errors are one line on
stderr; the traceback only with ``--verbose``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from mailer import __version__
from mailer.errors import ConfigError, MailerError
from mailer.logs import redact, setup_logging

log = logging.getLogger("mailer")

KINDS = ("checkin", "review", "feedback", "reflection", "digest", "brief")

# command name -> (module:function, one-line help, description with an example)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "check": ("mailer.check:command", "validate the config and render every template",
              "Validate the config and render every template against sample data.\n"
              "Prints 'ok' or every problem found.\n\nexample: mailer --config config/mailer.toml check"),
    "send": ("mailer.jobs:send_command", "send the prompts of one kind that are due now",
             "Send every slot of KIND that is due at --at (default now) and not yet sent.\n"
             "Run twice, the second run sends nothing.\n\n"
             "example: mailer send checkin --team platform --dry-run"),
    "poll": ("mailer.poller:poll_command", "read replies from the mailbox into records",
             "Read new messages from the IMAP folder, write a record per reply, move them.\n\n"
             "example: mailer poll --once"),
    "digest": ("mailer.digest_cli:digest_command", "build (and send) a team's weekly digest",
               "Build the digest of an ISO week (default: the last complete one), print its text,\n"
               "write the HTML to --output, mail it to the manager with --send.\n\n"
               "example: mailer digest --team platform --week 2026-W48 --output digest.html"),
    "preview": ("mailer.jobs:preview_command", "show a prompt as a person would get it",
                "Print the text part of a prompt and write its HTML part to --output.\n\n"
                "example: mailer preview checkin --member anna@example.com --output checkin.html"),
    "parse-reply": ("mailer.replies:parse_reply_command", "run the reply parser on files",
                    "Classify and extract replies from files, one JSON object per line.\n\n"
                    "example: mailer parse-reply --json reply.eml"),
    "run": ("mailer.app:run_command", "run the service: schedules, poller, housekeeping",
            "Run every scheduled job and the IMAP poller until SIGTERM or SIGINT.\n\n"
            "example: mailer --config /etc/mailer/mailer.toml run"),
    "status": ("mailer.status:status_command", "show what the service did and will do",
               "Per team: next runs, last send and poll, replies this week, pauses, failures,\n"
               "quarantine.\n\nexample: mailer status --json"),
    "demo": ("mailer.demo:demo_command", "run five simulated weeks on an embedded mail server",
             "Start an embedded SMTP + IMAP server on loopback, run about five simulated weeks\n"
             "of prompts, replies and digests with config/demo.toml, and print a summary.\n\n"
             "example: mailer demo --output demo-output"),
    "export": ("mailer.privacy:export_command", "export everything stored about a person",
               "Write every record, ledger row and pause of a person as one YAML document.\n\n"
               "example: mailer export --member anna@example.com --output anna.yaml"),
    "forget": ("mailer.privacy:forget_command", "erase everything stored about a person",
               "Erase a person's records, ledger rows and pauses (anonymous feedback stays).\n\n"
               "example: mailer forget --member anna@example.com"),
}


def _add_arguments(name: str, sub: argparse.ArgumentParser) -> None:
    if name == "send":
        sub.add_argument("kind", choices=KINDS)
        sub.add_argument("--team", help="only this team")
        sub.add_argument("--member", metavar="EMAIL", help="only this person")
        sub.add_argument("--at", metavar="ISO", help="pretend it is this time (ISO 8601, aware)")
        sub.add_argument("--dry-run", action="store_true", help="print what would be sent")
    elif name == "poll":
        sub.add_argument("--once", action="store_true", help="process what is there and exit")
    elif name == "digest":
        sub.add_argument("--team", help="only this team")
        sub.add_argument("--week", metavar="YYYY-Www", help="ISO week (default: last complete)")
        sub.add_argument("--output", metavar="FILE", type=Path, help="write the HTML part here")
        sub.add_argument("--send", action="store_true", help="mail it to the manager")
        sub.add_argument("--at", metavar="ISO", help=argparse.SUPPRESS)
    elif name == "preview":
        sub.add_argument("kind", choices=KINDS)
        sub.add_argument("--member", metavar="EMAIL", help="the person (default: the first)")
        sub.add_argument("--output", metavar="FILE", type=Path, help="write the HTML part here")
    elif name == "parse-reply":
        sub.add_argument("files", nargs="+", type=Path, metavar="FILE")
        sub.add_argument("--json", action="store_true", help="JSON lines (the default output)")
        sub.add_argument("--as", dest="as_kind", choices=("eml", "text", "html"),
                         help="input kind (default: from the extension)")
    elif name == "status":
        sub.add_argument("--json", action="store_true", help="machine-readable output")
    elif name == "demo":
        sub.add_argument("--output", type=Path, default=Path("demo-output"),
                         help="folder for everything the demo writes (default: ./demo-output)")
        sub.add_argument("--weeks", type=int, default=5, help="simulated weeks (default 5)")
    elif name in ("export", "forget"):
        sub.add_argument("--member", metavar="EMAIL", required=True)
        if name == "export":
            sub.add_argument("--output", metavar="FILE", type=Path, help="default: stdout")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailer",
        description="Email check-ins, reviews and weekly digests for managers of remote teams.",
        epilog="The config path defaults to $MAILER_CONFIG, then config/mailer.toml.",
    )
    parser.add_argument("--config", type=Path, help="the TOML config file")
    parser.add_argument("--verbose", "-v", action="store_true", help="debug logs and tracebacks")
    parser.add_argument("--log-format", choices=("text", "json"), default="text")
    parser.add_argument("--version", action="version", version=f"mailer {__version__}")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_, help_line, description) in COMMANDS.items():
        sub = subs.add_parser(name, help=help_line, description=description,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
        _add_arguments(name, sub)
    return parser


def config_path(args: argparse.Namespace) -> Path:
    """--config, else $MAILER_CONFIG, else config/mailer.toml."""
    if args.config is not None:
        return Path(args.config)
    return Path(os.environ.get("MAILER_CONFIG") or "config/mailer.toml")


def _resolve(target: str) -> Callable[[argparse.Namespace], int]:
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.config_path = config_path(args)
    setup_logging(fmt=args.log_format, verbose=args.verbose)
    try:
        return _resolve(COMMANDS[args.command][0])(args)
    except ConfigError as exc:
        print(f"mailer: {redact(str(exc))}", file=sys.stderr)
        if len(exc.problems) > 1:
            for problem in exc.problems:
                print(f"  {redact(problem)}", file=sys.stderr)
        return 2
    except MailerError as exc:
        if args.verbose:
            log.exception("failed")
        print(f"mailer: {redact(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def main_entry() -> NoReturn:
    sys.exit(main())
