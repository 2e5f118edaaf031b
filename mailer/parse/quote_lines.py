"""Line tests of reply extraction: is this line a quote, an attribution (possibly wrapped
over several lines), an Outlook header block, a separator or a client footer?

Pure functions over a list of lines; :mod:`mailer.parse.extract` runs them in its one pass.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from mailer.parse.quote_patterns import (
    ATTR_START,
    ATTR_TAIL,
    BARE_URL,
    DASH_FRAMED,
    DATE_NAME_ADDR,
    DECORATION,
    EMAIL,
    FOOTER,
    FOOTER_WORDS,
    FORWARD_PHRASES,
    GMAIL_GMT,
    HEADER,
    HEADER_KEYS,
    INNER_ON,
    LINK_IN_ANGLES,
    MAX_ATTR,
    MAX_LINE,
    MD_LINK,
    ORIGINAL_PHRASES,
    PAREN_URL,
    QUOTE,
    RULE,
    SIG_DELIM,
    SNIP,
    TIME_OR_NUMDATE,
    UNDERSCORE_RULE,
    VERB_ANYWHERE,
    VERB_END,
    VERB_ONLY,
    VERB_SUFFIXES,
    YEAR,
)

SegmentKind = Literal["new", "quote", "attribution", "signature", "forward"]


def is_quote(line: str, stripped: str) -> bool:
    """``line`` (``stripped`` is ``line.strip()``) is a quote line."""
    # Every QUOTE prefix ends in ">", and a line that starts with one is a QUOTE prefix.
    if line[:1] != ">" and (">" not in line or not QUOTE.match(line)):
        return False
    # ATTR_TAIL ends in a colon: the test on the last character skips most regex calls.
    if stripped[-1:] in ":：" and len(stripped) < 40 and ATTR_TAIL.fullmatch(stripped):
        return False
    # ">>> Click here <<<" is a banner (emphasis), not a quote: quotes are never closed.
    return not (stripped.startswith(">>") and stripped.endswith("<<"))


def is_snip(stripped: str) -> bool:
    """``stripped`` (a stripped line) is a mark where the writer cut quoted text ("[...]",
    "[…]", "[snip]", "<snip>"): part of the quote, never of an answer."""
    return stripped[:1] in "[<(-" and len(stripped) <= 20 and SNIP.fullmatch(stripped) is not None


def quote_content(line: str) -> str:
    return line.lstrip(" \t>").strip()




#: Any of FOOTER_WORDS as a substring: one search instead of a generator of ``in`` tests.
_FOOTER_WORD = re.compile("|".join(re.escape(word) for word in FOOTER_WORDS))


def is_footer(stripped: str) -> bool:
    if len(stripped) > 160:
        return False
    lowered = stripped.lower()
    if not _FOOTER_WORD.search(lowered):
        return False
    text = MD_LINK.sub(r"\1", stripped)
    text = PAREN_URL.sub(" ", LINK_IN_ANGLES.sub(" ", text))
    text = BARE_URL.sub(" ", text)
    text = " ".join(text.lower().split()).strip(" .!")
    return bool(text) and FOOTER.fullmatch(text) is not None


#: What a marker starts or ends with: :func:`marker_kind` finds none on a line that neither
#: starts nor ends with one of these.
MARKER_EDGE = frozenset(DECORATION + ":：")


def marker_kind(stripped: str) -> SegmentKind | None:
    """'quote' for "-----Original Message-----", 'forward' for forward markers."""
    if len(stripped) > 120:
        return None
    if stripped[:1] not in DECORATION and stripped[-1:] not in DECORATION and not \
            stripped.endswith((":", "：")):
        return None  # neither decorated (a first or last decoration character) nor a colon
    phrase = stripped.strip(DECORATION).lower().rstrip(":： ").strip(DECORATION)
    decorated = len(stripped) - len(stripped.strip(DECORATION)) >= 2
    if phrase in FORWARD_PHRASES and (decorated or stripped.endswith((":", "："))):
        return "forward"
    if phrase in ORIGINAL_PHRASES and decorated:
        return "quote"
    return None


_LONGEST_KEY = max(len(key) for key in HEADER_KEYS.split("|"))


def header_key(line: str) -> str | None:
    if len(line) > MAX_LINE:
        return None
    colon, wide = line.find(":"), line.find("：")
    if wide >= 0 and (colon < 0 or wide < colon):
        colon = wide
    # HEADER matches up to the first colon: a key between blanks and "*"s, no longer than
    # the longest key (IGNORECASE matches character for character).
    if colon < 0 or len(line[:colon].replace("*", " ").strip()) > _LONGEST_KEY:
        return None
    m = HEADER.match(line.strip())
    return m.group(1).lower() if m else None


def header_block_at(lines: Sequence[str], i: int) -> bool:
    """True when an Outlook-style header block (two or more header lines) starts at ``i``."""
    keys: set[str] = set()
    wrapped = 0
    for j in range(i, min(len(lines), i + 12)):
        line = lines[j]
        if not line.strip():
            break
        key = header_key(line)
        if key is None:
            if j == i or wrapped >= 2:  # a header value wraps over at most two lines
                break
            wrapped += 1
            continue
        wrapped = 0
        keys.add(key)
        # "A:" (To) and "De:" (From) alone are too common in prose to count on their own.
        # More lines only add keys: the block is one as soon as its first keys make it one
        # (Outlook's From:/Sent: do), and the lines under them need no header test.
        if len(keys) >= 2 and any(len(k) > 2 for k in keys):
            return True
    return False


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
#: last letter of a verb, or a blank, dash or star that :func:`_may_end_attribution` strips.
_ATTR_LAST = frozenset(suffix[-1] for suffix in VERB_SUFFIXES) | frozenset(":： -*")
#: Every character that lower-cases to one of _ATTR_LAST: a set test instead of a lower().
_ATTR_LAST_ANY_CASE = _ATTR_LAST | frozenset(char.upper() for char in _ATTR_LAST)


def may_end_attribution(stripped: str) -> bool:
    """False when :func:`attribution_ending_at` cannot find an attribution ending at this
    (stripped, non-blank) line.

    GMAIL_GMT and DATE_NAME_ADDR start with a numeric date (:func:`_numeric_date_first`),
    DASH_FRAMED with "--", and any other attribution ends in a colon or a verb of VERBS
    (:func:`_may_end_attribution`, after a test on the last character).
    """
    return (
        stripped[-1] in _ATTR_LAST_ANY_CASE and _may_end_attribution(stripped)
        # _numeric_date_first, written out: this runs on most lines of an unquoted original.
        or stripped[:4].isdigit() and stripped[4:5] in ("-", "/", ".")
        or stripped[:2] == "--"
    )


def _numeric_date_first(stripped: str) -> bool:
    """The line starts like GMAIL_GMT and DATE_NAME_ADDR: four digits and a separator
    (``\\d`` is a subset of ``str.isdigit``)."""
    return stripped[:4].isdigit() and stripped[4:5] in ("-", "/", ".")


def _may_end_attribution(stripped: str) -> bool:
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
    if not _may_end_attribution(stripped_j):
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


def next_nonblank(stripped_lines: Sequence[str], i: int) -> int | None:
    """Index of the first non-blank line from ``i`` on, given the lines stripped."""
    for j in range(i, len(stripped_lines)):
        if stripped_lines[j]:
            return j
    return None


#: What a signature delimiter, a marker (decorated) or a rule may start with.
_CUT_FIRST = DECORATION + "+.·•"
_RULE_FIRST = "-_=*~#+.·•"  # RULE's characters


def is_prose(stripped: str) -> bool:
    """True for a (stripped, non-blank) line where :func:`hard_marker` finds no cut but a
    client footer (its prose test: no cut character first, no decoration last, no colon),
    which :func:`marker_kind` does not take for a marker, and where no attribution ends
    (:func:`may_end_attribution` says no: GMAIL_GMT and DATE_NAME_ADDR start with a numeric
    date, DASH_FRAMED with "-", and the line ends in no colon nor verb).  Most
    lines are; the tests are cheap, written out in one function as it runs on most lines."""
    return (
        stripped[0] not in _CUT_FIRST
        and stripped[-1] not in DECORATION
        and ":" not in stripped
        and "：" not in stripped
        and not (stripped[:4].isdigit() and stripped[4:5] in ("-", "/", "."))
        and not (stripped[-1] in _ATTR_LAST_ANY_CASE and _may_end_attribution(stripped))
    )


def hard_marker(
    lines: Sequence[str], stripped_lines: Sequence[str], quote: Sequence[bool], i: int
) -> SegmentKind | None:
    """Kind of the cut that starts at line ``i``, if one does (``stripped_lines``: stripped)."""
    stripped = stripped_lines[i]
    if len(stripped) > MAX_LINE:
        return None
    if stripped[:1] not in _CUT_FIRST and stripped[-1:] not in DECORATION and ":" not in \
            stripped and "：" not in stripped:
        # Prose: no delimiter, marker or rule can start it (each needs a decoration or rule
        # character first, a decoration last, or a colon) and a header needs a colon.
        return "signature" if is_footer(stripped) else None
    # SIG_DELIM starts with "--", RULE with one of _RULE_FIRST: no regex on other lines.
    if stripped[:2] == "--" and SIG_DELIM.fullmatch(stripped):
        return "signature"
    marker = marker_kind(stripped)
    if marker:
        return marker
    if stripped[:1] in _RULE_FIRST and RULE.fullmatch(stripped):
        # A rule is a cut only when a header block or an original-message marker follows
        # (Outlook's "____" line, Yahoo's and French webmails' "====").  A "_____" rule on
        # its own starts a mailing-list footer (Mailman) or a disclaimer.
        nxt = next_nonblank(stripped_lines, i + 1)
        if nxt is not None and nxt - i <= 3 and not quote[nxt]:
            if header_block_at(lines, nxt) or marker_kind(stripped_lines[nxt]):
                return "quote"
        return "signature" if UNDERSCORE_RULE.fullmatch(stripped) else None
    if header_key(stripped) and header_block_at(lines, i):
        return "quote"
    if is_footer(stripped):
        return "signature"
    return None



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
