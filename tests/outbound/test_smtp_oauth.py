"""SMTP with OAuth tokens and the providers' limits, against a real aiosmtpd on loopback.

The token server and the SMTP server share a token store: the SMTP server accepts only
tokens the token server handed out, unexpired and unrevoked. Pacing runs on a simulated
clock that the server shares, so a minute of the provider's counting costs no real minute.
"""

from __future__ import annotations

import dataclasses
from email.message import EmailMessage

import pytest

from mailer.config.tokens import OAuthLogin, TokenCache, build_cache
from mailer.errors import AuthenticationError, DeliveryError
from mailer.models import SmtpSettings
from mailer.outbound import smtp as outbox
from mailer.outbound.pacing import SimulatedTimer, Timing
from tests.oauth_fixtures import OAuthWorld
from tests.oauthstack import OAuthSmtp, SmtpLimits

MAILBOX = "checkin@example.test"
FAST = outbox.Backoff(base=0.01, cap=0.05)


def settings(port: int, oauth: OAuthWorld, **changes: object) -> SmtpSettings:
    base = SmtpSettings(host="127.0.0.1", port=port, security="starttls", username=MAILBOX,
                        password_env=None, from_address=MAILBOX, from_name="Check-in",
                        ca_file=oauth.ca_file, timeout=5.0, max_connections=2, max_attempts=4,
                        auth="oauth2")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def message(n: int) -> outbox.Outgoing:
    msg = EmailMessage()
    to = f"person{n}@example.test"
    msg["From"], msg["To"], msg["Subject"] = MAILBOX, to, f"Check-in {n}"
    msg["Message-ID"] = f"<msg{n}.checkin@example.test>"
    msg.set_content(f"Hej {n}\n")
    return outbox.Outgoing(f"key{n}", msg, to, MAILBOX)


async def send(s: SmtpSettings, oauth: OAuthWorld, tokens: TokenCache, count: int,
               timing: Timing | None = None) -> dict[str, outbox.Outcome]:
    outcomes = await outbox.send_messages(
        s, [message(n) for n in range(count)], password=OAuthLogin(MAILBOX, tokens), tls_context=oauth.client_tls,
        backoff=FAST, timing=timing)
    return {o.key: o for o in outcomes}


@pytest.mark.parametrize("mechanisms", [("XOAUTH2",), ("XOAUTH2", "OAUTHBEARER")])
async def test_sign_in_with_a_token_and_send(oauth: OAuthWorld,
                                             mechanisms: tuple[str, ...]) -> None:
    tokens = build_cache(oauth.microsoft(MAILBOX))
    async with OAuthSmtp(oauth.store, oauth.server_tls, mechanisms=mechanisms) as server:
        outcomes = await send(settings(server.port, oauth), oauth, tokens, 5)
    assert all(o.sent for o in outcomes.values()) and len(server.accepted) == 5
    assert {a.user for a in server.accepted} == {MAILBOX}
    assert server.auth_failures == 0 and tokens.fetches == 1


async def test_a_revoked_token_is_renewed_once_and_nothing_is_lost(oauth: OAuthWorld) -> None:
    tokens = build_cache(oauth.microsoft(MAILBOX))
    limits = SmtpLimits(messages_per_session=3)  # sessions end: new sign-ins mid-batch
    async with OAuthSmtp(oauth.store, oauth.server_tls, limits=limits) as server:
        tokens.get(MAILBOX)
        oauth.store.revoke()  # e.g. an admin revoked the app's sessions
        outcomes = await send(settings(server.port, oauth, max_connections=1), oauth, tokens, 10)
    assert all(o.sent for o in outcomes.values())
    assert sorted(server.message_ids()) == sorted(f"<msg{n}.checkin@example.test>"
                                                  for n in range(10))
    assert server.auth_failures == 1 and tokens.fetches == 2


async def test_tokens_expiring_during_a_long_batch_are_renewed_before_use(
        oauth: OAuthWorld) -> None:
    oauth.store.lifetime = 5.0  # seconds; renewed at 4 s, and the batch takes 5 s or more
    tokens = build_cache(oauth.microsoft(MAILBOX))
    limits = SmtpLimits(messages_per_session=4)
    timing = Timing(minute=0.5)  # the real clock, with a shortened minute
    async with OAuthSmtp(oauth.store, oauth.server_tls, limits=limits) as server:
        s = settings(server.port, oauth, max_connections=2, max_per_minute=10)
        outcomes = await send(s, oauth, tokens, 100, timing)  # 10 every 0.5 s: >= 5 s
    assert all(o.sent for o in outcomes.values()) and len(set(server.message_ids())) == 100
    assert server.auth_failures == 0  # renewed ahead of expiry, never refused
    assert tokens.fetches >= 2


async def test_a_removed_permission_stops_the_batch_with_one_clear_error(
        oauth: OAuthWorld) -> None:
    tokens = build_cache(oauth.microsoft(MAILBOX))
    oauth.store.remove_grant(MAILBOX)  # Remove-MailboxPermission: no token works
    async with OAuthSmtp(oauth.store, oauth.server_tls) as server:
        with pytest.raises(AuthenticationError, match="permission on the mailbox") as caught:
            await send(settings(server.port, oauth, max_connections=3), oauth, tokens, 10)
    assert server.auth_failures == 2  # the token, then one renewed token: no storm
    assert len(oauth.store.requests) == 2 and not server.accepted
    assert caught.value.code == 535
    assert not any(token in str(caught.value) for token in oauth.store.issued())


async def test_a_token_the_provider_refuses_stops_the_batch(oauth: OAuthWorld) -> None:
    settings_ = oauth.microsoft(MAILBOX)
    oauth.monkeypatch.setenv("MAILER_TEST_OAUTH_SECRET", "revoked-secret")
    tokens = build_cache(settings_)
    async with OAuthSmtp(oauth.store, oauth.server_tls) as server:
        with pytest.raises(AuthenticationError, match="client secret is wrong"):
            await send(settings(server.port, oauth), oauth, tokens, 3)
    assert not server.accepted and not oauth.store.requests


async def test_pacing_three_connections_thirty_a_minute(oauth: OAuthWorld) -> None:
    """The issue's case: 100 messages, never more than 3 connections or 30 in any 60 s."""
    timer = SimulatedTimer()
    tokens = build_cache(oauth.microsoft(MAILBOX))
    limits = SmtpLimits(max_connections=3, max_per_minute=30)
    async with OAuthSmtp(oauth.store, oauth.server_tls, limits=limits,
                         clock=timer.monotonic) as server:
        s = settings(server.port, oauth, max_connections=3, max_per_minute=30)
        outcomes = await send(s, oauth, tokens, 100, Timing(timer))
    assert all(o.sent for o in outcomes.values()) and len(set(server.message_ids())) == 100
    assert server.most_open <= 3 and server.most_in_any_minute() <= 30
    assert not server.throttled
    # 100 at 30 a minute: the last 10 start three minutes after the first 30, and the pacer
    # waited no more than that (the rest of the simulated time is real time).
    assert timer.monotonic() >= 180 and timer.skipped <= 180


async def test_throttling_replies_lose_and_duplicate_nothing(oauth: OAuthWorld) -> None:
    """A client that opens 4 connections and does not pace (the generic profile) against
    Exchange's limits: the 4th connection gets 432 4.3.2, the 31st message in a minute
    421 4.7.0. Every message arrives once; nothing counts as failed."""
    timer = SimulatedTimer()
    tokens = build_cache(oauth.microsoft(MAILBOX))
    limits = SmtpLimits(max_connections=3, max_per_minute=30,
                        throttle_reply="421 4.7.0 Temporary server error. Please try again later")
    async with OAuthSmtp(oauth.store, oauth.server_tls, limits=limits,
                         clock=timer.monotonic) as server:
        s = settings(server.port, oauth, max_connections=4, max_per_minute=None)
        outcomes = await send(s, oauth, tokens, 100, Timing(timer))
    assert all(o.sent for o in outcomes.values()) and len(outcomes) == 100
    assert sorted(server.message_ids()) == sorted(f"<msg{n}.checkin@example.test>"
                                                  for n in range(100))
    assert server.throttled[432] >= 1 and server.throttled[421] >= 1
    assert server.most_in_any_minute() <= 30 and server.most_open <= 4


async def test_exchange_quota_reply_is_throttling_not_a_failure(oauth: OAuthWorld) -> None:
    timer = SimulatedTimer()
    tokens = build_cache(oauth.microsoft(MAILBOX))
    limits = SmtpLimits(max_per_minute=5)  # 554 5.2.0 ...SubmissionQuotaExceededException
    async with OAuthSmtp(oauth.store, oauth.server_tls, limits=limits,
                         clock=timer.monotonic) as server:
        outcomes = await send(settings(server.port, oauth), oauth, tokens, 12, Timing(timer))
    assert all(o.sent and not o.permanent for o in outcomes.values())
    assert len(set(server.message_ids())) == 12 and server.throttled[554] >= 1


async def test_a_server_that_never_stops_throttling_leaves_the_rest_due(
        oauth: OAuthWorld) -> None:
    timer = SimulatedTimer()
    tokens = build_cache(oauth.microsoft(MAILBOX))
    limits = SmtpLimits(max_per_minute=1, minute=10_000)  # one message, then only refusals
    results: list[outbox.Outcome] = []
    async with OAuthSmtp(oauth.store, oauth.server_tls, limits=limits,
                         clock=timer.monotonic) as server:
        with pytest.raises(DeliveryError, match="kept throttling") as caught:
            await outbox.send_messages(
                settings(server.port, oauth, max_connections=1), [message(n) for n in range(5)],
                password=OAuthLogin(MAILBOX, tokens), tls_context=oauth.client_tls,
                backoff=FAST, timing=Timing(timer),
                on_result=results.append)
    assert not caught.value.permanent
    assert [o.sent for o in results] == [True, False]
    assert results[1].throttled and not results[1].permanent
    assert server.throttled[554] == outbox.MAX_THROTTLES


@pytest.mark.parametrize(("code", "text", "expected"), [
    (432, "4.3.2 Concurrent connections limit exceeded", True),
    (421, "4.7.0 Temporary server error. Please try again later", True),
    (451, "4.7.500 Server busy. Please try again later", True),
    (554, "5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException", True),
    (421, "4.3.2 Service not available, closing channel", False),
    (451, "4.3.0 Local error in processing", False),
    (451, "4.7.1 Greylisted, try again later", False),
    (550, "5.7.1 Relaying denied", False),
    (535, "5.7.3 Authentication unsuccessful", False),
])
def test_which_replies_mean_wait_and_retry(code: int, text: str, expected: bool) -> None:
    assert outbox.throttling(code, text) is expected
