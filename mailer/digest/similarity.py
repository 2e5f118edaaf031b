"""Short-answer text matching for the digest: "is this the same obstacle again?" and themes. Pure.

The method is deliberately simple, so a manager (or a test) can follow why two answers matched:

1. **Normalise**: Unicode NFKC, lower case, words of letters and digits (Swedish å, ä, ö are kept:
   folding them would merge "får" and "far").
2. **Drop stopwords**: the common function words of Swedish and English, plus the words people
   use to say "nothing" ("inga", "nothing", "n/a"), so "Inga hinder" leaves no content at all.
3. **Light stemming**: strip up to two common inflection suffixes (Swedish definite and plural
   forms, English plural, -ing, -ed), keeping a stem of at least four letters.
   "prioriteringarna", "prioriteringen" and "prioriteringar" all end up the same, as do
   "meetings" and "meeting". It is not a real stemmer: it only has to treat the same word
   the same way in two answers.
4. **Compare token sets**: two answers are the same obstacle when their Jaccard index (shared
   words / all words) is at least 1/3, or when they share at least two words that make up two
   thirds of the shorter answer (a terse "staging access" against a long account of the same
   problem). One shared word alone never matches two long answers: "meeting" is too common.

Themes (:func:`themes`) are small keyword lists over the same tokens: an answer mentions the
"priorities" theme when one of its words starts with one of the theme's prefixes. They feed the
rules that suggest next steps when several people raise the same kind of problem.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

JACCARD_MIN = 1 / 3
OVERLAP_MIN = 2 / 3
OVERLAP_MIN_SHARED = 2

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

_STOP_EN = """
a about above after again all also am an and any are as at be because been before being below
between both but by can could did do does doing done down during each few for from further get
got had has have having he her here hers him his how i if in into is it its itself just me more
most my no nor not now of off on once only or other our ours out over own same she should so
some still such than that the their them then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you your
yours yet again really bit quite lot lots much many one thing things day days week weeks
nothing none nope na n/a nil nada fine ok okay good great well
"""
_STOP_SV = """
och att det som en ett är på av för med till den har de inte om så var jag du vi ni han hon
man sig sin sitt sina men eller när då kan ska skulle vill måste blir blev bli varit vara
finns fanns från ut upp in över under efter innan mot hos utan vid genom mycket lite mer
mest alla allt andra annan annat någon något några ingen inget inga denna detta dessa här där
hur vad vem vilka vilket vilken mig dig oss er dem min mitt mina din ditt dina vår vårt våra mellan
också bara än ju nu nog väl redan fortfarande igen hela helt just typ sak saker dag dagar
vecka veckan veckor nej ja bra okej ok fint lugnt inget inga ingenting nix
"""
STOPWORDS: frozenset[str] = frozenset((_STOP_EN + _STOP_SV).split())

# Longest first: the first suffix that leaves a stem of four letters or more is stripped.
_SUFFIXES = (
    "heterna", "arna", "erna", "orna", "heten", "ande", "ende", "ness", "ies", "ing",
    "ens", "ets", "ar", "er", "or", "en", "et", "na", "ed", "es", "s", "a", "e", "n",
)
_MIN_STEM = 4

#: theme -> word prefixes (matched against normalised words before stemming).
THEMES: dict[str, tuple[str, ...]] = {
    "priorities": ("priorit", "fokus", "focus", "riktning", "direction", "conflicting",
                   "motstrid", "goal", "mål", "viktigast", "scope"),
    "workload": ("workload", "overload", "overtime", "övertid", "stress", "busy", "deadline",
                 "arbetsbörd", "belastning", "hinner", "hann", "tidsbrist", "överbelast"),
    "meetings": ("meeting", "möte", "möten", "mötes", "calendar", "kalender"),
    "access": ("access", "åtkomst", "behörighet", "permission", "vpn", "login", "inlogg",
               "password", "lösenord", "licens", "license", "laptop", "dator"),
    "waiting": ("waiting", "wait", "väntar", "vänta", "blocked", "blockerad", "blocker",
                "depend", "beroende", "approval", "godkänn"),
    "information": ("information", "informera", "informed", "communicat", "kommunik",
                    "context", "kontext", "dokumentation", "documentation", "beslut",
                    "decision"),
}


def words(text: str) -> list[str]:
    """Lower-cased words of letters and digits, after NFKC normalisation."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


def _strip(word: str) -> str:
    if word.endswith("ies") and len(word) - 3 >= _MIN_STEM - 1:
        return word[:-3] + "y"
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


def stem(word: str) -> str:
    """Strip up to two inflection suffixes, each time keeping a stem of four letters or more.

    Two passes make stacked endings agree: "meetings" and "meeting" both become "meet",
    "servern" and "server" both "serv".
    """
    return _strip(_strip(word))


@lru_cache(maxsize=8192)
def tokens(text: str) -> frozenset[str]:
    """The content of an answer: stemmed words, without stopwords and one-letter words."""
    return frozenset(stem(w) for w in words(text) if len(w) > 1 and w not in STOPWORDS)


def has_content(text: str) -> bool:
    """False for empty answers and answers that only say "nothing" ("Inga hinder" keeps
    "hinder", so callers check the obstacle question with :func:`is_nothing` as well)."""
    return bool(tokens(text))


_NOTHING_WORDS = frozenset({"hinder", "obstacle", "obstacles", "blocker", "blockers", "problem",
                            "problems", "issue", "issues", "special", "speciellt", "särskilt",
                            "direkt", "egentligen", "really", "particular", "right", "moment",
                            "stunden", "för", "tillfället"})


#: Words that say "none" of something. Only when one is there may the answer also carry
#: the filler of a reassurance ("No real blockers", "Inget särskilt, det rullar på").
_NONE_WORDS = frozenset({"no", "none", "nothing", "nope", "inga", "inget", "ingen", "nej"})
#: That filler: never enough on its own ("Inte bra" is an obstacle), and never hiding a real
#: content word ("Nothing, except the CI is slow" keeps "except", "ci", "slow").
_REASSURING_WORDS = frozenset({
    "major", "real", "big", "serious", "blocking", "stopping", "stops", "blocks", "holding",
    "back", "good", "fine", "well", "great", "ok", "okay", "smooth", "smoothly", "going",
    "moment", "currently", "week", "today", "direkta", "stora", "större", "allvarliga",
    "stoppar", "hindrar", "bromsar", "rullar", "bra", "fint", "lugnt", "smidigt", "går",
    "veckan", "idag", "dagsläget", "närvarande", "mig", "me", "us", "oss",
})


_POSITIVE_WORDS = frozenset({"good", "fine", "great", "ok", "okay", "bra", "fint", "lugnt",
                             "smooth", "smidigt"})
_NEGATION_WORDS = frozenset({"not", "inte", "ej", "isn", "aren", "don", "doesn", "never", "aldrig"})


def is_nothing(text: str) -> bool:
    """True when an answer says there is nothing to report.

    Nothing: an empty answer or a dash; a "none" with at most filler ("Inga hinder just nu",
    "None!", "No real blockers", "Inget särskilt, det rullar på"); a plain reassurance
    ("All good", "Allt bra"). Something: any other content word ("Nothing, except the CI is
    slow"), or a negated reassurance ("Inte bra", "not going well").
    """
    every = set(words(text))
    content = {w for w in every if w not in STOPWORDS and len(w) > 1}
    if content - _NOTHING_WORDS - _REASSURING_WORDS:
        return False
    if not every or every & _NONE_WORDS:
        return True
    return bool(every & _POSITIVE_WORDS) and not every & _NEGATION_WORDS


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def similar(a: str, b: str) -> bool:
    """Whether two answers describe the same thing (see the module docstring for the rule)."""
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return False
    shared = len(ta & tb)
    if shared / len(ta | tb) >= JACCARD_MIN:
        return True
    return shared >= OVERLAP_MIN_SHARED and shared / min(len(ta), len(tb)) >= OVERLAP_MIN


def themes(text: str) -> frozenset[str]:
    """The themes an answer mentions (keys of :data:`THEMES`)."""
    found = {w for w in words(text) if w not in STOPWORDS}
    return frozenset(name for name, prefixes in THEMES.items()
                     if any(w.startswith(prefixes) for w in found))


def shorten(text: str, limit: int = 160) -> str:
    """One line of at most ``limit`` characters, cut at a word boundary with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def first_similar_run(texts: Iterable[str]) -> int:
    """How many of ``texts`` (newest first) in a row match the first one; 0 when it is empty."""
    items = list(texts)
    if not items or not has_content(items[0]) or is_nothing(items[0]):
        return 0
    run = 1
    for text in items[1:]:
        if not similar(items[0], text):
            break
        run += 1
    return run
