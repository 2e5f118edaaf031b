"""The first config ``mailer init`` writes: valid, commented, and never holding a secret."""

from __future__ import annotations

import dataclasses
import tomllib

import pytest

from mailer.config.load import parse_config
from mailer.config.starter import (
    Answers,
    Server,
    check_address,
    check_guid,
    check_slug,
    check_tenant,
    check_timezone,
    parse_person,
    render_config,
    secret_names,
)

GENERIC = Answers(
    provider="generic", mailbox="checkin@example.com", sender_name='Team "check-in"',
    smtp=Server("smtp.example.com", 587, "starttls"), imap=Server("imap.example.com", 993, "tls"),
    username="svc-checkin", manager=("Maria Lind", "maria@example.com"), team="platform",
    team_name="Plattformsteamet", members=(("Anna Berg", "anna@example.com"),
                                           ("Yuki Tanaka", "yuki@example.com")),
    timezone="Asia/Tokyo", language="sv")
MICROSOFT = dataclasses.replace(
    GENERIC, provider="microsoft365", smtp=Server("smtp.office365.com", 587, "starttls"),
    imap=Server("outlook.office365.com", 993, "tls"), tenant_id="contoso.onmicrosoft.com",
    client_id="8c1e6e4f-5f5a-4d7e-9b1a-2f6c0d3e4a5b")
GOOGLE = dataclasses.replace(
    GENERIC, provider="google", smtp=Server("smtp.gmail.com", 587, "starttls"),
    imap=Server("imap.gmail.com", 993, "tls"), service_account_file="/etc/mailer/google.json")


def test_the_generic_config_parses_into_what_was_answered() -> None:
    config = parse_config(tomllib.loads(render_config(GENERIC)))
    assert (config.smtp.host, config.smtp.port, config.smtp.security) == (
        "smtp.example.com", 587, "starttls")
    assert (config.imap.host, config.imap.port, config.imap.security) == (
        "imap.example.com", 993, "tls")
    assert config.smtp.username == config.imap.username == "svc-checkin"
    assert config.smtp.from_address == "checkin@example.com"
    assert config.smtp.from_name == 'Team "check-in"'
    assert (config.smtp.password_env, config.imap.password_env) == (
        "MAILER_SMTP_PASSWORD", "MAILER_IMAP_PASSWORD")
    (team,) = config.teams
    assert (team.name, team.display_name, team.manager.email) == (
        "platform", "Plattformsteamet", "maria@example.com")
    assert [(m.name, m.email) for m in team.members] == list(GENERIC.members)
    assert str(config.service.timezone) == "Asia/Tokyo" and config.service.language == "sv"


def test_every_section_is_explained_by_a_comment() -> None:
    lines = render_config(GENERIC).splitlines()
    tables = [n for n, line in enumerate(lines) if line.startswith("[")]
    assert tables
    for n in tables:  # a comment right above the table, or just above a member block
        assert lines[n - 1].startswith("#") or lines[n].startswith("[[teams.members]]"), lines[n]
    assert sum(line.startswith("#") for line in lines) >= 20


@pytest.mark.parametrize("answers", [GENERIC, MICROSOFT, GOOGLE], ids=lambda a: a.provider)
def test_no_secret_ever_reaches_the_file(answers: Answers) -> None:
    text = render_config(answers)
    data = tomllib.loads(text)
    assert "password" not in data["smtp"] and "password" not in data["imap"]
    assert "client_secret" not in data.get("oauth2", {})
    for name, _ in secret_names(answers):
        assert name.startswith("MAILER_") and f'"{name}"' in text  # named, never valued


def test_microsoft_365_writes_the_oauth_profile() -> None:
    data = tomllib.loads(render_config(MICROSOFT))
    assert (data["smtp"]["provider"], data["smtp"]["auth"]) == ("microsoft365", "oauth2")
    assert data["imap"]["auth"] == "oauth2"
    assert data["smtp"]["username"] == data["imap"]["username"] == "checkin@example.com"
    assert data["oauth2"] == {"provider": "microsoft", "tenant_id": "contoso.onmicrosoft.com",
                              "client_id": "8c1e6e4f-5f5a-4d7e-9b1a-2f6c0d3e4a5b",
                              "client_secret_env": "MAILER_OAUTH_CLIENT_SECRET"}
    assert data["smtp"]["host"] == "smtp.office365.com"
    assert data["imap"]["host"] == "outlook.office365.com"
    assert "password_env" not in data["smtp"] and "password_env" not in data["imap"]
    assert [n for n, _ in secret_names(MICROSOFT)] == ["MAILER_SECRET",
                                                       "MAILER_OAUTH_CLIENT_SECRET"]
    assert "docs/providers.md" in render_config(MICROSOFT)


def test_google_workspace_writes_the_oauth_profile() -> None:
    data = tomllib.loads(render_config(GOOGLE))
    assert (data["smtp"]["provider"], data["smtp"]["auth"]) == ("google", "oauth2")
    assert data["imap"]["auth"] == "oauth2"
    assert data["oauth2"] == {"provider": "google",
                              "service_account_file": "/etc/mailer/google.json"}
    assert (data["smtp"]["host"], data["imap"]["host"]) == ("smtp.gmail.com", "imap.gmail.com")
    assert [n for n, _ in secret_names(GOOGLE)] == ["MAILER_SECRET"]


def test_strings_are_escaped_as_toml() -> None:
    odd = dataclasses.replace(GENERIC, team_name='Team \\ "Nord" åäö',
                              members=(("Zoë O'Brien", "zoe@example.com"),))
    config = parse_config(tomllib.loads(render_config(odd)))
    assert config.teams[0].display_name == 'Team \\ "Nord" åäö'
    assert config.teams[0].members[0].name == "Zoë O'Brien"


@pytest.mark.parametrize(("value", "expected"), [
    ("Anna Berg <Anna@Example.com>", ("Anna Berg", "anna@example.com")),
    ('"Berg, Anna" <anna@example.com>', ("Berg, Anna", "anna@example.com")),
    ("anna@example.com", 'the name is missing'),
    ("Anna Berg", 'is not "Name <email>"'),
    ("Anna <anna@localhost>", "is not an address"),
])
def test_a_person_is_a_name_and_an_address(value: str, expected: tuple[str, str] | str) -> None:
    found = parse_person(value)
    if isinstance(expected, tuple):
        assert found == expected
    else:
        assert isinstance(found, str) and expected in found


def test_answers_are_checked_one_by_one() -> None:
    assert check_address("checkin@example.com") is None
    assert check_address("checkin") is not None
    assert check_slug("platform-2") is None
    assert check_slug("Platform team") is not None
    assert check_guid("8C1E6E4F-5F5A-4D7E-9B1A-2F6C0D3E4A5B") is None
    assert check_guid("client-1") is not None
    assert check_tenant("contoso.onmicrosoft.com") is None and check_tenant("contoso") is not None
    assert check_timezone("Asia/Tokyo") is None
    assert "IANA" in (check_timezone("Tokyo") or "")


@pytest.mark.parametrize("answers", [MICROSOFT, GOOGLE], ids=lambda a: a.provider)
def test_the_oauth_profiles_parse_as_written(answers: Answers) -> None:
    """Since branch oauth is merged: the provider configs init writes are valid configs."""
    config = parse_config(tomllib.loads(render_config(answers)))
    assert (config.smtp.provider, config.smtp.auth, config.imap.auth) == (
        answers.provider, "oauth2", "oauth2")
    assert config.oauth2 is not None
    assert config.oauth2.provider == {"microsoft365": "microsoft", "google": "google"}[
        answers.provider]
    assert config.smtp.username == config.imap.username == answers.mailbox
