"""``mailer init``: questions or flags in, a config that ``mailer check`` accepts out."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailer.cli.main import main

FLAGS = ["--no-input", "--provider", "generic", "--mailbox", "checkin@example.com",
         "--smtp-host", "smtp.example.com", "--imap-host", "imap.example.com",
         "--manager", "Maria Lind <maria@example.com>", "--team", "platform",
         "--member", "Anna Berg <anna@example.com>", "--member", "Yuki Tanaka <yuki@example.com>",
         "--timezone", "Asia/Tokyo", "--language", "en"]
SECRETS = {"MAILER_SECRET": "init-test-secret-0123456789abcdef",
           "MAILER_SMTP_PASSWORD": "smtp-password-never-in-files",
           "MAILER_IMAP_PASSWORD": "imap-password-never-in-files"}


def typed(monkeypatch: pytest.MonkeyPatch, lines: list[str]) -> list[str]:
    """Answer ``input()`` with ``lines`` in order; returns the questions asked."""
    answers: Iterator[str] = iter(lines)
    asked: list[str] = []

    def fake_input(prompt: str = "") -> str:
        asked.append(prompt)
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    return asked


def test_flags_write_a_config_that_check_accepts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "etc" / "mailer.toml"
    assert main(["--config", str(config), "init", *FLAGS]) == 0
    out = capsys.readouterr().out
    for name in SECRETS:
        assert name in out  # told which variables to set
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    assert main(["--config", str(config), "check"]) == 0
    assert capsys.readouterr().out.strip() == "ok"
    text = config.read_text(encoding="utf-8")
    assert not any(value in text for value in SECRETS.values())


def test_questions_are_asked_checked_and_asked_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = typed(monkeypatch, [
        "7", "3",                          # provider: a wrong number, then "another server"
        "checkin", "checkin@example.com",  # mailbox: not an address, then one
        "",                                # sender name: the default
        "mail.example.com", "", "",        # SMTP host; security and port: defaults
        "mail.example.com", "tls", "",     # IMAP
        "svc-checkin",                     # login
        "Maria Lind <maria@example.com>", "Platform Team", "platform", "",
        "Anna Berg <anna@example.com>", "Yuki", "Yuki Tanaka <yuki@example.com>", "",
        "Tokyo", "Asia/Tokyo", "sv"])
    config = tmp_path / "mailer.toml"
    assert main(["--config", str(config), "init"]) == 0
    err = capsys.readouterr().err
    assert "answer 1, 2 or 3" in err and '"checkin" is not an address' in err
    assert '"Yuki" is not "Name <email>"' in err and '"Tokyo" is not an IANA time zone' in err
    assert any(q.startswith("SMTP port [587]") for q in asked)
    assert any(q.startswith("IMAP port [993]") for q in asked)
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    assert data["smtp"]["host"] == "mail.example.com" and data["smtp"]["port"] == 587
    assert data["smtp"]["username"] == data["imap"]["username"] == "svc-checkin"
    assert data["teams"][0]["display_name"] == "Platform team"
    assert [m["email"] for m in data["teams"][0]["members"]] == [
        "anna@example.com", "yuki@example.com"]
    assert data["service"] == {"data_dir": "data", "timezone": "Asia/Tokyo", "language": "sv",
                               "secret_env": "MAILER_SECRET"}


def test_microsoft_365_asks_for_the_app_not_for_servers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = typed(monkeypatch, ["1", "checkin@contoso.com", "", "tenant-1",
                                "contoso.onmicrosoft.com", "client-1",
                                "8c1e6e4f-5f5a-4d7e-9b1a-2f6c0d3e4a5b",
                                "Maria Lind <maria@contoso.com>", "platform", "",
                                "Anna Berg <anna@contoso.com>", "", "", ""])
    config = tmp_path / "mailer.toml"
    assert main(["--config", str(config), "init"]) == 0
    assert not any("server" in q.lower() for q in asked)
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    assert data["oauth2"]["tenant_id"] == "contoso.onmicrosoft.com"
    assert data["smtp"]["auth"] == data["imap"]["auth"] == "oauth2"


def test_an_existing_file_is_never_overwritten_without_force(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "mailer.toml"
    config.write_text("# mine\n")
    assert main(["--config", str(config), "init", *FLAGS]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert config.read_text() == "# mine\n"
    assert main(["--config", str(config), "init", *FLAGS, "--force"]) == 0
    assert config.read_text().startswith("# mailer: written by `mailer init`")


@pytest.mark.parametrize(("drop", "expected"), [
    ("--mailbox", "--mailbox is needed"), ("--member", "--member is needed"),
])
def test_no_input_names_the_missing_flag(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], drop: str, expected: str) -> None:
    flags = list(FLAGS)
    while drop in flags:
        at = flags.index(drop)
        del flags[at:at + 2]
    assert main(["--config", str(tmp_path / "m.toml"), "init", *flags]) == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "m.toml").exists()


def test_a_bad_flag_value_is_one_clear_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flags = [*FLAGS, "--timezone", "Mars/Olympus"]
    assert main(["--config", str(tmp_path / "m.toml"), "init", *flags]) == 2
    assert capsys.readouterr().err.strip() == (
        'mailer: --timezone: "Mars/Olympus" is not an IANA time zone such as '
        "Europe/Stockholm or Asia/Tokyo")
