"""inbound.decide with issue 14's readings: the prompt's lines from the ledger, mail the service
is not sure about, and commands inside a sentence (pure, fake look-ups)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from mailer.inbound.decide import Decision, decide
from mailer.parse.prompt_text import prompt_text_of
from mailer.parse.replies import Reply, parse_reply
from tests.inbound.test_inbound import CONFIG, NOW, QUESTIONS, SECRET, FakeLedger, prompt, reply

REALISTIC = Path(__file__).parents[1] / "parse" / "realistic"
SENT_ID = "<p7rt2qz9xk4mwn8v.checkin@example.com>"  # the prompt the realistic replies answer


def _realistic(case: str) -> Reply:
    return parse_reply((REALISTIC / f"{case}.eml").read_bytes(), received_at=NOW)


def _lines(language: str) -> tuple[str, ...]:
    return tuple(prompt_text_of((REALISTIC / f"prompt_{language}.eml").read_bytes()).to_lines())


def test_the_prompts_lines_from_the_ledger_find_a_bottom_post_under_outlooks_original() -> None:
    sent = replace(prompt(language="en"), message_id=SENT_ID)
    message = _realistic("outlook_desktop_bottom_post_en")
    kept = {SENT_ID: _lines("en")}
    common = {"config": CONFIG, "questions": QUESTIONS, "lookups": FakeLedger(sent),
              "secret": SECRET, "now": NOW}
    blind = decide(message, **common)
    aware = decide(message, **common, prompt_lines=kept.get)
    assert blind.record is not None and blind.record.answers == {}
    assert aware.record is not None and aware.record.answers == {
        "working_well": "Pairing", "obstacles": "None", "mood": 5,
        "progress": "Done with the API docs"}
    # a prompt whose lines were never kept (sent before): the quoting rules alone
    assert decide(message, **common, prompt_lines=lambda _id: None).record == blind.record


def test_mail_the_service_is_not_sure_about_goes_to_review_without_record_or_receipt() -> None:
    sent = replace(prompt(), message_id=SENT_ID)
    message = _realistic("unsure_received_sv")
    assert message.kind == "unsure" and message.auto_submitted
    d = decide(message, config=CONFIG, questions=QUESTIONS, lookups=FakeLedger(sent),
               secret=SECRET, now=NOW)
    assert (d.outcome, d.folder) == ("review", "review")
    assert d.record is None and d.receipt is None and not d.pauses and d.skip_slot is None
    assert (d.team, d.email) == ("platform", "anna@example.com")
    assert "left for review" in d.log_line() and "tagits emot" not in d.log_line()  # no body


def test_unsure_mail_answering_no_prompt_is_still_only_left_for_review() -> None:
    d = decide(replace(reply(), kind="unsure", kind_reason="content: x", auto_submitted=True),
               config=CONFIG, questions=QUESTIONS, lookups=FakeLedger(), secret=SECRET, now=NOW)
    assert (d.outcome, d.folder, d.team, d.email) == ("review", "review", None, None)


def test_a_skip_inside_a_sentence_skips_and_keeps_its_reason() -> None:
    p = prompt()
    d = decide(reply(in_reply_to=(p.message_id,), text="Skip this week please, I'm at a "
                     "conference."), config=CONFIG, questions=QUESTIONS, lookups=FakeLedger(p),
               secret=SECRET, now=NOW)
    assert d.skip_slot == p.slot.key
    assert d.record is not None and d.record.text == "I'm at a conference."
    assert d.record.answers == {}


def test_a_week_off_later_pauses_that_week_and_keeps_this_slot() -> None:
    p = prompt()
    d = decide(reply(in_reply_to=(p.message_id,), text="Ledig v. 52"), config=CONFIG,
               questions=QUESTIONS, lookups=FakeLedger(p), secret=SECRET, now=NOW)
    assert [(x.start, x.until) for x in d.pauses] == [(date(2026, 12, 21), date(2026, 12, 27))]
    assert d.skip_slot is None


def test_an_out_of_office_by_a_client_rule_pauses_its_verified_sender_until_return() -> None:
    """No RFC 3834 header: the content says it (Outlook rules add none)."""
    sent = replace(prompt(), message_id=SENT_ID)
    message = _realistic("ooo_client_rule_sv")
    assert (message.kind, message.out_of_office) == ("auto_reply", True)
    d = decide(message, config=CONFIG, questions=QUESTIONS, lookups=FakeLedger(sent),
               secret=SECRET, now=NOW)
    assert d.outcome == "out_of_office" and d.record is None and d.receipt is None
    assert [(p.email, p.until) for p in d.pauses] == [("anna@example.com", date(2027, 1, 15))]



def _unsure_feedback(**fields: object) -> Decision:
    """decide() on an unsure message answering Anna's feedback prompt."""
    p = prompt(kind="feedback", period="2026-Q4")
    unsure = replace(reply(), in_reply_to=(p.message_id,), kind="unsure",
                     kind_reason="content: automated", auto_submitted=True,
                     **fields)  # type: ignore[arg-type]
    return decide(unsure, config=CONFIG, questions=QUESTIONS, lookups=FakeLedger(p),
                  secret=SECRET, now=NOW)


def test_unsure_feedback_from_its_recipient_is_recorded_anonymously_not_left_for_review() -> None:
    # The digest asks the manager to look in the review folder: anonymous feedback left there
    # would show who wrote it. It is recorded like any feedback; no receipt (maybe a machine).
    d = _unsure_feedback(text="Works: clear goals\nBetter: fewer meetings")
    assert (d.outcome, d.folder) == ("record", "delete")
    assert d.record is not None and d.record.member is None and d.email is None
    assert d.record.answers == {"works": "clear goals", "better": "fewer meetings"}
    assert d.receipt is None and "anna" not in d.log_line()


def test_unsure_feedback_from_somebody_else_is_left_for_review_naming_nobody() -> None:
    d = _unsure_feedback(from_address="someone@elsewhere.example")
    assert (d.outcome, d.folder, d.email) == ("review", "review", None)
    assert d.record is None and d.receipt is None
