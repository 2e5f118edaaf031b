"""Access tokens from the loopback token server: msal, google-auth and a command; the cache."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mailer.config.tokens import (
    COMMAND_TOKEN_SECONDS,
    TEST_AUTHORITY_ENV,
    CommandProvider,
    Grant,
    TokenCache,
    build_cache,
    renew_at,
)
from mailer.errors import TokenError
from mailer.logs import redact
from mailer.models import OAuth2Settings
from tests.oauth_fixtures import SECRET_ENV, OAuthWorld
from tests.oauthstack import CLIENT_ID, TENANT, certificate_file, google_key_file

MAILBOX = "checkin@example.test"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_microsoft_token_is_fetched_once_then_renewed_before_it_expires(oauth: OAuthWorld
                                                                         ) -> None:
    settings = oauth.microsoft(MAILBOX)
    clock = Clock()
    cache = TokenCache(build_cache(settings).provider, monotonic=clock)
    first = cache.get(MAILBOX)
    assert oauth.store.check(first, MAILBOX) is not None
    assert cache.get(MAILBOX) == first and cache.get(MAILBOX.upper()) == first
    clock.now += 3600 - 301  # 5 minutes and a second before expiry: still the same
    assert cache.get(MAILBOX) == first
    clock.now += 2
    second = cache.get(MAILBOX)
    assert second != first and oauth.store.check(second, MAILBOX) is not None
    assert oauth.store.requests == ["microsoft", "microsoft"]
    assert redact(f"token {second}") == "token [secret]"


def test_renew_fetches_once_however_many_connections_saw_the_refusal(oauth: OAuthWorld) -> None:
    cache = build_cache(oauth.microsoft(MAILBOX))
    refused = cache.get(MAILBOX)
    renewed = [cache.renew(MAILBOX, refused) for _ in range(3)]
    assert len(set(renewed)) == 1 and renewed[0] != refused
    assert len(oauth.store.requests) == 2


def test_renew_at_leaves_a_fifth_of_a_short_lifetime() -> None:
    assert renew_at(100.0, 3600.0) == 100.0 + 3300.0
    assert renew_at(0.0, 10.0) == 8.0


@pytest.mark.parametrize(("change", "key"), [
    ({"tenant_id": "11111111-2222-3333-4444-555555555555"}, "oauth2.tenant_id"),
    ({"client_id": "99999999-2222-3333-4444-555555555555"}, "oauth2.client_id"),
    ({"client_secret_env": "MAILER_TEST_WRONG_SECRET"}, "oauth2.client_secret_env"),
])
def test_microsoft_refusals_name_the_key_to_fix(oauth: OAuthWorld, change: dict[str, str],
                                                key: str) -> None:
    settings = oauth.microsoft(MAILBOX)
    oauth.monkeypatch.setenv("MAILER_TEST_WRONG_SECRET", "not-the-secret")
    wrong = OAuth2Settings(**{**settings.__dict__, **change})
    with pytest.raises(TokenError) as caught:
        build_cache(wrong).get(MAILBOX)
    assert caught.value.key == key and caught.value.permanent
    assert "not-the-secret" not in str(caught.value)


def test_microsoft_with_a_certificate_instead_of_a_secret(oauth: OAuthWorld,
                                                          tmp_path: Path) -> None:
    pem = tmp_path / "app.pem"
    oauth.server.add_microsoft_app(MAILBOX, certificate=certificate_file(pem))
    cache = build_cache(OAuth2Settings("microsoft", tenant_id=TENANT, client_id=CLIENT_ID,
                                       client_certificate_file=pem))
    assert oauth.store.check(cache.get(MAILBOX), MAILBOX) is not None
    other = tmp_path / "other.pem"
    certificate_file(other)
    with pytest.raises(TokenError) as caught:
        build_cache(OAuth2Settings("microsoft", tenant_id=TENANT, client_id=CLIENT_ID,
                                   client_certificate_file=other)).get(MAILBOX)
    assert caught.value.key == "oauth2.client_certificate_file"


def test_microsoft_unreachable_is_temporary(oauth: OAuthWorld) -> None:
    settings = oauth.microsoft(MAILBOX)
    oauth.monkeypatch.setenv(TEST_AUTHORITY_ENV, "https://127.0.0.1:9")
    with pytest.raises(TokenError) as caught:
        build_cache(settings).get(MAILBOX)
    assert not caught.value.permanent


def test_the_test_override_refuses_anything_but_loopback(oauth: OAuthWorld) -> None:
    settings = oauth.microsoft(MAILBOX)
    oauth.monkeypatch.setenv(TEST_AUTHORITY_ENV, "https://login.example.com")
    with pytest.raises(TokenError, match="loopback"):
        build_cache(settings).get(MAILBOX)


def test_google_service_account_acts_as_the_mailbox(oauth: OAuthWorld, tmp_path: Path) -> None:
    key_file = tmp_path / "sa.json"
    google_key_file(key_file, oauth.server)
    cache = build_cache(OAuth2Settings("google", service_account_file=key_file))
    token = cache.get(MAILBOX)
    assert oauth.store.check(token, MAILBOX) is not None
    assert oauth.store.check(token, "someone@example.test") is None
    other = cache.get("other@example.test")  # one token per mailbox
    assert other != token and oauth.store.requests == ["google", "google"]
    private_key = json.loads(key_file.read_text())["private_key"]
    assert redact(private_key) == "[secret]"


def test_google_without_delegation_for_the_scope(oauth: OAuthWorld, tmp_path: Path) -> None:
    key_file = tmp_path / "sa.json"
    google_key_file(key_file, oauth.server).delegated_scopes.clear()
    with pytest.raises(TokenError, match="domain-wide delegation") as caught:
        build_cache(OAuth2Settings("google", service_account_file=key_file)).get(MAILBOX)
    assert caught.value.key == "oauth2.service_account_file"


def test_google_key_file_that_is_not_one(tmp_path: Path) -> None:
    key_file = tmp_path / "sa.json"
    key_file.write_text('{"type": "authorized_user"}')
    with pytest.raises(TokenError, match="not a service account key") as caught:
        build_cache(OAuth2Settings("google", service_account_file=key_file)).get(MAILBOX)
    assert caught.value.key == "oauth2.service_account_file"


def _script(tmp_path: Path, body: str) -> str:
    script = tmp_path / "token.py"
    script.write_text(body)
    return f"{sys.executable} {script}"


def test_command_token_bare_or_json_with_the_mailbox_in_its_environment(tmp_path: Path) -> None:
    bare = CommandProvider(_script(tmp_path, "import os; print('tok-' + os.environ['MAILER_OAUTH_USER'])"))
    assert bare.fetch(MAILBOX) == Grant(f"tok-{MAILBOX}", COMMAND_TOKEN_SECONDS)
    as_json = CommandProvider(_script(
        tmp_path, 'print(\'{"access_token": "abc.def", "expires_in": 120}\')'))
    assert as_json.fetch(MAILBOX) == Grant("abc.def", 120.0)


def test_command_that_fails_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(TokenError) as caught:
        CommandProvider(_script(tmp_path, "raise SystemExit(3)")).fetch(MAILBOX)
    assert caught.value.key == "oauth2.token_command" and "exit code 3" in str(caught.value)


def test_missing_client_secret_variable(oauth: OAuthWorld) -> None:
    settings = oauth.microsoft(MAILBOX)
    oauth.monkeypatch.delenv(SECRET_ENV)
    with pytest.raises(Exception, match=SECRET_ENV):
        build_cache(settings).get(MAILBOX)
