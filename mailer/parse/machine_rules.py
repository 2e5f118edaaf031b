"""The evidence tables of :mod:`mailer.parse.machine`: per kind of statement an automatic
mail makes, its Swedish and English forms as (needles, pattern, weight, away), and the
subject's. Data; :mod:`mailer.parse.machine` compiles and weighs them. This module holds an
out-of-office's statements (an away statement, a return day, no access to mail, someone to
reach instead) and the subject's; :mod:`mailer.parse.machine_notices` the notices of systems
(a recall, a sender challenge, a receipt, moderation, a leaving notice, ...).

Weights: 3 or more alone is proof; 1.5-2 a strong hint; 1 a weak one. Each pattern runs only
when one of its needles (lowercase words every match contains) is in the text.
"""

from __future__ import annotations

from mailer.parse.machine_notices import NOTICES_BY_KIND, Rules
from mailer.parse.return_dates import ORDINAL_WORD

# Per kind of statement, (needles, pattern, weight, away) over the casefolded start of the new
# text. A kind counts once, with its strongest match: one sentence said two ways ("jag är
# föräldraledig") is one statement, not two. Weights: 3+ alone is proof; 1.5-2 a strong hint;
# 1 a weak one. An out-of-office has a shape: an away statement *and* a return day, no access
# to mail or someone to contact instead; one statement alone leaves it unsure, as a person
# writes "I'm off next week" too. Every match of a pattern contains one of its needles
# (tests/parse/test_machine.py checks it): one pass over the text finds the needles it holds
# (``_Gate`` in :mod:`mailer.parse.machine`), where a search per pattern costs ~1.5 us, and
# most replies hold few of them.
_OUT_OF_OFFICE: dict[str, Rules] = {
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
         r"parental leave|sick leave|annual leave|a (?:training )?course|a business trip)|"
         r"travelling|traveling|off)\b", 1.5, True),
        ("jag är", r"\bjag är (?:tjänstledig|föräldraledig|sjukskriven|ledig|på semester|"
         r"bortrest|på tjänsteresa|frånvarande|borta)\b", 1.5, True),
        (("ledig", "sjukskriven"), r"\b(?:tjänstledig|föräldraledig|sjukskriven)\b", 1.0, True),
        # "Jag har semester till och med 3 januari": an absence bounded by a date is what
        # autoresponders say; people mention their holiday in passing ("från den 21:a").
        ("semester",
         r"\bjag har semester (?:till och med|t\.?\s?o\.?\s?m\.?|fram till|till)\b", 2.0, True),
        ("semester", r"\b(?:har|på) semester\b", 0.5, True),
        # "I'm at KubeCon with limited access to email", "jag är på mässan med begränsad
        # tillgång till mejl": away, in one statement (the access counts no second time).
        ("access to",
         r"\b(?:i am|i'm|i will be|i'll be) (?:currently )?(?:at|in) "
         r"(?!(?:the |my |our )?(?:office|work|desk)\b)[^.,;:!?\n]{1,40}? with "
         r"(?:(?:very|only|extremely|rather) )?(?:limited|little|no|patchy|intermittent|sporadic) "
         r"access to (?:e-?mail|my e-?mail|my inbox|mail)\b", 1.5, True),
        ("tillgång",
         r"\bjag är (?:just nu )?(?:på|i) (?!(?:kontoret|jobbet|plats)\b)[^.,;:!?\n]{1,40}? "
         r"(?:med|och har) (?:(?:mycket|väldigt|bara|ytterst) )?(?:begränsad|ingen|dålig) "
         r"tillgång till (?:min )?(?:e-?post|mejl|mail|inkorg)\b", 1.5, True),
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
         r"\b(?:har|med) (?:inte|ej|ingen|begränsad) tillgång till (?:min )?"
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
        # "In my absence, please contact Erik": beside an away statement only ("In my absence
        # last week the team shipped it" is a person's news).
        (("absence", "frånvaro"), r"\bin my absence\b|\bunder min frånvaro\b", 1.5, True),
        # Someone else: "call me on 070-..." is the writer's own number, a person's too.
        (("onta", "reach ", "nås", "når du ", "vänd dig ", "call ", "ring "),
         r"\b(?:contact|reach|kontakta|nås|når du|vänd dig till|call|ring) (?!me\b|mig\b)"
         r"[^\n]{0,60}?(?:@|\+?\d[\d -]{6,14}\d)", 1.5, True),
    ),
    "thanks for the message": (
        ("thank you for your", r"\bthank you for your (?:e-?mail|message)\b", 1.0, False),
        ("tack för", r"\btack för (?:ditt|ert) (?:mejl|mail|meddelande|e-?postmeddelande)\b",
         1.0, False),
    ),
}
#: Every kind, an out-of-office's first (their order is the order reasons are listed in).
BODY_BY_KIND: dict[str, Rules] = {**_OUT_OF_OFFICE, **NOTICES_BY_KIND}
# The subject's, the same way: (label, needles, pattern, weight, away).
SUBJECT_RULES: tuple[tuple[str, str | tuple[str, ...], str, float, bool], ...] = (
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
    # "Read: <our subject>", "Läst: ...": Outlook's read receipt when it is sent as a plain
    # message (no RFC 8098 report), its body "Your message ... was read on ..." (the quoted
    # header lines between are cut as quote). A reply's own prefix is "RE:"/"SV:".
    ("a read receipt", ("read", "läst", "gelesen"), r"^(?:read|läst|gelesen)\s*:", 3.0, False),
)
