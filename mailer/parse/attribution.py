"""Attributions: the line(s) a client writes above the text it quotes ("On <date>, <name>
wrote:", "Den 3 mars 2025 kl. 10:02 skrev Anna <anna@x.se>:", Gmail's wrapped forms).

This module owns their recognition: how strong a candidate text is (:func:`attr_strength`),
the cheap gates that say no attribution can end on a line (:func:`may_end_attribution`,
:func:`ends_in_colon_or_verb`), the walk back over a wrapped attribution
(:func:`attribution_ending_at`) and the split of a reply glued to its attribution on one
line (:func:`split_glued_attributions`). Pure functions over lines; the patterns are
:mod:`mailer.parse.quote_patterns`', and :mod:`mailer.parse.extract` runs these in its pass.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mailer.parse.quote_patterns import (
    ATTR_START,
    DASH_FRAMED,
    DATE_NAME_ADDR,
    EMAIL,
    GMAIL_GMT,
    INNER_ON,
    MAX_ATTR,
    QUOTE,
    TIME_OR_NUMDATE,
    VERB_ANYWHERE,
    VERB_END,
    VERB_ONLY,
    VERB_SUFFIXES,
    YEAR,
)

#: The last character of every verb of VERBS, matched as VERB_END matches it (ignoring case).
_VERB_LAST = re.compile(r"[estvrbóofniłl)лавеuaı道ジ성]", re.IGNORECASE)


def _may_end_with_verb(text: str) -> bool:
    """False when VERB_END cannot match ``text``: what it matches ends with a verb, then
    blanks, a colon and a line break, each optional.  One character instead of the search."""
    text = text.removesuffix("\n")
    if text.endswith((":", "：")):
        text = text[:-1]
    text = text.rstrip()
    return bool(text) and _VERB_LAST.fullmatch(text[-1]) is not None


def attr_strength(text: str, *, strong_start: bool) -> int:
    """0: not an attribution; 1: only before a ``>`` quote; 2: also as an unquoted cut."""
    text = text.strip(" \t-*_")
    if len(text) > MAX_ATTR or len(text) < 6:
        return 0
    # Both start with four digits (``\d`` is a subset of ``str.isdigit``).
    if text[:4].isdigit() and (GMAIL_GMT.match(text) or DATE_NAME_ADDR.fullmatch(text)):
        return 2
    # Each search runs only when its answer is needed (EMAIL needs an "@").
    tail = text[-60:]
    verb = VERB_END.search(tail) if _may_end_with_verb(tail) else None
    if verb:
        has_email = "@" in text and EMAIL.search(text) is not None
        if verb.group("verb").lower() == "sent" and not has_email:
            return 0  # "sent" ends too many sentences; talon's "<addr> sent:" has an address
        if has_email:
            return 2
        any_date = TIME_OR_NUMDATE.search(text) is not None or YEAR.search(text) is not None
        if any_date and strong_start:
            return 2
        # A date alone ("pe 20. lokakuuta 2017 klo 17.50 X kirjoitti:") is enough above a
        # quote, but an unquoted cut on it could eat a real answer ("Meeting 10:00 ... wrote").
        return 1 if any_date else 0
    if text.endswith((":", "：")):
        precise_date = TIME_OR_NUMDATE.search(text) is not None
        if not (precise_date or YEAR.search(text)):
            return 0
        if "@" in text and EMAIL.search(text):
            return 2
        # Apple Mail de/sv/da: "Am 25.06.2015 um 10:55 schrieb Test user:" (verb mid-line)
        if precise_date and VERB_ANYWHERE.search(text):
            return 2 if strong_start else 1
    return 0


#: What the last character of an attribution's last line can be, lower-cased: a colon, the
#: last letter of a verb, or a blank, dash or star that :func:`ends_in_colon_or_verb` strips.
_ATTR_LAST = frozenset(suffix[-1] for suffix in VERB_SUFFIXES) | frozenset(":： -*")
#: Every character that lower-cases to one of _ATTR_LAST: a set test instead of a lower().
ATTR_LAST_ANY_CASE = _ATTR_LAST | frozenset(char.upper() for char in _ATTR_LAST)


def may_end_attribution(stripped: str) -> bool:
    """False when :func:`attribution_ending_at` cannot find an attribution ending at this
    (stripped, non-blank) line.

    GMAIL_GMT and DATE_NAME_ADDR start with a numeric date (:func:`_numeric_date_first`),
    DASH_FRAMED with "--", and any other attribution ends in a colon or a verb of VERBS
    (:func:`ends_in_colon_or_verb`, after a test on the last character).
    """
    return (
        stripped[-1] in ATTR_LAST_ANY_CASE and ends_in_colon_or_verb(stripped)
        # _numeric_date_first, written out: this runs on most lines of an unquoted original.
        or stripped[:4].isdigit() and stripped[4:5] in ("-", "/", ".")
        or stripped[:2] == "--"
    )


def _numeric_date_first(stripped: str) -> bool:
    """The line starts like GMAIL_GMT and DATE_NAME_ADDR: four digits and a separator
    (``\\d`` is a subset of ``str.isdigit``)."""
    return stripped[:4].isdigit() and stripped[4:5] in ("-", "/", ".")


def ends_in_colon_or_verb(stripped: str) -> bool:
    """The (stripped, non-blank) line ends in a colon or a verb of VERBS, as the last line of
    an attribution other than GMAIL_GMT, DATE_NAME_ADDR and DASH_FRAMED must."""
    tail = stripped.rstrip(" -*")[-60:]
    if tail.endswith((":", "：")):
        return True
    return tail.lower().endswith(VERB_SUFFIXES) and VERB_END.search(tail) is not None


def _is_continuation(stripped: str) -> bool:
    first = stripped[:1]
    return bool(first) and (
        first in "<([>"
        or first.islower()
        or VERB_ONLY.fullmatch(stripped) is not None
        or EMAIL.match(stripped) is not None  # the address Gmail wrapped onto its own line
    )


def _may_start(stripped: str) -> bool:
    return (
        "@" in stripped
        or "<" in stripped
        or ATTR_START.match(stripped) is not None
        or any(map(str.isdigit, stripped[:80]))
    )


def attribution_ending_at(
    stripped_lines: Sequence[str], quote: Sequence[bool], j: int
) -> tuple[int, int] | None:
    """Find an attribution whose last line is ``j``; return (first line, strength).

    Gmail wraps long attributions over two or three lines ("On Mon, ... The Hiring Engine
    <\\naddr> wrote:"), Polymail even puts a blank line inside, so we walk back from the
    line that ends like an attribution, up to six lines.  ``stripped_lines`` are the lines
    of the body, stripped.
    """
    stripped_j = stripped_lines[j]
    if len(stripped_j) > MAX_ATTR:
        return None
    # GMAIL_GMT and DATE_NAME_ADDR start with a numeric date, DASH_FRAMED with "--".
    if (
        _numeric_date_first(stripped_j) and (GMAIL_GMT.match(stripped_j)
                                             or DATE_NAME_ADDR.fullmatch(stripped_j))
        or stripped_j.startswith("--") and DASH_FRAMED.fullmatch(stripped_j)
    ):
        return j, 2
    if not ends_in_colon_or_verb(stripped_j):
        return None
    best: tuple[int, int] | None = None
    parts: list[str] = []
    k = j
    while k >= 0 and j - k < 7:
        stripped = stripped_lines[k]
        if k < j:
            if not stripped:
                # Polymail: "On <date> Name\n\n<\nmailto:Name <addr>\n> wrote:"
                if stripped_lines[k + 1].startswith("<") and k > 0 and stripped_lines[k - 1]:
                    k -= 1
                    continue
                break
            if quote[k] or (best is not None and stripped.endswith((".", "!", "?"))):
                break
        parts.insert(0, stripped)
        joined = " ".join(parts)
        if len(joined) > MAX_ATTR:
            break
        if _may_start(stripped):
            strength = attr_strength(joined, strong_start=ATTR_START.match(stripped) is not None)
            if strength:
                best = (k, strength)
                if not _is_continuation(stripped) and not _opens_above(stripped_lines, quote, k):
                    break
        k -= 1
    return best


def _opens_above(stripped_lines: Sequence[str], quote: Sequence[bool], k: int) -> bool:
    """The line above ``k`` opens an attribution that wrapped ("On <date>, Somebody <")."""
    if k == 0 or quote[k - 1]:
        return False
    above = stripped_lines[k - 1]
    return bool(above) and ATTR_START.match(above) is not None and not above.endswith(
        (".", "!", "?")
    )


def split_glued_attributions(lines: list[str]) -> list[str]:
    """Split "reply On <date>, <addr> wrote:" into the reply and the attribution."""
    joined = "\n".join(lines)
    if " On " not in joined and "-On " not in joined:
        return list(lines)  # no line can hold a glued attribution: one test, not one a line
    out: list[str] = []
    for idx, line in enumerate(lines):
        stripped = line.strip()
        if (
            len(stripped) <= MAX_ATTR
            and (" On " in stripped or "-On " in stripped)
            and VERB_END.search(stripped[-60:])
            and not QUOTE.match(line)
        ):
            m = INNER_ON.search(stripped)
            nxt = next((k for k in range(idx + 1, len(lines)) if lines[k].strip()), None)
            if m and nxt is not None and QUOTE.match(lines[nxt]):
                if attr_strength(m.group(1), strong_start=True):
                    out.append(stripped[: m.start()].rstrip(" -"))
                    out.append(m.group(1))
                    continue
        out.append(line)
    return out
