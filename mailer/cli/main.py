"""The ``mailer`` command: the parser, logging set-up and exit codes; each group has a module.

Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad config. Errors are one line on
stderr; the traceback only with ``--verbose``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from mailer import __version__
from mailer.cli import check, demo, digest, init, poll, preview, privacy, send, service
from mailer.cli.options import config_path
from mailer.errors import ConfigError, MailerError
from mailer.logs import redact, setup_logging

log = logging.getLogger("mailer")

#: The command groups, in the order ``mailer --help`` lists them.
GROUPS = (init, check, send, preview, poll, digest, service, demo, privacy)


class _CommandParser(argparse.ArgumentParser):
    """A command's parser: its description keeps the line breaks it was written with (each
    ends with an example line)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)


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
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                 parser_class=_CommandParser)
    for group in GROUPS:
        group.register(subs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.config_path = config_path(args)
    setup_logging(fmt=args.log_format, verbose=args.verbose)
    try:
        return int(args.run(args))
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
    except BrokenPipeError:
        # The reader went away (``mailer send --dry-run | head -1``): not an error of ours.
        # Point stdout at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a command killed by it


def main_entry() -> NoReturn:
    sys.exit(main())
