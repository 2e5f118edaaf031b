"""themes: what an obstacle is about and whether progress is progress, on texts that nearly
match (pure; the lexicons are curated, so these are the cases they must get right)."""

from __future__ import annotations

import pytest

from mailer.digest.themes import progress, themes


def names(text: str, language: str) -> set[str]:
    return {m.theme for m in themes(text, language)}


@pytest.mark.parametrize(("language", "text", "expected"), [
    # the demo's week 48: meetings and focus time, never "unclear priorities"
    ("sv", "För många möten på onsdagar, svårt att få fokustid.", {"meetings"}),
    ("en", "Too many meetings on Wednesdays, hard to get focus time.", {"meetings"}),
    ("sv", "Oklart vad som ska prioriteras nästa sprint.", {"priorities"}),
    ("en", "Specs for the next sprint are still fuzzy.", {"priorities"}),
    ("en", "Unclear priorities between billing and onboarding", {"priorities"}),
    # the specific theme wins over "waiting"
    ("sv", "Väntar fortfarande på behörighet till staging-databasen.", {"access"}),
    ("en", "Still waiting on access to the staging database.", {"access"}),
    ("sv", "Väntar på att betalteamet granskar API-ändringen; det blockerar lanseringen.",
     {"waiting"}),
    ("sv", "Flakiga tester i CI äter upp eftermiddagarna.", {"tools"}),
    ("sv", "Hög arbetsbelastning inför releasen", {"workload"}),
    ("sv", "Hinner inte med kodandet", {"workload"}),
    ("sv", "Väntar på beslut om arkitekturen", {"information"}),
    ("en", "The overlap with Stockholm hours is thin this week.", {"time_zones"}),
    # a compound with the theme word as its head
    ("sv", "Alldeles för många statusmöten", {"meetings"}),
    # two clauses, two themes
    ("en", "Too many meetings, and still waiting for VPN access", {"meetings", "access"}),
])
def test_themes_of_real_obstacles(language: str, text: str, expected: set[str]) -> None:
    assert names(text, language) == expected


@pytest.mark.parametrize(("language", "text"), [
    ("sv", "Jag vill ha mer fokus på kvalitet."),  # "fokus" is not priorities
    ("en", "Focus is good this week"),
    ("sv", "Inga problem med mötena den här veckan."),  # negated
    ("en", "No meetings this week, finally."),
    ("en", "I don't have access issues anymore"),
    ("sv", "Väntar inte längre på någon"),  # Swedish negation after the verb
    ("sv", "Inget särskilt, det rullar på."),
    ("en", "No real blockers."),
    ("sv", "Tydliga prioriteringar nu, skönt"),  # priorities, but meant positively
    ("en", "Nothing major, all good."),
    ("sv", "Svårt att säga den här veckan."),
])
def test_near_misses_make_no_theme(language: str, text: str) -> None:
    assert themes(text, language) == ()


def test_a_theme_carries_the_words_as_written() -> None:
    (match,) = themes("För många möten på onsdagar, svårt att få fokustid.", "sv")
    assert match.words == ("möten", "fokustid")
    (match,) = themes("Nothing, except the CI is slow", "en")
    assert (match.theme, match.words) == ("tools", ("CI",))


def test_a_goal_named_first_is_not_evidence_of_progress() -> None:
    goal = "Migrate billing to the new API"
    found = progress(f"{goal}: about 38% done.", "en", goals=[goal])
    assert found is not None and found.words == ("done",)
    assert progress("Skriva färre men bättre tester: står still", "sv",
                    goals=["Skriva färre men bättre tester"]) is None
    assert progress("Finish the migration: hard to say", "en",
                    goals=["Finish the migration"]) is None


@pytest.mark.parametrize(("language", "text", "words"), [
    ("sv", "Lansera det nya betalflödet: lite framsteg, runt 17 %.", ("framsteg",)),
    ("en", "got the next piece merged, maybe 49% there.", ("merged",)),
    ("sv", "ungefär 21 % klart.", ("klart",)),
    ("sv", "Stängt tre supportärenden", ("Stängt",)),
])
def test_progress_is_a_positive_statement_with_its_words(language: str, text: str,
                                                          words: tuple[str, ...]) -> None:
    found = progress(text, language)
    assert found is not None and found.words == words


@pytest.mark.parametrize(("language", "text"), [
    ("sv", "Lansera det nya betalflödet: står still, kanske 81 %."),  # the demo's Sofia
    ("sv", "inte mycket hänt den här veckan tyvärr."),
    ("en", "stalled, maybe 40% and not moving."),
    ("en", "not much this week, sorry."),
    ("en", "No progress yet"),
    ("sv", "Inga framsteg"),
    ("en", "Not done yet"),
    ("sv", "Blev försenat av supportärenden"),
    ("en", "Hard to say"),
    ("sv", "Väntar på granskning, inget klart"),
])
def test_standing_still_is_not_progress(language: str, text: str) -> None:
    assert progress(text, language) is None
