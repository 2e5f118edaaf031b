"""Scale answers as people write them, when the strict reading finds none. Pure.

:func:`mailer.parse.answers.read_scale` accepts one number on the scale ("4", "4/5", "4 av 5").
People also write "ca 3", "Fyra, lite trött efter releasen", "3/5 idag", "4 🙂", "fyra av fem",
"En stark trea", "a solid 4", "Somewhere between 2 and 3", "3-4". :func:`loose_scale` reads the
first line of such an answer with a small grammar, the same in Swedish and English:

* the question's own wording and the scale it names ("1-5") are removed;
* a lead is dropped: hedges ("ca", "typ", "ungefär", "runt", "about", "around", "somewhere",
  "I'd say", "idag") and an article with its adjectives before the number ("en stark",
  "a solid", "a weak");
* a number is digits, a half in decimals ("2.5", "4,5": the middle of two neighbours, as
  "3-4" is) or in words after a whole number ("three and a half", "3 and a half", "tre och en
  halv", "tre och halv", "3½": never the number without its half; "a half" alone is none),
  a keycap emoji ("4️⃣"), a cardinal ("fyra", "four") or a Swedish grade noun
  ("trea", "femma", "4:a");
* a value is one number, a number of the scale ("4/5", "fyra av fem", "3 out of 5"), or a
  range of two neighbours, which is kept as its middle like "3-4" (3.5): "3-4", "3 till 4",
  "3 eller 4", "3 or 4", "mellan 3 och 4", "between 3 and 4".

Exactly one value must be on the line, and a value in words only counts where the line starts
with it and it is not counting something ("Tre saker stör mig", "Two meetings too many" say
nothing about energy). One more number may qualify it: "almost" its neighbour on the scale
("Fyra, nästan fem", "4, almost 5" is a four, as "en stark trea" is a three: the number given).
Anything else (off the scale, another scale, two competing numbers, a hedged other: "3, maybe
4", "tre, kanske fyra", a range wider than two neighbours, a decimal that is no half: "3,7", a
range of halves: "2.5-3") is no value: the answer stays text with its problem. "3 or 4" is a
range (3.5); "3, maybe 4" is no range but two numbers, one of them hedged: unclear.
"""

from __future__ import annotations

import re

#: Cardinals on the scale, as :mod:`mailer.parse.commands` also reads them ("paus två veckor").
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "ett": 1, "en": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5,
}
#: Every number word the grammar knows: cardinals to ten (a "sju" or "out of ten" is a number
#: too, so it competes or names another scale) and the Swedish grades ("en stark trea").
_ALL_WORDS = {
    **NUMBER_WORDS,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "sex": 6, "sju": 7, "åtta": 8, "nio": 9, "tio": 10,
    "etta": 1, "tvåa": 2, "trea": 3, "femma": 5, "sexa": 6, "sjua": 7, "nia": 9, "tia": 10,
}
#: Words that are as often an article or a pronoun as a number: a value only as the whole lead
#: ("Ett, helt slut"), never a competitor inside a sentence ("4, one of those weeks").
_AMBIGUOUS = frozenset({"en", "ett", "one"})
# A half in words after a whole number: "three and a half", "3 och en halv", "tre och halv",
# "3½". It belongs to the number, so the number is never read without it.
_HALF = re.compile(r"(?:\s+(?:and\s+a|och\s+en|och)\s+(?:half|halv)|½)$", re.IGNORECASE)
_NUM = (r"(?:\d+(?::a(?!\w)|[.,]\d+|½)?|"
        + "|".join(sorted(_ALL_WORDS, key=len, reverse=True)) + r")(?![\w])"
        + r"(?:\s+(?:and\s+a|och\s+en|och)\s+(?:half|halv)(?!\w))?")
# The scale as the question names it: "1-5", "1–5", "(1-5)", "1 till 5", "1 to 5".
_NAMED_SCALE = re.compile(r"\(?\b1\s*(?:-|–|till|to)\s*5\b\)?\??", re.IGNORECASE)
# Words before the number that do not change it: approximations, "I'd say", "today".
_HEDGES = (
    "ca\\.?", "cirka", "c:a", "runt", "kring", "omkring", "typ", "kanske", "nog", "väl",
    "ungefär", "någonstans", "nästan", "snarare", "jag skulle säga", "skulle säga",
    "jag säger", "jag tror", "jag ligger på", "ligger på", "jag är på", "jag är", "det är",
    "känns som", "ärligt talat", "ärligt", "idag", "i dag", "just nu", "denna vecka",
    "den här veckan", "about", "around", "approx\\.?", "approximately", "maybe", "probably",
    "perhaps", "roughly", "like", "somewhere", "almost", "nearly", "i'd say", "i would say",
    "i guess", "i think", "i'm at", "i am at", "i'm", "i am", "it's", "it is", "feels like",
    "feeling", "honestly", "today", "right now", "this week",
)
_LEAD = re.compile(r"^(?:(?:" + "|".join(_HEDGES) + r")(?![\w])|~|≈)[\s,:;.!?]*",
                   re.IGNORECASE)
#: Hedges of one word: they may also stand before a number later in the line ("Okej, typ 3").
_HEDGE_WORDS = frozenset({"ca", *(h for h in _HEDGES if h.isalpha())})
# "en stark trea", "a solid 4", "mellan en trea och en fyra": the article (with its adjectives)
# goes wherever a number follows it.
_ADJECTIVES = ("stark", "starkt", "svag", "svagt", "klar", "klart", "ren", "stabil", "stabilt",
               "bra", "god", "gott", "hög", "högt", "låg", "lågt", "dryg", "knapp", "hyfsad",
               "solid", "strong", "weak", "clear", "good", "decent", "high", "low", "firm",
               "steady", "shaky", "bare", "pretty", "fairly", "very", "rätt", "ganska")
_ARTICLE = re.compile(r"(?<![\w'])(?:en|ett|an?)\s+(?:(?:" + "|".join(_ADJECTIVES)
                      + r")\s+){0,2}(?=" + _NUM + ")", re.IGNORECASE)
_BEFORE_WORDS = frozenset({*_HEDGE_WORDS, *_ADJECTIVES})
_RANGE_OPS = frozenset({"-", "–", "to", "till", "or", "eller", "and", "och", "à"})
_TOKEN = re.compile(
    rf"(?<![\w.,])(?:(?P<between>between|mellan)\s+)?(?P<a>{_NUM})"
    rf"(?:\s*(?P<op>/|-|–|(?:out\s+of|utav|av|of|to|till|or|eller|and|och|à)(?!\w))\s*"
    rf"(?P<b>{_NUM}))?(?![.,/]\d)", re.IGNORECASE)
# What may follow a value in words: the end, punctuation or an emoji, or a word about the value
# ("fyra idag", "three I think"), not a word it counts ("Två möten för mycket").
_AFTER_WORDS = re.compile(
    r"\s*(?:$|[^\w\s]|(?:idag|i dag|nu|just nu|tror jag|kanske|eller så|denna vecka|"
    r"den här veckan|faktiskt|today|now|right now|i think|i guess|maybe|or so|ish|this week|"
    r"actually)(?!\w))",
    re.IGNORECASE)
# "Fyra, nästan fem", "4, almost 5": a neighbour after "almost" qualifies the number given
# (still a four), where "3, maybe 4" gives two (no value, as "3 now, 4 yesterday").
_ALMOST = re.compile(r"\s*[,;–—-]?\s*(?:almost|nearly|nästan)\s+", re.IGNORECASE)
_MAX_LINE = 200  # an answer's first line; longer is prose, and the regexes stay cheap


def loose_scale(text: str, *, wordings: tuple[str, ...] = (), low: int = 1, high: int = 5,
                leading: bool = False) -> int | float | None:
    """The one value on ``low``-``high`` that ``text`` states, or None (see the module).

    :param wordings: the question's wordings: a restated question in front of the number is
        removed first.
    :param leading: the value must come first, hedges aside, and be followed by the end,
        punctuation or a word about it, digits too ("I'd say a 2, ..." but not "2 projects"):
        for a line that only names the question's topic before it
        (:mod:`mailer.parse.labelled`).
    """
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    line = line.replace("\u2019", "'")  # "I’d say": phones type the curly apostrophe
    if "\u20e3" in line:  # a keycap emoji ("4️⃣": the digit, a variation selector, a box)
        line = line.replace("\ufe0f", "").replace("\u20e3", "")
    lowered = line.casefold()
    for wording in sorted(wordings, key=len, reverse=True):
        stem = wording.casefold().rstrip("?").strip()
        if stem and lowered.startswith(stem):
            line = line[len(stem):].lstrip(" ?:-–")
            lowered = line.casefold()
            break
    if not line and len(text.splitlines()) > 1:
        return loose_scale("\n".join(text.splitlines()[1:]), low=low, high=high,
                           leading=leading)
    if len(line) > _MAX_LINE:
        return None
    line = _NAMED_SCALE.sub(" ", line).replace("(", " ").replace(")", " ")
    return _value(_lead_dropped(line.strip()), low, high, leading)


def _lead_dropped(line: str) -> str:
    """``line`` without the hedges and the article in front of its number."""
    for _ in range(4):  # "ungefär runt", "I'd say about": a few hedges, never a loop
        match = _LEAD.match(line)
        if not match or not match.end():
            break
        line = line[match.end():]
    return _ARTICLE.sub("", line)


def _value(line: str, low: int, high: int, leading: bool = False) -> int | float | None:
    found = [m for m in _TOKEN.finditer(line)
             if m.start() == 0 or m["b"] or m["a"].casefold() not in _AMBIGUOUS]
    end = found[0].end() if found else 0  # where the value's words end
    if len(found) == 2 and _almost(line, found[0], found[1], low, high):
        end = found.pop().end()
    if len(found) != 1 or (leading and found[0].start()):
        return None
    match = found[0]
    a = _number(match["a"])
    b = _number(match["b"]) if match["b"] else None
    worded = not match["a"][0].isdigit() or not (match["b"] or "0")[0].isdigit()
    if a is None or ((worded or leading) and (not _opens_clause(line[:match.start()])
                                              or not _AFTER_WORDS.match(line, end))):
        return None
    if match["a"].casefold() == "en" and not match["op"]:
        return None
    op = " ".join(match["op"].casefold().split()) if match["op"] else None
    if op is None:
        value: int | float | None = None if match["between"] else a
    elif b is None:
        value = None
    elif op in _RANGE_OPS:
        # "and"/"och" join a range only after "between"/"mellan": "3 och teamet 4" is two.
        joined = op not in ("and", "och") or bool(match["between"])
        whole = isinstance(a, int) and isinstance(b, int)  # "2.5-3" is no range of neighbours
        value = (a + b) / 2 if joined and whole and abs(b - a) == 1 and low <= min(a, b) else None
    else:  # "/", "av", "of", "out of": the scale's own top must follow
        value = a if b == high and not match["between"] else None
    return value if value is not None and low <= value <= high else None


def _almost(line: str, given: re.Match[str], then: re.Match[str], low: int, high: int) -> bool:
    """``then`` is "almost" the whole neighbour on the scale of the whole number ``given``
    ("Fyra, nästan fem", "4 almost 5"): it qualifies it."""
    qualifier = _ALMOST.match(line, given.end())
    if qualifier is None or qualifier.end() != then.start() or given["b"] or then["b"]:
        return False
    first, second = _number(given["a"]), _number(then["a"])
    return (isinstance(first, int) and isinstance(second, int) and abs(second - first) == 1
            and low <= second <= high)


def _opens_clause(before: str) -> bool:
    """A value in words counts where it opens the line or a clause ("Hyfsat, typ trea"),
    hedges and adjectives aside, not inside a sentence ("Laget kom trea")."""
    words = before.split()
    while words and words[-1].casefold() in _BEFORE_WORDS:
        words.pop()
    return not words or words[-1][-1] in ",;:.!?–—-"


def _number(token: str) -> int | float | None:
    """A whole number of digits or words, or a half in decimals ("2.5", "4,5": the middle of
    two neighbours, as "3-4" is) or in words ("three and a half", "3 och en halv", "3½");
    None for another decimal ("3,7": a precision the scale does not have)."""
    in_words = _HALF.search(token)
    if in_words:  # "three and a half", "3½": a whole number and a half; "3.5 and a half" is none
        whole_number = _number(token[:in_words.start()])
        return whole_number + 0.5 if isinstance(whole_number, int) else None
    token = token.removesuffix(":a").removesuffix(":A")  # "en 4:a", a grade in digits
    if token.isdigit():
        return int(token)
    whole, sep, decimals = token.replace(",", ".").partition(".")
    if sep:  # "4.0" is 4, "4,5" is 4.5; no other decimal is on the scale
        half = {"": 0, "5": 0.5}.get(decimals.rstrip("0"))
        return None if half is None or not whole.isdigit() else int(whole) + half
    return _ALL_WORDS.get(token.casefold())
