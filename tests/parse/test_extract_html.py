"""extract_html: the one-pass reading of each client's quote markup against the XPath it replaced."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from mailer.parse.extract_html import _marked, html_to_text

# The XPath unions extract_html used before the one pass (~16 us per element): the reference.
_QUOTE = etree.XPath(
    "//blockquote"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' gmail_attr ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' moz-cite-prefix ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' yahoo_quoted ')]"
    " | //*[starts-with(@id, 'yahoo_quoted')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' protonmail_quote ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' zmail_extra ')]")
_CUT = etree.XPath(
    "//*[contains(@id, 'divRplyFwdMsg')]"
    " | //*[@id='appendonsend']"
    " | //hr[@id='stopSpelling']"
    " | //hr[@id='zwchr']"
    " | //*[starts-with(@id, 'OLK_SRC_BODY_SECTION')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' OutlookMessageHeader ')]"
    " | //*[contains(translate(@style, 'BORDETP', 'bordetp'), 'border-top')]")
_SIGNATURE = etree.XPath(
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' gmail_signature ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' moz-signature ')]"
    " | //*[@id='Signature' or @id='signature']")

_WORDS = ["gmail_attr", "gmail_quote", "moz-cite-prefix", "yahoo_quoted", "yahoo_quoted_1",
          "protonmail_quote", "zmail_extra", "OutlookMessageHeader", "outlookmessageheader",
          "gmail_signature", "moz-signature", "Signature", "signature", "divRplyFwdMsg",
          "x_divRplyFwdMsg", "appendonsend", "stopSpelling", "zwchr", "OLK_SRC_BODY_SECTION",
          "border-top", "BORDER-TOP:solid", "Border-Top", "bordertop", "x"]
_SEPARATORS = [" ", "\t", "\n", "\r", "\xa0", "  ", ""]
_TEXT = st.lists(st.tuples(st.sampled_from(_SEPARATORS), st.sampled_from(_WORDS)),
                 max_size=3).map(lambda parts: "".join(a + b for a, b in parts))


@st.composite
def _documents(draw: st.DrawFn) -> str:
    tags = ["div", "hr", "blockquote", "span", "p"]
    out = ["<html><body>"]
    depth = 0
    for _ in range(draw(st.integers(0, 12))):
        tag = draw(st.sampled_from(tags))
        attributes = "".join(
            f' {name}="{draw(_TEXT)}"' for name in ("class", "id", "style") if draw(st.booleans()))
        out.append(f"<{tag}{attributes}>t")
        if tag != "hr" and draw(st.booleans()):
            depth += 1
        elif tag != "hr":
            out.append(f"</{tag}>")
    out.append("</div>" * depth + "</body></html>")
    return "".join(out)


@settings(max_examples=400, deadline=None)
@given(_documents())
def test_one_pass_finds_what_the_xpath_found(document: str) -> None:
    root = lxml_html.document_fromstring(document)
    assert _marked(root) == (_SIGNATURE(root), _QUOTE(root), _CUT(root))


def _outlook_reply(header: str) -> str:
    # Outlook desktop: the answers typed in colour under the questions of the original.
    return ("<html><body><p class=MsoNormal>Svar i blått nedan.</p>"
            '<div style="border:none;border-top:solid #E1E1E1 1.0pt">'
            f"<p class=MsoNormal>{header}</p></div>"
            "<p class=MsoNormal>1. Vad fungerar bra?</p>"
            '<p class=MsoNormal><span style="color:#0070C0">Parprogrammeringen</span></p>'
            "</body></html>")


def _owa_reply(header: str) -> str:
    # Outlook on the web and new Outlook: the header block in div#divRplyFwdMsg after an <hr>,
    # the original below it, answers typed in colour under its questions.
    return ('<html><body><div>Jag svarar i rött nedan.</div><hr style="display:inline-block">'
            f'<div id="divRplyFwdMsg" dir="ltr"><font>{header}</font><div>&nbsp;</div></div>'
            "<table><tr><td>1.</td><td>Vad fungerar bra?<br>"
            '<span style="color:#C00000">Parprogrammeringen</span></td></tr></table>'
            "</body></html>")


@pytest.mark.parametrize("reply", [_outlook_reply, _owa_reply])
def test_outlooks_original_stays_unquoted_after_a_header_block_the_text_rules_see(
        reply: Callable[[str], str]) -> None:
    text = html_to_text(reply(
        "<b>Från:</b> Lena &lt;checkin@example.com&gt;<br><b>Skickat:</b> den 7 december 2026"
        " 08:00<br><b>Till:</b> Anna<br><b>Ämne:</b> Avstämning"))
    assert "\nFrån: Lena <checkin@example.com>\n" in text and "Parprogrammeringen" in text
    assert ">" not in text.replace("<checkin@example.com>", "")


@pytest.mark.parametrize("reply", [_outlook_reply, _owa_reply])
def test_a_lone_from_line_keeps_the_original_quoted(reply: Callable[[str], str]) -> None:
    # The text rules need two header lines for a block: with one, the original would all be
    # new text, so it is quoted as before.
    text = html_to_text(reply("<b>From:</b> Lena &lt;checkin@example.com&gt;"))
    assert "> Parprogrammeringen" in text
