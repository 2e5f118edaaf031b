"""IMAP sign-in with OAuth tokens against Dovecot's oauth2 passdb.

Dovecot asks the loopback token server about each token (RFC 7662 introspection), so a token
works exactly while the token server says it does: expired, revoked or without the grant,
it is refused.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import pytest
from imap_tools import MailBox

from mailer.config.tokens import OAuthLogin, build_cache
from mailer.errors import MailboxAuthError
from mailer.inbound.imap import ImapInbox, _sign_in_oauth
from mailer.models import ImapSettings
from tests.oauth_fixtures import OAuthWorld
from tests.oauthstack import google_key_file


def mailbox(oauth: OAuthWorld, prefix: str) -> str:
    address = f"{prefix}-{secrets.token_hex(3)}@example.test"
    oauth.dovecot.add_user(address, secrets.token_urlsafe(12))  # the userdb entry
    return address


def settings(oauth: OAuthWorld, user: str) -> ImapSettings:
    return ImapSettings(host="127.0.0.1", port=oauth.dovecot.imaps_port, security="tls",
                        username=user, password_env=None, ca_file=oauth.ca_file, timeout=10,
                        auth="oauth2")


def logins(oauth: OAuthWorld, user: str, what: str) -> int:
    """Dovecot's log lines for ``user``: "Login:" (success) or "auth failed" (refusal)."""
    deadline = time.monotonic() + 5  # Dovecot's log process writes a little behind
    count = 0
    while time.monotonic() < deadline:
        lines = oauth.dovecot.log().splitlines()
        count = sum(1 for line in lines if user in line and what in line)
        if count:
            break
        time.sleep(0.05)
    return count


def test_sign_in_with_a_microsoft_token(oauth: OAuthWorld) -> None:
    user = mailbox(oauth, "svc")
    tokens = build_cache(oauth.microsoft(user))
    inbox = ImapInbox.open(settings(oauth, user), OAuthLogin(user, tokens))
    try:
        assert inbox.uidvalidity() > 0 and inbox.idle_supported
    finally:
        inbox.close()
    # Dovecot offers both mechanisms; the standard one is preferred (RFC 7628).
    assert logins(oauth, user, "method=OAUTHBEARER") == 1


def test_sign_in_with_a_google_service_account(oauth: OAuthWorld, tmp_path: Path) -> None:
    from mailer.models import OAuth2Settings

    user = mailbox(oauth, "svc")
    key_file = tmp_path / "sa.json"
    google_key_file(key_file, oauth.server)
    tokens = build_cache(OAuth2Settings("google", service_account_file=key_file))
    ImapInbox.open(settings(oauth, user), OAuthLogin(user, tokens)).close()
    assert oauth.store.requests == ["google"]


def test_a_revoked_token_is_renewed_once(oauth: OAuthWorld) -> None:
    user = mailbox(oauth, "svc")
    tokens = build_cache(oauth.microsoft(user))
    tokens.get(user)
    oauth.store.revoke()
    ImapInbox.open(settings(oauth, user), OAuthLogin(user, tokens)).close()
    assert tokens.fetches == 2


def test_without_the_grant_one_clear_error_after_one_renewal(oauth: OAuthWorld) -> None:
    user = mailbox(oauth, "svc")
    tokens = build_cache(oauth.microsoft(user))
    oauth.store.remove_grant(user)
    with pytest.raises(MailboxAuthError, match=f"refused the OAuth token .* of {user}") as caught:
        ImapInbox.open(settings(oauth, user), OAuthLogin(user, tokens))
    assert tokens.fetches == 2
    assert not any(token in str(caught.value) for token in oauth.store.issued())


def test_xoauth2_when_the_server_offers_only_that_and_a_refusal_ends_cleanly(
        oauth: OAuthWorld) -> None:
    user = mailbox(oauth, "svc")
    tokens = build_cache(oauth.microsoft(user))
    tokens.get(user)
    oauth.store.revoke()  # the first try is refused: the exchange must end, then renew
    box = MailBox("127.0.0.1", oauth.dovecot.imaps_port, ssl_context=oauth.client_tls)
    box.client.capabilities = tuple(c for c in box.client.capabilities
                                    if c != "AUTH=OAUTHBEARER")
    try:
        assert _sign_in_oauth(box, OAuthLogin(user, tokens), settings(oauth, user)) == "XOAUTH2"
        assert box.client.state == "AUTH"
    finally:
        box.logout()
    assert tokens.fetches == 2 and logins(oauth, user, "method=XOAUTH2") == 1
