#!/usr/bin/env python3
"""An independent reference of "what is due when", to check the pure planner against.

    python bench/schedule_oracle.py [--seed 13] [--per-zone 400]

Prints how many planner answers (``outbound.schedule.slots_due``) differ from the reference, by
kind and cause, with the first few cases; it never fails on time. Last run: see README.md.

Written without the planner's code: instants are found from UTC offsets at absolute instants
only (no fold/gap arithmetic of zoneinfo), monthly dates by listing a month's days, holidays
moved by walking day by day. Rules (the README's):
* a local time that exists once: that instant; twice (a fold): the first; never (a gap): read
  with the offset in force before the gap (RFC 5545 3.3.5), i.e. moved on by the gap's length;
* the brief goes out ``lead`` before the meeting instant, in absolute time;
* check-ins and briefs on a person's holiday (or in a pause/away) are skipped; a monthly
  review/reflection/feedback on a holiday moves to the next working day (not weekend, not
  holiday); the digest is never skipped;
* a slot later than catch_up + ON_TIME is "missed"; only the latest occurrence is planned.
"""
from __future__ import annotations

import argparse
import dataclasses
import random
import sys
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mailer import models  # noqa: E402
from mailer.outbound import samples  # noqa: E402
from mailer.outbound import schedule as sched_mod  # noqa: E402

UTC = timezone.utc
ON_TIME = timedelta(minutes=2)
MINUTE = timedelta(minutes=1)


def offset(tz: ZoneInfo, u: datetime) -> timedelta:
    return u.astimezone(tz).utcoffset()  # type: ignore[return-value]


def wall(tz: ZoneInfo, u: datetime) -> datetime:
    return u.astimezone(tz).replace(tzinfo=None)


def instant(tz: ZoneInfo, day: date, at: time) -> datetime:
    w = datetime.combine(day, at)
    base = w.replace(tzinfo=UTC)
    offsets = {offset(tz, base + timedelta(hours=h)) for h in range(-40, 41)}
    hits = sorted(base - o for o in offsets if offset(tz, base - o) == o)
    if hits:
        return hits[0]
    # a gap: the last minute whose wall time is before w gives the offset before the gap
    u = min(base - o for o in offsets)
    while wall(tz, u + MINUTE) < w:
        u += MINUTE
    return base - offset(tz, u)


def month_rule(year: int, month: int, rule: tuple) -> date:
    kind, a, b = rule
    if kind == "day":
        return date(year, month, a)
    days = [date(year, month, d) for d in range(1, 32) if _valid(year, month, d)]
    same = [d for d in days if d.weekday() == b]
    return same[-1] if a == -1 else same[a - 1]


def _valid(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


class Cal:
    def __init__(self, country: str, subdiv: str | None) -> None:
        self.country, self.subdiv = country, subdiv
        self.h = holidays.country_holidays(country, subdiv=subdiv, years=range(2024, 2030))

    def holiday(self, d: date) -> bool:
        return d in self.h

    def working(self, d: date) -> bool:
        return d.weekday() not in self.h.weekend and d not in self.h


def expected(kind: str, sched: dict, tz: ZoneInfo, cal: Cal, now: datetime, catch_up: timedelta):
    """(period, instant, reason class) of the latest send at or before now, or None."""
    cands = []
    local_today = wall(tz, now).date()
    if kind in ("checkin", "digest", "brief"):
        for back in range(-3, 20):
            d = local_today - timedelta(days=back)
            if d.weekday() not in sched["days"]:
                continue
            at = instant(tz, d, sched["time"]) - sched.get("lead", timedelta(0))
            period = d.isoformat()
            if kind == "digest":
                y, wk, wd = d.isocalendar()
                if wd <= 3:
                    y, wk, _ = (d - timedelta(days=7)).isocalendar()
                period = f"{y:04d}-W{wk:02d}"
            reason = "holiday" if kind != "digest" and cal.holiday(d) else None
            cands.append((at, period, reason))
    else:
        y, m = local_today.year, local_today.month
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)  # a send early by EARLY may be next month's
        for _ in range(27):
            if m in sched["months"]:
                d = month_rule(y, m, sched["rule"])
                moved = d
                if cal.holiday(d):
                    moved = d + timedelta(days=1)
                    while not cal.working(moved):
                        moved += timedelta(days=1)
                quarter = f"{y:04d}-Q{(m - 1) // 3 + 1}"
                period = f"{y:04d}-{m:02d}" if kind != "feedback" else quarter
                cands.append((instant(tz, moved, sched["time"]), period, None))
            y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    past = [c for c in cands if c[0] <= now + MINUTE]  # the planner's EARLY wake-up margin
    if not past:
        return None
    at, period, reason = max(past)
    if reason is None and now - at > catch_up + ON_TIME:
        reason = "missed"
    return period, at, reason


def transitions(tz, start, end):
    found, u, last = [], start, offset(tz, start)
    while u < end:
        u += timedelta(hours=1)
        if offset(tz, u) != last:
            lo = u - timedelta(hours=1)
            while u - lo > MINUTE:
                mid = lo + (u - lo) / 2
                if offset(tz, mid) == last:
                    lo = mid
                else:
                    u = mid
            found.append(u)
            last = offset(tz, u)
    return found


def _why(got, exp, now):
    if got and exp and got[:2] == exp[:2] and got[2] == "missed" and exp[2] is None:
        return "on-time jitter counted as missed"
    if got and exp and got[2] and got[2].startswith("holiday") and got[1] != exp[1]:
        return "holiday dropped, not moved"
    if got and exp and got[0] == exp[0] and got[1] != exp[1]:
        return f"instant differs by {got[1] - exp[1]}"
    return "other"


ZONES = ["America/Havana", "Atlantic/Azores", "Africa/Casablanca", "Europe/Stockholm",
         "Europe/London", "Europe/Dublin", "America/New_York", "America/Los_Angeles",
         "America/Santiago", "America/Asuncion", "Australia/Lord_Howe", "Australia/Sydney",
         "Pacific/Chatham", "Asia/Kathmandu", "Asia/Tehran", "Asia/Beirut", "Asia/Gaza",
         "Africa/Cairo", "America/Scoresbysund", "Pacific/Apia", "Asia/Tokyo", "Asia/Kolkata",
         "America/St_Johns", "Pacific/Kiritimati"]
COUNTRIES = [("SE", None), ("GB", "ENG"), ("GB", "SCT"), ("US", "CA"), ("AU", "NSW"), ("CU", None),
             ("PT", None), ("MA", None), ("DE", "BY"), ("IL", None)]
TIMES = [time(0, 0), time(0, 30), time(1, 30), time(2, 30), time(3, 15), time(9, 0), time(23, 30)]


def check(seed: int, per_zone: int) -> int:
    rng = random.Random(seed)
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC)
    checked = wrong = 0
    fails: dict[str, int] = {}
    for zone in ZONES:
        tz = ZoneInfo(zone)
        changes = transitions(tz, start, end)
        for _ in range(per_zone // 20):
            focus = rng.choice(changes) if changes and rng.random() < 0.5 else None
            at = rng.choice(TIMES)
            country, subdiv = rng.choice(COUNTRIES)
            person = dataclasses.replace(samples.sample_person(timezone=zone, country=country),
                                         subdivision=subdiv)
            days = tuple(sorted(rng.sample(range(7), rng.randint(1, 5))))
            meet_day, lead = rng.randrange(7), rng.choice([15, 30, 45, 90])
            if focus is not None:
                meet_day = wall(tz, focus).weekday()
                days = tuple(sorted({*days, meet_day, (meet_day + 1) % 7}))
            rule = rng.choice([("day", rng.randint(1, 28), None),
                               ("nth", rng.choice([1, 2, 4, -1]), rng.randrange(5))])
            mrule = (models.MonthlyRule(day=rule[1]) if rule[0] == "day" else
                     models.MonthlyRule(nth=rule[1], weekday=rule[2]))
            team = dataclasses.replace(
                samples.sample_team(members=[person], manager=person, checkin_days=days,
                                    checkin_at=at),
                meeting=models.MeetingSchedule(day=meet_day, time=at, brief_minutes_before=lead),
                review=models.MonthlySchedule(on=mrule, time=at),
                digest=models.WeeklySchedule(day=meet_day, time=at))
            cfg = samples.sample_config(Path("/nonexistent"), teams=[team])
            cal = Cal(country, subdiv)
            specs = {"checkin": {"days": days, "time": at},
                     "digest": {"days": (meet_day,), "time": at},
                     "brief": {"days": (meet_day,), "time": at, "lead": timedelta(minutes=lead)},
                     "review": {"rule": rule, "time": at, "months": tuple(range(1, 13))}}
            catch_up = rng.choice([timedelta(0), timedelta(hours=3)])
            for _ in range(20):
                kind = rng.choice(list(specs))
                now = start + (end - start) * rng.random()
                if focus is not None:
                    now = focus + timedelta(minutes=rng.randint(-180, 26 * 60))
                # aim at the interesting instants: near a due time
                exp0 = expected(kind, specs[kind], tz, cal, now, catch_up)
                if exp0 is not None and rng.random() < 0.7:
                    now = exp0[1] + rng.choice([timedelta(0), timedelta(milliseconds=1),
                                                timedelta(seconds=59),
                                                timedelta(minutes=3), timedelta(hours=3, minutes=1),
                                                -timedelta(seconds=30), -timedelta(minutes=2)])
                exp = expected(kind, specs[kind], tz, cal, now, catch_up)
                got = sched_mod.slots_due(cfg, kind, now=now, catch_up=catch_up, ledger_pauses=())
                got_t = None
                if got:
                    p = got[0]
                    r = p.skip_reason
                    cls = None if r is None else r.split()[0].rstrip(":")
                    got_t = (p.slot.period, p.due_at.astimezone(UTC), cls)
                checked += 1
                if got_t != exp:
                    wrong += 1
                    key = f"{kind}:{_why(got_t, exp, now)}"
                    fails[key] = fails.get(key, 0) + 1
                    if fails[key] <= 3:
                        print(f"MISMATCH {zone} {country}/{subdiv} {kind} at={at} "
                              f"now={now.isoformat()}\n"
                              f"   planner {got_t}\n   oracle  {exp}")
    print(f"checked {checked}, wrong {wrong}, by kind {fails}")
    return wrong


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--per-zone", type=int, default=400, help="planner calls per zone")
    args = parser.parse_args(argv)
    check(args.seed, args.per_zone)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
