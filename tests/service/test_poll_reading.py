"""The poll job with issue 14's readings, over the fake inbox: mail left for review, two
messages sharing a Message-ID, replies read with the prompt's lines from the ledger, and
messages handled under the keys of the release before."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailer.models import Prompt
from mailer.parse.prompt_text import prompt_text_of
from mailer.parse.replies import parse_reply
from mailer.service.poll import legacy_key, poll_once
from mailer.service.status import collect, render_text
from mailer.storage.dedup import dedup_key, feedback_key
from tests.service.test_poller import (
    NOW,
    FakeInbox,
    add_prompt,
    feedback_inbox,
    make_context,
    now,
    records,
)

REALISTIC = Path(__file__).parents[1] / "parse" / "realistic"


def realistic(case: str, prompt: Prompt) -> bytes:
    """A message of the realistic set, rewritten to answer ``prompt``."""
    raw = (REALISTIC / f"{case}.eml").read_bytes()
    return raw.replace(b"<p7rt2qz9xk4mwn8v.checkin@example.com>", prompt.message_id.encode())


def test_mail_the_service_is_not_sure_about_goes_to_review_and_counts(tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    anna = add_prompt(ctx, "anna@example.com")
    inbox = FakeInbox()
    inbox.add(realistic("unsure_received_sv", anna))
    inbox.add(realistic("recall_sv", anna))  # sure: automatic, filed as processed
    report = poll_once(ctx, now, inbox=inbox)
    assert report.outcomes == {"review": 1, "ignored": 1}
    assert list(inbox.folders["Checkins/Review"]) == [1]
    assert list(inbox.folders["Checkins/Processed"]) == [2]
    assert records(ctx) == [] and report.receipts == []
    [status] = collect(ctx.config, ctx.ledger, now=NOW)
    assert status.review_this_week == 1
    assert "not sure about   1 this week" in render_text([status], unmatched_quarantine=0)
    again = poll_once(ctx, now, inbox=inbox)  # nothing is read twice
    assert again.seen == 0


def test_two_messages_with_one_message_id_are_two_replies(tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    anna = add_prompt(ctx, "anna@example.com")
    inbox = FakeInbox()
    inbox.add(realistic("same_id_first_sv", anna))
    inbox.add(realistic("same_id_second_sv", anna))
    inbox.add(realistic("same_id_first_sv", anna).replace(b"\r\n", b"\n"))  # a true duplicate
    report = poll_once(ctx, now, inbox=inbox)
    assert report.outcomes == {"record": 2} and report.duplicates == 1
    assert len(records(ctx)) == 2 and len(report.receipts) == 2


def test_a_reply_is_read_with_the_lines_the_ledger_kept_of_its_prompt(tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    anna = add_prompt(ctx, "anna@example.com", language="en")
    sent = prompt_text_of((REALISTIC / "prompt_en.eml").read_bytes())
    ctx.ledger.save_prompt_lines(anna, sent.to_lines())
    inbox = FakeInbox()
    inbox.add(realistic("outlook_desktop_bottom_post_en", anna))
    poll_once(ctx, now, inbox=inbox)
    [record] = records(ctx)
    assert record.answers == {"working_well": "Pairing", "obstacles": "None", "mood": 5,
                              "progress": "Done with the API docs"}


# --------------------------------------------------------------------------- keys of old


def test_a_reply_handled_under_the_old_key_is_not_recorded_again(tmp_path: Path) -> None:
    """Keys took in the body in issue 14; a message the earlier release handled but left in
    the inbox (a crash before its move) is known by the key that release gave it."""
    ctx = make_context(tmp_path)
    anna = add_prompt(ctx, "anna@example.com")
    inbox = FakeInbox()
    raw = realistic("same_id_first_sv", anna)
    inbox.add(raw)
    reply = parse_reply(raw, received_at=NOW)
    assert reply.message_id and legacy_key(reply, raw) != reply.key
    ctx.ledger.record_inbound(legacy_key(reply, raw), "recorded", at=NOW, team="platform",
                              email="anna@example.com")
    report = poll_once(ctx, now, inbox=inbox)
    assert report.duplicates == 1 and report.outcomes == {}
    assert records(ctx) == [] and list(inbox.folders["Checkins/Processed"]) == [1]


@pytest.mark.parametrize("done", [True, False], ids=["done", "begun"])
def test_feedback_begun_or_done_under_the_old_key_gives_one_record(
        tmp_path: Path, done: bool) -> None:
    ctx = make_context(tmp_path)
    inbox, _ = feedback_inbox(ctx)
    raw = inbox.folders["INBOX"][1]
    secret = dedup_key(ctx.config.service.data_dir)
    old = feedback_key(secret, legacy_key(parse_reply(raw, received_at=NOW), raw))
    ctx.ledger.begin_feedback(old, "2026-Q4", "a" * 40)
    if done:
        ctx.ledger.finish_feedback(old, "2026-Q4", ("platform", "2026-Q4", "sam@example.org"))
    report = poll_once(ctx, now, inbox=inbox)
    assert inbox.deleted == [1]
    if done:
        assert report.duplicates == 1 and records(ctx) == []
    else:  # finished as it began: under the old key, with the record id it was given
        assert report.outcomes == {"record": 1}
        assert [r.id for r in records(ctx)] == ["a" * 40]
        assert ctx.ledger.feedback_seen(old) is not None
