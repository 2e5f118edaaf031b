"""answers: scale values, the four reply shapes, and reply commands (pure)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.config.questions import load_default_questions
from mailer.demo.model import Persona
from mailer.demo.simulate import reply as sim_reply
from mailer.models import Question, RenderedMail
from mailer.outbound.compose import build_message
from mailer.parse.answers import map_answers, parse_scale, read_scale
from mailer.parse.commands import Command, after_command, is_courtesy, parse_command
from mailer.parse.extract import split_reply
from mailer.parse.inline import _QUESTION_START
from mailer.parse.replies import parse_reply

QUESTIONS = load_default_questions()["checkin"]  # working_well, obstacles, mood, progress
TODAY = date(2026, 12, 18)


@dataclass(frozen=True)
class Seg:
    kind: str
    text: str


@pytest.mark.parametrize(
    ("text", "value"),
    [("4", 4), ("4/5", 4), ("4 / 5", 4), ("4 av 5", 4), ("4 of 5", 4), ("4 out of 5", 4),
     ("5!", 5), ("1.", 1), ("4 - lite trött men ok", 4), ("3, busy week", 3), ("fyra", 4),
     ("Four", 4), ("  2  ", 2), ("4, almost 5", 4), ("4, maybe more", 4)],
)
def test_scale_accepts(text: str, value: int) -> None:
    assert parse_scale(text) == (value, None)


@pytest.mark.parametrize(
    "text", ["7", "0", "4/10", "3-4", "3 eller 4", "3 or 4", "3,5", "3.5", "bra", "", "42",
             "4st", "-1", "3, maybe 4", "3, kanske 4", "3 (kanske 4)", "3, possibly 4",
             "tre, kanske fyra"],
)
def test_scale_refuses_without_guessing(text: str) -> None:
    value, problem = parse_scale(text)
    assert value is None and problem


@pytest.mark.parametrize(("text", "kind", "shown", "english"), [
    ("7", "out_of_range", "7", "7 is outside the scale 1-5"),
    ("4/10", "other_scale", '"4/10"', '"4/10" is not on the 1-5 scale'),
    ("3-4", "several", '"3-4"', '"3-4" is more than one number'),
    ("3,5", "not_whole", '"3,5"', '"3,5" is not a whole number 1-5'),
    ("bra", "no_number", '"bra"', 'no number 1-5 found in "bra"'),
    ("4st", "no_number", '"4st"', 'no number 1-5 found in "4st"'),
])
def test_scale_issues_are_data_with_the_english_kept(
        text: str, kind: str, shown: str, english: str) -> None:
    value, issue = read_scale(text)
    assert value is None and issue is not None
    assert (issue.kind, issue.shown, issue.english()) == (kind, shown, english)
    assert parse_scale(text) == (None, english)  # the record's words did not change


@given(st.text(max_size=40))
def test_scale_never_raises_and_stays_in_range(text: str) -> None:
    value, problem = parse_scale(text)
    assert (value is None) != (problem is None)
    assert value is None or 1 <= value <= 5


def test_numbered_top_posted() -> None:
    text = "1. Bra pair-programming med Bo\n2) Väntar på access till prod\nfortfarande\n3: 4\n4. Klar med RFC:n"
    mapped = map_answers(text, [Seg("new", text)], QUESTIONS)
    assert mapped.method == "numbered"
    assert mapped.answers == {
        "working_well": "Bra pair-programming med Bo",
        "obstacles": "Väntar på access till prod\nfortfarande",
        "mood": 4,
        "progress": "Klar med RFC:n",
    }
    assert not mapped.unstructured


def test_labelled_swedish_and_english() -> None:
    text = "Hinder: inget just nu\nEnergi: 4 av 5\nFramsteg: skrev klart testerna"
    assert map_answers(text, [], QUESTIONS).answers == {
        "obstacles": "inget just nu", "mood": 4, "progress": "skrev klart testerna"}
    text = "Working well: the new standups\nEnergy 3/5\nBlockers - CI is slow"
    assert map_answers(text, [], QUESTIONS).answers == {
        "working_well": "the new standups", "mood": 3, "obstacles": "CI is slow"}


def test_scale_out_of_range_is_kept_as_text_with_a_problem() -> None:
    mapped = map_answers("3. 7 av 10\n", [], QUESTIONS)
    assert mapped.answers == {"mood": "7 av 10"}
    assert mapped.problems and "mood" in mapped.problems[0]


def test_inline_answers_under_quoted_questions() -> None:
    segments = [
        Seg("attribution", "Den fre 18 dec. 2026 kl. 09:00 skrev Check-in <checkin@x.se>:"),
        Seg("quote", "> Hej Anna!\n>\n> 1. Vad fungerar bra i samarbetet just\n> nu?"),
        Seg("new", "Code review går snabbt."),
        Seg("quote", "> 2. Vilka hinder stöter du på?"),
        Seg("new", "Inga."),
        Seg("quote", "> 3. Hur är din energi, 1-5?"),
        Seg("new", "4/5"),
        Seg("quote", "> 4. Framsteg mot dina mål, även ett litet steg?\n>\n> Svara på det här mejlet."),
        Seg("signature", "-- \nAnna"),
    ]
    new_text = "Code review går snabbt.\n\nInga.\n\n4/5"
    mapped = map_answers(new_text, segments, QUESTIONS)
    assert mapped.method == "inline"
    assert mapped.answers == {"working_well": "Code review går snabbt.", "obstacles": "Inga.",
                              "mood": 4}


def test_the_last_inline_answer_stops_at_a_closing_remark() -> None:
    segments = [
        Seg("quote", "> 3. How is your energy, 1-5?"),
        Seg("new", "Somewhere between 3 and 4\n\nThanks for asking, by the way."),
        Seg("quote", "> 4. Progress on your goals, even a small step?"),
        Seg("new", "Shipped the importer.\n\nIt took two tries.\n\nPS: I'm off on Friday."),
        Seg("signature", "-- \nAnna"),
    ]
    mapped = map_answers("(the new text)", segments, QUESTIONS)
    assert mapped.answers == {  # only the last answer ends early: a remark on 3 stays with 3
        "mood": 3.5, "progress": "Shipped the importer.\n\nIt took two tries."}


REVIEW = load_default_questions()["review"]  # planned, happened, worked, improve, next_month


@pytest.mark.parametrize("language", ["en", "sv"])
def test_inline_question_inside_a_longer_one_is_not_matched(language: str) -> None:
    # "What worked?" is part of "What worked less well, and what do we do about it?".
    wording = {q.id: q.wording(language) for q in REVIEW}
    head, _, tail = wording["improve"].partition(", ")  # wrapped by the client
    segments = [
        Seg("quote", f"> 3. {wording['worked']}"),
        Seg("new", "Short PRs."),
        Seg("quote", f"> 4. {head},\n> {tail}"),
        Seg("new", "Estimates."),
        Seg("quote", f"> 5. {wording['next_month']}"),
        Seg("new", "Close it out."),
    ]
    mapped = map_answers("Short PRs.\n\nEstimates.\n\nClose it out.", segments, REVIEW)
    assert mapped.answers == {"worked": "Short PRs.", "improve": "Estimates.",
                              "next_month": "Close it out."}


def test_inline_unanswered_question_before_the_answered_one() -> None:
    segments = [Seg("quote", "> 3. What worked?\n>\n> 4. What worked less well, and what do we"
                    " do about it?"), Seg("new", "Estimates.")]
    assert map_answers("Estimates.", segments, REVIEW).answers == {"improve": "Estimates."}


def test_inline_matches_whole_words_and_the_number_breaks_ties() -> None:
    questions = (Question("a", {"en": "Anything else?"}), Question("b", {"en": "Anything else?"}))
    segments = [Seg("quote", "> 2. Anything else?"), Seg("new", "No.")]
    assert map_answers("No.", segments, questions).answers == {"b": "No."}
    segments = [Seg("quote", "> 1) Anything  else ?"), Seg("new", "No.")]
    assert map_answers("No.", segments, questions).answers == {"a": "No."}
    # "somewhat worked" does not contain the question "What worked?".
    segments = [Seg("quote", "> It somewhat worked out"), Seg("new", "Yes.")]
    assert map_answers("Yes.", segments, REVIEW).method == "free_text"


def test_last_numbered_answer_loses_the_sign_off() -> None:
    body = "1. Bra\n2. Inget\n3. 4\n4. Klar med X\n\n/Erik\n\n> 1. Vad fungerar bra?\n"
    parts = split_reply(body, sender_name="Erik Holm")
    mapped = map_answers(parts.new_text, parts.segments, QUESTIONS)
    assert mapped.answers["progress"] == "Klar med X"


def test_labelled_scales_in_words_and_the_end_of_the_last_answer() -> None:
    text = ("Funkar bra: standupen\nEnergi: fyra av fem\nFramsteg: klar med planen\n\n"
            "Hör av dig om du vill prata mer.")
    assert map_answers(text, [], QUESTIONS).answers == {
        "working_well": "standupen", "mood": 4, "progress": "klar med planen"}
    text = "Energy: somewhere between 3 and 4\nProgress: shipped it\n\nPS: back on Monday"
    assert map_answers(text, [], QUESTIONS).answers == {"mood": 3.5, "progress": "shipped it"}
    text = "Energi: en stark trea\nFramsteg: klar\n\nSen tog jag tag i testerna."
    assert map_answers(text, [], QUESTIONS).answers == {
        "mood": 3, "progress": "klar\n\nSen tog jag tag i testerna."}


@pytest.mark.parametrize(
    "text",
    ["Energy-wise a 3.", "Quick update. Energy-wise a 3.\nNothing blocking.",
     "Problem 2 är att vi saknar folk", "Progress-wise fine, energy so-so.",
     "Energimässigt en 4:a."],
)
def test_a_label_needs_a_separator(text: str) -> None:
    mapped = map_answers(text, [Seg("new", text)], QUESTIONS)
    assert mapped.method == "free_text" and mapped.answers == {}


@pytest.mark.parametrize(
    ("text", "answers"),
    [("Energy: 3", {"mood": 3}), ("Energi 4", {"mood": 4}),
     ("Hinder - inget", {"obstacles": "inget"}), ("Hinder – inget", {"obstacles": "inget"}),
     ("**Hinder:** inget", {"obstacles": "inget"}),
     ("Hinder:\nCI är segt", {"obstacles": "CI är segt"}), ("Energy = 4", {"mood": 4})],
)
def test_label_separators(text: str, answers: dict[str, object]) -> None:
    assert map_answers(text, [Seg("new", text)], QUESTIONS).answers == answers


def test_top_posted_prose_is_free_text() -> None:
    text = "Ganska lugn vecka. Inget särskilt att rapportera, energin är ok."
    segments = [Seg("new", text), Seg("quote", "> 1. Vad fungerar bra i samarbetet just nu?")]
    mapped = map_answers(text, segments, QUESTIONS)
    assert mapped.unstructured and mapped.answers == {}


def test_a_sentence_mentioning_a_label_is_not_a_label() -> None:
    assert map_answers("Problem är att vi saknar folk", [], QUESTIONS).answers == {}


def test_numbers_out_of_order_are_not_answers() -> None:
    # A number lower than the one before continues the answer (a list inside an answer).
    mapped = map_answers("3. punkt\n1. punkt", [], QUESTIONS)
    assert mapped.answers == {"mood": "punkt\n1. punkt"} and mapped.problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pause until 2027-01-07", Command("pause", date(2027, 1, 7))),
        ("paus till 7 januari", Command("pause", date(2027, 1, 7))),
        ("Pause 2 weeks.", Command("pause", date(2026, 12, 31))),
        ("paus 2 veckor", Command("pause", date(2026, 12, 31))),
        ("paus 3 dagar", Command("pause", date(2026, 12, 20))),
        ("resume", Command("resume")),
        ("Återuppta", Command("resume")),
        ("skip", Command("skip")),
        ("Hoppa över", Command("skip")),
        ("\n\n  skip!\nBusy week", Command("skip")),
    ],
)
def test_commands(text: str, expected: Command) -> None:
    command = parse_command(text, today=TODAY)
    assert command is not None
    assert (command.action, command.until, command.problem) == (
        expected.action, expected.until, None)


@pytest.mark.parametrize("text", ["Skip the standup, it's useless", "Pausen i mötet var bra",
                                  "1. resume", "", "Återupptar arbetet med X"])
def test_not_commands(text: str) -> None:
    assert parse_command(text, today=TODAY) is None


@pytest.mark.parametrize("text", ["pause", "paus till igår", "pause until 2020-01-01",
                                  "pause 3 hours", "pause 60 months"])
def test_commands_not_understood_say_why(text: str) -> None:
    command = parse_command(text, today=TODAY)
    assert command is not None and command.action == "pause" and command.problem


@pytest.mark.parametrize(("text", "issue", "named"), [
    ("pause", "no_length", None), ("pause until 2020-01-01", "in_the_past", date(2020, 1, 1)),
    ("pause 60 months", "too_long", TODAY + timedelta(days=60 * 30 - 1))])
def test_a_refused_pause_says_why_as_data(text: str, issue: str, named: date | None) -> None:
    command = parse_command(text, today=TODAY)
    assert command is not None and (command.issue, command.named) == (issue, named)
    assert command.until is None and command.problem


@pytest.mark.parametrize("text", [
    "God jul!", "Tack!", "Tack igen!\nHa en bra helg", "God jul och gott nytt år! 🎄", "Mvh",
    "Thanks, and have a nice weekend!", "Happy holidays :)", "Best regards", ""])
def test_courtesies(text: str) -> None:
    assert is_courtesy(text)


@pytest.mark.parametrize("text", [
    "Busy week", "Inga hinder", "3", "Nej", "Tack för frågan, jobbar på X", "God jul! Bra vecka",
    "1. Bra\n2. Inga", "Tack!\nSjuk hela veckan"])
def test_not_courtesies(text: str) -> None:
    assert not is_courtesy(text)


def test_courtesy_check_is_linear() -> None:
    # Matched piece by piece: one regex repetition over the line took seconds at 20 words.
    assert not is_courtesy("tack  " * 5000 + "x") and is_courtesy("god jul och " * 5000)


def test_after_command_takes_the_command_line_out_of_text_and_segments() -> None:
    segments = [Seg("quote", "> 4. Framsteg?"), Seg("new", "\npaus 2 veckor\nKlar"),
                Seg("signature", "/Anna"), Seg("new", "pause 3 days")]
    rest, pieces = after_command("\npaus 2 veckor\nKlar\n\npause 3 days", segments)
    assert rest == "Klar\n\npause 3 days"
    assert [(p.kind, p.text) for p in pieces] == [
        ("quote", "> 4. Framsteg?"), ("new", "Klar"), ("signature", "/Anna"),
        ("new", "pause 3 days")]
    assert after_command("skip\n\nTack!\n", segments) == ("", tuple(segments))
    assert after_command("skip", []) == ("", ())


@given(st.text(max_size=200))
def test_mapping_and_commands_never_raise(text: str) -> None:
    map_answers(text, [Seg("new", text)], QUESTIONS)
    parse_command(text, today=TODAY)
    after_command(text, [Seg("new", text)])


# ------------------------------------------------ round trips through simulated mail clients


def _prompt(who: Persona, kind: str) -> EmailMessage:
    """A prompt of ``kind`` as compose.build_message assembles it."""
    questions = load_default_questions()[kind]
    lines = ["Hej!", "", *(f"{n}. {q.wording(who.language)}" for n, q in enumerate(questions, 1)),
             "", "Tack!", "Maria Lind"]
    return build_message(
        RenderedMail(subject="Avstämning", text="\n".join(lines) + "\n", html="<p>Hej</p>"),
        to=who.email, to_name=who.name, from_name="Team check-in",
        from_address="checkin@example.com", message_id=f"<abcdefgh234567ab.{kind}@example.com>",
        reply_to="checkin+abcdefgh234567ab@example.com", token="abcdefgh234567ab",
        date=datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm")))


@pytest.mark.parametrize("kind", ["checkin", "review", "feedback", "reflection"])
@pytest.mark.parametrize("style", ["inline", "top_numbered", "labelled"])
@pytest.mark.parametrize("client", ["gmail", "iphone", "apple_mail", "thunderbird", "outlook"])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_simulated_replies_map_to_the_meant_answers(
    language: str, client: str, style: str, kind: str
) -> None:
    name, address = {"sv": ("Erik Holm", "erik@example.se"),
                     "en": ("Kenji Sato", "kenji@example.com")}[language]
    who = Persona(name=name, email=address, language=language,  # type: ignore[arg-type]
                  client=client, answers=style, goals=("Halvera byggtiden i CI",))  # type: ignore[arg-type]
    questions = load_default_questions()[kind]
    sent_at = datetime(2026, 11, 30, 10, 12, tzinfo=ZoneInfo("UTC"))
    for seed in range(6):
        sent = sim_reply(_prompt(who, kind), who, week=seed % 3, rng=random.Random(seed),
                         sent_at=sent_at)
        parsed = parse_reply(sent.raw, received_at=sent_at)
        mapped = map_answers(parsed.text, parsed.segments, questions)
        expected = {qid: parse_scale(text)[0] if q.type == "scale" else text
                    for q in questions for qid, text in sent.answers.items() if q.id == qid}
        assert {qid: (v if not isinstance(v, str) else " ".join(v.split()))
                for qid, v in mapped.answers.items()} == expected


# --------------------------------------------------------------------------- Outlook originals

_OUTLOOK_EN = """{top}
________________________________
From: Team check-in <checkin@example.com>
Sent: Monday, November 30, 2026 9:00 AM
To: David Miller <david@example.com>
Subject: Check-in Monday, November 30, 2026 [#p7rt2qz9xk4mwn8v]

Hi David,

A short check-in for Platform team: two minutes, from your phone is fine.
Reply with your answers after the numbers, or write under each question.

1. What is working well in the collaboration right now?
{a1}
2. What obstacles are you running into?
{a2}
3. How is your energy, 1-5?
{a3}
4. Progress on your goals, even a small step?
{a4}
{tail}"""
_GOALS_EN = "\nYour current goals:\n- Ship the billing migration\n- Mentor the new hire\n"
_SIGN_EN = "\nThank you,\nMaria Lind\n"
_FOOTER_EN = ("\n-- \nMaria Lind: best reached Tue-Thu\n"
              "Away for a while? Reply PAUSE until 2026-12-31 and no questions come until then.\n")


def _outlook(top: str = "", a1: str = "", a2: str = "", a3: str = "", a4: str = "",
             tail: str = _GOALS_EN + _SIGN_EN + _FOOTER_EN) -> tuple[str, Any]:
    parts = split_reply(_OUTLOOK_EN.format(top=top, a1=a1, a2=a2, a3=a3, a4=a4, tail=tail),
                        sender_name="David Miller")
    return parts.new_text, parts.segments


def test_answers_typed_under_every_question_of_an_outlook_original() -> None:
    new_text, segments = _outlook(a1="Pairing with Sam.", a2="Waiting for API keys.\nStill.",
                                  a3="4", a4="Half of the migration is done.")
    assert new_text == ""  # what mailer.parse.extract sees is unchanged
    mapped = map_answers(new_text, segments, QUESTIONS)
    assert mapped.method == "inline" and not mapped.problems
    assert mapped.answers == {"working_well": "Pairing with Sam.",
                              "obstacles": "Waiting for API keys.\nStill.", "mood": 4,
                              "progress": "Half of the migration is done."}
    assert mapped.quoted_text.startswith(
        "1. What is working well in the collaboration right now?\nPairing with Sam.\n\n")
    assert mapped.quoted_text.endswith(
        "4. Progress on your goals, even a small step?\nHalf of the migration is done.")


@pytest.mark.parametrize("tail", [_GOALS_EN + _SIGN_EN + _FOOTER_EN, _SIGN_EN + _FOOTER_EN,
                                  _SIGN_EN, _FOOTER_EN, "", "\n"],
                         ids=["goals", "sign-off+footer", "sign-off", "footer", "end", "blank"])
def test_the_last_typed_answer_ends_at_the_prompts_own_text(tail: str) -> None:
    new_text, segments = _outlook(a4="Done with the RFC.\n\nAnd the tests.", tail=tail)
    mapped = map_answers(new_text, segments, QUESTIONS)
    assert mapped.answers == {"progress": "Done with the RFC.\n\nAnd the tests."}


@pytest.mark.parametrize("tail", [_GOALS_EN + _SIGN_EN + _FOOTER_EN, _SIGN_EN, _FOOTER_EN, ""])
@pytest.mark.parametrize("top", ["", "Will answer in the meeting."])
def test_an_untouched_outlook_original_gives_no_answers(top: str, tail: str) -> None:
    new_text, segments = _outlook(top=top, tail=tail)
    mapped = map_answers(new_text, segments, QUESTIONS)
    assert mapped.answers == {} and mapped.quoted_text == ""
    assert mapped.method == ("free_text" if top else "empty")


def test_untouched_swedish_original_keeps_goals_and_sign_off_out() -> None:
    text = ("\n________________________________\nFrån: Team check-in <checkin@example.com>\n"
            "Skickat: den 30 november 2026 09:00\nTill: Anna Berg <anna@example.com>\n"
            "Ämne: Avstämning måndag 30 november 2026 [#p7rt2qz9xk4mwn8v]\n\nHej Anna!\n\n"
            + "\n".join(f"{n}. {q.text['sv']}" for n, q in enumerate(QUESTIONS, 1))
            + "\n\nDina mål just nu:\n- Migrera databasen\n\nTack!\nMaria Lind\n")
    parts = split_reply(text, sender_name="Anna Berg")
    assert map_answers(parts.new_text, parts.segments, QUESTIONS).answers == {}
    mood, progress = QUESTIONS[2].text["sv"], QUESTIONS[3].text["sv"]
    typed = text.replace(f"{mood}\n", f"{mood}\nfyra\n").replace(
        f"{progress}\n", f"{progress}\nInget nytt\n")
    parts = split_reply(typed, sender_name="Anna Berg")
    assert map_answers(parts.new_text, parts.segments, QUESTIONS).answers == {
        "mood": 4, "progress": "Inget nytt"}


def test_a_typed_answer_under_the_last_question_ends_at_the_prompts_footer() -> None:
    """The reflection prompt ends with its questions and the "-- " footer: with the prompt
    known, an untouched original gave "--" as the answer to its last question."""
    from mailer.parse.prompt_text import prompt_text_from_parts

    reflection = load_default_questions()["reflection"]
    asked = "\n".join(f"{n}. {q.text['en']}" for n, q in enumerate(reflection, 1))
    prompt = f"Hi Lena,\n\n{asked}\n\n-- \nGoing away? Reply \"PAUSE until 21 December\".\n"
    said = prompt_text_from_parts(prompt)
    header = ("\n________________________________\nFrom: Team check-in <checkin@example.com>\n"
              "Sent: Monday, December 7, 2026 9:00 AM\nTo: Lena Holm <lena@example.com>\n"
              "Subject: Your leadership reflection\n\n")
    for typed, expected in (("", {}), ("Ask the team first.", {"involve": "Ask the team first."})):
        body = "Pause my reflections until 28 February." + header + prompt.replace(
            f"{reflection[1].text['en']}\n", f"{reflection[1].text['en']}\n{typed}\n")
        parts = split_reply(body, sender_name="Lena Holm", prompt=said)
        assert map_answers("", parts.segments, reflection, prompt=said).answers == expected


def _reflection_reply(answer: str, after: str = "") -> tuple[str, Any]:
    reflection = load_default_questions()["reflection"]
    quote = "\n".join(f"> {n}. {q.text['en']}" for n, q in enumerate(reflection, 1))
    body = (f"On 7 Dec 2026, Team check-in <checkin@example.com> wrote:\n> Hi Lena,\n>\n{quote}"
            f"\n>\n> Going away? Reply PAUSE until 21 December 2026.\n>\n\n{answer}\n{after}")
    parts = split_reply(body, sender_name="Lena Holm")
    return parts.new_text, parts.segments


def test_numbered_answers_below_the_whole_quote_answer_every_question() -> None:
    """HEY and Apple Mail users bottom-post: "1) ...\n2) ..." below a reflection quoted to
    its one-line footer was all the answer to the last question."""
    reflection = load_default_questions()["reflection"]
    new_text, segments = _reflection_reply("1) Say no to the steering group.\n2) Ask them.")
    assert map_answers(new_text, segments, reflection).answers == {
        "strengthen": "Say no to the steering group.", "involve": "Ask them."}
    # a list typed under the last question, with the quote going on below it, stays its own
    typed, pieces = _reflection_reply("1) Show the list\n2) Ask", after="> Thanks,\n> Lena")
    assert map_answers(typed, pieces, reflection).answers == {
        "involve": "1) Show the list\n2) Ask"}


def test_every_templates_closing_ends_a_typed_answer() -> None:
    """The line above the manager's name in each prompt template is a closing the reader
    knows: else, with the prompt unknown, it and the name became the last typed answer (a
    Samsung reply of "fyra" to the feedback request lost its 4 to "Tack för att du tar dig
    tid – ärliga svar hjälper mig mest.\nLena Holm")."""
    from mailer.parse import inline

    templates = Path(__file__).parents[2] / "templates"
    closings = set()
    for template in templates.glob("*/*.txt.j2"):
        lines = [line.strip() for line in template.read_text(encoding="utf-8").splitlines()]
        closings |= {lines[at - 1].lower() for at, line in enumerate(lines)
                     if line == "{{ manager.name }}" and at and lines[at - 1]}
    assert len(closings) >= 4 and closings <= inline._SIGN_OFFS


def test_answers_in_the_new_text_win_and_typed_ones_fill_the_rest() -> None:
    new_text, segments = _outlook(top="2. Nothing blocks me now.", a2="Waiting for keys.",
                                  a3="2")
    assert new_text == "2. Nothing blocks me now."
    mapped = map_answers(new_text, segments, QUESTIONS)
    assert mapped.method == "numbered"
    assert mapped.answers == {"obstacles": "Nothing blocks me now.", "mood": 2}
    assert mapped.quoted_text == "3. How is your energy, 1-5?\n2"  # only what was taken


def test_a_note_above_typed_answers_is_no_free_text() -> None:
    new_text, segments = _outlook(top="See my answers below.", a1="Standups are short now.")
    mapped = map_answers(new_text, segments, QUESTIONS)
    assert (mapped.method, mapped.answers, mapped.problems) == (
        "inline", {"working_well": "Standups are short now."}, ())


def test_typed_answers_with_the_number_in_a_cell_of_its_own() -> None:
    """Outlook's text of the HTML prompt's table: "1." and the question on lines of their own."""
    text = "\n".join(
        ["", "From: Team check-in <checkin@example.com>", "Sent: Monday, November 30, 2026",
         "To: David Miller <david@example.com>", "Subject: Check-in", ""]
        + [f"{n}.\n{q.text['en']}" for n, q in enumerate(QUESTIONS, 1)]
        + ["", "Thank you,", "Maria Lind"])
    mood = QUESTIONS[2].text["en"]
    typed = text.replace(f"{mood}\n", f"{mood}\n5\n")
    parts = split_reply(typed, sender_name="David Miller")
    assert map_answers(parts.new_text, parts.segments, QUESTIONS).answers == {"mood": 5}
    parts = split_reply(text, sender_name="David Miller")
    assert map_answers(parts.new_text, parts.segments, QUESTIONS).answers == {}


def test_only_our_own_numbered_question_lines_count() -> None:
    other = "\n\nFrom: Bo <bo@example.com>\nSent: Monday\nTo: David\nSubject: Notes\n\n"
    wrong_numbers = other + "2. What is working well in the collaboration right now?\nLunch.\n"
    unnumbered = other + "What obstacles are you running into?\nTraffic.\n"
    for text in (wrong_numbers, unnumbered):
        parts = split_reply(text, sender_name="David Miller")
        assert map_answers(parts.new_text, parts.segments, QUESTIONS).answers == {}


def test_a_quoted_original_with_markers_is_left_to_the_inline_rule() -> None:
    segments = [Seg("quote", "> 1. What is working well in the collaboration right now?\n"
                             "not an answer, this is inside a >-quote block\n> 2. x")]
    assert map_answers("", segments, QUESTIONS).answers == {}


def test_outlook_typed_answers_are_kept_in_the_record_text() -> None:
    from tests.inbound.test_inbound import prompt, reply, run

    new_text, segments = _outlook(top="Answers below.", a2="Waiting for keys.", a3="3")
    p = prompt()
    d = run(reply(in_reply_to=(p.message_id,), text=new_text, segments=segments), p)
    assert d.outcome == "record" and d.record.answers == {"obstacles": "Waiting for keys.",
                                                          "mood": 3}
    assert d.record.text == ("Answers below.\n\n2. What obstacles are you running into?\n"
                             "Waiting for keys.\n\n3. How is your energy, 1-5?\n3")
    assert not d.record.unstructured
    empty = run(reply(in_reply_to=(p.message_id,), text="", segments=_outlook()[1]), p)
    assert empty.record.answers == {} and empty.record.text == ""


def test_a_command_on_top_of_outlook_typed_answers_keeps_the_answers() -> None:
    """'pause 2 weeks' above an untouched note, answers typed into the original: the pause
    is carried out and the answers are recorded (never lose an answer)."""
    from tests.inbound.test_inbound import prompt, reply, run

    new_text, segments = _outlook(top="pause 2 weeks", a2="Waiting for keys.", a3="3")
    assert new_text == "pause 2 weeks"
    p = prompt()
    d = run(reply(in_reply_to=(p.message_id,), text=new_text, segments=segments), p)
    assert d.outcome == "record" and d.record is not None
    assert d.record.answers == {"obstacles": "Waiting for keys.", "mood": 3}
    assert d.pauses and d.skip_slot is None  # paused from now on; this slot was answered
    bare = run(reply(in_reply_to=(p.message_id,), text=new_text, segments=_outlook(
        top="pause 2 weeks")[1]), p)
    assert bare.outcome == "command" and bare.record is None and bare.pauses


_LATIN_1 = st.characters(max_codepoint=0xFF)


@given(st.one_of(st.text(_LATIN_1), st.text(st.one_of(_LATIN_1, st.sampled_from("•–—‘’“”…"))),
                 st.text()))
def test_norm_finds_the_words_the_regex_finds(text: str) -> None:
    """joined_words reads Latin-1 text with a byte table, other text with the regex: the
    words must be the regex's either way (lowercased or casefolded, joined by spaces)."""
    from mailer.parse.asked import normalised as _norm
    from mailer.parse.numbered import _norm as numbered_norm

    assert _norm.__wrapped__(text) == " ".join(re.findall(r"\w+", text.lower()))
    assert numbered_norm(text) == " ".join(re.findall(r"\w+", text.casefold()))


def test_norm_punctuation_is_no_word() -> None:
    from mailer.parse.numbered import _PUNCTUATION

    assert not any(re.match(r"\w", mark) for mark in _PUNCTUATION)


@given(st.from_regex(_QUESTION_START))
def test_a_question_line_never_starts_with_a_letter(line: str) -> None:
    """_question_lines matches only lines that do not start with a letter: every line the
    pattern matches gets through that test."""
    assert line and not line[0].isalpha()


@given(st.text(st.one_of(st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
                         st.characters())))
def test_tidy_reads_the_lines_only_of_a_text_that_has_several(text: str) -> None:
    """_tidy returns a printable text stripped without reading its lines: the line by line
    tidying would return the same."""
    from mailer.parse.inline import tidy as _tidy

    stripped = text.strip()
    by_line = "\n".join(line.rstrip() for line in stripped.splitlines())
    expected = re.sub(r"\n{3,}", "\n\n", by_line).strip()
    assert _tidy(text) == expected


@pytest.mark.parametrize("cut", ["[...]", "[…]", "[snip]", "<snip>", "(...)"])
def test_a_mark_of_cut_quoted_text_is_in_no_answer(cut: str) -> None:
    inline = ("> 1. Vad fungerar bra i samarbetet just nu?\nStandupen\n\n"
              "> 4. Framsteg mot dina mål, även ett litet steg?\nKlar med importen\n\n"
              f"> Dina mål just nu:\n{cut}\n")
    numbered_ = f"1. Bra\n{cut}\n2. Inga\n3. 4\n4. Klar\n\n{cut}"
    for text in (inline, numbered_):
        parts = split_reply(text, sender_name=None)
        mapped = map_answers(parts.new_text, parts.segments, QUESTIONS)
        assert all(cut not in str(answer) for answer in mapped.answers.values()), mapped
        assert mapped.answers


@pytest.mark.parametrize(("answer", "value"), [
    ("2.5/5", 2.5), ("4,5", 4.5), ("4,5 av 5", 4.5), ("3\ufe0f\u20e3", 3), ("3,7", "3,7"),
])
def test_halves_and_keycaps_as_scale_answers(answer: str, value: object) -> None:
    text = f"Q1: Bra\nQ2: Inga\nQ3: {answer}\nQ4: Klar"
    parts = split_reply(text, sender_name=None)
    assert map_answers(parts.new_text, parts.segments, QUESTIONS).answers["mood"] == value


@pytest.mark.parametrize(("answer", "value", "problem"), [
    # "almost" a neighbour qualifies the number given; a hedged other number is unclear
    ("Fyra, nästan fem faktiskt!", 4, None), ("4, almost 5", 4, None),
    ("four, nearly five", 4, None),
    ("3, maybe 4", "3, maybe 4", 'mood: "3, maybe 4" is more than one number; kept as text'),
    ("3, kanske 4", "3, kanske 4", 'mood: "3, kanske 4" is more than one number; kept as text'),
    ("tre, kanske fyra", "tre, kanske fyra",
     'mood: no number 1-5 found in "tre, kanske fyra"; kept as text'),
])
def test_a_second_number_qualifies_or_makes_the_answer_unclear(
        answer: str, value: object, problem: str | None) -> None:
    mapped = map_answers(f"1. Bra\n2. Inga\n3. {answer}\n4. Klar", [], QUESTIONS)
    assert mapped.answers["mood"] == value
    assert mapped.problems == ((problem,) if problem else ())


@pytest.mark.parametrize(("text", "expected"), [
    ("3", {"mood": 3}), ("4/5", {"mood": 4}), ("4 av 5", {"mood": 4}), ("fyra", {"mood": 4}),
    ("Tre!", {"mood": 3}), ("  2  ", {"mood": 2}),
    # more than the value, or no clear value: no answer is guessed
    ("3 för mig", {}), ("3, 4", {}), ("7", {}), ("0", {}), ("3\n\nMvh", {}),
])
def test_a_reply_of_a_scale_value_alone_answers_the_scale_question(
        text: str, expected: dict[str, int]) -> None:
    mapped = map_answers(text, [], QUESTIONS)
    assert dict(mapped.answers) == expected
    assert mapped.method == ("scale_alone" if expected else "free_text")


def test_a_lone_value_answers_nothing_when_the_set_has_two_scales() -> None:
    two = [Question("a", {"en": "A?"}, type="scale"), Question("b", {"en": "B?"}, type="scale")]
    assert map_answers("3", [], two).answers == {}
