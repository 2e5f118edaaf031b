"""``demo-output/index.html``: every kept message, per person (rows) and per week (columns).

Pure: :func:`index_html` turns the kept messages into one page. A cell lists the threads that
began that week (see :func:`mailer.demo.mailboxes.threads`): the day, what the person got,
then a sign per answer in the thread (their reply, the receipt), each a link to its page.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, timedelta

from mailer.demo.mailboxes import Kept, Owner, Thread, threads

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: Inside a thread, answers are a sign (the legend says which); the link's tooltip has the
#: full label. A word for every step made the table 1600 px wide.
_SIGNS = {"reply": "↩", "receipt": "✓", "out-of-office": "✈"}
_STYLE = """
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: #1f2328; margin: 16px; }
h1 { font-size: 22px; margin: 0 0 4px 0; } h2 { font-size: 18px; margin: 28px 0 8px 0; }
p { margin: 4px 0 10px 0; } .muted { color: #6b7280; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #e5e7eb; padding: 5px 6px; vertical-align: top; text-align: left; }
th { background: #f9fafb; font-weight: 600; } td { font-size: 13px; }
td.who { white-space: nowrap; font-size: 14px; } .thread { white-space: nowrap; margin: 1px 0; }
.day { display: inline-block; width: 3.7em; color: #6b7280; }
.start { background: #eff6ff; border: 1px solid #bfdbfe; border-radius: 8px; padding: 8px 16px; }
.start ul { margin: 6px 0; } .start li { margin: 3px 0; }
a { color: #1d4ed8; text-decoration: none; } a:hover { text-decoration: underline; }
.out { color: #047857; } .receipt { color: #6b21a8; }
"""


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _short(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]}"


def _week_title(monday: date) -> str:
    sunday = monday + timedelta(days=6)
    first = str(monday.day) if monday.month == sunday.month else _short(monday)
    return (f"week {monday.isocalendar()[1]}<br>"
            f"<span class=muted>{first}–{_short(sunday)}</span>")


def _link(item: Kept, text: str | None = None) -> str:
    css = "out" if item.direction == "out" else "receipt" if item.kind == "receipt" else ""
    title = f"{item.label}: {item.subject} ({_WEEKDAYS[item.at.weekday()]} {_short(item.at)} " \
            f"{item.at:%H:%M})"
    return (f'<a class="{css}" href="mailboxes/{html.escape(item.stem, quote=True)}.html" '
            f'title="{html.escape(title, quote=True)}">{html.escape(text or item.label)}</a>')


def _cell(group: Sequence[Thread]) -> str:
    lines = []
    for thread in group:
        first = thread.first
        links = " ".join(_link(k, _SIGNS.get(k.kind) if n else None)
                         for n, k in enumerate(thread.items))
        lines.append(f'<div class="thread"><span class="day">{_WEEKDAYS[first.at.weekday()]} '
                     f"{first.at.day}</span>{links}</div>")
    return "".join(lines)


def _start_here(kept: Sequence[Kept], owners: Sequence[Owner]) -> str:
    """What to open first: per team the latest digest and brief, and a check-in thread."""
    picks: list[str] = []
    for team in dict.fromkeys(o.team for o in owners if o.team):
        mine = [k for k in kept if k.owner.team == team]
        for kind, what in (("digest", "the latest weekly digest"),
                           ("brief", "the latest meeting brief")):
            found = [k for k in mine if k.kind == kind]
            if found:
                picks.append(f"<li>{html.escape(team)}: {_link(found[-1], what)} "
                             f"({html.escape(found[-1].owner.name)}, "
                             f"{_short(found[-1].at)})</li>")
        thread = next((t for t in threads([k for k in mine if k.owner.role == "member"])
                       if t.first.kind == "checkin" and len(t.items) == 3), None)
        if thread is not None:
            words = ("a check-in", "the reply", "the receipt")
            chain = " → ".join(_link(k, w) for k, w in zip(thread.items, words, strict=True))
            picks.append(f"<li>{html.escape(team)}: {chain} "
                         f"({html.escape(thread.first.owner.name)}, "
                         f"{thread.first.owner.language})</li>")
    return f'<div class="start"><b>Start here</b><ul>{"".join(picks)}</ul></div>'


def _team_table(team: str, owners: Sequence[Owner], all_threads: Sequence[Thread]) -> str:
    weeks = sorted({week_start(t.first.at.date()) for t in all_threads
                    if t.first.owner.team == team})
    rows = []
    for owner in (o for o in owners if o.team == team):
        mine = [t for t in all_threads if t.first.owner == owner]
        cells = "".join(
            f"<td>{_cell([t for t in mine if week_start(t.first.at.date()) == w])}</td>"
            for w in weeks)
        count = sum(len(t.items) for t in mine)
        rows.append(f'<tr><td class="who"><b>{html.escape(owner.name)}</b><br>'
                    f'<span class="muted">{owner.role}, {owner.language}<br>'
                    f"{owner.timezone.key}<br>{count} messages</span></td>{cells}</tr>")
    head = "".join(f"<th>{_week_title(w)}</th>" for w in weeks)
    return (f"<h2>{html.escape(team) if team else 'Outside the teams'}</h2>"
            f"<table><tr><th>person</th>{head}</tr>{''.join(rows)}</table>")


def index_html(kept: Sequence[Kept], owners: Sequence[Owner], *, title: str, intro: str) -> str:
    """The whole page; ``owners`` in the order to list them (a team's manager first)."""
    all_threads = threads(kept)
    tables = "".join(_team_table(team, owners, all_threads)
                     for team in dict.fromkeys(o.team for o in owners))
    legend = ('<p>In each cell: the day, what the person got, then <span class="out">↩ their '
              'reply</span> and <span class="receipt">✓ the receipt</span> the service sent '
              'back (<span class="out">✈</span> an out-of-office). Every page links its .eml '
              "file, which opens in a mail client.</p>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p class=muted>{html.escape(intro)}</p>"
            f"{_start_here(kept, owners)}{legend}{tables}</body></html>\n")
