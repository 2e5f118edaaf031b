"""Reply-text extraction: what the sender newly wrote, apart from quotes, attributions,
signatures and forwarded mail.

This module owns the heuristics that tell a reply from the text it quotes, for plain text
(:func:`split_reply`), for HTML (:func:`split_html_reply`) and for a whole message
(:func:`extract_reply`).  It is pure: no I/O, no clock, and it never raises on bad input.

How it works, in one pass over the lines of a body:

* ``>``-quoted lines are quotes.  An attribution ("On <date>, <name> wrote:") right above a
  quote is an attribution; unquoted text *after* a quote is new text again, so answers
  written inline under quoted questions survive.
* A *hard cut* ends the new text for good: an Outlook header block (``From:/Sent:/To:``),
  an "-----Original Message-----" or forward separator, or an attribution that is *not*
  followed by ``>`` quotes (the client pasted the original unquoted).
* A *signature cut* ends the new text only up to the next quote: the RFC 3676 ``-- ``
  separator, a mailing-list ``_____`` rule, or a mobile-client footer ("Sent from my
  iPhone", which iOS Mail puts above the quote).  Unquoted text between quoted lines
  further down is an inline answer again.
* With the sender's name known, a paragraph inside an unquoted original that starts with
  Outlook's comment marker ("[Erik Holm] ...", "[EH] ...") is an answer typed into it.
* The last block of new text (and a block a signature follows, and the top post) loses a
  trailing sign-off (:mod:`mailer.parse.signoff`): a valediction ("Mvh", "Best regards") with the
  name block under it, a ``/Name`` / ``– Name`` line, the sender's own name when
  ``sender_name`` is given, a contact block with a phone number, or a legal disclaimer.
  "Thanks"/"Tack" is content, not a sign-off, unless a name sign-off follows it.

Policy (differs from some peer libraries on purpose): signatures and client footers are
removed; a forward keeps only the note above it; a body that starts with quoted material
(a quote, an attribution or a header block with nothing above it) has no new text.

The work is split by concept: :mod:`mailer.parse.quote_patterns` holds the per-language tables,
:mod:`mailer.parse.quote_lines` the line tests (quotes, header blocks, cuts, footers),
:mod:`mailer.parse.attribution` the attributions (also wrapped or glued to the reply),
:mod:`mailer.parse.signoff` the sign-off trimming and :mod:`mailer.parse.extract_html` the HTML
side; this module runs the one pass and owns the public API.

Every regex runs on one stripped line (or on a few joined lines of an attribution), is
anchored or bounded, and is applied only to lines of bounded length, so pathological input
such as a megabyte of nested ``>`` stays linear.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mailer.parse.attribution import (
    attribution_ending_at,
    may_end_attribution,
    split_glued_attributions,
)
from mailer.parse.extract_html import html_to_text
from mailer.parse.mime import decode_message
from mailer.parse.prompt_text import PromptText, mark_prompt_lines
from mailer.parse.quote_lines import (
    MARKER_EDGE,
    SegmentKind,
    hard_marker,
    is_footer,
    is_prose,
    is_quote,
    marker_kind,
    next_nonblank,
    quote_content,
)
from mailer.parse.quote_patterns import (
    BARE_URL,
    LINK_IN_ANGLES,
    MAX_LINE,
    PAREN_URL,
    RULE,
)
from mailer.parse.sender_name import comment_marker, name_forms
from mailer.parse.signoff import trim_signoff
from mailer.parse.text_decoding import decode_bytes


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of lines of one kind, in document order."""

    kind: SegmentKind
    text: str


@dataclass(frozen=True, slots=True)
class ReplyParts:
    """A body split into what the sender newly wrote and everything else.

    ``new_text`` joins every ``new`` segment (top-posted text *and* inline answers between
    quotes), stripped.  ``segments`` covers the whole body in document order.
    """

    new_text: str
    segments: tuple[Segment, ...]


def _classify(lines: Sequence[str], stripped: Sequence[str]) -> list[SegmentKind | None]:
    """Kind of every line (None for blank lines); ``stripped`` holds the lines stripped."""
    n = len(lines)
    # Most lines hold no ">" at all: the substring test saves a call on each.  Most quote
    # lines start with ">" and end in neither a colon (an attribution's tail) nor "<" (a
    # ">>> banner <<<"): is_quote would say yes to those without a look further.
    quote = [
        ">" in line and (line[0] == ">" and bare[-1] not in ":：<" or is_quote(line, bare))
        for line, bare in zip(lines, stripped, strict=True)
    ]
    kinds: list[SegmentKind | None] = [None] * n
    mode: SegmentKind | None = None  # None while we are still in new text
    squeezed: list[int] = []  # new lines between two quote lines
    for i in range(n):
        bare = stripped[i]
        if not bare:
            continue
        if quote[i]:
            kinds[i] = "forward" if mode == "forward" else "quote"
            # A signature ends at the quote (iOS Mail puts "Sent from my iPhone" above it):
            # unquoted text between quoted lines further down is an inline answer again.
            mode = None if mode == "signature" else mode
            continue
        if mode == "forward":
            kinds[i] = "forward"
            continue
        if mode == "quote":
            # Inside an unquoted original only a forward marker changes the mode, any other
            # cut leaves the line quote, and so does anything but an attribution.  Attributions
            # are rare: look for one first, for a cut (which wins over it) only then.
            if (bare[0] in MARKER_EDGE or bare[-1] in MARKER_EDGE) and marker_kind(
                bare
            ) == "forward":
                mode = kinds[i] = "forward"
                continue
            attr = _attribution_at(stripped, quote, i) if may_end_attribution(bare) else None
            if attr is None or hard_marker(lines, stripped, quote, i) is not None:
                kinds[i] = "quote"
            else:
                for t in range(attr[0], i + 1):
                    kinds[t] = "attribution" if stripped[t] else None
            continue
        # Most lines are prose: no cut can start there but a client footer (which changes
        # nothing in a signature), and no attribution can end there.
        if not (is_prose(bare) and (mode is not None or not is_footer(bare))):
            marker = hard_marker(lines, stripped, quote, i)
            if marker is not None:
                if mode is None:
                    for t in range(_cut_start(stripped, kinds, i), i):
                        kinds[t] = marker if stripped[t] else None
                # A signature may be followed by the quoted original; inside the original,
                # its own signature or separators stay part of the quote.  A forward wins.
                mode = marker if mode in (None, "signature") or marker == "forward" else mode
                kinds[i] = mode
                continue
            attr = _attribution_at(stripped, quote, i) if may_end_attribution(bare) else None
            if attr is not None:
                k, followed_by_quote = attr
                for t in range(k, i + 1):
                    kinds[t] = "attribution" if stripped[t] else None
                if not followed_by_quote and mode in (None, "signature"):
                    mode = "quote"  # the original follows unquoted
                continue
        if mode is None:
            kinds[i] = "new"
            if 0 < i < n - 1 and quote[i - 1] and quote[i + 1]:
                squeezed.append(i)
        else:
            kinds[i] = mode
    _fold_broken_quote_lines(lines, stripped, squeezed, kinds)
    return kinds


def _attribution_at(
    stripped: Sequence[str], quote: Sequence[bool], i: int
) -> tuple[int, bool] | None:
    """(first line, followed by a quote) of an attribution that ends at line ``i`` and counts
    there: above a ``>`` quote, or strong enough to cut the unquoted original it opens."""
    attr = attribution_ending_at(stripped, quote, i)
    if attr is None:
        return None
    k, strength = attr
    nxt = next_nonblank(stripped, i + 1)
    followed_by_quote = nxt is not None and quote[nxt]
    return (k, followed_by_quote) if followed_by_quote or strength == 2 else None


def _cut_start(stripped: Sequence[str], kinds: Sequence[SegmentKind | None], i: int) -> int:
    """Pull blank lines and a rule right above a cut into it (Outlook's "_____" line)."""
    start = i
    t = i - 1
    while t >= 0 and kinds[t] in (None, "new"):
        bare = stripped[t]
        if bare and not (RULE.fullmatch(bare) and i - t <= 3):
            break
        if bare:
            start = t
        t -= 1
    return start


def _fold_broken_quote_lines(
    lines: Sequence[str], stripped: Sequence[str], squeezed: Sequence[int],
    kinds: list[SegmentKind | None],
) -> None:
    """Treat an unquoted line squeezed between two quote lines as quote when it is the
    tail of a wrapped quoted line (a client re-wrapped after quoting) or a bare link that
    broke out of the quote (talon's "links break quotation markers" cases).

    ``squeezed`` lists the lines that were new text between two quote lines when classified
    (the only ones that can be; a later attribution may have taken some)."""
    for i in squeezed:
        if kinds[i] != "new":
            continue
        bare = stripped[i]
        if len(bare) > MAX_LINE:
            continue
        prev = quote_content(lines[i - 1])
        no_links = BARE_URL.sub("", LINK_IN_ANGLES.sub("", PAREN_URL.sub("", bare)))
        if (
            not no_links.strip(" <>()[]")
            or " " not in bare
            and (prev.count("(") > prev.count(")") or "://" in prev[-40:])
            or len(prev) >= 60
            and bare[0].islower()
            and not prev.endswith(("?", ":"))
        ):
            kinds[i] = "quote"


_NUMBERED_ITEM = re.compile(r"\s*\d{1,2}[.)]\s")  # "2. Next question" of the original


def _mark_outlook_comments(
    lines: list[str], stripped: list[str], kinds: list[SegmentKind | None],
    marker: re.Pattern[str],
) -> None:
    """Answers typed into an unquoted original are new text, without their "[Name]" marker.

    Outlook cannot ``>``-quote, so people answer inline by typing into the original under the
    From:/Sent: block, and Outlook's "Mark my comments with" option prefixes each comment
    with the user's name.  A marked line starts a comment that runs to the end of its
    paragraph (or to the next numbered item of the original).
    """
    i, n = 0, len(lines)
    while i < n:
        # The marker starts with "[": the substring test skips the regex on most lines.
        if kinds[i] != "quote" or "[" not in lines[i] or not marker.match(lines[i]):
            i += 1
            continue
        lines[i] = marker.sub("", lines[i], count=1)
        stripped[i] = lines[i].strip()
        kinds[i] = "new" if stripped[i] else None
        i += 1
        while i < n and kinds[i] == "quote" and stripped[i]:
            # A ">" line is quoted even inside Outlook's original (it quoted an older mail).
            if _NUMBERED_ITEM.match(lines[i]) or marker.match(lines[i]) or lines[i].startswith(">"):
                break
            kinds[i] = "new"
            i += 1


def _lines(text: str) -> list[str]:
    """The lines of a body, right-stripped, with attributions glued to a reply split off."""
    # With every CR in a CRLF (the usual case), right-stripping the lines drops the CRs.
    if text.count("\r") != text.count("\r\n"):
        # "\r\r\n" comes from gateways that convert line endings twice.
        text = text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    text = text.removeprefix("\ufeff")
    lines = list(map(str.rstrip, text.split("\n")))
    # A glued attribution holds " On " or "-On ", within one line: a substring of the text.
    return split_glued_attributions(lines) if " On " in text or "-On " in text else lines


def _segments(lines: Sequence[str], kinds: Sequence[SegmentKind | None]) -> tuple[Segment, ...]:
    """Runs of lines of one kind; blank lines (kind None) inside a run stay in its text.

    A blank line is empty (every line is right-stripped), so a run's text is the lines from
    its first to its last line joined.
    """
    segments: list[Segment] = []
    current: SegmentKind | None = None
    start = last = 0
    for i, kind in enumerate(kinds):
        if kind is None:
            continue
        if kind != current:
            if current is not None:
                segments.append(Segment(current, "\n".join(lines[start:last + 1])))
            current, start = kind, i
        last = i
    if current is not None:
        segments.append(Segment(current, "\n".join(lines[start:last + 1])))
    return tuple(segments)


def split_reply(text: str, /, *, sender_name: str | None = None,
                prompt: PromptText | None = None) -> ReplyParts:
    """Split a plain-text body into new text, quotes, attributions, signatures, forwards.

    :param text: a decoded text/plain body (any newline convention).
    :param sender_name: the From display name, if known: the sender's own name alone on the
        last line ("Erik", "Thanks,\nKenji") is then a sign-off too, and paragraphs marked
        "[Erik Holm]" inside an unquoted original are answers typed into it (Outlook).
    :param prompt: what the prompt this replies to said, when known: its lines are quoted
        material wherever they stand (:func:`mailer.parse.prompt_text.mark_prompt_lines`).
    :returns: the new text (top-posted text and inline answers, joined by a blank line)
        and every segment in document order.
    """
    if not isinstance(text, str) or not text or text.isspace():
        return ReplyParts("", ())
    lines = _lines(text)
    stripped = list(map(str.strip, lines))
    kinds = _classify(lines, stripped)
    # Outlook's marker starts with "[": without one in the body, no marker to build.
    marker = comment_marker(sender_name) if "[" in text else None
    if marker is not None:
        _mark_outlook_comments(lines, stripped, kinds, marker)
    if prompt is not None:
        mark_prompt_lines(lines, stripped, kinds, prompt)
    trim_signoff(stripped, kinds, names=name_forms(sender_name))
    segments = _segments(lines, kinds)
    new_text = "\n\n".join(s.text.strip("\n") for s in segments if s.kind == "new").strip()
    return ReplyParts(new_text, segments)


def split_html_reply(html: str, /, *, sender_name: str | None = None,
                     prompt: PromptText | None = None) -> ReplyParts:
    """Like :func:`split_reply` for an HTML body: quotes become ``>`` lines, then the same rules."""
    return split_reply(html_to_text(html), sender_name=sender_name, prompt=prompt)


def extract_reply(raw: bytes, kind: str = "eml", *, sender_name: str | None = None) -> str:
    """The new text of a message.

    :param raw: the bytes of a whole RFC 5322 message (``kind="eml"``), of a text body
        (``"text"``) or of an HTML body (``"html"``).
    :param kind: ``"eml"``, ``"text"`` or ``"html"``; anything else is read as text.
    :param sender_name: as for :func:`split_reply`.
    :returns: what the sender newly wrote, stripped; ``""`` when there is nothing.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if kind == "eml":
        body = decode_message(raw)
        if body.text is not None and body.text.strip():
            return split_reply(body.text, sender_name=sender_name).new_text
        if body.html is not None:
            return split_html_reply(body.html, sender_name=sender_name).new_text
        return ""
    if kind == "html":
        text, _ = decode_bytes(raw, None, html=True)
        return split_html_reply(text, sender_name=sender_name).new_text
    text, _ = decode_bytes(raw, None)
    return split_reply(text, sender_name=sender_name).new_text
