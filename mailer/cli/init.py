"""``mailer init``: write a first config from questions (or flags), never with a secret in it.

Every question has a flag, so ``mailer init --no-input --provider generic ...`` writes the same
file unattended; in a terminal the questions not answered by a flag are asked one by one
(``input()``), each checked at once and asked again until it makes sense.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from mailer.config import starter
from mailer.config.starter import PROVIDERS, Answers, Server
from mailer.errors import ConfigError

Check = Callable[[str], str | None]
_PROVIDER_ORDER: tuple[starter.ProviderName, ...] = ("microsoft365", "google", "generic")
#: What the provider question takes: its number in the menu, or the name (as the flag).
_PROVIDER_ANSWERS: dict[str, starter.ProviderName] = {
    **{str(n): key for n, key in enumerate(_PROVIDER_ORDER, 1)}, **{k: k for k in _PROVIDER_ORDER}}


def register(subs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subs.add_parser(
        "init", help="write a first config by answering a few questions",
        description="Ask for the mail provider, the service mailbox, the manager, a first team "
                    "and its\nmembers, time zone and language; write a commented config to "
                    "--config (default\nconfig/mailer.toml) and say which environment "
                    "variables to set. Every question\nhas a flag; --no-input never asks.\n\n"
                    "example: mailer --config /etc/mailer/mailer.toml init")
    sub.add_argument("--provider", choices=_PROVIDER_ORDER,
                     help="Microsoft 365, Google Workspace, or another IMAP/SMTP server")
    sub.add_argument("--mailbox", metavar="EMAIL", help="the service's mailbox, e.g. "
                     "checkin@yourcompany.com")
    sub.add_argument("--sender-name", metavar="NAME", help='default "Team check-in"')
    for proto in ("smtp", "imap"):
        sub.add_argument(f"--{proto}-host", metavar="HOST", help="generic provider only")
        sub.add_argument(f"--{proto}-port", metavar="PORT", help="generic provider only")
        sub.add_argument(f"--{proto}-security", choices=("starttls", "tls", "none"),
                         help="generic provider only")
    sub.add_argument("--username", metavar="LOGIN", help="the mailbox's login (default: "
                     "the mailbox address)")
    sub.add_argument("--tenant-id", help="Microsoft 365: the directory (tenant) ID")
    sub.add_argument("--client-id", help="Microsoft 365: the application (client) ID")
    sub.add_argument("--service-account-file", metavar="PATH",
                     help="Google Workspace: the service account's key file")
    sub.add_argument("--manager", metavar='"NAME <EMAIL>"', help="the team's manager")
    sub.add_argument("--team", metavar="SLUG", help="a short name, e.g. platform")
    sub.add_argument("--team-name", metavar="NAME", help="the team's name in mails")
    sub.add_argument("--member", metavar='"NAME <EMAIL>"', action="append",
                     help="a member (repeat the flag for each)")
    sub.add_argument("--timezone", metavar="ZONE", help="IANA name, e.g. Europe/Stockholm")
    sub.add_argument("--language", choices=("sv", "en"), help="of people who have none set")
    sub.add_argument("--no-input", action="store_true",
                     help="never ask: take flags and defaults, fail on what is missing")
    sub.add_argument("--force", action="store_true", help="overwrite an existing file")
    sub.set_defaults(run=init)


class _Asker:
    """A flag's value, else the answer to a question (``input()``), else the default."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive

    def __call__(self, flag: str, given: str | None, question: str, check: Check,
                 default: str | None = None) -> str:
        if given is not None:
            problem = check(given)
            if problem:
                raise ConfigError(f"--{flag}: {problem}")
            return given
        if not self.interactive:
            if default is not None:
                return default
            raise ConfigError(f"--{flag} is needed (with --no-input nothing is asked)")
        while True:
            try:
                raw = input(f"{question}{f' [{default}]' if default else ''}: ").strip()
            except EOFError:
                raise ConfigError(f"no answer to \"{question}\" (or pass --{flag})") from None
            value = raw or default or ""
            problem = check(value)
            if problem is None:
                return value
            print(f"  {problem}", file=sys.stderr)


def _provider(args: argparse.Namespace, ask: _Asker) -> starter.ProviderName:
    menu = "\n".join(f"  {n}. {PROVIDERS[key].label}" for n, key in
                     enumerate(_PROVIDER_ORDER, 1))
    if args.provider is None and ask.interactive:
        print(f"Where is the service's mailbox?\n{menu}")

    def check(value: str) -> str | None:
        return None if value in _PROVIDER_ANSWERS else "answer 1, 2 or 3"

    value = ask("provider", args.provider, "Provider", check, "3" if ask.interactive else None)
    return _PROVIDER_ANSWERS[value]


def _server(proto: str, args: argparse.Namespace, ask: _Asker,
            provider: starter.ProviderName) -> Server:
    preset: tuple[str, int, starter.Security] | None = getattr(PROVIDERS[provider], proto)
    if preset is not None:
        return Server(*preset)
    label = proto.upper()
    host = ask(f"{proto}-host", getattr(args, f"{proto}_host"), f"{label} server",
               starter.check_text)
    default_security = "starttls" if proto == "smtp" else "tls"
    security = starter.as_security(ask(f"{proto}-security", getattr(args, f"{proto}_security"),
                   f"{label} security (starttls, tls or none)", starter.check_security,
                   default_security))
    port = ask(f"{proto}-port", getattr(args, f"{proto}_port"), f"{label} port",
               starter.check_port, str(starter.DEFAULT_PORTS[proto][security]))
    return Server(host, int(port), security)


def _person(value: str) -> str | None:
    parsed = starter.parse_person(value)
    return parsed if isinstance(parsed, str) else None


def _members(args: argparse.Namespace, ask: _Asker) -> tuple[tuple[str, str], ...]:
    given = args.member or []
    if given or not ask.interactive:
        members = [starter.parse_person(value) for value in given]
        problems = [m for m in members if isinstance(m, str)]
        if problems:
            raise ConfigError(f"--member: {problems[0]}")
        if not members:
            raise ConfigError("--member is needed at least once (with --no-input nothing is "
                              "asked)")
        return tuple(m for m in members if not isinstance(m, str))
    print('Members, one per line as "Name <email>"; an empty line ends the list.')
    found: list[tuple[str, str]] = []
    while True:
        value = ask("member", None, f"Member {len(found) + 1}",
                    lambda v: None if (not v and found) else _person(v), "")
        if not value:
            return tuple(found)
        parsed = starter.parse_person(value)
        assert not isinstance(parsed, str)  # checked above
        found.append(parsed)


def gather(args: argparse.Namespace, *, interactive: bool) -> Answers:
    """The answers: flags first, then questions (only when ``interactive``)."""
    ask = _Asker(interactive)
    provider = _provider(args, ask)
    mailbox = ask("mailbox", args.mailbox, "The service's mailbox (prompts come from it, "
                  "replies go to it)", starter.check_address).lower()
    sender = ask("sender-name", args.sender_name, "Sender name", starter.check_text,
                 "Team check-in")
    smtp = _server("smtp", args, ask, provider)
    imap = _server("imap", args, ask, provider)
    username, tenant, client, account = mailbox, "", "", ""
    if provider == "generic":
        username = ask("username", args.username, "Login of the mailbox", starter.check_text,
                       mailbox)
    elif provider == "microsoft365":
        tenant = ask("tenant-id", args.tenant_id, "Directory (tenant) ID", starter.check_tenant)
        client = ask("client-id", args.client_id, "Application (client) ID", starter.check_guid)
    else:
        account = ask("service-account-file", args.service_account_file,
                      "Path of the service account's key file", starter.check_text)
    manager = starter.parse_person(ask("manager", args.manager, 'Manager ("Name <email>")',
                                       _person))
    team = ask("team", args.team, "Team (a short name such as platform)", starter.check_slug)
    team_name = ask("team-name", args.team_name, "The team's name in mails", starter.check_text,
                    team.replace("-", " ").capitalize() + " team")
    members = _members(args, ask)
    zone = ask("timezone", args.timezone, "Time zone", starter.check_timezone, _local_zone())
    language = ask("language", args.language, "Language (sv or en)", starter.check_language,
                   "en")
    assert not isinstance(manager, str)  # checked by _person
    return Answers(provider=provider, mailbox=mailbox, sender_name=sender, smtp=smtp, imap=imap,
                   username=username, manager=manager, team=team, team_name=team_name,
                   members=members, timezone=zone, language=language, tenant_id=tenant,
                   client_id=client, service_account_file=account)


def _local_zone() -> str:
    """This machine's IANA zone (the /etc/localtime link, as tzlocal reads it), else UTC."""
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return os.environ.get("TZ") or "UTC"
    zone = target.partition("zoneinfo/")[2]
    return zone if zone and starter.check_timezone(zone) is None else "UTC"


def init(args: argparse.Namespace) -> int:
    """Ask, write the file (never over an existing one without --force), print what's next."""
    path: Path = args.config_path
    if path.exists() and not args.force:
        raise ConfigError(f"{path} exists; pass --force to overwrite it, or --config PATH")
    answers = gather(args, interactive=not args.no_input)
    text = starter.render_config(answers)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    config_flag = "" if path == Path("config/mailer.toml") else f"--config {path} "
    print(f"\nwrote {path}\nSet these environment variables for the service (never in the "
          "file):")
    for name, what in starter.secret_names(answers):
        print(f"  {name}: {what}")
    print('  (make MAILER_SECRET with: python3 -c "import secrets; '
          'print(secrets.token_urlsafe(32))")')
    first = answers.members[0][1]
    print(f"then: mailer {config_flag}check\n"
          f"      mailer {config_flag}preview checkin --member {first}\n"
          f"      mailer {config_flag}send checkin --to-me   (a test, to "
          f"{answers.manager[1]})")
    return 0
