"""The notices of systems, as :mod:`mailer.parse.machine` weighs them: per kind (a message
recall, a sender challenge, a message held, a ticket number, a receipt, a promise to answer,
list moderation, a notice of leaving, a mailbox closing, a notification's reason, an automatic
forward, an SMS gateway receipt, an unread or unmonitored inbox), its Swedish and English forms
as (needles, pattern, weight, away). Data, in the form of :data:`mailer.parse.machine_rules.
BODY_BY_KIND`, which joins these to an out-of-office's statements.
"""

from __future__ import annotations

import re


def _after(*words: str) -> str:
    """A pattern that matches right after one of ``words`` and a space, without them: the
    words stay out of the match, so a passive's "has been" or "was" before them is not read
    as the past of a person talking about it (``_TALKED_ABOUT`` in :mod:`mailer.parse.machine`),
    and "posts sent" (no auxiliary) is no match. What the words stay out of is not read
    either: "has not been sent" matches, so a rule built on it is only a hint. The last
    letters first: sre tries every lookbehind at every position, and this one check fails at
    almost all of them (a search of a 200-character text goes from ~80 us to ~3)."""
    last = "".join(sorted({word[-1] for word in words}))
    return f"(?<=[{re.escape(last)}] )(?:" + "|".join(f"(?<={word} )" for word in words) + ")"


#: A message passed on by a list's software: "has been submitted/sent/forwarded/passed/held".
_PASSED_ON = _after(*(f"{aux} {verb}" for aux in ("been", "was", "is", "are", "being", "be")
                      for verb in ("submitted", "sent", "forwarded", "passed", "held")))

_TO_WHO_RUNS_THE_LIST = (r"(?:to|for) (?:the |a |an )?(?:list )?(?:moderators?|list owners?|"
                         r"owners? of the list)\b")


#: A kind's forms: (needles, pattern, weight, away) each.
Rules = tuple[tuple[str | tuple[str, ...], str, float, bool], ...]

NOTICES_BY_KIND: dict[str, Rules] = {
    "a message recall": (  # Outlook
        ("återk", r"\bvill återkalla meddelandet\b", 4.0, False),
        ("recall", r"\bwould like to recall the message\b", 4.0, False),
    ),
    # Challenge-response filters hold the message until its sender proves to be one: delivery
    # made to wait on the sender's act ("will be delivered as soon as you verify", "levereras
    # när du har bekräftat"), or the act asked for (prove a human, confirm the address).
    "a sender challenge": (
        (("human", "person", "robot"),
         r"\b(?:verify|confirm|prove) (?:that )?you are (?:a )?(?:human|real person|person|"
         r"not a robot)\b", 3.0, False),
        (("människa", "person", "robot"),
         r"\b(?:verifiera|bekräfta) att du är (?:en )?(?:människa|riktig person|person|"
         r"inte en robot)\b", 3.0, False),
        (("deliver", "release", "forward"),
         r"\b(?:will be|is|gets) (?:delivered|released|forwarded)\b[^.!?]{0,40}?"
         r"\b(?:once|when|after|as soon as|if) you (?:have )?(?:verif|confirm|repl|click|"
         r"complet|answer)", 3.0, False),
        (("levere", "släpp"),
         r"\b(?:levereras|släpps igenom|släpps fram|kommer att levereras)\b[^.!?]{0,40}?"
         r"\b(?:när|så snart|efter att|om) du (?:har )?(?:bekräft|verifier|svar|klicka)",
         3.0, False),
        (("until you", "tills du"),
         r"\b(?:held|pending|on hold|waiting|quarantined)\b[^.!?]{0,30}?\buntil you "
         r"(?:verif|confirm|repl|click)|\b(?:hålls kvar|väntar)\b[^.!?]{0,30}?\btills du "
         r"(?:har )?(?:bekräft|verifier|svar|klicka)", 3.0, False),
        (("verify your", "confirm your"),
         r"\b(?:verify|confirm) your (?:e-?mail(?: address)?|sender address)\b", 2.0, False),
        (("verifiera din", "bekräfta din"),
         r"\b(?:verifiera|bekräfta) din (?:e-?postadress|avsändaradress|e-?post)\b", 2.0, False),
        # "Click the link below to release your message", "svara på det här mejlet för att
        # bekräfta": the act asked for, to let the message through.
        (("click", "klicka", "reply to this", "svara på"),
         r"\b(?:click|klicka|reply to this (?:e-?mail|message)|svara på (?:detta|det här) "
         r"(?:meddelande|mejl))\b[^.!?]{0,40}?\b(?:to|för att) (?:verify|confirm|deliver|release|"
         r"verifiera|bekräfta|leverera|släppa)\b", 2.0, False),
        # "Reply to this message and put the code 4417 in the subject line", "svara med koden
        # 4417": a code given to send back, the proof of a sender that a filter asks for.
        ("code",
         r"\b(?:reply|respond)\b[^.!?]{0,40}?\b(?:with|put|include|enter|type|add|write) "
         r"(?:the )?code [a-z]?\d{3,8}\b|\b(?:put|include|enter|type|add|write) (?:the )?code "
         r"[a-z]?\d{3,8} in (?:the|your) (?:subject|reply)\b", 2.0, False),
        ("koden",
         r"\b(?:svara|svarar)\b[^.!?]{0,40}?\b(?:med|skriv|ange|lägg in|sätt in) koden "
         r"[a-z]?\d{3,8}\b|\b(?:skriv|ange|lägg in|sätt in) koden [a-z]?\d{3,8} i "
         r"(?:ämnesraden|ämnet|svaret)\b", 2.0, False),
    ),
    "says the message is held": (
        ("held", r"\b(?:your message|the message) (?:will be|is being|has been) held\b", 1.5,
         False),
        ("hållits kvar", r"\b(?:ditt|ert) meddelande har hållits kvar\b", 1.5, False),
        ("held", r"\bis being held until\b", 2.0, False),
        # "Your message is on hold", "ditt meddelande står på vänt".
        ("on hold", r"\b(?:your message|the message) (?:is|has been put|was put) on hold\b", 1.5,
         False),
        (("hålls kvar", "på vänt"),
         r"\b(?:ditt|ert) meddelande (?:hålls kvar|har satts på vänt|står på vänt|ligger på "
         r"vänt)\b", 1.5, False),
    ),
    # "Incident INC0083412", "ärendenummer: 48213": a ticket word and an identifier (digits,
    # perhaps after a system's letters); given to the reader ("your ticket number is", "ditt
    # ärendenummer är") it is strong, named alone ("the ticket 4512") people write it too.
    "a ticket number": (
        (("request", "ticket", "case", "incident"),
         r"your (?:request|ticket|case|incident)(?: number| no\.?| id)?(?: is|:)? "
         r"\(?#?(?:[a-z]{1,6}-?)?\d{3,}\)?", 2.0, False),
        ("ärende", r"\b(?:ditt|ert) ärende(?:nummer|nr|id)?\.?(?::| är)? "
         r"#?(?:[a-z]{1,6}-?)?\d{3,}\b", 2.0, False),
        (("request", "ticket", "case", "incident"),
         r"\b(?:request|ticket|case|incident)(?: number| no\.?| id)?(?: is|:)? "
         r"(?:#\d{3,}|(?:[a-z]{1,6}-?)?\d{3,})\b", 1.0, False),
        ("ärende", r"\bärende(?:nummer|nr|id)?\.?(?::| är)? #?(?:[a-z]{1,6}-?)?\d{3,}\b", 1.0,
         False),
        # "We've logged your request under reference REQ-55120": filed under an identifier
        # by whoever answers; "under reference REQ-55120" alone, a hint.
        (("logged", "registered", "recorded", "filed"),
         r"\b(?:logged|registered|recorded|filed)(?: (?:it|this|your [a-z]{2,12}))? under "
         r"(?:the )?(?:reference|ref\.?|ticket|case|request|incident)(?: number| no\.?| id)?:? "
         r"#?(?:[a-z]{1,6}-?)?\d{3,}\b", 2.0, False),
        ("under ",
         r"\bunder (?:the )?(?:reference|ref\.?)(?: number| no\.?| id)?:? "
         r"#?(?:[a-z]{1,6}-?)?\d{3,}\b", 1.0, False),
        # A Swedish authority's registry number ("diarienummer RS 2026/1147", "dnr 2026-1147"):
        # given to the reader it is strong, named alone people in authorities write it too.
        (("diarienummer", "dnr"),
         r"\b(?:ditt|ert) (?:diarienummer|dnr)\.?(?::| är)? (?:[a-z]{1,6} ?)?\d{2,}(?:[/.:-]\d+)*",
         2.0, False),
        (("diarienummer", "dnr"),
         r"\b(?:diarienummer|dnr)\.?:? (?:[a-z]{1,6} ?)?\d{2,}(?:[/.:-]\d+)*", 1.0, False),
    ),
    # "Vi har tagit emot ditt meddelande", "Your incident INC0083412 has been opened", "Ditt
    # ärende har registrerats": the sender's organisation acknowledging the message, or the
    # ticket it became, as the subject of the sentence; addressed to the reader ("your",
    # "ditt") it is a receipt. A bare ticket that "has been opened" is what a person writes
    # about their own ("Incident INC0083412 has been opened for the VPN outage"): no receipt.
    "an acknowledgement of receipt": (
        # No \b before "your": a pattern that starts with a literal is searched for it first,
        # at a twentieth of the cost (no word ends in "your").
        (("been", "is now"),
         r"your (?:e-?mail|message|request|inquiry|enquiry|case|ticket|incident|support "
         r"request|service request)(?: \(?(?:number |no\.? |#)?#?(?:[a-z]{1,6}-?)?\d{3,}\)?)? "
         r"(?:has been|is now) (?:received|logged|created|opened|registered|recorded)\b", 2.0,
         False),
        ("has been",
         r"\b(?:the|this|a new) (?:e-?mail|message|request|inquiry|enquiry|case|ticket|incident)"
         r"(?: \(?(?:number |no\.? |#)?#?(?:[a-z]{1,6}-?)?\d{3,}\)?)? has been (?:received|"
         r"logged|created|opened|registered)\b", 1.5, False),
        (("we have", "we've"),
         r"\b(?:we have|we've) (?:received|registered|logged|opened|created) (?:your|the|a) "
         r"(?:e-?mail|message|request|inquiry|enquiry|case|ticket|incident)\b", 1.5, False),
        (("emot", "skapats", "registrera", "mottagit", "öppnats"),
         r"\b(?:ditt|ert|din|er) (?:meddelande|mejl|mail|e-?postmeddelande|e-?post|ärende|"
         r"supportärende|fråga|förfrågan)(?: (?:nr |nummer )?#?(?:[a-z]{1,6}-?)?\d{3,})? har "
         r"(?:tagits emot|skapats|registrerats|mottagits|öppnats)\b", 2.0, False),
        (("emot", "skapats", "registrera", "mottagit", "öppnats"),
         r"\b(?:detta|ett nytt|ett) (?:meddelande|mejl|ärende|supportärende)"
         r"(?: (?:nr |nummer )?#?(?:[a-z]{1,6}-?)?\d{3,})? har "
         r"(?:tagits emot|skapats|registrerats|mottagits|öppnats)\b", 1.5, False),
        (("emot", "mottagit", "registrera"),
         r"\bvi har (?:tagit emot|mottagit|registrerat) (?:ditt|ert|din|er) (?:e-?post|mejl|mail|"
         r"meddelande|e-?postmeddelande|ärende|fråga|förfrågan)\b", 1.5, False),
        ("onta", r"\bthank you for contacting\b", 1.5, False),
    ),
    "a promise to answer": (
        ("återk", r"\bvi återkommer (?:så snart|inom)\b", 1.0, False),
        ("back ", r"\bwe will get back to you (?:as soon as|within)\b", 1.0, False),
    ),
    # A list's moderation: the message waits for, or was passed to, its moderators ("awaits
    # moderator approval", "har skickats vidare till listans moderatorer", "väntar på
    # moderering"). Approval alone is not moderation: "budgeten väntar på godkännande" is an
    # obstacle; only the sender's message waiting for it is.
    "a list moderation notice": (
        ("moderat",
         r"\bawaits? moderat|\blist moderator|\bmoderator approval\b|\b(?:awaiting|pending|"
         r"held for|requires|needs) moderation\b"
         r"|\b(?:once|when|after) (?:a|the) moderator (?:has )?approve"
         r"|\bpending approval (?:by|from) (?:a|an|the) (?:group |list )?moderator", 3.0,
         False),
        # "Your message ... has been submitted to the moderator of the PLATFORM-L list", "the
        # message is held for the list owner": the reader's message passed on to, or waiting
        # for, who runs the list; passed on without it ("every post is sent to the
        # moderators"), a person may describe how their list works: a hint.
        (("moderat", "owner"),
         r"\b(?:your|the|this) (?:message|post|posting|e-?mail|mail)\b[^.!?]{0,160}?"
         r"(?<!not )(?<!never )\b(?:been|was|is|are|being|be) (?:submitted|sent|forwarded|"
         r"passed|held) " + _TO_WHO_RUNS_THE_LIST, 3.0, False),
        (("moderat", "owner"), _PASSED_ON + _TO_WHO_RUNS_THE_LIST, 2.0, False),
        (("moderat", "modere", "listägare"),
         r"\bväntar på (?:moderering|moderation|godkännande (?:av|från) (?:en |listans )?"
         r"moderator)|\bgodkännande av (?:en )?moderator\b|\b(?:skickats|vidarebefordrats) "
         r"(?:vidare )?till (?:listans )?moderator|\bnär (?:en|listans) moderator"
         r"(?:er)? (?:har )?godkän|\b(?:skickats|vidarebefordrats|lämnats) (?:vidare )?till "
         r"(?:listans )?listägare", 3.0, False),
        ("godkännande",
         r"\b(?:ditt|ert) meddelande (?:till [^ ]{1,60} )?väntar på godkännande\b", 3.0, False),
    ),
    # "I no longer work at Example AB", "Jag har slutat på Example": the person has left;
    # their mailbox answers for them (strong, not proof alone: a person may say it too).
    "a notice of leaving": (
        ("no longer",
         r"\b(?:i|i'm|i am) no longer (?:work(?:ing)? (?:at|for|with)|with|at|employed (?:at|by))"
         r"\b", 2.0, False),
        (("slutat", "inte längre"),
         r"\bjag (?:har slutat (?:på|hos|min anställning)|(?:arbetar|jobbar) inte längre "
         r"(?:på|hos|för)|är inte längre anställd)\b", 2.0, False),
    ),
    "a mailbox closing": (
        (("closed", "deactivated", "deleted", "shut down", "disabled"),
         r"\b(?:this|my) (?:mailbox|e-?mail address|e-?mail account) (?:will be|is being|"
         r"has been|is going to be) (?:closed|deactivated|deleted|shut down|disabled)\b", 1.5,
         False),
        (("stäng", "avslut", "upphör", "tas bort"),
         r"\b(?:denna|den här|min) (?:brevlådan?|e-?postadress(?:en)?|e-?postlåda(?:n)?) "
         r"(?:kommer att |ska |har )?(?:stängas|stängs|stängts|avslutas|avslutats|upphöra|upphör|"
         r"tas bort)\b", 1.5, False),
    ),
    # "You receive this notice because email logging is on", "Du får det här meddelandet
    # eftersom ...": a system explaining why it wrote (CRM, Teams, SharePoint).
    "a notification's reason": (
        ("because",
         r"\byou (?:receive|are receiving|received|get|are getting) this (?:notice|notification|"
         r"e-?mail|message|alert) because\b", 2.0, False),
        (("eftersom", "för att"),
         r"\bdu (?:får|fick) (?:det här|detta) (?:meddelande|mejl|mail|e-?postmeddelande|utskick)"
         r"(?:t|et)? (?:eftersom|för att)\b", 2.0, False),
    ),
    # An inbox rule's notice: "Your message has been automatically forwarded to Per Ek", "ditt
    # meddelande har vidarebefordrats automatiskt till ...".
    "an automatic forward": (
        ("forwarded",
         r"\byour (?:message|e-?mail|mail) (?:has been|was|is being|will be) automatically "
         r"forwarded\b", 3.0, False),
        ("vidarebefordra",
         r"\b(?:ditt|ert) (?:meddelande|mejl|mail|e-?postmeddelande) (?:har|kommer att) "
         r"(?:automatiskt )?vidarebefordra(?:ts|s) (?:automatiskt )?till\b", 3.0, False),
    ),
    # A carrier's gateway: "your e-mail was converted to SMS", "ditt mejl skickades som sms".
    "an SMS gateway receipt": (
        (("sms", "text message"),
         _after(*(f"{aux} {verb}" for aux in ("was", "been", "is", "be", "were")
                  for verb in ("converted", "forwarded", "delivered", "sent")))
         + r"(?:to|as) (?:an? )?(?:sms|text message)\b"
         r"|\b(?:skickades|vidarebefordrades|levererades) som (?:ett )?sms\b", 2.0, False),
    ),
    # "Your email has not been read" (a shared inbox nobody reads), "ditt mejl har inte lästs".
    "says the message was not read": (
        (" read", r"\byour (?:e-?mail|message|mail) (?:has not been|was not|will not be) read\b",
         1.5, False),
        (("lästs", "läsas"),
         r"\b(?:ditt|ert) (?:meddelande|mejl|mail|e-?postmeddelande) (?:har inte|kommer inte "
         r"att) (?:lästs|läsas)\b", 1.5, False),
    ),
    # "Det här meddelandet går inte att besvara", "Do not reply to this message": a sender
    # that says nobody reads the answers.
    "an unmonitored sender": (
        (("reply to this", "not monitored"),
         r"\b(?=[dpn])(?:do not|don't|please do not) reply to this\b|\bnot monitored\b", 2.0,
         False),
        (("svara inte", "bevakas inte"), r"\bsvara inte på (?:detta|det här)\b|\bbevakas inte\b",
         2.0, False),
        ("besvara",
         r"\b(?:går inte att|kan inte|kan ej|ska inte|ska ej) (?:besvara|besvaras)\b", 2.0, False),
        ("cannot", r"\bcannot be replied to\b", 2.0, False),
        # "Detta meddelande går inte att svara på", "you cannot reply to this email": the
        # message itself, not a question ("fråga 2 går inte att svara på än").
        (("svara på", "besvara"),
         r"\b(?:detta|det här) (?:meddelande|mejl|mail|e-?postmeddelande|e-?brev)(?:t|et)? går "
         r"(?:inte|ej) att (?:svara på|besvara)\b|\bdu kan (?:inte|ej) svara på (?:detta|det här) "
         r"(?:meddelande|mejl|mail|e-?postmeddelande)(?:t|et)?\b", 2.0, False),
        ("reply to this",
         r"\byou (?:cannot|can't|can not) reply to this (?:e-?mail|message)\b", 2.0, False),
        ("replies to this",
         r"\breplies to this (?:address|e-?mail|message|number) (?:are|will) not (?:be )?"
         r"(?:read|monitored|answered)\b", 2.0, False),
    ),
}
