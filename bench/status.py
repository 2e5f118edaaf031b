"""``mailer status`` at scale: many teams and a ledger of a million rows (issue 13, item 8).

Builds a config of ``--teams`` teams (``--members`` each, spread over four time zones) and a
ledger with ``--rows`` prompt rows (a year of daily check-ins, some due, some expired) plus
inbound rows, then times ``mailer status`` end to end (a process, as a monitoring check runs
it) and the in-process summary alone. Target: under 2 s at 1,000 teams and 1M rows.

    .venv/bin/python bench/status.py --teams 1000 --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ZONES = ("Europe/Stockholm", "Asia/Tokyo", "America/New_York", "Europe/London")
UTC = timezone.utc
TARGET_SECONDS = 2.0


def write_config(path: Path, data_dir: Path, teams: int, members: int) -> None:
    parts = [f'''[service]
data_dir = "{data_dir}"
timezone = "Europe/Stockholm"
language = "en"

[smtp]
host = "127.0.0.1"
port = 2525
security = "none"
from = "checkin@example.test"

[imap]
host = "127.0.0.1"
port = 1143
security = "none"
username = "checkin@example.test"
password_env = "MAILER_IMAP_PASSWORD"
''']
    for t in range(teams):
        parts.append(f'''
[[teams]]
name = "team-{t}"
manager = {{ name = "Manager {t}", email = "m{t}@example.test" }}
checkin = {{ days = ["mon", "wed", "fri"], time = "09:00" }}
review = {{ on = "first monday", time = "10:00" }}
digest = {{ day = "fri", time = "15:00" }}
meeting = {{ day = "tue", time = "10:00" }}
''')
        for m in range(members):
            zone = ZONES[(t + m) % len(ZONES)]
            parts.append(f'[[teams.members]]\nname = "Person {t} {m}"\n'
                         f'email = "p{t}-{m}@example.test"\ntimezone = "{zone}"\n')
    path.write_text("".join(parts), encoding="utf-8")


def fill_ledger(data_dir: Path, teams: int, members: int, rows: int, now: datetime) -> None:
    from mailer.storage.ledger import Ledger

    ledger = Ledger.in_dir(data_dir)
    db = sqlite3.connect(ledger.path)
    people = [(f"team-{t}", f"p{t}-{m}@example.test") for t in range(teams)
              for m in range(members)]
    days = max(1, rows // len(people))

    def prompts():  # type: ignore[no-untyped-def]
        n = 0
        for back in range(days):
            due = now - timedelta(days=back, hours=1)
            for team, email in people:
                n += 1
                state = "sent" if n % 997 else ("expired" if n % 2 else "due")
                yield (f"checkin:{team}:{email}:{due.date()}:{n}", team, email, "checkin",
                       due.date().isoformat(), f"<{n}@x>", f"t{n}", state, due.isoformat(),
                       "en", "[]", 1, due.isoformat() if state == "sent" else None,
                       None if state == "sent" else "421 down", None)

    with db:
        db.executemany("INSERT INTO prompts (slot_key, team, email, kind, period, message_id,"
                       " token, state, due_at, language, question_ids, attempts, sent_at,"
                       " last_error, skip_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       prompts())
        db.executemany("INSERT INTO inbound (message_key, outcome, team, email, processed_at)"
                       " VALUES (?,?,?,?,?)",
                       ((f"k{n}", "record", team, email,
                         (now - timedelta(hours=n % 500)).isoformat())
                        for n, (team, email) in enumerate(people * 20)))
    db.execute("ANALYZE")
    db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    from mailer.config.load import load_config
    from mailer.service.status import collect
    from mailer.storage.ledger import Ledger

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="bench-status-") as tmp:
        root = Path(tmp)
        config_path = root / "mailer.toml"
        write_config(config_path, root / "data", args.teams, args.members)
        started = time.perf_counter()
        fill_ledger(root / "data", args.teams, args.members, args.rows, now)
        print(f"ledger of {args.rows} rows built in {time.perf_counter() - started:.1f} s",
              flush=True)
        loads = []
        for _ in range(args.runs):
            started = time.perf_counter()
            config = load_config(config_path)
            loads.append(time.perf_counter() - started)
        ledger = Ledger.reader(root / "data" / "ledger.sqlite3")
        assert ledger is not None
        inner = []
        for _ in range(args.runs):
            started = time.perf_counter()
            collect(config, ledger, now=now)
            inner.append(time.perf_counter() - started)
        outer: dict[str, list[float]] = {"text": [], "json": []}
        for _ in range(args.runs):
            for form, options in (("text", []), ("json", ["--json"])):
                started = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "mailer", "--config",
                                       str(config_path), "status", *options],
                                      capture_output=True, text=True, env={**os.environ})
                outer[form].append(time.perf_counter() - started)
                if done.returncode not in (0, 3):
                    print(done.stderr, file=sys.stderr)
                    return 1
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import mailer.cli.main"], check=True)
        imports = time.perf_counter() - started
    figures = {"teams": args.teams, "members": args.members, "rows": args.rows,
               "load_config_s": round(min(loads), 3), "collect_s": round(min(inner), 3),
               "command_s": round(min(outer["text"]), 3),
               "command_json_s": round(min(outer["json"]), 3),
               "start_and_imports_s": round(imports, 3),
               "load_average": round(os.getloadavg()[0], 1)}
    print(json.dumps(figures))
    verdict = "within" if figures["command_s"] < TARGET_SECONDS else "OVER"
    print(f"mailer status: {figures['command_s']} s end to end ({verdict} the "
          f"{TARGET_SECONDS} s target; --json {figures['command_json_s']} s): "
          f"{figures['start_and_imports_s']} s starting Python and importing the CLI, "
          f"{figures['load_config_s']} s loading the config, {figures['collect_s']} s reading "
          f"the ledger and planning; load average {figures['load_average']} on "
          f"{os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
