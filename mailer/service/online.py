"""``mailer check --online``: sign in to IMAP and SMTP the way the service will, and say so.

Nothing is sent and nothing is read: IMAP logs in and selects the folder, SMTP signs in and
quits. Every problem is located at the config key to fix, so the output reads like the
offline check's: ``oauth2.client_id: Microsoft refused the token request: no app with this
Application (client) ID in the tenant (unauthorized_client)``.
"""

from __future__ import annotations

import asyncio

from mailer.config.tokens import TokenCache, build_cache, imap_login, smtp_login
from mailer.errors import (
    AuthenticationError,
    DeliveryError,
    MailboxAuthError,
    MailboxError,
    SecretError,
    TokenError,
)
from mailer.inbound.imap import ImapInbox
from mailer.models import Config
from mailer.outbound.smtp import batch_tls_context, try_sign_in


def online(config: Config, *, tokens: TokenCache | None = None) -> tuple[list[str], list[str]]:
    """(what worked, located problems), IMAP first."""
    tokens = tokens or (build_cache(config.oauth2) if config.oauth2 is not None else None)
    worked: list[str] = []
    problems: list[str] = []
    for check in (_imap, _smtp):
        try:
            worked.append(check(config, tokens))
        except (MailboxError, DeliveryError, TokenError, SecretError) as exc:
            problem = _located(exc, "imap" if check is _imap else "smtp")
            if problem not in problems:  # a refused token request shows up for both
                problems.append(problem)
    return worked, problems


def _imap(config: Config, tokens: TokenCache | None) -> str:
    imap = config.imap
    inbox = ImapInbox.open(imap, imap_login(config, tokens))
    try:
        how = inbox.signed_in_with
    finally:
        inbox.close()
    return (f"imap: signed in to {imap.host}:{imap.port} as {imap.username} ({how}) and "
            f"opened {imap.folder}")


def _smtp(config: Config, tokens: TokenCache | None) -> str:
    smtp = config.smtp
    context = batch_tls_context(smtp) if smtp.security != "none" else None
    how = asyncio.run(try_sign_in(smtp, smtp_login(config, tokens), tls_context=context))
    who = f" as {smtp.username}" if smtp.username else ""
    return f"smtp: signed in to {smtp.host}:{smtp.port}{who} ({how})"


def _located(exc: Exception, section: str) -> str:
    """The problem, prefixed with the config key that fixes it."""
    cause = exc.__cause__ if isinstance(exc.__cause__, TokenError) else exc
    if isinstance(cause, TokenError):
        return f"{cause.key or section + '.username'}: {cause}"
    if isinstance(exc, (MailboxAuthError, AuthenticationError)):
        return f"{section}.username: {exc}"
    if isinstance(exc, SecretError):
        return f"{section}.password_env: {exc}"
    return f"{section}.host: {exc}"
