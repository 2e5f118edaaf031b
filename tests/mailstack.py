"""Real mail servers on loopback for the test suite and the benchmarks.

This module owns a private Dovecot (IMAP with STARTTLS, IMAPS, LMTP), an aiosmtpd relay
that delivers into it over LMTP, their throwaway TLS certificate, the test users, and the
switchboard of injected SMTP faults. Everything binds 127.0.0.1 on free ports. It knows
nothing about pytest: ``tests/conftest.py`` wraps it in fixtures, and ``bench/`` can use it
directly (put the repository root on ``sys.path`` first)::

    from tests.mailstack import MailStack

    with MailStack.start() as stack:
        user = stack.new_user("checkin")
        ...  # SMTP to stack.submission_port, IMAPS from stack.imaps_port

The facts this builds on are measured in /work/shared/MAILSTACK.md; traps found while
writing it are commented where they are handled.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import logging
import os
import pwd
import re
import secrets
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from imap_tools import MailBox

HOST = "127.0.0.1"
DOMAIN = "example.test"
MAIL_ACCOUNT = "mailertest"
DH_PARAMS = Path("/usr/share/dovecot/dh.pem")
INSTALL_HINT = "run `make test`, which installs dovecot-imapd, dovecot-lmtpd and openssl"
START_TIMEOUT = 5.0
STOP_TIMEOUT = 5.0
LMTP_TIMEOUT = 10.0
# Debian keeps daemons in sbin, which a non-login PATH may lack.
_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin", "/sbin"])


class MailStackError(RuntimeError):
    """The mail stack could not start or answer; the message says why (with the Dovecot log)."""


class DeliveryRefused(MailStackError):
    """Dovecot's LMTP refused a message for ``recipient`` with SMTP reply ``code``."""

    def __init__(self, recipient: str, code: int, text: str) -> None:
        super().__init__(f"LMTP refused {recipient}: {code} {text}")
        self.recipient, self.code, self.text = recipient, code, text


@dataclass(frozen=True)
class MailUser:
    """A mailbox on the private Dovecot; the same credentials also work for SMTP AUTH."""

    email: str
    password: str


# --- host prerequisites ----------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name, path=_SEARCH_PATH)
    if path is None:
        raise MailStackError(f"{name} is not installed: {INSTALL_HINT}")
    return path


def _check_installed() -> None:
    for name in ("dovecot", "openssl"):
        _tool(name)
    for needed in (Path("/usr/lib/dovecot/imap"), Path("/usr/lib/dovecot/lmtp"), DH_PARAMS):
        if not needed.exists():
            raise MailStackError(f"{needed} is missing: {INSTALL_HINT}")


def ensure_mail_account(name: str = MAIL_ACCOUNT) -> tuple[int, int]:
    """Return the uid and gid of the system user that owns test mail, creating it if missing.

    Dovecot refuses mail owned by root (``Mail access not allowed for root``).
    """
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        command = [_tool("useradd"), "--system", "--user-group", "--no-create-home",
                   "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        try:  # look again: a concurrent test session may have won the race to create it
            entry = pwd.getpwnam(name)
        except KeyError:
            raise MailStackError(f"useradd {name} failed: {result.stderr.strip()}") from None
    return entry.pw_uid, entry.pw_gid


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for localhost/127.0.0.1; return (cert, key) paths.

    An EC key takes milliseconds where RSA-2048 takes up to a second. The certificate is
    its own CA: clients trust it with ``ssl.create_default_context(cafile=cert)``.
    """
    cert, key = directory / "cert.pem", directory / "key.pem"
    command = [_tool("openssl"), "req", "-x509", "-newkey", "ec",
               "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
               "-subj", "/CN=localhost",
               "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
               "-keyout", str(key), "-out", str(cert)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise MailStackError(f"openssl could not make a certificate: {result.stderr.strip()}")
    return cert, key


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct loopback ports that were free a moment ago.

    All sockets stay open until every port is picked, so the kernel cannot hand out the
    same port twice.
    """
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _pids_with_title(prefix: bytes) -> list[int]:
    """Processes whose command line (as shown by ps) starts with ``prefix``."""
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                cmdline = Path(entry.path, "cmdline").read_bytes()
            except OSError:  # gone meanwhile
                continue
            if cmdline.startswith(prefix):  # a zombie's is empty: it counts as gone
                pids.append(int(entry.name))
    return pids


def _same(secret: str, offered: str) -> bool:
    # compare_digest() raises TypeError on non-ASCII str; a client may send any bytes.
    return secrets.compare_digest(secret.encode(), offered.encode("utf-8", "surrogateescape"))


# --- LMTP client (stdlib) --------------------------------------------------------------


def _reply_text(reply: bytes) -> str:
    # smtplib joins a multi-line reply with "\n"; an SMTP reply we pass on must be one line.
    return " ".join(reply.decode("utf-8", "replace").split())


def _crlf(raw: bytes) -> bytes:
    # smtplib sends bytes as they are; a bare-LF message would end in "\n\r\n.\r\n".
    return re.sub(rb"\r?\n", b"\r\n", raw)


def lmtp_check_recipient(port: int, rcpt: str) -> tuple[int, str]:
    """Ask Dovecot's LMTP whether it would accept ``rcpt``; return its RCPT reply."""
    with smtplib.LMTP(HOST, port, local_hostname="localhost", timeout=LMTP_TIMEOUT) as lmtp:
        lmtp.ehlo()  # smtplib.LMTP sends LHLO here
        lmtp.mail("")
        code, reply = lmtp.rcpt(rcpt)
    return code, _reply_text(reply)


def lmtp_deliver(port: int, raw: bytes, rcpt: str, mail_from: str = "") -> tuple[int, str]:
    """Deliver ``raw`` to one recipient over LMTP; return the final reply (250 on success).

    One recipient per transaction, because LMTP answers DATA once per recipient and
    smtplib reads only one of those answers.
    """
    with smtplib.LMTP(HOST, port, local_hostname="localhost", timeout=LMTP_TIMEOUT) as lmtp:
        lmtp.ehlo()
        code, reply = lmtp.mail(mail_from)
        if code == 250:
            code, reply = lmtp.rcpt(rcpt)
        if code == 250:
            try:
                code, reply = lmtp.data(_crlf(raw))
            except smtplib.SMTPDataError as exc:
                code, reply = exc.smtp_code, exc.smtp_error
    return code, _reply_text(reply)


# --- Dovecot ---------------------------------------------------------------------------

_DOVECOT_CONF = """\
# Private test instance: nothing here reads /etc/dovecot.
instance_name = {instance}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap lmtp
listen = {host}
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_dh = <{dh}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mail_fsync = never
first_valid_uid = {uid}
first_valid_gid = {gid}
postmaster_address = postmaster@{domain}

# One passwd-file per user: Dovecot re-reads a changed passwd-file at most once per
# second (it remembers the second of its last check), so a user added in the same second
# as a lookup would stay unknown. A file it has never seen is read on first lookup.
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users/%u
}}
userdb {{
  driver = passwd-file
  args = {root}/users/%u
}}

service imap-login {{
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = {imaps}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    port = {lmtp}
  }}
}}
# No listener, no auth penalty: otherwise every failed login from 127.0.0.1 delays the
# next login from it by 2, 4, 8... seconds. A failed login still takes 0.5 s: auth flushes
# its failure queue on a fixed 0.5 s timer whatever auth_failure_delay says, and the way
# around it (a nologin passdb) changes the reply to "[CONTACTADMIN] Login disabled".
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
protocol imap {{
  mail_max_userip_connections = 1000
}}
"""


class Dovecot:
    """One private Dovecot: config, users, mail, log and process, all under ``root``.

    Runs in the foreground (``dovecot -F``) as a child process; SIGTERM stops it. The
    ports are fixed at construction so a restart keeps them.
    """

    def __init__(self, root: Path, *, uid: int, gid: int, cert: Path, key: Path) -> None:
        self.root = root
        self.config = root / "dovecot.conf"
        self.log_path = root / "dovecot.log"
        self._out_path = root / "dovecot.out"  # stderr before log_path is open
        self.imap_port, self.imaps_port, self.lmtp_port = free_ports(3)
        self._uid, self._gid = uid, gid
        self.instance = f"mailstack-{os.getpid()}-{secrets.token_hex(3)}"
        self._passwords: dict[str, str] = {}
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._prepare(cert, key)

    def _prepare(self, cert: Path, key: Path) -> None:
        # Auth runs as user "dovecot": it must traverse root (0711) and read users/ (0755).
        self.root.chmod(0o711)
        # chmod, not mkdir's mode: the umask is process-wide, and the ledger narrows it for a
        # moment while it opens (a test's service thread may be doing that right now).
        (self.root / "users").mkdir()
        (self.root / "users").chmod(0o755)
        mail = self.root / "mail"
        mail.mkdir(mode=0o700)
        os.chown(mail, self._uid, self._gid)
        self.config.write_text(_DOVECOT_CONF.format(
            instance=self.instance, root=self.root,
            host=HOST, cert=cert, key=key, dh=DH_PARAMS, uid=self._uid, gid=self._gid,
            domain=DOMAIN, imap=self.imap_port,
            imaps=self.imaps_port, lmtp=self.lmtp_port))

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start the server and wait (bounded) until all its ports accept connections."""
        if self.running:
            return
        with self._out_path.open("ab") as out:
            self._proc = subprocess.Popen(
                [_tool("dovecot"), "-F", "-c", str(self.config)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        # Kill it even when the session dies before fixture teardown runs.
        atexit.register(self.stop)
        try:
            self._wait_until_serving()
        except BaseException:
            self.stop()
            raise

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        for port in (self.imap_port, self.imaps_port, self.lmtp_port):
            while True:
                assert self._proc is not None
                if self._proc.poll() is not None:
                    raise MailStackError(f"dovecot exited with {self._proc.returncode}\n"
                                         + self.log())
                try:
                    socket.create_connection((HOST, port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise MailStackError(f"dovecot did not open port {port} within "
                                             f"{START_TIMEOUT} s\n" + self.log()) from None
                    time.sleep(0.01)
        if self._proc.poll() is not None:  # the ports may have been someone else's
            raise MailStackError(f"dovecot exited with {self._proc.returncode}\n" + self.log())

    def stop(self) -> None:
        """SIGTERM the server and wait for it, then kill what it left behind."""
        atexit.unregister(self.stop)
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._kill_leftovers()

    def _kill_leftovers(self) -> None:
        # The master exits without its children while a client is connected: the imap,
        # imap-login, auth, log... processes of an open session keep running (and keep
        # serving it) after SIGTERM. They carry the instance name in their title.
        title = f"dovecot-{self.instance}/".encode()
        deadline = time.monotonic() + STOP_TIMEOUT
        while pids := _pids_with_title(title):
            if time.monotonic() > deadline:
                raise MailStackError(f"dovecot processes {pids} survived SIGKILL")
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)

    def restart(self) -> None:
        """Stop and start again on the same ports, with the same users and mail."""
        self.stop()
        self.start()

    def add_user(self, email: str, password: str) -> None:
        """Create a mailbox user; Dovecot sees it on its next lookup, no reload needed."""
        home = self.root / "mail" / email
        line = f"{email}:{{PLAIN}}{password}:{self._uid}:{self._gid}::{home}::\n"
        users = self.root / "users"
        # Written aside and renamed, so auth never reads half a line.
        fd, tmp = tempfile.mkstemp(dir=users, prefix=".new-")
        with os.fdopen(fd, "w") as file:
            file.write(line)
        os.chmod(tmp, 0o644)
        os.replace(tmp, users / email)
        with self._lock:
            self._passwords[email] = password

    def check_password(self, email: str, password: str) -> bool:
        with self._lock:
            known = self._passwords.get(email)
        return known is not None and _same(known, password)

    def deliver(self, raw: bytes, rcpt: str, *, mail_from: str = "") -> None:
        """Deliver ``raw`` into ``rcpt``'s INBOX over LMTP; raise DeliveryRefused if refused."""
        code, text = lmtp_deliver(self.lmtp_port, raw, rcpt, mail_from)
        if code != 250:
            raise DeliveryRefused(rcpt, code, text)

    def log(self) -> str:
        """The server's log so far, plus anything it printed before the log was open.

        Dovecot's log process writes it a few milliseconds behind events: poll, don't
        assert on a line right after the action that logs it.
        """
        parts = [path.read_text(errors="replace") for path in (self._out_path, self.log_path)
                 if path.exists()]
        return "".join(parts)


# --- SMTP faults -----------------------------------------------------------------------

Stage = Literal["connect", "MAIL", "RCPT", "DATA"]
Action = Literal["reply", "drop", "stall"]
_STAGES: tuple[Stage, ...] = ("connect", "MAIL", "RCPT", "DATA")
_DEFAULT_TEXT = {
    421: "4.3.2 Service not available, closing channel (injected)",
    450: "4.2.1 Mailbox unavailable (injected)",
    451: "4.3.0 Local error in processing (injected)",
    452: "4.3.1 Insufficient system storage (injected)",
    550: "5.1.1 Mailbox unavailable (injected)",
    552: "5.3.4 Message too big (injected)",
    554: "5.3.0 Transaction failed (injected)",
}


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour of the SMTP relay (see SmtpFaults)."""

    stage: Stage
    action: Action
    code: int = 0
    text: str = ""
    seconds: float = 0.0
    address: str | None = None


class SmtpFaults:
    """Switchboard of injected SMTP failures, shared by both relay listeners.

    A rule acts on the next ``times`` commands of its stage (``times=None``: until cleared);
    with ``address`` only on MAIL/RCPT commands for that address. Stages are ``connect``
    (the greeting), ``MAIL``, ``RCPT`` and ``DATA`` (after the whole message arrived,
    before the final reply). Actions:

    - ``reply(stage, code)``: answer ``code`` instead of doing the command. 421 also closes
      the connection (RFC 5321 3.8); at ``connect`` any code replaces the 220 greeting
      and closes.
    - ``drop(stage)``: close the connection without an answer. ``drop("DATA")`` is the
      ambiguous case for a sender: the message was sent, no answer came.
    - ``stall(stage, seconds)``: wait, then carry on normally; for client timeouts.

    Rules match in the order they were added. ``clear()`` removes them all; the ``stack``
    fixture clears before and after every test.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []

    def reply(self, stage: Stage, code: int, text: str | None = None, *,
              times: int | None = 1, address: str | None = None) -> None:
        """Answer the next ``times`` ``stage`` commands with ``code`` (and ``text``)."""
        text = text or _DEFAULT_TEXT.get(code, "Injected fault")
        self._add(Fault(_stage(stage), "reply", code=code, text=text, address=address), times)

    def drop(self, stage: Stage = "DATA", *, times: int | None = 1,
             address: str | None = None) -> None:
        """Close the connection, unanswered, at the next ``times`` ``stage`` commands."""
        self._add(Fault(_stage(stage), "drop", address=address), times)

    def stall(self, stage: Stage, seconds: float, *, times: int | None = 1,
              address: str | None = None) -> None:
        """Hold the next ``times`` ``stage`` commands for ``seconds`` before doing them."""
        self._add(Fault(_stage(stage), "stall", seconds=seconds, address=address), times)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def pending(self) -> list[Fault]:
        """Rules not yet used up."""
        with self._lock:
            return [rule.fault for rule in self._rules]

    def take(self, stage: Stage, address: str | None = None) -> Fault | None:
        """Consume and return the first rule matching this command, if any (relay side)."""
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.fault.stage != stage or rule.fault.address not in (None, address):
                    continue
                if rule.left is not None:
                    rule.left -= 1
                    if rule.left == 0:
                        del self._rules[index]
                return rule.fault
        return None

    def _add(self, fault: Fault, times: int | None) -> None:
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for every time")
        if fault.address is not None and fault.stage not in ("MAIL", "RCPT"):
            raise ValueError(f"only MAIL and RCPT carry an address, not {fault.stage}")
        with self._lock:
            self._rules.append(_Rule(fault, times))


@dataclass
class _Rule:
    fault: Fault
    left: int | None  # commands still to hit; None: until cleared


def _stage(stage: str) -> Stage:
    for known in _STAGES:
        if stage.lower() == known.lower():
            return known
    raise ValueError(f"unknown SMTP stage {stage!r}; use one of {_STAGES}")


# --- SMTP relay ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    """One message the relay accepted: envelope, raw bytes as received, AUTH login if any."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    login: str | None = None


class Received:
    """Thread-safe list of accepted messages: the relay thread appends, tests read/clear."""

    def __init__(self) -> None:
        self._items: list[ReceivedMail] = []
        self._changed = threading.Condition()

    def append(self, mail: ReceivedMail) -> None:
        with self._changed:
            self._items.append(mail)
            self._changed.notify_all()

    def clear(self) -> None:
        with self._changed:
            self._items.clear()

    def snapshot(self) -> list[ReceivedMail]:
        with self._changed:
            return list(self._items)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """Block until at least ``count`` messages are in; return them (for senders in
        other processes; an SMTP sender that got 250 never needs to wait)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._items) >= count, timeout):
                raise TimeoutError(f"{len(self._items)} of {count} messages after {timeout} s")
            return list(self._items)

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)

    def __getitem__(self, index: int) -> ReceivedMail:
        with self._changed:
            return self._items[index]

    def __iter__(self) -> Iterator[ReceivedMail]:
        return iter(self.snapshot())


async def _inject(faults: SmtpFaults, stage: Stage, server: SMTP,
                  address: str | None = None) -> str | None:
    """Apply the fault rule for this command, if any; return the reply to send instead."""
    fault = faults.take(stage, address)
    if fault is None:
        return None
    if fault.action == "stall":
        await asyncio.sleep(fault.seconds)
        return None
    if fault.action == "reply" and fault.code != 421 and stage != "connect":
        return f"{fault.code} {fault.text}"
    if fault.action == "reply":
        await server.push(f"{fault.code} {fault.text}")
    assert server.transport is not None
    server.transport.close()
    if stage != "connect":
        # Closing makes connection_lost() cancel this session's task, ending the sleep:
        # aiosmtpd must not write a reply after the drop. The bound is only a safety net.
        await asyncio.sleep(30)
    return "421 4.4.2 Connection dropped (injected)"


class _RelayHandler:
    """aiosmtpd hooks: apply faults, check recipients with LMTP, relay and record."""

    def __init__(self, lmtp_port: int, faults: SmtpFaults, received: Received) -> None:
        self.lmtp_port, self.faults, self.received = lmtp_port, faults, received

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        if (status := await _inject(self.faults, "MAIL", server, address)) is not None:
            return status
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if (status := await _inject(self.faults, "RCPT", server, address)) is not None:
            return status
        # Pass Dovecot's own answer on, so an unknown user gets its 550 5.1.1.
        code, text = await self._lmtp(lmtp_check_recipient, self.lmtp_port, address)
        if code != 250:
            return f"{code} {text}"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if (status := await _inject(self.faults, "DATA", server)) is not None:
            return status
        raw = envelope.original_content or b""
        for rcpt in envelope.rcpt_tos:
            code, text = await self._lmtp(lmtp_deliver, self.lmtp_port, raw, rcpt,
                                          envelope.mail_from or "")
            if code != 250:
                return f"{code} {text}"
        login = session.auth_data.login if isinstance(session.auth_data, LoginPassword) else None
        self.received.append(ReceivedMail(
            mail_from=envelope.mail_from or "", rcpt_tos=tuple(envelope.rcpt_tos), data=raw,
            login=login.decode("utf-8", "replace") if login is not None else None))
        return "250 2.0.0 OK: relayed"

    @staticmethod
    async def _lmtp(call: Callable[..., tuple[int, str]], *args: Any) -> tuple[int, str]:
        # smtplib blocks: keep it off the relay's loop. A Dovecot that is down (e.g. during
        # restart_dovecot) is a temporary failure, as a real relay would report it.
        try:
            return await asyncio.to_thread(call, *args)
        except (OSError, smtplib.SMTPException) as exc:
            return 451, f"4.4.1 LMTP unavailable: {exc}"


class _RelaySMTP(SMTP):
    """aiosmtpd's server plus the ``connect`` fault stage and a registry of open sessions."""

    def __init__(self, handler: _RelayHandler, sessions: set[SMTP], **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._sessions = sessions

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._sessions.add(self)

    def connection_lost(self, error: Exception | None) -> None:
        self._sessions.discard(self)
        super().connection_lost(error)

    async def _handle_client(self) -> None:
        # aiosmtpd has no hook before its greeting; this private coroutine (1.4.6) sends it.
        if await _inject(self.event_handler.faults, "connect", self) is None:
            await super()._handle_client()


class _HideLoginDataWarning(logging.Filter):
    # aiosmtpd 1.4.6 logs "Session.login_data is deprecated" from its own AUTH code on
    # every successful login; nothing a caller can change.
    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


class SmtpRelay:
    """aiosmtpd in its own thread and event loop, so sync and async tests can both use it.

    Two listeners: ``port`` (plain, no AUTH) and ``submission_port`` (STARTTLS required,
    then AUTH PLAIN/LOGIN). Both check each RCPT with Dovecot's LMTP, relay each accepted
    message over LMTP (one transaction per recipient: if a later one fails, DATA fails
    although earlier copies were delivered) and record it in ``received``.
    """

    def __init__(self, *, lmtp_port: int, tls: ssl.SSLContext,
                 check_password: Callable[[str, str], bool]) -> None:
        self.faults = SmtpFaults()
        self.received = Received()
        self.port = 0
        self.submission_port = 0
        self._handler = _RelayHandler(lmtp_port, self.faults, self.received)
        self._tls = tls
        self._check_password = check_password
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        logger = logging.getLogger("mail.log")
        if not any(isinstance(f, _HideLoginDataWarning) for f in logger.filters):
            logger.addFilter(_HideLoginDataWarning())
        self._thread = threading.Thread(target=self._run, name="mailstack-smtp", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT) or self._error is not None:
            self.stop()
            raise MailStackError(f"SMTP relay did not start: {self._error!r}")

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            try:
                self._loop.call_soon_threadsafe(self._stopping.set)
            except RuntimeError:  # the loop has already ended
                pass
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT)
            self._thread = None

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start(), which raises it
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        sessions: set[SMTP] = set()
        common: dict[str, Any] = dict(hostname="localhost", loop=self._loop)
        plain = await self._loop.create_server(
            lambda: _RelaySMTP(self._handler, sessions, **common), HOST, 0)
        submission = await self._loop.create_server(
            lambda: _RelaySMTP(self._handler, sessions, tls_context=self._tls,
                               require_starttls=True, auth_required=True,
                               auth_require_tls=True, authenticator=self._authenticate,
                               **common), HOST, 0)
        self.port = plain.sockets[0].getsockname()[1]
        self.submission_port = submission.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stopping.wait()
        for server in (plain, submission):
            server.close()
        # Abort what clients left open, so no transport is left for the garbage collector
        # to warn about (a ResourceWarning is an error under filterwarnings=error).
        for session in list(sessions):
            if session.transport is not None:
                session.transport.abort()
        for server in (plain, submission):
            await server.wait_closed()
        await asyncio.sleep(0.01)  # let connection_lost() run

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                      mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and self._check_password(
                auth_data.login.decode("utf-8", "replace"),
                auth_data.password.decode("utf-8", "replace")):
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)  # aiosmtpd answers 535 5.7.8


# --- the stack -------------------------------------------------------------------------


class MailStack:
    """Dovecot plus the SMTP relay, started together: what tests and benchmarks talk to.

    Addresses: ``host`` with ``smtp_port`` (plain SMTP), ``submission_port`` (STARTTLS +
    AUTH), ``imap_port`` (IMAP, STARTTLS available), ``imaps_port`` (implicit TLS) and
    ``lmtp_port``. Clients trust the server with ``client_tls`` or with
    ``ssl.create_default_context(cafile=stack.ca_file)``.
    """

    host = HOST
    domain = DOMAIN

    def __init__(self, root: Path, dovecot: Dovecot, relay: SmtpRelay, ca_file: Path,
                 smtp_user: str, smtp_password: str) -> None:
        self.root = root
        self.dovecot = dovecot
        self.relay = relay
        self.ca_file = ca_file
        self.smtp_user = smtp_user
        self.smtp_password = smtp_password
        self.client_tls = ssl.create_default_context(cafile=str(ca_file))
        self._serial = itertools.count(1)
        self._closed = False
        # Also remove the directory when the process ends without close(), e.g. on Ctrl-C
        # outside pytest; Dovecot.start() registered its own stop for the same reason.
        atexit.register(self.close)

    @classmethod
    def start(cls, *, mail_account: str = MAIL_ACCOUNT) -> MailStack:
        """Start Dovecot and the relay in a fresh temporary directory.

        :raises MailStackError: Dovecot or openssl is missing, or a server did not start
            (the message includes the Dovecot log).
        """
        _check_installed()
        uid, gid = ensure_mail_account(mail_account)
        root = Path(tempfile.mkdtemp(prefix="mailstack-"))
        dovecot: Dovecot | None = None
        try:
            cert, key = make_certificate(root)
            dovecot = server = Dovecot(root, uid=uid, gid=gid, cert=cert, key=key)
            smtp_user, smtp_password = f"service@{DOMAIN}", secrets.token_urlsafe(12)

            def check_password(login: str, password: str) -> bool:
                if login == smtp_user:
                    return _same(password, smtp_password)
                return server.check_password(login, password)

            server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            server_tls.load_cert_chain(cert, key)
            relay = SmtpRelay(lmtp_port=dovecot.lmtp_port, tls=server_tls,
                              check_password=check_password)
            dovecot.start()
            relay.start()
        except BaseException:
            if dovecot is not None:
                dovecot.stop()
            shutil.rmtree(root, ignore_errors=True)
            raise
        return cls(root, dovecot, relay, cert, smtp_user, smtp_password)

    def close(self) -> None:
        """Stop both servers and remove the temporary directory. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        try:
            self.relay.stop()
        finally:
            self.dovecot.stop()
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> MailStack:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # Ports and SMTP state.

    @property
    def imap_port(self) -> int:
        return self.dovecot.imap_port

    @property
    def imaps_port(self) -> int:
        return self.dovecot.imaps_port

    @property
    def lmtp_port(self) -> int:
        return self.dovecot.lmtp_port

    @property
    def smtp_port(self) -> int:
        return self.relay.port

    @property
    def submission_port(self) -> int:
        return self.relay.submission_port

    @property
    def smtp_received(self) -> Received:
        return self.relay.received

    @property
    def smtp_faults(self) -> SmtpFaults:
        return self.relay.faults

    def servers_toml(self, service: MailUser, *, env_prefix: str) -> str:
        """The ``[smtp]`` and ``[imap]`` sections of a config for a ``mailer`` process: STARTTLS
        submission as the relay's service login, IMAPS as ``service``; the passwords in
        ``{env_prefix}_SMTP_PASSWORD`` and ``{env_prefix}_IMAP_PASSWORD``."""
        return f'''[smtp]
host = "127.0.0.1"
port = {self.submission_port}
security = "starttls"
username = "{self.smtp_user}"
password_env = "{env_prefix}_SMTP_PASSWORD"
from = "Team check-in <{service.email}>"
ca_file = "{self.ca_file}"
max_attempts = 1

[imap]
host = "127.0.0.1"
port = {self.imaps_port}
security = "tls"
username = "{service.email}"
password_env = "{env_prefix}_IMAP_PASSWORD"
ca_file = "{self.ca_file}"
'''

    def reset(self) -> None:
        """Forget injected faults and recorded messages (users and mail stay)."""
        self.smtp_faults.clear()
        self.smtp_received.clear()

    # Users and mail.

    def new_user(self, prefix: str = "user") -> MailUser:
        """Add a fresh user, e.g. ``checkin-3@example.test``, with a random password."""
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", prefix):
            raise ValueError(f"user prefix {prefix!r}: use lowercase letters, digits, . _ -")
        user = MailUser(f"{prefix}-{next(self._serial)}@{DOMAIN}", secrets.token_urlsafe(12))
        self.dovecot.add_user(user.email, user.password)
        return user

    def deliver(self, raw: bytes, rcpt: str | MailUser, *,
                mail_from: str = f"sender@{DOMAIN}") -> None:
        """Put ``raw`` into a mailbox over LMTP, bypassing SMTP; raise DeliveryRefused."""
        self.dovecot.deliver(raw, rcpt.email if isinstance(rcpt, MailUser) else rcpt,
                             mail_from=mail_from)

    def mailbox(self, user: MailUser, folder: str = "INBOX") -> MailBox:
        """An imap-tools MailBox logged in over IMAPS with ``folder`` selected.

        Capabilities are re-read after login: Dovecot lists MOVE only then, and imap-tools
        otherwise falls back to COPY + EXPUNGE. Use it as a context manager to log out.
        """
        box = MailBox(self.host, self.imaps_port, timeout=10, ssl_context=self.client_tls)
        try:
            box.login(user.email, user.password, initial_folder=folder)
        except BaseException:
            box.client.shutdown()  # else the socket is left for a ResourceWarning
            raise
        _, data = box.client.capability()
        box.client.capabilities = tuple(data[-1].decode().upper().split())
        return box

    def fetch(self, user: MailUser, folder: str = "INBOX") -> list[bytes]:
        """Every message in ``folder``, raw bytes in UID order, without marking them seen.

        A UID FETCH of BODY.PEEK[] (what imap-tools sends for ``mark_seen=False``), taken
        raw because re-serialising a parsed message need not give back the same bytes.
        """
        with self.mailbox(user, folder) as box:
            uids = box.uids()
            if not uids:
                return []
            _, data = box.client.uid("FETCH", ",".join(uids), "(BODY.PEEK[])")
        return [item[1] for item in data if isinstance(item, tuple)]

    def folders(self, user: MailUser) -> list[str]:
        """The names of ``user``'s folders."""
        with self.mailbox(user) as box:
            return [folder.name for folder in box.folder.list()]

    # Dovecot control, for fault tests.

    def restart_dovecot(self) -> None:
        """Stop and start Dovecot on the same ports, keeping users and mail."""
        self.dovecot.restart()

    def dovecot_log(self) -> str:
        """Dovecot's log so far (its log process writes a few milliseconds behind)."""
        return self.dovecot.log()
