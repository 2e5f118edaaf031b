"""Sign-off trimming: the valediction, name, contact block or disclaimer at the end of what
the sender typed is a signature, not part of the answer.

A sign-off is looked for at the end of three blocks of new text: the last one, any block a
signature follows (iOS Mail: "Svar nedan\n/Erik\n\nSkickat från min iPhone" above answers
typed inline), and the top post above the quote ("Se svar nedan!\n/Erik" over answers typed
into the original).  What counts, from the end of such a block:

* a valediction ("Mvh", "Best regards,") with at most a short name block under it;
* a dash or slash and a name-cased name: ``/Erik``, ``//Erik``, ``/ Erik``, ``-Anna``,
  ``– Kenji``, ``-Maarten de Jong`` (not "– fixed CI", nor an item of a dash list);
* when the sender's name is known: that name alone ("Erik", "Kenji Sato", "/erik"), or after
  a valediction or thank-you on the same line ("Mvh Erik", "Thanks, Kenji");
* a "Thanks,"/"Tack!" line right above such a name line goes with it (alone it is content);
* a contact block (a name with a phone number under it) or a legal disclaimer;
* when the sender's name is known: a paragraph that opens with the full name, alone or with a
  title after a separator ("Anna Berg | Platform", "Anna Berg – Ops"), with at most three short
  lines of notes under it ("I work Monday–Thursday; ..."): the last paragraph, below what the
  sender wrote.

Only whole lines at the end are ever removed: a name inside a sentence stays, and so do short
answers ("Nej", "OK", "3. 4") that match none of the shapes above.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from mailer.parse.quote_lines import SegmentKind
from mailer.parse.quote_patterns import (
    DASH_NAME,
    DISCLAIMER,
    JUNK_LINE,
    NAME_LINE,
    PHONE,
    THANKS_LINE,
    VALEDICTION,
)

__all__ = ["trim_signoff"]

_SIGN_MARK = re.compile(r"[-–—/~]+\s*")  # what precedes a name in "/Erik", "– Kenji"
_SIGN_FIRST = "-–—/~"
#: What a JUNK_LINE can start with, but a blank.
_JUNK_FIRST = "-_=*~#+.|/\\<>\u1427\u200b"
_BOTH_LANGUAGES = re.compile(r"\s+[/|]\s+")  # "Med vänlig hälsning / Best regards"
#: The words a DISCLAIMER match can start with (its optional label, then its opening phrase).
_DISCLAIMER_START = re.compile(
    r"confidentiality|disclaimer|sekretess|konfidentiellt|this|the|detta|denna|informationen|"
    r"diese|ce|le|este|dit|tämä|denne|observera|obs|vänligen|please|note", re.IGNORECASE)
#: The words a DISCLAIMER match must end on: without one, its (long) match cannot succeed.
_DISCLAIMER_WORD = re.compile(
    r"confidential|konfidentiell|vertraulich|confidentiel|riservat|confidencial|vertrouwelijk|"
    r"luottamuksellinen|fortrolig|intended|avsedd|privileged|sekretess|allmän|allmänna|"
    r"offentlighetsprincipen|public record|public access", re.IGNORECASE)


def trim_signoff(
    stripped: Sequence[str], kinds: list[SegmentKind | None], *,
    names: frozenset[str] = frozenset(),
) -> None:
    """Mark trailing sign-offs of new text as ``signature`` (see the module docstring).

    :param stripped: the lines of the body, stripped.
    :param names: :func:`mailer.parse.sender_name.name_forms` of the sender, or empty when unknown.
    """
    blocks = _new_blocks(kinds)
    if not blocks:
        return
    # The end of the text, text a signature follows, and the top post: what the sender typed
    # above the quote ("Se svar nedan!\n/Erik") before answering inside it.
    last = len(blocks) - 1
    targets = [
        (start, end) for k, (start, end) in enumerate(blocks)
        if k == last or _signature_follows(kinds, end) or (k == 0 and _is_top(kinds, start))
    ]
    for start, end in targets:
        idx = [i for i in range(start, end + 1) if kinds[i] == "new"]
        cut = _signoff_cut(stripped, idx, names=names, more_text=len(blocks) > 1)
        for i in idx:
            if i >= cut:
                kinds[i] = "signature"


def _new_blocks(kinds: Sequence[SegmentKind | None]) -> list[tuple[int, int]]:
    """First and last line of every run of new text (blank lines inside allowed)."""
    blocks: list[tuple[int, int]] = []
    n = len(kinds)
    i = 0
    while i < n:
        try:
            start = i = kinds.index("new", i)  # a scan in C: most lines are not new text
        except ValueError:
            break
        last = start
        while i < n and (kinds[i] is None or kinds[i] == "new"):
            if kinds[i] == "new":
                last = i
            i += 1
        blocks.append((start, last))
    return blocks


def _is_top(kinds: Sequence[SegmentKind | None], start: int) -> bool:
    return all(kind is None for kind in kinds[:start])


def _signature_follows(kinds: Sequence[SegmentKind | None], end: int) -> bool:
    for i in range(end + 1, len(kinds)):  # a block ends at a non-blank line of another kind
        if kinds[i] is not None:
            return kinds[i] == "signature"
    return False


def _signoff_cut(
    stripped: Sequence[str], idx: Sequence[int], *, names: frozenset[str], more_text: bool
) -> int:
    """First line index of the trailing sign-off within ``idx`` (lines of new text)."""
    body = list(idx)
    # Trailing rules and tracking marks (a stripped line starts with no blank).
    while body and stripped[body[-1]][:1] in _JUNK_FIRST and JUNK_LINE.fullmatch(
        stripped[body[-1]]
    ):
        body.pop()
    cut = body[-1] + 1 if body else (idx[0] if idx else 0)
    if not body:
        return cut
    # Legal disclaimer: a paragraph near the end that says "confidential".
    paragraphs = _paragraph_starts(stripped, body)
    for p in paragraphs[-3:]:
        # The text starts with line p (joined by spaces): a word no DISCLAIMER starts with
        # rules it out before the join.
        if p == body[0] or (stripped[p] and not _DISCLAIMER_START.match(stripped[p])):
            continue
        text = " ".join(stripped[i] for i in body if i >= p)[:600]
        if _DISCLAIMER_WORD.search(text) and DISCLAIMER.match(text):
            body = [i for i in body if i < p]
            cut = p
            break
    if not body:
        return cut
    valediction = _valediction_start(stripped, body)
    if valediction is not None:
        return valediction
    name_block = _name_block_start(stripped, body, names)
    if name_block is not None:
        # "Anna\n\nAnna Berg | Platform": the name the sender signed with stands above the
        # signature's name line (Outlook inserts the signature under what is typed).
        body = [i for i in body if i < name_block]
        cut = name_block
        if not body:
            return cut
    if _is_name_signoff(stripped, body, names):
        cut = body.pop()
        # "Thanks,\nKenji", "Tack!\n\n/Erik": the thank-you closes the message with the name
        # (but "Tack!" that is all the sender wrote stays: it is content, by policy).
        above = stripped[body[-1]] if body else ""
        if len(above) <= 30 and THANKS_LINE.fullmatch(above) and (len(body) > 1 or more_text):
            cut = body.pop()
    # Contact block: the last paragraph is a name with a phone number under it.
    contact = _contact_block_start(stripped, body)
    return contact if contact is not None else cut


def _valediction_start(stripped: Sequence[str], body: Sequence[int]) -> int | None:
    """A valediction ("Mvh", "Best regards,") followed by at most a name block: a name, a
    title, a unit, numbers, an address and a website (a Swedish agency's runs to ten lines)."""
    window = body[-_SIGNATURE_LINES - 1:]
    for pos, i in enumerate(window):
        # No valediction starts with a digit: a numbered answer ("2. Inga") is none, nor is a
        # "/" line that starts with one (its first piece does), so no need to clean it up.
        if stripped[i][:1].isdigit():
            continue
        line = stripped[i].rstrip(",.!:;- ").lower()
        if len(line) > 80:
            continue  # longer than two valedictions
        if "/" in line or "|" in line:
            # "Med vänlig hälsning / Best regards": a valediction in each language.
            pieces = [p.strip(",.!:;- ") for p in _BOTH_LANGUAGES.split(line)]
            valediction = all(len(p) <= 40 and VALEDICTION.fullmatch(p) for p in pieces)
        else:
            piece = line.strip(",.!:;- ")
            # No valediction starts with a digit: numbered answers ("2. Inga") skip the regex.
            valediction = (len(piece) <= 40 and not piece[:1].isdigit()
                           and VALEDICTION.fullmatch(piece) is not None)
        if valediction:
            after = window[pos + 1 :]
            if all(_signature_line(stripped[t]) for t in after):
                return i
            return None
    return None


#: A longer line of a signature: contact details (a number, an address, a link) in short
#: pieces ("Northwind Consulting AB, Reg. No. 556000-0000, Box 1234, 111 22 Stockholm"), where
#: a sentence has long ones ("During my absence, please contact Erik (erik@...) ...").
_CONTACT_DETAIL = re.compile(r"\d|@|www\.|https?://")
_DETAIL_SEPARATORS = re.compile(r"[,|·•]")
_DETAIL_MAX = 30


#: Lines a signature may have under its valediction.
_SIGNATURE_LINES = 11


def _signature_line(line: str) -> bool:
    """A line that may stand under a valediction: short (a name, a title), or a longer one of
    contact details in short pieces; never a question or a numbered answer."""
    if line.endswith("?") or _NUMBERED.match(line):
        return False
    return len(line) <= 70 or (
        len(line) <= 100 and _CONTACT_DETAIL.search(line) is not None
        and all(len(piece.strip()) <= _DETAIL_MAX for piece in _DETAIL_SEPARATORS.split(line)))


def _is_name_signoff(stripped: Sequence[str], body: Sequence[int], names: frozenset[str]) -> bool:
    """The last line of ``body`` is a name sign-off ("/Erik", "– Kenji", "Mvh Erik", "Erik")."""
    line = stripped[body[-1]]
    if len(line) > 40:
        return False
    # _SIGN_MARK and DASH_NAME start with one of _SIGN_FIRST.
    signed = line[:1] in _SIGN_FIRST
    bare = _SIGN_MARK.sub("", line, count=1) if signed and _SIGN_MARK.match(line) else line
    if _is_sender(bare, names):
        return True
    if signed and DASH_NAME.fullmatch(line) and _name_cased(bare):
        # "– Fixed" under "– Wrote docs" is a list item, not a signature.
        above = stripped[body[-2]] if len(body) > 1 else ""
        return not (above[:1] == line[:1] and not above[:1].isalnum())
    # "Mvh Erik", "Best, Kenji", "Thanks, Kenji": only with the sender's own name, because
    # "Regards, Roman" under a quote is kept by peers' corpora (talon) when nothing is known.
    words = line.split() if names else []
    for k in range(1, min(len(words), 4)):
        lead, name = " ".join(words[:k]).rstrip(",.!/ "), " ".join(words[k:])
        if _is_sender(name, names) and (
            VALEDICTION.fullmatch(lead.lower()) or THANKS_LINE.fullmatch(lead)
        ):
            return True
    return False


#: What may follow the sender's full name on a signature line: "Anna Berg | Platform",
#: "Anna Berg – Platform", "Anna Berg, Team lead", "Anna Berg / Platform", "Anna Berg - Ops".
_NAME_SEPARATOR = re.compile(r"\s*[|–—,/]\s*|\s+-\s+")
_NUMBERED = re.compile(r"\d{1,2}\s*[.:)]\s")  # "3. Bra", "4: Done": an answer, not a note
_NOTE_MAX = 80  # a line of contact or work-hours notes under a signature name line


def _name_block_start(stripped: Sequence[str], body: Sequence[int],
                      names: frozenset[str]) -> int | None:
    """A signature without a valediction: a paragraph that opens with the sender's full name,
    alone or with a title after a separator ("Anna Berg | Platform"), with at most three
    short lines of notes under it in the same paragraph ("I work Monday–Thursday; ..."), the
    last paragraph of what the sender wrote; its first line, or None."""
    full = [n for n in names if " " in n and len(n.split()[-1].rstrip(".")) > 1]
    if not full:
        return None
    for pos in range(len(body) - 1, max(len(body) - 4, 1) - 1, -1):
        i = body[pos]
        if body[pos - 1] == i - 1 and stripped[i - 1]:
            continue  # the name line opens a paragraph, after what the sender wrote
        # The notes are the rest of the name line's paragraph: short, no question, no answer.
        after = body[pos:]
        if any(b - a > 1 or not stripped[b] for a, b in itertools.pairwise(after)):
            continue
        notes = [stripped[t] for t in after[1:]]
        if any(len(note) > _NOTE_MAX or note.endswith("?") or _NUMBERED.match(note)
               for note in notes):
            return None
        line = " ".join(stripped[i].split())
        if len(line) > 60:
            continue
        folded = line.casefold()
        for name in full:
            if not folded.startswith(name):
                continue
            rest = line[len(name):]
            if not rest:
                return i
            separator = _NAME_SEPARATOR.match(rest)
            title = rest[separator.end():] if separator else ""
            if title and len(title.split()) <= 6 and title[-1] not in ".?!:;":
                return i
    return None


_PARTICLES = frozenset({"af", "av", "da", "de", "del", "den", "der", "di", "du", "la", "le",
                        "ten", "ter", "van", "von", "zu"})


def _name_cased(text: str) -> bool:
    """ "Kenji", "Anna-Karin", "Maarten de Jong"; not "fixed CI" or "CI is green"."""
    words = text.split()
    return bool(words) and all(
        (w[:1].isupper() and (len(w) == 1 or not w[1:].isupper())) or (k > 0 and w in _PARTICLES)
        for k, w in enumerate(words)
    )


def _is_sender(text: str, names: frozenset[str]) -> bool:
    return bool(names) and " ".join(text.strip(" ,.!/").casefold().split()) in names


def _paragraph_starts(stripped: Sequence[str], body: Sequence[int]) -> list[int]:
    starts = [body[0]]
    for a, b in itertools.pairwise(body):
        if b - a > 1 or not stripped[a]:
            starts.append(b)
    return starts


def _contact_block_start(stripped: Sequence[str], body: Sequence[int]) -> int | None:
    if not body:
        return None
    # The last paragraph starts after a gap in the line numbers or a blank line.
    k = len(body) - 1
    while k > 0 and body[k] - body[k - 1] == 1 and stripped[body[k - 1]]:
        k -= 1
    if k == 0 or not 2 <= len(body) - k <= 7:
        return None
    start = body[k]
    block = [stripped[i] for i in body[k:]]
    if any(len(line) > 60 or line.endswith("?") for line in block):
        return None
    if not NAME_LINE.fullmatch(block[0]) or any(map(str.isdigit, block[0])):
        return None
    has_phone = any(
        PHONE.search(line) and sum(ch.isalpha() for ch in line) <= 15 for line in block[1:]
    )
    return start if has_phone else None
