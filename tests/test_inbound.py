"""inbound.decide: matching, verification, commands, out-of-office, bounces (pure, fake look-ups)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mailer.addressing import message_id as make_message_id
from mailer.addressing import mint_token, subject_with_token
from mailer.classify import FailedRecipient
from mailer.config import parse_config
from mailer.inbound import decide
from mailer.models import Prompt, Slot
from mailer.questions import load_default_questions
from mailer.replies import AuthResult, Reply

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 12, 18, 10, 0, tzinfo=TZ)
SECRET = b"test-secret-0123456789"
QUESTIONS = load_default_questions()


def config(**imap: Any) -> Any:
    return parse_config({
        "service": {"timezone": "Europe/Stockholm", "language": "sv"},
        "smtp": {"host": "smtp.example.com", "username": "checkin@example.com",
                 "password_env": "P", "from": "Check-in <checkin@example.com>"},
        "imap": {"host": "imap.example.com", "username": "checkin@example.com",
                 "password_env": "P", **imap},
        "teams": [{
            "name": "platform",
            "manager": {"name": "Maria Lind", "email": "maria@example.com"},
            "members": [
                {"name": "Anna Berg", "email": "anna@example.com",
                 "aliases": ["anna.berg@gmail.com"]},
                {"name": "Erik Holm", "email": "erik@example.com", "language": "en"},
            ],
        }],
    })


CONFIG = config()


def prompt(email: str = "anna@example.com", kind: str = "checkin", period: str = "2026-12-18",
           language: str = "sv", sent_at: datetime = NOW - timedelta(hours=2)) -> Prompt:
    slot = Slot("platform", email, kind, period)  # type: ignore[arg-type]
    token = mint_token(slot, SECRET)
    return Prompt(slot=slot, message_id=make_message_id(token, kind, "example.com"), token=token,
                  state="sent", due_at=sent_at, language=language,  # type: ignore[arg-type]
                  question_ids=tuple(q.id for q in QUESTIONS.get(kind, ())), sent_at=sent_at)


class FakeLedger:
    def __init__(self, *prompts: Prompt) -> None:
        self.prompts = list(prompts)

    def by_message_id(self, message_id: str) -> Prompt | None:
        return next((p for p in self.prompts if p.message_id == message_id), None)

    def by_token(self, token: str) -> Prompt | None:
        return next((p for p in self.prompts if p.token == token), None)

    def latest_sent_to(self, email: str, *, since: datetime) -> Prompt | None:
        sent = [p for p in self.prompts if p.slot.email == email and p.sent_at and p.sent_at >= since]
        return max(sent, key=lambda p: p.sent_at or NOW, default=None)


def reply(**fields: Any) -> Reply:
    base = Reply(
        key="a" * 40, message_id="<r1@mail.example.com>", in_reply_to=(), references=(),
        subject="Re: Check-in", from_address="anna@example.com", from_name="Anna Berg",
        recipients=("checkin@example.com",), date=NOW, received_at=NOW, kind="reply",
        kind_reason="", out_of_office=False, auto_submitted=False,
        text="1. Bra samarbete\n2. Inga\n3. 4\n4. Klar", segments=(), full_text="",
        return_date=None, failed=(), auth_results=(), size=100,
    )
    return replace(base, **fields)


def run(r: Reply, *prompts: Prompt, cfg: Any = CONFIG, secret: bytes | None = SECRET) -> Any:
    return decide(r, config=cfg, questions=QUESTIONS, lookups=FakeLedger(*prompts),
                  secret=secret, now=NOW)


def test_in_reply_to_match_records_mapped_answers_and_confirms() -> None:
    p = prompt()
    d = run(reply(in_reply_to=(p.message_id,)), p)
    assert d.outcome == "record" and d.folder == "processed"
    assert d.record.matched_by == "in_reply_to" and d.record.member == "anna@example.com"
    assert d.record.answers == {"working_well": "Bra samarbete", "obstacles": "Inga", "mood": 4,
                                "progress": "Klar"}
    assert d.record.slot == "2026-12-18" and d.record.prompt_message_id == p.message_id
    assert d.receipt is not None and d.receipt.to == "anna@example.com"
    assert d.log_line() == "recorded checkin reply from anna@example.com"


def test_references_token_and_sender_fallbacks() -> None:
    p = prompt()
    assert run(reply(references=("<x@y>", p.message_id)), p).record.matched_by == "references"
    subject = subject_with_token("Re: Check-in", p.token)
    assert run(reply(subject=subject), p).record.matched_by == "token"
    plus = f"checkin+{p.token}@example.com"
    assert run(reply(recipients=(plus,)), p).record.matched_by == "token"
    assert run(reply(), p).record.matched_by == "sender"
    old = prompt(sent_at=NOW - timedelta(days=8))
    assert run(reply(), old).outcome == "quarantine"


def test_alias_is_the_member() -> None:
    p = prompt()
    d = run(reply(from_address="Anna.Berg@gmail.com".lower(), in_reply_to=(p.message_id,)), p)
    assert d.outcome == "record" and d.record.member == "anna@example.com"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"from_address": "stranger@evil.example"}, "unknown sender"),
        ({"from_address": "erik@example.com"}, "reply to someone else's prompt"),
        ({"subject": "Re: Check-in [#aaaaaaaaaaaaaaaa]"}, "forged reply token"),
    ],
)
def test_quarantine_reasons(fields: dict[str, Any], reason: str) -> None:
    p = prompt()
    if "subject" not in fields:
        fields["in_reply_to"] = (p.message_id,)
    d = run(reply(**fields), p)
    assert (d.outcome, d.folder, d.reason, d.receipt, d.record) == (
        "quarantine", "quarantine", reason, None, None)


def test_unknown_sender_without_any_match() -> None:
    assert run(reply(from_address="x@y.example")).reason == "unknown sender"


def test_dmarc_fail_only_counts_from_the_trusted_server() -> None:
    p = prompt()
    spoof = reply(in_reply_to=(p.message_id,), auth_results=(
        AuthResult("evil.example", "pass"), AuthResult("mx.example.com", "fail")))
    assert run(spoof, p, cfg=config(trusted_authserv_id="mx.example.com")).outcome == "quarantine"
    assert run(spoof, p).outcome == "record"  # no trusted server configured
    forged_header = reply(in_reply_to=(p.message_id,),
                          auth_results=(AuthResult("mx.example.org", "fail"),))
    cfg = config(trusted_authserv_id="mx.example.com")
    assert run(forged_header, p, cfg=cfg).outcome == "record"


def test_feedback_is_anonymous_everywhere() -> None:
    p = prompt(kind="feedback", period="2026-Q4")
    d = run(reply(in_reply_to=(p.message_id,), text="Works: clear goals\nBetter: fewer meetings"), p)
    assert d.outcome == "record" and d.record.member is None and d.email is None
    assert "anna" not in d.log_line() and d.sender == ""
    assert d.record.answers == {"works": "clear goals", "better": "fewer meetings"}


def test_auto_submitted_reply_gets_no_receipt_and_confirmations_can_be_off() -> None:
    p = prompt()
    assert run(reply(in_reply_to=(p.message_id,), auto_submitted=True), p).receipt is None
    data = CONFIG
    teams = (replace(data.teams[0], confirmations=False),)
    assert run(reply(in_reply_to=(p.message_id,)), p, cfg=replace(data, teams=teams)).receipt is None


def test_free_text_is_kept_whole_and_flagged() -> None:
    p = prompt()
    d = run(reply(in_reply_to=(p.message_id,), text="Lugn vecka, inget att rapportera."), p)
    assert d.record.unstructured and d.record.answers == {}
    assert d.record.text == "Lugn vecka, inget att rapportera."


@pytest.mark.parametrize(
    ("text", "pauses", "skip", "resume"),
    [
        ("paus till 7 januari\n\nGod jul!", (date(2026, 12, 18), date(2027, 1, 7)), True, False),
        ("pause 2 weeks", (date(2026, 12, 18), date(2026, 12, 31)), True, False),
        ("skip", None, True, False),
        ("återuppta", None, False, True),
        ("pause", None, False, False),  # not understood: receipt explains, nothing changes
    ],
)
def test_commands(text: str, pauses: tuple[date, date] | None, skip: bool, resume: bool) -> None:
    p = prompt()
    d = run(reply(in_reply_to=(p.message_id,), text=text), p)
    assert d.outcome == "command" and d.record is None and d.receipt is not None
    assert [(x.start, x.until) for x in d.pauses] == ([pauses] if pauses else [])
    assert (d.skip_slot == p.slot.key) is skip
    assert bool(d.resume) is resume


def test_out_of_office_pauses_until_the_day_before_return() -> None:
    d = run(reply(kind="auto_reply", out_of_office=True, auto_submitted=True,
                  return_date=date(2027, 1, 7)))
    assert d.outcome == "out_of_office" and d.folder == "processed" and d.record is None
    assert [(x.email, x.start, x.until, x.reason) for x in d.pauses] == [
        ("anna@example.com", date(2026, 12, 18), date(2027, 1, 6), "out_of_office")]


def test_out_of_office_without_date_pauses_a_week() -> None:
    d = run(reply(kind="auto_reply", out_of_office=True, auto_submitted=True))
    assert d.pauses[0].until == date(2026, 12, 24)


def test_other_auto_replies_and_strangers_are_filed_only() -> None:
    assert run(reply(kind="auto_reply", auto_submitted=True)).outcome == "ignored"
    stranger = reply(kind="auto_reply", out_of_office=True, from_address="x@y.example")
    assert run(stranger).outcome == "ignored"


def test_bounce_marks_known_permanent_failures_only() -> None:
    d = run(reply(kind="bounce", from_address="mailer-daemon@mx.example.com", failed=(
        FailedRecipient("erik@example.com", "failed", "5.1.1"),
        FailedRecipient("nobody@example.com", "failed", "5.1.1"),
        FailedRecipient("anna@example.com", "delayed", "4.4.1"))))
    assert (d.outcome, d.failing, d.folder) == ("bounce", ("erik@example.com",), "processed")
    assert run(reply(kind="bounce", failed=())).outcome == "ignored"


def test_reply_to_a_digest_is_quarantined() -> None:
    p = prompt(email="maria@example.com", kind="digest", period="2026-W51")
    d = run(reply(from_address="maria@example.com", in_reply_to=(p.message_id,)), p)
    assert d.outcome == "quarantine" and "digest" in d.reason


# --------------------------------------------------------------------------- receipts


def _render_receipt(d: Any, tmp_path: Any) -> tuple[Any, Any]:
    from email import message_from_bytes, policy

    from mailer.compose import build_environment
    from mailer.confirm import build_confirmation

    message = build_confirmation(build_environment(CONFIG), CONFIG, d.receipt,
                                 message_id="<r@example.com>", now=NOW)
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    return parsed, parsed.get_body(("plain",)).get_content()


def test_receipt_lists_answers_in_the_reply_language_and_is_automatic(tmp_path: Any) -> None:
    p = prompt()
    d = run(reply(in_reply_to=(p.message_id,), text="1. Bra\n2. Inga\n3. 7\n4. Klar"), p)
    message, text = _render_receipt(d, tmp_path)
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["To"].addresses[0].addr_spec == "anna@example.com"
    assert message["In-Reply-To"] == "<r1@mail.example.com>"
    assert "Vad fungerar bra i samarbetet just nu: Bra" in text
    assert "Hur är din energi, 1-5: 7" in text and "inte är ett tal 1-5" in text
    assert "ett nytt svar ersätter" in text


@pytest.mark.parametrize(("text", "expected"), [
    ("pause 2 weeks", "Paused: no questions until 31 December 2026"),
    ("skip", "Skipped"), ("resume", "Resumed"), ("pause", "could not carry out")])
def test_command_receipts(text: str, expected: str, tmp_path: Any) -> None:
    p = prompt(email="erik@example.com", language="en")
    d = run(reply(from_address="erik@example.com", in_reply_to=(p.message_id,), text=text), p)
    message, body = _render_receipt(d, tmp_path)
    assert expected in body, body
    assert message["Subject"].startswith("Done: ")
