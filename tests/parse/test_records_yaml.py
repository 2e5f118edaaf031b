"""Records are YAML written with the safe dumper and read with the safe loader: replies round-trip
exactly as text, whatever YAML, tags, separators or size they hold."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.errors import RecordError
from mailer.models import Record
from mailer.storage.records import dump_record, dump_yaml, load_record
from mailer.storage.store import RecordStore

RECEIVED = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)


def make_record(text: str, *, id: str = "a" * 40) -> Record:
    return Record(
        id=id, team="platform", member="anna@example.com", kind="checkin", slot="2026-11-30",
        prompt_message_id="<p1@example.com>", message_id="<r1@example.com>",
        received_at=RECEIVED, matched_by="in_reply_to", language="en",
        answers={"mood": 4, "obstacles": text}, text=text, problems=(text,),
    )


def roundtrip(record: Record) -> Record:
    return load_record(dump_record(record))


HOSTILE = {
    "yaml-mapping": "mood: 5\nobstacles: none\nanswers: {mood: 1}\n",
    "yaml-list-anchor": "- &a one\n- *a\n- [x, y]\n? complex\n: key\n",
    "python-tag": "!!python/object/apply:os.system [\"touch /tmp/pwned\"]",
    "python-tag-block": "first line\n!!python/object/new:subprocess.Popen\n  args: [[id]]\n",
    "document-separators": "---\nhello\n...\n--- !!python/name:os.system\n---",
    "comment-and-quotes": "# not a comment\n'single' \"double\" `back`\n\\escaped\\n",
    "scalars-that-resolve": "yes",
    "null-word": "~",
    "number-like": "0o17",
    "date-like": "2026-11-30",
    "indentation": "   leading spaces\n\ttab\ntrailing spaces   \n\n\n",
    "unicode": "Hej! Läget är bra 👍\nМир\n\u200b\ufeff\u2028\u2029\x85end",
    "control": "nul\x00bell\x07esc\x1b\n\x7f",
    "carriage-returns": "a\r\nb\rc",
    "only-newlines": "\n\n",
    "empty": "",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_reply_roundtrips_exactly(text: str) -> None:
    record = make_record(text)
    assert roundtrip(record) == record


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_file_is_one_safe_document_of_plain_strings(text: str, tmp_path: Path) -> None:
    path, created = RecordStore(tmp_path).write(make_record(text))
    raw = path.read_text(encoding="utf-8")
    documents = list(yaml.safe_load_all(raw))  # the safe loader refuses any python tag
    assert created and len(documents) == 1
    assert documents[0]["text"] == text and type(documents[0]["text"]) is str
    assert documents[0]["answers"] == {"mood": 4, "obstacles": text}


def test_multiline_text_is_written_in_block_style() -> None:
    dumped = dump_record(make_record("line one\nline two\n"))
    assert "text: |\n  line one\n  line two\n" in dumped


def test_utf8_is_written_as_is() -> None:
    assert "Läget är bra" in dump_record(make_record("Läget är bra\n"))


def test_hand_written_python_tag_is_refused_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    good = dump_record(make_record("ok"))
    evil = good.replace("text: ok", f"text: !!python/object/apply:os.system ['touch {marker}']")
    assert evil != good
    with pytest.raises(RecordError):
        load_record(evil)
    assert not marker.exists()


def test_hundred_thousand_lines_roundtrip_through_the_store(tmp_path: Path) -> None:
    text = "".join(
        f"{i}: - !!python/object --- # {'ä' * (i % 7)}\n" if i % 3 else f"--- {i}\n"
        for i in range(100_000)
    )
    store = RecordStore(tmp_path)
    path, _ = store.write(make_record(text))
    back = store.read(path)
    assert back.text == text
    assert back.answers["obstacles"] == text
    assert back.text.count("\n") == 100_000


def test_dump_yaml_keeps_order_and_block_style() -> None:
    dumped = dump_yaml({"b": "x\ny", "a": [1, None]})
    assert dumped.startswith("b: |-\n  x\n  y\na:\n")
    assert yaml.safe_load(dumped) == {"b": "x\ny", "a": [1, None]}


def normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Characters that stress the emitter: indicators, quotes, line breaks of every kind, BOM, tabs.
TRICKY = st.text(alphabet=" \n\t\r\x85\u2028\u2029\ufeff\x00ab:#-?!&*|>'\"%@`{}[],.~\\",
                 max_size=40)


@settings(max_examples=300)
@given(st.text(max_size=400) | TRICKY)
def test_any_normalised_text_roundtrips_exactly(text: str) -> None:
    record = make_record(normalised(text))
    assert roundtrip(record) == record


@settings(max_examples=300)
@given(st.text(max_size=400) | TRICKY)
def test_any_text_roundtrips_even_with_carriage_returns(text: str) -> None:
    # CR and NEL broke the literal and single-quoted styles (read back as a line break or a
    # space); the representer now writes them double-quoted.
    record = make_record(text)
    assert roundtrip(record) == record


@settings(max_examples=100)
@given(st.lists(st.text(max_size=60), max_size=5))
def test_problems_and_answers_roundtrip(items: list[str]) -> None:
    record = replace(make_record("x"), problems=tuple(items),
                     answers={f"q{i}": item for i, item in enumerate(items)})
    assert roundtrip(record) == record
