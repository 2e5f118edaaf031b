"""Benchmark of the weekly digest at organisation scale. Prints its figures; never a test.

    .venv/bin/python bench/digest.py            # 10 -> 100 -> 1,000 teams (several minutes)
    .venv/bin/python bench/digest.py --quick    # 2 -> 5 -> 10 teams, a smoke run

It generates synthetic records (its own generator: Swedish and English texts, moods that drift,
obstacles that linger, people who go quiet, monthly reviews, reflections, quarterly anonymous
feedback) for teams of 10 people, writes them through the real :class:`RecordStore` into a
temporary data_dir, with the ledger rows of every prompt, and then times the digest (load from
store and ledger, build, render both parts) of one week:

1. 10 teams x 1 year: one team's digest;
2. 90 more teams x 1 year (100 teams, ~150,000 records): one team's digest, then all 100
   digests, with the peak memory of that phase;
3. 900 more teams x 5 weeks each (1,000 teams; fewer weeks only to keep generation time
   reasonable): one team's digest again. Its time must not grow with the archive, because the
   digest reads only the folders of its own team and window.

Targets: one team < 0.3 s, all 100 < 20 s, peak memory < 300 MB. Timings are with a warm page
cache (the data was just written), as in a running service.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import multiprocessing.pool
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from mailer.config.questions import load_default_questions
from mailer.digest.model import week_bounds
from mailer.kinds import PromptKind
from mailer.models import (
    AnswerValue,
    FeedbackSchedule,
    Language,
    MeetingSchedule,
    MonthlyRule,
    Person,
    Prompt,
    Record,
    Slot,
    Team,
)
from mailer.outbound.compose import build_environment
from mailer.outbound.samples import sample_config
from mailer.service.context import Context
from mailer.service.digest import render_digest
from mailer.storage.ledger import Ledger
from mailer.storage.store import RecordStore

WEEK = "2026-W48"
TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=TZ)
PEOPLE = 10
REPLY_RATE = 0.85

FIRST = {"sv": ["Anna", "Erik", "Sofia", "Johan", "Maria", "Karl", "Elin", "Oskar", "Ida", "Nils",
                "Sara", "Lars", "Emma", "Per", "Linnea"],
         "en": ["Olivia", "James", "Chloe", "Ben", "Grace", "Liam", "Mia", "Noah", "Ava", "Sam",
                "Ella", "Jack", "Ruby", "Leo", "Zoe"]}
LAST = {"sv": ["Berg", "Holm", "Lind", "Nyström", "Ek", "Sjöberg", "Åkesson", "Lund", "Dahl"],
        "en": ["Carter", "Brown", "Ng", "Taylor", "Walsh", "Reid", "Patel", "Cole", "Hughes"]}
TEXTS: dict[str, dict[str, list[str]]] = {
    "sv": {
        "working_well": ["Bra samarbete med designteamet, snabba svar i chatten",
                         "Parprogrammeringen på tisdagar", "Tydliga mål för sprinten",
                         "Kodgranskningarna går snabbt", "Stand-upen är kort och bra",
                         "Bra stöd från supporten", "Lugn vecka, bra fokus"],
        "obstacles": ["Väntar fortfarande på åtkomst till testmiljön",
                      "Oklara prioriteringar mellan fakturering och introduktion",
                      "För många möten, svårt att hinna med kodandet",
                      "Bygget i CI tar över 40 minuter", "Väntar på beslut om arkitekturen",
                      "Saknar information om kundens krav", "Hög arbetsbelastning inför releasen"],
        "nothing": ["Inga hinder just nu", "Inget särskilt", "Nej", "Inga"],
        "progress": ["Flyttat två av fem tjänster", "Klar med första delen av migreringen",
                     "Skrivit testplanen", "Stängt tre supportärenden",
                     "Faktureringsexporten fungerar hela vägen", "Halvvägs med dokumentationen"],
        "next_month": ["Lämna över jourschemat", "Bli klar med migreringen",
                       "Skriva guiden för nyanställda", "Halvera byggtiden"],
        "happened": ["Det mesta blev klart", "Hann hälften, resten i nästa sprint",
                     "Allt klart i tid", "Blev försenat av supportärenden"],
        "works": ["Tydliga mål", "Snabba svar", "Du lyssnar", "Förtroende och frihet"],
        "better": ["Fler enskilda samtal", "Kortare möten", "Dela beslut skriftligt",
                   "Mer återkoppling på arbetet"],
    },
    "en": {
        "working_well": ["Good collaboration with design, quick answers in chat",
                         "Pairing on Tuesdays", "Clear sprint goals", "Reviews are fast",
                         "Short and useful stand-ups", "Great support from the ops team",
                         "Quiet week, good focus"],
        "obstacles": ["Still waiting for access to the staging environment",
                      "Unclear priorities between billing and onboarding",
                      "Too many meetings, hard to find time to code",
                      "The CI build takes over 40 minutes", "Waiting for a decision on the design",
                      "Missing information about the customer's requirements",
                      "Heavy workload before the release"],
        "nothing": ["Nothing right now", "None", "No obstacles", "Nothing special"],
        "progress": ["Migrated two of five services", "Finished the first part of the migration",
                     "Wrote the test plan", "Closed three support tickets",
                     "Billing export works end to end", "Halfway through the docs"],
        "next_month": ["Hand over the on-call rota", "Finish the migration",
                       "Write the onboarding guide", "Halve the build time"],
        "happened": ["Most of it got done", "Half of it, the rest next sprint",
                     "All done on time", "Delayed by support tickets"],
        "works": ["Clear goals", "Quick answers", "You listen", "Trust and freedom"],
        "better": ["More one-to-ones", "Shorter meetings", "Share decisions in writing",
                   "More feedback on my work"],
    },
}


# --------------------------------------------------------------------------- the organisation


def make_team(number: int) -> Team:
    rng = random.Random(f"team-{number}")
    people = []
    for index in range(PEOPLE):
        language: Language = "sv" if rng.random() < 0.6 else "en"
        name = f"{rng.choice(FIRST[language])} {rng.choice(LAST[language])}"
        people.append(Person(name, f"p{index}.t{number}@example.com", TZ, language,
                             goals=(rng.choice(TEXTS[language]["next_month"]),)))
    manager = Person(f"Chef {number}", f"manager.t{number}@example.com", TZ, "sv")
    return Team(name=f"team-{number}", display_name=f"Team {number}", manager=manager,
                members=tuple(people), meeting=MeetingSchedule(day=1, time=clock(10)),
                feedback=FeedbackSchedule(on=MonthlyRule(nth=1, weekday=1), time=NOW.time(),
                                          months=(3, 6, 9, 12)))


def _id(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def _prompt(team: Team, email: str, kind: PromptKind, period: str, at: datetime) -> Prompt:
    key = _id(team.name, email, kind, period)
    return Prompt(Slot(team.name, email, kind, period), f"<{key[:16]}.{kind}@bench.invalid>",
                  key[:16], "sent", at.astimezone(UTC), "sv", sent_at=at)


def _record(team: Team, email: str | None, prompt: Prompt, at: datetime, language: Language,
            answers: dict[str, AnswerValue]) -> Record:
    text = "\n".join(f"{n}. {v}" for n, v in enumerate(answers.values(), start=1))
    return Record(_id(prompt.message_id, email), team.name, email, prompt.slot.kind,
                  prompt.slot.period, prompt.message_id, f"<{_id('r', prompt.message_id)}@x>",
                  at, "in_reply_to", language, answers, text)


def _person_year(team: Team, person: Person, index: int, mondays: list[date],
                 rng: random.Random) -> Iterator[tuple[Prompt, Record | None]]:
    texts = TEXTS[person.language]
    mood, obstacle = rng.randint(3, 5), rng.choice(texts["nothing"])
    quiet_from = mondays[-3] if index == PEOPLE - 1 and rng.random() < 0.3 else None
    for monday in mondays:
        for offset in (0, 2, 4):  # Monday, Wednesday, Friday at 09:00
            day = monday + timedelta(days=offset)
            sent = datetime(day.year, day.month, day.day, 9, tzinfo=TZ)
            prompt = _prompt(team, person.email, "checkin", day.isoformat(), sent)
            if (quiet_from and day >= quiet_from) or rng.random() > REPLY_RATE:
                yield prompt, None
                continue
            mood = max(1, min(5, mood + rng.choice((-1, 0, 0, 0, 1))))
            if rng.random() < 0.4:
                obstacle = rng.choice(texts["obstacles"] + texts["nothing"] * 2)
            answers: dict[str, AnswerValue] = {
                "working_well": rng.choice(texts["working_well"]), "obstacles": obstacle,
                "mood": mood,
                "progress": rng.choice(texts["progress"]) if rng.random() < .6 else ""}
            at = sent + timedelta(minutes=rng.randint(20, 600))
            yield prompt, _record(team, person.email, prompt, at, person.language, answers)
        if monday.day <= 7:  # the first Monday: the monthly review
            sent = datetime(monday.year, monday.month, monday.day, 10, tzinfo=TZ)
            prompt = _prompt(team, person.email, "review", monday.strftime("%Y-%m"), sent)
            answered = rng.random() < 0.8
            yield prompt, _record(team, person.email, prompt, sent + timedelta(hours=5),
                                  person.language, {"happened": rng.choice(texts["happened"]),
                                                    "next_month": rng.choice(texts["next_month"])}
                                  ) if answered else None


def _team_extras(team: Team, mondays: list[date],
                 rng: random.Random) -> Iterator[tuple[Prompt, Record | None]]:
    """The manager's monthly reflection and the quarterly anonymous feedback."""
    for monday in mondays:
        if monday.day > 7:
            continue
        sent = datetime(monday.year, monday.month, monday.day, 14, tzinfo=TZ) + timedelta(days=4)
        prompt = _prompt(team, team.manager.email, "reflection", monday.strftime("%Y-%m"), sent)
        yield prompt, _record(team, team.manager.email, prompt, sent + timedelta(hours=2), "sv",
                              {"strengthen": "Ge återkoppling samma dag",
                               "involve": "Be om idéer på tisdagsmötet"})
        if monday.month % 3 == 0:
            quarter = f"{monday.year}-Q{monday.month // 3}"
            tuesday = (datetime(monday.year, monday.month, monday.day, 13, tzinfo=TZ)
                       + timedelta(days=1))
            for person in team.members:
                prompt = _prompt(team, person.email, "feedback", quarter, tuesday)
                record = None
                if rng.random() < 0.7:
                    texts = TEXTS[person.language]
                    answered = tuesday + timedelta(hours=rng.randint(1, 48))
                    record = _record(team, None, prompt, answered,
                                     person.language, {"works": rng.choice(texts["works"]),
                                                       "better": rng.choice(texts["better"]),
                                                       "support": rng.randint(2, 5)})
                yield prompt, record


def write_team(job: tuple[str, int, int]) -> tuple[int, list[Prompt]]:
    """Write one team's records (in a worker process); return its ledger rows."""
    data_dir, number, weeks = job
    team = make_team(number)
    start, _ = week_bounds(WEEK, TZ)
    mondays = [start.date() - timedelta(weeks=w) for w in range(weeks - 1, -1, -1)]
    rng = random.Random(f"records-{number}")
    store = RecordStore(Path(data_dir))
    prompts, written = [], 0
    items = [pair for i, p in enumerate(team.members)
             for pair in _person_year(team, p, i, mondays, rng)]
    for prompt, record in [*items, *_team_extras(team, mondays, rng)]:
        prompts.append(prompt)
        if record is not None and record.received_at < NOW:
            store.write(record)
            written += 1
    return written, prompts


def generate(data_dir: Path, numbers: range, weeks: int, pool: multiprocessing.pool.Pool) -> int:
    ledger = Ledger.in_dir(data_dir)
    total = 0
    jobs = [(str(data_dir), n, weeks) for n in numbers]
    for written, prompts in pool.imap_unordered(write_team, jobs, chunksize=2):
        total += written
        ledger.ensure(prompts)
    # ensure() records a new row's state but not when it was sent: one UPDATE for them all.
    with sqlite3.connect(ledger.path) as db:
        db.execute("UPDATE prompts SET sent_at = due_at WHERE state = 'sent' AND sent_at IS NULL")
    return total


# --------------------------------------------------------------------------- measuring


def context(data_dir: Path, teams: list[Team]) -> Context:
    config = sample_config(data_dir, teams=teams)
    return Context(config, build_environment(config), Ledger.in_dir(data_dir),
                   RecordStore(data_dir), load_default_questions(), None)


def one_team(ctx: Context, team: Team, runs: int = 5) -> tuple[float, float, float]:
    """(first run, median of the following runs, median CPU time of those) of one team's
    digest, in seconds. The CPU time is what the digest itself costs: on a shared machine the
    wall-clock figure also holds the time other processes had the cores."""
    times, cpu = [], []
    for _ in range(runs + 1):
        started, started_cpu = time.perf_counter(), time.process_time()
        render_digest(ctx, team, WEEK, now=NOW)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return times[0], statistics.median(times[1:]), statistics.median(cpu[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2/5/10 teams, a smoke run")
    parser.add_argument("--keep", action="store_true", help="keep the data_dir")
    args = parser.parse_args(argv)
    small, medium, large = (2, 5, 10) if args.quick else (10, 100, 1000)
    year, short = (52, 5)
    root = Path(tempfile.mkdtemp(prefix="bench-digest-"))
    data_dir = root / "data"
    rows: list[tuple[str, str]] = []
    teams = [make_team(n) for n in range(large)]
    print(f"bench/digest: data_dir {data_dir}, week {WEEK}, {PEOPLE} people per team", flush=True)
    try:
        with multiprocessing.Pool(max(1, multiprocessing.cpu_count())) as pool:
            records = 0
            for label, numbers, weeks in ((f"{small} teams x {year} weeks", range(small), year),
                                          (f"{medium} teams x {year} weeks", range(small, medium),
                                           year),
                                          (f"{large} teams ({large - medium} x {short} weeks)",
                                           range(medium, large), short)):
                started = time.perf_counter()
                records += generate(data_dir, numbers, weeks, pool)
                took = time.perf_counter() - started
                print(f"  generated {label}: {records:,} records in total ({took:.0f} s)",
                      flush=True)
                ctx = context(data_dir, teams[: numbers.stop])
                first, median, cpu = one_team(ctx, teams[0])
                rows.append((f"one team's digest, {label}, {records:,} records",
                             f"{median:.3f} s, CPU {cpu:.3f} s (first run {first:.3f} s)"))
                print(f"    one team: {median:.3f} s (CPU {cpu:.3f} s)", flush=True)
                if numbers.stop == medium:
                    rows += all_teams(ctx, teams[:medium])
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append(("peak RSS of the whole run (main process)", f"{peak:.0f} MB"))
        print("\nresults (targets: one team < 0.3 s, all 100 < 20 s, peak < 300 MB)")
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            print(f"  {name:<{width}}  {value}")
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


def all_teams(ctx: Context, teams: list[Team]) -> list[tuple[str, str]]:
    """Every team's digest, timed; then the peak Python memory of one more pass (tracemalloc
    slows code down, so it is not on during the timed pass)."""
    started = time.perf_counter()
    for team in teams:
        render_digest(ctx, team, WEEK, now=NOW)
    took = time.perf_counter() - started
    print(f"    all {len(teams)}: {took:.1f} s", flush=True)
    tracemalloc.start()
    for team in teams:
        render_digest(ctx, team, WEEK, now=NOW)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [(f"all {len(teams)} digests", f"{took:.1f} s ({took / len(teams):.3f} s per team)"),
            (f"peak Python memory while building all {len(teams)}",
             f"{peak / 2**20:.1f} MB (tracemalloc); process peak RSS so far {rss:.0f} MB")]

if __name__ == "__main__":
    sys.exit(main())
