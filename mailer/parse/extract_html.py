"""HTML replies to text: mark each client's quote, signature and cut markup, convert with
inscriptis, and turn the marked regions into ``>``-quoted lines for :mod:`mailer.parse.extract`.
"""

from __future__ import annotations

import copy
import re
from html import unescape

from inscriptis import Inscriptis
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig
from lxml import etree
from lxml import html as lxml_html

from mailer.parse.quote_lines import header_block_at, header_key

__all__ = ["html_to_text"]


_Q_OPEN, _Q_CLOSE = "\ue000", "\ue001"  # private-use sentinels, removed from input first
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]{0,2000}>")

# Each client's markup, read in one pass over the elements (:func:`_marked`): XPath unions of
# "contains(concat(' ', normalize-space(@class), ' '), ...)" tests took ~16 us per element.
# Elements that *are* a quote, by class token: Gmail (only the attribution and the blockquotes
# inside div.gmail_quote are quoted; answers typed inline between the blockquotes sit in that
# same container), Thunderbird's attribution, Yahoo, Proton, Zoho; and every <blockquote>
# (Apple Mail type=cite, Thunderbird, Gmail, most webmails), and Yahoo's id="yahoo_quoted...".
_QUOTE_CLASSES = frozenset(("gmail_attr", "moz-cite-prefix", "yahoo_quoted", "protonmail_quote",
                            "zmail_extra"))
# Signature blocks: Gmail, Thunderbird, Outlook on the web / new Outlook (id="Signature").
_SIGNATURE_CLASSES = frozenset(("gmail_signature", "moz-signature"))
# XPath's normalize-space separators (XML whitespace), not Python's str.split().
_CLASS_SEPARATORS = re.compile(r"[ \t\r\n]+")


def _cuts_from(el: etree._Element, el_id: str | None, classes: frozenset[str]) -> bool:
    """Whether everything from ``el`` to the end of the message is the quoted original."""
    if el_id is not None and (
            "divRplyFwdMsg" in el_id  # Outlook web / new Outlook
            or el_id == "appendonsend"  # Outlook web: empty div right before the quoted header
            or el_id.startswith("OLK_SRC_BODY_SECTION")  # Outlook for Mac
            or (el.tag == "hr" and el_id in ("stopSpelling", "zwchr"))):  # Hotmail, Zimbra
        return True
    if "OutlookMessageHeader" in classes:
        return True
    style = el.get("style")
    # Outlook desktop's border-top above the header block (any case: Word writes it both ways).
    return style is not None and "border-top" in style.lower()


def _marked(root: etree._Element) -> tuple[list[etree._Element], list[etree._Element],
                                            list[etree._Element]]:
    """(signatures, quotes, cut candidates), each in document order."""
    signatures: list[etree._Element] = []
    quotes: list[etree._Element] = []
    cuts: list[etree._Element] = []
    for el in root.iter(etree.Element):
        cls = el.get("class")
        classes = frozenset(_CLASS_SEPARATORS.split(cls)) if cls else frozenset()
        el_id = el.get("id")
        if el_id in ("Signature", "signature") or not classes.isdisjoint(_SIGNATURE_CLASSES):
            signatures.append(el)
        if (el.tag == "blockquote" or not classes.isdisjoint(_QUOTE_CLASSES)
                or (el_id is not None and el_id.startswith("yahoo_quoted"))):
            quotes.append(el)
        if _cuts_from(el, el_id, classes):
            cuts.append(el)
    return signatures, quotes, cuts


def _is_header_div(el: etree._Element) -> bool:
    """Outlook desktop and Windows Mail draw a border-top above a From:/Sent: block."""
    if el.tag != "div":
        return False
    text = "".join(el.itertext())[:300].lstrip()
    return header_key(text.split("\n", 1)[0][:200]) is not None


def _text_rules_see_a_block(el: etree._Element) -> bool:
    """Whether the text rules (:func:`mailer.parse.quote_lines.header_block_at`: two header
    lines or more) will find the header block of ``el`` as its lines come out: only then may
    the original after it stay unquoted. A lone "From:" line would leave it all new text."""
    div = copy.deepcopy(el)
    for node in div.iter(etree.Element):
        if node.tag == "br" or (node is not div and node.tag in ("p", "div")):
            node.tail = "\n" + (node.tail or "")
    lines = [line for line in "".join(div.itertext()).split("\n") if line.strip()]
    return bool(lines) and header_block_at(lines, 0)


def _sentinel(mark: str) -> etree._Element:
    div = etree.Element("div")
    div.text = mark
    return div


_MSO_PARAGRAPHS = etree.XPath("//p[contains(@class, 'MsoNormal')]")


def _mark_quotes(root: etree._Element) -> None:
    body = root.find("body")
    if body is None:
        body = root
    # Outlook (Word engine) styles p.MsoNormal with margin 0 and writes blank lines as
    # empty paragraphs; rendered as <p>, every line would become a paragraph.
    for el in _MSO_PARAGRAPHS(root):
        if "".join(el.itertext()).strip():
            el.tag = "div"
        else:  # "<p class=MsoNormal><o:p>&nbsp;</o:p></p>" is Outlook's blank line
            for child in list(el):
                el.remove(child)
            el.text = None
            el.tag = "br"
    # Read after the paragraphs above changed (their emptied children are gone); sentinels
    # carry no class, id or style, so adding them changes none of the three lists.
    signatures, quotes, cuts = _marked(root)
    for el in signatures:
        if el.getparent() is not None:
            el.addprevious(_sentinel("-- "))  # the RFC 3676 separator the text rules know
    for el in quotes:
        if el.getparent() is None:
            continue
        el.addprevious(_sentinel(_Q_OPEN))
        el.append(_sentinel(_Q_CLOSE))
    for el in cuts:
        if el.getparent() is None:
            continue
        el_id = el.get("id")
        if "style" in el.attrib and not el_id and not _is_header_div(el):
            continue
        if (not el_id or "divRplyFwdMsg" in el_id) and _text_rules_see_a_block(el):
            # Outlook's header block (desktop: a border-top div; on the web and new Outlook:
            # div#divRplyFwdMsg): its original follows unquoted, as in Outlook's own text
            # part, where the text rules find the block and the answers a person typed
            # between the quoted questions ("my answers in blue below", "svar i rött nedan").
            break
        el.addprevious(_sentinel(_Q_OPEN))
        body.append(_sentinel(_Q_CLOSE))
        break  # the first cut in document order covers the rest



def _quote_marked_lines(text: str) -> str:
    out: list[str] = []
    depth = 0
    for line in text.split("\n"):
        if _Q_OPEN not in line and _Q_CLOSE not in line:
            out.append(_prefixed(line, depth))
            continue
        piece: list[str] = []
        for ch in line:
            if ch in (_Q_OPEN, _Q_CLOSE):
                if "".join(piece).strip():
                    out.append(_prefixed("".join(piece), depth))
                piece = []
                depth = depth + 1 if ch == _Q_OPEN else max(0, depth - 1)
            else:
                piece.append(ch)
        if "".join(piece).strip():
            out.append(_prefixed("".join(piece), depth))
    return "\n".join(out)


def _prefixed(line: str, depth: int) -> str:
    if depth == 0:
        return line
    stripped = line.strip()
    return ">" * depth + (" " + stripped if stripped else "")


def _html_fallback(html: str) -> str:
    """Crude tag stripping for HTML that lxml or inscriptis cannot handle (never raises)."""

    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>", "\n", html)
    return unescape(_TAG.sub("", text))


def html_to_text(html: str, /) -> str:
    """Convert an HTML body to text; quoted regions come out as ``>``-prefixed lines.

    Uses lxml for the DOM (to find each client's quote markup) and inscriptis for a
    layout-aware conversion (lists, tables and line breaks as a reader sees them).
    """

    if not isinstance(html, str) or not html.strip():
        return ""
    html = _XML_DECL.sub("", html.replace(_Q_OPEN, "").replace(_Q_CLOSE, "").replace("\x00", ""))
    if not html.strip():
        return ""
    try:
        parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True)
        root = lxml_html.document_fromstring(html, parser=parser)
        _mark_quotes(root)
        # The "strict" profile: the default ("relaxed") indents every nested <div>,
        # and Gmail nests three of them around a one-line reply.
        config = ParserConfig(css=CSS_PROFILES["strict"])
        text = Inscriptis(root, config).get_text()
    except (etree.LxmlError, ValueError, RecursionError, TypeError):
        # lxml refuses some inputs (only comments, broken encodings); inscriptis recurses
        # per nesting level.  Plain tag stripping still gives the sender's words.
        return _html_fallback(html)
    return _quote_marked_lines(text)
