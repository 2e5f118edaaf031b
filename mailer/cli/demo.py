"""``mailer demo``: five simulated weeks on an embedded mail server (needs the demo extra)."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import shutil
import sys
from pathlib import Path

#: The top-level modules of the optional 'demo' extra (pyproject.toml).
DEMO_EXTRA = ("aiosmtpd", "pymap")


def register(subs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subs.add_parser(
        "demo", help="run five simulated weeks on an embedded mail server",
        description="Start an embedded SMTP + IMAP server on loopback, run about five simulated "
                    "weeks\nof prompts, replies and digests with config/demo.toml, keep every "
                    "message each person\nsent and received under OUTPUT/mailboxes/, write "
                    "OUTPUT/index.html, and print a summary.\n\n"
                    "example: mailer demo --output demo-output")
    sub.add_argument("--output", type=Path, default=Path("demo-output"),
                     help="folder for everything the demo writes (default: ./demo-output)")
    sub.add_argument("--weeks", type=int, default=5, help="simulated weeks (default 5)")
    sub.set_defaults(run=demo)


def demo(args: argparse.Namespace) -> int:
    """``mailer demo [--output DIR] [--weeks N]``."""
    # Imported here, not at the top: the demo package needs the optional 'demo' extra
    # (aiosmtpd, pymap), and every other command must work without it.
    try:
        from mailer.demo.run import DEMO_CONFIG, quiet_logs, run_demo
    except ModuleNotFoundError:
        # The missing module may be the extra's own or one of its dependencies (pymap needs
        # proxyprotocol): name what the extra lacks, or it is not an install problem of ours.
        missing = [name for name in DEMO_EXTRA if importlib.util.find_spec(name) is None]
        if not missing:
            raise
        print(f"mailer: the demo needs {' and '.join(missing)}, which come with the demo "
              "extra: pip install 'mailer[demo]' (pipx: pipx install '.[demo]')",
              file=sys.stderr)
        return 2

    config_path = Path(args.config) if args.config else DEMO_CONFIG
    with quiet_logs(not args.verbose):
        report = asyncio.run(run_demo(config_path, Path(args.output), weeks=args.weeks))
    print("\n".join(report.lines(cwd=Path.cwd(), command=_command())))
    return 0


def _command() -> str:
    """How to call ``mailer`` again from here: its name when the shell finds it (an activated
    venv, pipx), else the path it was run by (``make demo`` runs ``.venv/bin/mailer``)."""
    ran = Path(sys.argv[0])
    if ran.name != "mailer" or shutil.which("mailer"):
        return "mailer"
    return os.path.relpath(ran) if ran.resolve().is_relative_to(Path.cwd()) else str(ran)
