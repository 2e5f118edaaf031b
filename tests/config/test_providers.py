"""[oauth2], auth = "oauth2" and the [smtp] provider profiles: pure parsing, located problems."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from mailer.config.load import parse_config
from mailer.config.providers import PROFILES
from mailer.models import OAuth2Settings
from tests.config.test_config import minimal, only_problem, problems_of

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "8c1e6e4f-5f5a-4d7e-9b1a-2f6c0d3e4a5b"
LOCATED = re.compile(r"^(smtp|imap|oauth2)(\.[a-z_]+)?: \S")


def microsoft365(**oauth2: Any) -> dict[str, Any]:
    """The issue's config for a Microsoft 365 mailbox."""
    data = minimal()
    for section in ("smtp", "imap"):
        del data[section]["password_env"]
        data[section]["auth"] = "oauth2"
    data["smtp"]["provider"] = "microsoft365"
    data["oauth2"] = {"provider": "microsoft", "tenant_id": TENANT, "client_id": CLIENT,
                      "client_secret_env": "MAILER_OAUTH_SECRET", **oauth2}
    return data


def test_microsoft365_config_reads_as_written() -> None:
    config = parse_config(microsoft365())
    assert config.smtp.auth == config.imap.auth == "oauth2"
    assert config.oauth2 == OAuth2Settings("microsoft", tenant_id=TENANT, client_id=CLIENT,
                                           client_secret_env="MAILER_OAUTH_SECRET")
    assert (config.smtp.max_connections, config.smtp.max_per_minute,
            config.smtp.max_per_day) == (3, 30, 10_000)


def test_defaults_are_password_and_the_generic_profile() -> None:
    config = parse_config(minimal())
    assert config.smtp.auth == config.imap.auth == "password" and config.oauth2 is None
    assert (config.smtp.provider, config.smtp.max_connections, config.smtp.max_per_minute,
            config.smtp.max_per_day) == ("generic", 4, None, None)


@pytest.mark.parametrize("provider", sorted(PROFILES))
def test_each_profile_number_can_be_overridden(provider: str) -> None:
    data = minimal()
    data["smtp"].update(provider=provider, max_connections=2, max_per_minute=10,
                        max_per_day=500)
    smtp = parse_config(data).smtp
    assert (smtp.provider, smtp.max_connections, smtp.max_per_minute,
            smtp.max_per_day) == (provider, 2, 10, 500)


def test_google_and_command_providers(tmp_path: Path) -> None:
    data = microsoft365()
    data["oauth2"] = {"provider": "google", "service_account_file": "sa.json"}
    assert parse_config(data, base_dir=tmp_path).oauth2 == OAuth2Settings(
        "google", service_account_file=tmp_path / "sa.json")
    data["oauth2"] = {"provider": "command", "token_command": "get-token --mailbox x"}
    assert parse_config(data).oauth2 == OAuth2Settings("command",
                                                       token_command="get-token --mailbox x")


@pytest.mark.parametrize(("change", "expected"), [
    ({"smtp": {"auth": "oauth"}}, 'smtp.auth: expected one of "password", "oauth2", got "oauth"'),
    ({"smtp": {"provider": "office365"}},
     'smtp.provider: expected one of "generic", "microsoft365", "google", got "office365"'),
    ({"smtp": {"max_per_minute": 0}}, "smtp.max_per_minute: expected a whole number of messages "
                                      "a minute from 1 to 100000, got 0"),
    ({"oauth2": {"provider": "azure"}}, 'oauth2.provider: expected one of "microsoft", '
                                        '"google", "command", got "azure"'),
    ({"oauth2": {"tenant_id": "my tenant"}}, "oauth2.tenant_id: expected the Directory (tenant) "
                                             "ID"),
    ({"oauth2": {"client_id": "8c1e6e4f"}}, "oauth2.client_id: expected the Application "
                                            "(client) ID"),
    ({"oauth2": {"client_secret_env": "abc~Q8s.secret"}},
     "oauth2.client_secret_env: expected the NAME of an environment variable"),
    ({"oauth2": {"service_account_file": "sa.json"}},
     'oauth2.service_account_file: only used with provider = "google", not "microsoft"'),
    ({"oauth2": {"client_certificate_file": "app.pem"}},
     "oauth2.client_certificate_file: set either client_secret_env or client_certificate_file"),
    ({"smtp": {"password_env": "MAILER_SMTP_PASSWORD"}},
     'smtp.password_env: not used with auth = "oauth2"'),
])
def test_one_located_problem(change: dict[str, dict[str, Any]], expected: str) -> None:
    data = microsoft365()
    for section, values in change.items():
        data[section].update(values)
    problem = only_problem(data)
    assert problem.startswith(expected) and LOCATED.match(problem)


def test_missing_keys_of_each_provider() -> None:
    data = microsoft365()
    data["oauth2"] = {"provider": "microsoft"}
    assert sorted(p.split(":")[0] for p in problems_of(data)) == [
        "oauth2.client_id", "oauth2.client_secret_env", "oauth2.tenant_id"]
    data["oauth2"] = {"provider": "google"}
    assert only_problem(data).startswith("oauth2.service_account_file: missing")
    data["oauth2"] = {"provider": "command"}
    assert only_problem(data).startswith("oauth2.token_command: missing")
    data["oauth2"] = {"tenant_id": TENANT}
    assert only_problem(data).startswith("oauth2.provider: missing")


def test_oauth2_auth_needs_the_section_and_the_section_needs_a_user() -> None:
    data = microsoft365()
    del data["oauth2"]
    assert only_problem(data).startswith('smtp.auth: "oauth2" needs an [oauth2] section')
    data = minimal()
    data["oauth2"] = microsoft365()["oauth2"]
    assert only_problem(data).startswith('oauth2: neither smtp.auth nor imap.auth is "oauth2"')
    data = microsoft365()
    del data["smtp"]["username"]
    assert only_problem(data).startswith('smtp.username: missing; with auth = "oauth2"')


def test_a_client_secret_in_the_file_is_refused_without_echoing_it() -> None:
    data = microsoft365()
    data["oauth2"]["client_secret_env"] = "Qx8~a.bcdefghijklmnop"
    problem = only_problem(data)
    assert "Qx8~" not in problem
