#!/usr/bin/env python3
"""Benchmark outbound check-ins: render + send over STARTTLS + AUTH; report only, never gate.

    python bench/send.py [--members 2000] [--memory-members 10000] [--baseline 200]
                         [--exchange 1000] [--json F]

A local aiosmtpd accept-and-drop server runs in another process (STARTTLS required, then AUTH
PLAIN; every message is read in full and dropped). Three figures, each client in a fresh
process so that imports and caches do not leak between them:

* ours: ``jobs.send_due`` for ``--members`` check-ins, the whole path: planning, the SQLite
  ledger (rows, then two state writes per message), Jinja text + HTML, css-inline, MIME,
  aiosmtplib on ``smtp.max_connections`` reused connections sharing one TLS context;
* baseline: the same rendering, then stdlib ``smtplib`` with a new connection, STARTTLS and
  login per message (``--baseline`` messages, the rate is per second all the same);
* memory: the peak RSS of ``send_due`` for ``--memory-members`` check-ins;
* exchange: ``send_due`` for ``--exchange`` check-ins with the ``microsoft365`` profile (3
  connections, 30 a minute) and XOAUTH2, against a server with Exchange Online's limits (a
  4th connection gets ``432 4.3.2``, a 31st message in a minute ``554 5.2.0
  SubmissionQuotaExceeded``); both run on one simulated clock (tests/oauthstack.py,
  mailer.outbound.pacing.SimulatedTimer), so the minutes of waiting cost no real time.

Targets: at least 1,000 messages/s, at least 4x the baseline, under 150 MB for 10,000 members;
exchange: 1,000 prompts within 34 simulated minutes and no throttling reply.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PASSWORD = "bench-password"
PASSWORD_ENV = "MAILER_BENCH_SMTP_PASSWORD"
USER = "service@example.test"
#: Monday 2026-11-30 09:00:05 in Stockholm: every member's check-in is due.
NOW = datetime(2026, 11, 30, 9, 0, 5, tzinfo=ZoneInfo("Europe/Stockholm"))


# --------------------------------------------------------------------------- the server process


def serve(cert: str, key: str, port_file: str) -> None:
    """aiosmtpd, STARTTLS required, AUTH required; accepts and drops every message."""
    import logging

    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    logging.getLogger("mail.log").setLevel(logging.ERROR)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)

    class Drop:
        async def handle_DATA(self, server, session, envelope):
            return "250 2.0.0 dropped"

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(Drop(), hostname="localhost", tls_context=tls, require_starttls=True,
                         auth_required=True, authenticator=authenticate), "127.0.0.1", 0)
        Path(port_file).write_text(str(server.sockets[0].getsockname()[1]))
        await asyncio.Event().wait()

    asyncio.run(main())


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    port_file = folder / "port"
    process = subprocess.Popen([sys.executable, __file__, "serve", str(cert), str(key),
                                str(port_file)])
    for _ in range(200):
        if port_file.exists() and port_file.read_text():
            return process, int(port_file.read_text()), cert
        time.sleep(0.05)
    process.kill()
    raise SystemExit("the benchmark SMTP server did not start")


# --------------------------------------------------------------------------- the clients


def _world(members: int, port: int, cert: str, data_dir: Path):
    from mailer.models import SmtpSettings
    from mailer.outbound.samples import sample_config, sample_person, sample_team

    people = [sample_person(f"Person {n}", f"person{n}@example.test",
                            language="sv" if n % 2 else "en",
                            goals=(f"Goal {n}", "Ship the billing migration"))
              for n in range(members)]
    smtp = SmtpSettings(host="127.0.0.1", port=port, security="starttls", username=USER,
                        password_env=PASSWORD_ENV, from_address="checkin@example.test",
                        from_name="Team check-in", ca_file=Path(cert), max_connections=4)
    return sample_config(data_dir, teams=[sample_team(members=people)], smtp=smtp)


def ours(members: int, port: int, cert: str) -> dict[str, float]:
    from mailer.service import send as jobs
    from mailer.service.context import open_context

    with tempfile.TemporaryDirectory() as folder:
        ctx = open_context(_world(members, port, cert, Path(folder)))
        started, cpu = time.perf_counter(), time.process_time()
        report = asyncio.run(jobs.send_due(ctx, "checkin", now=NOW))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"sent": report.sent, "seconds": elapsed, "rate": report.sent / elapsed,
            "peak_mb": peak_mb, "cpu_ms": cpu * 1000 / max(report.sent, 1)}


def exchange(members: int, port: int, cert: str) -> dict[str, float]:
    """The microsoft365 profile against Exchange Online's limits, on a simulated clock."""
    import dataclasses
    import ssl as ssl_module

    from mailer.config.tokens import Grant, TokenCache
    from mailer.outbound.pacing import SimulatedTimer, Timing
    from mailer.service import send as jobs
    from mailer.service.context import open_context
    from tests.oauthstack import OAuthSmtp, SmtpLimits, TokenStore

    key = str(Path(cert).with_name("key.pem"))
    server_tls = ssl_module.create_default_context(ssl_module.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    store, timer = TokenStore(), SimulatedTimer()

    class Issuer:  # hands out the server's own tokens, as the token endpoint would
        per_user = False

        def fetch(self, user: str) -> Grant:
            return Grant(*store.issue(user, "bench"))

        def ready(self) -> None:
            pass

    async def run(folder: Path) -> tuple[object, OAuthSmtp, float]:
        limits = SmtpLimits(max_connections=3, max_per_minute=30)
        async with OAuthSmtp(store, server_tls, limits=limits, clock=timer.monotonic) as server:
            config = _world(members, server.port, cert, folder)
            smtp = dataclasses.replace(config.smtp, auth="oauth2", provider="microsoft365",
                                       max_connections=3, max_per_minute=30, max_per_day=10_000)
            ctx = dataclasses.replace(open_context(dataclasses.replace(config, smtp=smtp)),
                                      tokens=TokenCache(Issuer()))
            started = timer.monotonic()
            report = await jobs.send_due(ctx, "checkin", now=NOW, timing=Timing(timer))
            return report, server, timer.monotonic() - started

    with tempfile.TemporaryDirectory() as folder:
        real = time.perf_counter()
        report, server, simulated = asyncio.run(run(Path(folder)))
        real = time.perf_counter() - real
    assert isinstance(server, OAuthSmtp)
    return {"sent": report.sent, "seconds": real, "rate": report.sent / real,  # type: ignore[attr-defined]
            "simulated_minutes": simulated / 60, "throttled": sum(server.throttled.values()),
            "most_open": server.most_open, "most_in_a_minute": server.most_in_any_minute()}


def baseline(members: int, port: int, cert: str) -> dict[str, float]:
    """Same rendering; smtplib with a new connection, STARTTLS and login per message."""
    from mailer.outbound import compose, schedule
    from mailer.service import send as jobs
    from mailer.service.context import open_context

    with tempfile.TemporaryDirectory() as folder:
        ctx = open_context(_world(members, port, cert, Path(folder)))
        planned = schedule.slots_due(ctx.config, "checkin", now=NOW,
                                     catch_up=ctx.config.service.catch_up,
                                     ledger_pauses=())
        context = ssl.create_default_context(cafile=cert)
        started, cpu = time.perf_counter(), time.process_time()
        for plan in planned:
            mail = jobs.content(ctx, plan, NOW)
            message = compose.build_message(
                mail, to=plan.person.email, to_name=plan.person.name, from_name="Team check-in",
                from_address="checkin@example.test", message_id=f"<{plan.slot.key}@example.test>",
                reply_to="checkin@example.test", token=None, date=NOW)
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                client.starttls(context=context)
                client.login(USER, PASSWORD)
                client.send_message(message)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"sent": len(planned), "seconds": elapsed, "rate": len(planned) / elapsed,
            "cpu_ms": cpu * 1000 / len(planned)}


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client(which: str, members: int, port: int, cert: str, server: int) -> dict[str, float]:
    """Run one client in a fresh process; its JSON result, with the server's CPU meanwhile."""
    env = {**os.environ, PASSWORD_ENV: PASSWORD, "MAILER_SECRET": "bench-secret-0123456789"}
    before = _cpu_seconds(server)
    done = subprocess.run([sys.executable, __file__, which, str(members), str(port), cert],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{which} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["server_cpu_ms"] = (_cpu_seconds(server) - before) * 1000 / max(result["sent"], 1)
    return result


def main(argv: list[str]) -> int:
    if argv and argv[0] == "serve":
        serve(*argv[1:4])
        return 0
    if argv and argv[0] in ("ours", "baseline", "exchange"):
        run = {"ours": ours, "baseline": baseline, "exchange": exchange}[argv[0]]
        print(json.dumps(run(int(argv[1]), int(argv[2]), argv[3])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--memory-members", type=int, default=10000)
    parser.add_argument("--baseline", type=int, default=200, help="messages for the baseline")
    parser.add_argument("--exchange", type=int, default=1000,
                        help="prompts for the microsoft365 profile (simulated clock)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        server, port, cert = start_server(Path(folder))
        try:
            load = os.getloadavg()[0]
            fast = client("ours", args.members, port, str(cert), server.pid)
            slow = client("baseline", args.baseline, port, str(cert), server.pid)
            memory = client("ours", args.memory_members, port, str(cert), server.pid)
            limited = client("exchange", args.exchange, port, str(cert), server.pid)
        finally:
            server.terminate()
            server.wait(10)
    ratio = fast["rate"] / slow["rate"]
    print(f"ours:     {fast['sent']:>6.0f} check-ins in {fast['seconds']:6.2f} s = "
          f"{fast['rate']:7.0f} messages/s  (target >= 1000)")
    print(f"baseline: {slow['sent']:>6.0f} check-ins in {slow['seconds']:6.2f} s = "
          f"{slow['rate']:7.0f} messages/s  (smtplib, new connection + STARTTLS + login each)")
    print(f"ratio:    {ratio:.1f}x  (target >= 4x)")
    print(f"cpu:      ours {fast['cpu_ms']:.2f} ms + server {fast['server_cpu_ms']:.2f} ms a "
          f"message; baseline server {slow['server_cpu_ms']:.2f} ms a message; "
          f"{os.cpu_count()} cores, load average {load:.1f} at the start")
    print(f"memory:   {memory['sent']:>6.0f} check-ins, peak RSS {memory['peak_mb']:.0f} MB "
          f"at {memory['rate']:.0f} messages/s  (target < 150 MB)")
    print(f"microsoft365: {limited['sent']:>6.0f} check-ins in {limited['simulated_minutes']:.1f} "
          f"simulated minutes (target <= 34), {limited['throttled']:.0f} throttling replies "
          f"(target 0), at most {limited['most_open']:.0f} connections and "
          f"{limited['most_in_a_minute']:.0f} messages in any minute; "
          f"{limited['seconds']:.1f} s real")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"ours": fast, "baseline": slow, "memory": memory,
                                         "microsoft365": limited,
                                         "ratio": ratio, "load_average": load}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
