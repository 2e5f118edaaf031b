"""``mailer check`` through ``cli.main`` and the secrets it looks for (:mod:`mailer.config.secrets`)."""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from mailer import logs
from mailer.cli.main import main
from mailer.config.load import load_config
from mailer.config.secrets import get_secret, imap_password, smtp_password, token_secret
from mailer.errors import SecretError
from mailer.service import check as service_check

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example.toml"
SECRET = "a-long-random-test-secret-0123456789"


@pytest.fixture
def secrets_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILER_SECRET", SECRET)
    monkeypatch.setenv("MAILER_SMTP_PASSWORD", "smtp-test-password")
    monkeypatch.setenv("MAILER_IMAP_PASSWORD", "imap-test-password")


@pytest.fixture
def no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MAILER_SECRET", "MAILER_SMTP_PASSWORD", "MAILER_IMAP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def no_compose(monkeypatch: pytest.MonkeyPatch) -> None:
    """Template checks out of the way: these tests are about the config and its secrets."""
    monkeypatch.setattr(service_check, "template_problems", lambda config: [])


@pytest.fixture(autouse=True)
def fresh_secret_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets registered here must not redact other tests' output."""
    monkeypatch.setattr(logs, "_SECRETS", set())


def check(path: Path) -> int:
    return main(["--config", str(path), "check"])


def copy_example(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "mailer.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the command


@pytest.mark.usefixtures("secrets_set", "no_compose")
def test_example_config_is_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert check(EXAMPLE) == 0
    out, err = capsys.readouterr()
    assert out == "ok\n" and err == ""


@pytest.mark.usefixtures("secrets_set", "no_compose")
def test_broken_copy_lists_every_problem(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = copy_example(
        tmp_path,
        ('timezone = "Europe/Stockholm"', 'timezone = "Europe/Stockholn"'),
        ("port = 587", "port = 99999"),
        ('days = ["mon", "wed", "fri"]', 'days = ["mon", "wed", "fredag"]'),
        ('email = "anna@example.com"', 'email = "anna(at)example.com"'),
        ('security = "tls"', 'security = "none"'),
    )
    assert check(path) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == f"mailer: {path}: 5 problems in the config"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "  service.timezone", "  smtp.port", "  imap.security", "  teams[0].checkin.days",
        "  teams[0].members[0].email"]
    assert 'did you mean "Europe/Stockholm"?' in lines[1]


@pytest.mark.usefixtures("secrets_set")
def test_not_toml_exits_2_with_line_and_column(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mailer.toml"
    path.write_text("[service]\ntimezone = Europe/Stockholm\n", encoding="utf-8")
    assert check(path) == 2
    err = capsys.readouterr().err
    assert err == f"mailer: {path}: line 2, column 12: not valid TOML: Invalid value\n"


def test_missing_config_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(tmp_path / "absent.toml") == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.usefixtures("no_secrets", "no_compose")
def test_missing_secrets_are_problems_that_say_what_needs_them(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert check(EXAMPLE) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == f"mailer: 3 problems in {EXAMPLE}:"
    assert lines[1].startswith(
        "  service.secret_env: MAILER_SECRET is not set; sending and polling need it")
    assert "secrets.token_urlsafe(32)" in lines[1]
    assert lines[2].startswith(
        "  smtp.password_env: MAILER_SMTP_PASSWORD is not set; sending needs it")
    assert lines[3].startswith(
        "  imap.password_env: MAILER_IMAP_PASSWORD is not set; polling needs it")


@pytest.mark.usefixtures("secrets_set", "no_compose")
def test_short_token_secret_is_a_problem(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MAILER_SECRET", "short")
    assert check(EXAMPLE) == 2
    assert "shorter than 16 characters" in capsys.readouterr().err


@pytest.mark.usefixtures("secrets_set", "no_compose")
def test_named_files_must_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = copy_example(tmp_path, ('# ca_file = "ca.pem"', 'ca_file = "ca.pem"'),
                        ('# templates_dir = "templates"', 'templates_dir = "mine"'))
    assert check(path) == 2
    err = capsys.readouterr().err
    assert f"  service.templates_dir: {tmp_path / 'mine'} is not a folder" in err
    assert f"  smtp.ca_file: {tmp_path / 'ca.pem'} is not a file" in err
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    (tmp_path / "mine").mkdir()
    assert check(path) == 0


@pytest.mark.usefixtures("secrets_set", "no_compose")
def test_password_command_is_looked_up_not_run(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    missing = copy_example(tmp_path, ('password_env = "MAILER_IMAP_PASSWORD"',
                                      'password_command = "no-such-program-xyz show imap"'))
    assert check(missing) == 2
    assert "imap.password_command: 'no-such-program-xyz' is not found on PATH; polling" in (
        capsys.readouterr().err)
    marker = tmp_path / "ran"
    command = shlex.join([sys.executable, "-c", f"open({str(marker)!r}, 'w')"])
    present = copy_example(tmp_path, ('password_env = "MAILER_IMAP_PASSWORD"',
                                      f"password_command = {json.dumps(command)}"))
    assert check(present) == 0
    assert not marker.exists()


@pytest.mark.usefixtures("secrets_set")
def test_a_broken_team_template_is_listed_with_its_file(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    templates = tmp_path / "templates"
    (templates / "en").mkdir(parents=True)
    (templates / "en" / "checkin.txt.j2").write_text(
        "{% block subject %}Hi{% endblock %}{% block body %}{{ no_such_name }}{% endblock %}",
        encoding="utf-8")
    config = copy_example(tmp_path, ("[service]\n", f"[service]\ntemplates_dir = {json.dumps(str(templates))}\n"))
    assert check(config) == 2
    err = capsys.readouterr().err
    assert "en/checkin: " in err and "'no_such_name' is undefined" in err
    assert "sv/checkin" not in err


def test_a_broken_privacy_notice_template_is_listed(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    templates = tmp_path / "templates"
    (templates / "sv").mkdir(parents=True)
    (templates / "sv" / "privacy_notice.txt.j2").write_text("{{ controler }}", encoding="utf-8")
    config = copy_example(tmp_path, ("[service]\n", f"[service]\ntemplates_dir = {json.dumps(str(templates))}\n"))
    assert check(config) == 2
    err = capsys.readouterr().err
    assert "privacy notice: sv/privacy_notice.txt.j2" in err and "'controler' is undefined" in err


# --------------------------------------------------------------------------- secrets


def test_get_secret_reads_the_variable_and_registers_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILER_TEST_PW", "pw-from-env-123")
    assert get_secret("MAILER_TEST_PW", what="the SMTP password") == "pw-from-env-123"
    assert logs.redact("login with pw-from-env-123") == "login with [secret]"


def test_missing_secret_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILER_TEST_PW", "")
    with pytest.raises(SecretError) as info:
        get_secret("MAILER_TEST_PW", what="the SMTP password")
    assert str(info.value) == ("the SMTP password: the environment variable MAILER_TEST_PW is "
                               "not set; set it in the service's environment")
    assert isinstance(info.value, KeyError)
    with pytest.raises(SecretError, match="no password_env or password_command"):
        get_secret(None, what="the IMAP password")


def test_password_command_output_is_the_secret() -> None:
    command = shlex.join([sys.executable, "-c", "print('  from-command-456  ')"])
    assert get_secret("UNUSED_VAR", command=command, what="the IMAP password") == "from-command-456"
    assert logs.redact("from-command-456") == "[secret]"


def test_password_command_is_not_run_through_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "injected"
    command = f"{shlex.quote(sys.executable)} -c \"print('value-789')\" ; touch {marker}"
    assert get_secret(None, command=command, what="x") == "value-789"
    assert not marker.exists()


@pytest.mark.parametrize(("code", "message"), [
    ("import sys; print('leaked-secret'); sys.exit(3)", "failed with exit code 3"),
    ("pass", "printed nothing"),
])
def test_failing_password_command(code: str, message: str) -> None:
    with pytest.raises(SecretError, match=message) as info:
        get_secret(None, command=shlex.join([sys.executable, "-c", code]), what="the password")
    assert "leaked-secret" not in str(info.value)


def test_password_command_not_found_or_too_slow(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SecretError, match="'no-such-program-xyz' was not found"):
        get_secret(None, command="no-such-program-xyz show", what="the password")
    monkeypatch.setattr("mailer.config.secrets.COMMAND_TIMEOUT", 0.2)
    slow = shlex.join([sys.executable, "-c", "import time; time.sleep(5)"])
    with pytest.raises(SecretError, match=r"did not finish within 0\.2 seconds"):
        get_secret(None, command=slow, what="the password")


@pytest.mark.usefixtures("no_secrets")
def test_token_secret_says_how_to_make_one(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(EXAMPLE)  # loading needs no secret at all
    with pytest.raises(SecretError) as info:
        token_secret(config)
    assert str(info.value).startswith("MAILER_SECRET is not set")
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in str(info.value)
    monkeypatch.setenv("MAILER_SECRET", SECRET)
    assert token_secret(config) == SECRET.encode()
    assert logs.redact(SECRET) == "[secret]"


@pytest.mark.usefixtures("secrets_set")
def test_server_passwords_follow_the_config() -> None:
    config = load_config(EXAMPLE)
    assert smtp_password(config.smtp) == "smtp-test-password"
    assert imap_password(config.imap) == "imap-test-password"
    assert smtp_password(replace(config.smtp, username=None)) is None
