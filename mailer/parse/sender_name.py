"""The sender's own name as it shows up in a reply body. Pure.

Two places: a sign-off at the end of what they typed ("Erik", "Thanks,\\nKenji"; see
:mod:`mailer.parse.signoff`) and Outlook's comment marker in front of answers typed into the
original ("[Erik Holm] ...", :mod:`mailer.parse.extract`).  The name comes from the From header's
display name, else from the address's local part ("erik.holm"). Both forms are kept per name:
the same people reply week after week.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["comment_marker", "name_forms"]

_PARENTHETICAL = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|<[^<>]*>")


def _words(sender_name: str | None) -> list[str]:
    """Case-folded words of a name, first name first ("Holm, Erik" -> ["erik", "holm"])."""
    if not sender_name:
        return []
    name = _PARENTHETICAL.sub(" ", sender_name).replace('"', " ").replace("'", " ")
    if "@" in name:
        name = name.split("@", 1)[0]
    if "," in name:  # Outlook's "Holm, Erik"
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    words = [w for w in re.split(r"[\s._]+", name.casefold()) if w]
    if not words or len(words[0]) < 2 or not words[0][0].isalpha():
        return []
    return words


@lru_cache(maxsize=512)
def name_forms(sender_name: str | None) -> frozenset[str]:
    """The case-folded ways a sender signs: full name, first name, first name and initial.

    Handles Outlook's "Last, First", quotes, "(Company)" suffixes and an address local part
    ("erik.holm").  Initials are left out on purpose: "OK" would be Olle Karlsson's.
    """
    words = _words(sender_name)
    if not words:
        return frozenset()
    forms = {" ".join(words), words[0]}
    if len(words) > 1:
        forms |= {f"{words[0]} {words[-1][0]}", f"{words[0]} {words[-1][0]}."}
    return frozenset(forms)


@lru_cache(maxsize=512)
def comment_marker(sender_name: str | None) -> re.Pattern[str] | None:
    """The "[Erik Holm] " Outlook puts before comments typed into the original, or None.

    Outlook's "Mark my comments with" option (Options > Mail > Replies and forwards) prefixes
    them with the user's name in brackets; people shorten it to the first name or initials
    ("[Erik]", "[EH]").  Brackets and the line start keep initials safe here.
    """
    words = _words(sender_name)
    if not words:
        return None
    names = {" ".join(words), words[0]}
    if len(words) > 1:
        names.add("".join(w[0] for w in words))
    alternatives = "|".join(
        r"\s+".join(re.escape(w) for w in name.split()) for name in sorted(names, key=len)[::-1]
    )
    return re.compile(rf"[ \t]*\[(?:{alternatives})\]:?[ \t]*", re.IGNORECASE)
