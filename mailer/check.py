"""``mailer check``: validate the config, the secrets it names, its files and the templates.

Prints ``ok`` (exit 0) or every problem on its own line (exit 2). An invalid config raises
:class:`~mailer.errors.ConfigError`, which the CLI prints with every problem. Secrets are only
checked for presence: password commands are not run (they may ask for a passphrase).
"""

from __future__ import annotations

import argparse
import importlib
import os
import shlex
import shutil
import sys

from mailer.config import load_config
from mailer.errors import MailerError
from mailer.models import Config
from mailer.secrets import TOKEN_SECRET_HINT

#: Below this many characters an HMAC key can be guessed.
MIN_SECRET_LENGTH = 16


def command(args: argparse.Namespace) -> int:
    """Check the config at ``args.config_path``; 0 when all is well, 2 with problems."""
    config = load_config(args.config_path)
    problems = secret_problems(config) + file_problems(config) + _template_problems(config)
    if not problems:
        print("ok")
        return 0
    print(f"mailer: {len(problems)} problem{'s' if len(problems) > 1 else ''} in "
          f"{args.config_path}:", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 2


def secret_problems(config: Config) -> list[str]:
    """Every secret the config names that is not available (needed for sending or polling)."""
    service = config.service
    problems: list[str] = []
    token = os.environ.get(service.secret_env, "")
    if not token:
        problems.append(f"service.secret_env: {service.secret_env} is not set; sending and "
                        f"polling need it (it signs reply tokens): {TOKEN_SECRET_HINT}")
    elif len(token) < MIN_SECRET_LENGTH:
        problems.append(f"service.secret_env: {service.secret_env} is shorter than "
                        f"{MIN_SECRET_LENGTH} characters, so reply tokens could be forged; "
                        f"{TOKEN_SECRET_HINT}")
    if config.smtp.username is not None:
        problems += _password_problem("smtp", config.smtp.password_env,
                                      config.smtp.password_command, "sending")
    problems += _password_problem("imap", config.imap.password_env,
                                  config.imap.password_command, "polling")
    return problems


def _password_problem(section: str, env: str | None, command: str | None, needed_for: str
                      ) -> list[str]:
    if command:
        program = shlex.split(command)[0]
        if shutil.which(program) is None:
            return [f"{section}.password_command: {program!r} is not found on PATH; "
                    f"{needed_for} needs it to get the {section.upper()} password"]
        return []
    if env and not os.environ.get(env):
        return [f"{section}.password_env: {env} is not set; {needed_for} needs it (the "
                f"{section.upper()} password): set it in the service's environment"]
    return []


def file_problems(config: Config) -> list[str]:
    """Files and folders named by the config that do not exist or have the wrong kind."""
    problems: list[str] = []
    named = (("service.templates_dir", config.service.templates_dir, True),
             ("smtp.ca_file", config.smtp.ca_file, False),
             ("imap.ca_file", config.imap.ca_file, False))
    for key, path, folder in named:
        if path is not None and not (path.is_dir() if folder else path.is_file()):
            problems.append(f"{key}: {path} is not {'a folder' if folder else 'a file'} "
                            "(relative paths are relative to the config file's folder)")
    data_dir = config.service.data_dir
    if data_dir.exists() and not data_dir.is_dir():
        problems.append(f"service.data_dir: {data_dir} exists but is not a folder")
    return problems


def _template_problems(config: Config) -> list[str]:
    """``mailer.compose.template_problems(config)`` when that module provides it."""
    try:
        compose = importlib.import_module("mailer.compose")
    except ModuleNotFoundError as exc:
        if exc.name == "mailer.compose":  # not written yet: nothing to check
            return []
        return [f"templates: not checked: mailer.compose failed to import ({exc})"]
    except ImportError as exc:
        return [f"templates: not checked: mailer.compose failed to import ({exc})"]
    template_problems = getattr(compose, "template_problems", None)
    if template_problems is None:
        return []
    try:
        return list(template_problems(config))
    except MailerError as exc:  # a broken template folder, questions.toml...
        return [f"templates: {exc}"]
    except ImportError as exc:  # compose imports its helpers lazily
        return [f"templates: not checked: a module of mailer.compose failed to import ({exc})"]
