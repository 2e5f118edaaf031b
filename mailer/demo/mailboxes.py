"""The demo's mailboxes on disk: every message each person received and sent, as ``.eml``
(the bytes, for a mail client) and ``.html`` (to read in a browser), under
``mailboxes/<person>/<date>-<time>-<what>``.

:func:`kept` reads what the index needs from a message's headers, :func:`threads` groups a
prompt with the reply and the receipt that followed it, and :func:`page` is the browser page
of one message: all pure. :func:`write_mailboxes` writes the two files per message.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from mailer.demo.model import parse_prompt
from mailer.kinds import KINDS

Direction = Literal["in", "out"]

#: What a message is, as the index names it: the prompt kinds and what answers them.
LABELS: dict[str, str] = {
    **{name: kind.singular for name, kind in KINDS.items()},
    "receipt": "receipt", "reply": "reply", "out-of-office": "out-of-office",
    "forged": "reply to someone else's prompt"}
_BODY_TAG = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
# The page is written as UTF-8 whatever the part's charset was (Outlook sends windows-1252 and
# says so in a <meta>); a declaration left as it was would turn every "ä" into "Ã¤".
_META_CHARSET = re.compile(r"(<meta\b[^>]*?charset\s*=\s*[\"']?)([\w-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Owner:
    """A person of the demo whose mailbox is kept."""

    name: str
    email: str
    timezone: ZoneInfo
    team: str  # the team's display name; "" for someone outside every team
    role: str  # "manager", "member" or "outsider"
    language: str
    folder: str  # the folder name under mailboxes/


@dataclass(frozen=True)
class Kept:
    """One kept message: who holds it, what it is, when, and where its files are."""

    owner: Owner
    direction: Direction
    kind: str  # a key of LABELS
    at: datetime  # the Date header, in the owner's zone
    subject: str
    sender: str
    to: str
    message_id: str | None
    in_reply_to: str | None
    stem: str  # "anna-berg/2026-11-23-0900-checkin": the files are stem + .eml / .html

    @property
    def label(self) -> str:
        return LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Thread:
    """A message and what answered it in the same mailbox, oldest first."""

    items: tuple[Kept, ...]

    @property
    def first(self) -> Kept:
        return self.items[0]


def threads(kept: Sequence[Kept]) -> list[Thread]:
    """Group each person's messages by In-Reply-To chains within their own mailbox."""
    by_id = {(k.owner.email, k.message_id): k for k in kept if k.message_id}
    roots: dict[tuple[str, str], list[Kept]] = {}

    def root(item: Kept) -> tuple[Kept, int]:
        """The first message of the chain, and how deep ``item`` is in it."""
        seen: set[str] = set()
        while item.in_reply_to and (item.owner.email, item.in_reply_to) in by_id \
                and item.stem not in seen:
            seen.add(item.stem)
            item = by_id[(item.owner.email, item.in_reply_to)]
        return item, len(seen)

    depth: dict[str, int] = {}
    for item in kept:
        top, depth[item.stem] = root(item)
        roots.setdefault((top.owner.email, top.stem), []).append(item)
    for items in roots.values():  # a receipt can carry the same minute as the reply it answers
        items.sort(key=lambda k: (depth[k.stem], k.at))
    return sorted((Thread(tuple(items)) for items in roots.values()),
                  key=lambda t: (t.first.owner.folder, t.first.at))


def folder_name(name: str, taken: Iterable[str] = ()) -> str:
    """``Sofia Nyström`` -> ``sofia-nystrom``; ``-2``, ``-3``... when the name is taken."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "person"
    used, candidate, n = set(taken), base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _kind(msg: EmailMessage, direction: Direction, note: str) -> str:
    if direction == "out":
        if note.startswith("forged"):
            return "forged"
        return "out-of-office" if msg.get("Auto-Submitted") else "reply"
    if msg.get("Auto-Submitted"):  # RFC 3834: the service marks its receipts auto-replied
        return "receipt"
    return parse_prompt(msg).kind  # from the Message-ID the service minted


def _address(value: object) -> str:
    pairs = getaddresses([str(value or "")])
    return ", ".join(f"{n} <{a}>" if n else a for n, a in pairs if a)


def kept(raw: bytes, owner: Owner, direction: Direction, *, note: str = "",
         taken: Container[str] = ()) -> Kept:
    """What the index needs of one message; ``taken``: stems already used.

    :raises ValueError: the message has no valid Date (the service and every simulated
        client write one; RFC 5322 3.6 requires it).
    """
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    try:
        at = parsedate_to_datetime(str(msg["Date"])).astimezone(owner.timezone)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"a message to or from {owner.email} has no valid Date") from exc
    kind = _kind(msg, direction, note)
    stem = f"{owner.folder}/{at:%Y-%m-%d-%H%M}-{kind}"
    candidate, n = stem, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}"
    return Kept(owner=owner, direction=direction, kind=kind, at=at,
                subject=str(msg.get("Subject", "")), sender=_address(msg.get("From")),
                to=_address(msg.get("To")),
                message_id=str(msg.get("Message-ID", "")).strip() or None,
                in_reply_to=str(msg.get("In-Reply-To", "")).strip() or None, stem=candidate)


def _thread_links(item: Kept, thread: Thread) -> str:
    """``check-in · reply · receipt``: the thread's pages, this one in bold."""
    links = []
    for other in thread.items:
        name = html.escape(other.stem.rsplit("/", 1)[1], quote=True)
        label = html.escape(other.label)
        links.append(f"<b>{label}</b>" if other == item else f'<a href="{name}.html">{label}</a>')
    return " &rarr; ".join(links)


def _banner(item: Kept, thread: Thread | None) -> str:
    """The page's own header: where the message sits, its headers, the way back."""
    e = html.escape
    where = "received" if item.direction == "in" else "sent"
    date = f"{item.at:%a %d %b %Y %H:%M} ({item.owner.timezone.key})"
    rows = "".join(
        f'<tr><th style="text-align:left;padding:2px 12px 2px 0;color:#6b7280;'
        f'font-weight:normal">{name}</th><td style="padding:2px 0">{e(value)}</td></tr>'
        for name, value in (("From", item.sender), ("To", item.to), ("Date", date),
                            ("Subject", item.subject)))
    name = item.stem.rsplit("/", 1)[1]
    return (
        '<div style="font:14px/1.45 -apple-system,\'Segoe UI\',Roboto,Helvetica,Arial,'
        'sans-serif;background:#fffbe6;color:#1f2328;border-bottom:1px solid #e5d48a;'
        'padding:12px 16px">'
        f'<div style="margin-bottom:6px"><a href="../../index.html">&larr; all mailboxes</a>'
        f' &middot; <b>{e(item.owner.name)}</b>, {e(item.label)} {where}'
        f' &middot; <a href="{e(name)}.eml">the raw message (.eml)</a></div>'
        f'<table style="border-collapse:collapse">{rows}</table>'
        + (f'<div style="margin-top:6px">Thread: {_thread_links(item, thread)}</div>'
           if thread is not None and len(thread.items) > 1 else "")
        + "</div>")


def page(item: Kept, raw: bytes, thread: Thread | None = None) -> str:
    """The browser page of one message: the banner above its HTML part (or its text)."""
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    banner = _banner(item, thread)
    part = msg.get_body(preferencelist=("html",))
    if part is not None:
        body = _META_CHARSET.sub(r"\1utf-8", str(part.get_content()))
        found = _BODY_TAG.search(body)
        if found:
            return body[:found.end()] + banner + body[found.end():]
        content = body
    else:
        part = msg.get_body(preferencelist=("plain",))
        text = str(part.get_content()) if part is not None else ""
        content = (f'<pre style="white-space:pre-wrap;font:15px/1.5 ui-monospace,Menlo,'
                   f'Consolas,monospace;padding:16px;margin:0">{html.escape(text)}</pre>')
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            f"<title>{html.escape(item.subject)}</title></head>"
            f'<body style="margin:0">{banner}<div style="padding:8px 16px">{content}</div>'
            "</body></html>\n")


def write_mailboxes(folder: Path, messages: Sequence[tuple[Owner, Direction, bytes, str]]
                    ) -> list[Kept]:
    """Write ``<folder>/<person>/<date>-<time>-<kind>.eml`` and ``.html`` for each message
    (owner, direction, raw bytes, note); return them, oldest first per person."""
    items: list[tuple[Kept, bytes]] = []
    taken: set[str] = set()
    for owner, direction, raw, note in messages:
        item = kept(raw, owner, direction, note=note, taken=taken)
        taken.add(item.stem)
        items.append((item, raw))
    thread_of = {k.stem: t for t in threads([k for k, _ in items]) for k in t.items}
    for item, raw in items:
        path = folder / item.stem
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / f"{path.name}.eml").write_bytes(raw)
        # With a byte order mark: browsers trust it above any <meta> (WHATWG Encoding, "BOM
        # sniff"), and a file:// page has no Content-Type header to say UTF-8 instead.
        (path.parent / f"{path.name}.html").write_text(
            page(item, raw, thread_of.get(item.stem)), encoding="utf-8-sig")
    return sorted((k for k, _ in items), key=lambda i: (i.owner.folder, i.at, i.stem))
