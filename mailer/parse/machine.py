"""Machine mail told by its content, for mail without RFC 3834 headers. Pure.

Out-of-office notices from client-side rules (Outlook "rules", which add no
``Auto-Submitted``) and web hosts' autoresponders, challenge-response filters ("verify you are
human"), Outlook's message recall ("... vill återkalla meddelandet"), help desks that
acknowledge with a ticket number and keep the thread, and list moderation notices all look like
replies by their headers. :func:`score_machine` weighs the evidence of the sender, the subject
and the new text (Swedish and English phrases) into a score:

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

CONFIDENT = 3.0
UNSURE = 1.5
#: Only the start of the new text is read: autoresponders say what they are at once.
_READ = 1500


@dataclass(frozen=True)
class MachineScore:
    score: float
    #: The evidence, strongest first, for the log and ``mailer parse-reply``, by kind only
    #: ("text: out-of-office wording"): never the words of the message (they go to the log).
    reasons: tuple[str, ...] = ()
    #: The evidence says the sender is away (pauses prompts), not only that a machine wrote.
    away: bool = False

    @property
    def verdict(self) -> str:
        """"machine", "unsure" or "person"."""
        if self.score >= CONFIDENT:
            return "machine"
        return "unsure" if self.score >= UNSURE else "person"


# Per kind of evidence, (needles, pattern, weight, away) over the casefolded start of the new
# text. Weights: 3+ alone is proof; 1.5-2 a strong hint; 1 a weak one. Every match of a pattern
# contains one of its needles (tests/parse/test_machine.py checks it): a substring test costs
# ~40 ns where a search of a whole reply costs ~1.5 us, and most replies hold none of them.
_BODY_BY_KIND: dict[str, tuple[tuple[str | tuple[str, ...], str, float, bool], ...]] = {
    "out-of-office wording": (
        ("auto", r"\b(?:automatic|automated|auto)[ -]?(?:reply|response|responder)\b", 2.0,
         True),
        ("this is a", r"\bthis is an? (?:automatic|automated|auto-generated)\b", 2.0, False),
        ("office", r"\bout of (?:the )?office\b", 2.0, True),
        (("i am", "i'm", "i will be"),
         r"\b(?:i am|i'm|i will be) (?:currently )?(?:away|on (?:vacation|holiday|leave|"
         r"parental leave|sick leave|annual leave)|travelling|traveling|off)\b", 1.5, True),
        ("access to", r"\b(?:limited|no|without) access to (?:e-?mail|my e-?mail|email)\b",
         1.5, True),
        (("will", "shall"),
         r"\b(?:will|shall) (?:be back|return|respond|reply)\b.{0,40}\b(?:on|when|upon|after)\b",
         1.0, True),
        (("urgent", "immediate"),
         r"\bfor (?:urgent|immediate) (?:matters|issues|requests|assistance)\b", 1.5, True),
        ("thank you for your", r"\bthank you for your (?:e-?mail|message)\b", 1.0, False),
        ("automatisk", r"\b(?:automatiskt|automatiska) (?:svar|meddelande|genererat)\b", 2.0,
         True),
        ("autosvar", r"\bautosvar\b", 2.0, True),
        ("jag är", r"\bjag är (?:tjänstledig|föräldraledig|sjukskriven|ledig|på semester|"
         r"bortrest|på tjänsteresa|frånvarande|borta)\b", 2.0, True),
        (("ledig", "sjukskriven"), r"\b(?:tjänstledig|föräldraledig|sjukskriven)\b", 1.0, True),
        ("semester", r"\b(?:har|på) semester\b.{0,60}\b(?:tillbaka|åter)\b", 0.5, True),
        # "Jag har semester till och med 3 januari": an absence bounded by a date is what
        # autoresponders say; people mention their holiday in passing ("från den 21:a").
        ("semester",
         r"\bjag har semester (?:till och med|t\.?\s?o\.?\s?m\.?|fram till|till)\b", 2.0, True),
        ("semester", r"\bjag har semester\b", 0.5, True),
        ("begränsad", r"\bbegränsad tillgång till (?:e-?post|mejl|mail|min e-?post)\b", 1.5,
         True),
        (("läser", "kontrollerar", "nås"),
         r"\b(?:läser|kontrollerar|nås) (?:inte|ej) (?:min )?(?:e-?post|mejl|mail)\b", 1.5, True),
        ("läses inte", r"\bmejl läses inte\b|\be-?post(?:en)? läses inte\b", 1.5, True),
        ("ärenden", r"\bvid (?:brådskande|akuta) ärenden\b", 1.5, True),
        ("tack för", r"\btack för (?:ditt|ert) (?:mejl|mail|meddelande|e-?postmeddelande)\b",
         1.0, False),
    ),
    "a message recall": (  # Outlook
        ("återkalla", r"\bvill återkalla meddelandet\b", 4.0, False),
        ("recall", r"\bwould like to recall the message\b", 4.0, False),
    ),
    "a challenge-response filter": (
        ("human", r"\bverify (?:that )?you are (?:a )?human\b", 3.0, False),
        ("människa", r"\bverifiera att du är en människa\b", 3.0, False),
        ("held", r"\b(?:your message|the message) (?:will be|is being|has been) held\b", 1.5,
         False),
        ("hållits kvar", r"\b(?:ditt|ert) meddelande har hållits kvar\b", 1.5, False),
    ),
    "a help-desk acknowledgement": (
        (("request", "ticket", "case"), r"\b(?:your|the) (?:request|ticket|case) \(?#?\d+\)?",
         2.0, False),
        (("request", "ticket", "case"), r"\b(?:request|ticket|case) #?\d{3,}\b", 1.0, False),
        ("ärende", r"\bärende(?:nummer|nr)?\.? #?\d{3,}\b", 1.0, False),
        ("been", r"\b(?:has been|have been) (?:received|logged|created|opened)\b", 1.5, False),
        (("tagits emot", "skapats", "registrerats", "mottagits"),
         r"\bhar (?:tagits emot|skapats|registrerats|mottagits)\b", 1.5, False),
        ("contacting", r"\bthank you for contacting\b", 1.5, False),
        ("återkommer", r"\bvi återkommer (?:så snart|inom)\b", 1.0, False),
    ),
    "a list moderation notice": (
        ("moderator", r"\bawaits? moderator\b|\blist moderator\b|\bmoderator approval\b", 3.0,
         False),
        ("godkännande", r"\bväntar på godkännande\b|\bgodkännande av (?:en )?moderator\b", 3.0,
         False),
        ("held until", r"\bis being held until\b", 2.0, False),
    ),
    "an unmonitored sender": (
        (("reply to this", "not monitored"),
         r"\b(?:do not|don't|please do not) reply to this\b|\bnot monitored\b", 2.0, False),
        (("svara inte", "bevakas inte"), r"\bsvara inte på (?:detta|det här)\b|\bbevakas inte\b",
         2.0, False),
    ),
}
# The subject's, the same way: (label, needles, pattern, weight, away).
_SUBJECT_RULES: tuple[tuple[str, str | tuple[str, ...], str, float, bool], ...] = (
    ("a recall", ("återkall", "recall"), r"^(?:återkalla|återkallning|recall)\s*:", 3.0, False),
    ("a ticket number", "[", r"\[(?:ticket|ärende|case|request|incident)?\s*#?\s*\d{3,}\]",
     2.0, False),
    ("a ticket number", ("ticket", "ärende", "case", "request"),
     r"\b(?:ticket|ärende|case|request)\s*#\s*\d{3,}\b", 1.5, False),
    ("moderation", ("moderator", "godkännande"),
     r"\bawaits moderator approval\b|\bväntar på godkännande\b", 3.0, False),
    ("verification", "verif", r"\b(?:verification required|verifiering krävs|please verify)\b",
     2.0, False),
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
_BODY, _BODY_NEEDLES = _compile(_BODY_RULES)
_SUBJECT, _SUBJECT_NEEDLES = _compile(list(_SUBJECT_RULES))
_REPLY_PREFIXES = re.compile(r"^\s*((re|sv|aw|vs|fw|fwd)\s*:\s*)+")
_SENDER_LOCAL = re.compile(
    r"^(?:no-?reply|do-?not-?reply|donotreply|noreply[-.+].*|.*[-.+]no-?reply|notifications?|"
    r"support|helpdesk|help-desk|servicedesk|service-desk|ticket|tickets|kundservice|"
    r".*-(?:owner|bounces|request|admin))$")
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
    if _FILTER_NAME.search(display_name.casefold()):
        found.append((2.0, "sender: a challenge-response filter", False))
    subject_cf = _REPLY_PREFIXES.sub("", subject.casefold())
    found += _evidence(_SUBJECT, _SUBJECT_NEEDLES, subject_cf, "subject")
    head = " ".join(text[:_READ].casefold().split())
    found += _evidence(_BODY, _BODY_NEEDLES, head, "text")
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
