"""``mailer check --online`` against the loopback token server, Dovecot and SMTP server."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from mailer.cli.main import main
from tests.factories import write_config
from tests.oauth_fixtures import OAuthWorld
from tests.oauthstack import CLIENT_ID, TENANT, smtp_in_thread


def run_check(oauth: OAuthWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str], *,
              tenant: str = TENANT, client: str = CLIENT_ID) -> tuple[int, str, str]:
    user = f"svc-{secrets.token_hex(3)}@example.test"
    oauth.dovecot.add_user(user, secrets.token_urlsafe(12))
    oauth.microsoft(user)
    oauth.monkeypatch.setenv("MAILER_SECRET", secrets.token_urlsafe(24))
    with smtp_in_thread(oauth.store, oauth.server_tls) as smtp:
        data = oauth.config(user, data_dir=tmp_path / "data", smtp_port=smtp.port,
                            tenant_id=tenant, client_id=client)
        path = write_config(tmp_path / "mailer.toml", data)
        code = main(["--config", str(path), "check", "--online"])
    out, err = capsys.readouterr()
    return code, out, err


def test_online_check_signs_in_to_both(oauth: OAuthWorld, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_check(oauth, tmp_path, capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("imap: signed in to 127.0.0.1:") and "(OAUTHBEARER)" in lines[0]
    assert lines[1].startswith("smtp: signed in to 127.0.0.1:") and lines[1].endswith("(XOAUTH2)")
    assert lines[2] == "ok"
    assert oauth.store.requests == ["microsoft"]  # one app-only token for both


@pytest.mark.parametrize(("change", "located"), [
    ({"tenant": "11111111-2222-3333-4444-555555555555"},
     "oauth2.tenant_id: Microsoft does not know the tenant"),
    ({"client": "99999999-2222-3333-4444-555555555555"},
     "oauth2.client_id: Microsoft refused the token request: no app with this Application "
     "(client) ID"),
])
def test_online_check_locates_a_wrong_id(oauth: OAuthWorld, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str],
                                         change: dict[str, str], located: str) -> None:
    code, out, err = run_check(oauth, tmp_path, capsys, **change)
    assert code == 2
    problems = [line.strip() for line in err.splitlines()[1:]]
    assert len(problems) == 1 and problems[0].startswith(located), err
    assert "app-secret-value" not in out + err


def test_offline_check_names_a_missing_client_secret_and_key_file(
        oauth: OAuthWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    oauth.monkeypatch.setenv("MAILER_SECRET", secrets.token_urlsafe(24))
    data = oauth.config("svc@example.test", data_dir=tmp_path / "data", smtp_port=587)
    path = write_config(tmp_path / "mailer.toml", data)
    assert main(["--config", str(path), "check"]) == 2
    assert "  oauth2.client_secret_env: MAILER_TEST_OAUTH_SECRET is not set" in capsys.readouterr().err
    data["oauth2"] = {"provider": "google", "service_account_file": str(tmp_path / "sa.json")}
    write_config(path, data)
    assert main(["--config", str(path), "check"]) == 2
    assert f"  oauth2.service_account_file: {tmp_path / 'sa.json'} is not a file" in (
        capsys.readouterr().err)
    assert not oauth.store.requests  # the offline check asks no token service
