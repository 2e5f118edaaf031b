"""Hand-made weeks of a team, for ``mailer check``, previews and tests of the digest and brief.

Pure: fixed dates, no clock. :func:`sample_inputs` gives nine weeks of check-ins, two review
rounds, a reflection, a feedback round, pauses and a bounce, arranged so that every section and
every kind of "needs attention" line of the digest has something to show. Members beyond the
team's own are sample people, so a one-person team still fills every section.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mailer.digest.brief import Brief, build_brief, meeting_time
from mailer.digest.build import build_digest
from mailer.digest.model import Digest, week_bounds
from mailer.kinds import PromptKind
from mailer.models import (
    AddressFailure,
    AnswerValue,
    Language,
    Pause,
    Person,
    Prompt,
    Record,
    Slot,
    Team,
)

SAMPLE_WEEK = "2026-W49"  # Monday 30 November to Sunday 6 December 2026
_TZ = ZoneInfo("Europe/Stockholm")
SAMPLE_NOW = datetime(2026, 12, 7, 8, 0, tzinfo=_TZ)

# persona -> (working well, obstacles, progress) per language; the obstacles of personas 0, 2
# and 3 are chosen to trigger "same obstacle again" and the "priorities" theme.
_TEXTS: dict[str, dict[int, tuple[str, str, str]]] = {
    "en": {
        0: ("Pairing with Ben on the importer", "Still waiting for access to the staging "
            "environment", "Migrated two of the five services"),
        1: ("Quiet week, good focus", "Nothing special", "Drafted the on-call guide"),
        2: ("Fast reviews from the team", "Unclear priorities between billing and onboarding",
            "Billing export works end to end"),
        3: ("The new release checklist", "Priorities keep changing from week to week",
            "Closed the three oldest support tickets"),
        4: ("Good handover from support", "None", "Wrote the test plan"),
    },
    "sv": {
        0: ("Parprogrammering med Ben på importen", "Väntar fortfarande på åtkomst till "
            "testmiljön", "Flyttat två av fem tjänster"),
        1: ("Lugn vecka, bra fokus", "Inget särskilt", "Skissat på jourguiden"),
        2: ("Snabba granskningar från teamet", "Oklara prioriteringar mellan fakturering och "
            "introduktion", "Faktureringsexporten fungerar hela vägen"),
        3: ("Den nya checklistan för releaser", "Prioriteringarna ändras från vecka till vecka",
            "Stängt de tre äldsta supportärendena"),
        4: ("Bra överlämning från supporten", "Inga", "Skrivit testplanen"),
    },
}
_NOTHING = {"en": "Nothing", "sv": "Inget"}
_EXTRA = (("Sara Nyberg", "sara@sample.invalid"), ("Omar Haddad", "omar@sample.invalid"),
          ("Mia Larsson", "mia@sample.invalid"), ("David Ek", "david@sample.invalid"),
          ("Eva Lind", "eva@sample.invalid"))


def _id(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def sample_team_for(team: Team, minimum: int = 5) -> Team:
    """The team with sample people added until it has ``minimum`` members."""
    members = list(team.members)
    for name, email in _EXTRA:
        if len(members) >= minimum:
            break
        if team.member(email) is None:
            members.append(Person(name, email, team.manager.timezone, team.manager.language))
    return dataclasses.replace(team, members=tuple(members))


def _prompt(team: Team, person: Person, kind: PromptKind, period: str, at: datetime) -> Prompt:
    key = _id(team.id, person.email, kind, period)
    return Prompt(Slot(team.id, person.email, kind, period), f"<{key}@sample.invalid>", key[:20],
                  "sent", at, person.language, sent_at=at)


def _reply(team: Team, person: Person | None, prompt: Prompt, at: datetime,
           answers: dict[str, AnswerValue]) -> Record:
    text = "\n".join(f"{n}. {v}" for n, v in enumerate(answers.values(), start=1))
    return Record(_id(prompt.message_id, at), team.id, person.email if person else None,
                  prompt.slot.kind, prompt.slot.period, prompt.message_id,
                  f"<{_id('reply', prompt.message_id, at)}@example.com>", at, "in_reply_to",
                  prompt.language, answers, text)


def _checkins(team: Team, person: Person, index: int,
              mondays: list[date]) -> tuple[list[Prompt], list[Record]]:
    persona = index if index < 5 else 4
    well, obstacle, progress = _TEXTS[person.language][persona]
    prompts, records = [], []
    for week, monday in enumerate(mondays):
        at = datetime.combine(monday, time(9), person.timezone)
        prompt = _prompt(team, person, "checkin", monday.isoformat(), at)
        prompts.append(prompt)
        last = week == len(mondays) - 1
        if persona == 1 and week >= len(mondays) - 3:
            continue  # gone quiet: the last three check-ins unanswered
        mood = 2 if persona == 0 and last else 3 + (week + persona) % 2
        # persona 0 raises the same obstacle three times in a row; 2 and 3 only this week
        recent = week >= len(mondays) - (3 if persona == 0 else 1)
        answers: dict[str, AnswerValue] = {
            "working_well": well,
            "obstacles": (obstacle if recent or persona not in (0, 2, 3)
                          else _NOTHING[person.language]),
            "mood": mood,
            "progress": progress if last or persona == 2 else "",
        }
        records.append(_reply(team, person, prompt, at + timedelta(hours=3), answers))
    return prompts, records


def _reviews(team: Team, people: tuple[Person, ...]) -> tuple[list[Prompt], list[Record]]:
    en = team.manager.language == "en"
    plans = {"2026-10": ("Ship the billing export", "Did most of it"),
             "2026-11": ("Hand over the on-call rota", "The export shipped on time")} if en else {
             "2026-10": ("Leverera faktureringsexporten", "Gjorde det mesta"),
             "2026-11": ("Lämna över jourschemat", "Exporten kom ut i tid")}
    prompts, records = [], []
    for month, (commitment, happened) in plans.items():
        at = datetime(2026, int(month[5:]), 2, 10, tzinfo=_TZ)
        for index, person in enumerate(people[:4]):
            prompt = _prompt(team, person, "review", month, at)
            prompts.append(prompt)
            if index in (0, 2):
                records.append(_reply(team, person, prompt, at + timedelta(hours=5),
                                      {"happened": happened, "next_month": commitment}))
    return prompts, records


def _manager_and_feedback(team: Team) -> tuple[list[Prompt], list[Record]]:
    en = team.manager.language == "en"
    reflection = _prompt(team, team.manager, "reflection", "2026-11",
                         datetime(2026, 11, 27, 14, tzinfo=_TZ))
    own: dict[str, AnswerValue] = {
        "strengthen": "Give feedback the same day" if en else "Ge återkoppling samma dag",
        "involve": "Ask for ideas in Monday's meeting" if en else "Be om idéer på måndagsmötet"}
    prompts = [reflection]
    records = [_reply(team, team.manager, reflection, datetime(2026, 11, 27, 16, tzinfo=_TZ), own)]
    comments = (("Clear goals", "More one-to-ones", 4), ("Quick answers", "Shorter meetings", 5),
                ("Trust", "Share decisions in writing", 3)) if en else (
                ("Tydliga mål", "Fler enskilda samtal", 4), ("Snabba svar", "Kortare möten", 5),
                ("Förtroende", "Dela beslut skriftligt", 3))
    for index, person in enumerate(team.members[:4]):
        prompt = _prompt(team, person, "feedback", "2026-Q4", datetime(2026, 12, 1, 13, tzinfo=_TZ))
        prompts.append(prompt)
        if index < len(comments):
            works, better, support = comments[index]
            record = _reply(team, None, prompt, datetime(2026, 12, 1 + index, 17, tzinfo=_TZ),
                            {"works": works, "better": better, "support": support})
            records.append(dataclasses.replace(record, prompt_message_id=None))
    return prompts, records


def sample_inputs(team: Team) -> tuple[Team, list[Record], list[Prompt], list[Pause],
                                       list[AddressFailure]]:
    """A filled team, its records and ledger rows up to :data:`SAMPLE_NOW`."""
    team = sample_team_for(team)
    start, _ = week_bounds(SAMPLE_WEEK, _TZ)
    mondays = [start.date() - timedelta(weeks=w) for w in range(8, -1, -1)]
    prompts: list[Prompt] = []
    records: list[Record] = []
    for index, person in enumerate(team.members):
        found = _checkins(team, person, index, mondays)
        prompts += found[0]
        records += found[1]
    for part in (_reviews(team, team.members), _manager_and_feedback(team)):
        prompts += part[0]
        records += part[1]
    created = datetime(2026, 12, 2, 8, tzinfo=_TZ)
    pauses = [Pause(team.id, team.members[3].email, date(2026, 12, 3), date(2026, 12, 11),
                    "out_of_office", created)]
    failures = [AddressFailure(team.members[4].email, created, "550 5.1.1 mailbox unavailable", 2)]
    return team, records, prompts, pauses, failures


def sample_digest(team: Team) -> Digest:
    filled, records, prompts, pauses, failures = sample_inputs(team)
    return build_digest(filled, records, prompts, pauses, failures, week=SAMPLE_WEEK,
                        now=SAMPLE_NOW)


def sample_brief(team: Team, language: Language) -> Brief:
    filled, records, prompts, pauses, _ = sample_inputs(team)
    meeting = meeting_time(filled, date(2026, 12, 7))
    return build_brief(filled, records, prompts, pauses, meeting_at=meeting,
                       now=meeting - timedelta(minutes=30), language=language)
