"""The HTML and CSS features a rendered mail uses, named by caniemail.com's feature slugs.

:func:`features` reads one rendered HTML part (after css-inline) and returns, for every
caniemail slug it touches, where it is used: a tag name for an element, an attribute or an
inline style, ``<style>`` for a rule left in a style block. It needs no caniemail data: the
slugs are computed from the names (``css-<property>``, ``html-<attribute>``) plus the handful of
pages caniemail names differently (``css-display-none``, ``html-anchor-links``...). A slug that
caniemail has no page for (``css-color``, ``css-font-family``) still comes back;
``bench/email_clients.py`` says which ones the data lacks.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

import lxml.html

#: Elements and attributes that carry no client risk of their own (document structure, and the
#: attributes every rule below reads anyway).
STRUCTURE = frozenset({"html", "head", "title", "meta", "br", "tbody", "a"})
PLAIN_ATTRIBUTES = frozenset({"class", "style", "href", "name", "id", "content", "charset",
                              "border", "http-equiv"})
TABLE = frozenset({"table", "tr", "td", "th", "thead", "tfoot"})
LIST = frozenset({"ul", "ol", "li"})
# caniemail pages of their own inside a family of properties (css-border-radius is not css-border).
OWN_PAGES = ("border-radius", "border-collapse", "border-spacing", "border-image",
             "padding-inline", "padding-block", "margin-inline", "margin-block",
             "background-color", "background-image", "background-position",
             "background-repeat", "background-size", "list-style-type", "max-width",
             "max-height", "text-decoration-")
FAMILIES = ("border", "padding", "margin", "background", "list-style", "text-decoration")
UNITS = {"px": "px", "%": "percent", "em": "em", "rem": "rem", "vh": "vh", "vw": "vw",
         "vmin": "vmin", "vmax": "vmax", "pt": "pt", "cm": "cm", "mm": "mm", "in": "in",
         "pc": "pc", "ch": "ch", "ex": "ex"}
_UNIT = re.compile(r"(?<![\w#.-])-?(?:\d+\.?\d*|\.\d+)(px|%|rem|em|vh|vw|vmin|vmax|pt|cm|mm|"
                   r"in|pc|ch|ex)\b|(?<![\w#.-])-?(?:\d+\.?\d*|\.\d+)(%)")
_FUNCTIONS = {"rgb": "css-rgb", "rgba": "css-rgba", "calc": "css-unit-calc",
              "var": "css-variables", "linear-gradient": "css-linear-gradient",
              "radial-gradient": "css-radial-gradient", "conic-gradient": "css-conic-gradient",
              "clamp": "css-function-clamp", "min": "css-function-min",
              "max": "css-function-max", "light-dark": "css-function-light-dark"}
_FUNCTION = re.compile(r"\b([a-z-]+)\(")
_SYSTEM_FONTS = re.compile(r"(?<![-\w])(system-ui|ui-serif|ui-sans-serif|ui-rounded|ui-monospace)\b")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def declarations(style: str) -> Iterator[tuple[str, str]]:
    """``(property, value)`` of each declaration in a style attribute or a rule's body."""
    for part in style.split(";"):
        name, colon, value = part.partition(":")
        if colon and name.strip():
            yield name.strip().lower(), value.strip()


def property_slug(name: str, value: str) -> str | None:
    """The caniemail page of one declaration's property (``None`` for Outlook's own ``mso-``)."""
    if name.startswith("mso-"):
        return None
    if name == "display":
        kind = value.replace("!important", "").strip().lower()
        return {"none": "css-display-none", "flex": "css-display-flex",
                "inline-flex": "css-display-flex", "grid": "css-display-grid",
                "inline-grid": "css-display-grid"}.get(kind, "css-display")
    if name.startswith(OWN_PAGES):
        return f"css-{name}"
    for family in FAMILIES:
        if name.startswith(family + "-"):
            return f"css-{family}"
    return f"css-{name}"


def value_slugs(value: str) -> Iterator[str]:
    """The units, functions and keywords in a value that caniemail has pages for."""
    lowered = value.lower()
    for match in _UNIT.finditer(lowered):
        yield f"css-unit-{UNITS[match.group(1) or match.group(2)]}"
    for match in _FUNCTION.finditer(lowered):
        if match.group(1) in _FUNCTIONS:
            yield _FUNCTIONS[match.group(1)]
    if _SYSTEM_FONTS.search(lowered):
        yield "css-sytem-ui"  # sic: caniemail's file name
    if "!important" in lowered.replace(" ", ""):
        yield "css-important"
    if re.search(r"(?<![-\w])initial\b", lowered):
        yield "css-unit-initial"


def selector_slugs(selector: str) -> Iterator[str]:
    """The selector kinds of one (comma-separated) selector list."""
    parts = [p.strip() for p in selector.split(",") if p.strip()]
    if len(parts) > 1:
        yield "css-selector-grouping"
    for part in parts:
        if re.search(r"(^|[\s>+~])[a-z][a-z0-9]*", part):
            yield "css-selector-type"
        if "." in part:
            yield "css-selector-class"
        if "#" in part:
            yield "css-selector-id"
        if "[" in part:
            yield "css-selector-attribute"
        if "*" in part:
            yield "css-selector-universal"
        if ">" in part:
            yield "css-selector-child"
        if "+" in part:
            yield "css-selector-adjacent-sibling"
        if "~" in part:
            yield "css-selector-general-sibling"
        if re.search(r"[\w\].)]\s+[\w.#\[*:]", re.sub(r"\s*[>+~]\s*", ">", part)):
            yield "css-selector-descendant"
        for kind, name in re.findall(r"(::?)([a-z-]+)", part):
            yield f"css-pseudo-{'element' if kind == '::' else 'class'}-{name}"


def stylesheet_slugs(css: str) -> Iterator[str]:
    """Every slug a ``<style>`` block uses: at-rules, selectors, properties and values."""
    css = _COMMENT.sub("", css)
    for at_rule in re.findall(r"@([a-z-]+)([^{;]*)", css):
        name, query = at_rule
        yield f"css-at-{name}"
        if "prefers-color-scheme" in query:
            yield "css-at-media-prefers-color-scheme"
        if "prefers-reduced-motion" in query:
            yield "css-at-media-prefers-reduced-motion"
    for selector, body in re.findall(r"([^{}@]+)\{([^{}]*)\}", css):
        yield from selector_slugs(selector.strip())
        for name, value in declarations(body):
            if slug := property_slug(name, value):
                yield slug
            yield from value_slugs(value)


def element_slugs(element: lxml.html.HtmlElement) -> Iterator[str]:
    """The slugs of one element: itself, its attributes and its inline style."""
    tag = element.tag
    if tag in TABLE:
        yield "html-table"
    elif tag in LIST:
        yield "html-lists"
    elif re.fullmatch(r"h[1-6]", tag):
        yield "html-h1-h6"
    elif tag == "b":
        yield "html-strong"
    elif tag == "meta" and (element.get("name") or "").lower() in (
            "color-scheme", "supported-color-schemes"):
        yield "html-meta-color-scheme"
    elif tag not in STRUCTURE:
        yield f"html-{tag}"
    href = element.get("href") or ""
    if tag == "a" and (href.startswith("#") or (element.get("name") and not href)):
        yield "html-anchor-links"
    if tag == "a" and href.lower().startswith("mailto:"):
        yield "html-mailto-links"
    for attribute in element.attrib:
        if attribute not in PLAIN_ATTRIBUTES and not (tag == "meta" and attribute == "name"):
            yield f"html-{attribute}"
    for name, value in declarations(element.get("style") or ""):
        if slug := property_slug(name, value):
            yield slug
        yield from value_slugs(value)


def features(html: str) -> dict[str, set[str]]:
    """Every caniemail slug ``html`` uses -> where: tag names, or ``<style>``, ``<!--[if mso]>``,
    ``<!DOCTYPE>``."""
    found: dict[str, set[str]] = defaultdict(set)
    if html.lstrip()[:9].lower() == "<!doctype":
        found["html-doctype"].add("<!DOCTYPE>")
    tree = lxml.html.fromstring(html)
    for element in tree.iter():
        if not isinstance(element.tag, str):  # a comment
            if "[if mso]" in (element.text or ""):
                found["html-comments"].add("<!--[if mso]>")
            continue
        for slug in element_slugs(element):
            found[slug].add(element.tag)
        if element.tag == "style":
            for slug in stylesheet_slugs(element.text or ""):
                found[slug].add("<style>")
    return dict(found)
