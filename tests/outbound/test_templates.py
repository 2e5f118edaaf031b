"""Every prompt template renders in both languages under StrictUndefined, and reads well."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from mailer.errors import TemplateError
from mailer.models import LANGUAGES
from mailer.outbound import compose, samples
from mailer.service import check

KINDS = ("checkin", "review", "feedback", "reflection")
CONTEXTS = {"checkin": samples.checkin_context, "review": samples.review_context,
            "feedback": samples.feedback_context, "reflection": samples.reflection_context}


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return samples.sample_config(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def env(config):
    return compose.build_environment(config)


def rendered(env, config, kind, language, **changes):
    context = CONTEXTS[kind](config, config.teams[0], language) | changes
    return compose.render(env, kind, language, context), context


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_prompt_renders_with_numbered_questions_in_its_language(env, config, kind, language):
    mail, context = rendered(env, config, kind, language)
    assert "\n" not in mail.subject and mail.subject == mail.subject.strip()
    for question in context["questions"]:
        line = f"{question['number']}. {question['text']}"
        assert line in mail.text.splitlines()
        assert question["text"] in mail.html
    assert [q["number"] for q in context["questions"]] == list(range(1, len(context["questions"]) + 1))
    greeting = "Hej" if language == "sv" else "Hi"
    assert mail.text.startswith(f"{greeting} {context['person']['first_name']}")


@pytest.mark.parametrize(("kind", "language", "date_text"), [
    ("checkin", "sv", "måndag 7 december"), ("checkin", "en", "Monday 7 December"),
    ("review", "sv", "7 december"), ("review", "en", "7 December"),
    ("feedback", "sv", "december 2026"), ("feedback", "en", "December 2026"),
    ("reflection", "sv", "för december"), ("reflection", "en", "for December"),
])
def test_subject_carries_the_date_in_the_persons_locale(env, config, kind, language, date_text):
    mail, _ = rendered(env, config, kind, language)
    assert date_text in mail.subject


@pytest.mark.parametrize(("country", "locale", "subject"), [
    ("US", "en_US", "Check-in, Mon, December 7"),
    ("GB", "en_GB", "Check-in, Monday 7 December"),
    ("SE", "en_001", "Check-in, Monday 7 December"),  # not Sweden's "3,5" in English text
])
def test_english_dates_follow_the_country_only_where_english_is_spoken(env, config, country,
                                                                       locale, subject):
    team = config.teams[0]
    member = dataclasses.replace(team.members[0], country=country)
    team = dataclasses.replace(team, members=(member, *team.members[1:]))
    context = samples.checkin_context(config, team, "en")
    assert context["locale"] == locale
    assert compose.render(env, "checkin", "en", context).subject == subject


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_html_is_mail_safe_table_layout_with_dark_mode(env, config, kind, language):
    html = rendered(env, config, kind, language)[0].html
    assert "max-width: 600px" in html and 'role="presentation"' in html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "@media (prefers-color-scheme: dark)" in html  # kept in <style> for capable clients
    assert re.search(r'<p style="[^"]*margin', html)  # CSS inlined onto the elements
    assert "<script" not in html.lower() and not re.search(r"src=[\"']?https?:", html)
    assert f'<html lang="{language}">' in html


@pytest.mark.parametrize(("language", "pause"), [("sv", "PAUS till 21 december 2026"),
                                                 ("en", "PAUSE until 21 December 2026")])
@pytest.mark.parametrize("kind", ("checkin", "review", "feedback"))
def test_footer_has_availability_and_how_to_pause(env, config, kind, language, pause):
    mail, context = rendered(env, config, kind, language)
    footer = mail.text.split("\n-- \n", 1)[1]  # the RFC 3676 signature delimiter
    assert context["availability"] and context["availability"] in footer and pause in footer
    assert context["availability"] in mail.html and pause in mail.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_manager_never_reads_their_own_availability(env, config, language):
    mail, context = rendered(env, config, "reflection", language)
    assert context["availability"] == ""
    assert config.teams[0].availability not in mail.text + mail.html


def test_availability_and_goals_in_each_readers_language(env, config):
    team = dataclasses.replace(
        config.teams[0], availability="Tis 13-15",
        availability_texts={"sv": "Tis 13-15", "en": "Tue 1-3 pm"})
    member = dataclasses.replace(team.members[0], goals=("Släpp v2",),
                                 goal_texts=({"sv": "Släpp v2", "en": "Ship v2"},))
    team = dataclasses.replace(team, members=(member, *team.members[1:]))
    english = samples.checkin_context(config, team, "en")
    swedish = samples.checkin_context(config, team, "sv")
    assert english["availability"] == "Tue 1-3 pm" and swedish["availability"] == "Tis 13-15"
    assert member.goals_in("en") == ("Ship v2",) and member.goals_in("sv") == ("Släpp v2",)


def test_no_availability_no_empty_footer_line(env, config):
    mail, _ = rendered(env, config, "checkin", "en", availability="")
    footer = mail.text.split("\n-- \n", 1)[1]
    assert footer.splitlines()[0].startswith("Going away?")


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["only see a summary", "never who wrote what", "stored without names"]),
    ("sv", ["bara en sammanställning", "aldrig vem som skrev vad", "sparas utan namn"]),
])
def test_feedback_states_anonymity_clearly(env, config, language, words):
    mail, _ = rendered(env, config, "feedback", language)
    for text in (mail.text, mail.html):
        for word in words:
            assert word in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_review_quotes_last_months_next_month_and_lists_goals(env, config, language):
    mail, context = rendered(env, config, "review", language)
    assert "    Finish the billing migration.\n    Hand over the on-call rota." in mail.text
    for goal in context["goals"]:
        assert f"- {goal}" in mail.text and goal in mail.html
    first, _ = rendered(env, config, "review", language, previous={}, previous_period=None)
    assert "Finish the billing migration" not in first.text


@pytest.mark.parametrize(("language", "question"), [
    ("en", "What will you strengthen, change or start doing in how you lead?"),
    ("sv", "Hur tänker du involvera teamet?"),
])
def test_reflection_asks_the_manager_and_shows_last_commitments(env, config, language, question):
    mail, context = rendered(env, config, "reflection", language)
    assert context["person"]["email"] == config.teams[0].manager.email
    assert question in mail.text and "Give feedback the same day." in mail.text
    # each question once as a numbered question and once above last month's answer, no more
    assert mail.text.count(question) == 2
    assert ("I november skrev du" if language == "sv" else "In November you wrote") in mail.text
    assert "2026-11" not in mail.text + mail.html


def test_user_data_is_escaped_in_html_but_not_in_text(env, config):
    mail, _ = rendered(env, config, "checkin", "en", goals=["<b>ship</b> & test"])
    assert "- <b>ship</b> & test" in mail.text
    assert "&lt;b&gt;ship&lt;/b&gt; &amp; test" in mail.html and "<b>ship</b>" not in mail.html


# --------------------------------------------------------------------------- team templates


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_team_template_folder_wins_and_falls_back_to_builtin(tmp_path, config):
    write(tmp_path, "en/checkin.txt.j2",
          "{% block subject %}Hello {{ person.first_name }}{% endblock %}"
          "{% block body %}Custom body{% endblock %}")
    custom = dataclasses.replace(config, service=dataclasses.replace(
        config.service, templates_dir=tmp_path))
    env = compose.build_environment(custom)
    mail, _ = rendered(env, custom, "checkin", "en")
    assert mail.subject == "Hello Anna" and mail.text == "Custom body\n"
    assert "max-width: 600px" in mail.html  # the HTML part still comes from the built-in folder
    problems = check.template_problems(custom)
    assert not [p for p in problems if p.split(":")[0].split("/")[-1] in KINDS], problems


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("en/checkin.txt.j2", "{% block subject %}x{% endblock %}{% block body %}{{ nope }}{% endblock %}",
     "'nope' is undefined"),
    ("en/checkin.txt.j2", "{% block subject %}x{% endblock %}{% block body %}{% if %}{% endblock %}",
     "en/checkin.txt.j2:1"),
    ("en/checkin.txt.j2", "{% block body %}no subject{% endblock %}", "no {% block subject %}"),
    ("en/checkin.html.j2", "<p>hi</p><script>alert(1)</script>", "<script"),
    ("en/checkin.html.j2", '<img src="https://tracker.example/p.gif">', "remote resources"),
    ("en/checkin.html.j2", "{{ date|format_date('en', 'nonsense-format-{') }}", "en/checkin.html.j2"),
])
def test_a_broken_team_template_is_a_check_problem_not_a_crash(tmp_path, config, name, text,
                                                                expected):
    write(tmp_path, name, text)
    custom = dataclasses.replace(config, service=dataclasses.replace(
        config.service, templates_dir=tmp_path))
    with pytest.raises(TemplateError, match=re.escape(expected)):
        rendered(compose.build_environment(custom), custom, "checkin", "en")
    problems = check.template_problems(custom)
    assert any(p.startswith("en/checkin: ") and expected in p for p in problems), problems
    assert not any(p.startswith("sv/checkin") for p in problems)


def test_a_missing_template_is_a_template_error(tmp_path, config):
    env = compose.build_environment(config)
    with pytest.raises(TemplateError, match="not found"):
        compose.render(env, "newsletter", "en", {})


def test_template_problems_of_the_builtin_prompts_are_none(config):
    problems = check.template_problems(config)
    assert not [p for p in problems if p.split(":")[0].split("/")[-1] in KINDS], problems


def test_template_problems_reports_sample_data_that_fails(config, monkeypatch):
    def broken(config, team, language):
        raise KeyError("goals")

    monkeypatch.setitem(check.SAMPLES, "checkin", broken)
    problems = check.template_problems(config)
    assert "sv/checkin: the sample data failed: KeyError: 'goals'" in problems


def test_a_team_can_replace_and_reorder_its_questions(env, config):
    from mailer.models import Question

    own = (Question("mood", {"en": "Energy today, 1-5?", "sv": "Energi i dag, 1-5?"}, "scale"),
           Question("help", {"en": "What would help you most?", "sv": "Vad skulle hjälpa mest?"}))
    team = dataclasses.replace(config.teams[0], questions={"checkin": own})
    mail = compose.render(env, "checkin", "sv", samples.checkin_context(config, team, "sv"))
    assert "1. Energi i dag, 1-5?\n2. Vad skulle hjälpa mest?\n" in mail.text
    assert "Vilka hinder" not in mail.text
