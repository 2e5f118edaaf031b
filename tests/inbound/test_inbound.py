"""inbound.decide: matching, verification, commands, out-of-office, bounces (pure, fake look-ups)."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mailer.addressing import message_id as make_message_id
from mailer.addressing import mint_token, subject_with_token
from mailer.config.questions import load_default_questions
from mailer.inbound.decide import decide
from mailer.models import Prompt, Slot
from mailer.parse.classify import FailedRecipient
from mailer.parse.replies import Reply
from mailer.parse.reply_headers import AuthResult
from tests.factories import make_config, member

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 12, 18, 10, 0, tzinfo=TZ)
SECRET = b"test-secret-0123456789"
QUESTIONS = load_default_questions()



def config(**imap: Any) -> Any:
    return make_config(smtp={"host": "smtp.example.com", "username": "checkin@example.com",
                             "password_env": "P", "from": "Check-in <checkin@example.com>"},
                       imap={"host": "imap.example.com", "password_env": "P", **imap},
                       members=[member("Anna Berg", "anna@example.com",
                                       aliases=["anna.berg@gmail.com"]),
                                member("Erik Holm", "erik@example.com", language="en")])


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


def ooo(**fields: Any) -> Reply:
    return reply(kind="auto_reply", out_of_office=True, auto_submitted=True, **fields)


# ----------------------------------------------------------------- text below a command

ANSWERS_SV = "1. Bra samarbete\n2. Inga\n3. 4\n4. Klar"
MAPPED_SV = {"working_well": "Bra samarbete", "obstacles": "Inga", "mood": 4, "progress": "Klar"}


@pytest.mark.parametrize(("command", "pauses", "resume"), [
    ("paus till 7 januari", [(date(2026, 12, 18), date(2027, 1, 7))], False),
    ("pause 2 weeks", [(date(2026, 12, 18), date(2026, 12, 31))], False),
    ("återuppta", [], True),
    ("pause", [], False),  # not understood: nothing paused, the answers still recorded
])
def test_answers_below_a_command_are_recorded_too(
        command: str, pauses: list[tuple[date, date]], resume: bool) -> None:
    p = prompt()
    d = run(reply(in_reply_to=(p.message_id,), text=f"{command}\n\n{ANSWERS_SV}"), p)
    assert (d.outcome, d.folder, d.email) == ("record", "processed", "anna@example.com")
    assert d.record.answers == MAPPED_SV and d.record.text == ANSWERS_SV
    assert d.record.matched_by == "in_reply_to" and d.record.member == "anna@example.com"
    assert any(f'"{command}", is a' in problem for problem in d.record.problems)
    assert [(x.start, x.until) for x in d.pauses] == pauses and bool(d.resume) is resume
    assert d.skip_slot is None  # the slot is answered: a pause covers what comes after it
    assert d.receipt.command is not None and d.receipt.record == d.record
    assert d.log_line() == (f"recorded checkin reply after a {d.receipt.command.action} "
                            "command from anna@example.com")


def test_skip_with_answers_records_them_and_does_not_skip() -> None:
    # "skip" says "I will not answer this one", the answers below say they did: the answers
    # win (data is never thrown away), so the slot counts as answered, not skipped.
    p = prompt()
    d = run(reply(in_reply_to=(p.message_id,), text=f"Hoppa över\n\n{ANSWERS_SV}"), p)
    assert d.outcome == "record" and d.record.answers == MAPPED_SV
    assert (d.skip_slot, d.pauses, d.resume) == (None, (), ())
    assert d.receipt.command_held == "answered"
    assert "not skipped" in d.reason or "not carried out" in d.reason


def test_skip_with_a_reason_skips_and_keeps_the_reason() -> None:
    p = prompt()
    d = run(reply(in_reply_to=(p.message_id,), text="skip!\nSjuk hela veckan"), p)
    assert d.outcome == "record" and d.skip_slot == p.slot.key
    assert d.skip_reason == "skip command" and d.receipt.command_held is None
    assert d.record.text == "Sjuk hela veckan" and d.record.unstructured


def test_pause_with_free_text_pauses_skips_the_slot_and_keeps_the_text() -> None:
    p = prompt()
    d = run(reply(in_reply_to=(p.message_id,),
                  text="paus 2 veckor\nFöräldraledig, hörs i januari."), p)
    assert d.outcome == "record" and len(d.pauses) == 1 and d.skip_slot == p.slot.key
    assert d.record.text == "Föräldraledig, hörs i januari." and d.record.answers == {}


@pytest.mark.parametrize("below", ["God jul!", "Tack!", "God jul och gott nytt år! 🎄",
                                   "Thanks, and have a nice weekend!", "Mvh"])
def test_a_courtesy_below_a_command_is_not_an_answer(below: str) -> None:
    p = prompt()
    d = run(reply(in_reply_to=(p.message_id,), text=f"pause 2 weeks\n\n{below}"), p)
    assert d.outcome == "command" and d.record is None and d.skip_slot == p.slot.key


def test_inline_answers_below_a_command_leave_the_command_out() -> None:
    from mailer.parse.extract import Segment

    p = prompt()
    asked = [q.wording("sv") for q in QUESTIONS["checkin"]]
    quote = "\n>\n".join(f"> {n}. {wording}" for n, wording in enumerate(asked, 1))
    # Bottom-posted under the whole prompt: the command opens the text under the last question.
    d = run(reply(in_reply_to=(p.message_id,), text="paus 2 veckor\nKlar med designen",
                  segments=(Segment("quote", quote),
                            Segment("new", "paus 2 veckor\nKlar med designen"))), p)
    assert d.record.answers == {"progress": "Klar med designen"} and len(d.pauses) == 1
    # Top-posted command, answers typed under each quoted question.
    segments = (Segment("new", "skip"), Segment("quote", f"> 1. {asked[0]}"),
                Segment("new", "Parprogrammering"))
    d = run(reply(in_reply_to=(p.message_id,), text="skip\n\nParprogrammering",
                  segments=segments), p)
    assert d.record.answers == {"working_well": "Parprogrammering"} and d.skip_slot is None


def test_feedback_below_a_command_stays_anonymous_and_the_command_waits() -> None:
    # Pausing Anna in the same breath as recording her anonymous feedback would tie the two.
    p = prompt(kind="feedback", period="2026-Q4")
    d = run(reply(in_reply_to=(p.message_id,), text="pause 2 weeks\n\nWorks: clear goals"), p)
    assert d.outcome == "record" and d.record.member is None and d.email is None
    assert d.sender == "" and "anna" not in d.log_line()
    assert (d.pauses, d.resume, d.skip_slot) == ((), (), None)
    assert d.record.answers == {"works": "clear goals"}
    assert d.receipt.command_held == "anonymous" and d.receipt.to == "anna@example.com"


def test_a_command_from_someone_else_does_nothing() -> None:
    p = prompt()
    d = run(reply(in_reply_to=(p.message_id,), from_address="mallory@evil.example",
                  text=f"pause 2 weeks\n\n{ANSWERS_SV}"), p)
    assert (d.outcome, d.pauses, d.record, d.receipt) == ("quarantine", (), None, None)


# --------------------------------------------------------------------------- automatic mail


def test_out_of_office_pauses_until_the_day_before_return() -> None:
    p = prompt()
    d = run(ooo(in_reply_to=(p.message_id,), return_date=date(2027, 1, 7)), p)
    assert d.outcome == "out_of_office" and d.folder == "processed" and d.record is None
    assert [(x.email, x.start, x.until, x.reason) for x in d.pauses] == [
        ("anna@example.com", date(2026, 12, 18), date(2027, 1, 6), "out_of_office")]


def test_out_of_office_without_date_pauses_a_week() -> None:
    p = prompt()  # matched by the token in "Automatiskt svar: Check-in [#token]"
    d = run(ooo(subject=subject_with_token("Automatiskt svar: Check-in", p.token)), p)
    assert d.pauses[0].until == date(2026, 12, 24)


def test_other_auto_replies_and_strangers_are_filed_only() -> None:
    assert run(reply(kind="auto_reply", auto_submitted=True)).outcome == "ignored"
    stranger = reply(kind="auto_reply", out_of_office=True, from_address="x@y.example")
    assert run(stranger).outcome == "ignored"


def test_out_of_office_that_answers_no_prompt_pauses_nobody() -> None:
    # The From address alone proves nothing: no sender fallback for automatic mail.
    d = run(ooo(return_date=date(2027, 1, 7)), prompt())
    assert (d.outcome, d.folder, d.pauses, d.email) == ("ignored", "processed", (), None)
    assert "nobody paused" in d.reason


@pytest.mark.parametrize("match", ["in_reply_to", "references", "subject_token", "plus_address"])
@pytest.mark.parametrize(("sender", "reason"), [
    ("mallory@evil.example", "out-of-office answering a prompt, from an unknown sender"),
    ("erik@example.com", "out-of-office answering someone else's prompt"),
])
def test_forged_out_of_office_pauses_nobody_and_is_quarantined(
        match: str, sender: str, reason: str) -> None:
    p = prompt()  # Anna's, with a valid token
    how: dict[str, Any] = {
        "in_reply_to": {"in_reply_to": (p.message_id,)},
        "references": {"references": (p.message_id,)},
        "subject_token": {"subject": subject_with_token("Out of office: Check-in", p.token)},
        "plus_address": {"recipients": (f"checkin+{p.token}@example.com",)},
    }[match]
    d = run(ooo(from_address=sender, return_date=date(2027, 1, 7), **how), p)
    assert (d.outcome, d.folder, d.pauses, d.receipt) == ("quarantine", "quarantine", (), None)
    assert d.reason == f"{reason}: nobody paused" and d.sender == sender


def test_out_of_office_with_a_forged_token_pauses_nobody() -> None:
    d = run(ooo(subject="Automatic reply: Check-in [#aaaaaaaaaaaaaaaa]"), prompt())
    assert d.outcome == "ignored" and d.pauses == () and "forged" in d.reason


def test_out_of_office_from_an_alias_pauses_the_member_in_every_team() -> None:
    cfg = make_config(
        smtp={"host": "smtp.example.com", "username": "checkin@example.com",
              "password_env": "P", "from": "Check-in <checkin@example.com>"},
        imap={"host": "imap.example.com", "password_env": "P"},
        teams=[{"name": "platform",
                "manager": {"name": "Maria Lind", "email": "maria@example.com"},
                "members": [member("Anna Berg", "anna@example.com",
                                   aliases=["anna.berg@gmail.com"])]},
               {"name": "guild", "manager": {"name": "Olof Ek", "email": "olof@example.com"},
                "members": [member("Anna Berg", "anna@example.com"),
                            member("Bo Ek", "anna.berg@gmail.com")]}])
    p = prompt()
    d = run(ooo(from_address="anna.berg@gmail.com", in_reply_to=(p.message_id,)), p, cfg=cfg)
    assert (d.team, d.email) == ("platform", "anna@example.com")
    assert [(x.team, x.email) for x in d.pauses] == [("platform", "anna@example.com"),
                                                     ("guild", "anna@example.com")]


def test_forged_out_of_office_is_counted_and_pauses_nobody_in_the_ledger(tmp_path: Any) -> None:
    from pathlib import Path

    from mailer.outbound.compose import build_environment
    from mailer.service.context import Context
    from mailer.service.poll import PollReport, handle_message
    from mailer.storage.ledger import Ledger
    from mailer.storage.store import RecordStore

    ctx = Context(config=CONFIG, env=build_environment(CONFIG), ledger=Ledger.in_dir(tmp_path),
                  store=RecordStore(tmp_path), questions=QUESTIONS, secret=SECRET)
    p = replace(prompt(), state="due")
    ctx.ledger.ensure([p])
    ctx.ledger.set_state(p.slot.key, "sent", at=NOW - timedelta(hours=2))
    raw = (Path(__file__).parents[1] / "messages" / "ooo_exchange_sv.eml").read_bytes()
    raw = raw.replace(b"<k3jx7w2mfq4yr5zt.checkin@example.com>", p.message_id.encode())
    raw = raw.replace(b"k3jx7w2mfq4yr5zt", p.token.encode())
    forged = raw.replace(b"erik.holm@kund.se", b"mallory@evil.example")
    report = PollReport()
    assert handle_message(ctx, forged, NOW, NOW, report) == "quarantine"
    assert report.outcomes == {"quarantine": 1} and report.receipts == []
    assert ctx.ledger.pauses() == [] and ctx.ledger.get(p.slot.key).state == "sent"
    # The same message from Anna herself pauses Anna, and only her.
    own = raw.replace(b"erik.holm@kund.se", b"anna@example.com").replace(
        b"<0b5a3c1e2d4f4e6a8b9c0d1e2f3a4b5c@", b"<own@")
    assert handle_message(ctx, own, NOW, NOW, report) == "processed"
    assert report.outcomes == {"quarantine": 1, "out_of_office": 1}
    assert [(x.email, x.until) for x in ctx.ledger.pauses()] == [
        ("anna@example.com", date(2027, 1, 6))]


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

    from mailer.inbound.receipts import build_confirmation
    from mailer.outbound.compose import build_environment

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
    assert "Hur mycket energi har du just nu, på en skala 1–5: 7" in text
    assert "Fråga 3: ”7” ligger utanför skalan 1–5." in text
    assert "svara på fråga 3 med en siffra från 1 till 5" in text
    assert message["Subject"].startswith("Dina svar är sparade, men något behöver rättas")


@pytest.mark.parametrize(("text", "subject", "expected"), [
    ("pause 2 weeks", "Questions paused until 31 December",
     "you won't get any questions up to and including Thursday, 31 December 2026"),
    ("skip", "Skipped: Check-in", "you are skipping this one"),
    ("resume", "Your questions are back on", "Welcome back!"),
    ("pause", "Your pause was not set", "the pause could not be set: It has no end date"),
    ("pause until 31 February", "Your pause was not set", "“31 February” does not exist."),
])
def test_command_receipts(text: str, subject: str, expected: str, tmp_path: Any) -> None:
    p = prompt(email="erik@example.com", language="en")
    d = run(reply(from_address="erik@example.com", in_reply_to=(p.message_id,), text=text), p)
    message, body = _render_receipt(d, tmp_path)
    assert expected in body, body
    assert message["Subject"].startswith(subject), message["Subject"]


def _html_of(d: Any, cfg: Any = CONFIG) -> str:
    from mailer.inbound.receipts import build_confirmation
    from mailer.outbound.compose import build_environment

    message = build_confirmation(build_environment(cfg), cfg, d.receipt,
                                 message_id="<r@example.com>", now=NOW)
    return str(message.get_body(("html",)).get_content())


def with_country(email: str, country: str) -> Any:
    team = CONFIG.teams[0]
    members = tuple(replace(m, country=country) if m.email == email else m for m in team.members)
    return replace(CONFIG, teams=(replace(team, members=members),))


@pytest.mark.parametrize(("email", "language", "country", "expected"), [
    ("erik@example.com", "en", "US", "December 31"),
    ("erik@example.com", "en", "GB", "31 December"),
    ("erik@example.com", "en", "SE", "31 December"),
    ("anna@example.com", "sv", "FI", "31 december"),
])
def test_receipt_dates_follow_the_persons_country(
        email: str, language: str, country: str, expected: str, tmp_path: Any) -> None:
    cfg = with_country(email, country)
    p = prompt(email=email, language=language)
    d = run(reply(from_address=email, in_reply_to=(p.message_id,), text="pause 2 weeks"), p,
            cfg=cfg)
    assert d.receipt.country == country
    message, body = _render_receipt(d, tmp_path)
    assert expected in body and expected in message["Subject"] and expected in _html_of(d, cfg)
    assert "2026-12-31" not in body + message["Subject"]


def test_a_refused_pause_names_its_date_the_persons_way(tmp_path: Any) -> None:
    cfg = with_country("erik@example.com", "US")
    p = prompt(email="erik@example.com", language="en")
    d = run(reply(from_address="erik@example.com", in_reply_to=(p.message_id,),
                  text="pause until 2020-01-01"), p, cfg=cfg)
    _, body = _render_receipt(d, tmp_path)
    assert ("You wrote “pause until 2020-01-01”, but the pause could not be set: "
            "January 1, 2020 has already passed.") in body
    d = run(reply(from_address="erik@example.com", in_reply_to=(p.message_id,), text="pause"), p,
            cfg=cfg)
    _, body = _render_receipt(d, tmp_path)
    assert "Reply, for example, “pause until January 1, 2027” or “pause 2 weeks”." in body


ENGLISH = ("Note", "kept as", " is ", "not understood", "in the past", "no end date", "Thank",
           "recorded", "outside the", "scale ", "Paused", "Skipped", "at most", "Reply",
           "not carried", "answered", "Done", "Received", "saved", "Your")


@pytest.mark.parametrize("text", [
    "1. Bra\n2. Inga\n3. 7\n4. Klar", "1. Bra\n2. Inga\n3. 4/10\n4. Klar",
    "1. Bra\n2. Inga\n3. 3,7\n4. Klar", "1. Bra\n2. Inga\n3. 3-4\n4. Klar",
    "1. Bra\n2. Inga\n3. ganska pigg\n4. Klar", "pause", "paus till 2020-01-01",
    "paus 60 månader", "pause 2 weeks", "skip", "resume",
    f"pause\n\n{ANSWERS_SV}", f"skip\n\n{ANSWERS_SV}", "skip\nSjuk",
    f"pause 2 weeks\n\n{ANSWERS_SV}",
])
def test_a_swedish_receipt_says_nothing_in_english(text: str, tmp_path: Any) -> None:
    p = prompt()
    d = run(reply(in_reply_to=(p.message_id,), text=text, subject="Sv: Avstämning"), p)
    message, body = _render_receipt(d, tmp_path)
    visible = re.sub(r"(?s)<head>.*</head>|<[^>]+>", " ", _html_of(d))
    said = "\n".join((message["Subject"], body, html_lib.unescape(visible)))
    for line in text.splitlines():  # the person's own words are quoted back, not ours
        said = said.replace(line, "")
    assert [word for word in ENGLISH if word in said] == [], said


@pytest.mark.parametrize(("text", "problem"), [
    ("4/10", "”4/10” hör till en annan skala än 1–5"), ("3,7", "”3,7” är inget heltal"),
    ("2 eller 4", "”2 eller 4” är mer än en siffra"), ("7", "”7” ligger utanför skalan 1–5"),
    ("ganska pigg", "det finns ingen siffra i ”ganska pigg”"),
])
def test_scale_problems_in_a_swedish_receipt_say_what_is_wrong(
        text: str, problem: str, tmp_path: Any) -> None:
    p = prompt()
    d = run(reply(in_reply_to=(p.message_id,), text=f"1. Bra\n2. Inga\n3. {text}\n4. Klar"), p)
    assert any(n.startswith("mood: ") and n.endswith("; kept as text") for n in d.record.problems)
    _, body = _render_receipt(d, tmp_path)
    assert f"- Fråga 3: {problem}." in body
    assert "svara på fråga 3 med en siffra från 1 till 5, till exempel ”3”." in body


def test_receipt_for_a_command_with_answers_confirms_both(tmp_path: Any) -> None:
    p = prompt()
    d = run(reply(in_reply_to=(p.message_id,), text=f"paus 2 veckor\n\n{ANSWERS_SV}"), p)
    message, body = _render_receipt(d, tmp_path)
    assert message["Subject"] == ("Dina svar är sparade och frågorna pausade till och med "
                                  "31 december – Check-in")
    assert "Du får inga frågor till och med torsdag 31 december." in body
    assert "Dina svar är sparade:" in body and "- Vilka hinder stöter du på: Inga" in body
    html = _html_of(d)
    assert "Du får inga frågor till och med" in html and "Dina svar är sparade" in html


def test_receipt_for_skip_with_answers_says_it_was_not_skipped(tmp_path: Any) -> None:
    p = prompt(email="erik@example.com", language="en")
    d = run(reply(from_address="erik@example.com", in_reply_to=(p.message_id,),
                  text="skip\n\n1. Pairing\n2. None\n3. 4\n4. Done"), p)
    message, body = _render_receipt(d, tmp_path)
    assert message["Subject"] == "Your answers are saved – Check-in"
    assert ("You wrote “skip”, but you also answered the questions, so your answers are saved "
            "and count as usual.") in body
    assert "Skipped" not in body + message["Subject"]
    assert "- How is your energy right now, on a scale of 1–5: 4" in body


def test_receipt_for_feedback_below_a_command_asks_for_it_separately(tmp_path: Any) -> None:
    p = prompt(kind="feedback", period="2026-Q4")
    d = run(reply(in_reply_to=(p.message_id,), text="paus 2 veckor\n\nFungerar: tydliga mål"), p)
    _, body = _render_receipt(d, tmp_path)
    assert "”paus 2 veckor” utfördes inte" in body and "i ett eget mejl" in body
    assert "utan ditt namn och din e-postadress" in body and "pausade" not in body


def test_a_delivery_delay_notice_never_marks_the_address_failing() -> None:
    """Exchange's "Delivery delayed" (RFC 3464 Action: delayed) for a configured member: it is
    read as a delay notice, not a bounce, and the decision marks nobody failing."""
    from pathlib import Path

    from mailer.parse.replies import parse_reply

    raw = (Path(__file__).parents[1] / "parse" / "realistic"
           / "ho2_exchange_delivery_delayed_en.eml").read_bytes()
    parsed = parse_reply(raw, received_at=NOW)
    assert parsed.kind == "auto_reply" and not parsed.out_of_office and parsed.failed == ()
    d = run(parsed)
    assert (d.outcome, d.failing) == ("ignored", ())
    assert "delay notice" in d.reason
