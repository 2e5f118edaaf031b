"""Fixtures for the OAuth tests: the loopback token server, its Dovecot, an XOAUTH2 SMTP server.

``oauth_server`` (session) is the token server with its throwaway certificate;
``oauth`` (per test) forgets every app, account and token, sets the test-only variables that
point :mod:`mailer.config.tokens` at it, and gives the test a :class:`OAuthWorld` to set up.
"""

from __future__ import annotations

import ssl
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mailer.config.tokens import TEST_AUTHORITY_ENV, TEST_CA_ENV
from mailer.models import OAuth2Settings
from tests.factories import config_data
from tests.mailstack import MailStackError, make_certificate
from tests.oauthstack import (
    CLIENT_ID,
    TENANT,
    OAuthDovecot,
    OAuthServer,
    TokenStore,
    start_dovecot,
)

SECRET_ENV = "MAILER_TEST_OAUTH_SECRET"


@dataclass
class OAuthWorld:
    server: OAuthServer
    dovecot: OAuthDovecot
    ca_file: Path
    server_tls: ssl.SSLContext
    client_tls: ssl.SSLContext
    monkeypatch: pytest.MonkeyPatch

    @property
    def store(self) -> TokenStore:
        return self.server.store

    def microsoft(self, mailbox: str, *, secret: str = "app-secret-value") -> OAuth2Settings:
        """An app allowed on ``mailbox``, and the [oauth2] settings that use it."""
        self.server.add_microsoft_app(mailbox, secret=secret)
        self.monkeypatch.setenv(SECRET_ENV, secret)
        return OAuth2Settings("microsoft", tenant_id=TENANT, client_id=CLIENT_ID,
                              client_secret_env=SECRET_ENV)

    def config(self, user: str, *, data_dir: Path, smtp_port: int,
               **oauth2: str) -> dict[str, Any]:
        """The issue's Microsoft 365 config for ``user``, pointed at the loopback servers:
        Dovecot over IMAPS, an SMTP server on ``smtp_port`` (STARTTLS), this token server."""
        signed_in = {"host": "127.0.0.1", "username": user, "auth": "oauth2",
                     "ca_file": str(self.ca_file)}
        data = config_data(
            domain="example.test", data_dir=data_dir,
            smtp={**signed_in, "port": smtp_port, "security": "starttls",
                  "provider": "microsoft365", "from": f"Check-in <{user}>"},
            imap={**signed_in, "port": self.dovecot.imaps_port, "security": "tls"})
        del data["imap"]["password_env"]
        data["oauth2"] = {"provider": "microsoft", "tenant_id": TENANT, "client_id": CLIENT_ID,
                          "client_secret_env": SECRET_ENV, **oauth2}
        return data


@pytest.fixture(scope="session")
def oauth_server() -> Iterator[tuple[OAuthServer, OAuthDovecot, Path, Path]]:
    with tempfile.TemporaryDirectory(prefix="oauth-") as folder:
        root = Path(folder)
        root.chmod(0o711)  # Dovecot's auth process (user dovecot) must get through it
        try:
            cert, key = make_certificate(root)
            server = OAuthServer(cert=cert, key=key).start()
            (root / "dovecot").mkdir()
            dovecot = start_dovecot(root / "dovecot", server, cert=cert, key=key)
        except MailStackError as exc:
            pytest.fail(f"the OAuth test servers did not start: {exc}", pytrace=False)
        try:
            yield server, dovecot, cert, key
        finally:
            dovecot.stop()
            server.stop()


@pytest.fixture
def oauth(oauth_server: tuple[OAuthServer, OAuthDovecot, Path, Path],
          monkeypatch: pytest.MonkeyPatch) -> Iterator[OAuthWorld]:
    server, dovecot, cert, key = oauth_server
    server.apps.clear()
    server.google.clear()
    server.store = TokenStore()
    monkeypatch.setenv(TEST_AUTHORITY_ENV, server.authority)
    monkeypatch.setenv(TEST_CA_ENV, str(cert))
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    yield OAuthWorld(server, dovecot, cert, server_tls,
                     ssl.create_default_context(cafile=str(cert)), monkeypatch)
