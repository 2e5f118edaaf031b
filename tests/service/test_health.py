"""The service's health: one log line per change of state, a state file that a full disk
cannot stop being updated."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mailer.service.health import STATE_SIZE, Health, read_state

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)


def test_a_failing_component_is_logged_once_and_its_recovery_once_with_the_count(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    health = Health(tmp_path, started_at=NOW)
    health.open()
    for minute in range(30):
        health.problem("smtp", NOW + timedelta(minutes=minute), "421 down")
    health.ok("smtp", NOW + timedelta(minutes=31), "sent 3")
    health.ok("smtp", NOW + timedelta(minutes=32), "sent 1")
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2, messages
    assert messages[0].startswith("smtp failing: 421 down")
    assert messages[1] == "smtp recovered after 30 failed attempts in 31m: sent 3"
    state = read_state(tmp_path)
    assert state is not None and state["components"]["smtp"]["state"] == "ok"
    health.close()


def test_a_refused_sign_in_is_an_error_and_its_own_state(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    health = Health(tmp_path, started_at=NOW)
    assert health.problem("imap", NOW, "connection reset")
    assert health.problem("imap", NOW, "login refused", auth=True)  # a change: logged
    assert not health.problem("imap", NOW, "login refused", auth=True)
    assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.ERROR]
    assert health.get("imap").state == "auth" and health.get("imap").failures == 2


def test_the_state_file_has_a_fixed_size_private_mode_and_is_rewritten_in_place(
        tmp_path: Path) -> None:
    health = Health(tmp_path, started_at=NOW)
    health.open()
    path = tmp_path / "service-state.json"
    inode = path.stat().st_ino
    health.set_config(path="/etc/mailer.toml", sha256="ab" * 32, loaded_at=NOW, teams=3)
    health.problem("ledger", NOW, "x" * 20000)  # a huge detail never grows the file
    assert path.stat().st_size == STATE_SIZE and path.stat().st_ino == inode
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    state = read_state(tmp_path)
    assert state is not None and state["config"]["teams"] == 3
    assert state["pid"] == os.getpid()
    health.close()


def test_no_state_file_reads_as_none(tmp_path: Path) -> None:
    assert read_state(tmp_path) is None
