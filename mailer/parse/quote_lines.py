"""Line tests of reply extraction: is this line a quote, an Outlook header block, a
separator, a cut mark or a client footer, and where does a hard cut start?

Pure functions over a list of lines; :mod:`mailer.parse.extract` runs them in its one pass.
Attributions ("On <date>, <name> wrote:", possibly wrapped) are
:mod:`mailer.parse.attribution`'s; :func:`is_prose` uses its last-character gate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from mailer.parse.attribution import ATTR_LAST_ANY_CASE, ends_in_colon_or_verb
from mailer.parse.quote_patterns import (
    ATTR_TAIL,
    BARE_URL,
    DECORATION,
    FOOTER,
    FOOTER_WORDS,
    FORWARD_PHRASES,
    HEADER,
    HEADER_KEYS,
    LINK_IN_ANGLES,
    MAX_LINE,
    MD_LINK,
    ORIGINAL_PHRASES,
    PAREN_URL,
    QUOTE,
    RULE,
    SIG_DELIM,
    SNIP,
    UNDERSCORE_RULE,
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
    (:func:`~mailer.parse.attribution.may_end_attribution` says no: GMAIL_GMT and
    DATE_NAME_ADDR start with a numeric date, DASH_FRAMED with "-", and the line ends in no
    colon nor verb).  Most lines are; the tests are cheap, written out in one function as it
    runs on most lines."""
    return (
        stripped[0] not in _CUT_FIRST
        and stripped[-1] not in DECORATION
        and ":" not in stripped
        and "：" not in stripped
        and not (stripped[:4].isdigit() and stripped[4:5] in ("-", "/", "."))
        and not (stripped[-1] in ATTR_LAST_ANY_CASE and ends_in_colon_or_verb(stripped))
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
