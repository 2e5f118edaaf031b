"""Every rendered mail uses only what our readers' clients support, or has a fallback.

The table below is caniemail.com's data (github.com/hteumeuleu/caniemail, commit 6b086a3 of
2026-06-29), cut down to the features our mails use and the clients our readers use: for each
feature slug, the clients that lack it ("n") or support it in part ("a"), and what our HTML
does about it, checked on every mail. A feature in neither ``SUPPORTED`` nor ``RULES`` fails the
test: look it up (``bench/email_clients.py CANIEMAIL`` prints the data and where this table no
longer matches it), then add it to one or the other.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import lxml.html
import pytest

from mailer.config.questions import load_default_questions, questions_for
from mailer.digest.build import build_digest
from mailer.kinds import MEMBER_KINDS
from mailer.models import LANGUAGES, Config, RenderedMail
from mailer.outbound import compose, samples
from mailer.outbound.notice import render_notice
from mailer.service.digest import digest_context, sample_context
from tests.service import test_mail_html
from tests.service.mail_features import declarations, features

DATA = "caniemail 6b086a3, 2026-06-29"
BIG_NOW = datetime(2026, 12, 7, 8, tzinfo=test_mail_html.TZ)
STYLE_LIMIT = 16 * 1024  # Gmail web drops a <style> over 16 KB (html-style, note 6)
Tree = lxml.html.HtmlElement


@dataclass(frozen=True)
class Client:
    """A client our readers use, as caniemail names it (``accounts``: the Gmail apps with a
    Google account or another one, which caniemail notes apart)."""

    key: str
    family: str
    platform: str
    accounts: str = "any"


CLIENTS = (
    Client("outlook-windows", "outlook", "windows"),  # classic Outlook, the Word engine
    Client("outlook-com", "outlook", "outlook-com"),  # and the new Outlook for Windows
    Client("outlook-ios", "outlook", "ios"),
    Client("outlook-android", "outlook", "android"),
    Client("gmail-web", "gmail", "desktop-webmail", "google"),
    Client("gmail-ios", "gmail", "ios", "google"),
    Client("gmail-android", "gmail", "android", "google"),
    Client("gmail-ios-other", "gmail", "ios", "other"),
    Client("gmail-android-other", "gmail", "android", "other"),
    Client("apple-mail-macos", "apple-mail", "macos"),
    Client("apple-mail-ios", "apple-mail", "ios"),
    Client("samsung-email", "samsung-email", "android"),
    Client("thunderbird", "thunderbird", "macos"),
)
GMAIL = ("gmail-web", "gmail-ios", "gmail-android", "gmail-ios-other", "gmail-android-other")
OTHER_ACCOUNTS = ("gmail-ios-other", "gmail-android-other")


# --------------------------------------------------------------------------- the checks


def styles(tree: Tree, prop: str) -> Iterator[tuple[Tree, str]]:
    """``(element, value)`` of every inline declaration of ``prop`` or its longhands."""
    for element in tree.iter():
        if not isinstance(element.tag, str):  # a comment
            continue
        for name, value in declarations(element.get("style") or ""):
            if name == prop or name.startswith(prop + "-"):
                yield element, value


def nonzero(value: str) -> bool:
    return any(float(n) for n in re.findall(r"\d+\.?\d*", value))


def only_in_head_style(tree: Tree, html: str) -> list[str]:
    """What lives in <style> is an extra: one block in <head>, under 16 KB, holding nothing but
    @media rules (css-inline put everything else inline), ``!important`` lowercase after a space."""
    found = ["<style> in <body> (Gmail drops it)" for _ in tree.iterfind(".//body//style")]
    for block in tree.iter("style"):
        css = block.text or ""
        if len(css.encode()) > STYLE_LIMIT:
            found.append(f"<style> of {len(css.encode())} bytes (Gmail web drops it past 16 KB)")
        if re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css).strip():
            found.append("a rule outside @media left in <style> (Gmail apps, other accounts)")
        if re.search(r"\S!important|!IMPORTANT", css):
            found.append("!important without a space before or in capitals (Outlook, Gmail)")
    return found


def padding_on_cells(tree: Tree, html: str) -> list[str]:
    return [f"padding on <{e.tag}> (Word pads only table cells)"
            for e, v in styles(tree, "padding") if e.tag not in ("td", "th") and nonzero(v)]


def margin_plain(tree: Tree, html: str) -> list[str]:
    return [f"margin {v!r} on <{e.tag}> (negative, auto, or on a span or body)"
            for e, v in styles(tree, "margin")
            if "-" in v or "auto" in v or (e.tag in ("span", "body") and nonzero(v))]


def border_on_tables(tree: Tree, html: str) -> list[str]:
    found = []
    for element, value in styles(tree, "border"):
        if element.tag not in ("table", "td", "th"):
            found.append(f"border on <{element.tag}> (unreliable in Word)")
        if any(int(n) > 8 for n in re.findall(r"(\d+)px", value)):
            found.append(f"a border of {value!r} (Word draws at most 8px)")
    return found


def sizes_on_tables(tree: Tree, html: str) -> list[str]:
    return [f"{prop} on <{e.tag}> (Word sizes only tables and cells)"
            for prop in ("width", "height") for e, v in styles(tree, prop)
            if e.tag in ("body", "span", "div", "p", "img")]


def ghost_table(tree: Tree, html: str) -> list[str]:
    return [] if '<!--[if mso]><table role="presentation" width="600"' in html else [
        "max-width without the MSO ghost table"]


def hidden_for_outlook(tree: Tree, html: str) -> list[str]:
    """display: none, max-height and overflow only hide the preheader, which also says
    ``mso-hide: all`` for Word."""
    return [f"<{e.tag} style={e.get('style')!r}> hides without mso-hide: all"
            for prop in ("display", "max-height", "overflow") for e, _ in styles(tree, prop)
            if "mso-hide: all" not in (e.get("style") or "")]


def units_in_px(*props: str) -> Callable[[Tree, str], list[str]]:
    def check(tree: Tree, html: str) -> list[str]:
        return [f"{prop}: {v} (Word/Samsung want px)" for prop in props
                for _, v in styles(tree, prop) if re.search(r"\d(em|rem|%)|smaller|larger", v)]
    return check


def keyword_weights(tree: Tree, html: str) -> list[str]:
    return [f"font-weight: {v}" for _, v in styles(tree, "font-weight")
            if v not in ("bold", "normal", "400", "700")]


def line_height_exact(tree: Tree, html: str) -> list[str]:
    return [f"line-height: {v} on <{e.tag}> without mso-line-height-rule: exactly"
            for e, v in styles(tree, "line-height")
            if re.search(r"\d(px|em)", v) and "mso-line-height-rule" not in (e.get("style") or "")]


def nowrap_only(tree: Tree, html: str) -> list[str]:
    return [f"white-space: {v} (Word and Samsung ignore it: line breaks are lost)"
            for _, v in styles(tree, "white-space") if v != "nowrap"]


def one_decoration(tree: Tree, html: str) -> list[str]:
    found = [f"text-decoration: {v} (Word: one value)" for _, v in styles(tree, "text-decoration")
             if len(v.split()) > 1]
    return found + [f"a link without its own colour: {a.text_content()[:30]!r}"
                    for a in tree.iter("a") if a.get("href") and "color" not in (a.get("style") or "")]


def named_targets(tree: Tree, html: str) -> list[str]:
    names = {a.get("name") for a in tree.iter("a")}
    targets = [href[1:] for a in tree.iter("a") if (href := a.get("href") or "").startswith("#")]
    return [f"a link to #{target} without an <a name> there (Outlook, Gmail web follow names)"
            for target in targets if target not in names]


def decoration_only(tree: Tree, html: str) -> list[str]:
    return [f"aria-hidden on words: {e.text_content()[:30]!r} (Thunderbird reads them)"
            for e in tree.iter() if isinstance(e.tag, str) and e.get("aria-hidden") == "true"
            and re.search(r"\w", e.text_content())]


def body_colour_repeated(tree: Tree, html: str) -> list[str]:
    body = dict(declarations(tree.find("body").get("style") or "")).get("background-color")
    table = tree.find(".//body/table")
    inner = dict(declarations(table.get("style") or "")).get("background-color") if (
        table is not None) else None
    return [] if body == inner else ["the body's background is not repeated on the outer table"]


def plain_lists(tree: Tree, html: str) -> list[str]:
    return (["<ol reversed>" for _ in tree.iterfind(".//ol[@reversed]")]
            + ["<li value>" for _ in tree.iterfind(".//li[@value]")])


def relative_widths(tree: Tree, html: str) -> list[str]:
    return [f'width="{e.get("width")}" on <{e.tag}> (Word does not scale it at 120 dpi)'
            for e in tree.iter() if isinstance(e.tag, str) and e.get("width")
            and not e.get("width", "").endswith("%")]


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Rule:
    """Clients that lack a feature or support it in part (caniemail's note in brief), what our
    mail does about it, and the check that it still does."""

    lacking: tuple[str, ...]
    note: str
    fallback: str
    check: Callable[[Tree, str], list[str]] | None = None


STYLE_EXTRA = "only in the <style> in <head>, @media only: everything else is inline"
WORD = ("outlook-windows",)
RULES: dict[str, Rule] = {
    "html-style": Rule(
        ("outlook-windows", *GMAIL), "Gmail: not in <body>, 16 KB at most, none for other "
        "accounts; Word: declared before use", STYLE_EXTRA, only_in_head_style),
    "css-at-media": Rule(
        ("outlook-windows", "outlook-com", "outlook-ios", "outlook-android", *GMAIL,
         "samsung-email", "thunderbird"), "n in Word and Thunderbird; no nesting, no height "
        "queries; none for Gmail other accounts, Samsung with Outlook.com accounts",
        "only dark mode and the phone padding; the inline layout works on a phone",
        only_in_head_style),
    "css-at-media-prefers-color-scheme": Rule(
        ("outlook-windows", *GMAIL, "thunderbird"), "n",
        "light colours inline; dark mode is an extra", only_in_head_style),
    "css-selector-class": Rule(OTHER_ACCOUNTS, "no <style>", STYLE_EXTRA, only_in_head_style),
    "css-selector-type": Rule(OTHER_ACCOUNTS, "no <style>", STYLE_EXTRA, only_in_head_style),
    "css-selector-grouping": Rule(OTHER_ACCOUNTS, "no <style>", STYLE_EXTRA, only_in_head_style),
    "css-important": Rule(
        ("outlook-windows", *GMAIL), "lowercase, a space before, not inline",
        STYLE_EXTRA, only_in_head_style),
    "css-padding": Rule(WORD, "only on table cells", "padding only on td", padding_on_cells),
    "css-margin": Rule(
        ("outlook-windows", "outlook-com", "outlook-ios", "outlook-android", *GMAIL),
        "no negative values; Word: no auto, not on span or body",
        "positive margins on blocks and tables; body only resets to 0", margin_plain),
    "css-border": Rule(WORD, "at most 8px; unreliable on p and div",
                       "borders on tables and cells only", border_on_tables),
    "css-width": Rule(WORD, "not on body, span, div, p, img", "on tables and cells only",
                      sizes_on_tables),
    "css-height": Rule(WORD, "not on body, span, div, p", "on cells only (plus height=)",
                       sizes_on_tables),
    "css-max-width": Rule(WORD, "only on <table>", "a fixed 600 px MSO ghost table",
                          ghost_table),
    "css-display-none": Rule(WORD, "not inherited by nested tables", "preheader: mso-hide: all",
                             hidden_for_outlook),
    "css-max-height": Rule(WORD, "n", "preheader: mso-hide: all", hidden_for_outlook),
    "css-overflow": Rule(
        ("outlook-windows", "outlook-com", "outlook-ios", "outlook-android", *GMAIL,
         "apple-mail-macos", "apple-mail-ios", "samsung-email"),
        "n in Word; overflow-block/-inline not elsewhere", "preheader: mso-hide: all",
        hidden_for_outlook),
    "css-font-size": Rule(("outlook-windows", "samsung-email"), "no rem (Word), no relative "
                          "or % (Samsung)", "px only", units_in_px("font-size")),
    "css-letter-spacing": Rule(WORD, "em renders smaller", "px only",
                               units_in_px("letter-spacing")),
    "css-font-weight": Rule(WORD, "numbers below 600 are normal", "bold and normal only",
                            keyword_weights),
    "css-line-height": Rule(WORD, "px and em odd without mso-line-height-rule: exactly",
                            "unitless, or px with the mso rule", line_height_exact),
    "css-white-space": Rule(
        ("outlook-windows", "gmail-ios", "gmail-android", *OTHER_ACCOUNTS, "samsung-email"),
        "n in Word and Samsung; no pre in Gmail apps",
        "nowrap on a short label only (it may wrap there); line breaks are <br>", nowrap_only),
    "css-text-decoration": Rule(
        ("outlook-windows", *OTHER_ACCOUNTS), "Word: one value only; none for other accounts",
        "one value; every link has its own colour too", one_decoration),
    "html-anchor-links": Rule(
        ("gmail-ios", "gmail-ios-other", "samsung-email"), "tapping does nothing; Word and "
        "Gmail web follow <a name> only (y, note 7)",
        "an <a name> at every target; the target is a heading further down", named_targets),
    "html-aria-hidden": Rule(("thunderbird",), "n",
                             "only on decoration (sparklines): the value is written next to it",
                             decoration_only),
    "html-body": Rule(
        ("outlook-com", "outlook-ios", "outlook-android", *GMAIL), "replaced by a <div>",
        "the outer table repeats the body's background", body_colour_repeated),
    "html-lists": Rule(
        ("outlook-windows", "outlook-com", "outlook-ios", "outlook-android", *GMAIL),
        "no <ol reversed>; Word: <li value> splits the list", "plain lists", plain_lists),
    "html-width": Rule(WORD, "attribute sizes do not scale at 120 dpi",
                       "percentages only (the 600 px ghost table is Word's own)",
                       relative_widths),
    "html-height": Rule(WORD, "attribute sizes do not scale at 120 dpi",
                        "only the 12 px bar cells: a bar slightly thin at 120 dpi"),
    "html-doctype": Rule(("outlook-windows", "samsung-email", "thunderbird"), "n",
                         "nothing depends on standards mode: tables with explicit widths"),
    "html-meta-color-scheme": Rule(
        ("outlook-windows", "outlook-com", "outlook-ios", "outlook-android", *GMAIL,
         "apple-mail-ios", "samsung-email"), "n", "a hint only: light is the default"),
}

#: Features every client above supports in the data; css-color and css-font-family have no
#: caniemail page (CSS 1, supported everywhere); html-comments are the MSO conditionals.
SUPPORTED = frozenset({
    "html-table", "html-p", "html-h1-h6", "html-span", "html-div", "html-strong",
    "html-mailto-links", "html-cellpadding", "html-cellspacing", "html-comments", "html-role",
    "html-lang", "html-align", "css-background-color", "css-vertical-align", "css-unit-px",
    "css-unit-percent", "css-color", "css-font-family"})


def client_problems(html: str) -> list[str]:
    """Every feature of ``html`` outside the table, and every broken fallback, one line each."""
    tree = lxml.html.fromstring(html)
    found = []
    for slug in sorted(features(html)):
        rule = RULES.get(slug)
        if rule is None and slug not in SUPPORTED:
            found.append(f"{slug}: not in the table ({DATA}): check it, add a rule or drop it")
        elif rule is not None and rule.check is not None:
            found += [f"{slug}: {problem}" for problem in rule.check(tree, html)]
    return found


# --------------------------------------------------------------------------- the mails


def every_mail(config: Config, *, big_team: bool = False) -> Iterator[tuple[str, RenderedMail]]:
    """The mails of test_mail_html, the first check-in (with the privacy notice), a digest with
    unsure messages, and with ``big_team`` the compact digest of 50 people."""
    yield from test_mail_html.every_mail(config)
    env = compose.build_environment(config)
    team = config.teams[0]
    questions = load_default_questions()
    asked = {kind: questions_for(team, kind, questions) for kind in MEMBER_KINDS}
    for language in LANGUAGES:
        context = samples.checkin_context(config, team, language)
        context["privacy_notice"] = render_notice(env, config, team, language, asked)
        yield f"{language}/checkin+privacy", compose.render(env, "checkin", language, context)
        context = sample_context(config, team, language)
        context["digest"] = dataclasses.replace(context["digest"], unsure=2)
        yield f"{language}/digest+unsure", compose.render(env, "digest", language, context)
    if big_team:
        yield from big_digests(config)


def big_digests(config: Config) -> Iterator[tuple[str, RenderedMail]]:
    team, records, prompts = test_mail_html.big_team()
    digest = build_digest(team, records, prompts, week="2026-W49", now=BIG_NOW)
    env = compose.build_environment(config)
    for language in LANGUAGES:
        manager = dataclasses.replace(team.manager, language=language)
        context = digest_context(dataclasses.replace(team, manager=manager), digest,
                                 questions=load_default_questions())
        yield f"{language}/digest-50", compose.render(env, "digest", language, context)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return samples.sample_config(tmp_path_factory.mktemp("data"))


def test_every_mail_uses_what_clients_support_or_has_the_fallback(config: Config) -> None:
    found = {name: broken for name, mail in every_mail(config, big_team=True)
             if (broken := client_problems(mail.html))}
    assert found == {}


def test_the_table_names_only_our_clients() -> None:
    keys = {c.key for c in CLIENTS}
    assert {k for rule in RULES.values() for k in rule.lacking} <= keys
    assert not SUPPORTED & RULES.keys()


FORBIDDEN = (
    ('<div style="display: flex; border-radius: 8px">x</div>', "css-display-flex"),
    ('<p style="color: rgba(0,0,0,.5)">x</p>', "css-rgba"),
    ("<svg></svg>", "html-svg"),
    ("<style>a:hover { color: red }</style>", "css-pseudo-class-hover"),
    ('<p style="padding: 8px">x</p>', "padding on <p>"),
    ('<p style="white-space: pre-line">x</p>', "white-space: pre-line"),
    ('<a href="#p1" style="color: blue">x</a><h3 id="p1">P</h3>', "without an <a name>"),
    ('<div style="border-top: 1px solid red">x</div>', "border on <div>"),
    ('<p style="font-size: 1.2rem">x</p>', "font-size: 1.2rem"),
    ("<style>td { color: red }</style>", "a rule outside @media"),
)


@pytest.mark.parametrize(("fragment", "said"), FORBIDDEN, ids=[s for _, s in FORBIDDEN])
def test_the_check_fails_on_a_mail_with_a_forbidden_feature(
        config: Config, fragment: str, said: str) -> None:
    mail = next(m for name, m in test_mail_html.every_mail(config) if name == "en/checkin")
    assert client_problems(mail.html) == []
    broken = mail.html.replace("</h1>", f"</h1>{fragment}", 1)
    assert said in "\n".join(client_problems(broken))
