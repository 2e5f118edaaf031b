"""Mentions of a person in other people's free text: found, and blanked (issue 16)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailer.cli.main import main
from mailer.models import Person, Record
from mailer.storage.mentions import blank_record, needles, record_mentions
from mailer.storage.privacy import export_person, forget_person
from mailer.storage.store import RecordStore
from tests.storage.test_privacy import (  # noqa: F401 - config_file is a fixture
    ANNA,
    ANNA_ALIAS,
    ERIK,
    config_file,
    make_config,
    make_record,
)

TZ = ZoneInfo("Europe/Stockholm")
ANNA_P = Person("Anna Berg", ANNA, TZ, "sv", aliases=(ANNA_ALIAS,))
ASA = Person("Åsa Öberg", "asa@example.se", TZ, "sv")


@pytest.mark.parametrize(("text", "found"), [
    ("Parade med Anna Berg i dag", ["Anna Berg"]),  # the full name is one mention
    ("Annas idé höll", ["Annas"]),  # the Swedish genitive
    ("Tack, Anna.", ["Anna"]),
    ("mejla ANNA@example.com.", ["ANNA@example.com"]),  # addresses in any case
    ("via anna.berg@gmail.com i går", ["anna.berg@gmail.com"]),  # an alias
    ("Anna-Lena hjälpte", []),  # another name
    ("Hannah och Annabel", []),  # a name inside a longer word
    ("xanna@example.com", []),  # another address
    ("anna bakade", []),  # names match as written: "anna" is not the name here
])
def test_names_and_addresses_on_word_boundaries(text: str, found: list[str]) -> None:
    assert needles(ANNA_P, ANNA_P.addresses).find(text) == found


def test_swedish_letters_are_letters() -> None:
    who = needles(ASA, ASA.addresses)
    assert who.find("Tack Åsa! Åsas kod. BÅsa, Åsaström") == ["Åsa", "Åsas"]
    assert who.blank("Fråga Åsa Öberg.", "[namn borttaget]") == "Fråga [namn borttaget]."


def test_a_record_is_blanked_in_its_language_and_only_where_named() -> None:
    record = replace(make_record(7, member=ERIK), language="en",
                     answers={"working_well": "Pairing with Anna", "mood": 4},
                     text="1. Pairing with Anna\n2. Nothing blocks\n3. 4")
    who = needles(ANNA_P, ANNA_P.addresses)
    assert record_mentions(record, who) == {"working_well": ["Pairing with Anna"],
                                            "text": ["1. Pairing with Anna"]}
    blanked = blank_record(record, who)
    assert blanked.answers == {"working_well": "Pairing with [name removed]", "mood": 4}
    assert blanked.text == "1. Pairing with [name removed]\n2. Nothing blocks\n3. 4"


def _named_by_two(data_dir: Path) -> tuple[RecordStore, list[Path]]:
    """Erik and an anonymous feedback answer both name Anna; Anna's own record names herself."""
    store = RecordStore(data_dir)
    erik = replace(make_record(4, member=ERIK), answers={"working_well": "Anna Berg hjälpte mig"},
                   text="1. Anna Berg hjälpte mig\n2. Inga hinder")
    feedback = replace(make_record(6, member=None), slot="2026-Q4", message_id=None,
                       prompt_message_id=None, received_at=datetime(2026, 10, 1, tzinfo=UTC),
                       answers={"better": "Annas förslag borde lyftas"},
                       text="2. Annas förslag borde lyftas")
    own = replace(make_record(1), text="Jag, Anna, mår bra.")
    other = replace(make_record(8, member=ERIK), answers={"mood": 3}, text="Hannah var sjuk.")
    paths = [store.write(r)[0] for r in (erik, feedback)]
    store.write(own)
    store.write(other)
    return store, paths


def test_export_lists_the_lines_that_name_the_person_then_forget_blanks_them(
        tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store, (erik_path, feedback_path) = _named_by_two(data_dir)
    config = make_config(data_dir)
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    exported = export_person(store, None, ANNA, config=config, now=now)
    assert [(m["path"], m["kind"], m["lines"]) for m in exported["mentions"]] == [
        ("records/platform/_feedback/2026-Q4/" + feedback_path.name, "feedback",
         {"better": ["Annas förslag borde lyftas"], "text": ["2. Annas förslag borde lyftas"]}),
        (erik_path.relative_to(data_dir).as_posix(), "checkin",
         {"working_well": ["Anna Berg hjälpte mig"], "text": ["1. Anna Berg hjälpte mig"]}),
    ]
    # Her own record is exported as hers, never as a mention; feedback never as hers.
    assert [r["record"]["member"] for r in exported["records"]] == [ANNA]

    report = forget_person(store, None, ANNA, config=config, mentions=True)
    assert sorted(report.blanked) == sorted([erik_path, feedback_path]) and not report.mentioned
    erik_after: Record = store.read(erik_path)
    assert erik_after.answers == {"working_well": "[namn borttaget] hjälpte mig"}
    assert erik_after.text == "1. [namn borttaget] hjälpte mig\n2. Inga hinder"
    assert store.read(feedback_path).answers == {"better": "[namn borttaget] förslag borde lyftas"}
    assert export_person(store, None, ANNA, config=config, now=now)["mentions"] == []


def test_forget_without_mentions_reports_them_and_leaves_them(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store, paths = _named_by_two(data_dir)
    report = forget_person(store, None, ANNA, config=make_config(data_dir))
    assert sorted(report.mentioned) == sorted(paths) and report.blanked == ()
    assert "Anna Berg" in store.read(paths[0]).text


def test_forget_command_says_where_the_person_is_named_and_blanks_with_mentions(
        config_file: Path, tmp_path: Path,  # noqa: F811 - the fixture imported above
        capsys: pytest.CaptureFixture[str]) -> None:
    _, paths = _named_by_two(tmp_path / "data")
    assert main(["--config", str(config_file), "forget", "--member", ANNA]) == 0
    assert f"2 record(s) of other people name {ANNA}; run again with --mentions" in (
        capsys.readouterr().out)
    assert main(["--config", str(config_file), "forget", "--member", ANNA, "--mentions"]) == 0
    out = capsys.readouterr().out
    assert "blanked the name in 2 record(s) of other people" in out
    assert all("Anna" not in path.read_text(encoding="utf-8") for path in paths)
