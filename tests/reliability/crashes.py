"""kill -9 of ``mailer send`` and ``mailer poll --once`` at random points, on the loopback stack.

Shared by ``tests/reliability/test_crash.py`` (the counts CI runs) and ``bench/reliability.py``
(larger counts). Nothing is mocked: each run is a real ``python -m mailer`` process talking to
the session's Dovecot and aiosmtpd relay (:mod:`tests.mailstack`), killed with SIGKILL when
its kill point comes, and started again. When the kills are done, one more run is left to
finish, and the figures are counted from what the relay received and what is on disk.

A kill point is either *progress* (kill once that many prompts have reached the relay, each
counted once however many copies, or once that many records are on disk, over all runs) or
*seconds* after the process started, which also lands in start-up and planning. Both are drawn from one seeded
``random.Random``: the seed is printed and stored with the figures, and
``CRASH_SEED=<seed>`` replays the same plan (the timing of the machine still varies).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any, Literal

from tests.factories import config_data, member, on_stack
from tests.factories import write_config as factory_write
from tests.mailstack import MailStack, MailUser

REPO = Path(__file__).resolve().parents[2]
MESSAGES = REPO / "tests" / "messages"
OUT_DIR = REPO / "bench" / "out"
SECRET = "crash-test-secret-0123456789abcdef"
SECRET_ENV = "MAILER_CRASH_SECRET"
SMTP_PASSWORD_ENV = "MAILER_CRASH_SMTP_PASSWORD"
IMAP_PASSWORD_ENV = "MAILER_CRASH_IMAP_PASSWORD"
TEAM = "crash"
#: A Wednesday, 10 s after every member's 09:00 check-in: each run plans the same slots.
SEND_AT = "2026-12-23T09:00:10+01:00"
#: Replies are written like these corpus messages (Gmail, Outlook, Thunderbird, iPhone, HTML).
REPLY_STYLES = ("gmail_numbered_sv", "outlook_labelled_sv", "thunderbird_inline_en",
                "iphone_inline_sv", "outlook_html_only_en", "gmail_free_text_en")
CORPUS_PROMPT_ID = b"<k3jx7w2mfq4yr5zt.checkin@example.com>"
CORPUS_TOKEN = b"k3jx7w2mfq4yr5zt"
RUN_TIMEOUT = 120.0  # one run of the service, killed or not
KILL_WAIT = 10.0
POLL_INTERVAL = 0.004  # between two counts of the records on disk


# --------------------------------------------------------------------------- kill plans


@dataclass(frozen=True)
class KillPoint:
    by: Literal["progress", "seconds"]
    value: float  # delivered prompts / records on disk over all runs, or seconds after start


def plan_kills(rng: random.Random, kills: int, total: int, *, seconds_share: float = 0.25,
               max_seconds: float = 1.0) -> list[KillPoint]:
    """``kills`` kill points in run order: progress targets ascending, a share of them by time.

    Time kills go anywhere in the first ``max_seconds`` of a run: importing, planning,
    connecting, or the first messages.
    """
    by_time = {i for i in range(kills) if rng.random() < seconds_share}
    targets = iter(sorted(rng.sample(range(1, total), kills - len(by_time))))
    return [KillPoint("seconds", round(rng.uniform(0.05, max_seconds), 3)) if i in by_time
            else KillPoint("progress", next(targets)) for i in range(kills)]


def seed_from_env() -> int:
    """``CRASH_SEED`` when set (to replay a run), else a fresh one."""
    text = os.environ.get("CRASH_SEED", "").strip()
    return int(text) if text else random.SystemRandom().randrange(1 << 32)


# --------------------------------------------------------------------------- running the service


@dataclass
class Run:
    """One process of the service: where it was to be killed and what happened."""

    point: KillPoint | None
    progress_before: int
    progress_after: int = 0
    killed: bool = False  # it was still running when SIGKILL came: a fault it had to survive
    returncode: int | None = None
    seconds: float = 0.0


def _spawn(argv: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        out.write(f"\n--- {' '.join(argv[3:])} at {time.time():.3f}\n".encode())
        out.flush()
        return subprocess.Popen([sys.executable, "-m", "mailer", *argv], cwd=REPO, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out)


def run_and_kill(argv: Sequence[str], env: dict[str, str], log: Path, point: KillPoint,
                 progress: Callable[[int, float], int]) -> Run:
    """Start the service and SIGKILL it at ``point`` (unless it finishes first).

    ``progress(target, timeout)`` returns the progress so far, waiting up to ``timeout`` for
    it to reach ``target``.
    """
    before = progress(0, 0)
    run = Run(point, before)
    target = max(int(point.value), before + 1) if point.by == "progress" else 0
    started = time.monotonic()
    process = _spawn(argv, env, log)
    try:
        while time.monotonic() - started < RUN_TIMEOUT and process.poll() is None:
            if point.by == "seconds":
                left = point.value - (time.monotonic() - started)
                if left <= 0:
                    break
                time.sleep(min(left, 0.05))
            elif progress(target, 0.05) >= target:
                break
        run.killed = process.poll() is None
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(KILL_WAIT)
    run.returncode = process.returncode
    run.seconds = time.monotonic() - started
    run.progress_after = progress(0, 0)
    return run


def kill_runs(argv: Sequence[str], env: dict[str, str], log: Path, plan: Sequence[KillPoint],
              progress: Callable[[int, float], int], rng: random.Random,
              after_kill: Callable[[], None] = lambda: None) -> list[Run]:
    """Run the service once per kill point until ``len(plan)`` kills have landed.

    A run that finishes before its kill point (a progress target that can no longer be
    reached, or a time after the run's end) is no fault survived; the next point is then a
    time early in a run (drawn from ``rng``, within the duration of that finished run).
    Bounded: at most twice as many runs as planned kills.
    """
    runs: list[Run] = []
    points = list(plan)
    while points and len(runs) < 2 * len(plan):
        run = run_and_kill(argv, env, log, points.pop(0), progress)
        runs.append(run)
        if run.killed:
            after_kill()
        else:
            points.append(KillPoint("seconds", round(rng.uniform(
                0.05, max(0.06, 0.9 * run.seconds)), 3)))
    return runs


def run_to_end(argv: Sequence[str], env: dict[str, str], log: Path,
               progress: Callable[[int, float], int]) -> tuple[Run, str]:
    """One run left alone; returns it and the last line it printed on stdout."""
    run = Run(None, progress(0, 0))
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "mailer", *argv], cwd=REPO, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=RUN_TIMEOUT)
    run.seconds = time.monotonic() - started
    run.returncode = done.returncode
    run.progress_after = progress(0, 0)
    stdout, stderr = (done.stdout.decode("utf-8", "replace"),
                      done.stderr.decode("utf-8", "replace"))
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n--- {' '.join(argv[3:])} to the end\n{stdout}{stderr}")
    return run, (stdout.strip().splitlines() or [""])[-1]


def log_tail(folder: Path, lines: int = 40) -> str:
    """The end of the service's log in ``folder``, for a failure message."""
    try:
        text = (folder / "service.log").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no service log)"
    return "\n".join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------- figures


@dataclass
class Figures:
    """What a scenario survived and what it lost or duplicated (written to bench/out)."""

    scenario: str
    seed: int
    messages: int
    kills_planned: int
    faults_survived: int = 0  # runs SIGKILLed while still working
    kills_mid_batch: int = 0  # ...of which after this run had made progress
    runs: int = 0
    lost: int = 0
    duplicated: int = 0  # send: a prompt delivered twice (same Message-ID); poll: two records
    more_than_twice: int = 0  # send only
    different_ids: int = 0  # send only: one slot under two Message-IDs
    resent_same_id: int = 0  # send only: identical copies, the cost of a kill in flight
    #: send only: copies beyond one per kill that found the prompt in flight (must be 0)
    unexplained_copies: int = 0
    leftover_temp_files: int = 0
    final_run_seconds: float = 0.0
    seconds: float = 0.0
    setup_seconds: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)
    runs_log: list[dict[str, Any]] = field(default_factory=list)

    def add_runs(self, runs: Sequence[Run]) -> None:
        self.runs = len(runs)
        self.faults_survived = sum(r.killed for r in runs)
        self.kills_mid_batch = sum(r.killed and r.progress_after > r.progress_before
                                   for r in runs)
        self.runs_log = [{
            "kill_by": r.point.by if r.point else None,
            "kill_at": r.point.value if r.point else None,
            "killed": r.killed, "returncode": r.returncode,
            "progress": [r.progress_before, r.progress_after], "seconds": round(r.seconds, 3),
        } for r in runs]

    def summary(self) -> str:
        lines = [f"{self.scenario}: seed {self.seed}, {self.messages} messages, "
                 f"{self.faults_survived} of {self.kills_planned} kills landed on a working "
                 f"process ({self.kills_mid_batch} mid-batch), {self.runs} runs, "
                 f"{self.seconds:.1f} s (setup {self.setup_seconds:.1f} s, last run "
                 f"{self.final_run_seconds:.1f} s)",
                 f"  lost {self.lost}, duplicated {self.duplicated}, sent more than twice "
                 f"{self.more_than_twice}, under two Message-IDs {self.different_ids}, resent "
                 f"with the same Message-ID {self.resent_same_id} (not explained by a kill in "
                 f"flight: {self.unexplained_copies}), leftover temp files "
                 f"{self.leftover_temp_files}"]
        lines += [f"  {key}: {value}" for key, value in self.detail.items()]
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("seconds", "setup_seconds", "final_run_seconds"):
            data[key] = round(data[key], 2)
        return data


def write_figures(name: str, figures: dict[str, Any], path: Path | None = None) -> Path:
    """Merge ``figures`` under ``name`` into ``bench/out/reliability.json`` (atomically)."""
    path = path or OUT_DIR / "reliability.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data[name] = {**figures, "written_at": datetime.now(UTC).isoformat(
        timespec="seconds")}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def _leftover_temp_files(data_dir: Path) -> int:
    return sum(1 for _, _, files in os.walk(data_dir) for name in files if name.endswith(".tmp"))


# --------------------------------------------------------------------------- config





def write_config(stack: MailStack, folder: Path, people: Sequence[tuple[str, str]], *,
                 imap_user: MailUser | None = None, confirmations: bool = True,
                 max_connections: int = 4) -> Path:
    data = on_stack(config_data(
        domain=stack.domain, data_dir=folder / "data", service={"secret_env": SECRET_ENV},
        members=[member(name, email, timezone="Europe/Stockholm",
                        language="sv" if n % 2 else "en", country="SE")
                 for n, (name, email) in enumerate(people)],
        team={"name": TEAM, "display_name": "Crash team", "confirmations": confirmations,
              "manager": {"name": "Lena Holm", "email": f"lena@{stack.domain}",
                          "timezone": "Europe/Stockholm", "language": "sv"},
              "checkin": {"days": ["mon", "wed", "fri"], "time": "09:00"}}),
        stack, imap_user=imap_user.email if imap_user else None)
    data["smtp"].update({"password_env": SMTP_PASSWORD_ENV, "max_connections": max_connections})
    data["imap"]["password_env"] = IMAP_PASSWORD_ENV
    return factory_write(folder / "mailer.toml", data)


def service_env(stack: MailStack, imap_user: MailUser | None = None) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("MAILER_")}
    env.update({SECRET_ENV: SECRET, SMTP_PASSWORD_ENV: stack.smtp_password,
                IMAP_PASSWORD_ENV: imap_user.password if imap_user else ""})
    return env


# --------------------------------------------------------------------------- mailer send


def send_scenario(stack: MailStack, folder: Path, *, prompts: int, kills: int,
                  seed: int) -> Figures:
    """``mailer send checkin`` for ``prompts`` people, killed ``kills`` times, then finished.

    Counts per recipient from the relay's record of accepted messages (only this scenario's
    recipients count, so a shared stack is fine).
    """
    began = time.monotonic()
    figures = Figures("send", seed, prompts, kills)
    users = [stack.new_user("crash") for _ in range(prompts)]
    config = write_config(stack, folder, [(f"Member {n}", u.email) for n, u in enumerate(users)])
    wanted = {u.email for u in users}
    env, log = service_env(stack), folder / "service.log"
    argv = ["--config", str(config), "send", "checkin", "--at", SEND_AT]
    received = stack.smtp_received
    offset = len(received)  # messages of others before this scenario began

    def progress(target: int, timeout: float) -> int:
        """Prompts delivered at least once (a resent copy is no progress)."""
        deadline = time.monotonic() + timeout
        while True:
            mails = received.snapshot()[offset:]
            done = len({m.rcpt_tos[0] for m in mails if m.rcpt_tos and m.rcpt_tos[0] in wanted})
            left = deadline - time.monotonic()
            if done >= target or left <= 0:
                return done
            try:  # until the relay takes one more message
                received.wait_for(offset + len(mails) + 1, left)
            except TimeoutError:
                pass

    figures.setup_seconds = time.monotonic() - began
    rng = random.Random(seed)
    in_flight = Counter[str]()

    def after_kill() -> None:
        # Rows a dead process left "sending": their message may or may not have arrived.
        in_flight.update(_ledger_message_ids(folder / "data", state="sending"))

    runs = kill_runs(argv, env, log, plan_kills(rng, kills, prompts), progress, rng,
                     after_kill)
    final, output = run_to_end(argv, env, log, progress)
    figures.final_run_seconds = final.seconds
    again, again_output = run_to_end(argv, env, log, progress)
    figures.add_runs([*runs, final])

    per_person: dict[str, list[str]] = {}
    for mail in received.snapshot()[offset:]:
        if mail.rcpt_tos and mail.rcpt_tos[0] in wanted:
            headers = BytesHeaderParser().parsebytes(mail.data)
            per_person.setdefault(mail.rcpt_tos[0], []).append(str(headers["Message-ID"]))
    copies = Counter(len(ids) for ids in per_person.values())
    figures.lost = len(wanted - per_person.keys())
    figures.duplicated = sum(n for k, n in copies.items() if k >= 2)
    figures.more_than_twice = sum(n for k, n in copies.items() if k > 2)
    figures.different_ids = sum(1 for ids in per_person.values() if len(set(ids)) > 1)
    figures.resent_same_id = sum(len(ids) - 1 for ids in per_person.values()
                                 if len(set(ids)) == 1)
    # The exact guarantee: a copy beyond the first only for a kill that left the row
    # "sending" (in flight), never for a row the ledger already had as sent.
    figures.unexplained_copies = sum(max(0, len(ids) - 1 - in_flight[ids[0]])
                                     for ids in per_person.values())
    states, ledger_ids = _ledger_prompts(folder / "data")
    figures.leftover_temp_files = _leftover_temp_files(folder / "data")
    figures.detail = {
        "final_run": output,
        "final_returncode": final.returncode,
        "second_final_run": again_output,
        "second_final_returncode": again.returncode,
        "ledger_states": dict(states),
        "message_ids_not_in_ledger": sum(1 for ids in per_person.values()
                                         for mid in ids if mid not in ledger_ids),
        "copies_per_prompt": {str(k): n for k, n in sorted(copies.items())},
        "relay_accepted": sum(len(ids) for ids in per_person.values()),
    }
    figures.seconds = time.monotonic() - began
    return figures


def _ledger_message_ids(data_dir: Path, *, state: str) -> list[str]:
    """The Message-IDs of the ledger's prompts in ``state`` (none yet if it has no table)."""
    if not (data_dir / "ledger.sqlite3").exists():
        return []
    db = _ledger(data_dir)
    try:
        return [mid for (mid,) in db.execute(
            "SELECT message_id FROM prompts WHERE state = ?", (state,))]
    except sqlite3.Error:  # killed before the schema was created
        return []
    finally:
        db.close()


def _ledger(data_dir: Path) -> sqlite3.Connection:
    """A connection to the service's ledger between runs. Not read-only: the first reader
    after a kill must be able to recover the dead process's WAL index."""
    return sqlite3.connect(data_dir / "ledger.sqlite3", timeout=30)


def _ledger_prompts(data_dir: Path) -> tuple[Counter[str], set[str]]:
    db = _ledger(data_dir)
    try:
        rows = db.execute("SELECT state, message_id FROM prompts").fetchall()
    finally:
        db.close()
    return Counter(state for state, _ in rows), {mid for _, mid in rows}


# --------------------------------------------------------------------------- mailer poll --once


def reply_to(style: str, message_id: str, token: str, *, sender: str, reply_id: str) -> bytes:
    """A corpus message rewritten to answer the prompt ``message_id`` from ``sender``."""
    raw = (MESSAGES / f"{style}.eml").read_bytes()
    raw = raw.replace(CORPUS_PROMPT_ID, message_id.encode()).replace(CORPUS_TOKEN, token.encode())
    head, sep, body = raw.partition(b"\n\n")
    for name, value in (("From", sender), ("Message-ID", reply_id)):
        pattern = re.compile(rb"(?im)^" + name.encode() + rb":.*(\n[ \t].*)*$")
        line = f"{name}: {value}".encode()
        head, found = pattern.subn(lambda _m, line=line: line, head, count=1)
        if not found:
            head += b"\n" + line
    return head + sep + body


def checkin_days(count: int, first: date = date(2026, 11, 30)) -> list[date]:
    """``count`` Mon/Wed/Fri check-in days from ``first`` (a Monday)."""
    days, day = [], first
    while len(days) < count:
        if day.weekday() in (0, 2, 4):
            days.append(day)
        day += timedelta(days=1)
    return days


def _sent_prompts(data_dir: Path, emails: Sequence[str], days: Sequence[date],
                  domain: str) -> list[Any]:
    """A ledger holding one sent check-in per (person, day), as ``mailer send`` leaves it."""
    from mailer.addressing import message_id, mint_token
    from mailer.config.questions import load_default_questions
    from mailer.models import Prompt, Slot
    from mailer.storage.ledger import Ledger

    ledger = Ledger.in_dir(data_dir)
    questions = tuple(q.id for q in load_default_questions()["checkin"])
    stockholm = timezone(timedelta(hours=1))
    prompts = []
    for day in days:
        due = datetime(day.year, day.month, day.day, 9, tzinfo=stockholm).astimezone(UTC)
        for email in emails:
            slot = Slot(TEAM, email, "checkin", day.isoformat())
            token = mint_token(slot, SECRET.encode())
            prompts.append(Prompt(slot=slot, message_id=message_id(token, "checkin", domain),
                                  token=token, state="due", due_at=due, language="sv",
                                  question_ids=questions))
    ledger.ensure(prompts)
    warm = sqlite3.connect(ledger.path)  # keeps the WAL open: 0.1 ms a write, not 2 ms
    try:
        for prompt in prompts:
            ledger.set_state(prompt.slot.key, "sent", at=prompt.due_at)
    finally:
        warm.close()
    return prompts


def count_records(root: Path) -> int:
    return sum(1 for _, _, files in os.walk(root) for name in files
               if name.endswith(".yaml") and not name.startswith("."))


def poll_scenario(stack: MailStack, folder: Path, *, replies: int, kills: int, seed: int,
                  people: int = 50) -> Figures:
    """``mailer poll --once`` over ``replies`` replies in the service's INBOX, killed ``kills``
    times, then finished.

    ``people`` members answer ``replies / people`` check-ins each (Mon/Wed/Fri), in the
    styles of :data:`REPLY_STYLES`. Receipts are off (``confirmations = false``): they are
    sent at most once by design and are not what this counts.
    """
    began = time.monotonic()
    figures = Figures("poll", seed, replies, kills)
    service = stack.new_user("service")
    emails = [f"member{n}@{stack.domain}" for n in range(people)]
    config = write_config(stack, folder, [(f"Member {n}", e) for n, e in enumerate(emails)],
                          imap_user=service, confirmations=False)
    data_dir = folder / "data"
    days = checkin_days(-(-replies // people))
    prompts = _sent_prompts(data_dir, emails, days, stack.domain)[:replies]
    reply_ids = []
    for n, prompt in enumerate(prompts):
        reply_ids.append(f"<crash-reply-{n}-{seed}@mail.{stack.domain}>")
        stack.deliver(reply_to(REPLY_STYLES[n % len(REPLY_STYLES)], prompt.message_id,
                               prompt.token, sender=prompt.slot.email,
                               reply_id=reply_ids[-1]), service)
    env, log = service_env(stack, service), folder / "service.log"
    argv = ["--config", str(config), "poll", "--once"]
    records_root = data_dir / "records"

    def progress(target: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while True:
            found = count_records(records_root)
            if found >= target or time.monotonic() >= deadline:
                return found
            time.sleep(POLL_INTERVAL)

    figures.setup_seconds = time.monotonic() - began
    rng = random.Random(seed)
    runs = kill_runs(argv, env, log, plan_kills(rng, kills, replies), progress, rng)
    final, output = run_to_end(argv, env, log, progress)
    figures.final_run_seconds = final.seconds
    again, again_output = run_to_end(argv, env, log, progress)
    figures.add_runs([*runs, final])

    per_reply = Counter(_record_message_ids(records_root))
    figures.lost = sum(1 for mid in reply_ids if per_reply[mid] == 0)
    figures.duplicated = sum(1 for mid in reply_ids if per_reply[mid] > 1)
    figures.leftover_temp_files = _leftover_temp_files(data_dir)
    figures.detail = {
        "final_run": output,
        "final_returncode": final.returncode,
        "second_final_run": again_output,
        "second_final_returncode": again.returncode,
        "records": sum(per_reply.values()),
        "records_for_other_messages": sum(n for mid, n in per_reply.items()
                                          if mid not in set(reply_ids)),
        "inbound_outcomes": _inbound_outcomes(data_dir),
        "left_in_inbox": _message_count(stack, service, "INBOX"),
        "in_processed": _message_count(stack, service, "Checkins.Processed"),
        "in_quarantine": _message_count(stack, service, "Checkins.Quarantine"),
    }
    figures.seconds = time.monotonic() - began
    return figures


def _record_message_ids(root: Path) -> list[str]:
    from mailer.storage.records import load_record

    return [str(load_record(Path(parent, name).read_text(encoding="utf-8")).message_id)
            for parent, _, files in os.walk(root) for name in files
            if name.endswith(".yaml") and not name.startswith(".")]


def _inbound_outcomes(data_dir: Path) -> dict[str, int]:
    db = _ledger(data_dir)
    try:
        return dict(db.execute("SELECT outcome, COUNT(*) FROM inbound GROUP BY outcome"))
    finally:
        db.close()


def _message_count(stack: MailStack, user: MailUser, folder: str) -> int:
    with stack.mailbox(user) as box:
        if not box.folder.exists(folder):
            return 0
        return int(box.folder.status(folder, ["MESSAGES"])["MESSAGES"])
