"""Machine mail told by its content (mailer.parse.machine): the evidence, both ways."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse import machine, machine_rules
from mailer.parse.machine import CONFIDENT, UNSURE, score_machine


@pytest.mark.parametrize(("sender", "subject", "text", "away"), [
    ("anna@example.com", "RE: Check-in", "Thank you for your email. I am out of the office until "
     "January 4 with limited access to email.", True),
    ("anna@example.com", "SV: Avstämning", "Jag är tjänstledig till och med 15 januari och läser "
     "inte min e-post. Vid brådskande ärenden, kontakta Erik.", True),
    ("anna@example.com", "Återkalla: SV: Avstämning", 'Anna Berg vill återkalla meddelandet "SV: '
     'Avstämning".', False),
    ("support@example.com", "[Ticket #48213] RE: Check-in", "Your request (#48213) has been "
     "received and is being reviewed by our support staff.", False),
    ("team-owner@lists.example.com", "Your message awaits moderator approval", "Is being held "
     "until the list moderator can review it for approval.", False),
    ("anna@example.com", "Re: Check-in", "Please verify that you are human before the message is "
     "delivered. Your message will be held for 7 days.", False),
])
def test_machine_mail_without_headers_is_confident(sender: str, subject: str, text: str,
                                                   away: bool) -> None:
    found = score_machine(sender=sender, display_name="", subject=subject, text=text)
    assert found.verdict == "machine" and found.score >= CONFIDENT, found
    assert found.away == away
    assert found.reasons  # the evidence is named, for the log and parse-reply


@pytest.mark.parametrize("text", [
    "1. Good\n2. I was out of the office two days, so not much\n3. 3\n4. None",
    "Still blocked: IT ticket 4512 has been open for a week. Otherwise fine.",
    "Thank you for your email, Lena! All good here, nothing to add this week.",
    "Paus till 2027-01-10, föräldraledig.",
    "Allt bra! Jag har semester från den 21:a, tillbaka 4 januari.",
    "Skip this week please, I'm at a conference.",
])
def test_people_who_sound_like_machines_are_people(text: str) -> None:
    found = score_machine(sender="anna@example.com", display_name="Anna Berg",
                          subject="Re: Check-in", text=text)
    assert found.verdict == "person", found


def test_one_weak_hint_is_unsure() -> None:
    found = score_machine(sender="anna@example.com", display_name="Anna Berg",
                          subject="SV: Avstämning", text="Ditt meddelande har tagits emot.")
    assert found.verdict == "unsure" and UNSURE <= found.score < CONFIDENT


def test_a_reply_command_is_a_person_whatever_else_the_text_says() -> None:
    text = "Hoppa över, jag är tjänstledig och läser inte min e-post."
    assert score_machine(sender="anna@example.com", display_name="", subject="SV: Avstämning",
                         text=text).verdict == "machine"
    assert score_machine(sender="anna@example.com", display_name="", subject="SV: Avstämning",
                         text=text, command=True).verdict == "person"



def _gate_lets_through(pattern: str, gate: machine._Gate, at: int) -> None:
    # A first-letter lookahead only spares work (it matches no less than the rest demands):
    # without it the pattern matches a superset, which hypothesis generates without filtering.
    pattern = re.sub(r"\(\?=\[[^\]]*\]\)", "", pattern)

    @settings(max_examples=100, deadline=None)
    @given(st.from_regex(pattern))
    def passes(text: str) -> None:
        assert at in gate.candidates(text), (pattern, text)

    passes()


def test_every_match_of_a_rule_passes_its_gate() -> None:
    # The gate (one pass for the needles) is what spares the searches: a match it stops would
    # be missed.
    for gate, rules in ((machine._BODY_GATE, machine._BODY_RULES),
                        (machine._SUBJECT_GATE, machine_rules.SUBJECT_RULES)):
        for at, (_, _, pattern, _, _) in enumerate(rules):
            _gate_lets_through(pattern, gate, at)


def _found_as_written(pattern: str) -> None:
    fast = machine._Pattern.of(pattern)

    @settings(max_examples=60, deadline=None)
    @given(st.from_regex(re.sub(r"\(\?=\[[^\]]*\]\)", "", pattern)), st.text("ab é-", max_size=3))
    def same(text: str, glue: str) -> None:
        text = glue + text + glue + text  # a match right after a letter, and a second one
        assert [m.span() for m in fast.finditer(text)] == [
            m.span() for m in re.finditer(pattern, text)], (pattern, text)

    same()


def test_every_body_rule_finds_what_its_pattern_as_written_finds() -> None:
    # A pattern that starts with \b is searched without it, its matches kept at word starts.
    for _, _, pattern, _, _ in machine._BODY_RULES:
        _found_as_written(pattern)


def test_a_leading_word_boundary_is_moved_out_only_when_it_bounds_every_alternative() -> None:
    assert machine._Pattern.of(r"\bout of office\b").word_start
    assert not machine._Pattern.of(r"\bin my absence\b|\bunder min frånvaro\b").word_start
    assert machine._Pattern.of(r"\b(?:a|b)[|(]x\(|\)").word_start is False
    assert machine._Pattern.of(r"\b(?:a|b)[|(]x\(\|\)").word_start


_NEEDLES = sorted({needle for _, needles, _, _, _ in machine._BODY_RULES
                   for needle in ((needles,) if isinstance(needles, str) else needles)})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_NEEDLES) | st.text(alphabet="abeilmnort '.", max_size=4),
                max_size=12).map("".join))
def test_the_gate_finds_every_needle_even_inside_another(text: str) -> None:
    # Needles overlap and nest ("i will be" holds "will", "will not" starts with it): the one
    # pass must find what a test of each needle finds.
    gate = machine._BODY_GATE
    naive = sorted({at for needle, ats in gate.rules_of.items() if needle in text for at in ats})
    assert gate.candidates(text) == naive


def _score(text: str, *, sender: str = "anna@example.com", subject: str = "Re: Check-in",
           command: bool = False) -> machine.MachineScore:
    return score_machine(sender=sender, display_name="", subject=subject, text=text,
                         command=command)


@pytest.mark.parametrize(("text", "away"), [
    # An out-of-office's shape: an away statement beside a return day, no access to mail or
    # someone to reach instead, in wordings no single phrase list holds.
    ("Hi there,\nI'm travelling with patchy connectivity until 18 December and won't see your "
     "email before I'm back on the 21st.\nIf it's urgent, call or text +46 70 123 45 67.", True),
    ("I am on parental leave and will not read my email. Please contact Erik "
     "(erik@example.com) instead.", True),
    ("I'm away and back on Monday 4 January. You can reach the team at team@example.com.", True),
    ("Hej,\nJag är föräldraledig t.o.m. 2027-02-28. Under tiden nås teamet via "
     "lena@example.com.", True),
    ("Jag är på tjänsteresa och har begränsad tillgång till e-post. Om det är brådskande, ring "
     "070-123 45 67.", True),
    ("Jag är sjukskriven och åter den 11:e. I brådskande fall, kontakta växeln.", True),
    # A registry's or a help desk's acknowledgement: receipt + nobody reads the answers.
    ("Tack för ditt e-postmeddelande!\nVi har tagit emot ditt meddelande. Det registreras och "
     "handläggs så snart som möjligt.\nDet här meddelandet går inte att besvara.", False),
    ("We have received your message and will handle it within 3 working days.\nThis message "
     "cannot be replied to.", False),
    ("Vi har mottagit ditt ärende. Detta mejl kan inte besvaras.", False),
    # away on a course, with its return day and someone to reach "in my absence"
    ("I am on a training course until Tuesday 15 December and will be returning to work on "
     "Wednesday 16 December. In my absence please contact Erik (erik@example.com).", True),
    ("Your message to platform@groups.example.com is pending approval by a group moderator.",
     False),
    # a person who left, their mailbox closing; an inbox rule's forward; a carrier's gateway;
    # a shared inbox nobody reads; a system saying why it wrote (held-out batch 10)
    ("I no longer work at Example AB. This mailbox will be closed at the end of the year.",
     False),
    ("Jag har slutat på Example AB. Den här e-postadressen kommer att stängas.", False),
    ("Your message has been automatically forwarded to Per Ek, who handles my mail now.",
     False),
    ("Ditt meddelande har vidarebefordrats automatiskt till Per Ek.", False),
    ("Your e-mail was converted to SMS and delivered to +46 70 123 45 67. Replies to this "
     "address are not read.", False),
    ("This mailbox is not monitored. Your email has not been read.", False),
])
def test_machine_statements_in_new_wordings_are_confident(text: str, away: bool) -> None:
    found = _score(text)
    assert found.verdict == "machine", found
    assert found.away == away


@pytest.mark.parametrize("text", [
    # Negated, possessed, in the past or quoted: a person talking about an autoresponder.
    "Not an automatic reply, promise 😅 Crazy week with the release, so just a quick note: all "
    "fine, I'll answer properly on Wednesday.",
    "PS: sorry if you got my automatic reply last Friday, that rule is switched off now.",
    "Inget autosvar den här gången! Allt bra här.",
    "Förlåt för mitt autosvar i fredags, jag har stängt av det nu.",
    "My out of office was still on, sorry. All fine here.",
    "I was out of the office two days, so not much to report.",
    "Jag var sjukskriven förra veckan men nu är allt bra.",
    'Outlook sent an "automatic reply" to you by mistake, ignore it.',
    # An absence put ahead: people announce one, autoresponders speak during it.
    "I'm off next week, please skip. Family trip to Lisbon!",
    "Jag är ledig nästa vecka, så hoppa över mig.",
    "I'm on leave soon, back on 4 January.",
    # A return day or an address alone says nothing about absence.
    "Back from leave, resume please!",
    "I'm back on track with the billing migration, see you on the 14th.",
    "Please contact anna@example.com about the report, she has the numbers.",
    "Ring mig på 070-123 45 67 om du vill prata om punkt 2.",
    "Until 18 December we focus on the release.",
    # Receipt of something else than the message.
    "Vi har tagit emot leveransen av servrarna, så nu går det framåt.",
    "We have received the new laptops, finally.",
    # the same words about someone else, or in the past
    "Erik no longer works at Example AB, so the API keys are stuck.",
    "The old build server was shut down and my account is closed there, which blocks me.",
    "I read your message and forwarded it to Per.",
])
def test_talk_about_machines_is_a_person(text: str) -> None:
    assert _score(text).verdict == "person", _score(text)


@pytest.mark.parametrize("text", [
    "I'm on vacation.",
    "Jag är föräldraledig över jul och nyår.",
    "Vi har tagit emot ditt meddelande.",
    "I no longer work at Example AB.",  # a person may write it to the check-in too
    "You receive this notice because email logging is on for your account.",
])
def test_one_statement_alone_is_at_most_unsure(text: str) -> None:
    assert _score(text).verdict == "unsure", _score(text)


def test_a_statement_counts_once_however_many_ways_it_is_said() -> None:
    # "jag är föräldraledig" is one away statement, not two ("jag är ..." and "föräldraledig").
    assert _score("Jag är föräldraledig.").score == 1.5
    assert _score("I am out of the office, I am away.").score == 2.0


@pytest.mark.parametrize("text", [
    # Somewhere else and cut off from mail, beside a return day and someone to reach instead.
    "Hi, I am at the Nordic Security Summit with no access to email. Back on Monday the 14th. "
    "For urgent matters contact Erik (erik@example.com).",
    "I'm in Lisbon with patchy access to email until 18 December. You can reach the team at "
    "team@example.com.",
    "Hej! Jag är på KubeCon med mycket begränsad tillgång till mejl. Tillbaka fredag den 11:e. "
    "Vid brådskande ärenden, ring servicedesk på 08-123 45 00.",
    "Jag är i Göteborg på utbildning och har ingen tillgång till e-post. Under min frånvaro "
    "nås teamet via lena@example.com.",
])
def test_away_at_an_event_with_no_access_to_mail_is_an_out_of_office(text: str) -> None:
    found = _score(text)
    assert found.verdict == "machine" and found.away, found
    assert "text: an away statement" in found.reasons


@pytest.mark.parametrize("text", [
    "I'm at KubeCon with very limited access to email.",
    "Jag är på konferens i Berlin med begränsad tillgång till mejl.",
])
def test_away_at_an_event_is_one_statement_and_alone_unsure(text: str) -> None:
    # The limited access is what makes "I'm at KubeCon" an absence: one statement, not two.
    found = _score(text)
    assert found.verdict == "unsure" and found.score == 1.5, found
    assert found.reasons == ("text: an away statement",)


@pytest.mark.parametrize("text", [
    # At work, or limited in something else than mail.
    "I'm at the office with limited energy today, but progress is fine.",
    "Jag är på kontoret med begränsad energi idag, men det går framåt.",
    "I'm at KubeCon this week, energy 4, back on Friday.",
    "Jag är på KubeCon den här veckan, energi 4, tillbaka på fredag.",
    # A person at a conference who answers all the same.
    "I'm at KubeCon with limited access to email, so short:\n1. Shipped the importer\n"
    "2. Nothing blocking\n3. 4",
    "Jag är på KubeCon med begränsad tillgång till mejl, så kort:\n1. Importen klar\n"
    "2. Inget hinder\n3. 4",
    # A return day in an answer says nothing about absence.
    "Back on Friday the 11th we shipped the release, so energy is high.",
    "Tillbaka fredag den 11:e efter releasen, allt gick bra.",
])
def test_people_at_events_or_back_on_a_day_are_people(text: str) -> None:
    assert _score(text).verdict == "person", _score(text)


@pytest.mark.parametrize("text", [
    "Jag är på KubeCon med begränsad tillgång till mejl. Allt bra, energi 4. Ring mig på "
    "070-123 45 67 om något.",
    "I'm at KubeCon with limited access to email. All good, energy 4. Call me on "
    "+46 70 123 45 67 if needed.",
    "I'm on vacation, but all good here: energy 4. Reach me at anna.berg@example.com.",
])
def test_the_writers_own_number_is_nobody_to_reach_instead(text: str) -> None:
    # "Call me", "ring mig": the writer, not someone instead; a person writes it too.
    found = _score(text)
    assert found.verdict != "machine" and "text: someone to reach instead" not in found.reasons


@pytest.mark.parametrize("text", [
    "I'm on vacation until 4 January. For urgent matters, call me on +46 70 123 45 67.",
    "Jag är på semester till och med 4 januari. Vid brådskande ärenden, ring mig på "
    "070-123 45 67.",
    "I'm at KubeCon with no access to email. Back on Monday the 14th. Please call Erik on "
    "+46 70 123 45 67.",
])
def test_an_out_of_office_that_gives_its_own_number_is_still_one(text: str) -> None:
    assert _score(text).verdict == "machine", _score(text)


@pytest.mark.parametrize(("sender", "subject", "text"), [
    # Challenge-response filters: delivery waits on the sender's act, or the act is asked for.
    ("anna@example.com", "Re: Check-in [please verify]", "I'm protecting my inbox from spam. "
     "Your message will be delivered to me as soon as you verify your email address."),
    ("anna@example.com", "Re: Check-in", "Your email is held until you confirm that you are a "
     "real person. Click the link below."),
    ("anna@example.se", "SV: Avstämning", "Ditt meddelande levereras så snart du har bekräftat "
     "din e-postadress via länken nedan."),
    ("anna@example.se", "SV: Avstämning", "Verifiera att du är en människa genom att klicka på "
     "länken."),
    # Ticket systems acknowledging with the ticket they opened.
    ("servicedesk@example.service-now.com", "Incident INC0083412 has been opened on your behalf",
     "Your incident INC0083412 has been opened on your behalf.\nState: New"),
    ("it@example.se", "SV: Avstämning", "Ditt ärende har registrerats med ärendenummer: 48213. "
     "Vi återkommer så snart vi kan.\nDetta mejl kan inte besvaras."),
    ("helpdesk@example.com", "Re: Check-in", "Your case CS-004512 has been created."),
    ("support@example.com", "Re: Check-in", "Thank you for contacting us. Your ticket number is "
     "48213."),
    ("kundservice@example.se", "SV: Avstämning", "Tack för ditt mejl! Ditt ärendenummer är 48213."),
    ("anna@example.com", "Re: Check-in [please verify]", "Click the link below to release your "
     "message."),
    ("anna@example.se", "SV: Avstämning", "Svara på det här mejlet för att bekräfta att du är "
     "en människa."),
    # List moderation: the message passed to the moderators, or waiting for them.
    ("plattform-request@lists.example.se", "Ditt meddelande väntar på moderering",
     "Ditt meddelande till listan plattform@lists.example.se har skickats vidare till listans "
     "moderatorer."),
    ("team-request@lists.example.com", "Re: Check-in", "Your message to the team list has been "
     "forwarded to the list moderators and is pending moderation."),
    # A list's software passing the message on to who runs the list, in the passive.
    ("LISTSERV@lists.example.com", 'Message "Check-in" sent to the moderator', "Your message "
     'with subject "Check-in" has been submitted to the moderator of the PLATFORM-L list for '
     "approval."),
    ("anna@example.com", "Re: Check-in", 'Your message "Check-in" is held for the list owner.'),
    ("anna@example.com", "Re: Check-in", "The message was forwarded to the moderators."),
    ("sympa@lists.example.se", "SV: Avstämning", "Ditt meddelande har skickats vidare till "
     "listägaren."),
    # Challenges: the message on hold, a code to send back, a "Please confirm:" subject.
    ("anna@example.com", "Please confirm: Check-in", "Your message is on hold. To get it "
     "delivered, reply to this message and put the code 4417 in the subject line."),
    ("anna@example.com", "Re: Check-in", "Your message is on hold. Just reply with the code 4417."),
    ("anna@example.se", "Bekräfta: Avstämning", "Ditt meddelande står på vänt. Svara på det här "
     "mejlet och skriv koden 4417 i ämnesraden."),
    # Receipts filed under a reference, a registry number, a message nobody answers.
    ("servicedesk@example.com", "[REQ-55120] Re: Check-in", "We've logged your request under "
     "reference REQ-55120."),
    ("anna@example.com", "Re: Check-in", "We have registered it under reference 55120. You "
     "cannot reply to this email."),
    ("registrator@region.example.se", "Registrerat: Avstämning", "Ditt e-postmeddelande har "
     "registrerats med diarienummer RS 2026/1147. Detta meddelande går inte att svara på."),
    ("anna@example.se", "SV: Avstämning", "Ditt diarienummer är KS 2026/123. Du kan inte svara "
     "på det här mejlet."),
])
def test_challenges_tickets_and_moderation_are_confident(sender: str, subject: str,
                                                         text: str) -> None:
    found = score_machine(sender=sender, display_name="", subject=subject, text=text)
    assert found.verdict == "machine" and not found.away, found


@pytest.mark.parametrize("text", [
    # The same words in a person's reply: approval, tickets, verification, moderation talked
    # about, not a message held or a receipt given.
    "Obstacles: budgeten väntar på godkännande, annars bra.",
    "The budget is pending approval by the board.",
    "In my absence last week the team shipped the importer.",
    "Under min frånvaro i fredags tog Erik standupen.",
    "Hinder: inköpet väntar på godkännande av chefen.",
    "Incident INC0083412 has been opened for the VPN outage, waiting on the network team.",
    "Blocked: the ticket has been open since Tuesday.",
    "Ärende 4512 har legat i tre veckor nu.",
    "The new office has been opened, finally!",
    "Beslutet har tagits emot väl i teamet.",
    "Could you verify your settings? I got the check-in twice.",
    "I forwarded it to the moderators of our forum, they were happy.",
    "The package will be delivered when you are back, said the courier.",
    "Please confirm your attendance for Friday.",
    "Click through the dashboard to see the numbers, they look good.",
    "Ticket 4512 is still open.",
    "The incident INC0083412 took all day, otherwise fine.",
    # Moderators, codes, references, registry numbers and replies talked about: no message of
    # the reader's passed on, held or filed.
    "Obstacles: posts sent to the moderators pile up, nobody reads them.",
    "My post wasn't sent to the moderator, so I'll repost it.",
    "Our list owner is away, so nothing moved this week.",
    "The project is on hold until January, otherwise fine.",
    "Blocked: I have to reply with the code review comments first.",
    "Fine. The door code 4417 works again, by the way.",
    "Jag har skrivit koden klart, svarar mer i morgon.",
    "Progress: I filed the invoice under the wrong project, fixed now.",
    "Hinder: ärendet med diarienummer KS 2026/123 väntar på beslut.",
    "Fråga 2 går inte att svara på än, vi vet inte.",
    "I can't reply to this email properly from my phone, more later.",
    "Min ansökan har registrerats, äntligen!",
])
def test_people_writing_about_approval_tickets_and_checks_are_people(text: str) -> None:
    assert _score(text).verdict == "person", _score(text)


def test_a_receipt_addressed_to_the_reader_alone_is_unsure() -> None:
    # "Your request has been received" is a receipt, but a receipt alone is not proof.
    assert _score("Your request has been received.").verdict == "unsure"
    assert _score("Ditt ärende har registrerats.").verdict == "unsure"


@pytest.mark.parametrize("subject", [
    "Re: Check-in [#p7rt2qz9xk4mwn8v]",  # our own token is no ticket
    "Re: Please confirm the time",  # "Please confirm" as a request, not a filter's prefix
    "SV: Registrerat och klart",
])
def test_subjects_that_only_look_like_receipts_or_challenges_are_no_evidence(subject: str
                                                                              ) -> None:
    found = score_machine(sender="anna@example.com", display_name="", subject=subject,
                          text="All good.")
    assert found.score == 0, found


def test_a_reference_or_registry_number_named_alone_is_at_most_unsure() -> None:
    assert _score("It is filed under reference REQ-55120.").verdict != "machine"
    assert _score("Diarienummer RS 2026/1147.").verdict != "machine"
    # A list's moderation described, not the reader's message passed on.
    assert _score("Every post is sent to the moderators first, slow.").verdict != "machine"
    assert _score("Your message has not been sent to the moderators.").verdict != "machine"
