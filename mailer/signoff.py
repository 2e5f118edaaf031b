"""Sign-off trimming: the valediction, name, contact block or disclaimer at the end of what
the sender typed is a signature, not part of the answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from mailer.quote_lines import SegmentKind
from mailer.quote_patterns import (
    DASH_NAME,
    DISCLAIMER,
    JUNK_LINE,
    NAME_LINE,
    PHONE,
    VALEDICTION,
)


def _last_new_block(kinds: Sequence[SegmentKind | None]) -> tuple[int, int] | None:
    """First and last line of the last run of new text (blank lines inside allowed)."""
    end = next((i for i in range(len(kinds) - 1, -1, -1) if kinds[i] == "new"), None)
    if end is None:
        return None
    start = end
    for i in range(end - 1, -1, -1):
        if kinds[i] == "new":
            start = i
        elif kinds[i] is not None:
            break
    return start, end


def trim_signoff(lines: Sequence[str], kinds: list[SegmentKind | None]) -> None:
    block = _last_new_block(kinds)
    if block is None:
        return
    start, end = block
    idx = [i for i in range(start, end + 1) if kinds[i] == "new"]
    cut = _signoff_cut(lines, idx)
    for i in idx:
        if i >= cut:
            kinds[i] = "signature"


def _signoff_cut(lines: Sequence[str], idx: Sequence[int]) -> int:
    """First line index of the trailing sign-off within ``idx`` (lines of new text)."""
    stripped = {i: lines[i].strip() for i in idx}
    body = list(idx)
    # Trailing rules and tracking marks.
    while body and JUNK_LINE.fullmatch(stripped[body[-1]]):
        body.pop()
    cut = body[-1] + 1 if body else (idx[0] if idx else 0)
    if not body:
        return cut
    # Legal disclaimer: a paragraph near the end that says "confidential".
    paragraphs = _paragraph_starts(lines, body)
    for p in paragraphs[-3:]:
        text = " ".join(stripped[i] for i in body if i >= p)[:600]
        if p != body[0] and DISCLAIMER.match(text):
            body = [i for i in body if i < p]
            cut = p
            break
    if not body:
        return cut
    # Valediction ("Mvh", "Best regards,") followed by at most a short name block.
    window = body[-7:]
    for pos, i in enumerate(window):
        line = stripped[i].rstrip(",.!:;- ").lower()
        if len(line) <= 40 and VALEDICTION.fullmatch(line):
            after = window[pos + 1 :]
            if all(len(stripped[t]) <= 70 and not stripped[t].endswith("?") for t in after):
                return i
            break
    # "-Anna", "/John", "//Jef", "—Ryan".
    last = body[-1]
    if len(stripped[last]) <= 40 and DASH_NAME.fullmatch(stripped[last]) and len(body) > 1:
        cut = last
        body = body[:-1]
    # Contact block: the last paragraph is a name with a phone number under it.
    contact = _contact_block_start(lines, body)
    return contact if contact is not None else cut


def _paragraph_starts(lines: Sequence[str], body: Sequence[int]) -> list[int]:
    starts = [body[0]]
    for a, b in zip(body, body[1:]):
        if b - a > 1 or not lines[a].strip():
            starts.append(b)
    return starts


def _contact_block_start(lines: Sequence[str], body: Sequence[int]) -> int | None:
    if not body:
        return None
    start = _paragraph_starts(lines, body)[-1]
    block = [lines[i].strip() for i in body if i >= start]
    if start == body[0] or not 2 <= len(block) <= 7:
        return None
    if any(len(line) > 60 or line.endswith("?") for line in block):
        return None
    if not NAME_LINE.fullmatch(block[0]) or any(ch.isdigit() for ch in block[0]):
        return None
    has_phone = any(
        PHONE.search(line) and sum(ch.isalpha() for ch in line) <= 15 for line in block[1:]
    )
    return start if has_phone else None

