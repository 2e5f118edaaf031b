"""The privacy notice (GDPR art. 13): rendered from a real config, in both languages."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mailer.cli.main import main
from mailer.config.load import load_config
from mailer.config.questions import load_default_questions, questions_for
from mailer.kinds import MEMBER_KINDS
from mailer.models import Config, PrivacySettings
from mailer.outbound.compose import build_environment
from mailer.outbound.notice import Notice, notice_html, render_notice

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example.toml"


def notice(config: Config, language: str) -> Notice:
    team = config.teams[0]
    defaults = load_default_questions(config.service.templates_dir)
    questions = {kind: questions_for(team, kind, defaults) for kind in MEMBER_KINDS}
    return render_notice(build_environment(config), config, team, language, questions)


@pytest.fixture(scope="module")
def example() -> Config:
    return load_config(EXAMPLE)


@pytest.mark.parametrize(("language", "says"), [
    ("en", ["How the Platform team check-ins handle your information",
            "Exempel AB (556000-0000) is responsible", "integritet@example.com",
            "Our legitimate interest", "deleted 24 months after they come in",
            "until at least 5 people have", "“How is your energy, 1-5?”",
            'kept in its folder "Checkins/Processed"', "deleted from the mailbox as soon as",
            "Recoverable Items", "Vault", "Swedish Authority for Privacy Protection (IMY"]),
    ("sv", ["Så hanterar avstämningarna i Platform team dina uppgifter",
            "Exempel AB (556000-0000) är personuppgiftsansvarig", "integritet@example.com",
            "Rättslig grund: Vårt berättigade intresse",
            "raderas 24 månader efter att de kom in", "tills minst 5 personer har gjort det",
            "”Hur är din energi, 1-5?”", "raderas ur brevlådan så snart",
            "Återställningsbara objekt", "Integritetsskyddsmyndigheten (IMY"]),
])
def test_the_notice_says_the_configs_real_values(example: Config, language: str,
                                                   says: list[str]) -> None:
    text = notice(example, language).text
    for phrase in says:
        assert phrase in text, phrase
    assert "[" not in text and notice(example, language).missing == ()


def test_unset_privacy_values_are_marked_for_the_employer(example: Config) -> None:
    bare = dataclasses.replace(example, privacy=PrivacySettings())
    found = notice(bare, "sv")
    assert found.missing == ("privacy.controller", "privacy.contact", "privacy.legal_basis")
    assert found.text.count("[fylls i av arbetsgivaren:") == 3


def test_text_retention_and_a_team_without_feedback(example: Config) -> None:
    service = dataclasses.replace(example.service, text_retention_months=6)
    team = dataclasses.replace(example.teams[0], feedback=None)
    text = notice(dataclasses.replace(example, service=service, teams=(team,)), "en").text
    assert "removed already after 6 months" in text
    assert "does not ask for leadership feedback" in text and "min_respondents" not in text


def test_the_html_is_built_from_the_text_and_escapes_it() -> None:
    text = ("Title <b>\n=====\n\nA paragraph & more,\non two lines.\n\n"
            "Heading\n-------\n\n- one <i>\n- two\n")
    assert notice_html(text) == (
        "<h1>Title &lt;b&gt;</h1>\n<p>A paragraph &amp; more,<br>on two lines.</p>\n"
        "<h2>Heading</h2>\n<ul><li>one &lt;i&gt;</li><li>two</li></ul>")


def test_privacy_notice_command_writes_both_languages(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    for language in ("sv", "en"):
        out = tmp_path / f"notice-{language}.html"
        assert main(["--config", str(EXAMPLE), "privacy-notice", "--language", language,
                     "--html", "--output", str(out)]) == 0
        page = out.read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and f'<html lang="{language}">' in page
        assert "<h2" in page and "Exempel AB" in page
    assert "is not set" not in capsys.readouterr().err
    assert main(["--config", str(EXAMPLE), "privacy-notice", "--team", "nope"]) == 2
