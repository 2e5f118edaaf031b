"""How each simulated mail client lays a reply around the quoted prompt: text and HTML.

Gmail writes "On <date> <name> <addr> wrote:" (wrapped at 78 columns) above ``>`` quotes and
a ``div.gmail_quote``; Outlook cannot quote, so it puts a ``Från:/Skickat:/Till:/Ämne:``
block above the unquoted original; iPhone and Apple Mail quote their own attribution and
start the quote with a BOM; Thunderbird sends text/plain only, ``format=flowed``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime

from mailer.demo.model import QUESTION_RE, Body, Persona, SeenPrompt
from mailer.demo.phrases import EN_MONTHS, SV_DAYS, SV_MON, SV_MONTHS

# --------------------------------------------------------------------------- attributions

def _clock12(d: datetime) -> str:
    return f"{d.hour % 12 or 12}:{d.minute:02d} {'AM' if d.hour < 12 else 'PM'}"


def _attribution(client: str, p: SeenPrompt, persona: Persona) -> str:
    d = p.date.astimezone(persona.timezone)
    who = f"{p.sender_name} <{p.sender_address}>" if p.sender_name else p.sender_address
    sv = persona.language == "sv"
    if client == "gmail":
        if sv:
            return (f"Den {SV_DAYS[d.weekday()]} {d.day} {SV_MON[d.month - 1]} {d.year} "
                    f"kl {d:%H:%M} skrev {who}:")
        return f"On {d:%a, %b} {d.day}, {d.year} at {_clock12(d)} {who} wrote:"
    if client in ("iphone", "apple_mail"):
        if sv:
            return f"{d.day} {SV_MON[d.month - 1]} {d.year} kl. {d:%H:%M} skrev {who}:"
        return f"On {d:%b} {d.day}, {d.year}, at {_clock12(d)}, {who} wrote:"
    name = p.sender_name or p.sender_address  # Thunderbird
    if sv:
        return f"Den {d:%Y-%m-%d} kl. {d:%H:%M}, skrev {name}:"
    return f"On {d.month}/{d.day}/{d:%y} {_clock12(d)}, {name} wrote:"


def _outlook_header(p: SeenPrompt, persona: Persona) -> list[str]:
    d = p.date.astimezone(persona.timezone)
    sender = f"{p.sender_name} <{p.sender_address}>" if p.sender_name else p.sender_address
    to = f"{persona.name} <{persona.email}>"
    if persona.language == "sv":
        return [f"Från: {sender}", f"Skickat: den {d.day} {SV_MONTHS[d.month - 1]} {d.year} "
                f"{d:%H:%M}", f"Till: {to}", f"Ämne: {p.subject}"]
    return [f"From: {sender}", f"Sent: {d:%A}, {EN_MONTHS[d.month - 1]} {d.day}, {d.year} "
            f"{_clock12(d)}", f"To: {to}", f"Subject: {p.subject}"]


def _wrap78(line: str) -> list[str]:
    """Gmail hard-wraps its plain-text attribution line at 78 columns."""
    out: list[str] = []
    while len(line) > 78 and " " in line[:78]:
        cut = line.rfind(" ", 0, 78)
        out.append(line[:cut])
        line = line[cut + 1:]
    return [*out, line]


# --------------------------------------------------------------------------- client bodies

def _original_lines(p: SeenPrompt) -> list[str]:
    lines = p.text.rstrip("\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _question_ends(p: SeenPrompt, lines: list[str]) -> dict[int, int]:
    """Line index after which the answer to question N goes (the end of its paragraph)."""
    ends: dict[int, int] = {}
    for i, line in enumerate(lines):
        match = QUESTION_RE.match(line)
        if not match:
            continue
        j = i
        while j + 1 < len(lines) and lines[j + 1].strip() and not QUESTION_RE.match(lines[j + 1]):
            j += 1
        ends[int(match[1])] = j
    return ends


def _interleave(p: SeenPrompt, body: Body, quote: str, empty: str,
                first: str = "") -> list[str]:
    """The quoted original with the inline answers under their questions."""
    lines = _original_lines(p)
    ends = {end: n for n, end in _question_ends(p, lines).items()}
    out: list[str] = []
    for i, line in enumerate(lines):
        text = (first if i == 0 else "") + line
        out.append(quote + text if text.strip() else empty)
        n = ends.get(i)
        if n is not None and body.inline.get(n):
            out += ["", *body.inline[n], ""]
    return out


def _html_interleaved(lines: Sequence[str], open_tag: str, close_tag: str) -> str:
    """HTML of an inline reply: each run of quoted lines in its own blockquote, as Gmail and
    Apple Mail split the quote when one types inside it."""
    runs: list[tuple[bool, list[str]]] = []
    for line in lines:
        quoted = line.startswith(">")
        content = line[1:].removeprefix(" ") if quoted else line
        if runs and runs[-1][0] == quoted:
            runs[-1][1].append(content)
        else:
            runs.append((quoted, [content]))
    return "".join(f"{open_tag}{_html_lines(run)}{close_tag}" if quoted else _html_lines(run)
                   for quoted, run in runs)


def _html_lines(lines: Sequence[str]) -> str:
    return "".join(f"<div>{html.escape(x)}</div>" if x else "<div><br></div>" for x in lines)


def _original_html(p: SeenPrompt) -> str:
    if p.html:
        match = re.search(r"<body[^>]*>(.*)</body>", p.html, re.DOTALL | re.IGNORECASE)
        return match.group(1) if match else p.html
    return _html_lines(_original_lines(p))


def _gmail(p: SeenPrompt, persona: Persona, body: Body) -> tuple[str, str]:
    attribution = _attribution("gmail", p, persona)
    quote_style = ('class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
                   'border-left:1px solid rgb(204,204,204);padding-left:1ex"')
    attr_html = (f'<div dir="ltr" class="gmail_attr">{html.escape(attribution)}<br></div>')
    if body.inline:
        quoted = _interleave(p, body, "> ", ">")
        text = [*body.top, *([""] if body.top else []), *_wrap78(attribution), "", *quoted,
                "", *body.bottom]
        inner = _html_interleaved(quoted, f"<blockquote {quote_style}>", "</blockquote>")
        html_body = (f'<div dir="ltr">{_html_lines(body.top)}</div><br>'
                     f'<div class="gmail_quote">{attr_html}{inner}'
                     f'{_html_lines(body.bottom)}</div>')
        return "\n".join(text) + "\n", html_body
    quoted = ["> " + x if x.strip() else ">" for x in _original_lines(p)]
    text = [*body.top, "", *_wrap78(attribution), "", *quoted]
    html_body = (f'<div dir="ltr">{_html_lines(body.top)}</div><br>'
                 f'<div class="gmail_quote">{attr_html}<blockquote {quote_style}>'
                 f'{_original_html(p)}</blockquote></div>')
    return "\n".join(text) + "\n", html_body


def _apple(p: SeenPrompt, persona: Persona, body: Body, *, phone: bool) -> tuple[str, str]:
    attribution = _attribution("iphone", p, persona)
    footer = ("Skickat från min iPhone" if persona.language == "sv" else "Sent from my iPhone")
    head = [*body.top, *(["", footer] if phone else [])]
    # iOS and macOS Mail quote their own attribution and start the quote with a U+FEFF.
    quote_head = [f"> {attribution}", "> "]
    if body.inline:
        quoted = _interleave(p, body, "> ", "> ", first="\ufeff")
    else:
        quoted = ["> " + ("\ufeff" if i == 0 else "") + x if x.strip() else "> "
                  for i, x in enumerate(_original_lines(p))]
    text = [*head, "", *quote_head, *quoted, *(["", *body.bottom] if body.bottom else [])]
    open_tag, close_tag = '<blockquote type="cite"><div dir="ltr">', "</div></blockquote>"
    quote_html = (_html_interleaved(quoted, open_tag, close_tag) if body.inline
                  else f"{open_tag}{_original_html(p)}{close_tag}")
    sig = (f'<div dir="ltr"><br id="lineBreakAtBeginningOfSignature">'
           f'<div dir="ltr">{html.escape(footer)}</div></div>' if phone else "")
    html_body = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8">'
        f'</head><body dir="auto"><div dir="ltr">{_html_lines(body.top)}</div>{sig}'
        f'<div dir="ltr"><br><blockquote type="cite">{html.escape(attribution)}<br><br>'
        f'</blockquote></div>{quote_html}{_html_lines(body.bottom)}</body></html>')
    return "\n".join(text) + "\n", html_body


def _iphone(p: SeenPrompt, persona: Persona, body: Body) -> tuple[str, str]:
    return _apple(p, persona, body, phone=True)


def _apple_mail(p: SeenPrompt, persona: Persona, body: Body) -> tuple[str, str]:
    return _apple(p, persona, body, phone=False)


def _outlook(p: SeenPrompt, persona: Persona, body: Body) -> tuple[str, str]:
    header = _outlook_header(p, persona)
    initials = "".join(part[0] for part in persona.name.split()[:2]).upper()
    if body.inline:
        # Outlook cannot quote: people type into the original, marked with their initials.
        marked = Body(body.top, {n: [f"[{initials}] {x}" if x else x for x in lines]
                                 for n, lines in body.inline.items()}, body.bottom)
        original = _interleave(p, marked, "", "")
        top = [*body.top, "", *body.bottom] if body.top else body.bottom
    else:
        original = _original_lines(p)
        top = body.top
    text = [*top, "", "_" * 32, *header, "", *original]
    bold = [f"<b>{html.escape(h.split(':', 1)[0])}:</b>{html.escape(h.split(':', 1)[1])}"
            for h in header]
    html_body = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        '</head><body dir="ltr"><div style="font-family: Aptos, sans-serif; font-size: 11pt">'
        f'{_html_lines(top)}</div><hr style="display:inline-block;width:98%" tabindex="-1">'
        '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" '
        f'style="font-size:11pt" color="#000000">{"<br>".join(bold)}</font><div>&nbsp;</div>'
        f'</div><div>{_html_lines(original) if body.inline else _original_html(p)}</div>'
        '</body></html>')
    return "\n".join(text) + "\n", html_body


def _thunderbird(p: SeenPrompt, persona: Persona, body: Body) -> tuple[str, str]:
    attribution = _attribution("thunderbird", p, persona)
    if body.inline:
        quoted = _interleave(p, body, "> ", ">")
        text = [*body.top, *([""] if body.top else []), attribution, "", *quoted, "",
                *body.bottom]
    else:
        quoted = ["> " + x if x.strip() else ">" for x in _original_lines(p)]
        text = [*body.top, "", attribution, "", *quoted]
    return "\n".join(text) + "\n", ""


RENDERERS = {"gmail": _gmail, "outlook": _outlook, "iphone": _iphone,
             "apple_mail": _apple_mail, "thunderbird": _thunderbird}


def flowed(text: str, width: int = 72) -> str:
    """RFC 3676 format=flowed: long lines soft-broken with a trailing space, quotes kept."""
    out: list[str] = []
    for line in text.split("\n"):
        match = re.match(r"^(>+ ?)?", line)
        prefix = match.group(0) if match else ""
        rest = line[len(prefix):]
        if not prefix and (rest.startswith(("From ", " ")) and rest != "-- "):
            rest = " " + rest  # space-stuffing (RFC 3676 4.4)
        while len(prefix) + len(rest) > width and " " in rest[: width - len(prefix)]:
            cut = rest.rfind(" ", 0, width - len(prefix))
            out.append(prefix + rest[: cut + 1])
            rest = rest[cut + 1:]
        out.append(prefix + rest)
    return "\n".join(out)
