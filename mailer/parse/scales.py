"""Scale answers as people write them, when the strict reading finds none. Pure.

:func:`mailer.parse.answers.read_scale` accepts one number on the scale ("4", "4/5", "4 av 5").
People also write "ca 3", "Fyra, lite trött efter releasen", "3/5 idag", "4 🙂",
"How is your energy, 1-5? 3 out of 5", "3-4". :func:`loose_scale` reads those: the question's
own wording and the scale it names ("1-5") are removed, approximations ("ca", "about",
"typ") are dropped, and then exactly one number (digits or a Swedish or English number word)
must be left, or two neighbours joined by a dash ("3-4" is 3.5). Anything else is no value:
the answer stays text with its problem, as before.
"""

from __future__ import annotations

import re

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "ett": 1, "en": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5,
}
_WORD_RE = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
# The scale as the question names it: "1-5", "1–5", "(1-5)", "1 till 5", "1 to 5".
_NAMED_SCALE = re.compile(r"\(?\b1\s*(?:-|–|till|to)\s*5\b\)?\??", re.IGNORECASE)
_APPROX = re.compile(
    r"^(?:ca\.?|cirka|c:a|runt|kring|typ|kanske|nog|ungefär|about|around|approx\.?|"
    r"approximately|maybe|probably|roughly|like|~|≈)\s*", re.IGNORECASE)
_TOKEN = re.compile(
    rf"(?<![\w.,])(?:(?P<a>\d+)\s*(?:-|–|till|to)\s*(?P<b>\d+)(?![\w.,/])"
    rf"|(?P<n>\d+(?:[.,]\d+)?)(?:\s*(?:/|av|utav|of|out of)\s*(?P<d>\d+))?"
    rf"|(?P<w>{_WORD_RE}))(?!\w)", re.IGNORECASE)


def loose_scale(text: str, *, wordings: tuple[str, ...] = (), low: int = 1, high: int = 5
                ) -> int | float | None:
    """The one value on ``low``-``high`` that ``text`` states, or None (see the module).

    :param wordings: the question's wordings: a restated question in front of the number is
        removed first.
    """
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    lowered = line.casefold()
    for wording in sorted(wordings, key=len, reverse=True):
        stem = wording.casefold().rstrip("?").strip()
        if stem and lowered.startswith(stem):
            line = line[len(stem):].lstrip(" ?:-–")
            lowered = line.casefold()
            break
    if not line and len(text.splitlines()) > 1:
        return loose_scale("\n".join(text.splitlines()[1:]), low=low, high=high)
    line = _NAMED_SCALE.sub(" ", line).strip()
    line = _APPROX.sub("", line)
    found = list(_TOKEN.finditer(line))
    if len(found) != 1:
        return None
    match = found[0]
    if match["a"]:
        a, b = int(match["a"]), int(match["b"])
        if b - a == 1 and low <= a and b <= high:
            return (a + b) / 2
        return None
    if match["w"]:
        # A number word counts only at the start ("Fyra, lite trött"), not in a sentence
        # ("Tre saker stör mig" says nothing about energy, neither does "en bra vecka").
        if match.start() != 0 or match["w"].casefold() == "en":
            return None
        value = NUMBER_WORDS[match["w"].casefold()]
    else:
        number = match["n"]
        if not number.isdigit():
            return None
        if match["d"] is not None and int(match["d"]) != high:
            return None
        value = int(number)
    return value if low <= value <= high else None
