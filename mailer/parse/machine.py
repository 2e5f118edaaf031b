"""Machine mail told by its content, for mail without RFC 3834 headers. Pure.

Out-of-office notices from client-side rules (Outlook "rules", which add no
``Auto-Submitted``) and web hosts' autoresponders, challenge-response filters ("verify you are
human", "delivered as soon as you verify your email address"), Outlook's message recall ("...
vill återkalla meddelandet"), help desks that acknowledge with a ticket number and keep the
thread ("Your incident INC0083412 has been opened"), registries that file it under a number
("registrerats med diarienummer"), and list moderation notices ("has been submitted to the
moderator") all look like replies by their headers. :func:`score_machine` weighs the evidence
of the sender, the subject and the new text into a score. The text is read the way a person
reads it: as kinds of statement (Swedish and English forms of each), each counted once; a phrase
negated, in the past, possessed or quoted ("not an automatic reply", "my autoreply", "I was out
of the office") is talked about, not said; and an out-of-office has a shape (an away statement
beside a return day, no access to mail or someone to reach instead), where a lone away statement
is only a hint:

* ``score >= CONFIDENT``: automatic mail (an out-of-office when its phrases say the person is
  away: it still pauses its verified sender until the return date it states);
* ``UNSURE <= score < CONFIDENT``: not sure; the caller neither records nor confirms it, and
  a person looks at it (the ``Review`` folder);
* below: a person's reply.

Numbered answers and a reply command at the start count against machine mail: people answer
questions and write commands, autoresponders do neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailer.parse.return_dates import ORDINAL_WORD

CONFIDENT = 3.0
UNSURE = 1.5
#: Only the start of the new text is read: autoresponders say what they are at once.
_READ = 1500


@dataclass(frozen=True)
class MachineScore:
    score: float
    #: The evidence, strongest first, for the log and ``mailer parse-reply``, by kind only
    #: ("text: an away statement"): never the words of the message (they go to the log).
    reasons: tuple[str, ...] = ()
    #: The evidence says the sender is away (pauses prompts), not only that a machine wrote.
    away: bool = False

    @property
    def verdict(self) -> str:
        """"machine", "unsure" or "person"."""
        if self.score >= CONFIDENT:
            return "machine"
        return "unsure" if self.score >= UNSURE else "person"




def _after(*words: str) -> str:
    """A pattern that matches right after one of ``words`` and a space, without them: the
    words stay out of the match, so a passive's "has been" or "was" before them is not read
    as the past of a person talking about it (:data:`_TALKED_ABOUT`), and "posts sent" (no
    auxiliary) is no match. What the words stay out of is not read either: "has not been sent"
    matches, so a rule built on it is only a hint."""
    return "(?:" + "|".join(f"(?<={word} )" for word in words) + ")"


#: A message passed on by a list's software: "has been submitted/sent/forwarded/passed/held".
_PASSED_ON = _after(*(f"{aux} {verb}" for aux in ("been", "was", "is", "are", "being", "be")
                      for verb in ("submitted", "sent", "forwarded", "passed", "held")))

_TO_WHO_RUNS_THE_LIST = (r"(?:to|for) (?:the |a |an )?(?:list )?(?:moderators?|list owners?|"
                         r"owners? of the list)\b")


# Per kind of statement, (needles, pattern, weight, away) over the casefolded start of the new
# text. A kind counts once, with its strongest match: one sentence said two ways ("jag är
# föräldraledig") is one statement, not two. Weights: 3+ alone is proof; 1.5-2 a strong hint;
# 1 a weak one. An out-of-office has a shape: an away statement *and* a return day, no access
# to mail or someone to contact instead; one statement alone leaves it unsure, as a person
# writes "I'm off next week" too. Every match of a pattern contains one of its needles
# (tests/parse/test_machine.py checks it): a substring test costs ~40 ns where a search of a
# whole reply costs ~1.5 us, and most replies hold none of them.
_BODY_BY_KIND: dict[str, tuple[tuple[str | tuple[str, ...], str, float, bool], ...]] = {
    "says it is automatic": (
        ("auto", r"\b(?:automatic|automated|auto)[ -]?(?:reply|response|responder)\b", 2.0,
         True),
        ("auto", r"\bthis is an? (?:automatic|automated|auto-generated)\b", 2.0, False),
        ("auto", r"\b(?:automatiskt|automatiska) (?:svar|meddelande|genererat)\b", 2.0,
         True),
        ("auto", r"\bautosvar\b", 2.0, True),
    ),
    "an away statement": (
        ("office", r"\bout of (?:the )?office\b", 2.0, True),
        (("i am", "i'm", "i will be"),
         r"\b(?:i am|i'm|i will be) (?:currently )?(?:away|on (?:vacation|holiday|leave|"
         r"parental leave|sick leave|annual leave)|travelling|traveling|off)\b", 1.5, True),
        ("jag är", r"\bjag är (?:tjänstledig|föräldraledig|sjukskriven|ledig|på semester|"
         r"bortrest|på tjänsteresa|frånvarande|borta)\b", 1.5, True),
        (("ledig", "sjukskriven"), r"\b(?:tjänstledig|föräldraledig|sjukskriven)\b", 1.0, True),
        # "Jag har semester till och med 3 januari": an absence bounded by a date is what
        # autoresponders say; people mention their holiday in passing ("från den 21:a").
        ("semester",
         r"\bjag har semester (?:till och med|t\.?\s?o\.?\s?m\.?|fram till|till)\b", 2.0, True),
        ("semester", r"\b(?:har|på) semester\b", 0.5, True),
    ),
    "a return day": (
        (("will", "shall"),
         r"\b(?:will|shall) (?:be back|return|respond|reply)\b.{0,40}\b(?:on|when|upon|after)\b",
         1.0, True),
        (("back ", "return", "tillbaka ", "åter ", "until ", "till ", "t.o.m. ", "tom "),
         r"\b(?=[ijäbrtåuf])(?:(?:i'm|i am|i'll be|i will be|jag är|är jag) "
         r"(?:back|tillbaka|åter)|back|returning|return|tillbaka|åter|until|till och med|"
         r"t\.o\.m\.|tom|fram till)"
         r"(?: in the office| i tjänst| på kontoret| at work| på jobbet)?"
         r" (?:on |den |the |from |från |på |by |in |i |after |efter )?(?:the |den )?(?:\d|"
         r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:mån|tis|ons|tors|fre|lör|sön)dag|jan|feb|"
         r"mar|apr|may|maj|jun|jul|aug|sep|oct|okt|nov|dec|(?:vecka|week|v\.?) ?\d|"
         + ORDINAL_WORD + ")", 1.0, True),
    ),
    "no access to mail": (
        ("access to", r"\b(?:limited|no|without) access to (?:e-?mail|my e-?mail|email)\b",
         1.5, True),
        (("won't", "will not", "can't", "cannot", "unable to"),
         r"\b(?=[wcab])(?:won't|will not|can't|cannot|(?:am|be) unable to) "
         r"(?:see|read|check|access|answer|respond to|reply to) (?:your |my |any |)"
         r"(?:e-?mails?|messages?|mail)\b", 1.5, True),
        (("läser", "kontrollerar", "nås"),
         r"\b(?:läser|kontrollerar|nås) (?:inte|ej) (?:min )?(?:e-?post|mejl|mail)\b", 1.5, True),
        ("tillgång",
         r"\b(?=[hm])(?:har|med) (?:inte|ej|ingen|begränsad) tillgång till (?:min )?"
         r"(?:e-?post|mejl|mail)\b", 1.5, True),
        ("läses", r"\bmejl läses inte\b|\be-?post(?:en)? läses inte\b", 1.5, True),
        ("tillgång", r"\bbegränsad tillgång till (?:e-?post|mejl|mail|min e-?post)\b", 1.5,
         True),
    ),
    "someone to contact instead": (
        (("urgent", "immediate"),
         r"\bfor (?:urgent|immediate) (?:matters|issues|requests|assistance|questions)\b"
         r"|\bif (?:it's|it is|this is|your (?:matter|message|request) is) urgent\b"
         r"|\bin urgent (?:cases|matters)\b", 1.5, True),
        (("brådsk", "akuta"), r"\b(?:vid|i) (?:brådskande|akuta) (?:ärenden|fall)\b"
         r"|\bom det (?:är brådskande|brådskar)\b", 1.5, True),
    ),
    # "Under tiden nås teamet via lena@example.com", "please contact Erik (erik@...)": an
    # address or a number to use meanwhile, which counts only beside an away statement.
    "someone to reach instead": (
        (("onta", "reach ", "nås", "når du ", "vänd dig ", "call ", "ring "),
         r"\b(?=[cknrv])(?:contact|reach|kontakta|nås|når du|vänd dig till|call|ring) [^\n]{0,60}?"
         r"(?:@|\+?\d[\d -]{6,14}\d)", 1.5, True),
    ),
    "thanks for the message": (
        ("thank you for your", r"\bthank you for your (?:e-?mail|message)\b", 1.0, False),
        ("tack för", r"\btack för (?:ditt|ert) (?:mejl|mail|meddelande|e-?postmeddelande)\b",
         1.0, False),
    ),
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
         r"|\b(?:once|when|after) (?:a|the) moderator (?:has )?approve", 3.0,
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
    ),
}
# The subject's, the same way: (label, needles, pattern, weight, away).
_SUBJECT_RULES: tuple[tuple[str, str | tuple[str, ...], str, float, bool], ...] = (
    ("a recall", ("återkall", "recall"), r"^(?:återkalla|återkallning|recall)\s*:", 3.0, False),
    ("a ticket number", "[", r"\[(?:ticket|ärende|case|request|incident)?\s*#?\s*\d{3,}\]",
     2.0, False),
    # "[REQ-55120] Re: ...", "[INC0083412]": a system's letters and number, nothing else.
    ("a ticket number", "[", r"\[[a-z]{2,6}-?\d{3,}\]", 2.0, False),
    ("a ticket number", ("ticket", "ärende", "case", "request"),
     r"\b(?:ticket|ärende|case|request)\s*#\s*\d{3,}\b", 1.5, False),
    ("moderation", ("moderat", "modere", "godkännande"),
     r"\bawaits moderator approval\b|\b(?:sent|forwarded|submitted) to (?:the )?(?:list )?"
     r"moderators?\b|\bväntar på (?:moderering|moderation)\b"
     r"|\bmeddelande väntar på godkännande\b", 3.0, False),
    ("verification", "verif", r"\b(?:verification required|verifiering krävs|please verify)\b",
     2.0, False),
    # "Please confirm: <our subject>", "Bekräfta: ...": a filter's challenge before it.
    ("verification", ("confirm", "bekräfta"),
     r"^(?:please confirm|confirm|vänligen bekräfta|bekräfta)\s*:", 2.0, False),
    # "Registrerat: <our subject>": a registry's receipt before it.
    ("a receipt", ("regist", "diarief", "logged"),
     r"^(?:registrerat|registrerad|diariefört|registered|logged)\s*:", 2.0, False),
    ("an autoresponse", "auto", r"\bautoresponse\b|\bauto-response\b|\bautomated response\b",
     3.0, True),
)

#: (label, compiled pattern, weight, away), in the order of the tables.
_Compiled = tuple[str, re.Pattern[str], float, bool]
#: Each needle once, with the rules (positions in a table) that need it.
_Needles = tuple[tuple[str, tuple[int, ...]], ...]


def _compile(rules: list[tuple[str, str | tuple[str, ...], str, float, bool]]
             ) -> tuple[tuple[_Compiled, ...], _Needles]:
    """The patterns of a table compiled, and its needles each with the rules that need it."""
    by_needle: dict[str, list[int]] = {}
    for at, (_, needles, _, _, _) in enumerate(rules):
        for needle in (needles,) if isinstance(needles, str) else needles:
            by_needle.setdefault(needle, []).append(at)
    return (tuple((label, re.compile(pattern), weight, away)
                  for label, _, pattern, weight, away in rules),
            tuple((needle, tuple(at)) for needle, at in by_needle.items()))


_BODY_RULES = [(label, *rule) for label, rules in _BODY_BY_KIND.items() for rule in rules]
_BODY, _ = _compile(_BODY_RULES)
#: What an out-of-office says beside its away statement, and means nothing without one: its
#: rules are searched (and their needles looked for) only after an away statement.
_BESIDE_AWAY = ("a return day", "someone to reach instead")
_BODY_NEEDLES, _BESIDE_NEEDLES = (
    _compile([rule if (rule[0] in _BESIDE_AWAY) == beside else (rule[0], (), "", 0.0, False)
              for rule in _BODY_RULES])[1] for beside in (False, True))
_SUBJECT, _SUBJECT_NEEDLES = _compile(list(_SUBJECT_RULES))
_REPLY_PREFIXES = re.compile(r"^\s*((re|sv|aw|vs|fw|fwd)\s*:\s*)+")
_SENDER_LOCAL = re.compile(
    r"^(?:no-?reply|do-?not-?reply|donotreply|noreply[-.+].*|.*[-.+]no-?reply|notifications?|"
    r"support|helpdesk|help-desk|servicedesk|service-desk|ticket|tickets|kundservice|"
    r".*-(?:owner|bounces|request|admin))$")
#: Mailing-list software by name (its "-request", "-owner" and "-bounces" are above): only a
#: list's notices come from it.
_LIST_SOFTWARE = re.compile(r"^(?:listserv|sympa|mailman|majordomo)$")
_FILTER_NAME = re.compile(r"\bvia (?:boxtrapper|spamarrest|mailchannels|sanebox)\b")
_NUMBERED_LINE = re.compile(r"(?m)^\s*[1-5]\s*[.):]\s*\S")


def _evidence(rules: tuple[_Compiled, ...], needles: _Needles, text: str, where: str
              ) -> list[tuple[float, str, bool]]:
    """(weight, reason, away) of each rule whose pattern ``text`` matches, in table order;
    a pattern is searched only when one of its needles is in ``text``."""
    candidates = {at for needle, ats in needles if needle in text for at in ats}
    return [(weight, f"{where}: {label}", away)
            for label, pattern, weight, away in (rules[at] for at in sorted(candidates))
            if pattern.search(text)]


# Words right before a phrase that make it a person talking *about* one: a negation ("not an
# automatic reply"), a possessive ("my automatic reply", "mitt autosvar"), the past ("I was
# out of the office"), or a quotation mark. Autoresponders state what they are plainly.
_TALKED_ABOUT = re.compile(
    r"(?:\b(?:not|no|never|isn't|wasn't|was|were|been|my|your|our|his|her|their|inte|ej|"
    r"aldrig|ingen|inget|inga|var|varit|mitt|ditt|vårt|ert|sitt|mina|dina)\s+"
    r"(?:an?\s+|ett\s+|en\s+|the\s+)?|[\"'“”‘’«»]\s*)$")
# Words right after an away statement that put the absence ahead: a person announcing it
# ("I'm off next week", "jag är ledig nästa vecka"); an autoresponder speaks during it.
_AHEAD = re.compile(
    r",?\s*(?:next|nästa|tomorrow|i ?morgon|soon|snart|later|senare|in a (?:week|few days)|"
    r"om (?:en|ett par|några) (?:vecka|veckor|dagar))\b")
_AWAY, _AUTOMATIC, _MENTION = "an away statement", "says it is automatic", 0.5


def _statements(text: str) -> list[tuple[float, str, bool]]:
    """(weight, reason, away) of each kind of statement ``text`` makes, with its strongest
    match: a match talked about (:data:`_TALKED_ABOUT`) counts for nothing, an absence put
    ahead (:data:`_AHEAD`) as a mention; a return day or someone to reach instead counts only
    beside a (full) away statement or the message saying it is automatic."""
    best: dict[str, tuple[float, bool]] = {}
    _strongest(text, _candidates(_BODY_NEEDLES, text), best)
    if best.get(_AWAY, (0.0, False))[0] >= 1.5 or _AUTOMATIC in best:
        _strongest(text, _candidates(_BESIDE_NEEDLES, text), best)
    return [(weight, f"text: {label}", away) for label, (weight, away) in best.items()]


def _candidates(needles: _Needles, text: str) -> list[int]:
    """The rules (positions, in table order) one of whose needles is in ``text``."""
    return sorted({at for needle, ats in needles if needle in text for at in ats})


def _strongest(text: str, rules: list[int], best: dict[str, tuple[float, bool]]) -> None:
    """Into ``best``, per kind, the (weight, away) of its strongest rule (positions in
    :data:`_BODY`) that ``text`` says and does not talk about."""
    for label, pattern, weight, away in (_BODY[at] for at in rules):
        for match in pattern.finditer(text):
            if _TALKED_ABOUT.search(text, max(0, match.start() - 24), match.start()):
                continue
            if label == _AWAY and _AHEAD.match(text, match.end(), match.end() + 40):
                weight = min(weight, _MENTION)
            if weight > best.get(label, (0.0, False))[0]:
                best[label] = (weight, away)
            break


#: The score of a message with no evidence either way (the sum of no weights is 0).
_NO_EVIDENCE = MachineScore(0, ())


def score_machine(*, sender: str, display_name: str, subject: str, text: str,
                  command: bool = False) -> MachineScore:
    """Weigh the evidence that a message without RFC 3834 headers is machine mail.

    :param sender: the From address (bare); :param display_name: its display name;
    :param subject: the decoded Subject; :param text: the new text of the message (quotes of
        our own prompt must not count); :param command: the text starts with a reply command
        ("Jag har semester, hoppa över"): autoresponders write none, people do.
    """
    found: list[tuple[float, str, bool]] = []
    local = sender.partition("@")[0].casefold()
    if local and _SENDER_LOCAL.match(local):
        weight = 2.0 if "reply" in local or local.endswith(("-owner", "-bounces")) else 1.0
        found.append((weight, "sender: a no-reply or help-desk address", False))
    elif local and _LIST_SOFTWARE.match(local):
        found.append((2.0, "sender: mailing-list software", False))
    if _FILTER_NAME.search(display_name.casefold()):
        found.append((2.0, "sender: a challenge-response filter", False))
    subject_cf = _REPLY_PREFIXES.sub("", subject.casefold())
    found += _evidence(_SUBJECT, _SUBJECT_NEEDLES, subject_cf, "subject")
    head = " ".join(text[:_READ].casefold().split())
    found += _statements(head)
    if len(_NUMBERED_LINE.findall(text[:_READ])) >= 2:
        found.append((-2.0, "numbered answers", False))
    if command:
        found.append((-5.0, "a reply command", False))
    if not found:
        return _NO_EVIDENCE  # most replies
    found.sort(key=lambda item: -item[0])
    score = sum(weight for weight, _, _ in found)
    away = any(a for _, _, a in found) and score >= CONFIDENT
    reasons = tuple(dict.fromkeys(reason for _, reason, _ in found))
    return MachineScore(score, reasons, away)
