"""What an answer is about, with the words that show it: obstacle themes and reported progress.

Pure. A claim in the digest ("two people mention meetings", "Anna reported progress") is made
only from a :class:`Match`, which carries the words of the answer, as the person wrote them,
that the claim rests on. The method, so a manager (or a test) can follow it:

1. **Clauses**: an answer is cut at sentence marks, commas, semicolons, dashes and at "men" /
   "but", because a negation or a "nothing" never reaches across them ("Nothing, except the
   CI is slow" is about CI).
2. **Lemmas**: every word is reduced to its dictionary form with simplemma (Swedish and English
   dictionaries; the answer's own language first), so "mötena", "möten" and "möte", or
   "meetings" and "meeting", are one entry in the lexicon. Swedish compounds are matched by
   their head or first part where the lexicon says so ("statusmöte", "mötestid").
3. **Curated lexicons** per theme (:data:`THEMES`): single lemmas, fixed phrases of lemmas
   ("focus time", "hinna inte") and pairs that must occur in the same clause ("fuzzy" with
   "spec"). Nothing is matched by a loose prefix: "fokus" is not "prioriteringar".
4. **Negation**: a term does not count when a negation ("inte", "inga", "no", "not", "never",
   "without"...) stands up to three words before it or, as Swedish puts it after the verb, up
   to two words after it, in the same clause: "Inga problem med mötena", "no meetings this
   week" and "väntar inte längre" are no claims. Phrases that contain their own negation
   ("hinner inte") are matched as written.
5. **One theme per clause**, the most specific first (:data:`ORDER`): "still waiting on
   access to staging" is about access, not about waiting in general.

Progress (:func:`progress`) counts only a positive statement: a non-negated word of progress
("framsteg", "klar", "merged", "done", "a small step"...) and no word of standing still
("står still", "stalled", "not yet", "inte mycket", "försenad"...) anywhere in the answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import simplemma

#: A term of a lexicon: a phrase of lemma patterns that must follow each other ("focus time"),
#: or with ``together`` a set that must occur in the same clause in any order. A pattern is a
#: lemma, ``"x*"`` (a compound that starts with x) or ``"*x"`` (a compound whose head is x).


@dataclass(frozen=True)
class Term:
    patterns: tuple[str, ...]
    together: bool = False


def _terms(*specs: str) -> tuple[Term, ...]:
    """``"möte"``, ``"focus time"`` (a phrase), ``"fuzzy & spec"`` (the same clause)."""
    terms = []
    for spec in specs:
        if "&" in spec:
            terms.append(Term(tuple(p.strip() for p in spec.split("&")), together=True))
        else:
            terms.append(Term(tuple(spec.split())))
    return tuple(terms)


_UNCLEAR = ("oklar", "otydlig", "luddig", "vag", "unclear", "fuzzy", "vague", "confusing")
_WHAT = ("spec", "specifikation", "krav", "requirement", "scope", "mål", "goal", "sprint",
         "plan", "planering", "roadmap", "ansvar", "ownership")

#: theme -> its terms. Curated from real answers; every entry names something that gets in the
#: way, so a match is about the theme and not merely near it.
THEMES: dict[str, tuple[Term, ...]] = {
    "access": _terms(
        "behörighet", "*behörighet", "åtkomst", "*åtkomst", "access", "permission", "vpn",
        "inloggning", "logga in", "login", "log in", "lösenord", "password", "licens",
        "license", "licence"),
    "priorities": (
        *_terms("prioritet", "*prioritet", "prioritering", "*prioritering", "prioritera",
                "priority", "prioritise", "prioritize", "prioritisation", "prioritization",
                "riktning", "direction", "motstridig", "conflicting"),
        *(Term((u, w), together=True) for u in _UNCLEAR for w in _WHAT),
    ),
    "information": _terms(
        "information", "informera", "inform", "kommunikation", "kommunicera", "communication",
        "communicate", "beslut*", "decision", "decide", "dokumentation", "documentation"),
    "workload": _terms(
        "arbetsbelastning", "*belastning", "workload", "overload", "överbelasta*", "övertid",
        "overtime", "stress", "stressa", "stressad", "stressful", "deadline*", "tidsbrist",
        "hinna inte", "inte hinna", "too much work", "för mycket att göra", "burnout",
        "utbränd"),
    "meetings": _terms(
        "möte", "*möte", "mötes*", "meeting", "kalender", "calendar", "fokustid", "focus time",
        "avbrott", "interruption", "kontextbyte*", "context switching", "context switch"),
    "tools": _terms(
        "ci", "flaky", "flakig", "flakiga", "pipeline", "byggtid", "bygge", "build time",
        "testmiljö", "test environment", "staging"),
    "time_zones": (
        *_terms("överlapp*", "overlap", "tidszon*", "timezone", "time zone", "tidsskillnad",
                "time difference"),
        Term(("hitta", "tid", "kollega"), together=True),
    ),
    "waiting": _terms(
        "vänta", "wait", "blockera", "blockerad", "block", "blocked", "beroende", "depend",
        "dependency", "godkännande", "approval", "approve"),
}
#: The most specific theme first; a clause counts for the first theme it matches.
ORDER = ("access", "priorities", "information", "workload", "meetings", "tools", "time_zones",
         "waiting")

#: Words that say a theme word is meant positively in this clause ("Tydliga prioriteringar").
_CANCEL = {"priorities": frozenset({"tydlig", "tydliga", "tydligt", "clear"})}

NEGATIONS = frozenset({
    "inte", "ej", "ingen", "inget", "inga", "aldrig", "utan", "icke",
    "not", "no", "never", "without", "none", "nothing", "nor", "neither",
})
_BEFORE = 3
_AFTER = 2

PROGRESS = _terms(
    "framsteg", "progress", "klar", "klart", "färdig", "done", "finish", "finished", "complete",
    "slutföra", "merge", "mergad", "mergat", "merga", "ship", "shipped", "leverera",
    "levererat", "deliver", "release", "släppa", "steg", "step", "halvvägs", "halfway",
    "lösa", "löst", "solve", "fix", "fixa", "fixat", "migrera", "migrate", "flytta",
    "stänga", "close", "skriva", "write", "börja", "start", "started", "komma igång",
    "going well", "fungera", "work", "procent", "percent")
STANDSTILL = _terms(
    "stå stilla", "stå still", "står still", "stall", "stalled", "stuck", "köra fast",
    "sitta fast", "not much", "inte mycket", "not yet", "inte än", "inte ännu", "no progress",
    "inga framsteg", "inget framsteg", "försena*", "försenad", "delay", "delayed", "behind",
    "efter schemat", "backa", "not move", "not moving", "inte röra", "nothing", "ingenting",
    "inget hänt", "pausa", "paused", "on hold", "vänta", "wait", "blockera", "blocked")

_CLAUSE = re.compile(r"[.!?;:,()\[\]\n]+|\s[–—-]\s|\s(?:men|but|except|utom|förutom)\s",
                     re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
_NT = re.compile(r"n't\b", re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    """What a claim rests on: the theme (or "progress") and the words as written."""

    theme: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class _Token:
    surface: str
    lemma: str
    fits: frozenset[str]  # the lexicon patterns this word matches (see :func:`_fitting`)


@lru_cache(maxsize=65536)
def lemma(word: str, language: str) -> str:
    """The dictionary form of a lower-case word, the answer's language tried first."""
    other = "en" if language == "sv" else "sv"
    first = language if language in ("sv", "en") else "en"
    return simplemma.lemmatize(word, lang=(first, other)).lower()


def clauses(text: str, language: str) -> list[list[_Token]]:
    """The answer as clauses of (word as written, lemma, the patterns it fits)."""
    flat = _NT.sub(" not", unicodedata.normalize("NFKC", text))
    result = []
    for part in _CLAUSE.split(flat):
        words = _WORD.findall(part)
        tokens = [_Token(w, lem, _fitting(w.lower(), lem))
                  for w in words for lem in (lemma(w.lower(), language),)]
        if tokens:
            result.append(tokens)
    return result


#: Swedish inflection endings after a compound's head ("statusmöten", "statusmötena").
_ENDINGS = ("", "n", "en", "et", "na", "ar", "er", "or", "arna", "erna", "orna", "ens", "ets")


def _patterns() -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]:
    """Every pattern of every lexicon: exact lemmas, prefixes ("x*"), compound heads ("*x")."""
    every = {p for terms in (*THEMES.values(), PROGRESS, STANDSTILL)
             for term in terms for p in term.patterns}
    return (frozenset(p for p in every if "*" not in p),
            tuple(sorted(p for p in every if p.endswith("*"))),
            tuple(sorted(p for p in every if p.startswith("*"))))


_EXACT, _PREFIXES, _HEADS = _patterns()


@lru_cache(maxsize=65536)
def _fitting(lowered: str, lemma: str) -> frozenset[str]:
    """The patterns a word fits, by its lemma or as written; computed once per word, so a
    term is matched by set look-ups (a digest tests thousands of terms)."""
    found = set()
    for form in (lemma, lowered):
        if form in _EXACT:
            found.add(form)
        found.update(p for p in _PREFIXES if form.startswith(p[:-1]))
        found.update(p for p in _HEADS
                     if any(form.endswith(p[1:] + end) and len(form) > len(p) - 1 + len(end)
                            for end in _ENDINGS))
    return frozenset(found)


def _negated(tokens: Sequence[_Token], start: int, end: int) -> bool:
    before = tokens[max(0, start - _BEFORE):start]
    after = tokens[end:end + _AFTER]
    return any(t.surface.lower() in NEGATIONS for t in (*before, *after))


def _find(term: Term, tokens: Sequence[_Token], present: frozenset[str]
          ) -> tuple[int, ...] | None:
    """Indexes of the tokens that make up ``term`` in the clause, or None. ``present`` is
    every pattern some word of the clause fits: most terms are ruled out by it at once."""
    if not present.issuperset(term.patterns):
        return None
    if term.together:
        found = []
        for pattern in term.patterns:
            index = next((i for i, t in enumerate(tokens) if pattern in t.fits), None)
            if index is None:
                return None
            found.append(index)
        return tuple(sorted(found))
    size = len(term.patterns)
    for start in range(len(tokens) - size + 1):
        if all(p in tokens[start + k].fits for k, p in enumerate(term.patterns)):
            return tuple(range(start, start + size))
    return None


def _present(tokens: Sequence[_Token]) -> frozenset[str]:
    return frozenset().union(*(t.fits for t in tokens))


def _hits(terms: Iterable[Term], tokens: Sequence[_Token]) -> list[str]:
    """The words (as written) of every term found in the clause and not negated."""
    words: list[str] = []
    present = _present(tokens)
    for term in terms:
        found = _find(term, tokens, present)
        if found is None:
            continue
        has_own_negation = any(tokens[i].surface.lower() in NEGATIONS for i in found)
        if not has_own_negation and _negated(tokens, found[0], found[-1] + 1):
            continue
        words += [tokens[i].surface for i in found if tokens[i].surface not in words]
    return words


@lru_cache(maxsize=4096)
def themes(text: str, language: str) -> tuple[Match, ...]:
    """The themes an obstacle answer raises, each with its words; one theme per clause."""
    found: dict[str, list[str]] = {}
    for tokens in clauses(text, language):
        surfaces = {t.surface.lower() for t in tokens}
        for name in ORDER:
            if _CANCEL.get(name, frozenset()) & surfaces:
                continue
            words = _hits(THEMES[name], tokens)
            if words:
                found.setdefault(name, [])
                found[name] += [w for w in words if w not in found[name]]
                break
    return tuple(Match(name, tuple(words)) for name, words in found.items())


def progress(text: str, language: str, goals: Iterable[str] = ()) -> Match | None:
    """A positive statement of progress, with its words; None for anything else.

    :param goals: the person's goals; an answer that starts by naming one ("Ship the billing
        migration: ...") is judged on what follows, never on the goal's own words.
    """
    return _progress(text, language, tuple(goals))


@lru_cache(maxsize=4096)
def _progress(text: str, language: str, goals: tuple[str, ...]) -> Match | None:
    for goal in goals:
        head = goal.strip()
        if head and text.strip().lower().startswith(head.lower()):
            text = text.strip()[len(head):].lstrip(" :–—-")
            break
    parts = clauses(text, language)
    if any(_find(term, tokens, _present(tokens)) is not None
           for tokens in parts for term in STANDSTILL):
        return None
    words = [w for tokens in parts for w in _hits(PROGRESS, tokens)]
    return Match("progress", tuple(dict.fromkeys(words))) if words else None
