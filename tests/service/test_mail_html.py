"""Every mail renders right where people read it, checked on the rendered HTML (there is no
real client here).

The client rules come from caniemail.com's support data (github.com/hteumeuleu/caniemail,
commit 6b086a3 of 2026-06-29), by feature slug; test_mail_clients.py holds the table of every
feature our mails use, the clients that lack it and the fallback, and checks it on every mail.
The rules below are the ones that table does not cover:

- classic Outlook for Windows (Word engine) does not inherit a font into table cells: every
  cell with text sets its own font (not in caniemail's data: kept from experience);
- it ignores max-width (css-max-width: only on <table>): a fixed-width "ghost table" inside
  MSO conditional comments;
- it pads only table cells (css-padding, note 1), so list padding is lost: margins on each li;
- Word and Samsung Email ignore white-space (css-white-space: n): line breaks are <br>;
- Gmail clips a message over 102 KB (not in caniemail's data): every mail stays under 60 KB,
  a digest of 50 people too;
- screen readers: sparkline blocks are aria-hidden (html-aria-hidden; Thunderbird ignores it),
  quotes in the other language carry lang (html-lang);
- links look like links (colour and underline), and severity is a label and a shape, not only
  a colour.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import lxml.html
import pytest

from mailer.config.questions import load_default_questions
from mailer.digest.build import build_digest
from mailer.inbound import receipts
from mailer.models import LANGUAGES, Config, Person, Prompt, Record, RenderedMail, Slot, Team
from mailer.outbound import compose, samples
from mailer.service.digest import digest_context, sample_context, sample_context_brief

BUDGET = 60 * 1024  # bytes of HTML; Gmail clips at 102 KB
BLOCKS = set("▁▂▃▄▅▆▇█")
TZ = ZoneInfo("Europe/Stockholm")


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return samples.sample_config(tmp_path_factory.mktemp("data"))


def every_mail(config: Config) -> Iterator[tuple[str, RenderedMail]]:
    env = compose.build_environment(config)
    team = config.teams[0]
    prompts = {"checkin": samples.checkin_context, "review": samples.review_context,
               "feedback": samples.feedback_context, "reflection": samples.reflection_context,
               "digest": sample_context, "brief": sample_context_brief,
               **{f"receipt_{o}": receipts.sample_factory(o) for o in receipts.OUTCOMES}}
    for kind, factory in prompts.items():
        for language in LANGUAGES:
            context = factory(config, team, language)
            yield f"{language}/{kind}", compose.render(env, kind, language, context)


def own_text(element: lxml.html.HtmlElement) -> str:
    """The text of a cell that is not inside a table nested in it."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag != "table":
            parts.append(own_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def problems(html: str) -> list[str]:
    """Every rule the HTML breaks, one line each."""
    found = []
    tree = lxml.html.fromstring(html)
    for td in tree.iter("td"):
        text = own_text(td).replace("\xa0", " ").strip()
        if text and "font-family" not in (td.get("style") or ""):
            found.append(f"a text cell without a font (Outlook): {text[:40]!r}")
    if not ('<!--[if mso]><table role="presentation" width="600"' in html
            and html.count("<![endif]-->") >= 2):
        found.append("no MSO ghost table (Outlook ignores max-width)")
    if "pre-line" in html or "white-space: pre" in html:
        found.append("white-space: pre-line (Outlook and Samsung Email run lines together)")
    for li in tree.iter("li"):
        if "margin" not in (li.get("style") or ""):
            found.append(f"an li without a margin (Outlook): {own_text(li)[:40]!r}")
    for a in tree.iter("a"):
        style = a.get("style") or ""
        if a.get("href") and ("underline" not in style or "color" not in style):
            found.append(f"a link that does not look like one: {a.text_content()[:40]!r}")
    for element in tree.iter():
        if not isinstance(element.tag, str) or not BLOCKS & set(element.text or ""):
            continue
        if not any(e.get("aria-hidden") == "true" for e in (element, *element.iterancestors())):
            found.append(f"sparkline read aloud: {element.text!r}")
    for td in tree.find_class("line"):
        label = " ".join(s.text_content() for s in td.iter("span")
                         if s.get("class") in ("tag", "tagw"))
        if not label.strip() or not ({"▲", "●"} & set(label)):
            found.append(f"severity shown by colour alone: {td.text_content()[:40]!r}")
    if len(html.encode("utf-8")) > BUDGET:
        found.append(f"{len(html.encode('utf-8'))} bytes: over the {BUDGET}-byte budget")
    return found


def test_every_mail_follows_the_rules_in_both_languages(config: Config) -> None:
    found = {name: broken for name, mail in every_mail(config) if (broken := problems(mail.html))}
    assert found == {}


def test_the_checks_catch_what_they_look_for() -> None:
    """The rules above, each broken once, are each reported (the test can fail)."""
    bad = ('<html><body><table><tr><td>No font here</td></tr></table>'
           '<p style="white-space: pre-line">a</p><ul><li>no margin</li></ul>'
           '<a href="https://example.com">plain</a><span>▁▂▃</span>'
           '<table><tr><td class="line" style="font-family: x">red only</td></tr></table>'
           f'{"x" * BUDGET}</body></html>')
    said = " ".join(problems(bad))
    for rule in ("without a font", "ghost table", "pre-line", "without a margin",
                 "does not look like one", "read aloud", "colour alone", "budget"):
        assert rule in said


# --------------------------------------------------------------------------- a team of 50


def _id(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


LONG = {"en": ("Still waiting for access to the staging database, and the review queue for the "
               "billing API has not moved since Tuesday, so the release slips again this week."),
        "sv": ("Väntar fortfarande på behörighet till staging-databasen, och granskningskön för "
               "fakturerings-API:et har inte rört sig sedan tisdag, så releasen glider igen.")}
PROGRESS = {"en": "Merged the importer and wrote the migration plan; about 60% done now.",
            "sv": "Mergade importen och skrev migreringsplanen; ungefär 60 % klart nu."}


def big_team(size: int = 50) -> tuple[Team, list[Record], list[Prompt]]:
    """Everyone answers every check-in with long words: the largest digest a team can get."""
    people = tuple(Person(f"Person{i} Name{i}", f"p{i}@example.com", TZ,
                          "sv" if i % 2 else "en", goals=("A goal with a few words",))
                   for i in range(size))
    manager = Person("Maria Lind", "maria@example.se", TZ, "sv")
    team = Team("big", "Big team", manager, people)
    monday = date(2026, 11, 30) - timedelta(weeks=8)
    records, prompts = [], []
    for week in range(9):
        for day in (0, 2, 4):
            at = datetime.combine(monday + timedelta(weeks=week, days=day), time(9), TZ)
            for p in people:
                key = _id(p.email, at)
                prompt = Prompt(Slot("big", p.email, "checkin", at.date().isoformat()),
                                f"<{key}@x>", key[:16], "sent", at, p.language, sent_at=at)
                prompts.append(prompt)
                records.append(Record(
                    key, "big", p.email, "checkin", at.date().isoformat(), prompt.message_id,
                    f"<r{key}@x>", at + timedelta(hours=2), "in_reply_to", p.language,
                    {"working_well": LONG[p.language][:120], "obstacles": LONG[p.language],
                     "mood": 1 + (week + day) % 5, "progress": PROGRESS[p.language]},
                    "text"))
    return team, records, prompts


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_digest_of_fifty_people_stays_under_the_budget_and_tags_languages(
        config: Config, language: str) -> None:
    team, records, prompts = big_team()
    team = team.__class__(**{**team.__dict__, "manager": Person(
        "Maria Lind", "maria@example.se", TZ, language)})
    digest = build_digest(team, records, prompts, week="2026-W49",
                          now=datetime(2026, 12, 7, 8, tzinfo=TZ))
    mail = compose.render(compose.build_environment(config), "digest", language,
                          digest_context(team, digest, questions=load_default_questions()))
    assert problems(mail.html) == []
    assert len(mail.text.encode("utf-8")) < BUDGET
    other = "sv" if language == "en" else "en"
    tree = lxml.html.fromstring(mail.html)
    tagged = " ".join(s.text_content() for s in tree.iter("span") if s.get("lang") == other)
    assert LONG[other][:60] in tagged  # a quote in the other language is marked as such
    assert not [s for s in tree.iter("span") if s.get("lang") == language]


def test_the_words_a_theme_rests_on_are_marked_inside_the_quote(config: Config) -> None:
    from tests.digest.test_digest import ANNA, ERIK, NOW, TEAM, WEEK, at, record

    records = [record(ANNA, at(0), obstacles="Too many meetings, hard to get focus time"),
               record(ERIK, at(0, 1), obstacles="För många möten på onsdagar")]
    digest = build_digest(TEAM, records, [], week=WEEK, now=NOW)
    (step,) = digest.next_steps
    assert [(e.name, e.words) for e in step.evidence] == [
        ("Anna", ("meetings", "focus", "time")), ("Erik", ("möten",))]
    mail = compose.render(compose.build_environment(config), "digest", "sv",
                          digest_context(TEAM, digest, questions=load_default_questions()))
    assert "Too many <strong>meetings</strong>, hard to get <strong>focus</strong> " in mail.html
    assert 'lang="en"' in mail.html  # Anna wrote in English, Maria reads Swedish
    assert "mailto:anna@example.com,erik@example.se?subject=" in mail.html


def test_a_goal_only_in_the_persons_own_language_is_marked_as_such(config: Config) -> None:
    import dataclasses

    from tests.digest.test_digest import ANNA, ERIK, NOW, TEAM, WEEK, at, prompt

    anna = dataclasses.replace(ANNA, language="en", goals=("Ship the importer",))
    erik = dataclasses.replace(ERIK, language="en", goals=("Ship v2",),
                               goal_texts=({"sv": "Släpp v2", "en": "Ship v2"},))
    team = dataclasses.replace(TEAM, members=(anna, erik),
                               manager=dataclasses.replace(TEAM.manager, language="sv"))
    digest = build_digest(team, [], [prompt(anna, at(0)), prompt(erik, at(0))], week=WEEK, now=NOW)
    html = compose.render(compose.build_environment(config), "digest", "sv",
                          digest_context(team, digest, questions=load_default_questions())).html
    tree = lxml.html.fromstring(html)
    tagged = [(s.get("lang"), s.text_content()) for s in tree.iter("span") if s.get("lang")]
    assert ("en", "Ship the importer") in tagged  # Anna's goal exists in English only
    assert "Släpp v2" in html and ("en", "Ship v2") not in tagged  # Erik's, in Swedish
