"""``mailer preview``: every kind in both languages, who reads it, when it is dated, errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailer.cli.main import main
from mailer.config.load import load_config
from mailer.errors import MailerError
from mailer.service.preview import PREVIEW_KINDS, preview_target, preview_time

CONFIG = """
[service]
data_dir = "data"
timezone = "Europe/Stockholm"
language = "sv"

[smtp]
host = "127.0.0.1"
port = 2525
security = "none"
from = "Team check-in <checkin@example.com>"

[imap]
host = "127.0.0.1"
port = 1143
security = "none"
username = "checkin@example.com"
password_env = "MAILER_IMAP_PASSWORD"

[[teams]]
name = "platform"
display_name = "Platform team"
manager = { name = "Maria Lind", email = "maria@example.se", timezone = "Europe/Stockholm", language = "sv" }
checkin = { days = ["mon", "wed", "fri"], time = "09:00" }
review = { on = "first monday", time = "10:00" }
feedback = { months = [3, 6, 9, 12], on = "first tuesday", time = "10:00" }
reflection = { on = "last friday", time = "14:00" }
digest = { day = "fri", time = "15:00" }
meeting = { day = "tue", time = "10:00", brief_minutes_before = 30 }

[[teams.members]]
name = "Erik Holm"
email = "erik@example.se"
timezone = "Europe/Stockholm"
language = "sv"

[[teams.members]]
name = "Yuki Tanaka"
email = "yuki@example.com"
timezone = "Asia/Tokyo"
language = "en"
country = "JP"

[[teams]]
name = "mobile"
display_name = "Mobile team"
manager = { name = "Emma Wilson", email = "emma@example.com", timezone = "Europe/Amsterdam", language = "en", country = "NL" }
checkin = { days = ["mon", "thu"], time = "09:30" }

[[teams.members]]
name = "Liam Murphy"
email = "liam@example.com"
timezone = "Europe/Dublin"
language = "en"
country = "IE"
"""
#: A word of each language's greeting, and what the receipt's subject starts with.
GREETING = {"sv": "Hej Erik", "en": "Hi Erik"}
MANAGER_GREETING = {"sv": "Hej Maria", "en": "Hi Maria"}
SUNDAY = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "mailer.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def run(config_file: Path, *argv: str) -> int:
    return main(["--config", str(config_file), "preview", *argv])


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("kind", PREVIEW_KINDS)
def test_every_kind_in_both_languages(config_file, tmp_path, capsys, kind, language):
    html = tmp_path / f"{kind}.html"
    argv = [kind, "--language", language, "--output", str(html)]
    argv += ["--member", "erik@example.se"] if kind in ("checkin", "review", "feedback",
                                                       "confirmation") else []
    assert run(config_file, *argv) == 0
    out = capsys.readouterr().out
    manager = kind in ("reflection", "digest", "brief")
    reader = "Maria Lind <maria@example.se>" if manager else "Erik Holm <erik@example.se>"
    assert f"To: {reader} (platform, {language})" in out
    assert (MANAGER_GREETING if manager else GREETING)[language] in out
    source = "check-in" if kind == "confirmation" else {"checkin": "check-in",
                                                        "feedback": "feedback request"}.get(kind, kind)
    assert f"the next scheduled {source}" in out  # not dated today
    page = html.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html") and f'lang="{language}"' in page


def test_a_manager_kind_for_a_member_shows_the_managers_and_says_so(config_file, capsys):
    assert run(config_file, "digest", "--member", "yuki@example.com") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == ("Note: a digest goes to the team's manager: this is "
                                   "Maria Lind's (platform), not Yuki Tanaka's")
    assert "To: Maria Lind <maria@example.se> (platform, sv)" in out


def test_manager_picks_the_team_and_member_kinds_refuse_it(config_file, capsys):
    assert run(config_file, "brief", "--manager", "platform") == 0
    assert "To: Maria Lind" in capsys.readouterr().out
    assert run(config_file, "checkin", "--manager", "platform") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "goes to team members, not to the manager" in err
    assert run(config_file, "digest", "--manager", "nope") == 1
    assert "no such team (teams: platform, mobile)" in capsys.readouterr().err


def test_a_receipt_for_the_manager_answers_a_reflection(config_file, capsys):
    assert run(config_file, "confirmation", "--manager", "platform", "--language", "en") == 0
    out = capsys.readouterr().out
    assert "Subject: Received: Re: Your leadership reflection" in out
    assert "a reply to the next scheduled reflection" in out


def test_the_date_is_the_next_scheduled_one_in_the_readers_zone(config_file):
    config = load_config(config_file)
    yuki = preview_target(config, "checkin", member="YUKI@example.com")
    when = preview_time(config, "checkin", yuki, now=SUNDAY)
    assert when.due_at.isoformat() == "2026-12-07T09:00:00+09:00" and when.period == "2026-12-07"
    brief = preview_target(config, "brief")
    assert preview_time(config, "brief", brief, now=SUNDAY).period == "2026-12-08"  # Tuesday
    at = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)
    assert preview_time(config, "checkin", yuki, now=SUNDAY, at=at).due_at == at
    emma = preview_target(config, "review", member="liam@example.com")
    assert preview_time(config, "review", emma, now=SUNDAY).how == (
        "now: mobile has no review schedule")


def test_unknown_or_wrong_readers_are_one_clear_error(config_file):
    config = load_config(config_file)
    with pytest.raises(MailerError, match="nobody in the config has that address"):
        preview_target(config, "checkin", member="who@example.org")
    with pytest.raises(MailerError, match="manages platform, and a check-in goes to its members"):
        preview_target(config, "checkin", member="maria@example.se")


def test_a_path_that_cannot_be_written_is_one_line_and_exit_1(config_file, tmp_path, capsys):
    assert run(config_file, "checkin", "--output", str(tmp_path / "missing" / "x.html")) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("mailer: --output ") and captured.err.count("\n") == 1
    assert "No such file or directory" in captured.err
