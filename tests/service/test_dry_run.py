"""What ``mailer send --dry-run`` says: pure wording, from planned slots to lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from mailer.models import Slot
from mailer.outbound.samples import sample_person, sample_team
from mailer.outbound.schedule import Planned
from mailer.service.dry_run import DueNow, both_times, dry_run_lines, skip_summary, span

STHLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
YUKI = sample_person("Yuki Tanaka", "yuki@example.com", timezone="Asia/Tokyo", language="en",
                     country="JP")
TEAM = sample_team(members=(YUKI, *sample_team().members))


def planned(person, at, reason=None, kind="checkin"):
    return Planned(Slot(TEAM.name, person.email, kind, at.date().isoformat()), person, TEAM, at,
                   reason)


def test_a_time_in_the_persons_zone_and_the_managers():
    at = datetime(2026, 12, 7, 9, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert both_times(at, STHLM, now=NOW) == "Mon 7 Dec 09:30 Asia/Tokyo = 01:30 your time"


def test_the_day_is_named_when_it_differs_and_the_year_when_it_is_not_this_one():
    sydney = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Australia/Sydney"))
    assert both_times(sydney, STHLM, now=NOW) == (
        "Mon 7 Dec 09:00 Australia/Sydney = Sun 6 Dec 23:00 your time")
    new_year = datetime(2027, 1, 1, 9, 0, tzinfo=STHLM)
    assert both_times(new_year, STHLM, now=NOW) == "Fri 1 Jan 2027 09:00 Europe/Stockholm (your time too)"


def test_spans_as_people_write_them():
    assert [span(timedelta(hours=3)), span(timedelta(minutes=90)), span(timedelta(days=2))] == [
        "3h", "1h 30m", "2d"]


def test_every_skip_is_explained_in_one_line():
    anna, ben, chloe = TEAM.members[1:]
    friday = datetime(2026, 12, 4, 9, 0, tzinfo=STHLM)
    line = skip_summary("checkin", [
        planned(anna, friday, "missed by 5h 2m"), planned(ben, friday, "missed by 5h 2m"),
        planned(chloe, datetime(2026, 12, 25, 9, 0, tzinfo=STHLM), "holiday: Christmas Day"),
        planned(YUKI, friday, "away")], catch_up=timedelta(hours=3))
    assert line == (
        "4 check-ins skipped: 1 away (an away period in the config); 1 on a public holiday "
        "(Christmas Day); 2 missed (due Fri 4 Dec, more than 3h ago: service.catch_up), and a "
        "late prompt is never sent")
    assert skip_summary("checkin", [], catch_up=timedelta(hours=3)) is None


def test_the_dry_run_lists_who_gets_what_next_per_team_in_their_time_and_yours():
    monday = [planned(p, datetime(2026, 12, 7, 9, 0, tzinfo=p.timezone)) for p in TEAM.members]
    missed = planned(YUKI, datetime(2026, 12, 4, 9, 0, tzinfo=YUKI.timezone), "missed by 3d 2h")
    due = DueNow(planned(TEAM.members[1], datetime(2026, 12, 6, 12, 0, tzinfo=STHLM)), "Check-in")
    lines = dry_run_lines("checkin", due=[due], skipped=[missed], upcoming=monday, now=NOW,
                          catch_up=timedelta(hours=3))
    assert lines == [
        "send now: Anna Berg <anna@example.com> (platform) [sv], due Sun 6 Dec 12:00 "
        "Europe/Stockholm (your time too): Check-in",
        "next check-ins, in each person's time and yours (the manager's):",
        "  Platform (platform): your time is Lena Holm's, Europe/Stockholm",
        "    Chloe Ng: Mon 7 Dec 09:00 Australia/Sydney = Sun 6 Dec 23:00 your time",
        "    Yuki Tanaka: Mon 7 Dec 09:00 Asia/Tokyo = 01:00 your time",
        "    Anna Berg: Mon 7 Dec 09:00 Europe/Stockholm (your time too)",
        "    Ben Carter: Mon 7 Dec 09:00 Europe/London = 10:00 your time",
        "1 check-in skipped: 1 missed (due Fri 4 Dec, more than 3h ago: service.catch_up), and "
        "a late prompt is never sent",
        "would send 1 check-in now for all teams",
    ]


def test_a_kind_the_team_does_not_send_says_so():
    lines = dry_run_lines("feedback", due=[], skipped=[], upcoming=[], now=NOW,
                          catch_up=timedelta(hours=3), team="platform")
    assert lines == ["no feedback requests are scheduled for platform",
                     "would send 0 feedback requests now for platform"]
