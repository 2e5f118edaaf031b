"""The README's "Running it for real", followed word for word against the loopback mail stack.

Every ``sh`` block of that section runs, in order, in one bash session started in a copy of the
work tree (``pip install .`` needs the clone). Only what must differ on a test machine is
replaced, each replacement listed in :data:`STAND_INS` and required to match, so an edit of the
README that the test no longer follows fails here: the install and config paths (temporary
folders instead of /opt and /etc) and the password placeholder (the test mailbox's). The answers
to ``mailer init``'s questions come on stdin, as a person would type them; the private CA of the
loopback servers is trusted through ``SSL_CERT_FILE``, as for any private CA. Then the test
replies to the test prompt and checks the receipt that says it was a test.
"""

from __future__ import annotations

import re
import subprocess
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.cli.installed import ROOT, copy_of_work_tree, offline_env
from tests.mailstack import MailStack

pytestmark = pytest.mark.slow

SECTION = "## Running it for real"
#: README text -> what the test uses instead (each must occur in the section's commands).
STAND_INS = {"/opt/mailer": "{venv}", "/etc/mailer": "{etc}",
             "'the password of the mailbox'": "'{password}'"}
TIMEOUT = 300  # runaway guard; the whole section takes ~15 s


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start:end if end > 0 else None]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def answers(stack: MailStack, service: str, manager: str) -> str:
    """What a person types at ``mailer init``'s questions (Enter takes the default)."""
    lines = ["3",  # another IMAP/SMTP server
             service, "",  # the mailbox; sender name: the default
             "127.0.0.1", "starttls", str(stack.submission_port),
             "127.0.0.1", "tls", str(stack.imaps_port),
             "",  # the login: the mailbox (the default)
             f"Maria Lind <{manager}>", "platform", "",
             "Anna Berg <anna@example.com>", "Yuki Tanaka <yuki@example.com>", "",
             "Europe/Stockholm", "en"]
    return "\n".join(lines) + "\n"


def test_running_it_for_real_word_for_word(stack: MailStack, tmp_path: Path) -> None:
    service, manager = stack.new_user("checkin"), stack.new_user("maria")
    values = {"venv": str(tmp_path / "opt-mailer"), "etc": str(tmp_path / "etc-mailer"),
              "password": service.password}
    script = "\n".join(readme_commands())
    for text, stand_in in STAND_INS.items():
        assert text in script, f"the README no longer says {text}"
        script = script.replace(text, stand_in.format(**values))
    # Harness, not README: keep the secret the README's shell made, for the poll below.
    script += f"\nprintf '%s' \"$MAILER_SECRET\" > {tmp_path / 'secret'}"
    clone = copy_of_work_tree(tmp_path / "clone")
    env = offline_env(SSL_CERT_FILE=str(stack.ca_file))
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=clone, env=env,
                          input=answers(stack, service.email, manager.email),
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, f"{script}\n---\n{done.stdout}\n{done.stderr}"
    assert "\nok\n" in done.stdout  # mailer check
    assert "MAILER_SMTP_PASSWORD" in done.stdout  # init said what to set
    config_text = (tmp_path / "etc-mailer" / "mailer.toml").read_text(encoding="utf-8")
    assert service.password not in config_text
    assert (clone / "checkin.html").read_text(encoding="utf-8").count("Anna") >= 1

    # The test check-in reached the manager, marked, rendered for Anna.
    (raw,) = stack.fetch(manager)
    prompt = message_from_bytes(raw, policy=policy.default)
    assert isinstance(prompt, EmailMessage)
    assert prompt["Subject"].startswith("[TEST] ")
    body = prompt.get_body(("plain",))
    assert body is not None and "Anna" in body.get_content()

    # A reply to it gets a receipt that says it was a test, and nothing is recorded.
    reply = (f"From: Maria Lind <{manager.email}>\r\nTo: {service.email}\r\n"
             f"Subject: Re: {prompt['Subject']}\r\nMessage-ID: <test-reply@example.test>\r\n"
             f"In-Reply-To: {prompt['Message-ID']}\r\nReferences: {prompt['Message-ID']}\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n\r\n"
             "1. Pairing with Erik\r\n2. Slow CI\r\n3. 4\r\n").encode()
    stack.deliver(reply, service)
    # The shell of the README made MAILER_SECRET; the harness kept it (see below) for this poll.
    env.update(MAILER_CONFIG=str(tmp_path / "etc-mailer" / "mailer.toml"),
               MAILER_SECRET=(tmp_path / "secret").read_text(),
               MAILER_SMTP_PASSWORD=service.password, MAILER_IMAP_PASSWORD=service.password)
    polled = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", f"{values['venv']}/bin/mailer poll --once"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert polled.returncode == 0, polled.stderr
    receipts = [message_from_bytes(r, policy=policy.default) for r in stack.fetch(manager)][1:]
    assert len(receipts) == 1
    text = receipts[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "test" in text.lower() and "nothing was saved" in text.lower()
    assert not list((tmp_path / "etc-mailer" / "data" / "records").rglob("*.yaml"))
