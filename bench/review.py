#!/usr/bin/env python3
"""Benchmark a review batch against a check-in batch, on a new and on an old archive.

    python bench/review.py [--people 10000] [--months 24] [--checkins 3] [--dir D] [--json F]

A review quotes each person's answers of the month before, so it reads their archive; a
check-in reads nothing. Each batch is ``send_due`` end to end (planning, ledger, rendering,
MIME, aiosmtplib over STARTTLS + AUTH to the accept-and-drop server of ``bench/send.py`` in
another process), each in a fresh process with a fresh ledger, on two archives of the same
``--people``: *new* (one month of records) and *old* (``--months`` months, each with
``--checkins`` check-in records and one review per person). Four batches per archive:

* check-in: the reference;
* review, legacy: the way before the index (``rglob`` over the person's folder, then a YAML load
  per file of the newest months until an earlier review turns up), run through the same
  ``send_due`` with only ``_previous_answers`` swapped;
* review, first: the current code on an archive without an index: each person's folder is
  scanned once and the index written (the one-off cost of an upgrade);
* review: the current code with the index in place (every later review).

Target: a review costs at most 1.5x a check-in, whatever the archive's age.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.send import PASSWORD, PASSWORD_ENV, _cpu_seconds, _world, start_server  # noqa: E402

STHLM = ZoneInfo("Europe/Stockholm")
#: Monday 2026-12-07, the first Monday of December: check-ins at 09:00, reviews at 10:00.
AT = {"checkin": datetime(2026, 12, 7, 9, 0, 5, tzinfo=STHLM),
      "review": datetime(2026, 12, 7, 10, 0, 5, tzinfo=STHLM)}
INDEX_NAME = ".latest.json"


# --------------------------------------------------------------------------- the archive


def build_archive(data_dir: Path, people: int, months: int, checkins: int) -> int:
    """Write the records straight to their paths (no fsync: this is set-up, not the bench).

    Each file is a ``dump_record`` of a record of its kind, with the id, member, slot and time
    of receipt put in by text replacement (a YAML dump per file would take most of the set-up).
    """
    from mailer.models import Record, member_dirname
    from mailer.storage.records import dump_record

    def template(kind: str, slot: str, answers: dict[str, object]) -> str:
        return dump_record(Record(
            id="f" * 40, team="platform", member="nobody@example.test", kind=kind,  # type: ignore[arg-type]
            slot=slot, prompt_message_id=None, message_id="<m@x>",
            received_at=datetime(2001, 1, 1, tzinfo=UTC), matched_by="token", language="en",
            answers=answers, text="\n".join(str(v) for v in answers.values())))

    texts = {"review": template("review", "2001-01", {"next_month": "Finish the migration"}),
             "checkin": template("checkin", "2001-01-01",
                                 {"done": "Reviewed the API", "next": "Ship it", "mood": 4})}
    end = datetime(2026, 12, 1, tzinfo=UTC)
    count = 0
    for n in range(people):
        email = f"person{n}@example.test"
        person_dir = data_dir / "records" / "platform" / member_dirname(email)
        for back in range(months, 0, -1):
            month_start = (end - timedelta(days=30 * back)).replace(day=1)
            label = f"{month_start.year:04d}-{month_start.month:02d}"
            folder = person_dir / label
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            items = [("review", label, month_start + timedelta(days=2, hours=12))]
            items += [("checkin", (month_start + timedelta(days=7 * i + 5)).date().isoformat(),
                       month_start + timedelta(days=7 * i + 5, hours=10)) for i in range(checkins)]
            for i, (kind, slot, received) in enumerate(items):
                record_id = f"{n:08x}{back:04x}{i:04x}".ljust(40, "0")
                text = (texts[kind].replace("f" * 40, record_id)
                        .replace("nobody@example.test", email)
                        .replace("2001-01-01T00:00:00+00:00", received.isoformat())
                        .replace("2001-01-01" if kind == "checkin" else "2001-01", slot))
                (folder / f"{record_id}.yaml").write_text(text, encoding="utf-8")
                count += 1
    return count


def drop_indexes(data_dir: Path) -> None:
    for path in (data_dir / "records").glob(f"*/*/{INDEX_NAME}"):
        path.unlink()


def fresh_ledger(data_dir: Path) -> None:
    for path in data_dir.glob("ledger.sqlite3*"):
        path.unlink()


# --------------------------------------------------------------------------- the client process


def _legacy_previous_answers(ctx: Any, team: Any, person: Any, kind: str,
                             period: str) -> tuple[dict[str, Any], str | None]:
    """``jobs._previous_answers`` before the index (from the pre-index tree, verbatim logic)."""
    months: dict[str, list[Any]] = {}
    folder = ctx.store.root / team.name / _member_dir(person.email)
    for path in sorted(folder.rglob("*.yaml")) if folder.is_dir() else []:
        months.setdefault(path.parent.name, []).append(path)
    for month in sorted(months, reverse=True):
        records = [ctx.store.read(p) for p in months[month]]
        earlier = [r for r in records if r.kind == kind and r.slot < period]
        if earlier:
            best = max(earlier, key=lambda r: (r.slot, r.received_at))
            return {k: str(v) for k, v in best.answers.items()}, best.slot
    return {}, None


def _member_dir(email: str) -> str:
    from mailer.models import member_dirname

    return member_dirname(email)


def run_batch(kind: str, people: int, port: int, cert: str, data_dir: str, legacy: bool
              ) -> dict[str, float]:
    from mailer.service import send as jobs
    from mailer.service.context import open_context

    if legacy:
        jobs._previous_answers = _legacy_previous_answers  # type: ignore[assignment]
    ctx = open_context(_world(people, port, cert, Path(data_dir)))
    started, cpu = time.perf_counter(), time.process_time()
    report = asyncio.run(jobs.send_due(ctx, kind, now=AT[kind]))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"sent": report.sent, "seconds": elapsed, "cpu_s": cpu}


def client(kind: str, people: int, port: int, cert: str, data_dir: Path, server: int, *,
           legacy: bool = False) -> dict[str, float]:
    fresh_ledger(data_dir)
    env = {**os.environ, PASSWORD_ENV: PASSWORD, "MAILER_SECRET": "bench-secret-0123456789"}
    before = _cpu_seconds(server)
    done = subprocess.run(
        [sys.executable, __file__, "batch", kind, str(people), str(port), cert, str(data_dir),
         "legacy" if legacy else "current"], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} batch failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    result["server_cpu_s"] = _cpu_seconds(server) - before
    if result["sent"] != people:
        raise SystemExit(f"{kind}: sent {result['sent']} of {people}")
    return result


def interleaved(data_dir: Path, people: int, rounds: int = 5) -> dict[str, float]:
    """Rendering alone (``send.content``: templates, plus the archive read of a review), in one
    process, check-in and review rounds alternating so that the machine's load hits both
    alike: the median milliseconds a message of each kind, once the index exists."""
    from statistics import median

    from mailer.outbound import schedule
    from mailer.service import send as jobs
    from mailer.service.context import open_context

    ctx = open_context(_world(people, 1, "unused.pem", data_dir), need_secret=False)
    plans = {kind: schedule.slots_due(ctx.config, kind, now=at, catch_up=timedelta(hours=3),
                                      ledger_pauses=())[:people] for kind, at in AT.items()}
    for plan in plans["review"]:  # the first review builds the index: not what is measured
        jobs.content(ctx, plan, AT["review"])
    times: dict[str, list[float]] = {kind: [] for kind in plans}
    for _ in range(rounds):
        for kind, planned in plans.items():
            started = time.process_time()
            for plan in planned:
                jobs.content(ctx, plan, AT[kind])
            times[kind].append((time.process_time() - started) * 1000 / len(planned))
    return {kind: median(found) for kind, found in times.items()}


# --------------------------------------------------------------------------- main


def measure(label: str, data_dir: Path, people: int, port: int, cert: str, server: int
            ) -> dict[str, dict[str, float]]:
    drop_indexes(data_dir)
    figures = {
        "checkin": client("checkin", people, port, cert, data_dir, server),
        "review_legacy": client("review", people, port, cert, data_dir, server, legacy=True),
        "review_first": client("review", people, port, cert, data_dir, server),
        "review": client("review", people, port, cert, data_dir, server),
    }
    render = interleaved(data_dir, min(people, 1000))
    figures["render_ms"] = render
    base, base_cpu = figures["checkin"]["seconds"], figures["checkin"]["cpu_s"]
    print(f"{label} archive, {people} people (wall time moves with the machine's load; the "
          "client's CPU time is the stable figure):")
    for name, result in figures.items():
        if name == "render_ms":
            continue
        print(f"  {name:<14} {result['seconds']:7.2f} s wall ({result['seconds'] / base:4.2f}x)"
              f"  client CPU {result['cpu_s']:7.2f} s ({result['cpu_s'] / base_cpu:4.2f}x the "
              "check-in)")
    print(f"  rendering alone, interleaved, median of 5 rounds: check-in {render['checkin']:.3f}"
          f" ms, review {render['review']:.3f} ms a message "
          f"({render['review'] / render['checkin']:.2f}x)")
    return figures


def main(argv: list[str]) -> int:
    if argv and argv[0] == "batch":
        kind, people, port, cert, data_dir, mode = argv[1:7]
        print(json.dumps(run_batch(kind, int(people), int(port), cert, data_dir,
                                   mode == "legacy")))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--checkins", type=int, default=3, help="check-in records a month")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--dir", type=Path, help="where to build the archives (default: the "
                        "system's temp folder; /dev/shm takes the disk out of the figures)")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"people": args.people, "months": args.months}
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        server, port, cert = start_server(Path(folder))
        try:
            for label, months in (("new", 1), ("old", args.months)):
                data_dir = Path(folder) / label
                started = time.perf_counter()
                files = build_archive(data_dir, args.people, months, args.checkins)
                print(f"{label} archive: {files} records written in "
                      f"{time.perf_counter() - started:.0f} s")
                results[label] = measure(label, data_dir, args.people, port, str(cert),
                                         server.pid)
                shutil.rmtree(data_dir)
        finally:
            server.terminate()
            server.wait(10)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
