"""Reading a reply stays cheap and linear, counted in function calls, not timed.

Issue 14's speed target (5,000 messages a second, none over 20 ms) is measured by
``bench/replies.py``; a benchmark never gates CI (two busy shared cores). These tests count
the Python and C function calls of the whole reading instead (deterministic up to cache
hits), with loose bounds: they fail on a runaway, such as a regex compiled per line or a
loop over all lines per line, never on a slow machine.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from types import FrameType

import pytest
import yaml

from mailer.parse.prompt_text import PromptText, prompt_text_of
from mailer.parse.replies import parse_file
from tests.parse.test_realistic import CASES, HERE, QUESTION_SETS, RECEIVED

#: About 20 times the median reply of the realistic set (some 2,000 calls; the longest free
#: text takes ~15,000).
CALLS_PER_REPLY = 40_000


def _calls(read: Callable[[], object]) -> int:
    count = 0

    def profile(_frame: FrameType, event: str, _arg: object) -> None:
        nonlocal count
        count += event in ("call", "c_call")

    sys.setprofile(profile)
    try:
        read()
    finally:
        sys.setprofile(None)
    return count


def _read(raw: bytes, prompt: PromptText | None = None, questions: str = "checkin"
          ) -> Callable[[], object]:
    return lambda: parse_file(raw, as_kind="eml", questions=QUESTION_SETS[questions],
                              received_at=RECEIVED, prompt=prompt)


@pytest.mark.parametrize("case", CASES)
def test_a_realistic_reply_is_read_in_a_bounded_number_of_calls(case: str) -> None:
    expected = yaml.safe_load((HERE / f"{case}.yaml").read_text(encoding="utf-8"))
    prompt = prompt_text_of((HERE / expected["prompt"]).read_bytes()) \
        if "prompt" in expected else None
    assert _calls(_read((HERE / f"{case}.eml").read_bytes(), prompt,
                        expected.get("questions", "checkin"))) < CALLS_PER_REPLY


def test_the_calls_grow_linearly_with_the_length_of_a_reply() -> None:
    head, body = re.split(rb"\r?\n\r?\n", (HERE / "apple_ca_3_sv.eml").read_bytes(), maxsplit=1)

    def reply(n: int) -> bytes:  # n answer lines over a tenth as many copies of the quote
        answers = [f"Ett svar på en rad, nummer {i}.".encode() for i in range(n)]
        return head + b"\n\n" + b"\n".join(answers + body.splitlines() * (n // 10))

    small, large = _calls(_read(reply(400))), _calls(_read(reply(3200)))
    assert large < 2 * 8 * small  # 8 times the text: linear is ~8x, quadratic ~64x
