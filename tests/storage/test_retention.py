"""Retention: pure planning over paths and dates, then deletion, text stripping and housekeeping."""

from __future__ import annotations

import logging
import os
import stat
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailer.models import (
    Config,
    ImapSettings,
    Pause,
    Prompt,
    Record,
    ServiceSettings,
    Slot,
    SmtpSettings,
    TestSend,
)
from mailer.service.context import Context
from mailer.service.housekeeping import housekeeping
from mailer.storage.ledger import Ledger
from mailer.storage.records import dump_record
from mailer.storage.retention import (
    RetentionSettings,
    StoredRecord,
    apply_retention,
    cutoffs,
    has_text,
    months_before,
    plan_retention,
    strip_text,
)
from mailer.storage.store import RecordStore

TZ = ZoneInfo("Europe/Stockholm")
UTC = UTC
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=TZ)
TWO_YEARS = RetentionSettings(retention_months=24)
WITH_TEXT = RetentionSettings(retention_months=24, text_retention_months=6)


# --------------------------------------------------------------------------- pure


@pytest.mark.parametrize(("moment", "months", "expected"), [
    (datetime(2026, 11, 28, 3, tzinfo=TZ), 24, datetime(2024, 11, 28, 3, tzinfo=TZ)),
    (datetime(2026, 5, 31, tzinfo=UTC), 3, datetime(2026, 2, 28, tzinfo=UTC)),
    (datetime(2028, 5, 31, tzinfo=UTC), 3, datetime(2028, 2, 29, tzinfo=UTC)),
    (datetime(2026, 1, 15, tzinfo=UTC), 1, datetime(2025, 12, 15, tzinfo=UTC)),
    (datetime(2026, 3, 31, tzinfo=UTC), 13, datetime(2025, 2, 28, tzinfo=UTC)),
    (datetime(2026, 12, 31, tzinfo=UTC), 12, datetime(2025, 12, 31, tzinfo=UTC)),
])
def test_months_before(moment: datetime, months: int, expected: datetime) -> None:
    assert months_before(moment, months) == expected


def test_cutoffs() -> None:
    assert cutoffs(NOW, TWO_YEARS) == (datetime(2024, 11, 28, 3, tzinfo=TZ), None)
    assert cutoffs(NOW, WITH_TEXT) == (datetime(2024, 11, 28, 3, tzinfo=TZ),
                                       datetime(2026, 5, 28, 3, tzinfo=TZ))
    same = RetentionSettings(retention_months=6, text_retention_months=6)
    assert cutoffs(NOW, same)[1] is None  # everything that old is deleted anyway
    with pytest.raises(ValueError):
        cutoffs(NOW, RetentionSettings(retention_months=0))


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


PLAN_TABLE = [
    # (name, received_at, period_end, has_text, settings) -> action
    ("old", at(2024, 11, 1), at(2024, 12, 1), True, TWO_YEARS, "delete"),
    ("just-before-cutoff", at(2024, 11, 28, 1, 59), at(2024, 12, 1), False, TWO_YEARS, "delete"),
    ("at-cutoff", at(2024, 11, 28, 2, 0), at(2024, 12, 1), True, TWO_YEARS, "keep"),
    ("young", at(2026, 11, 27), at(2026, 12, 1), True, TWO_YEARS, "keep"),
    ("text-window", at(2025, 3, 1), at(2025, 4, 1), True, WITH_TEXT, "strip"),
    ("text-window-already-stripped", at(2025, 3, 1), at(2025, 4, 1), False, WITH_TEXT, "keep"),
    ("text-window-no-text-retention", at(2025, 3, 1), at(2025, 4, 1), True, TWO_YEARS, "keep"),
    ("newer-than-text-cutoff", at(2026, 6, 1), at(2026, 7, 1), True, WITH_TEXT, "keep"),
    ("old-beats-strip", at(2023, 1, 1), at(2023, 2, 1), True, WITH_TEXT, "delete"),
    ("unread-folder-past-cutoff", None, at(2024, 11, 1), False, TWO_YEARS, "delete"),
    ("unread-folder-ends-at-cutoff", None, at(2024, 11, 28, 2), False, TWO_YEARS, "delete"),
    ("unread-folder-straddles", None, at(2024, 12, 1), True, WITH_TEXT, "keep"),
]


@pytest.mark.parametrize(("received", "period_end", "text", "settings", "action"),
                         [row[1:] for row in PLAN_TABLE], ids=[row[0] for row in PLAN_TABLE])
def test_plan_retention(received: datetime | None, period_end: datetime, text: bool,
                        settings: RetentionSettings, action: str) -> None:
    path = Path("records/platform/anna/x.yaml")
    plan = plan_retention([StoredRecord(path, period_end, received, text)], NOW, settings)
    assert {"delete": (path,) if action == "delete" else (),
            "strip": (path,) if action == "strip" else ()} == {"delete": plan.delete,
                                                               "strip": plan.strip}


def make_record(n: int, received_at: datetime, *, member: str | None = "anna@example.com",
                text: str = "Bra vecka.\n", team: str = "platform") -> Record:
    return Record(
        id=f"{n:040x}", team=team, member=member, kind="checkin" if member else "feedback",
        slot="x", prompt_message_id=None, message_id=f"<r{n}@x>", received_at=received_at,
        matched_by="sender", language="sv",
        answers={"mood": 4, "energy": 2, "obstacles": "CI är långsam", "flag": True},
        text=text, problems=("no greeting",),
    )


def test_strip_text_keeps_only_scale_answers_and_says_when() -> None:
    record = make_record(1, at(2025, 3, 1))
    stripped = strip_text(record, on=date(2026, 11, 28))
    assert stripped.text == ""
    assert dict(stripped.answers) == {"mood": 4, "energy": 2}
    assert stripped.problems == ("no greeting", "text removed by retention on 2026-11-28")
    assert (stripped.id, stripped.received_at, stripped.member) == (record.id, record.received_at,
                                                                    record.member)
    assert has_text(record) and not has_text(stripped)


# --------------------------------------------------------------------------- applying


def write_raw(store: RecordStore, path_like: Record, text: str) -> Path:
    path = store.path_for(path_like)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture()
def archive(tmp_path: Path) -> tuple[RecordStore, Ledger, dict[str, Path]]:
    store, ledger = RecordStore(tmp_path), Ledger.in_dir(tmp_path)
    paths = {
        "ancient": store.write(make_record(1, at(2023, 6, 1)))[0],
        "old": store.write(make_record(2, at(2024, 11, 27)))[0],
        "old-feedback": store.write(make_record(3, at(2024, 8, 1), member=None))[0],
        "boundary-kept": store.write(make_record(4, at(2024, 11, 28, 12)))[0],
        "mid": store.write(make_record(5, at(2025, 6, 1)))[0],
        "mid-feedback": store.write(make_record(6, at(2025, 7, 1), member=None))[0],
        "recent": store.write(make_record(7, at(2026, 11, 1)))[0],
        "broken-old": write_raw(store, make_record(8, at(2023, 2, 1)), "{not: [yaml"),
        "broken-mid": write_raw(store, make_record(9, at(2025, 2, 1)), "- just a list\n"),
    }
    return store, ledger, paths


def test_apply_retention_deletes_old_records_and_strips_texts(archive) -> None:
    store, ledger, paths = archive
    report = apply_retention(store, ledger, now=NOW, settings=WITH_TEXT)

    assert set(report.removed) == {paths[k] for k in ("ancient", "old", "old-feedback",
                                                       "broken-old")}
    assert set(report.stripped) == {paths[k] for k in ("boundary-kept", "mid", "mid-feedback")}
    assert len(report.problems) == 1 and str(paths["broken-mid"]) in report.problems[0]
    assert not any(p.exists() for p in report.removed)
    assert not paths["ancient"].parent.exists()  # emptied month folders go too
    assert not (store.root / "platform" / "_feedback" / "2024-Q3").exists()
    assert paths["broken-mid"].exists()

    mid = store.read(paths["mid"])
    assert mid.text == "" and dict(mid.answers) == {"mood": 4, "energy": 2}
    assert mid.problems[-1] == "text removed by retention on 2026-11-28"
    assert "CI är långsam" not in paths["mid"].read_text()
    assert stat.S_IMODE(paths["mid"].stat().st_mode) == 0o600
    assert [p.name for p in paths["mid"].parent.iterdir()] == [paths["mid"].name]  # no temp file
    assert store.read(paths["recent"]) == make_record(7, at(2026, 11, 1))


def test_apply_retention_is_idempotent(archive) -> None:
    store, ledger, paths = archive
    apply_retention(store, ledger, now=NOW, settings=WITH_TEXT)
    content = paths["mid"].read_bytes()
    again = apply_retention(store, ledger, now=NOW, settings=WITH_TEXT)
    assert again.removed == () and again.stripped == ()
    assert paths["mid"].read_bytes() == content


def test_without_text_retention_texts_stay(archive) -> None:
    store, ledger, paths = archive
    report = apply_retention(store, ledger, now=NOW, settings=TWO_YEARS)
    assert report.stripped == () and report.problems == ()  # mid folders are not even read
    assert store.read(paths["mid"]).text == "Bra vecka.\n"
    assert report.summary() == "removed 4 records older than 24 months, removed 0 ledger rows"


def prompt(n: int, due_at: datetime) -> Prompt:
    return Prompt(slot=Slot("platform", "anna@example.com", "checkin", f"p{n}"),
                  message_id=f"<m{n}@x>", token=f"t{n}", state="sent", due_at=due_at,
                  language="sv")


def test_ledger_rows_older_than_retention_are_removed(tmp_path: Path) -> None:
    ledger = Ledger.in_dir(tmp_path)
    cutoff = datetime(2024, 11, 28, 3, tzinfo=TZ)  # 02:00 UTC
    prompts = [
        prompt(1, datetime(2024, 11, 28, 2, 30, tzinfo=TZ)),  # before the cutoff
        prompt(2, datetime(2024, 11, 28, 4, 0, tzinfo=TZ)),  # after
        prompt(3, datetime(2024, 11, 28, 1, 59, tzinfo=UTC)),  # before, in another offset
        prompt(4, datetime(2024, 11, 28, 2, 0, 0, 1, tzinfo=UTC)),  # after by a microsecond
    ]
    ledger.ensure(prompts)
    for p in prompts[:2]:  # what the prompt said goes with it
        ledger.save_prompt_lines(p, ["1. vad fungerar bra", "dina mål just nu"])
    for start, until in ((date(2024, 10, 1), date(2024, 11, 27)), (date(2024, 11, 1),
                                                                  date(2024, 11, 28))):
        ledger.add_pause(Pause("platform", "anna@example.com", start, until, "command", cutoff))
    ledger.mark_failing("old@example.com", "550", at=cutoff - timedelta(days=1))
    ledger.mark_failing("new@example.com", "550", at=cutoff + timedelta(days=1))
    ledger.record_inbound("old", "recorded", at=cutoff - timedelta(seconds=1))
    ledger.record_inbound("new", "recorded", at=cutoff)

    for n, sent_at in ((5, cutoff - timedelta(seconds=1)), (6, cutoff + timedelta(hours=1))):
        test = prompt(n, sent_at)  # a manager's test of Anna's check-in
        ledger.add_test_send(TestSend(test, "maria@example.com", sent_at))
    ledger.finish_feedback("old-key", "2024-Q3", ("platform", "2024-Q3", "anna@example.com"))
    ledger.finish_feedback("new-key", "2024-Q4", ("platform", "2024-Q4", "anna@example.com"))
    assert ledger.delete_older_than(cutoff) == {"prompts": 2, "prompt_lines": 1, "pauses": 1,
                                                "failures": 1, "inbound": 1, "feedback_seen": 1,
                                                "feedback_answered": 1, "test_sends": 1}
    assert ledger.test_send_by_token("t5") is None and ledger.test_send_by_token("t6") is not None
    assert ledger.prompt_lines(prompts[0].message_id) is None
    assert ledger.prompt_lines(prompts[1].message_id) == ("1. vad fungerar bra",
                                                          "dina mål just nu")
    assert ledger.feedback_seen("new-key") is not None and ledger.feedback_seen("old-key") is None
    assert ledger.has_answered("platform", "2024-Q4", "anna@example.com")
    assert sorted(p.slot.period for p in ledger.prompts()) == ["p2", "p4"]
    assert [p.until for p in ledger.pauses()] == [date(2024, 11, 28)]
    assert [f.email for f in ledger.failures()] == ["new@example.com"]
    assert (ledger.inbound_outcome("old"), ledger.inbound_outcome("new")) == (None, "recorded")


def make_context(data_dir: Path, settings: RetentionSettings) -> Context:
    config = Config(
        service=ServiceSettings(data_dir=data_dir, timezone=TZ, language="sv",
                                retention_months=settings.retention_months,
                                text_retention_months=settings.text_retention_months),
        smtp=SmtpSettings(host="localhost", port=25, security="none", username=None,
                          password_env=None, from_address="checkin@example.com", from_name=""),
        imap=ImapSettings(host="localhost", port=143, security="none", username="checkin",
                          password_env=None),
        teams=(),
    )
    return Context(config=config, env=None,  # type: ignore[arg-type]  # no templates needed
                   ledger=Ledger.in_dir(data_dir), store=RecordStore(data_dir), questions={},
                   secret=None)


def test_housekeeping_applies_the_config_and_logs_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = make_context(tmp_path, WITH_TEXT)
    for n, received in enumerate([at(2024, 1, 1), at(2024, 2, 1), at(2025, 1, 1), at(2026, 11, 1)]):
        ctx.store.write(make_record(n, received))
    ctx.ledger.ensure([prompt(1, at(2024, 1, 1)), prompt(2, at(2026, 11, 1))])

    with caplog.at_level(logging.INFO, logger="mailer.storage.retention"):
        report = housekeeping(ctx, NOW)

    assert (len(report.removed), len(report.stripped)) == (2, 1)
    assert [r.getMessage() for r in caplog.records] == [
        "housekeeping: removed 2 records older than 24 months, stripped text of 1,"
        " removed 1 ledger row"]


def test_housekeeping_reports_an_unreadable_file_and_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = make_context(tmp_path, WITH_TEXT)
    bad = write_raw(ctx.store, make_record(1, at(2025, 3, 1)), dump_record(
        make_record(1, at(2025, 3, 1))).replace("received_at:", "received_at: nonsense #"))
    good = ctx.store.write(make_record(2, at(2025, 3, 2)))[0]
    with caplog.at_level(logging.INFO, logger="mailer.storage.retention"):
        report = housekeeping(ctx, NOW)
    assert report.stripped == (good,) and bad.exists()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and str(bad) in warnings[0].getMessage()
    assert caplog.records[-1].getMessage().endswith(", 1 problem")


def test_housekeeping_sweeps_temp_files_left_by_a_killed_writer(tmp_path: Path) -> None:
    """A kill between the temp file and the link leaves ``.<id>.yaml.<x>.tmp`` behind."""
    store = RecordStore(tmp_path)
    folder = tmp_path / "records" / "platform" / "anna-x" / "2026-11"
    folder.mkdir(parents=True)
    old_tmp, fresh_tmp, record = folder / ".a.yaml.1.tmp", folder / ".b.yaml.2.tmp", folder / "c.yaml"
    for path in (old_tmp, fresh_tmp, record):
        path.write_text("text: private\n")
    now = time.time()
    os.utime(old_tmp, (now - 7200, now - 7200))
    os.utime(record, (now - 7200, now - 7200))
    removed = store.sweep_temp_files(older_than=now - 3600)
    assert removed == [old_tmp]
    assert not old_tmp.exists() and fresh_tmp.exists() and record.exists()
