"""``mailer status``: the pure summary of one team (the command runs in tests/service/test_app.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from mailer.models import AddressFailure, Pause
from mailer.outbound.samples import sample_config, sample_person, sample_team
from mailer.service.status import render_text, team_status

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)  # a Saturday


def test_times_are_shown_in_the_managers_zone_and_only_this_teams_facts(tmp_path: Path) -> None:
    sydney = sample_person("Chloe Ng", "chloe@example.com", timezone="Australia/Sydney",
                           language="en", country="AU")
    manager = sample_person("Lena Holm", "lena@example.com")
    team = sample_team(members=[sydney], manager=manager)
    config = sample_config(tmp_path, teams=[team])
    status = team_status(
        config, team, now=NOW, last_send=datetime(2026, 11, 27, 22, 0, 0, 123456, tzinfo=UTC),
        last_poll="2026-11-28T11:59:00+00:00", counts={"record": 4, "quarantine": 1},
        pauses=[Pause("platform", "chloe@example.com", date(2026, 11, 20), date(2026, 11, 30),
                      "out_of_office", NOW),
                Pause("platform", "chloe@example.com", date(2026, 11, 1), date(2026, 11, 5),
                      "command", NOW)],
        failures=[AddressFailure("chloe@example.com", NOW, "550"),
                  AddressFailure("someone@elsewhere.example", NOW, "550")])
    # Chloe's Monday 09:00 check-in in Sydney is Sunday 23:00 in Stockholm.
    assert status.next_runs["checkin"] == "2026-11-29T23:00:00+01:00"
    assert status.last_send == "2026-11-27T23:00:00+01:00"  # no microseconds, Lena's zone
    assert status.last_poll == "2026-11-28T12:59:00+01:00"
    assert (status.replies_this_week, status.quarantined_this_week) == (4, 1)
    assert [p.until for p in status.paused] == ["2026-11-30"]  # the ended pause is not shown
    assert status.failing == ["chloe@example.com"]  # not an address outside the team
    text = render_text([status], unmatched_quarantine=0)
    assert "paused           chloe@example.com until 2026-11-30 (out of office)" in text
