#!/usr/bin/env python3
"""Benchmark the inbound path end to end on the loopback Dovecot; report only, never gate.

    python bench/poll.py [--replies 30] [--batch 200] [--json bench/out/poll.json]

Two figures, both through the real stack (LMTP delivery into Dovecot, IMAPS, IDLE, the record
store's fsyncs, the SQLite ledger):

* latency: ``poll_forever`` idles; one reply at a time is delivered and the clock runs until
  its YAML record is on disk. Target: median under 1.5 s (Dovecot's IDLE notification alone
  takes about 0.5 s).
* throughput: a batch of replies is delivered first, then one ``poll_once`` handles it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mailer.addressing import message_id as make_message_id  # noqa: E402 (after the sys.path line above)
from mailer.addressing import mint_token  # noqa: E402 (after the sys.path line above)
from mailer.config.load import parse_config  # noqa: E402 (after the sys.path line above)
from mailer.config.questions import load_default_questions  # noqa: E402 (after the sys.path line above)
from mailer.models import Prompt, Slot  # noqa: E402 (after the sys.path line above)
from mailer.outbound.compose import build_environment  # noqa: E402 (after the sys.path line above)
from mailer.parse.replies import parse_reply  # noqa: E402 (after the sys.path line above)
from mailer.service.context import Context  # noqa: E402 (after the sys.path line above)
from mailer.service.poll import poll_forever, poll_once  # noqa: E402 (after the sys.path line above)
from mailer.storage.ledger import Ledger  # noqa: E402 (after the sys.path line above)
from mailer.storage.store import RecordStore  # noqa: E402 (after the sys.path line above)
from tests.mailstack import MailStack, MailUser  # noqa: E402 (after the sys.path line above)

SECRET = b"bench-secret"
PASSWORD_ENV = "MAILER_BENCH_IMAP_PASSWORD"
REPLY = """From: Anna Berg <anna@example.com>
To: checkin@example.com
Subject: Re: Check-in [#{token}]
Message-ID: {message_id}
In-Reply-To: {prompt_id}
References: {prompt_id}
Date: Fri, 18 Dec 2026 10:12:31 +0100
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

1. Parprogrammeringen funkar bra
2. Väntar på access till prod
3. 4
4. Klar med designdokumentet

Den fre 18 dec. 2026 kl 09:00 skrev Team check-in <checkin@example.com>:
> 1. Vad fungerar bra i samarbetet just nu?
> 2. Vilka hinder stöter du på?
"""


def context(stack: MailStack, user: MailUser, data_dir: Path) -> Context:
    os.environ[PASSWORD_ENV] = user.password  # the poller reads it from the environment
    config = parse_config({
        "service": {"timezone": "Europe/Stockholm", "language": "sv", "data_dir": str(data_dir)},
        "smtp": {"host": "127.0.0.1", "port": stack.smtp_port, "security": "none",
                 "from": "Team check-in <checkin@example.com>"},
        "imap": {"host": "127.0.0.1", "port": stack.imaps_port, "security": "tls",
                 "username": user.email, "password_env": PASSWORD_ENV,
                 "ca_file": str(stack.ca_file)},
        "teams": [{"name": "bench", "confirmations": False,
                   "manager": {"name": "Maria Lind", "email": "maria@example.com"},
                   "members": [{"name": "Anna Berg", "email": "anna@example.com"}]}],
    })
    return Context(config=config, env=build_environment(config), ledger=Ledger.in_dir(data_dir),
                   store=RecordStore(data_dir), questions=load_default_questions(), secret=SECRET)


def add_prompt(ctx: Context) -> Prompt:
    slot = Slot("bench", "anna@example.com", "checkin", "2026-12-18")
    token = mint_token(slot, SECRET)
    sent = datetime.now(UTC) - timedelta(hours=1)
    prompt = Prompt(slot=slot, message_id=make_message_id(token, "checkin", "example.com"),
                    token=token, state="due", due_at=sent, language="sv",
                    question_ids=("working_well", "obstacles", "mood", "progress"))
    ctx.ledger.ensure([prompt])
    ctx.ledger.set_state(slot.key, "sent", at=sent)
    return prompt


def reply(prompt: Prompt, tag: str) -> tuple[bytes, str]:
    """A reply's bytes and the id its record gets (the service's own key of the message)."""
    message_id = f"<{tag}@bench.example>"
    raw = REPLY.format(token=prompt.token, message_id=message_id, prompt_id=prompt.message_id)
    data = raw.replace("\n", "\r\n").encode("utf-8")
    return data, parse_reply(data, received_at=datetime.now(UTC)).key


def on_disk(ctx: Context, record_id: str) -> bool:
    return any(ctx.store.root.rglob(f"{record_id}.yaml"))


async def latency(stack: MailStack, count: int) -> list[float]:
    user = stack.new_user("bench-idle")
    with tempfile.TemporaryDirectory() as data:
        ctx = context(stack, user, Path(data))
        prompt = add_prompt(ctx)
        stop = asyncio.Event()
        task = asyncio.create_task(poll_forever(ctx, stop))
        await asyncio.sleep(1.0)  # logged in and idling
        figures = []
        try:
            for n in range(count):
                raw, record_id = reply(prompt, f"idle{n}")
                started = time.monotonic()
                await asyncio.to_thread(stack.deliver, raw, user)
                while not on_disk(ctx, record_id):
                    if time.monotonic() - started > 10:
                        raise RuntimeError(f"reply {n}: no record after 10 s")
                    await asyncio.sleep(0.005)
                figures.append(time.monotonic() - started)
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            await task
    return figures


def throughput(stack: MailStack, count: int) -> dict[str, float]:
    user = stack.new_user("bench-batch")
    with tempfile.TemporaryDirectory() as data:
        ctx = context(stack, user, Path(data))
        prompt = add_prompt(ctx)
        for n in range(count):
            stack.deliver(reply(prompt, f"batch{n}")[0], user)
        started = time.monotonic()
        report = poll_once(ctx)
        seconds = time.monotonic() - started
        assert report.outcomes.get("record") == count, report.summary()
    return {"messages": count, "seconds": round(seconds, 3),
            "per_second": round(count / seconds, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=30, help="single replies timed (IDLE)")
    parser.add_argument("--batch", type=int, default=200, help="replies in the batch pass")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with MailStack.start() as stack:
        values = asyncio.run(latency(stack, args.replies))
        batch = throughput(stack, args.batch)
    ordered = sorted(values)
    figures = {"latency_s": [round(v, 4) for v in values], "median_s": statistics.median(values),
               "p90_s": ordered[max(0, round(len(ordered) * 0.9) - 1)], "max_s": ordered[-1],
               "batch": batch}
    print(f"delivery -> record on disk, IDLE, {len(values)} replies: "
          f"median {figures['median_s']:.3f} s, p90 {figures['p90_s']:.3f} s, "
          f"max {figures['max_s']:.3f} s (target: median < 1.5 s)")
    print(f"batch poll_once: {batch['messages']} replies in {batch['seconds']:.2f} s "
          f"({batch['per_second']:.0f}/s)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
