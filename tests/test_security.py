"""Security: header and HTML injection, TLS, secrets and spoofing, against the loopback stack.

The matrix: attack -> outcome, then the test ("tests/..." is a test elsewhere).

CR/LF/NUL in names, display names, availability, smtp.from, imap.folder, an email
-> ConfigError located at the key
    tests/config/test_config.py::test_line_breaks_and_nul_are_rejected_where_headers_are_built
... in a manager's email, an alias, smtp.username, the other folders, a team name
    test_config_refuses_line_breaks_in_every_other_header_value
CR/LF in to_name, from_name, reply_to, message_id, subject, extra headers -> ValueError
    tests/outbound/test_compose.py::test_header_injection_is_refused,
    tests/outbound/test_compose.py::test_injection_via_subject_or_extra_headers_is_refused
CR, LF or CRLF in any header value of build_raw, to and from_address too -> ValueError
    test_build_raw_refuses_a_line_break_in_any_header_value
hostile team/person/availability values that bypass the config -> To refused; the
subject stays one line; no header added
    test_hostile_values_that_bypass_the_config_never_add_a_header
RFC 2047-encoded CR/LF in a reply's From name, Subject, Message-ID -> no header added
to the receipt, which goes to the verified sender only
    test_replies_cannot_inject_headers_or_html_into_receipts
<script>, on*= attributes, javascript: links in a reply -> escaped in the receipt's HTML
    test_replies_cannot_inject_headers_or_html_into_receipts (parsed with lxml)
... in the digest
    tests/service/test_digest_render.py::test_answers_are_escaped_in_html_and_quoted_as_text
self-signed SMTP server without ca_file -> one DeliveryError, nothing sent
    tests/outbound/test_faults_smtp.py::
        test_an_untrusted_certificate_stops_the_batch_and_leaves_every_row_due
self-signed IMAP server: STARTTLS / IMAPS -> MailboxError, nothing touched
    tests/service/test_poller.py::test_starttls_works_and_an_untrusted_certificate_is_refused
    test_imaps_verifies_the_certificate_unless_ca_file_trusts_it
security = "none" towards a non-loopback host -> ConfigError
    tests/config/test_config.py::test_security_none_is_refused_towards_other_hosts
SMTP server that does not offer STARTTLS -> refused; no AUTH, no mail in clear
    test_starttls_is_never_downgraded_when_the_server_does_not_offer_it
IMAP server that does not offer STARTTLS -> refused; no LOGIN in clear
    test_imap_starttls_is_never_downgraded
secrets in the logs and output of send, poll, digest --send, status, check (--verbose,
JSON logs, wrong SMTP and IMAP passwords) or in the data_dir -> none anywhere
    test_no_secret_in_any_output_or_file_of_a_full_run
password_command -> its output is the password
    test_no_secret_in_any_output_or_file_of_a_full_run (IMAP),
    tests/service/test_check.py::test_password_command_output_is_the_secret
forged From; Anna's token in a mail from Erik; a forged token (right shape, wrong MAC);
dmarc=fail at imap.trusted_authserv_id; a From name encoded to read as an address;
two From authors -> quarantined, counted (ledger, status), never answered
    test_spoofed_replies_are_quarantined_counted_and_never_answered
    (pure: tests/inbound/test_inbound.py::test_quarantine_reasons,
    tests/inbound/test_inbound.py::test_dmarc_fail_only_counts_from_the_trusted_server)
=?utf-8?q?anna=40example.com?= <mallory@evil.example> -> the address is mallory's
    test_an_encoded_display_name_is_never_the_address
"""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.message
import email.policy
import email.utils
import gc
import json
import os
import shlex
import socket
import subprocess
import sys
import threading
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult

from mailer.addressing import mint_token, subject_with_token
from mailer.config.load import parse_config
from mailer.config.questions import questions_for
from mailer.errors import ConfigError, DeliveryError, MailboxError
from mailer.inbound.imap import ImapInbox
from mailer.models import RenderedMail
from mailer.outbound import compose
from mailer.outbound.samples import sample_person, sample_team
from mailer.parse.replies import parse_reply
from mailer.service import poll as poller
from mailer.service import status
from mailer.service.poll import poll_once
from tests.factories import config_data, member, on_stack, write_config
from tests.helpers_faults import SMTP_ENV, UTC, Team, folder, parse, reply
from tests.mailstack import MailStack

REPO = Path(__file__).resolve().parent.parent
AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
BREAKS = {"crlf": "\r\nBcc: victim@evil.example", "lf": "\nBcc: victim@evil.example",
          "cr": "\rBcc: victim@evil.example"}
#: What a prompt or receipt carries, and nothing more.
HEADERS = {"from", "to", "subject", "date", "message-id", "reply-to", "mime-version",
           "content-type", "auto-submitted", "in-reply-to", "references"}


# --------------------------------------------------------------------------- header injection



def _config_data() -> dict[str, Any]:
    return config_data(smtp={"host": "smtp.example.com", "username": "checkin@example.com",
                             "password_env": "P"},
                       imap={"host": "imap.example.com", "password_env": "P"},
                       team={"display_name": "Platform"},
                       members=[member("Anna Berg", "anna@example.com",
                                       aliases=["anna.berg@example.org"])])


@pytest.mark.parametrize("path", [
    # Not in tests/config/test_config.py's table (names, display_name, availability, smtp.from,
    # imap.folder and member email are there): the other values that reach a header.
    "teams.0.manager.email", "teams.0.members.0.aliases.0", "smtp.username",
    "imap.processed_folder", "imap.quarantine_folder", "teams.0.name",
])
@pytest.mark.parametrize("bad", BREAKS.values(), ids=BREAKS.keys())
def test_config_refuses_line_breaks_in_every_other_header_value(path: str, bad: str) -> None:
    data = _config_data()
    node: Any = data
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if last.isdigit():
        node[int(last)] += bad
    else:
        node[last] = node.get(last, "Checkins/Other") + bad
    with pytest.raises(ConfigError) as raised:
        parse_config(data)
    where = path.replace(".0.", "[0].").replace(".0", "[0]")
    assert any(p.startswith(f"{where}: contains a line break") for p in raised.value.problems), \
        raised.value.problems


def _build(**changes: Any) -> bytes:
    values: dict[str, Any] = dict(
        to="anna@example.com", to_name="Anna Berg", from_name="Team check-in",
        from_address="checkin@example.com", message_id="<t.checkin@example.com>",
        reply_to="checkin@example.com", token=None, headers={"Auto-Submitted": "auto-replied"},
        date=AT)
    subject = changes.pop("subject", "Check-in")
    values.update(changes)
    return compose.build_raw(RenderedMail(subject, "Hej\n", "<p>Hej</p>"), **values)


@pytest.mark.parametrize("field", ["to", "to_name", "from_name", "from_address", "message_id",
                                   "reply_to", "subject", "header"])
@pytest.mark.parametrize("bad", BREAKS.values(), ids=BREAKS.keys())
def test_build_raw_refuses_a_line_break_in_any_header_value(field: str, bad: str) -> None:
    assert parse(_build())["Bcc"] is None  # the clean message builds
    value = {"X-Note": "fine" + bad} if field == "header" else "x" + bad
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        _build(**{"headers" if field == "header" else field: value})


def test_hostile_values_that_bypass_the_config_never_add_a_header() -> None:
    """Values straight into the templates, as if a config check were missing: a person's
    name goes into To and is refused; a team's display name and availability go into the
    subject or body, which are one line / a MIME part: no header can appear."""
    evil = "\r\nBcc: victim@evil.example\r\n\r\n"
    person = sample_person("Anna" + evil, "anna@example.com", language="en")
    team = dataclasses.replace(sample_team(members=[person]), display_name="Platform" + evil,
                               availability="Tuesdays" + evil + "--=_boundary")
    env = compose.build_environment(_sample_config())
    context = compose.prompt_context("checkin", team=team, person=person,
                                     questions=questions_for(team, "checkin", _questions()),
                                     due_at=AT, period="2026-12-02")
    mail = compose.render(env, "checkin", "en", context)
    assert "\n" not in mail.subject and "\r" not in mail.subject
    with pytest.raises(ValueError, match="to_name"):
        _build(subject=mail.subject, to_name=person.name)
    raw = compose.build_raw(mail, to=person.email, to_name="Anna", from_name=team.display_name
                            .split("\r")[0], from_address="checkin@example.com",
                            message_id="<t.checkin@example.com>", reply_to="checkin@example.com",
                            token=None, date=AT)
    message = parse(raw)
    assert {name.lower() for name in message.keys()} <= HEADERS
    assert message["Bcc"] is None and len(message.get_all("To")) == 1
    assert "Tuesdays" in message.get_body(("plain",)).get_content()


def _sample_config() -> Any:
    from mailer.outbound.samples import sample_config

    return sample_config(Path("/nonexistent"))


def _questions() -> Any:
    from mailer.config.questions import load_default_questions

    return load_default_questions()


# --------------------------------------------------------------------------- spoofing, receipts

HOSTILE = ('<script>alert("x")</script> & <img src=x onerror=alert(1)> '
           '<a href="javascript:alert(2)">click</a> <svg onload=alert(3)></svg>')
AUTHSERV = "mx.example.test"


@pytest.fixture
def team(stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    return Team(stack, tmp_path / "data", monkeypatch, size=2,
                imap={"trusted_authserv_id": AUTHSERV})


def _spoofs(team: Team) -> dict[str, bytes]:
    """Each message claims to be a member's reply and must create nothing."""
    anna, erik = team.people
    anna_prompt = team.add_prompt(anna)
    erik_prompt = team.add_prompt(erik)
    forged = mint_token(anna_prompt.slot, b"not-the-service-secret")
    assert len(forged) == len(anna_prompt.token) and forged != anna_prompt.token
    encoded_anna = anna.email.replace("@", "=40")
    return {
        "unknown sender": reply(anna_prompt, "Mallory <mallory@evil.example>", "1. Hacked"),
        "reply to someone else's prompt": reply(
            None, f"Erik <{erik.email}>", "1. Answering for Anna",
            subject=subject_with_token("Re: Check-in", anna_prompt.token)),
        "forged reply token": reply(
            None, f"Anna <{anna.email}>", "1. Fine",
            subject=subject_with_token("Re: Check-in", forged)),
        f"DMARC failed at {AUTHSERV}": reply(
            anna_prompt, f"Anna <{anna.email}>", "1. Fine",
            Authentication_Results=f"{AUTHSERV}; dmarc=fail (p=reject) "
                                   f"header.from={anna.email.split('@')[1]}"),
        # The real author is mallory (whose domain a DMARC check would pass); the display
        # name is encoded to read as Anna's address.
        "encoded name": reply(
            anna_prompt, f"=?utf-8?q?{encoded_anna}?= <mallory@evil.example>", "1. Fine",
            Authentication_Results=f"{AUTHSERV}; dmarc=pass header.from=evil.example"),
        "two authors": reply(erik_prompt, f"=?utf-8?q?Eve=0D=0ABcc:_x@evil?= <{erik.email}>",
                             "1. Fine"),
    }


async def test_spoofed_replies_are_quarantined_counted_and_never_answered(
        stack: MailStack, team: Team) -> None:
    spoofs = _spoofs(team)
    for raw in spoofs.values():
        stack.deliver(raw, team.service)
    report = await poller.poll_and_answer(team.ctx)
    assert report.outcomes == {"quarantine": len(spoofs)}, report.summary()
    assert team.records() == []
    assert team.ctx.ledger.inbound_counts() == {"quarantine": len(spoofs)}
    reasons = [detail for outcome, detail, _ in team.inbound() if outcome == "quarantine"]
    for expected in ("unknown sender", "reply to someone else's prompt", "forged reply token",
                     f"DMARC failed at {AUTHSERV}"):
        assert expected in reasons, reasons
    assert reasons.count("unknown sender") == 3  # mallory, the encoded name, two authors
    assert len(folder(stack, team.service, "Checkins/Quarantine")) == len(spoofs)
    # What `mailer status` shows: the four that matched a platform prompt (by threading or
    # by Anna's token) under the team; the forged token and the DMARC failure (decided
    # before any matching) under "no team".
    now = datetime.now(UTC)
    [platform] = status.collect(team.ctx.config, team.ctx.ledger, now=now)
    unmatched = team.ctx.ledger.inbound_counts_for("", since=now - timedelta(days=7))
    assert (platform.quarantined_this_week, platform.replies_this_week) == (4, 0)
    assert unmatched == {"quarantine": 2}
    assert len(stack.smtp_received) == 0  # no receipt to anyone
    assert all(team.inbox(p) == [] for p in team.people)


def test_an_encoded_display_name_is_never_the_address() -> None:
    """RFC 2047 words belong to the display name: decoding before parsing made the first
    two read as anna@example.com (regression, mailer/replies.py)."""
    cases = {
        "=?utf-8?q?anna=40example.com?= <mallory@evil.example>": "mallory@evil.example",
        "=?utf-8?q?anna=40example.com=2C?= <mallory@evil.example>": "mallory@evil.example",
        "=?utf-8?b?QW5uYSBCZXJnIDxhbm5hQGV4YW1wbGUuY29tPiw=?= <mallory@evil.example>":
            "mallory@evil.example",
        "=?utf-8?q?Eve=0D=0ABcc=3A_x=40evil.example?= <anna@example.com>": "anna@example.com",
        "Anna =?utf-8?q?=C3=85berg?= <Anna@Example.com>": "anna@example.com",
    }
    for header, address in cases.items():
        raw = f"From: {header}\r\nMessage-ID: <m@x>\r\nSubject: x\r\n\r\nhi\r\n".encode()
        parsed = parse_reply(raw, received_at=AT)
        assert parsed.from_address == address, header
        assert "\n" not in parsed.from_name and "\r" not in parsed.from_name
    assert parse_reply(b"From: Anna =?utf-8?q?=C3=85berg?= <a@x.se>\r\n\r\nhi\r\n",
                       received_at=AT).from_name == "Anna Åberg"


async def test_replies_cannot_inject_headers_or_html_into_receipts(stack: MailStack,
                                                                  team: Team) -> None:
    anna, erik = team.people
    anna_prompt, erik_prompt = team.add_prompt(anna), team.add_prompt(erik)
    hostile = reply(anna_prompt, f"Anna <{anna.email}>",
                    f"1. {HOSTILE}\n2. <iframe src=javascript:alert(4)></iframe>\n3. 4")
    injecting = reply(
        erik_prompt, f"=?utf-8?q?Eve=0D=0ABcc=3A_x=40evil.example?= <{erik.email}>",
        "1. Fine\n3. 3",
        subject="=?utf-8?q?Re=3A_Check-in=0D=0ABcc=3A_y=40evil.example?=",
        message_id="<=?utf-8?q?m=0D=0ABcc=3A_z=40evil.example?=@client.example>")
    for raw in (hostile, injecting):
        stack.deliver(raw, team.service)
    report = await poller.poll_and_answer(team.ctx)
    assert report.outcomes == {"record": 2}, report.summary()
    received = stack.smtp_received.snapshot()
    assert sorted(m.rcpt_tos for m in received) == sorted([(anna.email,), (erik.email,)])
    for mail in received:
        message = parse(mail.data)
        assert {name.lower() for name in message.keys()} <= HEADERS, message.keys()
        assert message["Bcc"] is None and message["Cc"] is None
        assert [str(a.addr_spec) for a in message["To"].addresses] == list(mail.rcpt_tos)
        assert "evil.example" not in str(message["To"]) + str(message["From"])
    [receipt] = [parse(m.data) for m in received if m.rcpt_tos == (anna.email,)]
    html = receipt.get_body(("html",)).get_content()
    tree = lxml.html.document_fromstring(html)
    assert tree.xpath("//script | //iframe | //img | //svg | //object | //embed") == []
    for element in tree.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            assert "javascript:" not in value.lower(), (element.tag, name, value)
    shown = tree.text_content()
    assert '<script>alert("x")</script>' in shown and "onerror=alert(1)" in shown  # as text
    # The receipts reached the members' own mailboxes, and nobody else's.
    assert [len(team.inbox(p)) for p in team.people] == [1, 1]


# --------------------------------------------------------------------------- TLS


def test_imaps_verifies_the_certificate_unless_ca_file_trusts_it(stack: MailStack,
                                                                 team: Team) -> None:
    person = team.people[0]
    stack.deliver(reply(team.add_prompt(person), person.email, "1. Fine"), team.service)
    untrusted = dataclasses.replace(team.ctx.config.imap, ca_file=None)
    with pytest.raises(MailboxError, match="CERTIFICATE_VERIFY_FAILED"):
        ImapInbox.open(untrusted, team.service.password).close()
    assert stack.folders(team.service) == ["INBOX"]  # never logged in: nothing created
    assert poll_once(team.ctx).outcomes == {"record": 1}  # with ca_file it works


class _Downgrader:
    """A plain SMTP server that offers AUTH but no STARTTLS: a man in the middle that
    stripped the STARTTLS capability. It records every login and message it sees."""

    def __init__(self) -> None:
        self.logins: list[bytes] = []
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.original_content)
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        self.logins.append(bytes(getattr(auth_data, "password", b"") or b""))
        return AuthResult(success=True)


async def test_starttls_is_never_downgraded_when_the_server_does_not_offer_it(
        stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    team = Team(stack, tmp_path / "data", monkeypatch, size=2)
    plain = _Downgrader()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTPServer(
        plain, hostname="localhost", authenticator=plain.authenticate, auth_require_tls=False),
        "127.0.0.1", 0)
    team.reconfigure(smtp={"port": server.sockets[0].getsockname()[1]})
    async with server:
        with pytest.raises(DeliveryError, match="STARTTLS") as raised:
            await team.send()
    assert raised.value.permanent
    assert plain.logins == [] and plain.messages == []  # no password, no mail in clear
    assert {r.state for r in team.rows().values()} <= {"due"}


def test_imap_starttls_is_never_downgraded() -> None:
    """An IMAP server that offers no STARTTLS: refused before LOGIN, the password unsent."""
    heard: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN LOGIN] plain only\r\n")
            for line in lines:
                heard.append(line)
                tag, _, command = line.decode().partition(" ")
                if command.upper().startswith("CAPABILITY"):
                    conn.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN LOGIN\r\n"
                                 + f"{tag} OK done\r\n".encode())
                elif command.upper().startswith("LOGOUT"):
                    conn.sendall(b"* BYE\r\n" + f"{tag} OK bye\r\n".encode())
                    return
                else:
                    conn.sendall(f"{tag} OK whatever you say\r\n".encode())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    settings = dataclasses.replace(
        imap_settings_for_port(listener.getsockname()[1]), security="starttls")
    try:
        with warnings.catch_warnings():
            # imap-tools leaves the plain socket of a refused upgrade to the garbage collector.
            warnings.simplefilter("ignore", ResourceWarning)
            with pytest.raises(MailboxError, match="TLS not supported by server") as raised:
                ImapInbox.open(settings, "the-imap-password")
            del raised
            gc.collect()
    finally:
        listener.close()
        thread.join(5)
    assert not thread.is_alive()
    assert not any(b"LOGIN" in line.upper() or b"AUTHENTICATE" in line.upper()
                   or b"the-imap-password" in line for line in heard), heard


def imap_settings_for_port(port: int) -> Any:
    from mailer.models import ImapSettings

    return ImapSettings(host="127.0.0.1", port=port, security="starttls",
                        username="checkin@example.test", password_env=None, timeout=5.0)


# --------------------------------------------------------------------------- secrets



def _write_config(path: Path, stack: MailStack, *, data_dir: Path, service: Any,
                  password_file: Path, manager: Any, members: list[Any]) -> Path:
    """A TOML config as an operator writes it: no secret in it, the IMAP password from a
    password_command that reads a file (so not even the command line holds it)."""
    command = shlex.join([sys.executable, "-c",
                          f"print(open({str(password_file)!r}).read().strip())"])
    data = on_stack(config_data(
        domain=stack.domain, data_dir=data_dir, service={"language": "en"},
        members=[member(f"Member {n}", u.email, language="en") for n, u in enumerate(members)],
        team={"display_name": "Platform",
              "manager": {"name": "Lena Holm", "email": manager.email, "language": "en"},
              "checkin": {"days": ["mon", "wed", "fri"], "time": "09:00"},
              "digest": {"day": "fri", "time": "15:00"}}),
        stack, imap_user=service.email, imap_password_env=None)
    data["smtp"].update({"password_env": SMTP_ENV, "from": f"Team check-in <{service.email}>",
                         "max_attempts": 2})
    data["imap"]["password_command"] = command
    return write_config(path, data)


def _run_all(commands: list[tuple[list[str], dict[str, str]]]) -> list[tuple[int, str, str]]:
    """Run ``mailer`` commands side by side; (exit code, stdout, stderr) of each."""
    processes = [subprocess.Popen([sys.executable, "-m", "mailer", *argv], cwd=REPO, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for argv, env in commands]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        results.append((process.returncode, out.decode("utf-8", "replace"),
                        err.decode("utf-8", "replace")))
    return results


def _answer(prompt_raw: bytes, sender: str, text: str) -> bytes:
    prompt = parse(prompt_raw)
    answer = email.message.EmailMessage()
    answer["From"], answer["To"] = sender, str(prompt["Reply-To"])
    answer["Subject"] = "Re: " + str(prompt["Subject"])
    answer["Message-ID"] = email.utils.make_msgid(domain="client.example")
    answer["In-Reply-To"] = answer["References"] = str(prompt["Message-ID"])
    answer.set_content(text)
    return answer.as_bytes()


def test_no_secret_in_any_output_or_file_of_a_full_run(stack: MailStack, tmp_path: Path) -> None:
    """Every command of a week, as subprocesses with --verbose and JSON logs, plus runs with
    a wrong SMTP and a wrong IMAP password: no secret in any output or data file."""
    token_secret = "tok-" + os.urandom(16).hex()
    imap_file, wrong_imap_file = tmp_path / "imap-password", tmp_path / "wrong-imap-password"
    service, manager = stack.new_user("checkin"), stack.new_user("manager")
    members = [stack.new_user("member") for _ in range(2)]
    imap_file.write_text(service.password)
    wrong_imap = "wrong-imap-" + os.urandom(8).hex()
    wrong_imap_file.write_text(wrong_imap)
    wrong_smtp = "wrong-smtp-" + os.urandom(8).hex()
    secrets = {"token secret": token_secret, "SMTP password": stack.smtp_password,
               "IMAP password": service.password, "wrong SMTP password": wrong_smtp,
               "wrong IMAP password": wrong_imap}
    data_dir = tmp_path / "data"
    config = str(_write_config(tmp_path / "mailer.toml", stack, data_dir=data_dir,
                               service=service, password_file=imap_file, manager=manager,
                               members=members))
    wrong_imap_config = str(_write_config(
        tmp_path / "wrong-imap.toml", stack, data_dir=data_dir, service=service,
        password_file=wrong_imap_file, manager=manager, members=members))
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO),
           "MAILER_SECRET": token_secret, SMTP_ENV: stack.smtp_password}
    bad_smtp = {**env, SMTP_ENV: wrong_smtp}
    wed, fri = "2026-12-02T09:00:30+01:00", "2026-12-04T09:00:30+01:00"
    outputs: list[tuple[str, int, str, str]] = []

    def run(*commands: tuple[list[str], dict[str, str]]) -> list[tuple[int, str, str]]:
        results = _run_all(list(commands))
        outputs.extend((" ".join(argv), *result) for (argv, _), result in zip(commands, results, strict=True))
        return results

    [(code, out, err)] = run((["--config", config, "--verbose", "send", "checkin", "--at", wed],
                              env))
    assert code == 0 and out.strip() == "sent 2 check-ins for all teams", err
    for n, user in enumerate(members):
        [prompt] = stack.fetch(user)
        stack.deliver(_answer(prompt, user.email, f"1. Pairing\n2. None\n3. {n + 3}"), service)
    stack.deliver(reply(None, "Mallory <mallory@evil.example>", "1. Hacked", subject="Hi"),
                  service)
    [(code, out, err)] = run((["--config", config, "--verbose", "--log-format", "json", "poll",
                               "--once"], env))
    assert code == 0 and "2 record" in out and "1 quarantine" in out, err
    assert len(list((data_dir / "records").rglob("*.yaml"))) == 2  # the command's password
    results = run(
        (["--config", config, "--verbose", "digest", "--team", "platform", "--week", "2026-W49",
          "--send", "--at", "2026-12-04T15:00:30+01:00"], env),
        (["--config", config, "status"], env),
        (["--config", config, "--log-format", "json", "status", "--json"], env),
        (["--config", config, "check"], env),
        (["--config", config, "--verbose", "--log-format", "json", "check"], env),
        (["--config", wrong_imap_config, "--verbose", "poll", "--once"], env),
        (["--config", config, "--verbose", "send", "checkin", "--at", fri], bad_smtp),
        (["--config", config, "--verbose", "--log-format", "json", "send", "checkin", "--at",
          fri], bad_smtp),
    )
    digest, status, status_json, check, check_verbose, bad_imap, bad_send, bad_send_json = results
    assert digest[0] == 0 and len(stack.fetch(manager)) == 1, digest
    # Exit 3 says a person is needed: here, prompts due and unsent, since no `mailer run` runs.
    assert status[0] in (0, 3) and "failing" not in status[1], status
    assert (status[0] == 3) == ("NEEDS ATTENTION" in status[1]), status
    assert json.loads(status_json[1])["quarantined_no_team"] == 1
    assert check[0] == 0 and check_verbose[0] == 0, (check, check_verbose)
    assert bad_imap[0] == 1 and "IMAP login failed" in bad_imap[2]
    for code, _, err in (bad_send, bad_send_json):
        assert code == 1 and "refused the login" in err
    # A reply whose receipt cannot be sent (wrong SMTP password): the error path of receipts.
    [prompt] = stack.fetch(members[0])[:1]
    stack.deliver(_answer(prompt, members[0].email, "1. Again\n3. 4"), service)
    [(code, out, err)] = run((["--config", config, "--verbose", "poll", "--once"], bad_smtp))
    assert code == 0 and "1 record" in out and "receipts not sent" in err, err
    assert any("DEBUG" in err for _, _, _, err in outputs)  # --verbose did log
    for command, _, out, err in outputs:
        for what, value in secrets.items():
            assert value not in out and value not in err, f"{what} in the output of {command}"
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".yaml" for p in files) and any("ledger" in p.name for p in files)
    for path in files:
        data = path.read_bytes()
        for what, value in secrets.items():
            assert value.encode() not in data, f"{what} in {path.relative_to(data_dir)}"
