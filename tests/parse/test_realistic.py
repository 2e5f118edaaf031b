"""The realistic reply set of issue 14 (tests/parse/realistic/<case>.eml + <case>.yaml).

Replies as Outlook (desktop, web, iOS), Gmail, Apple Mail, iPhone, Thunderbird and Android
clients write them, in Swedish and English, to prompts rendered by the service's own templates
(``prompt_sv.eml``, ``prompt_en.eml``: the quoted prompt text is exactly what is sent), and
machine mail without RFC 3834 headers; and replies to the monthly review and the feedback
request (``prompt_review_*.eml``, ``prompt_feedback_*.eml``: their YAML names the question set,
``questions: review``). Each YAML holds the full expected understanding: the
kind, every answer (the energy score included), the command with its dates and reason, the
return date of an out-of-office, and for two messages that share a Message-ID that their keys
differ. ``bench/replies.py`` reports the same set as figures.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from mailer.config.questions import load_default_questions
from mailer.parse.prompt_text import PromptText, prompt_text_of
from mailer.parse.replies import parse_file, parse_reply
from tests.parse.realistic_check import mismatches

HERE = Path(__file__).parent / "realistic"
CASES = sorted(p.stem for p in HERE.glob("*.yaml"))
#: The Monday the prompts were sent (2026-12-07 09:00), an hour later.
RECEIVED = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
QUESTION_SETS = load_default_questions()
CHECKIN = QUESTION_SETS["checkin"]


def test_the_set_covers_every_class_of_the_issue() -> None:
    kinds = [yaml.safe_load((HERE / f"{c}.yaml").read_text(encoding="utf-8")) for c in CASES]
    assert len(CASES) >= 60
    assert {k["kind"] for k in kinds} == {"reply", "auto_reply", "bounce", "unsure"}
    assert {k["command"]["action"] for k in kinds if k.get("command")} == {"pause", "skip",
                                                                        "resume"}
    clients = {c.split("_")[0] for c in CASES}
    assert {"outlook", "gmail", "apple", "iphone", "thunderbird", "android", "samsung"} <= clients


@pytest.mark.parametrize("case", CASES)
def test_realistic_reply_is_understood(case: str) -> None:
    expected = yaml.safe_load((HERE / f"{case}.yaml").read_text(encoding="utf-8"))
    raw = (HERE / f"{case}.eml").read_bytes()
    # As decide sees it: the lines the ledger kept at send time, read back.
    prompt = PromptText.from_lines(prompt_text_of((HERE / expected["prompt"]).read_bytes())
                                   .to_lines()) if "prompt" in expected else None
    # The service reads a reply with the questions of the prompt it answers (the ledger's).
    result = parse_file(raw, as_kind="eml", received_at=RECEIVED, prompt=prompt,
                        questions=QUESTION_SETS[expected.get("questions", "checkin")])
    assert mismatches(result, expected) == []
    assert result["prompt_aware"] == (prompt is not None)
    if "distinct_from" in expected:  # the same Message-ID, another body: another message
        other = (HERE / f"{expected['distinct_from']}.eml").read_bytes()
        assert parse_reply(raw, received_at=RECEIVED).key != \
            parse_reply(other, received_at=RECEIVED).key
