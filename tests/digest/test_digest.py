"""The weekly digest's rules, on hand-made records: every rule, its thresholds, anonymity."""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailer.digest import similarity
from mailer.digest.build import build_digest, read_window
from mailer.digest.model import Digest, Goal, last_complete_week, week_bounds, week_monday
from mailer.digest.sections import sparkline
from mailer.kinds import PromptKind
from mailer.models import (
    AddressFailure,
    AnswerValue,
    FeedbackSchedule,
    MeetingSchedule,
    MonthlyRule,
    Pause,
    Period,
    Person,
    Prompt,
    Record,
    Slot,
    Team,
)

TZ = ZoneInfo("Europe/Stockholm")
WEEK = "2026-W48"  # Monday 23 to Sunday 29 November 2026
MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=TZ)

MANAGER = Person("Maria Lind", "maria@example.se", TZ, "sv")
ANNA = Person("Anna Berg", "anna@example.com", TZ, "en", aliases=("anna.berg@example.com",))
ERIK = Person("Erik Holm", "erik@example.se", TZ, "sv")
LENA = Person("Lena Ek", "lena@example.se", TZ, "sv")
TEAM = Team("core", "Core", MANAGER, (ANNA, ERIK, LENA),
            meeting=MeetingSchedule(day=1, time=time(10)))


def at(weeks: int = 0, day: int = 0, hour: int = 9) -> datetime:
    """A time in the digest's week (weeks=0) or ``weeks`` before/after it."""
    return datetime.combine(MONDAY + timedelta(weeks=weeks, days=day), time(hour), TZ)


def _id(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def prompt(who: Person, when: datetime, kind: PromptKind = "checkin", period: str | None = None,
           state: str = "sent") -> Prompt:
    period = period or when.date().isoformat()
    key = _id(who.email, kind, period)
    return Prompt(Slot("core", who.email, kind, period), f"<{key}@mailer>", key[:16], state,  # type: ignore[arg-type]
                  when, who.language, sent_at=when if state == "sent" else None)


def record(who: Person | None, when: datetime, kind: PromptKind = "checkin", *,
           slot: str | None = None, pmid: str | None = None, text: str = "",
           **answers: AnswerValue) -> Record:
    return Record(_id(who and who.email, when, kind, answers), "core", who.email if who else None,
                  kind, slot or when.date().isoformat(), pmid, f"<{_id(when, answers)}@x>", when,
                  "in_reply_to", "en", answers, text or "\n".join(map(str, answers.values())))


def answer(p: Prompt, when: datetime, **answers: AnswerValue) -> Record:
    who = TEAM.member(p.slot.email) or MANAGER
    return record(who, when, p.slot.kind, slot=p.slot.period, pmid=p.message_id, **answers)


def build(records: Sequence[Record] = (), prompts: Sequence[Prompt] = (),
          pauses: Sequence[Pause] = (), failures: Sequence[AddressFailure] = (), *,
          team: Team = TEAM, now: datetime = NOW, week: str = WEEK, **kw: int) -> Digest:
    return build_digest(team, records, prompts, pauses, failures, week=week, now=now, **kw)


def kinds(digest: Digest, name: str | None = None) -> list[str]:
    return [a.kind for a in digest.attention if name is None or a.name == name]


def steady(who: Person, score: int, weeks: range = range(-4, 0)) -> list[Record]:
    return [record(who, at(w), mood=score, obstacles="Nothing") for w in weeks]


# --------------------------------------------------------------------------- needs attention


@pytest.mark.parametrize(("score", "flagged"), [(1, True), (2, True), (3, False)])
def test_a_score_of_one_or_two_needs_attention(score, flagged):
    digest = build([record(ANNA, at(0, 1), mood=score, obstacles="Too many meetings")])
    assert (kinds(digest) == ["low_mood"]) is flagged
    if flagged:
        item = digest.attention[0]
        assert (item.name, item.score, item.since) == ("Anna", score, date(2026, 11, 24))
        assert item.evidence is not None and item.evidence.text == "Too many meetings"


def test_low_mood_since_the_first_of_a_run_of_low_scores():
    records = [record(ANNA, at(-3), mood=4), record(ANNA, at(-2), mood=2),
               record(ANNA, at(-1), mood=1), record(ANNA, at(0), mood=2)]
    item = build(records).attention[0]
    assert item.kind == "low_mood" and item.since == date(2026, 11, 9)
    assert item.evidence is None  # no text answer to quote


def test_a_low_score_only_in_an_earlier_week_is_not_this_weeks_news():
    assert build([record(ANNA, at(-1), mood=1), record(ANNA, at(0), mood=4)]).attention == ()


@pytest.mark.parametrize(("before", "now", "flagged"), [
    ((5, 4, 5, 4), 3, True),  # average 4.5, drop 1.5: the threshold
    ((5, 4, 4, 4), 3, False),  # average 4.25, drop 1.25
    ((5,), 3, False),  # one earlier score is no baseline
])
def test_a_drop_against_the_persons_own_four_week_average(before, now, flagged):
    records = [record(ANNA, at(-1 - i), mood=s) for i, s in enumerate(before)]
    digest = build([*records, record(ANNA, at(0, 2), mood=now)])
    assert (kinds(digest) == ["mood_drop"]) is flagged
    if flagged:
        assert digest.attention[0].average == 4.5 and digest.attention[0].score == 3


def test_scores_older_than_four_weeks_are_not_in_the_baseline():
    records = [record(ANNA, at(-6), mood=5), record(ANNA, at(-5), mood=5),
               record(ANNA, at(-2), mood=3), record(ANNA, at(-1), mood=3),
               record(ANNA, at(0), mood=3)]
    assert build(records).attention == ()


def test_a_low_score_after_a_drop_is_one_line_with_the_average():
    records = [*steady(ANNA, 4), record(ANNA, at(0), mood=2)]
    (item,) = build(records).attention
    assert (item.kind, item.score, item.average) == ("low_mood", 2, 4.0)


def test_the_same_obstacle_in_consecutive_checkins():
    records = [record(ERIK, at(-3), obstacles="Inga hinder"),
               record(ERIK, at(-2), obstacles="Väntar på åtkomst till testmiljön"),
               record(ERIK, at(-1), obstacles="Väntar fortfarande på åtkomst till testmiljön"),
               record(ERIK, at(0), obstacles="Ingen åtkomst till testmiljön än, väntar")]
    (item,) = build(records).attention
    assert (item.kind, item.name, item.count, item.since) == (
        "repeated_obstacle", "Erik", 3, date(2026, 11, 9))
    assert item.evidence is not None and item.evidence.text.startswith("Ingen åtkomst")


@pytest.mark.parametrize("earlier", ["Too many meetings this week", "Nothing", ""])
def test_different_or_empty_obstacles_are_not_repeated(earlier):
    records = [record(ANNA, at(-1), obstacles=earlier),
               record(ANNA, at(0), obstacles="Waiting for the staging server access")]
    assert build(records).attention == ()


def test_nothing_twice_is_not_a_repeated_obstacle():
    records = [record(ANNA, at(-1), obstacles="None"), record(ANNA, at(0), obstacles="none!")]
    assert build(records).attention == ()


def test_a_repeat_only_counts_when_the_latest_checkin_is_this_week():
    records = [record(ANNA, at(-2), obstacles="Unclear priorities"),
               record(ANNA, at(-1), obstacles="Priorities still unclear")]
    assert build(records).attention == ()


def three_unanswered(who: Person = ERIK, answered: int = 0) -> tuple[list[Prompt], list[Record]]:
    prompts = [prompt(who, at(w)) for w in (-3, -2, -1, 0)]
    replies = [answer(p, p.due_at + timedelta(hours=2), mood=4) for p in prompts[:1 + answered]]
    return prompts, replies


def test_no_reply_to_the_last_three_prompts_is_gone_quiet():
    prompts, replies = three_unanswered()
    (item,) = build(replies, prompts).attention
    assert (item.kind, item.name, item.count) == ("quiet", "Erik", 3)
    assert item.since == date(2026, 11, 9) and item.last_reply == date(2026, 11, 2)


def test_two_unanswered_prompts_are_not_yet_quiet():
    prompts, replies = three_unanswered(answered=1)
    assert build(replies, prompts).attention == ()


def test_a_reply_matched_by_slot_instead_of_message_id_counts():
    prompts, replies = three_unanswered()
    late = record(ERIK, at(0, 3), slot=prompts[-1].slot.period, mood=4)
    assert kinds(build([*replies, late], prompts)) == []


def test_only_the_newest_unanswered_prompt_may_be_less_than_a_day_old():
    # A Friday digest sees Friday's check-in: two misses before it and this one make three.
    prompts = [prompt(ERIK, at(w)) for w in (-2, -1)] + [prompt(ERIK, at(0, 6, 20))]
    assert kinds(build([], prompts)) == ["never"]
    recent = [prompt(ERIK, at(-1)), prompt(ERIK, at(0, 6, 12)), prompt(ERIK, at(0, 6, 20))]
    assert build([], recent).attention == ()


def test_someone_who_never_answered_needs_attention_with_the_days_asked():
    prompts = [prompt(ERIK, at(0, d)) for d in (0, 2, 4)]
    (item,) = build([], prompts).attention
    assert (item.kind, item.name, item.count, item.last_reply) == ("never", "Erik", 3, None)
    assert item.unanswered == (date(2026, 11, 23), date(2026, 11, 25), date(2026, 11, 27))
    digest = build([], prompts)
    assert rules(digest) == ["never", "low_reply_rate"]
    step = digest.next_steps[0]
    assert (step.rule, step.emails, step.language, step.dates) == (
        "never", (ERIK.email,), "sv", item.unanswered)


def test_skipped_and_unsent_prompts_do_not_count():
    prompts = [prompt(ERIK, at(w), state="skipped") for w in (-2, -1, 0)]
    assert build([], prompts).attention == ()


def test_a_bounce_is_shown_and_explains_the_silence():
    prompts, replies = three_unanswered()
    failure = AddressFailure("erik@example.se", at(-1), "550 5.1.1 <erik@example.se>: no such "
                             "user, forwarded to <boss@elsewhere.example>", 2)
    (item,) = build(replies, prompts, failures=[failure]).attention
    assert (item.kind, item.count, item.since) == ("bounce", 2, date(2026, 11, 16))
    assert "erik@example.se" in item.reason and "boss@elsewhere.example" not in item.reason


def test_bounces_of_addresses_outside_the_team_are_never_shown():
    failure = AddressFailure("someone@else.example", at(-1), "550", 1)
    alias = AddressFailure("anna.berg@example.com", at(-1), "550", 1)
    digest = build(failures=[failure, alias])
    assert [(a.kind, a.name) for a in digest.attention] == [("bounce", "Anna")]


def test_absences_of_the_coming_week_by_reason_and_nobody_on_leave_is_gone_quiet():
    pauses = [Pause("core", ANNA.email, date(2026, 11, 26), date(2026, 12, 4), "out_of_office", at()),
              Pause("core", LENA.email, date(2026, 12, 3), date(2026, 12, 10), "command", at()),
              Pause("core", ERIK.email, date(2026, 11, 1), date(2026, 11, 20), "command", at())]
    prompts, _ = three_unanswered(ANNA)
    digest = build([], prompts, pauses)
    assert digest.attention == ()  # Anna is away: her silence is expected
    assert [(a.name, a.reason, a.start, a.end) for a in digest.absences] == [
        ("Anna", "out_of_office", date(2026, 11, 26), date(2026, 12, 4)),
        ("Lena", "command", date(2026, 12, 3), date(2026, 12, 10))]


def test_configured_leave_and_public_holidays_of_the_coming_week():
    erik = dataclasses.replace(ERIK, away=(Period(date(2026, 12, 21), date(2026, 12, 31)),))
    team = dataclasses.replace(TEAM, members=(ANNA, erik, LENA))
    prompts, replies = three_unanswered(erik)
    now = datetime(2026, 12, 18, 15, tzinfo=TZ)  # the Friday digest of week 51
    digest = build(replies, prompts, team=team, week="2026-W51", now=now)
    assert [(a.name, a.reason, a.start, a.end) for a in digest.absences] == [
        ("Erik", "away", date(2026, 12, 21), date(2026, 12, 31))]
    # Sweden's Christmas, for the two who are not on leave anyway
    assert [(h.day, h.name, h.names) for h in digest.holidays] == [
        (date(2026, 12, 25), "Juldagen", ("Anna", "Lena"))]


def test_prompts_sent_during_leave_never_make_someone_quiet():
    lena = dataclasses.replace(LENA, away=(Period(date(2026, 11, 9), date(2026, 11, 22)),))
    team = dataclasses.replace(TEAM, members=(ANNA, ERIK, lena))
    prompts = [prompt(lena, at(w)) for w in (-2, -1)] + [prompt(lena, at(0, 1))]
    assert build([], prompts, team=team).attention == ()


def test_a_later_reply_to_the_same_prompt_supersedes_the_earlier_one():
    p = prompt(ANNA, at(0))
    first = answer(p, at(0, 0, 10), mood=1, obstacles="Typo")
    fixed = answer(p, at(0, 0, 11), mood=4, obstacles="Nothing")
    for order in ([first, fixed], [fixed, first]):
        digest = build(order, [p])
        assert digest.attention == ()
        assert digest.pulse.people[0].latest == 4 and digest.pulse.replied == 1


def test_lines_of_one_person_stay_together_most_urgent_person_first():
    prompts, replies = three_unanswered(ERIK)
    records = [*replies, record(ANNA, at(-1), mood=4, obstacles="Unclear priorities"),
               record(ANNA, at(0), mood=2, obstacles="Priorities unclear again")]
    assert [(a.name, a.kind) for a in build(records, prompts).attention] == [
        ("Erik", "quiet"), ("Anna", "low_mood"), ("Anna", "repeated_obstacle")]


def test_a_calm_week_has_no_attention_and_is_not_padded():
    digest = build([record(p, at(0), mood=4, obstacles="None") for p in TEAM.members])
    assert digest.attention == () and digest.next_steps == () and digest.feedback is None


def test_aliases_and_unknown_people():
    records = [record(dataclasses.replace(ANNA, email="anna.berg@example.com"), at(0), mood=2),
               record(Person("X", "stranger@example.com", TZ, "en"), at(0), mood=1)]
    assert [(a.name, a.email) for a in build(records).attention] == [("Anna", ANNA.email)]


def test_nothing_after_the_end_of_the_week_or_now_counts():
    records = [record(ANNA, at(1), mood=1), record(ERIK, at(0, 4), mood=1)]
    assert kinds(build(records)) == ["low_mood"]
    assert kinds(build(records, now=at(0, 2))) == []  # a mid-week digest: Friday not yet


# --------------------------------------------------------------------------- team pulse


def test_reply_rate_this_week_against_the_four_weeks_before():
    prompts = [prompt(p, at(w)) for p in TEAM.members for w in range(-5, 1)]
    replies = [answer(pr, pr.due_at + timedelta(hours=1), mood=4) for pr in prompts
               if pr.slot.email != ERIK.email or pr.due_at < at(-2)]
    pulse = build(replies, prompts).pulse
    assert (pulse.sent, pulse.replied) == (3, 2)
    assert (pulse.sent_before, pulse.replied_before) == (12, 10)  # w-5 is outside the 4 weeks
    assert pulse.rate == pytest.approx(2 / 3) and pulse.rate_before == pytest.approx(10 / 12)


def test_team_average_needs_three_people_in_a_week():
    records = [record(p, at(0), mood=4) for p in (ANNA, ERIK)]
    records += [record(p, at(-1), mood=s) for p, s in ((ANNA, 2), (ERIK, 3), (LENA, 5))]
    pulse = build(records).pulse
    assert pulse.team_average is None and pulse.answers == 2
    assert pulse.team_mood[-2:] == (3.3, None)
    assert pulse.team_sparkline.endswith("▅·")
    assert [line.latest for line in pulse.people] == [4, 4, None]


def test_team_mood_averages_people_not_answers():
    records = [record(ANNA, at(0, d), mood=1) for d in range(3)]
    records += [record(ERIK, at(0), mood=5), record(LENA, at(0), mood=5)]
    assert build(records).pulse.team_average == pytest.approx((1 + 5 + 5) / 3, abs=0.05)


def test_sparkline_uses_a_fixed_scale_and_marks_gaps():
    assert sparkline([1, 2, 3, 4, 5, None]) == "▁▃▅▆█·"
    assert sparkline([]) == ""
    assert build([record(LENA, at(-7), mood=5), record(LENA, at(-8), mood=1)]).pulse.people[
        2].sparkline == "█·······"


# --------------------------------------------------------------------------- per person


def test_per_person_latest_answers_shortened_and_dated():
    long = "The deploy pipeline " + "is slow and flaky " * 20
    records = [record(ANNA, at(-1), working_well="Pairing", obstacles=long, progress="Step one"),
               record(ANNA, at(0), working_well="Reviews are fast", obstacles="", progress="")]
    anna = build(records).people[0]
    assert anna.working_well is not None and anna.working_well.text == "Reviews are fast"
    assert anna.obstacles is not None and anna.obstacles.at == at(-1)
    assert len(anna.obstacles.text) <= 160 and anna.obstacles.text.endswith("…")
    assert anna.progress is not None and anna.progress.text == "Step one"
    assert anna.replied_this_week and anna.last_reply == MONDAY


def test_per_person_goals_pause_and_silence():
    team = dataclasses.replace(TEAM, members=(dataclasses.replace(ANNA, goals=("Ship v2",)),
                                              ERIK, LENA))
    pause = Pause("core", ERIK.email, date(2026, 11, 20), date(2026, 12, 2), "command", at())
    anna, erik, lena = build([record(ERIK, at(-2), mood=3)], pauses=[pause], team=team).people
    assert anna.goals == (Goal("Ship v2", ANNA.language),) and anna.last_reply is None
    assert anna.asked == 0
    assert erik.away_until == date(2026, 12, 2) and not erik.replied_this_week
    assert lena.working_well is None and lena.anchor == "p3"


# --------------------------------------------------------------------------- follow-up


def reviews() -> tuple[list[Prompt], list[Record]]:
    prompts = [prompt(p, datetime(2026, m, 2, 10, tzinfo=TZ), "review", f"2026-{m:02d}")
               for m in (10, 11) for p in TEAM.members]
    oct_anna, oct_erik, _, nov_anna, _, _ = prompts
    records = [answer(oct_anna, oct_anna.due_at + timedelta(hours=2), happened="x",
                      next_month="Ship the export"),
               answer(oct_erik, oct_erik.due_at + timedelta(hours=2), next_month="Write docs"),
               answer(nov_anna, nov_anna.due_at + timedelta(hours=2),
                      happened="The export shipped", next_month="Hand over on-call")]
    return prompts, records


def test_follow_up_pairs_last_months_commitment_with_what_happened():
    prompts, records = reviews()
    fu = build(records, prompts, now=datetime(2026, 11, 30, 8, tzinfo=TZ)).follow_up
    assert (fu.round, fu.previous_round) == ("2026-11", "2026-10")
    anna, erik = fu.people
    assert anna.previous and anna.previous.text == "Ship the export"
    assert anna.outcome and anna.outcome.text == "The export shipped"
    assert anna.committed and anna.committed.text == "Hand over on-call"
    assert erik.previous and erik.previous.text == "Write docs" and erik.committed is None
    assert fu.missing == ("Erik", "Lena")


def test_per_person_commitment_comes_from_the_latest_round():
    prompts, records = reviews()
    people = build(records, prompts).people
    assert people[0].commitment and people[0].commitment.text == "Hand over on-call"
    assert people[1].commitment is None


def test_reviews_asked_long_ago_are_not_chased():
    prompts, records = reviews()
    late = datetime(2026, 12, 14, 8, tzinfo=TZ)
    assert build(records, prompts, week="2026-W50", now=late).follow_up.missing == ()


def test_the_managers_reflection_is_shown_as_own_commitments():
    p = prompt(MANAGER, datetime(2026, 11, 27, 14, tzinfo=TZ), "reflection", "2026-11")
    own = answer(p, p.due_at + timedelta(hours=1), strengthen="Give feedback the same day",
                 involve="Ask in Monday's meeting")
    member = record(ANNA, at(0), "reflection", slot="2026-11", strengthen="Not mine")
    fu = build([own, member], [p]).follow_up
    assert [q.text for q in fu.own] == ["Give feedback the same day", "Ask in Monday's meeting"]
    assert fu.own_round == "2026-11" and not fu.own_missing


def test_an_unanswered_reflection_is_noted():
    p = prompt(MANAGER, datetime(2026, 11, 20, 14, tzinfo=TZ), "reflection", "2026-11")
    digest = build([], [p])
    assert digest.follow_up.own_missing
    assert [s.rule for s in digest.next_steps] == ["own_reflection"]


# --------------------------------------------------------------------------- leadership feedback

FEEDBACK = [("Clear goals", "More one-to-ones", 4), ("Quick answers", "Shorter meetings", 5),
            ("Trust", "Decisions in writing", 3), ("Listens", "Fewer status meetings", 4)]


def feedback_round(n: int, team: Team = TEAM) -> tuple[list[Prompt], list[Record]]:
    sent = datetime(2026, 11, 24, 10, tzinfo=TZ)
    prompts = [prompt(p, sent, "feedback", "2026-Q4") for p in team.members]
    records = [record(None, sent + timedelta(hours=i + 1), "feedback", slot="2026-Q4",
                      works=w, better=b, support=s) for i, (w, b, s) in enumerate(FEEDBACK[:n])]
    return prompts, records


def test_feedback_below_the_threshold_shows_only_the_count():
    prompts, records = feedback_round(2)
    fb = build(records, prompts, min_respondents=3).feedback
    assert fb is not None and not fb.shown
    assert (fb.respondents, fb.asked, fb.min_respondents, fb.comments, fb.scales) == (
        2, 3, 3, (), ())


def test_the_default_threshold_is_five_and_never_below_three():
    prompts, records = feedback_round(4)
    assert build(records, prompts).feedback.min_respondents == 5  # type: ignore[union-attr]
    fb = build(records[:2], prompts, min_respondents=2).feedback
    assert fb is not None and fb.min_respondents == 3 and not fb.shown


def test_a_question_is_shown_only_when_enough_people_answered_it():
    prompts, records = feedback_round(3)
    # The third person answered "works" only: two written answers to "better" would tell
    # their two authors each other's.
    records[2] = dataclasses.replace(records[2], answers={"works": "Trust"})
    fb = build(records, prompts, min_respondents=3).feedback
    assert fb is not None and fb.shown
    assert [q for q, _ in fb.comments] == ["works"] and fb.scales == ()


def test_feedback_at_the_threshold_shows_comments_and_a_distribution():
    prompts, records = feedback_round(3)
    fb = build(records, prompts, min_respondents=3).feedback
    assert fb is not None and fb.shown and fb.respondents == 3
    comments = dict(fb.comments)
    assert sorted(comments["works"]) == ["Clear goals", "Quick answers", "Trust"]
    assert sorted(comments["better"]) == ["Decisions in writing", "More one-to-ones",
                                          "Shorter meetings"]
    assert [(s.question, s.counts, s.answers) for s in fb.scales] == [
        ("support", (0, 0, 1, 1, 1), 3)]


def test_the_threshold_comes_from_the_team_config():
    team = dataclasses.replace(TEAM, feedback=FeedbackSchedule(
        on=MonthlyRule(nth=1, weekday=1), time=time(10), min_respondents=5))
    prompts, records = feedback_round(4, team)
    fb = build(records, prompts, team=team).feedback
    assert fb is not None and not fb.shown and fb.min_respondents == 5
    assert build(records, prompts, team=team, min_respondents=4).feedback.shown  # type: ignore[union-attr]


def test_feedback_order_is_seeded_and_says_nothing_about_arrival():
    prompts, records = feedback_round(4)
    first = build(records, prompts, min_respondents=3).feedback
    for seed in range(5):
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        # the same answers arriving in another order, at other times
        retimed = [dataclasses.replace(r, received_at=r.received_at + timedelta(minutes=7 * i))
                   for i, r in enumerate(shuffled)]
        assert build(retimed, prompts, min_respondents=3).feedback == first
    assert first is not None
    works = dict(first.comments)["works"]
    assert list(works) != [w for w, _, _ in FEEDBACK]  # not the order they came in
    assert works == tuple(_seeded(sorted(w for w, _, _ in FEEDBACK), "core:2026-Q4:works"))


def _seeded(items: list[str], seed: str) -> list[str]:
    random.Random(seed).shuffle(items)
    return items


def test_feedback_never_carries_a_name_or_an_address():
    prompts, records = feedback_round(4)
    fb = build(records, prompts).feedback
    text = repr(fb)
    for person in (*TEAM.members, MANAGER):
        assert person.email not in text and person.first_name not in text


def test_feedback_section_after_a_recent_round_or_while_the_quarter_has_answers():
    # Records carry no time finer than the quarter, so "new this week" cannot be told: the
    # section stays while the quarter has answers.
    prompts, records = feedback_round(3)
    late_week = {"week": "2026-W52", "now": datetime(2026, 12, 28, 8, tzinfo=TZ)}
    assert build([], prompts, **late_week).feedback is None  # type: ignore[arg-type]
    fb = build(records, prompts, **late_week).feedback  # type: ignore[arg-type]
    assert fb is not None and fb.respondents == 3


# --------------------------------------------------------------------------- next steps


def rules(digest: Digest) -> list[str]:
    return [s.rule for s in digest.next_steps]


def test_quiet_person_gets_a_video_call_step():
    prompts, replies = three_unanswered()
    (step,) = build(replies, prompts).next_steps
    assert (step.rule, step.names, step.weeks, step.habit) == ("quiet", ("Erik",), 3, 3)


def test_two_people_with_unclear_priorities_restate_goals_in_the_next_meeting():
    records = [record(ANNA, at(0), obstacles="Unclear priorities between A and B"),
               record(ERIK, at(0, 1), obstacles="Oklart vad som ska prioriteras"),
               record(LENA, at(0), obstacles="The build is slow")]
    (step,) = build(records).next_steps
    assert (step.rule, step.topic, step.names, step.habit) == (
        "theme", "priorities", ("Anna", "Erik"), 4)
    assert step.on == date(2026, 12, 1)  # the Tuesday meeting after the digest


def test_one_person_is_not_a_theme():
    assert build([record(ANNA, at(0), obstacles="Unclear priorities")]).next_steps == ()


@pytest.mark.parametrize(("week", "now", "expected"), [
    ("2026-W50", datetime(2026, 12, 14, 8, tzinfo=TZ), ["no_feedback"]),  # last 4 weeks of Q4
    ("2026-W45", datetime(2026, 11, 9, 8, tzinfo=TZ), []),  # mid-quarter: not yet
])
def test_no_feedback_this_quarter_is_said_near_its_end(week, now, expected):
    prompts, _ = feedback_round(0)
    assert rules(build(prompts=prompts, week=week, now=now)) == expected


def test_a_service_with_no_history_says_so_and_nags_about_nothing():
    digest = build(week="2026-W50", now=datetime(2026, 12, 14, 8, tzinfo=TZ))
    assert not digest.history and digest.next_steps == () and digest.attention == ()
    assert all(p.asked == 0 for p in digest.people)


def test_feedback_below_the_threshold_still_counts_as_feedback():
    prompts, records = feedback_round(1)
    late = datetime(2026, 12, 14, 8, tzinfo=TZ)
    assert "no_feedback" not in rules(build(records, prompts, week="2026-W50", now=late))


def test_low_reply_rate_and_recognition_steps():
    prompts = [prompt(p, at(0)) for p in TEAM.members] + [prompt(ANNA, at(0, 2))]
    records = [answer(prompts[0], at(0, 0, 12), progress="Finished the importer", mood=4)]
    digest = build(records, prompts)
    assert rules(digest) == ["low_reply_rate", "recognise"]
    low, recognise = digest.next_steps
    assert (low.count, low.weeks) == (1, 4) and recognise.names == ("Anna",)


def test_bounce_and_mood_steps_and_the_cap_of_three():
    team = dataclasses.replace(TEAM, members=tuple(
        Person(f"P{i} X", f"p{i}@example.com", TZ, "en") for i in range(6)))
    people = team.members
    records = [record(p, at(0), mood=1, obstacles="Too many meetings and a heavy workload",
                      progress="Shipped the importer") for p in people]
    records += [record(p, at(-1), obstacles="Meetings all day and the workload") for p in people]
    failures = [AddressFailure(people[0].email, at(-1), "550", 1)]
    digest = build(records, failures=failures, team=team)
    assert rules(digest) == ["bounce", "low_mood", "repeated_obstacle"]
    assert digest.next_steps[0].emails == ()  # no mail to an address that bounces
    low = digest.next_steps[1]
    assert low.names == tuple(f"P{i}" for i in range(6))
    assert low.emails == tuple(p.email for p in people) and low.language == "en"


# --------------------------------------------------------------------------- weeks and windows


def test_iso_weeks_in_the_managers_zone_across_dst():
    start, end = week_bounds("2026-W13", TZ)  # summer time starts Sunday 29 March
    assert start == datetime(2026, 3, 23, tzinfo=TZ) and end == datetime(2026, 3, 30, tzinfo=TZ)
    utc = ZoneInfo("UTC")
    assert end.astimezone(utc) - start.astimezone(utc) == timedelta(days=7, hours=-1)
    assert week_monday("2026-W53") == date(2026, 12, 28)
    assert last_complete_week(datetime(2026, 11, 30, 8, tzinfo=TZ), TZ) == "2026-W48"
    assert last_complete_week(datetime(2027, 1, 3, 8, tzinfo=TZ), TZ) == "2026-W52"
    since, until = read_window(WEEK, TZ)
    assert (until - since).days == 9 * 7 + 7


@pytest.mark.parametrize("bad", ["2026-48", "2026-W54", "2025-W53", "week 48", ""])
def test_a_bad_week_is_a_value_error(bad):
    with pytest.raises(ValueError):
        build(week=bad)


# --------------------------------------------------------------------------- similarity


@pytest.mark.parametrize(("a", "b", "same"), [
    ("Waiting for access to the staging server", "Still waiting on staging server access", True),
    ("Väntar på åtkomst till staging-servern", "Fortfarande ingen åtkomst till staging-servern",
     True),
    ("Oklara prioriteringar mellan projekten", "Prioriteringarna är fortfarande oklara", True),
    ("Staging access", "Still waiting for access to staging, a week now and the team is blocked",
     True),
    ("Too many meetings this week", "The meeting with sales took the whole afternoon", False),
    ("The build pipeline is slow", "Customer demo went well", False),
])
def test_similarity_of_obstacles(a, b, same):
    assert similarity.similar(a, b) is same


def test_nothing_answers_and_themes():
    for text in ("Inga hinder just nu", "None!", "Nothing really", "-", "Nej", "no obstacles"):
        assert similarity.is_nothing(text), text
    assert not similarity.is_nothing("Väntar på beslut")
    for text in ("Nothing major, all good.", "Inget som stoppar mig just nu.", "No real blockers.",
                 "Inga direkta hinder.", "Inget särskilt, det rullar på.",
                 "Nothing blocking me right now.", "All good", "Allt bra!"):
        assert similarity.is_nothing(text), text
    # Reassuring words count only beside a "none": these are obstacles.
    for text in ("Inte bra", "Nothing, except the CI is slow", "The build is not going well",
                 "Bra möten men för många"):
        assert not similarity.is_nothing(text), text
    assert similarity.themes("Prioriteringarna ändras hela tiden") == {"priorities"}
    assert similarity.themes("Väntar på behörighet till VPN") == {"waiting", "access"}
    assert similarity.stem("meetings") == similarity.stem("meeting")
    assert similarity.shorten("a " * 100, 20).endswith("…")
