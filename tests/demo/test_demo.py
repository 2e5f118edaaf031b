"""``mailer demo``: the whole service on the embedded mail server, five simulated weeks."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from mailer.cli.main import main
from mailer.config.load import load_config
from mailer.demo.run import DEMO_CONFIG, MARKER, cast_for, run_demo


@pytest.mark.slow
def test_five_weeks_on_the_embedded_server(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    threads = threading.active_count()
    output = tmp_path / "demo-output"
    started = time.monotonic()
    assert main(["demo", "--output", str(output)]) == 0
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out

    # ~18 s measured on the 2-core machine; the "under a minute" goal is timed by `make demo`
    # (bench/README.md). Here only a runaway (20x) fails, never a busy machine.
    assert elapsed < 20 * 18
    assert threading.active_count() == threads  # nothing left running
    assert "MAILER_SECRET" not in os.environ and "MAILER_SMTP_PASSWORD" not in os.environ
    sent = dict((kind, int(n)) for n, kind in re.findall(r"(\d+) (\w+)", _line(out, "sent:")))
    assert set(sent) == {"checkin", "review", "feedback", "reflection", "digest", "brief"}
    assert sent["digest"] == 5 and sent["brief"] == 5
    skipped = _line(out, "skipped checkin:")
    for reason in ("away", "holiday", "paused"):
        assert reason in skipped
    recorded = int(re.search(r"replies recorded: (\d+)", out)[1])  # type: ignore[index]
    assert recorded >= 50
    assert len(list((output / "data" / "records").rglob("*.yaml"))) == recorded
    assert "quarantined: 1" in out  # the forged reply
    assert re.search(r"paused: \S+ 2026-12-\d\d to 2026-12-\d\d \(out_of_office\)", out)
    html = Path(re.search(r"last digest: (\S+\.html)", out)[1])  # type: ignore[index]
    text = Path(re.search(r"\(text: (\S+\.txt)\)", out)[1])  # type: ignore[index]
    assert html.is_relative_to(output.resolve()) and text.is_relative_to(output.resolve())
    assert "<html" in html.read_text(encoding="utf-8").lower()
    assert text.read_text(encoding="utf-8").strip() in out  # the digest's text is printed
    assert (output / "tls" / "cert.pem").exists() and (output / MARKER).exists()
    # The digest follows from the replies: the story the simulated people play is in it.
    cast = cast_for(load_config(DEMO_CONFIG))
    first_name = {p.email: p.first_name for p in load_config(DEMO_CONFIG).teams[0].members}
    digest = text.read_text(encoding="utf-8")
    attention = digest.split("BEHÖVER UPPMÄRKSAMHET", 1)[1].split("TEAMETS PULS", 1)[0]
    assert cast.tired and cast.quiet and cast.away
    assert f"{first_name[cast.tired]}: energi 2 av 5" in attention  # energy 4 -> 2
    assert f"{first_name[cast.tired]}: samma hinder" in attention  # the repeated obstacle
    assert f"{first_name[cast.quiet]}: inga svar" in attention  # gone quiet
    assert f"{first_name[cast.away]}: frånvarande (autosvar)" in attention  # the out-of-office


async def test_two_weeks_quarantine_the_forged_reply_and_stop_cleanly(tmp_path: Path) -> None:
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
    assert report.sent["checkin"] > 0 and report.sent["digest"] == 2
    assert [p.suffix for p in report.mail_files].count(".html") >= 4  # digests and briefs
    again = await run_demo(DEMO_CONFIG, tmp_path / "out", weeks=2)  # replaces its own folder
    assert again.records == report.records and again.sent == report.sent


def test_refuses_a_folder_it_did_not_make(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["demo", "--output", str(tmp_path), "--weeks", "1"]) == 1
    assert "not made by mailer demo" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def _line(text: str, prefix: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(prefix))
