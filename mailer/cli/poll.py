"""``mailer poll`` and ``mailer parse-reply``: replies read from the mailbox, or from files."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from mailer.cli.options import config_of
from mailer.config.questions import load_default_questions
from mailer.errors import ConfigError
from mailer.models import Question
from mailer.parse.prompt_text import PromptText, asked_in, prompt_text_of
from mailer.parse.replies import parse_file
from mailer.service.context import Context, open_context
from mailer.service.poll import poll_and_answer, poll_forever


def register(subs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subs.add_parser(
        "poll", help="read replies from the mailbox into records",
        description="Read new messages from the IMAP folder, write a record per reply, move them."
                    "\n\nexample: mailer poll --once")
    sub.add_argument("--once", action="store_true", help="process what is there and exit")
    sub.set_defaults(run=poll)

    sub = subs.add_parser(
        "parse-reply", help="run the reply parser on files",
        description="Classify and extract replies from files, one JSON object per line.\n\n"
                    "example: mailer parse-reply --json reply.eml")
    sub.add_argument("files", nargs="+", type=Path, metavar="FILE")
    sub.add_argument("--json", action="store_true", help="JSON lines (the default output)")
    sub.add_argument("--as", dest="as_kind", choices=("eml", "text", "html"),
                     help="input kind (default: from the extension)")
    sub.add_argument("--prompt", type=Path, metavar="PROMPT.eml",
                     help="the prompt the replies answer, as sent: its lines are quoted material")
    sub.set_defaults(run=parse_reply)


def poll(args: argparse.Namespace) -> int:
    """``mailer poll [--once]``."""
    ctx = open_context(config_of(args))
    if args.once:
        report = asyncio.run(poll_and_answer(ctx))
        print(report.summary())
        return 1 if report.errors else 0
    asyncio.run(_until_signal(ctx))
    return 0


async def _until_signal(ctx: Context) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await poll_forever(ctx, stop)


def parse_reply(args: argparse.Namespace) -> int:
    """``mailer parse-reply [--json] [--as eml|text|html] [--prompt PROMPT.eml] FILE...``: one
    JSON object per file and line, in the schema of the README ("Reading replies by hand")."""
    sets = load_default_questions()
    questions: Sequence[Question] = sets["checkin"]
    prompt: PromptText | None = None
    if args.prompt is not None:
        try:
            prompt = prompt_text_of(args.prompt.read_bytes())
        except OSError as exc:
            raise ConfigError(f"--prompt {args.prompt}: {exc.strerror or exc}") from exc
        questions = asked_in(prompt, sets)
    status = 0
    for path in args.files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(json.dumps({"file": str(path), "error": exc.strerror or str(exc)}))
            status = 1
            continue
        result = parse_file(data, as_kind=args.as_kind or _kind_of(path), questions=questions,
                            received_at=datetime.now(UTC), prompt=prompt)
        print(json.dumps({"file": str(path), **result}, ensure_ascii=False))
    sys.stdout.flush()
    return status


def _kind_of(path: Path) -> str:
    suffix = path.suffix.lower()
    return {".html": "html", ".htm": "html", ".txt": "text"}.get(suffix, "eml")
