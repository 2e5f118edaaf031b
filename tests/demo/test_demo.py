"""``mailer demo``: the whole service on the embedded mail server, two teams, simulated weeks.

What a reader is promised: every message each person received and sent is kept under
``mailboxes/<person>/`` as .eml and .html, ``index.html`` links all of them per person and
week, and the terminal gets a summary under 25 lines that ends with what to open and try.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import threading
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mailer.cli.main import main
from mailer.config.load import load_config
from mailer.demo.report import DemoReport
from mailer.demo.run import DEMO_CONFIG, MARKER, cast_for, owners, run_demo


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [value for name, value in attrs if tag == "a" and name == "href" and value]


def links(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.hrefs


def text_of(eml: Path) -> str:
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def check_tree(report: DemoReport) -> None:
    """Every person's folder, both files per message, and every page linked from the index."""
    output, people = report.output, owners(load_config(DEMO_CONFIG))
    folders = {p.name for p in (output / "mailboxes").iterdir()}
    assert folders == {o.folder for o in people.values()}  # both teams and the outsider
    emls = sorted((output / "mailboxes").rglob("*.eml"))
    pages = sorted((output / "mailboxes").rglob("*.html"))
    assert len(emls) == len(pages) == len(report.kept)
    assert [p.with_suffix("") for p in emls] == [p.with_suffix("") for p in pages]
    index = links(report.index)
    assert all((output / href).is_file() for href in index)
    assert {output / href for href in index} == set(pages)  # each message, once from the index
    for item in report.kept:  # each page leads back and to its raw message
        page_links = links(report.page(item))
        assert "../../index.html" in page_links and f"{Path(item.stem).name}.eml" in page_links
    assert (output / "tls" / "cert.pem").exists() and (output / MARKER).exists()


@pytest.mark.slow
def test_five_weeks_tell_the_story_keep_every_mailbox_and_say_it_in_few_lines(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads = threading.active_count()
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    output = tmp_path / "demo-output"

    assert threading.active_count() == threads  # nothing left running
    assert "MAILER_SECRET" not in os.environ and "MAILER_SMTP_PASSWORD" not in os.environ
    lines = out.splitlines()
    assert len(lines) < 25 and max(map(len, lines)) < 100
    assert lines[-5] == "Try next, on the demo's config and data (nothing is sent):"
    assert "demo-output/index.html" in out and "BEHÖVER UPPMÄRKSAMHET" not in out
    sent = {team: _sent(out, team) for team in ("Platform team", "Mobile team")}
    for counts in sent.values():
        assert set(counts) >= {"check-ins", "reviews", "feedback", "reflection", "digests",
                               "briefs"}
        assert counts["digests"] == 5 and counts["briefs"] == 5
    skipped = next(line for line in lines if line.startswith("  skipped check-ins:"))
    for reason in ("away", "holiday", "paused"):
        assert reason in skipped
    assert "quarantined 1 (sent by someone else)" in out  # the forged reply
    assert re.search(r"paused Olivia Brown \d+–\d+ Dec \(out-of-office\)", out)

    kinds = {p.name.split("-", 4)[4].removesuffix(".eml") for p in output.rglob("*.eml")}
    assert kinds >= {"checkin", "review", "feedback", "reflection", "digest", "brief",
                     "receipt", "reply", "out-of-office", "forged"}
    assert len(list((output / "data" / "records").rglob("*.yaml"))) == sum(
        int(n) for n in re.findall(r"recorded (\d+) replies", out))
    # The digest follows from the replies: the story the simulated people play is in it.
    config = load_config(DEMO_CONFIG)
    cast = cast_for(config)
    first_name = {p.email: p.first_name for p in config.teams[0].members}
    digest_page = Path(re.search(r"(\S+digest\.html)   Maria Lind's last digest", out)[1])  # type: ignore[index]
    digest = text_of(digest_page.with_suffix(".eml"))
    attention = digest.split("BEHÖVER DIN UPPMÄRKSAMHET", 1)[1].split("BORTA DEN", 1)[0]
    away = digest.split("BORTA DEN KOMMANDE VECKAN", 1)[1].split("TEAMETS PULS", 1)[0]
    assert cast.tired and cast.quiet and cast.away
    assert f"{first_name[cast.tired]}: energi 2 av 5" in attention  # energy 4 -> 2
    assert f"{first_name[cast.tired]}: samma hinder" in attention  # the repeated obstacle
    assert f"{first_name[cast.quiet]}: inga svar" in attention  # gone quiet
    assert f"{first_name[cast.away]}: frånvarande till och med" in away  # the out-of-office
    assert "Erik: ledig 21–31 december" in away  # planned leave from the config
    assert "Erik" not in attention  # ... so not "gone quiet"
    assert_every_claim_rests_on_its_evidence(output)
    # What the summary offers to try works on what the demo left behind.
    name, _, value = lines[-4].split()[1].partition("=")
    monkeypatch.setenv(name, value)
    for line in lines[-3:-1]:
        argv = line.split()[1:]
        assert main(argv) == 0, line
    assert "next check-ins" in capsys.readouterr().out


def assert_every_claim_rests_on_its_evidence(output: Path) -> None:
    """Each digest of the five weeks, rebuilt from what the demo stored: every step names only
    people whose quoted answers hold the words the step is about, themes never put someone
    under a theme their own words do not match, and "progress" never quotes standing still."""
    from dataclasses import replace
    from datetime import datetime, timedelta

    from mailer.digest.themes import progress, themes
    from mailer.service.context import open_context
    from mailer.service.digest import load_digest

    config = load_config(DEMO_CONFIG)
    config = replace(config, service=replace(config.service, data_dir=output / "data"))
    ctx = open_context(config, need_secret=False)
    team = config.teams[0]
    claims = 0
    for week in range(48, 53):
        monday = datetime.fromisocalendar(2026, week, 1).replace(tzinfo=team.manager.timezone)
        digest = load_digest(ctx, team, f"2026-W{week}", now=monday + timedelta(days=4, hours=15))
        for step in digest.next_steps:
            for evidence in step.evidence:
                assert evidence.name in step.names
                assert all(word in evidence.quote.text for word in evidence.words)
                language = evidence.quote.language
                if step.rule == "theme":
                    claims += 1
                    assert step.topic in {m.theme for m in themes(evidence.quote.text, language)}
                if step.rule == "recognise":
                    claims += 1
                    goals = [g for p in team.members for g in p.goals]
                    assert progress(evidence.quote.text, language, goals) is not None
            if step.rule in ("theme", "recognise"):
                assert len(step.evidence) + step.more == len(step.names)
        for person in digest.people:
            if person.progress_new is not None:
                assert "står still" not in person.progress_new.text
    assert claims >= 5  # the demo has themes and progress to claim


def _sent(out: str, team: str) -> dict[str, int]:
    lines = out.splitlines()
    line = lines[next(n for n, text in enumerate(lines) if text.startswith(team)) + 1]
    return {kind: int(n) for n, kind in re.findall(r"(\d+) ([a-z-]+)", line)}


async def test_two_weeks_keep_both_sides_of_every_mail_and_stop_cleanly(tmp_path: Path) -> None:
    before = set(asyncio.all_tasks())
    report = await run_demo(DEMO_CONFIG, tmp_path / "out", weeks=2)
    assert set(asyncio.all_tasks()) == before
    # Feedback has no inbound row (its order and time would date it): the ledger notes only
    # who answered, and each answer is one anonymous file.
    data = tmp_path / "out" / "data"
    feedback = len(list((data / "records").glob("*/_feedback/*/*.yaml")))
    with sqlite3.connect(data / "ledger.sqlite3") as db:
        (answered,) = db.execute("SELECT COUNT(*) FROM feedback_answered").fetchone()
    assert feedback == answered > 0
    assert report.inbound.get("quarantine") == 1
    assert report.records == report.inbound["record"] + feedback
    assert report.sent["checkin"] > 0 and report.sent["digest"] == 4  # two teams, two weeks
    check_tree(report)
    by_kind = {(k.owner.role, k.kind) for k in report.kept}
    assert by_kind >= {("member", "checkin"), ("member", "reply"), ("member", "receipt"),
                       ("member", "feedback"), ("manager", "digest"), ("manager", "brief"),
                       ("manager", "reflection"), ("outsider", "forged")}
    languages = {k.owner.language for k in report.kept if k.kind == "digest"}
    assert languages == {"sv", "en"}  # the English-speaking team beside the Swedish one
    lines = report.lines(cwd=tmp_path)
    assert len(lines) < 25 and lines[-1].startswith("Then `mailer init`")
    # A receipt is dated when its reply came: the simulated clock waits for the poller's
    # receipts, as mailer run sends them within a minute.
    replies = {k.message_id: k.at for k in report.kept if k.kind == "reply"}
    receipts = [k for k in report.kept if k.kind == "receipt"]
    assert receipts and all(k.in_reply_to in replies for k in receipts)
    assert all(timedelta(0) <= k.at - replies[k.in_reply_to] <= timedelta(minutes=1)
               for k in receipts)
    again = await run_demo(DEMO_CONFIG, tmp_path / "out", weeks=2)  # replaces its own folder
    assert again.records == report.records and again.sent == report.sent
    # The same mail in the same mailboxes, to the minute in each file name.
    assert sorted(k.stem for k in again.kept) == sorted(k.stem for k in report.kept)


def test_refuses_a_folder_it_did_not_make(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["demo", "--output", str(tmp_path), "--weeks", "1"]) == 1
    assert "not made by mailer demo" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"
