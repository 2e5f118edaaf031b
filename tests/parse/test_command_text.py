"""Commands as people write them (mailer.parse.commands, command_text, command_time)."""

from __future__ import annotations

import re
from datetime import date
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse import command_words, commands
from mailer.parse.command_text import first_sentence, found_in_any_case, opening, unwrap
from mailer.parse.commands import Command, after_command, parse_command

MONDAY = date(2026, 12, 7)
D = date


@pytest.mark.parametrize(("text", "action", "until", "reason"), [
    ("Skip this week please, I'm at a conference.", "skip", None, "I'm at a conference."),
    ("Pausa två veckor, tack!", "pause", date(2026, 12, 20), None),
    ("Pausa två veckor, tack! Jag är på kurs.", "pause", date(2026, 12, 20), "Jag är på kurs."),
    ("Pause until the 14th, moving house", "pause", date(2026, 12, 14), "moving house"),
    ("Back on Monday, out sick today.", "pause", date(2026, 12, 13), "out sick today."),
    ("Återuppta gärna, jag är tillbaka nu!", "resume", None, "jag är tillbaka nu!"),
    ("Hoppa över den här veckan, jag är sjuk.", "skip", None, "jag är sjuk."),
    ("paus till 7 januari", "pause", date(2027, 1, 7), None),
    ("Paus en vecka tack", "pause", date(2026, 12, 13), None),
])
def test_a_command_at_the_start_of_a_sentence(text: str, action: str, until: date | None,
                                               reason: str | None) -> None:
    command = parse_command(text, today=MONDAY)
    assert command is not None and command.problem is None
    assert (command.action, command.until, command.reason) == (action, until, reason)


def test_a_week_off_starts_later() -> None:
    command = parse_command("Ledig v. 52, hörs efter nyår!", today=MONDAY)
    assert command is not None
    assert (command.start, command.until) == (date(2026, 12, 21), date(2026, 12, 27))


# The general forms: politeness around a verb, an object, a time; in both languages. Each
# row: text, action, first paused day when later than today, last paused day, reason.
@pytest.mark.parametrize(("text", "action", "start", "until", "reason"), [
    # a greeting line or clause is not the start; a thanks above the request neither
    ("Hej Lena!\n\nPausa mig till 4 januari är du snäll, jag är föräldraledig.", "pause",
     None, D(2027, 1, 4), "jag är föräldraledig."),
    ("Hi Lena, please skip me this week, I'm travelling.", "skip", None, None,
     "I'm travelling."),
    ("Hi Lena,\nCould you pause my check-ins until January 4? Parental leave.", "pause", None,
     D(2027, 1, 4), "Parental leave."),
    ("Thanks for the reminder!\nPlease skip me this week.", "skip", None, None, None),
    ("Tack för mejlet! Pausa mig två veckor.", "pause", None, D(2026, 12, 20), None),
    ("Sorry for the late reply! Please skip me this week.", "skip", None, None, None),
    ("Hoppas allt är bra! Kan ni pausa mig två veckor?", "pause", None, D(2026, 12, 20), None),
    ("Sorry, I have to skip this week.", "skip", None, None, None),
    ("Hej Lena, jag är sjuk den här veckan så hoppa gärna över mig.", "skip", None, None,
     "jag är sjuk den här veckan"),
    ("Jag är tillbaka, ni kan starta utskicken igen", "resume", None, None, "Jag är tillbaka"),
    ("Pausa till måndag den 4 januari", "pause", None, D(2027, 1, 4), None),
    ("Could you pause me until the 4th of January?", "pause", None, D(2027, 1, 4), None),
    ("Pausa alla utskick till mig till 4 januari", "pause", None, D(2027, 1, 4), None),
    ("Hoppa över mig till och med fredag", "pause", None, D(2026, 12, 11), None),
    ("Ingen avstämning för mig den här veckan", "skip", None, None, None),
    # asked politely, as a question, or said as a statement with what it is about
    ("Can you skip me this week?", "skip", None, None, None),
    ("Kan du pausa mig i tre veckor?", "pause", None, D(2026, 12, 27), None),
    ("Is it possible to skip me tomorrow?", "pause", D(2026, 12, 8), D(2026, 12, 8), None),
    ("Går det att hoppa över mig imorgon?", "pause", D(2026, 12, 8), D(2026, 12, 8), None),
    ("I'm skipping this one, too busy.", "skip", None, None, "too busy."),
    ("Jag står över den här veckan, sjuk.", "skip", None, None, "sjuk."),
    ("Jag hoppar över den här gången.", "skip", None, None, None),
    ("Let's skip this one", "skip", None, None, None),
    ("Jag står över denna omgång, sitter i workshop hela dagen.", "skip", None, None,
     "sitter i workshop hela dagen."),
    ("Hoppar över den här omgången tack", "skip", None, None, None),
    ("Jag står över den här rundan.", "skip", None, None, None),
    # lengths, last days, ranges, starts
    ("Pause me for the next two weeks, thanks!", "pause", None, D(2026, 12, 20), None),
    ("pause 2w", "pause", None, D(2026, 12, 20), None),
    ("Pausa mina avstämningar till och med 8 januari.", "pause", None, D(2027, 1, 8), None),
    ("Paus t.o.m. 4 jan. Tack!", "pause", None, D(2027, 1, 4), None),
    ("Pause until 7.1. Thanks", "pause", None, D(2027, 1, 7), None),
    ("Pause me until January 7, 2027, moving house.", "pause", None, D(2027, 1, 7),
     "moving house."),
    ("Please pause me from Dec 21 to Jan 3, visiting family.", "pause", D(2026, 12, 21),
     D(2027, 1, 3), "visiting family."),
    ("Pausa från 21/12 till 3/1, tack!", "pause", D(2026, 12, 21), D(2027, 1, 3), None),
    ("Pause Dec 21 - Jan 3, visiting family.", "pause", D(2026, 12, 21), D(2027, 1, 3),
     "visiting family."),
    ("Pausa mig mellan 21 december och 3 januari", "pause", D(2026, 12, 21), D(2027, 1, 3),
     None),
    ("Pausa mig två veckor från och med måndag, ska opereras.", "pause", D(2026, 12, 14),
     D(2026, 12, 27), "ska opereras."),
    ("Pause from Monday for 2 weeks - surgery.", "pause", D(2026, 12, 14), D(2026, 12, 27),
     "surgery."),
    ("Pausa mig fr.o.m. måndag i två veckor.", "pause", D(2026, 12, 14), D(2026, 12, 27), None),
    ("Pausa v. 51-52", "pause", D(2026, 12, 14), D(2026, 12, 27), None),
    ("Pause this week", "pause", None, D(2026, 12, 13), None),
    ("Pausa den 4 januari", "pause", D(2027, 1, 4), D(2027, 1, 4), None),
    ("Put me on hold until the 14th please.", "pause", None, D(2026, 12, 14), None),
    ("Sätt mig på paus två veckor.", "pause", None, D(2026, 12, 20), None),
    ("Please pause me until Jan 4 because I'm on parental leave.", "pause", None,
     D(2027, 1, 4), "because I'm on parental leave."),
    # a skip of a later day or week is a pause of it; so is "no check-in <then>"
    ("Skip next week please", "pause", D(2026, 12, 14), D(2026, 12, 20), None),
    ("Hoppa över mig nästa vecka tack", "pause", D(2026, 12, 14), D(2026, 12, 20), None),
    ("Skippa mig på torsdag", "pause", D(2026, 12, 10), D(2026, 12, 10), None),
    ("Skip week 52 please", "pause", D(2026, 12, 21), D(2026, 12, 27), None),
    ("Skip this week's check-in please", "skip", None, None, None),
    ("Hoppa över nästa veckas avstämning", "pause", D(2026, 12, 14), D(2026, 12, 20), None),
    ("No check-in tomorrow please, I'm on a train.", "pause", D(2026, 12, 8), D(2026, 12, 8),
     "I'm on a train."),
    ("Inga avstämningar nästa vecka tack.", "pause", D(2026, 12, 14), D(2026, 12, 20), None),
    ("Ingen check-in på fredag, är på kurs.", "pause", D(2026, 12, 11), D(2026, 12, 11),
     "är på kurs."),
    # resume, also as the second clause after what it is about
    ("Back from leave, resume please!", "resume", None, None, "Back from leave"),
    ("I'm back, please resume my check-ins.", "resume", None, None, "I'm back"),
    ("Unpause me please", "resume", None, None, None),
    ("Start my check-ins again, I'm back!", "resume", None, None, "I'm back!"),
    ("Turn my check-ins back on please.", "resume", None, None, None),
    ("Återuppta mina avstämningar, tack!", "resume", None, None, None),
    # a request without a time takes the time of an absence next to it
    ("I'm off next week, please skip. Family trip to Lisbon!", "pause", D(2026, 12, 14),
     D(2026, 12, 20), "Family trip to Lisbon!"),
    ("Off to Lisbon next week, please pause me.", "pause", D(2026, 12, 14), D(2026, 12, 20),
     None),
    ("Please skip me, I'm away next week.", "pause", D(2026, 12, 14), D(2026, 12, 20), None),
    ("Pausa mig, jag är ledig till 4 januari.", "pause", None, D(2027, 1, 4), None),
    ("Hej! Jag är föräldraledig från 14 december till 10 januari, pausa mig gärna.", "pause",
     D(2026, 12, 14), D(2027, 1, 10), None),
    ("I'm on vacation Dec 21 - Jan 3, please pause my check-ins.", "pause", D(2026, 12, 21),
     D(2027, 1, 3), None),
    ("I'll be away next week, please skip me", "pause", D(2026, 12, 14), D(2026, 12, 20), None),
    ("Jag är sjuk idag, hoppa över.", "skip", None, None, "Jag är sjuk idag"),
    ("Jag har semester, hoppa över.", "skip", None, None, "Jag har semester"),
    ("Back in the office Jan 11, 2027.", "pause", None, D(2027, 1, 10), None),
    # a word that opens the sentence, an intention without its subject, the end of a month
    ("Nu kan ni starta frågorna igen, jag är tillbaka.", "resume", None, None,
     "jag är tillbaka."),
    ("Then please resume my check-ins.", "resume", None, None, None),
    ("Going to skip this one, drowning in year-end reporting.", "skip", None, None,
     "drowning in year-end reporting."),
    ("Gonna skip this week.", "skip", None, None, None),
    ("Could you switch my check-ins back on? Paternity leave is over.", "resume", None, None,
     "Paternity leave is over."),
    ("Please pause me through the end of January, I'm on sabbatical.", "pause", None,
     D(2027, 1, 31), "I'm on sabbatical."),
    ("Pausa mig till slutet av februari.", "pause", None, D(2027, 2, 28), None),
    # politeness with the -ing form
    ("Would you mind pausing my check-ins for 3 weeks? My parental leave starts today.",
     "pause", None, D(2026, 12, 27), "My parental leave starts today."),
    ("Do you mind skipping me this week?", "skip", None, None, None),
    ("Could you please consider pausing me until January 4?", "pause", None, D(2027, 1, 4),
     None),
    ("Skulle du kunna tänka dig att pausa mig två veckor?", "pause", None, D(2026, 12, 20),
     None),
    # "till och med" is one phrase; a weekday shortened before a date
    ("Pausa mig t.o.m. fre 18/12 är du snäll – kursvecka i Göteborg.", "pause", None,
     D(2026, 12, 18), "kursvecka i Göteborg."),
    ("Pausa mig till och med fre 18/12, kurs.", "pause", None, D(2026, 12, 18), "kurs."),
    ("Please pause me until Fri. 18 Dec.", "pause", None, D(2026, 12, 18), None),
    # a day range sharing one month
    ("Please pause me 14–23 December, I'm moving house.", "pause", D(2026, 12, 14),
     D(2026, 12, 23), "I'm moving house."),
    ("Pause me from 14 to 23 December", "pause", D(2026, 12, 14), D(2026, 12, 23), None),
    ("Pausa mig den 14–23 december.", "pause", D(2026, 12, 14), D(2026, 12, 23), None),
    ("Pause me 14 - 23 dec please", "pause", D(2026, 12, 14), D(2026, 12, 23), None),
    # a start said before (or after) the request belongs to it
    ("Starting Wednesday, please pause me for a week – jury duty.", "pause", D(2026, 12, 9),
     D(2026, 12, 15), "jury duty."),
    ("Från och med onsdag, pausa mig två veckor.", "pause", D(2026, 12, 9), D(2026, 12, 22),
     None),
    ("From Monday, pause me until the 20th.", "pause", D(2026, 12, 14), D(2026, 12, 20), None),
    ("I'm away from Wednesday, please pause me for a week.", "pause", D(2026, 12, 9),
     D(2026, 12, 15), None),
    ("Pause me for a week, starting Wednesday.", "pause", D(2026, 12, 9), D(2026, 12, 15),
     None),
    ("Next week, please skip.", "pause", D(2026, 12, 14), D(2026, 12, 20), None),
    ("From Dec 21 - Jan 3, please pause me.", "pause", D(2026, 12, 21), D(2027, 1, 3), None),
    # "hold off" and "vänta/avvakta med" are a pause; "until after X": X is the last day away
    ("Could you hold off on my check-ins until after the 20th? Exam week for my evening course.",
     "pause", None, D(2026, 12, 20), "Exam week for my evening course."),
    ("Please hold off until after next week.", "pause", None, D(2026, 12, 20), None),
    ("Hold off on the questions till after the 14th, thanks", "pause", None, D(2026, 12, 14),
     None),
    ("Kan ni vänta med mina avstämningar till efter den 20:e? Tentavecka.", "pause", None,
     D(2026, 12, 20), "Tentavecka."),
    ("Avvakta med frågorna tills efter nästa vecka, tack", "pause", None, D(2026, 12, 20), None),
    ("Pausa mig till efter den 14:e.", "pause", None, D(2026, 12, 14), None),
    # the short month names of the one table, in a month's end
    ("Pausa till slutet av mar", "pause", None, D(2027, 3, 31), None),
    ("Pause me until end of apr", "pause", None, D(2027, 4, 30), None),
    # "and"/"och" before a number joins one time's numbers: both weeks, not the first alone
    ("Kan ni hoppa över mig vecka 51 och 52? Jag är på kurs i Kiruna.", "pause",
     D(2026, 12, 14), D(2026, 12, 27), "Jag är på kurs i Kiruna."),
    ("Skip me weeks 51 and 52, I am on a course.", "pause", D(2026, 12, 14), D(2026, 12, 27),
     "I am on a course."),
    ("Pausa mig den 21 och 22 december.", "pause", D(2026, 12, 21), D(2026, 12, 22), None),
    # ... and only there: before a word it still starts a clause
    ("Skip me next week and thanks for asking", "pause", D(2026, 12, 14), D(2026, 12, 20),
     "and thanks for asking"),
    # a request after "but"/"men": what it turns away from is no reason
    ("all good but skip me next week, in lisbon for the offsite", "pause", D(2026, 12, 14),
     D(2026, 12, 20), "in lisbon for the offsite"),
    ("Allt bra men hoppa över mig nästa vecka, jag är i Lissabon.", "pause", D(2026, 12, 14),
     D(2026, 12, 20), "jag är i Lissabon."),
    ("Swamped, but skip this one please", "skip", None, None, None),
    # the review or feedback at hand, named with its month or quarter: a skip of that prompt,
    # not a pause to the month's end (which would stop the check-ins too)
    ("Could you skip this month's review? I've only been back for a week.", "skip", None, None,
     "I've only been back for a week."),
    ("Hoppa över uppföljningen den här månaden, det har varit rörigt med flytten.", "skip", None,
     None, "det har varit rörigt med flytten."),
    ("Kan ni hoppa över månadens uppföljning?", "skip", None, None, None),
    ("Jag står över månadsuppföljningen den här gången, har inte hunnit med något nytt.",
     "skip", None, None, "har inte hunnit med något nytt."),
    ("Please skip the feedback this quarter", "skip", None, None, None),
    # an aside in parentheses is a clause of its own: the request's time is read without it
    ("Pausa mig nästa vecka (kurs i Kiruna).", "pause", D(2026, 12, 14), D(2026, 12, 20),
     "kurs i Kiruna."),
    ("Out of office next week, please pause me (offsite in Lisbon).", "pause", D(2026, 12, 14),
     D(2026, 12, 20), "offsite in Lisbon."),
    ("Skip this week (sick), sorry", "skip", None, None, "sick, sorry"),
    # asked together ("can we", "kan vi")
    ("Hi Lena, can we skip this month's review? We went through it all on Friday.", "skip",
     None, None, "We went through it all on Friday."),
    ("Kan vi hoppa över den här veckan?", "skip", None, None, None),
])
def test_requests_as_people_write_them(text: str, action: str, start: date | None,
                                       until: date | None, reason: str | None) -> None:
    command = parse_command(text, today=MONDAY)
    assert command is not None and command.problem is None, command
    assert (command.action, command.start, command.until, command.reason) == (
        action, start, until, reason)


@pytest.mark.parametrize("text", [
    "Back on track after the outage, thanks.", "Pausen i mötet var bra.",
    "Skipping lunch was a mistake, but the sprint went fine.", "Resumé: a good week.",
    "Ledig vecka? Nej, tyvärr.",
    # the same words, about something else than the check-ins
    "We had to skip the retro this week.", "Skip the standup, it's useless",
    "I paused the migration until January.", "We paused the project until Jan 4.",
    "I'm pausing until May to think.", "Kan vi pausa projektet till januari?",
    "Could you skip the details next time?", "Let's skip the retro next week.",
    "Restart the server tomorrow, please.", "Start the migration again next week.",
    "Fortsätt som vanligt.", "Mitt team hoppar över standupen imorgon.",
    "Vi hoppar över retron den här veckan.", "Hoppa över fråga 3, den förstår jag inte.",
    "Vi står över denna omgång av lönerevisionen.", "Denna omgång gick bra.",
    "Skip question 2, not relevant.", "Skip 2", "I skip breakfast every day.",
    "Pause the music", "Pausa musiken, haha.", "Don't skip me, I like these.",
    "Please don't pause my check-ins.", "Stå över? Nej.", "Skip? No way.",
    "No questions this week, all good.", "Inga frågor den här veckan.",
    "No blockers this week.", "Inga hinder nästa vecka heller.",
    "No check-in meeting today, it was cancelled.", "The check-in next week is at 10.",
    "Mail me if you need anything.", "Check in with Anna about the release.",
    # absences and returns, said alone, as autoresponders say them too
    "I'm off next week.", "Jag är ledig nästa vecka.", "Semester nästa vecka!",
    "I'm away until January 4.", "Jag är föräldraledig från 21 december.",
    "I am out of the office from Dec 21 to Jan 3 with limited access to email.",
    "I'm back on Monday.", "Next week I'm off to Berlin for the conference.",
    "Back from leave and the energy is good.", "I'm back from leave, energy 4.",
    "Out sick yesterday, better now.", "I was off last week, back now.",
    "Back in the office since Monday.", "Off to a good start this week.",
    "Sorry, the retro was skipped.", "Hope you can skip the boring parts next time.",
    "You can skip the intro next time.", "Hoppas vi kan pausa projektet.",
    "I hope to resume work on the API soon.",
    "Now we had to skip the retro.", "And then I skipped lunch.", "Going to the office tomorrow.",
    "Then pause the migration.", "Men nu är jag tillbaka i teamet.",
    "Switch the lights back on.", "I switched my phone back on.",
    "Going to skip the retro, it clashes with the demo.",
    # an autoresponder's words: "and" never opens a request (a command makes it a person)
    "I'm out of the office and back on 7 January.", "Jag är ledig och tillbaka den 7 januari.",
    # not the opening sentence
    "1. resume work on the API", "Hej!\n1. Bra\n2. Inga", "Bra vecka. Pausa mig gärna sen.",
    # the same polite words, no request to us
    "I don't mind pausing my check-ins for 3 weeks.", "Would you mind if I paused for a bit?",
    "Would you mind pausing the music?", "Do you mind skipping the retro this week?",
    # a start that does not fit the request's own time: no command beats a wrong one
    "Starting Wednesday, please skip this week.", "From Monday, pause me next week.",
    "Starting Wednesday, pause me from Friday for a week.",
    "From Monday, please resume my check-ins.",
    # holding off and waiting on something else than the check-ins, or said of oneself
    "I'll hold off on the release until after the 20th.",
    "Hold off on the release until after the 20th.", "I'll hold off until after the 20th.",
    "We held off on the migration until after the 20th.", "Hold off the deploy, please.",
    "Vi väntar med releasen till efter den 20:e.", "Jag vill vänta med releasen till efter den 20:e.",
    "Vänta med releasen till efter den 20:e.", "Kan ni vänta med svaret till efter den 20:e?",
    "Kan vi avvakta med beslutet tills efter nästa vecka?", "Jag väntar med mina mejl till efter jul.",
    # after "but"/"men" the same words as anywhere: no request to us
    "Good week but skip the standup", "Bra vecka men pausa inte mig", "but the pause is broken",
    # another review than ours, or said of the past
    "Skip the review meeting tomorrow", "I skipped the review", "Vi hoppade över uppföljningen",
    "Can we skip the standup this week?", "Kan vi pausa migreringen till januari?",
])
def test_sentences_that_only_start_like_commands_are_answers(text: str) -> None:
    assert parse_command(text, today=MONDAY) is None


@pytest.mark.parametrize("text", [
    "Starting Wednesday, please pause me for a week, from Friday too.",
    "Starting Wednesday, pause me for a week, starting Friday.",
    "Pause me for a week, I'm busy, starting Wednesday.",
])
def test_a_start_is_never_dropped(text: str) -> None:
    """Two starts, or one far from the request: no pause from today (the wrong weeks)."""
    command = parse_command(text, today=MONDAY)
    assert command is None or command.until is None, command


@pytest.mark.parametrize(("text", "issue"), [
    ("Pausa tills vidare", "no_length"), ("Pause me for now", "no_length"),
    ("Pausa mig", "no_length"), ("Pausa 4 januari", "no_length"),  # until, or that day?
    ("pause until 31 February", "no_length"), ("Pausa mig över jul", "no_length"),
    ("paus till igår", "in_the_past"), ("Pause from Dec 1 to Dec 3", "in_the_past"),
    ("Pausa mig från 4 januari", "no_length"), ("Pause 60 months", "too_long"),
    # a start before, with no end: still a start, never a skip of this week
    ("Starting Wednesday, please pause me.", "no_length"),
    ("Från och med måndag, hoppa över mig.", "no_length"),
    ("Pause me 14 and 23 December", "no_length"),  # two days, not a range
    # "jul" is Christmas too: no month, no end
    ("Pausa mig i jul", "no_length"), ("Kan ni vänta med mig till efter jul?", "no_length"),
    ("Hold off on my check-ins until after Christmas", "no_length"),
])
def test_a_pause_asked_for_but_not_understood_says_why(text: str, issue: str) -> None:
    command = parse_command(text, today=MONDAY)
    assert command is not None and command.action == "pause" and command.until is None
    assert command.issue == issue and command.problem


def test_the_greeting_and_the_command_line_leave_the_rest() -> None:
    text = "Hej Lena!\n\nPausa mig till 4 januari, jag är ledig.\n\nGod jul!"
    command = parse_command(text, today=MONDAY)
    assert command is not None
    assert after_command(text, [], command.reason)[0] == "jag är ledig.\n\nGod jul!"

    class Seg:
        def __init__(self, kind: str, text: str) -> None:
            self.kind, self.text = kind, text

    rest, pieces = after_command(text, [Seg("new", text)], command.reason)
    assert [p.text for p in pieces] == ["\nGod jul!"]


def test_the_opening_skips_greetings_and_thanks_only() -> None:
    assert opening("\n\nHej Lena!\nTack för mejlet!\n\nSkip\n") == (5, "Skip")
    assert opening("Hi, skip me\n") == (0, "Hi, skip me")
    assert opening("Hej!\n") == (1, "")
    assert opening("Lena,\n\nPausa mig hela januari.") == (2, "Pausa mig hela januari.")
    assert opening("Skip!\nBusy week") == (0, "Skip!")  # a request word is no name


def test_clauses_are_not_cut_inside_dates_and_abbreviations() -> None:
    line = "Pausa t.o.m. 7.1. 2027, v. 52 - ok, tack! Sen"
    clauses = first_sentence(line)
    assert [line[c.start:c.end] for c in clauses] == ["Pausa t.o.m. 7.1. 2027", "v. 52", "ok",
                                                      "tack"]
    line = "Hoppa över vecka 51 och 52 och 3 veckor till, and then"
    assert [line[c.start:c.end] for c in first_sentence(line)] == [
        "Hoppa över vecka 51 och 52 och 3 veckor till", "and then"]
    line = "Pausa till och med fredag och från  och med måndag igen, och sen"
    assert [line[c.start:c.end] for c in first_sentence(line)] == [
        "Pausa till och med fredag", "och från  och med måndag igen", "och sen"]


@pytest.mark.parametrize(("words", "core", "statement"), [
    ("Could you please pause me for 2 weeks, thanks 🙏", "pause me for 2 weeks", False),
    ("Pausa mig till 4 januari är du snäll", "pausa mig till 4 januari", False),
    ("Kan ni hoppa över mig den här veckan", "hoppa över mig den här veckan", False),
    ("I'm skipping this one", "skipping this one", True),
])
def test_unwrap_takes_the_politeness_off(words: str, core: str, statement: bool) -> None:
    assert unwrap(words) == (core, statement)


# The gate and the lowered search that spare most replies the command patterns: a command
# they let through unseen would silently stop working, so both are checked against the
# patterns themselves, not against examples.

_REQUESTS = [command_words.VERB, command_words.NONE, command_words.ON_HOLD, command_words.AGAIN,
             command_words.BACK_ON, command_words.AWAY_WEEKS, command_words.BACK]
_REQUEST_IDS = ["verb", "none", "on_hold", "again", "back_on", "away_weeks", "back"]


@pytest.mark.parametrize("pattern", _REQUESTS, ids=_REQUEST_IDS)
def test_every_request_holds_a_request_word(pattern: re.Pattern[str]) -> None:
    @settings(max_examples=150, deadline=None)
    @given(st.from_regex(pattern, fullmatch=True))
    def holds(text: str) -> None:
        assert found_in_any_case(command_words.HEAD, text), text

    holds()


# What unwrap() takes off or out of a request as people write it: the gate reads the words
# before that, so it must let every request through with politeness around and inside it.
_PRE_WORDS = ["", "Could you please ", "Kan ni ", "jag vill ", "OK så ", "I'm ", "Nu kan du "]
_INSIDE_WORDS = ["please", "gärna", "Snälla,", "pls", "🙏", "\u2764\ufe0f", ",vänligen,"]
_AFTER_WORDS = ["", " tack!", ", please", " är du snäll :)", " 🙏", " if possible."]
_OBJECTS = st.from_regex(command_words.OBJECT, fullmatch=True)
_TIMES = st.sampled_from(["", " tomorrow", " i morgon", " next week", " nästa vecka",
                          " until the 14th", " till 4 januari", " 2 weeks"])


def _words(*parts: str | list[str]) -> st.SearchStrategy[str]:
    return st.tuples(*(st.sampled_from(part) if isinstance(part, list) else st.just(part)
                       for part in parts)).map("".join)


#: Whole requests of each shape: a pattern's match alone is often no request ("put x on hold").
_WHOLE_REQUESTS = {
    "verb": st.tuples(st.from_regex(command_words.VERB, fullmatch=True),
                      st.one_of(st.just(""), _OBJECTS.map(" ".__add__)), _TIMES).map("".join),
    "none": st.tuples(st.from_regex(command_words.NONE, fullmatch=True), _TIMES).map("".join),
    "on_hold": st.tuples(_words(["put ", "sätt ", "lägg "]), _OBJECTS,
                         _words([" on hold", " on pause", " på paus"]), _TIMES).map("".join),
    "again": st.tuples(_words(["start ", "starta ", "sätt igång "]), _OBJECTS,
                       _words([" again", " igen"])).map("".join),
    "back_on": st.tuples(_words(["turn ", "switch "]), _OBJECTS, st.just(" back on")).map("".join),
    "away_weeks": st.from_regex(command_words.AWAY_WEEKS, fullmatch=True),
    "back": st.tuples(st.from_regex(command_words.BACK.pattern.rsplit(r"\s+(?P<day>", 1)[0],
                                    fullmatch=True),
                      _words([" on Monday", " tomorrow", " imorgon", " den 14:e"])).map("".join),
}


@pytest.mark.parametrize("shape", list(_WHOLE_REQUESTS))
def test_the_gate_lets_every_request_through_as_written(shape: str) -> None:
    @settings(max_examples=150, deadline=None)
    @given(_WHOLE_REQUESTS[shape], st.sampled_from(_PRE_WORDS), st.sampled_from(_AFTER_WORDS),
           st.randoms(use_true_random=False))
    def through(request: str, before: str, after: str, rnd: Random) -> None:
        words = []
        for word in request.split():
            words.append(word)
            if rnd.random() < 0.3:  # "hoppa gärna över mig", "no 🙏 check-ins"
                words.append(rnd.choice(_INSIDE_WORDS))
        written = "".join(rnd.choice([c.upper(), c]) for c in before + " ".join(words) + after)
        if commands._request(written, MONDAY) is not None:
            assert found_in_any_case(command_words.HEAD, written), written

    through()


_WORDS = ["pause", "Paus", "SKIP", "tillbaka", "Återuppta", "please", "TACK", "gärna", "snälla",
          "pauſe", "skıp", "SKİP", "İ", "ı", "ſ"]  # the case equivalences str.lower() lacks


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(max_size=4)), max_size=8),
       st.randoms(use_true_random=False))
def test_the_lowered_search_finds_what_ignorecase_finds(pieces: list[str], rnd: Random) -> None:
    text = "".join(rnd.choice([c.upper(), c.lower(), c]) for c in " ".join(pieces))
    lowercase = command_words.HEAD
    expected = re.search(lowercase.pattern, text, re.IGNORECASE) is not None
    assert found_in_any_case(lowercase, text) == expected, text


@given(st.text(max_size=300))
def test_reading_never_raises(text: str) -> None:
    command = parse_command(text, today=MONDAY)
    assert command is None or isinstance(command, Command)


def test_the_reason_is_the_rest_of_the_sentence_and_what_follows_stays_an_answer() -> None:
    text = "Pausa mig 21/12–6/1, vi åker till Thailand! Men här kommer veckans svar:\n1. Bra"
    command = parse_command(text, today=MONDAY)
    assert command is not None and command.until == D(2027, 1, 6)
    assert (command.reason, command.after) == ("vi åker till Thailand!",
                                               "Men här kommer veckans svar:")
    rest, _ = after_command(text, (), command.rest_of_line)
    assert rest == "vi åker till Thailand! Men här kommer veckans svar:\n1. Bra"
    # abbreviations and dates go on: no capital after their full stop
    command = parse_command("Skip this week, I'm away t.o.m. fredag. Back Monday.", today=MONDAY)
    assert command is not None and command.reason == "I'm away t.o.m. fredag."
