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
from collections.abc import Iterator
from dataclasses import dataclass

from mailer.parse.machine_rules import BODY_BY_KIND, SUBJECT_RULES

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


_WORD_START = re.compile(r"\b")


@dataclass(frozen=True)
class _Pattern:
    r"""A rule's pattern, searched the fast way: one that starts with ``\b`` (and has no ``|``
    outside parentheses) is compiled without it, and a match is kept where a word starts.
    sre scans for a pattern's first characters only when it starts with them ("your ...",
    "(?:i am|i'm) ..."); one that starts with ``\b`` it tries at every position, some twenty
    times slower on a reply it does not match."""

    regex: re.Pattern[str]
    word_start: bool

    @classmethod
    def of(cls, pattern: str) -> _Pattern:
        word_start = pattern.startswith(r"\b") and not _or_at_top(pattern)
        return cls(re.compile(pattern[2:] if word_start else pattern), word_start)

    def search(self, text: str, at: int = 0) -> re.Match[str] | None:
        """The first match of the pattern as written in ``text[at:]``."""
        match = self.regex.search(text, at)
        while match and self.word_start and not _WORD_START.match(text, match.start()):
            match = self.regex.search(text, match.start() + 1)  # no word starts there
        return match

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """The matches of the pattern as written, as :meth:`re.Pattern.finditer` finds them."""
        match = self.search(text)
        while match:
            yield match
            match = self.search(text, max(match.end(), match.start() + 1))


def _or_at_top(pattern: str) -> bool:
    r"""Whether ``pattern`` has a ``|`` outside parentheses and sets (a leading ``\b`` then
    belongs to its first alternative only)."""
    depth, in_set, chars = 0, False, iter(pattern)
    for char in chars:
        if char == "\\":
            next(chars, None)  # an escaped character is no syntax
        elif in_set:
            in_set = char != "]"
        elif char == "[":
            in_set = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and not depth:
            return True
    return False


#: (label, pattern, weight, away), in the order of the tables.
_Compiled = tuple[str, _Pattern, float, bool]
_Rule = tuple[str, str | tuple[str, ...], str, float, bool]


@dataclass(frozen=True)
class _Gate:
    """Which rules of a table can match a text, from one pass over it: ``scan`` finds, at each
    position where a needle starts, the longest one; ``rules_of`` it the rules (positions in
    the table) that need it or a shorter needle it starts with."""

    scan: re.Pattern[str]
    rules_of: dict[str, frozenset[int]]

    def candidates(self, text: str) -> list[int]:
        """The rules, in table order, one of whose needles is in ``text``. One C pass: testing
        a hundred needles one by one costs twice as much, and most replies hold none."""
        found: set[int] = set()
        match = self.scan.search(text)
        while match:
            found |= self.rules_of[match[0]]
            # Needles overlap ("i will be" holds "will"): look again from the next character.
            match = self.scan.search(text, match.start() + 1)
        return sorted(found)


def _gate(rules: list[_Rule]) -> _Gate:
    """The :class:`_Gate` of a table, over the needles of its rules."""
    by_needle: dict[str, set[int]] = {}
    for at, (_, needles, _, _, _) in enumerate(rules):
        for needle in (needles,) if isinstance(needles, str) else needles:
            by_needle.setdefault(needle, set()).add(at)
    return _Gate(re.compile(_trie(sorted(by_needle))), {
        needle: frozenset(at for shorter, ats in by_needle.items() if needle.startswith(shorter)
                          for at in ats)
        for needle in by_needle})


def _trie(words: list[str]) -> str:
    """``words`` as a regex that branches on one character at a time and prefers the longest
    word: sre tries an alternation's branches one by one, so a hundred words each tried at
    every position would cost more than the needles spare."""
    heads = sorted({word[0] for word in words if word})
    branches = [re.escape(head) + _trie([word[1:] for word in words if word[:1] == head])
                for head in heads]
    if not branches:
        return ""
    if "" in words:  # a word ends here: longer ones first, then this one
        return "(?:" + "|".join(branches) + ")?"
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


_BODY_RULES: list[_Rule] = [(label, *rule) for label, rules in BODY_BY_KIND.items()
                            for rule in rules]
_BODY: tuple[_Compiled, ...] = tuple((label, _Pattern.of(pattern), weight, away)
                                     for label, _, pattern, weight, away in _BODY_RULES)
_BODY_GATE = _gate(_BODY_RULES)
#: What an out-of-office says beside its away statement, and means nothing without one: its
#: rules are searched only after an away statement.
_BESIDE_AWAY = frozenset(at for at, rule in enumerate(_BODY_RULES)
                         if rule[0] in ("a return day", "someone to reach instead"))
#: A subject is short: searched as written (a word start checked in Python costs more there).
_SUBJECT: tuple[_Compiled, ...] = tuple((label, _Pattern(re.compile(pattern), False), weight, away)
                                        for label, _, pattern, weight, away in SUBJECT_RULES)
_SUBJECT_GATE = _gate(list(SUBJECT_RULES))
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


def _evidence(text: str, where: str) -> list[tuple[float, str, bool]]:
    """(weight, reason, away) of each subject rule whose pattern ``text`` matches, in table
    order."""
    return [(weight, f"{where}: {label}", away)
            for label, pattern, weight, away in (_SUBJECT[at]
                                                 for at in _SUBJECT_GATE.candidates(text))
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
    beside a (full) away statement or the message saying it is automatic; a statement inside
    the words of the away statement is part of it, not a second one ("I'm at KubeCon with
    limited access to email" says it once)."""
    best: dict[str, tuple[float, bool, int, int]] = {}
    candidates = _BODY_GATE.candidates(text)
    _strongest(text, [at for at in candidates if at not in _BESIDE_AWAY], best)
    if best.get(_AWAY, (0.0,))[0] >= 1.5 or _AUTOMATIC in best:
        _strongest(text, [at for at in candidates if at in _BESIDE_AWAY], best)
    _, _, away_start, away_end = best.get(_AWAY, (0.0, False, 0, -1))
    return [(weight, f"text: {label}", away) for label, (weight, away, start, end) in best.items()
            if label == _AWAY or not away_start <= start < end <= away_end]


def _strongest(text: str, rules: list[int], best: dict[str, tuple[float, bool, int, int]]
               ) -> None:
    """Into ``best``, per kind, the (weight, away, start, end) of its strongest rule
    (positions in :data:`_BODY`) that ``text`` says and does not talk about."""
    for label, pattern, weight, away in (_BODY[at] for at in rules):
        for match in pattern.finditer(text):
            if _TALKED_ABOUT.search(text, max(0, match.start() - 24), match.start()):
                continue
            if label == _AWAY and _AHEAD.match(text, match.end(), match.end() + 40):
                weight = min(weight, _MENTION)
            if weight > best.get(label, (0.0,))[0]:
                best[label] = (weight, away, *match.span())
            break


def speaks_of_absence(text: str) -> bool:
    """Whether ``text`` says its writer is away, has no access to mail, names someone to reach
    instead or says it is an automatic reply (the statements an out-of-office makes), said
    plainly, not talked about."""
    return any(away for _, _, away in _statements(_head(text)))


def _head(text: str) -> str:
    """What the statements are read in: the start of ``text``, casefolded, blanks single."""
    return " ".join(text[:_READ].casefold().split())


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
    found += _evidence(subject_cf, "subject")
    found += _statements(_head(text))
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
