"""Public holidays named in the digest's language (mailer.digest.absences)."""

from __future__ import annotations

from datetime import date

import pytest

from mailer.digest.absences import holiday_name


@pytest.mark.parametrize(("country", "day", "language", "name"), [
    ("SE", date(2026, 12, 25), "sv", "Juldagen"),
    ("SE", date(2026, 12, 25), "en", "Christmas Day"),
    # Finland names its holidays in Swedish as "sv_FI": Finland-Swedish, not Finnish or English
    ("FI", date(2026, 12, 6), "sv", "Självständighetsdagen"),
    ("FI", date(2026, 12, 6), "en", "Independence Day"),
    # no Swedish names for the US's holidays in the package: English, never another language
    ("US", date(2026, 11, 26), "sv", "Thanksgiving Day"),
    ("JP", date(2026, 1, 1), "sv", "New Year's Day"),
])
def test_a_holiday_is_named_in_the_digests_language_where_the_package_can(
        country: str, day: date, language: str, name: str) -> None:
    assert holiday_name(country, day, language) == name


def test_a_workday_and_an_unknown_country_have_no_holiday() -> None:
    assert holiday_name("SE", date(2026, 12, 8), "sv") is None
    assert holiday_name("XX", date(2026, 12, 25), "sv") is None
