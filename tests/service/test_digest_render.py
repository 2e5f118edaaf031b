"""The digest and brief as mail: both languages, escaping, and loading only the weeks needed."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mailer.config.questions import load_default_questions
from mailer.digest.samples import SAMPLE_NOW, SAMPLE_WEEK, sample_inputs
from mailer.models import Config, Slot, Team
from mailer.outbound import compose
from mailer.outbound.samples import sample_config, sample_team
from mailer.service import check
from mailer.service.context import Context
from mailer.service.digest import (
    brief_mail,
    digest_mail,
    load_digest,
    sample_context,
    sample_context_brief,
)
from mailer.storage.ledger import Ledger
from mailer.storage.store import RecordStore

HOSTILE = {
    "working_well": '<script>alert("x")</script> & <b>bold</b>',
    "obstacles": '<img src=x onerror=alert(1)> <a href="javascript:alert(2)">click</a> src=//evil.example/p.gif',
    "progress": "</td></tr></table><iframe srcdoc='x'>",
}


class Tags(HTMLParser):
    """Every tag and attribute of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


@pytest.fixture()
def config(tmp_path: Path) -> Config:
    return sample_config(tmp_path / "data")


def manager_speaks(team: Team, language: str) -> Team:
    return dataclasses.replace(team, manager=dataclasses.replace(team.manager, language=language))


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_digest_renders_in_both_languages(config, language):
    team = manager_speaks(config.teams[0], language)
    env = compose.build_environment(config)
    mail = compose.render(env, "digest", language, sample_context(config, team, language))
    headings = {"en": ["NEEDS ATTENTION", "TEAM PULSE", "PER PERSON", "FOLLOW-UP",
                       "LEADERSHIP FEEDBACK", "NEXT STEPS"],
                "sv": ["BEHÖVER UPPMÄRKSAMHET", "TEAMETS PULS", "PER PERSON", "UPPFÖLJNING",
                       "ÅTERKOPPLING PÅ DITT LEDARSKAP", "NÄSTA STEG"]}[language]
    positions = [mail.text.index(h) for h in headings]
    assert positions == sorted(positions)  # the order
    assert mail.subject.startswith({"en": "Week 49", "sv": "Vecka 49"}[language])
    assert "▆" in mail.text and "▆" in mail.html  # sparklines in both parts
    assert "max-width: 600px" in mail.html and 'href="#p1"' in mail.html and 'id="p1"' in mail.html
    assert not any(tag in ("script", "img", "iframe", "link") for tag, _ in tags(mail.html))
    date_word = {"en": "Mon 30 Nov", "sv": "mån 30 november"}[language]
    assert date_word in mail.text


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_brief_renders_in_both_languages(config, language):
    team = manager_speaks(config.teams[0], language)
    env = compose.build_environment(config)
    mail = compose.render(env, "brief", language, sample_context_brief(config, team, language))
    assert {"en": "Before the", "sv": "Inför mötet"}[language] in mail.subject
    habit = {"en": "Cameras on", "sv": "Kameran på"}[language]
    assert habit in mail.text and habit in mail.html
    assert "Ben" in mail.text  # quiet lately: invited to speak


def test_mailer_check_finds_no_problem_in_the_digest_and_brief(config):
    problems = check.template_problems(config)
    assert not [p for p in problems if p.split("/")[1].split(":")[0] in ("digest", "brief")]


@pytest.mark.parametrize("language", ["en", "sv"])
def test_answers_are_escaped_in_html_and_quoted_as_text(config, language):
    team, records, prompts, pauses, failures = sample_inputs(config.teams[0])
    records = [dataclasses.replace(r, answers={**r.answers, **HOSTILE}) if r.kind == "checkin"
               else r for r in records]
    from mailer.digest.build import build_digest
    from mailer.service.digest import digest_context

    digest = build_digest(team, records, prompts, pauses, failures, week=SAMPLE_WEEK,
                          now=SAMPLE_NOW)
    context = digest_context(manager_speaks(team, language), digest,
                             questions=load_default_questions())
    mail = compose.render(compose.build_environment(config), "digest", language, context)
    found = tags(mail.html)
    assert not [t for t, _ in found if t in ("script", "img", "iframe", "b")]
    attributes = [(name, value or "") for _, attrs in found for name, value in attrs]
    assert not [a for a in attributes if a[0].startswith("on")]
    assert not [a for a in attributes if "javascript:" in a[1].lower()]
    assert "&lt;script&gt;" in mail.html and "onerror=alert(1)" in mail.html  # shown as text
    assert '<script>alert("x")</script>' in mail.text  # the text part quotes it verbatim


def write_sample(tmp_path: Path) -> tuple[Context, Team]:
    config = sample_config(tmp_path / "data")
    team, records, prompts, pauses, failures = sample_inputs(config.teams[0])
    config = dataclasses.replace(config, teams=(team,))
    ledger = Ledger.in_dir(config.service.data_dir)
    store = RecordStore(config.service.data_dir)
    for record in records:
        store.write(record)
    ledger.ensure(dataclasses.replace(p, state="due", sent_at=None) for p in prompts)
    for p in prompts:
        ledger.set_state(p.slot.key, "sent", at=p.sent_at)
    for pause in pauses:
        ledger.add_pause(pause)
    for failure in failures:
        for _ in range(failure.count):
            ledger.mark_failing(failure.email, failure.reason, at=failure.since)
    ledger.mark_failing("outsider@elsewhere.example", "550", at=SAMPLE_NOW)
    ctx = Context(config, compose.build_environment(config), ledger, store,
                  load_default_questions(), None)
    return ctx, team


def test_loading_from_the_store_and_ledger_gives_the_pure_result(tmp_path):
    ctx, team = write_sample(tmp_path)
    _, records, prompts, pauses, failures = sample_inputs(team)
    from mailer.digest.build import build_digest

    loaded = load_digest(ctx, team, SAMPLE_WEEK, now=SAMPLE_NOW)
    expected = build_digest(team, records, prompts, pauses, failures, week=SAMPLE_WEEK,
                            now=SAMPLE_NOW)
    assert loaded.attention == expected.attention
    assert loaded.pulse == expected.pulse and loaded.follow_up == expected.follow_up
    assert loaded.feedback == expected.feedback and loaded.next_steps == expected.next_steps
    assert "outsider" not in repr(loaded)


def test_only_the_weeks_needed_are_read(tmp_path, monkeypatch):
    ctx, team = write_sample(tmp_path)
    old = dataclasses.replace(next(r for r in sample_inputs(team)[1] if r.kind == "checkin"),
                              id="f" * 40, received_at=datetime(2025, 6, 2, 9, tzinfo=SAMPLE_NOW.tzinfo))
    ctx.store.write(old)  # a year-old record: never read for this week's digest
    read: list[Path] = []
    original = ctx.store.read

    def spy(path: Path):
        read.append(path)
        return original(path)

    monkeypatch.setattr(ctx.store, "read", spy)
    load_digest(ctx, team, SAMPLE_WEEK, now=SAMPLE_NOW)
    folders = {p.parent.name for p in read}
    assert folders <= {"2026-09", "2026-10", "2026-11", "2026-12", "2026-Q3", "2026-Q4"}
    assert not any(p.name == "f" * 40 + ".yaml" for p in read)


def test_digest_and_brief_mail_of_a_ledger_slot(tmp_path):
    ctx, team = write_sample(tmp_path)
    digest = digest_mail(ctx, team, Slot(team.name, team.manager.email, "digest", SAMPLE_WEEK),
                         SAMPLE_NOW)
    assert "Vecka 49" in digest.subject and "Omar" in digest.text
    brief = brief_mail(ctx, team, Slot(team.name, team.manager.email, "brief", "2026-12-07"),
                       SAMPLE_NOW + timedelta(hours=1, minutes=30))
    assert "Inför mötet" in brief.subject and "testmiljön" in brief.text


def test_a_team_without_any_data_renders_a_quiet_digest(tmp_path):
    config = sample_config(tmp_path / "data", teams=(sample_team("empty"),))
    ctx = Context(config, compose.build_environment(config), Ledger.in_dir(tmp_path / "data"),
                  RecordStore(tmp_path / "data"), load_default_questions(), None)
    mail = digest_mail(ctx, config.teams[0], Slot("empty", "lena@example.com", "digest",
                                                  SAMPLE_WEEK), SAMPLE_NOW)
    assert mail.subject == "Vecka 49, Empty: inget akut"
    assert "BEHÖVER UPPMÄRKSAMHET" not in mail.text and "UPPFÖLJNING" not in mail.text
    steps = mail.text.split("NÄSTA STEG\n")[1].strip().splitlines()
    assert steps[0].startswith("1. Ingen har gett dig återkoppling")  # late in the quarter
    assert not steps[1].startswith("2.")


@pytest.mark.parametrize("language", ["en", "sv"])
def test_evidence_on_the_first_line_and_once_per_person(config, language):
    from mailer.digest.build import build_digest
    from mailer.service.digest import digest_context
    from tests.digest.test_digest import ANNA, NOW, TEAM, WEEK, at, record

    records = [record(ANNA, at(-1), mood=4, obstacles="Unclear priorities"),
               record(ANNA, at(0), mood=1, obstacles="Priorities unclear again")]
    digest = build_digest(manager_speaks(TEAM, language), records, [], week=WEEK, now=NOW)
    mail = compose.render(compose.build_environment(config), "digest", language,
                          digest_context(manager_speaks(TEAM, language), digest,
                                         questions=load_default_questions()))
    assert [a.kind for a in digest.attention] == ["low_mood", "repeated_obstacle"]
    assert mail.text.count("Priorities unclear again") == 3  # once in attention, person, step


@pytest.mark.parametrize(("language", "away", "paused"), [
    ("en", "out of office (auto-reply) until", "paused the check-ins from"),
    ("sv", "frånvarande (autosvar) till och med", "har pausat avstämningarna från"),
])
def test_pauses_are_worded_by_reason(config, language, away, paused):
    from datetime import date

    from mailer.digest.build import build_digest
    from mailer.models import Pause
    from mailer.service.digest import digest_context
    from tests.digest.test_digest import ANNA, LENA, NOW, TEAM, WEEK, at

    pauses = [Pause("core", ANNA.email, date(2026, 11, 26), date(2026, 12, 4), "out_of_office",
                    at()),
              Pause("core", LENA.email, date(2026, 12, 3), date(2026, 12, 10), "command", at())]
    team = manager_speaks(TEAM, language)
    digest = build_digest(team, [], [], pauses, week=WEEK, now=NOW)
    mail = compose.render(compose.build_environment(config), "digest", language,
                          digest_context(team, digest, questions=load_default_questions()))
    assert away in mail.text and paused in mail.text


@pytest.mark.parametrize(("language", "line"), [("en", "2 of 5 answered."),
                                                 ("sv", "2 av 5 har svarat.")])
def test_two_feedback_answers_of_five_show_only_the_count(tmp_path, language, line):
    """Below min_respondents (default 5) the section says how many answered and nothing else."""
    from mailer.models import Prompt, Record
    from mailer.outbound.samples import sample_person

    members = [sample_person(f"Person{n} Test", f"p{n}@example.com") for n in range(5)]
    manager = sample_person("Lena Holm", "lena@example.com", language=language)
    team = sample_team(members=members, manager=manager)
    config = sample_config(tmp_path / "data", teams=(team,))
    ctx = Context(config, compose.build_environment(config), Ledger.in_dir(tmp_path / "data"),
                  RecordStore(tmp_path / "data"), load_default_questions(), None)
    sent = datetime(2026, 12, 1, 13, tzinfo=SAMPLE_NOW.tzinfo)
    for n, person in enumerate(members):
        slot = Slot(team.name, person.email, "feedback", "2026-Q4")
        ctx.ledger.ensure([Prompt(slot, f"<f{n}@x>", f"tok{n}", "due", sent, "sv")])
        ctx.ledger.set_state(slot.key, "sent", at=sent)
    for n in range(2):
        ctx.store.write_anonymous(Record(
            id=f"{n + 1:040x}", team=team.name, member=None, kind="feedback", slot="2026-Q4",
            prompt_message_id=None, message_id=None, matched_by=None, language="sv",
            received_at=datetime.fromisoformat("2026-10-01T00:00:00+00:00"),
            answers={"works": f"Secret answer {n}", "support": 4}, text=f"Secret answer {n}"))
    mail = digest_mail(ctx, team, Slot(team.name, manager.email, "digest", SAMPLE_WEEK),
                       SAMPLE_NOW)
    heading = "LEADERSHIP FEEDBACK" if language == "en" else "ÅTERKOPPLING PÅ DITT LEDARSKAP"
    section = mail.text.split(heading)[1].split("\n\n")[0]
    assert section.splitlines()[1:] == [line]
    assert "Secret answer" not in mail.text and "Secret answer" not in mail.html
