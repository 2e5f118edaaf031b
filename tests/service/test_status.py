"""``mailer status``: the pure summary of one team (the command runs in tests/service/test_app.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from mailer.models import AddressFailure, Pause, Prompt, Slot
from mailer.outbound.samples import sample_config, sample_person, sample_team
from mailer.service.status import attention, render_text, service_view, team_status

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


# --------------------------------------------------------------------------- issue 13 / 11


def _prompt(team: str, email: str, due: datetime, state: str, *, error: str | None = None,
            reason: str | None = None) -> Prompt:
    slot = Slot(team, email, "checkin", due.date().isoformat())
    return Prompt(slot, f"<{email}-{due:%s}@x>", f"t{due:%s}", state, due, "en",  # type: ignore[arg-type]
                  last_error=error, skip_reason=reason)


def test_each_person_s_next_run_in_their_time_and_the_managers(tmp_path: Path) -> None:
    yuki = sample_person("Yuki Tanaka", "yuki@example.com", timezone="Asia/Tokyo",
                         language="en", country="JP")
    manager = sample_person("Lena Holm", "lena@example.com")
    team = sample_team(members=[yuki], manager=manager)
    config = sample_config(tmp_path, teams=[team])
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)  # a Sunday
    status = team_status(config, team, now=now, last_send=None, last_poll=None, counts={},
                         pauses=[], failures=[])
    [run] = status.people_runs["checkin"]
    assert (run.name, run.local) == ("Yuki Tanaka", "2026-12-07T09:00:00+09:00")
    assert run.manager_time == "2026-12-07T01:00:00+01:00"
    text = render_text([status], unmatched_quarantine=0)
    assert "    Yuki Tanaka: Mon 7 Dec 09:00 Asia/Tokyo = Mon 7 Dec 01:00 manager's time" in text
    assert "    Lena Holm: Mon 7 Dec 09:30 Europe/Stockholm\n" in text  # the brief


def test_stuck_prompts_and_a_full_disk_need_a_person(tmp_path: Path) -> None:
    team = sample_team()
    config = sample_config(tmp_path, teams=[team])
    email = team.members[0].email
    pending = [_prompt(team.id, email, NOW - timedelta(minutes=40), "due", error="421 down"),
               _prompt(team.id, email, NOW - timedelta(minutes=5), "due")]
    expired = [_prompt(team.id, email, NOW - timedelta(days=1), "expired", reason="not sent")]
    status = team_status(config, team, now=NOW, last_send=None, last_poll=None, counts={},
                         pauses=[], failures=[], pending=pending, expired=expired)
    assert (status.pending.count, status.pending.stuck) == (2, 1)
    assert status.pending.last_error == "421 down"
    assert [e.reason for e in status.expired_this_week] == ["not sent"]
    fine = service_view(None, now=NOW, on_disk_sha=None, pid_alive=False, free=10**9)
    assert attention([status], fine) == ["1 prompt due for more than 15 minutes and not sent"]
    full = service_view(None, now=NOW, on_disk_sha=None, pid_alive=False, free=0)
    assert attention([], full) == ["the data folder's disk is full (0 bytes free)"]


def test_the_service_state_says_what_it_runs_and_whether_it_runs(tmp_path: Path) -> None:
    state = {"pid": 4242, "heartbeat": (NOW - timedelta(seconds=30)).isoformat(),
             "config": {"sha256": "aa", "loaded_at": NOW.isoformat()},
             "components": {"imap": {"state": "auth", "detail": "login refused"}}}
    view = service_view(state, now=NOW, on_disk_sha="bb", pid_alive=True, free=None)
    assert view.running and view.config_matches is False
    assert attention([], view) == ["imap: sign-in refused: login refused"]
    stale = service_view(state, now=NOW + timedelta(hours=1), on_disk_sha="aa",
                         pid_alive=True, free=None)
    assert stale.running is False and stale.config_matches is True
    assert attention([], stale) == []  # a stopped service's old state alarms nobody
