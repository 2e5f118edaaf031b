"""The one exception tree of the service.

::

    MailerError                    base; ``str(exc)`` is one line, safe to show (no secrets)
    ├── ConfigError                the config is wrong; carries every ``problems`` line
    ├── TemplateError              a template is missing, broken or renders with an undefined name
    ├── DeliveryError              sending failed (SMTP); ``permanent`` tells 5xx from 4xx/network
    │   └── AuthenticationError    the SMTP or IMAP server refused our credentials: never retry
    ├── MailboxError               the IMAP side failed (connect, login, folder, fetch, move)
    │   └── MailboxAuthError       the IMAP server refused our credentials: retry only rarely
    ├── RecordError                a record or the ledger could not be written or read
    ├── SecretError                a needed secret (env var) is missing
    └── TokenError                 no OAuth 2.0 access token could be had; ``key`` names the
                                   config key to fix, ``permanent`` tells a refusal from an outage

Third-party errors are translated at the adapter edge (``raise DeliveryError(...) from exc``);
core modules never raise anything outside this tree for bad input, they return problems as data.
"""

from __future__ import annotations

from collections.abc import Sequence


class MailerError(Exception):
    """Base of every error the service raises on purpose."""


class ConfigError(MailerError):
    """The configuration is invalid; ``problems`` lists every located problem."""

    def __init__(self, problems: Sequence[str] | str, *, path: str | None = None) -> None:
        self.problems: tuple[str, ...] = (
            (problems,) if isinstance(problems, str) else tuple(problems)
        )
        self.path = path
        where = f"{path}: " if path else ""
        if len(self.problems) == 1:
            message = f"{where}{self.problems[0]}"
        else:
            message = f"{where}{len(self.problems)} problems in the config"
        super().__init__(message)


class TemplateError(MailerError):
    """A template is missing, has a syntax error, or uses an undefined name."""


class DeliveryError(MailerError):
    """An SMTP delivery failed.

    :param code: the SMTP reply code when the server gave one.
    :param permanent: True for 5xx answers that a retry will not fix.
    """

    def __init__(self, message: str, *, code: int | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class AuthenticationError(DeliveryError):
    """The server refused our credentials. Retrying would only lock the account."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message, code=code, permanent=True)


class MailboxError(MailerError):
    """The IMAP mailbox could not be reached or used."""


class MailboxAuthError(MailboxError):
    """The IMAP server refused our login. Quick retries could lock the account."""


class RecordError(MailerError):
    """A record, the ledger or another data file could not be written or read."""


class SecretError(MailerError, KeyError):
    """A secret that this operation needs is not set in the environment."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "missing secret"


class TokenError(MailerError):
    """No OAuth 2.0 access token could be had from the provider ([oauth2]).

    :param key: the config key whose value the provider refused (``oauth2.client_id``), when
        the provider's answer says which; ``mailer check --online`` prints it as the location.
    :param permanent: True when the provider refused us (a wrong id or secret, a missing
        permission): retrying soon would not help. False for an outage or a timeout.
    """

    def __init__(self, message: str, *, key: str | None = None, permanent: bool = True) -> None:
        super().__init__(message)
        self.key = key
        self.permanent = permanent
