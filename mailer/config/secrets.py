"""Secrets from the environment (or a password command), never from the config file.

The config names where a secret lives (``password_env = "MAILER_SMTP_PASSWORD"``,
``password_command = "pass show mailer/smtp"``); this module fetches it at the moment it is
needed (sending, polling), registers it with :func:`mailer.logs.register_secret` so that no log
line can show it, and raises :class:`~mailer.errors.SecretError` naming the variable, never the
value, when it is missing. Offline work (``mailer check`` of templates, previews) needs none.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping

from mailer.errors import SecretError
from mailer.logs import register_secret
from mailer.models import Config, ImapSettings, SmtpSettings

#: How long a ``password_command`` may take (a password manager may ask for a passphrase).
COMMAND_TIMEOUT = 30.0

TOKEN_SECRET_HINT = ('set it to a long random string, e.g. the output of '
                     '`python -c "import secrets; print(secrets.token_urlsafe(32))"`')


def get_secret(env_name: str | None, *, command: str | None = None, what: str) -> str:
    """The secret held by ``env_name``, or printed by ``command`` (which wins when both are set).

    :param what: what the secret is for, for the message ("the SMTP password").
    :raises SecretError: the variable is unset or empty, or the command failed or printed nothing.
    """
    if command:
        value = run_command(command, what=what)
    elif env_name:
        value = os.environ.get(env_name, "")
        if not value:
            raise SecretError(f"{what}: the environment variable {env_name} is not set; set it in "
                              "the service's environment")
    else:
        raise SecretError(f"{what}: the config names no password_env or password_command")
    register_secret(value)
    return value


def run_command(command: str, *, what: str, key: str = "password_command",
                env: Mapping[str, str] | None = None) -> str:
    """Run ``command`` without a shell; its stdout, stripped, is the secret.

    Neither the output nor stderr goes into the message: either could hold the secret.

    :param key: the config key that names the command, for the message.
    :param env: variables added to the command's environment.
    """
    argv = shlex.split(command)
    name = argv[0] if argv else command
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
                              check=False, stdin=subprocess.DEVNULL,
                              env={**os.environ, **env} if env else None)
    except FileNotFoundError as exc:
        raise SecretError(f"{what}: {key} {name!r} was not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise SecretError(f"{what}: {key} {name!r} did not finish within "
                          f"{COMMAND_TIMEOUT:g} seconds") from exc
    except OSError as exc:
        raise SecretError(f"{what}: {key} {name!r} could not run: "
                          f"{exc.strerror or type(exc).__name__}") from exc
    value = done.stdout.strip()
    if done.returncode != 0:
        raise SecretError(f"{what}: {key} {name!r} failed with exit code "
                          f"{done.returncode}; run it yourself to see why")
    if not value:
        raise SecretError(f"{what}: {key} {name!r} printed nothing")
    return value


def smtp_password(smtp: SmtpSettings) -> str | None:
    """The SMTP password, or None when the server takes no login (no ``username``)."""
    if smtp.username is None:
        return None
    return get_secret(smtp.password_env, command=smtp.password_command, what="the SMTP password")


def imap_password(imap: ImapSettings) -> str:
    return get_secret(imap.password_env, command=imap.password_command, what="the IMAP password")


def token_secret(config: Config) -> bytes:
    """The key that signs reply tokens (``service.secret_env``, default ``MAILER_SECRET``).

    :raises SecretError: it is not set; the message says how to make one.
    """
    name = config.service.secret_env
    value = os.environ.get(name, "")
    if not value:
        raise SecretError(f"{name} is not set: it signs the reply tokens, so sending and "
                          f"polling need it; {TOKEN_SECRET_HINT}")
    register_secret(value)
    return value.encode("utf-8")
