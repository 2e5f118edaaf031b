"""What the commands leave outside the data folder: output files a user may read (0600, as they
quote answers and goals), and a clean exit when the reader of stdout goes away."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mailer.cli.main import main as cli
from tests.mailstack import MailStack
from tests.service.test_digest_e2e import AT, fill
from tests.service.test_digest_e2e import write_config as digest_config
from tests.service.test_send import PASSWORD_ENV
from tests.service.test_send import write_config as send_config


def _widely_readable(path: Path) -> None:
    path.write_text("an older file\n", encoding="utf-8")
    path.chmod(0o644)


def test_digest_output_is_private_even_over_an_older_file(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILER_SECRET", raising=False)
    config = digest_config(tmp_path, manager="lena@example.com", smtp_port=2525,
                           smtp_user="x@example.test", ca_file=tmp_path / "none.pem")
    fill(tmp_path / "data", "lena@example.com")
    out = tmp_path / "digest.html"
    _widely_readable(out)
    assert cli(["--config", str(config), "digest", "--output", str(out), "--at", AT]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text("utf-8").startswith("<!DOCTYPE html>")


def test_preview_output_is_private(stack: MailStack, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    users = [stack.new_user("mode")]
    path = send_config(stack, tmp_path, users)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    monkeypatch.delenv("MAILER_SECRET", raising=False)
    html = tmp_path / "preview.html"
    _widely_readable(html)
    assert cli(["--config", str(path), "preview", "checkin", "--output", str(html)]) == 0
    assert stat.S_IMODE(html.stat().st_mode) == 0o600
    assert "max-width: 600px" in html.read_text(encoding="utf-8")


def test_a_closed_pipe_ends_the_command_quietly(stack: MailStack, tmp_path: Path) -> None:
    """``mailer send checkin --dry-run | head -1``: head exits after a line; no traceback."""
    users = [stack.new_user("pipe") for _ in range(3)]
    path = send_config(stack, tmp_path, users)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes a byte
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILER_")}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mailer", "--config", str(path), "send", "checkin",
             "--at", "2026-12-23T09:00:30+01:00", "--dry-run"],
            stdout=write_end, stderr=subprocess.PIPE, env=env, timeout=60, check=False)
    finally:
        os.close(write_end)
    assert done.stderr == b""
    assert done.returncode == 141
