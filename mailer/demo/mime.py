"""The message a simulated mail client puts on the wire: addresses, the reply subject
prefix, threading headers, the shapes of its Message-IDs and MIME boundaries, its charset
and its own headers (``Thread-Index``, ``X-Mailer``, ``User-Agent``). Every random part
comes from the seeded ``rng``, so the same seed gives the same bytes.
"""

from __future__ import annotations

import base64
import email.policy
import random
import re
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from mailer.addressing import format_address
from mailer.demo.model import TOKEN_RE, Body, Persona, SeenPrompt
from mailer.demo.quoting import RENDERERS, flowed

POLICY = email.policy.SMTP  # CRLF on the wire, RFC 2047 for non-ASCII headers


def render(p: SeenPrompt, persona: Persona, body: Body, *, sent_at: datetime,
           rng: random.Random, subject: str | None = None,
           references: bool = True) -> bytes:
    client = persona.client
    msg = EmailMessage(policy=POLICY)
    msg["From"] = format_address(persona.name, persona.email)
    msg["To"] = format_address(p.reply_name, p.reply_address)
    msg["Subject"] = subject if subject is not None else reply_subject(p.subject, persona)
    msg["Date"] = format_datetime(sent_at.astimezone(persona.timezone))
    msg["Message-ID"] = client_message_id(client, persona, rng)
    if p.message_id:
        msg["In-Reply-To"] = p.message_id
        # Outlook (Exchange) threads by Thread-Index and often sends no References.
        if references and client != "outlook":
            msg["References"] = " ".join((*p.references, p.message_id))
    text, html_body = RENDERERS[client](p, persona, body)
    _set_body(msg, client, text, html_body, rng)
    for name, value in _client_headers(client, persona, p, rng):  # after set_content,
        msg[name] = value  # which drops every Content-* header (Content-Language too)
    return msg.as_bytes(policy=POLICY)


def _set_body(msg: EmailMessage, client: str, text: str, html_body: str,
              rng: random.Random) -> None:
    if client == "thunderbird":
        msg.set_content(flowed(text), subtype="plain", charset="utf-8", cte="8bit",
                        params={"format": "flowed"})
        return
    # Outlook writes Windows-1252 when the text fits (Swedish letters and dashes do).
    charset = "windows-1252" if client == "outlook" and _fits(text + html_body, "cp1252") \
        else "utf-8"
    html_body = html_body.replace("charset=iso-8859-1", f"charset={charset}")
    msg.set_content(text, subtype="plain", charset=charset, cte="quoted-printable")
    msg.add_alternative(html_body, subtype="html", charset=charset, cte="quoted-printable")
    for part in msg.iter_parts():
        del part["MIME-Version"]  # the stdlib adds it to subparts; no client does
    msg.set_boundary(_boundary(client, rng))


def reply_subject(subject: str, persona: Persona) -> str:
    if re.match(r"^\s*(re|sv|aw)\s*:", subject, re.IGNORECASE):
        return subject
    prefix = {"outlook": "SV:" if persona.language == "sv" else "RE:",
              "iphone": "Sv:" if persona.language == "sv" else "Re:",
              "apple_mail": "Sv:" if persona.language == "sv" else "Re:"}.get(persona.client, "Re:")
    return f"{prefix} {subject}"


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _uuid(rng: random.Random) -> str:
    h = _hex(rng, 32).upper()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-A{h[17:20]}-{h[20:]}"


def client_message_id(client: str, persona: Persona, rng: random.Random) -> str:
    domain = persona.email.partition("@")[2]
    if client == "gmail":
        alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+"
        return "<CA" + "".join(rng.choice(alnum) for _ in range(44)) + "@mail.gmail.com>"
    if client == "outlook":
        box = f"AM{rng.randint(0, 9)}PR{rng.randint(10, 99)}MB{rng.randint(1000, 9999)}"
        return f"<{box}{_hex(rng, 20).upper()}@{box}.eurprd0{rng.randint(1, 9)}.prod.outlook.com>"
    if client == "thunderbird":
        return f"<{_uuid(rng).lower()}@{domain}>"
    return f"<{_uuid(rng)}@{domain}>"


def _boundary(client: str, rng: random.Random) -> str:
    if client == "gmail":
        return "000000000000" + _hex(rng, 16)
    if client == "outlook":
        return f"_000_AM0PR07MB{rng.randint(1000, 9999)}{_hex(rng, 16).upper()}_"
    return f"Apple-Mail-{_uuid(rng)}"


def _client_headers(client: str, persona: Persona, p: SeenPrompt,
                    rng: random.Random) -> list[tuple[str, str]]:
    if client == "outlook":

        index = base64.b64encode(bytes(rng.randrange(256) for _ in range(22))).decode()
        language = "sv-SE" if persona.language == "sv" else "en-US"
        topic = TOKEN_RE.sub("", p.subject).strip()
        return [("Thread-Topic", topic), ("Thread-Index", index),
                ("Accept-Language", "sv-SE, en-US" if persona.language == "sv" else "en-US"),
                ("Content-Language", language),
                ("X-MS-Has-Attach", ""), ("X-MS-TNEF-Correlator", "")]
    if client == "iphone":
        return [("X-Mailer", "iPhone Mail (22B91)")]
    if client == "apple_mail":
        return [("X-Mailer", "Apple Mail (2.3826.300.87.4.3)")]
    if client == "thunderbird":
        return [("User-Agent", "Mozilla Thunderbird"),
                ("Content-Language", "sv-SE" if persona.language == "sv" else "en-US")]
    return []


def _fits(text: str, charset: str) -> bool:
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        return False
    return True
