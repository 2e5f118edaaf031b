"""The poller with OAuth sign-in against Dovecot's oauth2 passdb: expiry during IDLE, a
removed permission (the refused-login half hour, no retry storm)."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from mailer.config.tokens import TokenCache
from mailer.service.context import Context, open_context
from mailer.service.health import Health
from mailer.service.poll import _Session
from tests.factories import make_config
from tests.inbound.test_imap_oauth import logins, mailbox
from tests.oauth_fixtures import OAuthWorld


def now() -> datetime:
    return datetime.now(UTC)


def oauth_context(oauth: OAuthWorld, user: str, data_dir: Path) -> Context:
    oauth.microsoft(user)
    oauth.monkeypatch.setenv("MAILER_SECRET", "poller-test-secret-0123456789")
    return open_context(make_config(oauth.config(user, data_dir=data_dir, smtp_port=1)))


def start(session: _Session) -> threading.Thread:
    thread = threading.Thread(target=session.run, daemon=True)
    thread.start()
    return thread


def stop(session: _Session, thread: threading.Thread) -> None:
    session.wake()
    thread.join(10)
    session.close()
    assert not thread.is_alive()


def wait_for(condition: Any, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_poller_without_the_grant_waits_the_refused_login_half_hour(
        oauth: OAuthWorld, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    user = mailbox(oauth, "svc")
    ctx = oauth_context(oauth, user, tmp_path)
    oauth.store.remove_grant(user)
    session = _Session(lambda: ctx, now, lambda report: None, Health(None, started_at=now()))
    with caplog.at_level(logging.ERROR, logger="mailer"):
        thread = start(session)
        wait_for(lambda: caplog.records)
        time.sleep(1.5)  # a retry storm would show up here: the backoff starts at 1 s
        stop(session, thread)
    assert len(caplog.records) == 1 and session.failures == 1  # one try, then the half hour
    assert "next try at" in caplog.records[0].getMessage()
    assert "docs/providers.md" in caplog.records[0].getMessage()
    assert not any(token in caplog.text for token in oauth.store.issued())
    assert len(oauth.store.requests) == 2  # the token, and one renewal


def test_poller_token_expires_during_idle_and_nothing_is_lost(
        oauth: OAuthWorld, tmp_path: Path) -> None:
    oauth.store.lifetime = 2.0
    user = mailbox(oauth, "svc")
    ctx = oauth_context(oauth, user, tmp_path)
    assert isinstance(ctx.tokens, TokenCache)
    reports: list[Any] = []
    session = _Session(lambda: ctx, now, reports.append, Health(None, started_at=now()))
    thread = start(session)
    try:
        wait_for(lambda: reports)  # signed in, first pass done, now in IDLE
        time.sleep(2.5)  # the token expires while the session idles
        oauth.dovecot.restart()  # the server ends the session (as Exchange may at expiry)
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "anna@example.test", user, "Re: Check-in"
        msg["Message-ID"] = "<reply-1@example.test>"
        msg.set_content("All good this week.\n")
        oauth.dovecot.deliver(bytes(msg), user)
        wait_for(lambda: sum(r.seen for r in reports) >= 1)
    finally:
        stop(session, thread)
    assert ctx.tokens.fetches == 2  # renewed for the new session, never refused
    assert sum(r.seen for r in reports) == 1 and not any(r.errors for r in reports)
    assert logins(oauth, user, "auth failed") == 0
