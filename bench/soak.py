"""A soak of ``mailer run``: a scripted hour of faults with replies flowing (issue 13).

The service runs as a process on the simulated clock of ``MAILER_TEST_CLOCK`` (60 times real
speed: the hour takes a minute), its data folder on a small tmpfs, against a private loopback
mail stack. ``members`` people get a 09:00 check-in (08:00 UTC); each reply is written as soon
as the relay has accepted a prompt, threaded under it, and delivered over LMTP. The script:

    07:58  start                     08:30  Dovecot restarted (IMAP drops)
    07:59  SMTP down (421 to all)     08:38  disk full ... 08:48  disk freed
    08:20  SMTP back                  08:52  SIGKILL, restart at once
                                      09:00  SIGHUP with the check-in moved to 09:40
    09:10  stop (SIGTERM)

Figures: prompts lost (a member without a check-in), duplicated prompts (copies of one slot;
allowed only with the same Message-ID, from a kill in flight), replies lost (delivered but
not recorded) and recorded twice, expired rows with reasons, log lines per phase. Run as
root (tmpfs mount). Target: 0 lost, 0 duplicated records, duplicate prompts only with the
same Message-ID.
"""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mailer.service.health import read_state  # noqa: E402
from mailer.storage.ledger import Ledger  # noqa: E402
from tests.mailstack import MailStack, MailUser  # noqa: E402
from tests.service.helpers import fill  # noqa: E402

SPEED = 60.0
START = datetime(2026, 12, 2, 7, 58, tzinfo=UTC)  # a Wednesday without holidays in SE
SECRET = "soak-secret-0123456789abcdef0123456789"


def at(hour: int, minute: int) -> datetime:
    return START.replace(hour=hour, minute=minute)


#: (simulated time, what), in order.
SCRIPT: tuple[tuple[datetime, str], ...] = (
    (at(7, 59), "smtp down"), (at(8, 20), "smtp back"), (at(8, 30), "imap restart"),
    (at(8, 38), "disk full"), (at(8, 48), "disk freed"), (at(8, 52), "sigkill"),
    (at(9, 0), "sighup"), (at(9, 10), "stop"),
)


@dataclass
class Figures:
    members: int
    prompts_sent: int = 0
    prompts_lost: int = 0
    duplicate_prompts: int = 0
    duplicates_other_id: int = 0
    replies_delivered: int = 0
    replies_lost: int = 0
    records_twice: int = 0
    expired: dict[str, int] = field(default_factory=dict)
    log_lines: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"soak: {self.members} members, {self.prompts_sent} prompts sent, "
                f"{self.prompts_lost} lost, {self.duplicate_prompts} duplicate prompts "
                f"({self.duplicates_other_id} with another Message-ID); "
                f"{self.replies_delivered} replies, {self.replies_lost} lost, "
                f"{self.records_twice} recorded twice; expired {self.expired or 'none'}; "
                f"log lines per phase {self.log_lines}; {self.seconds:.0f} s")

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @property
    def failed(self) -> bool:
        return bool(self.prompts_lost or self.duplicates_other_id or self.replies_lost
                    or self.records_twice)


def _config(stack: MailStack, service: MailUser, people: list[MailUser], data_dir: Path,
            at_time: str) -> str:
    members = "".join(f'[[teams.members]]\nname = "Person {n}"\nemail = "{u.email}"\n'
                      for n, u in enumerate(people))
    return f'''[service]
data_dir = "{data_dir}"
timezone = "Europe/Stockholm"
language = "en"
secret_env = "MAILER_SOAK_SECRET"

{stack.servers_toml(service, env_prefix="MAILER_SOAK")}
[[teams]]
name = "platform"
manager = {{ name = "Maria Lind", email = "{stack.new_user("maria").email}" }}
checkin = {{ days = ["mon", "tue", "wed", "thu", "fri"], time = "{at_time}" }}
confirmations = false
{members}'''


def _reply(raw: bytes, sender: str, service: str, n: int) -> bytes:
    prompt = email.message_from_bytes(raw, policy=email.policy.default)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = service
    msg["Subject"] = "Re: " + str(prompt["Subject"])
    msg["Message-ID"] = f"<soak-reply-{n}@client.example>"
    msg["In-Reply-To"] = msg["References"] = str(prompt["Message-ID"])
    msg.set_content("1. Pairing went well\n2. Waiting for keys\n3. 4\n")
    return bytes(msg)


class _Replier(threading.Thread):
    """Answers each prompt the relay accepts, once per Message-ID, through LMTP."""

    def __init__(self, stack: MailStack, service: MailUser) -> None:
        super().__init__(daemon=True)
        self.stack, self.service = stack, service
        self.done = threading.Event()
        self.answered: dict[str, int] = {}  # prompt Message-ID -> reply number

    def run(self) -> None:
        seen = 0
        while not self.done.is_set():
            mails = self.stack.smtp_received.snapshot()
            for mail in mails[seen:]:
                prompt = email.message_from_bytes(mail.data, policy=email.policy.default)
                key = str(prompt["Message-ID"])
                if key in self.answered or mail.rcpt_tos[0] == self.service.email:
                    continue
                self.answered[key] = len(self.answered)
                try:
                    self.stack.deliver(_reply(mail.data, mail.rcpt_tos[0], self.service.email,
                                              self.answered[key]), self.service)
                except Exception as exc:  # noqa: BLE001 - a bench reports, it does not stop
                    print(f"soak: a reply could not be delivered: {exc}", flush=True)
                    del self.answered[key]
                    continue
            seen = len(mails)
            time.sleep(0.2)


class _Service:
    def __init__(self, config: Path, data_dir: Path, log: Path, env: dict[str, str]) -> None:
        self.config, self.data_dir, self.log, self.env = config, data_dir, log, env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, sim_now: datetime) -> None:
        env = {**self.env, "MAILER_TEST_CLOCK": f"{sim_now.isoformat()}*{SPEED}"}
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "mailer", "--config", str(self.config), "run"],
                env=env, stdout=out, stderr=subprocess.STDOUT)

    def now(self) -> datetime:
        state = read_state(self.data_dir)
        return datetime.fromisoformat(state["heartbeat"]) if state else START

    def wait_until(self, when: datetime, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.now() < when:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the service did not reach {when}; see {self.log}")
            time.sleep(0.1)

    def signal(self, signum: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(signum)

    def lines(self) -> int:
        return len(self.log.read_bytes().splitlines()) if self.log.exists() else 0


def soak(stack: MailStack, *, members: int = 200) -> Figures:
    """The scripted hour; see the module docstring."""
    started = time.monotonic()
    figures = Figures(members)
    root = Path(tempfile.mkdtemp(prefix="soak-"))
    disk = root / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m,mode=0700", "tmpfs", str(disk)],
                   check=True, capture_output=True)
    replier: _Replier | None = None
    service: _Service | None = None
    try:
        service_user = stack.new_user("checkin")
        people = [stack.new_user(f"soak{n}") for n in range(members)]
        data_dir = disk / "data"
        config = root / "mailer.toml"
        config.write_text(_config(stack, service_user, people, data_dir, "09:00"),
                          encoding="utf-8")
        env = {**os.environ, "MAILER_SOAK_SECRET": SECRET,
               "MAILER_SOAK_SMTP_PASSWORD": stack.smtp_password,
               "MAILER_SOAK_IMAP_PASSWORD": service_user.password}
        service = _Service(config, data_dir, root / "service.log", env)
        stack.smtp_received.clear()
        replier = _Replier(stack, service_user)
        replier.start()
        service.start(START)
        phase, phase_start, filler = "start", 0, None
        for when, what in SCRIPT:
            service.wait_until(when)
            figures.log_lines[phase] = service.lines() - phase_start
            phase, phase_start = what, service.lines()
            if what == "smtp down":
                stack.smtp_faults.reply("connect", 421, times=None)
            elif what == "smtp back":
                stack.smtp_faults.clear()
            elif what == "imap restart":
                stack.restart_dovecot()
            elif what == "disk full":
                filler = fill(disk)
            elif what == "disk freed" and filler is not None:
                filler.unlink()
            elif what == "sigkill":
                now = service.now()
                service.signal(signal.SIGKILL)
                assert service.proc is not None
                service.proc.wait()
                service.start(now)
            elif what == "sighup":
                config.write_text(_config(stack, service_user, people, data_dir, "09:40"),
                                  encoding="utf-8")
                service.signal(signal.SIGHUP)
            elif what == "stop":
                time.sleep(3)  # the last replies reach the poller
                service.signal(signal.SIGTERM)
                assert service.proc is not None
                service.proc.wait(timeout=30)
        figures.log_lines[phase] = service.lines() - phase_start
        replier.done.set()
        _count(figures, stack, people, data_dir, replier)
    finally:
        if replier is not None:
            replier.done.set()
        if service is not None and service.proc is not None and service.proc.poll() is None:
            service.proc.kill()
        stack.smtp_faults.clear()
        subprocess.run(["umount", "-l", str(disk)], check=False, capture_output=True)
    figures.seconds = time.monotonic() - started
    return figures


def _count(figures: Figures, stack: MailStack, people: list[MailUser], data_dir: Path,
           replier: _Replier) -> None:
    prompts: dict[str, list[str]] = {}  # recipient -> Message-IDs of check-ins received
    for mail in stack.smtp_received.snapshot():
        msg = email.message_from_bytes(mail.data, policy=email.policy.default)
        if ".checkin@" in str(msg["Message-ID"]):
            prompts.setdefault(mail.rcpt_tos[0], []).append(str(msg["Message-ID"]))
    figures.prompts_sent = sum(len(ids) for ids in prompts.values())
    figures.prompts_lost = sum(1 for user in people if user.email not in prompts)
    figures.duplicate_prompts = sum(len(ids) - 1 for ids in prompts.values() if len(ids) > 1)
    figures.duplicates_other_id = sum(len(set(ids)) - 1 for ids in prompts.values())
    ledger = Ledger.reader(data_dir / "ledger.sqlite3")
    assert ledger is not None
    figures.replies_delivered = len(replier.answered)
    handled = ledger.inbound_counts()
    records = list((data_dir / "records").rglob("*.yaml"))
    ids = Counter(path.stem for path in records)
    figures.records_twice = sum(n - 1 for n in ids.values() if n > 1)
    figures.replies_lost = max(0, figures.replies_delivered - handled.get("record", 0))
    figures.expired = dict(Counter((p.skip_reason or "?").split(": ", 1)[-1][:60]
                                   for p in ledger.in_state("expired")))


def main() -> int:
    """Run the soak alone: ``python bench/soak.py [MEMBERS]``."""
    members = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with MailStack.start() as stack:
        figures = soak(stack, members=members)
    print(figures.summary())
    return 1 if figures.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
