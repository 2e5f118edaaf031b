"""What ``mailer check`` finds wrong: the secrets a config names, its files and its templates.

An invalid config raises :class:`~mailer.errors.ConfigError` before this runs. Secrets are only
checked for presence: password commands are not run (they may ask for a passphrase).
``--online`` also signs in to IMAP and SMTP (:mod:`mailer.service.online`) and says what worked.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Callable
from typing import Any

import jinja2

from mailer.config.questions import load_default_questions, questions_for
from mailer.config.secrets import TOKEN_SECRET_HINT
from mailer.errors import MailerError
from mailer.inbound import receipts
from mailer.kinds import MEMBER_KINDS
from mailer.models import LANGUAGES, Config, Language, Team
from mailer.outbound import samples
from mailer.outbound.compose import build_environment, render
from mailer.outbound.notice import render_notice
from mailer.service import digest

SampleFactory = Callable[[Config, Team, Language], dict[str, Any]]

#: Below this many characters an HMAC key can be guessed.
MIN_SECRET_LENGTH = 16


def problems_of(config: Config) -> list[str]:
    """Every problem of ``config``: missing secrets, missing files, templates that fail."""
    return secret_problems(config) + file_problems(config) + template_problems(config)


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
    oauth2 = config.oauth2
    if oauth2 is not None and oauth2.client_secret_env and not os.environ.get(
            oauth2.client_secret_env):
        problems.append(f"oauth2.client_secret_env: {oauth2.client_secret_env} is not set; "
                        "sending and polling need it (the app's client secret Value): set it "
                        "in the service's environment")
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
    oauth2 = config.oauth2
    named = (("service.templates_dir", config.service.templates_dir, True),
             ("smtp.ca_file", config.smtp.ca_file, False),
             ("imap.ca_file", config.imap.ca_file, False),
             ("oauth2.service_account_file", oauth2.service_account_file if oauth2 else None,
              False),
             ("oauth2.client_certificate_file",
              oauth2.client_certificate_file if oauth2 else None, False))
    for key, path, folder in named:
        if path is not None and not (path.is_dir() if folder else path.is_file()):
            problems.append(f"{key}: {path} is not {'a folder' if folder else 'a file'} "
                            "(relative paths are relative to the config file's folder)")
    data_dir = config.service.data_dir
    if data_dir.exists() and not data_dir.is_dir():
        problems.append(f"service.data_dir: {data_dir} exists but is not a folder")
    return problems


#: What ``mailer check`` renders each template against: kind -> sample context for
#: ``(config, team, language)``.
SAMPLES: dict[str, SampleFactory] = {
    "checkin": samples.checkin_context,
    "review": samples.review_context,
    "feedback": samples.feedback_context,
    "reflection": samples.reflection_context,
    "digest": digest.sample_context,
    "brief": digest.sample_context_brief,
    "confirmation": receipts.sample_context,
}


def template_problems(config: Config) -> list[str]:
    """Render every kind in both languages against sample data; one line per problem."""
    try:
        env = build_environment(config)
    except MailerError as exc:  # a broken template folder, questions.toml...
        return [f"templates: {exc}"]
    teams = config.teams or (samples.sample_team(),)
    problems: list[str] = []
    for kind, factory in SAMPLES.items():
        for team in teams:
            for language in LANGUAGES:
                problem = _render_problem(env, kind, language, factory, config, team)
                if problem and problem not in problems:
                    problems.append(problem)
    return problems + _notice_problems(env, config, teams)


def _notice_problems(env: jinja2.Environment, config: Config, teams: tuple[Team, ...]
                     ) -> list[str]:
    """The privacy notice of every team in both languages (a template folder may replace it)."""
    problems: list[str] = []
    try:
        defaults = load_default_questions(config.service.templates_dir)
        for team, language in ((t, lang) for t in teams for lang in LANGUAGES):
            questions = {kind: questions_for(team, kind, defaults) for kind in MEMBER_KINDS}
            render_notice(env, config, team, language, questions)
    except MailerError as exc:
        problems.append(f"privacy notice: {exc}")
    return problems


def _render_problem(env: jinja2.Environment, kind: str, language: Language,
                    factory: SampleFactory, config: Config, team: Team) -> str | None:
    try:
        render(env, kind, language, factory(config, team, language))
    except MailerError as exc:
        return f"{language}/{kind}: {exc}"
    except Exception as exc:  # noqa: BLE001 - a template's own code failed: report, go on
        return f"{language}/{kind}: the sample data failed: {type(exc).__name__}: {exc}"
    return None
