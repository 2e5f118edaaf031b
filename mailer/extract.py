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
  an "-----Original Message-----" or forward separator, an attribution that is *not*
  followed by ``>`` quotes (the client pasted the original unquoted), the RFC 3676 ``-- ``
  signature separator, a mailing-list ``_____`` rule, or a mobile-client footer ("Sent
  from my iPhone").
* The last block of new text loses a trailing sign-off: a valediction ("Mvh", "Best
  regards") with the name block under it, a ``-Name`` / ``/Name`` line, a contact block
  with a phone number, or a legal disclaimer.  "Thanks"/"Tack" is content, not a sign-off.

Policy (differs from some peer libraries on purpose): signatures and client footers are
removed; a forward keeps only the note above it; a body that starts with quoted material
(a quote, an attribution or a header block with nothing above it) has no new text.

Every regex runs on one stripped line (or on a few joined lines of an attribution), is
anchored or bounded, and is applied only to lines of bounded length, so pathological input
such as a megabyte of nested ``>`` stays linear.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from lxml import etree
from lxml import html as lxml_html

from mailer.mime import decode_bytes, decode_message

__all__ = [
    "ReplyParts",
    "Segment",
    "SegmentKind",
    "extract_reply",
    "html_to_text",
    "split_html_reply",
    "split_reply",
]

SegmentKind = Literal["new", "quote", "attribution", "signature", "forward"]


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


# ---------------------------------------------------------------------------------------
# Patterns.  All are applied to a stripped line; lengths are capped by the callers.
# ---------------------------------------------------------------------------------------

_MAX_LINE = 1000  # longer lines are prose or junk: only the cheap quote test runs on them
_MAX_ATTR = 500  # an attribution, joined over its wrapped lines, is never longer

# A quote line: ">" (any depth, RFC 3676 style) or a Supercite prefix ("C>", "Richard>")
# that old Emacs/Gnus clients put in front of quoted lines.
_QUOTE = re.compile(r"[ \t]*(?:>|[A-Z][A-Za-z]{0,9}>(?=\s|$))")

# "wrote" in the languages whose clients we have seen (Gmail, Apple Mail, Outlook, Yahoo,
# Thunderbird localisations).  Kept as the *end* of an attribution line.
_VERBS = (
    r"wrote|writes|sent|skrev|skriver|schrieb|a\s+[ée]crit|escribi[óo]|ha\s+escrit|"
    r"ha\s+scritto|schreef|(?:het\s+volgende\s+)?geschreven|kirjoitti|"
    r"napisa[łl](?:\s*\(a\))?|napisala\s+je|napisao\s+je|napsal(?:\s*\(a\))?|pisze|"
    r"написал(?:\s*\(а\)|а)?|написав|пише|писал|[íi]rta|escreveu|đã\s+viết|yazdı|"
    r"写道|寫道|のメッセージ|작성"
)
_VERB_END = re.compile(rf"(?:^|[\s>\"'),])(?P<verb>{_VERBS})\s*[:：]?$", re.IGNORECASE)
_VERB_ONLY = re.compile(rf"(?:{_VERBS})\s*[:：]?", re.IGNORECASE)
# Polymail and some Gmail wraps put the ">" that closes "<addr" at the start of a line:
# "<test@example.com\n>:" or "mailto:x <x@y>\n> wrote:".  That is not a quote.
_ATTR_TAIL = re.compile(rf">\s*(?:(?:{_VERBS})\s*)?[:：]", re.IGNORECASE)
# Words that open an attribution ("On", "Le", "Am", "Den", "El", "Op", ...).
_ATTR_START = re.compile(
    r"(?:-\s*)?(?:On|Le|Am|Den|El|Op|Il|Em|På|Dana|Dne|Dnia|W\s+dniu|In\s+data|Vào|At|"
    r"Quoting|Citando|Zitat\s+von|Citerar|Lainaus)\b"
)
_EMAIL = re.compile(r"[^\s@<>()\[\]\"',;:]+@[^\s@<>()\[\]\"',;:]+\.[^\s@<>()\[\]\"',;:]+")
_TIME_OR_NUMDATE = re.compile(
    r"\d{1,2}[:.]\d{2}\b|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{4}年"
)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# Gmail's old numeric attribution, no verb: "2014-03-20 8:48 GMT+01:00 Name <addr>:"
_GMAIL_GMT = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s+\d{1,2}:\d{2}(?::\d{2})?\s+GMT[+-]\d"
)
# Gmail (zh/ja locales, 2011-2013): "2011/4/7 Name <addr>" and nothing else.
_DATE_NAME_ADDR = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b[^<>]{0,120}<[^<>\s]+@[^<>\s]+>\s*[:：]?"
)
# An attribution glued to the reply on one line ("reply On Wed, ... wrote:"), as some
# webmails flatten HTML.
_INNER_ON = re.compile(r"(?<=\S)(?:\s+|\s*-{2,}\s*)(On\s.{10,400})$")
# Android and Zoho frame the attribution in dashes: "---- John Smith wrote ----".
_DASH_FRAMED = re.compile(
    rf"-{{2,}}[^-].{{0,200}}\b(?:{_VERBS})\s*[:：]?\s*-{{2,}}", re.IGNORECASE
)
_VERB_ANYWHERE = re.compile(rf"\b(?:{_VERBS})\b", re.IGNORECASE)

# Outlook-style header blocks (From/Sent/To/Subject) in the languages of the brief and the
# corpus.  Outlook puts these instead of ">" quoting; Yahoo indents them and French
# clients put a space before the colon.
_HEADER_KEYS = (
    "from|sent|to|subject|date|cc|bcc|reply-to|sender|on behalf of|"
    "från|skickat|till|ämne|kopia|datum|svara till|"
    "von|gesendet|an|betreff|kopie|"
    "de|envoyé|envoyé le|envoye|à|a|objet|copie à|sujet|message du|"
    "van|verzonden|aan|onderwerp|"
    "fra|sendt|til|emne|dato|kopi|"
    "lähettäjä|lähetetty|vastaanottaja|aihe|päivämäärä|kopio|"
    "da|inviato|oggetto|data|risposta|"
    "enviado|enviada|enviado el|para|asunto|fecha|assunto|"
    "od|wysłano|do|temat|dw|"
    "от|отправлено|кому|тема|дата|копия|"
    "odesláno|komu|předmět|feladó|elküldve|címzett|tárgy|dátum|"
    "kimden|gönderildi|kime|konu|tarih|"
    "差出人|送信日時|宛先|件名|发件人|发送时间|收件人|主题|寄件者|傳送時間|收件者|主旨"
)
_HEADER = re.compile(
    rf"\*{{0,2}}({_HEADER_KEYS})\s*(?:\*{{0,2}}\s*[:：]|[:：]\s*\*{{0,2}})", re.IGNORECASE
)

# Separators that open the quoted original ("-----Original Message-----") or a forward.
# Compared after stripping decoration, so only the phrase itself is listed.
_ORIGINAL_PHRASES = frozenset(
    {
        "original message", "reply message", "ursprüngliche nachricht", "antwort nachricht",
        "originalnachricht", "ursprungligt meddelande", "originalmeddelande",
        "oprindelig meddelelse", "oprindelig besked", "opprinnelig melding",
        "message d'origine", "message original", "mensaje original", "messaggio originale",
        "oorspronkelijk bericht", "origineel bericht", "alkuperäinen viesti",
        "původní zpráva", "wiadomość oryginalna", "oryginalna wiadomość",
        "исходное сообщение", "mensagem original", "原始邮件", "元のメッセージ",
    }
)
_FORWARD_PHRASES = frozenset(
    {
        "forwarded message", "begin forwarded message", "forwarded email",
        "weitergeleitete nachricht", "anfang der weitergeleiteten nachricht",
        "vidarebefordrat meddelande", "vidarebefordrat brev", "början på vidarebefordrat brev",
        "videresendt meddelelse", "videresendt besked", "videresendt melding",
        "start på videresendt besked", "message transféré", "début du message réexpédié",
        "message réexpédié", "mensaje reenviado", "inicio del mensaje reenviado",
        "messaggio inoltrato", "inizio messaggio inoltrato", "doorgestuurd bericht",
        "begin doorgestuurd bericht", "välitetty viesti", "edelleenlähetetty viesti",
        "mensagem encaminhada", "início da mensagem reencaminhada", "wiadomość przekazana",
        "przekazana wiadomość", "пересылаемое сообщение", "転送メッセージ", "转发的邮件",
    }
)
_DECORATION = " \t-_=*~#>[]()"
_RULE = re.compile(r"[-_=*~#+.·•]{3,}")  # a line that is only a rule
_UNDERSCORE_RULE = re.compile(r"_{5,}")  # Outlook and mailing-list footers (Mailman)
_SIG_DELIM = re.compile(r"--\s?")  # RFC 3676 4.3 "-- " (clients often lose the space)

# Mobile and desktop client footers, matched on a lower-cased line whose links were removed.
_W = r"[\w .'’&+®™-]"
_FOOTER = re.compile(
    "|".join(
        (
            rf"sent (?:from|via|with|using) (?:my |an? |the )?{_W}{{1,40}}",
            rf"(?:get|download|hämta|hent|obtenir|obtener|descargar|scarica|baixe|pobierz|lataa)"
            rf" outlook(?: (?:for|för|til|pour|para|per|für|voor|dla))? (?:ios|android)",
            r"holen sie sich outlook für (?:ios|android)",
            rf"skickat?(?:des)? från (?:min |mitt |e-post |)?{_W}{{1,40}}",
            rf"sendt fra (?:min |mitt |)?{_W}{{1,40}}",
            rf"(?:gesendet|versendet) (?:von|vom|mit|über) {_W}{{1,40}}",
            rf"von meine(?:m|r) {_W}{{1,40}} gesendet",
            rf"diese nachricht wurde von meinem {_W}{{1,60}} gesendet",
            rf"envoy[ée] (?:de|depuis|à partir de|a partir de|avec|du) {_W}{{1,40}}",
            rf"enviad[oa] (?:desde|do|de|com|con|pelo|por) {_W}{{1,40}}",
            rf"inviato (?:da|dal|con) {_W}{{1,40}}",
            rf"(?:verzonden|verstuurd) (?:vanaf|met|van|via) {_W}{{1,40}}",
            rf"lähetetty {_W}{{1,40}}",
            rf"wysłane z {_W}{{1,40}}",
            rf"отправлено (?:с|из) {_W}{{1,40}}",
            r"從我的\s?iphone\s?傳送|发自我的\s?iphone|iphoneから送信",
            r"(?:\(|<<)\s*sent (?:from|by|via) [\w .-]{1,30}(?:\)|>>)",
        )
    )
)
_LINK_IN_ANGLES = re.compile(r"<[^<>]*(?:://|@|mailto:)[^<>]*>")
_MD_LINK = re.compile(r"\[([^\]]{0,80})\]\([^)]{0,300}\)")
_PAREN_URL = re.compile(r"\([^()]*://[^()]*\)")
_BARE_URL = re.compile(r"\S*://\S*")

# Valedictions that carry no content (unlike "Thanks"/"Tack", which we keep).
_VALEDICTION = re.compile(
    "|".join(
        (
            r"(?:best|kind|warm(?:est)?|kindest|many|with (?:kind|best|warm) )?\s*regards?",
            r"best|all the best|best wishes|cheers|sincerely(?: yours)?|yours(?: sincerely|"
            r" truly| faithfully)?|br|b\.r|brgds|rgds",
            r"mvh|m\.v\.h\.?|med vänlig(?:a)? hälsning(?:ar)?|vänlig(?:a|en)? hälsning(?:ar)?|"
            r"(?:bästa |varma |många )?hälsningar|hälsning|vh|kram(?:ar)?|allt gott",
            r"med venlig hilsen|venlig hilsen|med vennlig hilsen|vennlig hilsen|"
            r"(?:de )?bedste hilsner|beste hilsen|kærlig hilsen|hilsen|kh|mvh",
            r"mit freundlichen gr(?:ü|ue|u)(?:ß|ss)en|freundliche gr(?:ü|ue)(?:ß|ss)e|mfg|"
            r"(?:viele|beste|liebe|herzliche|schöne) gr(?:ü|ue)(?:ß|ss)e|"
            r"gr(?:ü|ue)(?:ß|ss)e|gru(?:ß|ss)",
            r"(?:bien )?cordialement|bien à vous|(?:meilleures )?salutations|amicalement|bises",
            r"(?:un )?saludos?(?: cordiales)?|atentamente|un abrazo|cordialmente|"
            r"atenciosamente|abraços|cumprimentos",
            r"(?:cordiali |distinti )?saluti|un saluto",
            r"met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|hartelijke groet(?:en)?|"
            r"groet(?:en|jes)?|mvg",
            r"ystävällisin terveisin|parhain terveisin|terveisin|yst\.? terv\.?",
            r"(?:serdecznie )?pozdrawiam|z powa[żz]aniem|pozdrowienia",
            r"с уважением|всего доброго",
        )
    )
)
# A "-Name", "/Name", "//Name" or "—Name" line: a Swedish and Usenet habit.
_DASH_NAME = re.compile(
    r"(?:-(?=[^\W\d_])|/{1,2}\s?|[—–~]\s?)[^\W\d_][\w.'’-]*(?:\s[^\W\d_][\w.'’-]*){0,2}"
)
_NAME_LINE = re.compile(r"[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){0,3}(?:\s*[,|].{0,40})?")
_PHONE = re.compile(r"(?:\+|(?<!\d)0)\d[\d\s().-]{6,}\d")
_DISCLAIMER = re.compile(
    r"(?:this (?:e-?mail|message|communication)|the information (?:contained|in this)|"
    r"confidentiality notice|disclaimer|detta (?:e-?post|e-?mail|meddelande)|denna e-?post|"
    r"informationen i (?:detta|denna)|diese (?:e-?mail|nachricht)|ce (?:message|courriel)|"
    r"le informazioni contenute|este (?:mensaje|correo)|dit (?:e-?mail|bericht)|"
    r"tämä (?:sähköposti|viesti)|denne (?:e-?mail|meddelelse|meldingen))\w*\b.{0,300}"
    r"(?:confidential|konfidentiell|vertraulich|confidentiel|riservat|confidencial|"
    r"vertrouwelijk|luottamuksellinen|fortrolig|intended|avsedd|privileged|sekretess)",
    re.IGNORECASE | re.DOTALL,
)
# Streak/Mailtrack (Gmail extensions) leave U+1427 as an invisible tracking mark.
_JUNK_LINE = re.compile(r"[-_=*~#+.|/\\<>\u1427\u200b\s]+")


# ---------------------------------------------------------------------------------------
# Line tests
# ---------------------------------------------------------------------------------------


def _is_quote(line: str) -> bool:
    if not _QUOTE.match(line):
        return False
    stripped = line.strip()
    if len(stripped) < 40 and _ATTR_TAIL.fullmatch(stripped):
        return False
    # ">>> Click here <<<" is a banner (emphasis), not a quote: quotes are never closed.
    return not (stripped.startswith(">>") and stripped.endswith("<<"))


def _quote_content(line: str) -> str:
    return line.lstrip(" \t>").strip()


# Cheap prefilter: every footer pattern contains one of these (substring tests run in C).
_FOOTER_WORDS = (
    "sent", "skickat", "outlook", "sendt", "gesendet", "envoy", "enviad", "inviato",
    "verzonden", "verstuurd", "lähetetty", "wysłane", "отправлено", "iphone", "傳送", "送信",
)


def _is_footer(stripped: str) -> bool:
    if len(stripped) > 160:
        return False
    lowered = stripped.lower()
    if not any(word in lowered for word in _FOOTER_WORDS):
        return False
    text = _MD_LINK.sub(r"\1", stripped)
    text = _PAREN_URL.sub(" ", _LINK_IN_ANGLES.sub(" ", text))
    text = _BARE_URL.sub(" ", text)
    text = " ".join(text.lower().split()).strip(" .!")
    return bool(text) and _FOOTER.fullmatch(text) is not None


def _marker_kind(stripped: str) -> SegmentKind | None:
    """'quote' for "-----Original Message-----", 'forward' for forward markers."""
    if len(stripped) > 120:
        return None
    phrase = stripped.strip(_DECORATION).lower().rstrip(":： ").strip(_DECORATION)
    decorated = len(stripped) - len(stripped.strip(_DECORATION)) >= 2
    if phrase in _FORWARD_PHRASES and (decorated or stripped.endswith((":", "："))):
        return "forward"
    if phrase in _ORIGINAL_PHRASES and decorated:
        return "quote"
    return None


def _header_key(line: str) -> str | None:
    if len(line) > _MAX_LINE:
        return None
    m = _HEADER.match(line.strip())
    return m.group(1).lower() if m else None


def _header_block_at(lines: Sequence[str], i: int) -> bool:
    """True when an Outlook-style header block (two or more header lines) starts at ``i``."""
    keys: set[str] = set()
    wrapped = 0
    for j in range(i, min(len(lines), i + 12)):
        line = lines[j]
        if not line.strip():
            break
        key = _header_key(line)
        if key is None:
            if j == i or wrapped >= 2:  # a header value wraps over at most two lines
                break
            wrapped += 1
            continue
        wrapped = 0
        keys.add(key)
    # "A:" (To) and "De:" (From) alone are too common in prose to count on their own.
    return len(keys) >= 2 and any(len(k) > 2 for k in keys)


def _attr_strength(text: str, *, strong_start: bool) -> int:
    """0: not an attribution; 1: only before a ``>`` quote; 2: also as an unquoted cut."""
    text = text.strip(" \t-*_")
    if len(text) > _MAX_ATTR or len(text) < 6:
        return 0
    if _GMAIL_GMT.match(text) or _DATE_NAME_ADDR.fullmatch(text):
        return 2
    has_email = _EMAIL.search(text) is not None
    precise_date = _TIME_OR_NUMDATE.search(text) is not None
    any_date = precise_date or _YEAR.search(text) is not None
    verb = _VERB_END.search(text[-60:])
    if verb:
        if verb.group("verb").lower() == "sent" and not has_email:
            return 0  # "sent" ends too many sentences; talon's "<addr> sent:" has an address
        if has_email or (any_date and strong_start):
            return 2
        # A date alone ("pe 20. lokakuuta 2017 klo 17.50 X kirjoitti:") is enough above a
        # quote, but an unquoted cut on it could eat a real answer ("Meeting 10:00 ... wrote").
        return 1 if any_date else 0
    if text.endswith((":", "：")) and any_date:
        if has_email:
            return 2
        # Apple Mail de/sv/da: "Am 25.06.2015 um 10:55 schrieb Test user:" (verb mid-line)
        if precise_date and _VERB_ANYWHERE.search(text):
            return 2 if strong_start else 1
    return 0


# Last words of _VERBS, lower-cased: a suffix test before the regex.
_VERB_SUFFIXES = (
    "wrote", "writes", "sent", "skrev", "skriver", "schrieb", "crit", "escribió", "escribio",
    "escrit", "scritto", "schreef", "geschreven", "kirjoitti", "napisał", "napisal", "(a)",
    "je", "napsal", "pisze", "написал", "написала", "(а)", "написав", "пише", "писал", "írta",
    "irta", "escreveu", "viết", "yazdı", "写道", "寫道", "のメッセージ", "작성",
)


def _may_end_attribution(stripped: str) -> bool:
    tail = stripped.rstrip(" -*")[-60:]
    if tail.endswith((":", "：")):
        return True
    return tail.lower().endswith(_VERB_SUFFIXES) and _VERB_END.search(tail) is not None


def _is_continuation(stripped: str) -> bool:
    first = stripped[:1]
    return bool(first) and (
        first in "<([>"
        or first.islower()
        or _VERB_ONLY.fullmatch(stripped) is not None
        or _EMAIL.match(stripped) is not None  # the address Gmail wrapped onto its own line
    )


def _may_start(stripped: str) -> bool:
    return (
        _ATTR_START.match(stripped) is not None
        or "@" in stripped
        or "<" in stripped
        or any(ch.isdigit() for ch in stripped[:80])
    )


def _attribution_ending_at(
    lines: Sequence[str], quote: Sequence[bool], j: int
) -> tuple[int, int] | None:
    """Find an attribution whose last line is ``j``; return (first line, strength).

    Gmail wraps long attributions over two or three lines ("On Mon, ... The Hiring Engine
    <\\naddr> wrote:"), Polymail even puts a blank line inside, so we walk back from the
    line that ends like an attribution, up to six lines.
    """
    stripped_j = lines[j].strip()
    if len(stripped_j) > _MAX_ATTR:
        return None
    if (
        _GMAIL_GMT.match(stripped_j)
        or _DATE_NAME_ADDR.fullmatch(stripped_j)
        or _DASH_FRAMED.fullmatch(stripped_j)
    ):
        return j, 2
    if not _may_end_attribution(stripped_j):
        return None
    best: tuple[int, int] | None = None
    parts: list[str] = []
    k = j
    while k >= 0 and j - k < 7:
        stripped = lines[k].strip()
        if k < j:
            if not stripped:
                # Polymail: "On <date> Name\n\n<\nmailto:Name <addr>\n> wrote:"
                if lines[k + 1].strip().startswith("<") and k > 0 and lines[k - 1].strip():
                    k -= 1
                    continue
                break
            if quote[k] or (best is not None and stripped.endswith((".", "!", "?"))):
                break
        parts.insert(0, stripped)
        joined = " ".join(parts)
        if len(joined) > _MAX_ATTR:
            break
        if _may_start(stripped):
            strength = _attr_strength(joined, strong_start=_ATTR_START.match(stripped) is not None)
            if strength:
                best = (k, strength)
                if not _is_continuation(stripped) and not _opens_above(lines, quote, k):
                    break
        k -= 1
    return best


def _opens_above(lines: Sequence[str], quote: Sequence[bool], k: int) -> bool:
    """The line above ``k`` opens an attribution that wrapped ("On <date>, Somebody <")."""
    if k == 0 or quote[k - 1]:
        return False
    above = lines[k - 1].strip()
    return bool(above) and _ATTR_START.match(above) is not None and not above.endswith(
        (".", "!", "?")
    )


def _next_nonblank(lines: Sequence[str], i: int) -> int | None:
    for j in range(i, len(lines)):
        if lines[j].strip():
            return j
    return None


def _hard_marker(lines: Sequence[str], quote: Sequence[bool], i: int) -> SegmentKind | None:
    """Kind of the cut that starts at line ``i``, if one does."""
    stripped = lines[i].strip()
    if len(stripped) > _MAX_LINE:
        return None
    if _SIG_DELIM.fullmatch(stripped):
        return "signature"
    marker = _marker_kind(stripped)
    if marker:
        return marker
    if _RULE.fullmatch(stripped):
        # A rule is a cut only when a header block or an original-message marker follows
        # (Outlook's "____" line, Yahoo's and French webmails' "====").  A "_____" rule on
        # its own starts a mailing-list footer (Mailman) or a disclaimer.
        nxt = _next_nonblank(lines, i + 1)
        if nxt is not None and nxt - i <= 3 and not quote[nxt]:
            if _header_block_at(lines, nxt) or _marker_kind(lines[nxt].strip()):
                return "quote"
        return "signature" if _UNDERSCORE_RULE.fullmatch(stripped) else None
    if _header_key(stripped) and _header_block_at(lines, i):
        return "quote"
    if _is_footer(stripped):
        return "signature"
    return None


# ---------------------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------------------


def _split_glued_attributions(lines: list[str]) -> list[str]:
    """Split "reply On <date>, <addr> wrote:" into the reply and the attribution."""
    out: list[str] = []
    for idx, line in enumerate(lines):
        stripped = line.strip()
        if (
            len(stripped) <= _MAX_ATTR
            and (" On " in stripped or "-On " in stripped)
            and _VERB_END.search(stripped[-60:])
            and not _QUOTE.match(line)
        ):
            m = _INNER_ON.search(stripped)
            nxt = _next_nonblank(lines, idx + 1)
            if m and nxt is not None and _QUOTE.match(lines[nxt]):
                if _attr_strength(m.group(1), strong_start=True):
                    out.append(stripped[: m.start()].rstrip(" -"))
                    out.append(m.group(1))
                    continue
        out.append(line)
    return out


def _classify(lines: Sequence[str]) -> list[SegmentKind | None]:
    """Kind of every line (None for blank lines)."""
    n = len(lines)
    quote = [_is_quote(line) for line in lines]
    kinds: list[SegmentKind | None] = [None] * n
    mode: SegmentKind | None = None  # None while we are still in new text
    i = 0
    while i < n:
        stripped = lines[i].strip()
        if not stripped:
            i += 1
            continue
        if quote[i]:
            kinds[i] = "forward" if mode == "forward" else "quote"
            i += 1
            continue
        if mode == "forward":
            kinds[i] = "forward"
            i += 1
            continue
        marker = _hard_marker(lines, quote, i)
        if marker is not None:
            if mode is None:
                for t in range(_cut_start(lines, kinds, i), i):
                    kinds[t] = marker if lines[t].strip() else None
            # A signature may be followed by the quoted original; inside the original, its
            # own signature or separators stay part of the quote.  A forward wins.
            mode = marker if mode in (None, "signature") or marker == "forward" else mode
            kinds[i] = mode
            i += 1
            continue
        attr = _attribution_ending_at(lines, quote, i) if len(stripped) <= _MAX_ATTR else None
        if attr is not None:
            k, strength = attr
            nxt = _next_nonblank(lines, i + 1)
            followed_by_quote = nxt is not None and quote[nxt]
            if followed_by_quote or strength == 2:
                for t in range(k, i + 1):
                    kinds[t] = "attribution" if lines[t].strip() else None
                if not followed_by_quote and mode in (None, "signature"):
                    mode = "quote"  # the original follows unquoted
                i += 1
                continue
        kinds[i] = "new" if mode is None else mode
        i += 1
    _fold_broken_quote_lines(lines, quote, kinds)
    return kinds


def _cut_start(lines: Sequence[str], kinds: Sequence[SegmentKind | None], i: int) -> int:
    """Pull blank lines and a rule right above a cut into it (Outlook's "_____" line)."""
    start = i
    t = i - 1
    while t >= 0 and kinds[t] in (None, "new"):
        stripped = lines[t].strip()
        if stripped and not (_RULE.fullmatch(stripped) and i - t <= 3):
            break
        if stripped:
            start = t
        t -= 1
    return start


def _fold_broken_quote_lines(
    lines: Sequence[str], quote: Sequence[bool], kinds: list[SegmentKind | None]
) -> None:
    """Treat an unquoted line squeezed between two quote lines as quote when it is the
    tail of a wrapped quoted line (a client re-wrapped after quoting) or a bare link that
    broke out of the quote (talon's "links break quotation markers" cases)."""
    for i in range(1, len(lines) - 1):
        if kinds[i] != "new" or not (quote[i - 1] and quote[i + 1]):
            continue
        stripped = lines[i].strip()
        if len(stripped) > _MAX_LINE:
            continue
        prev = _quote_content(lines[i - 1])
        no_links = _BARE_URL.sub("", _LINK_IN_ANGLES.sub("", _PAREN_URL.sub("", stripped)))
        if not no_links.strip(" <>()[]"):
            kinds[i] = "quote"
        elif " " not in stripped and (prev.count("(") > prev.count(")") or "://" in prev[-40:]):
            kinds[i] = "quote"
        elif len(prev) >= 60 and stripped[0].islower() and not prev.endswith(("?", ":")):
            kinds[i] = "quote"


# ---------------------------------------------------------------------------------------
# Sign-off trimming on the last block of new text
# ---------------------------------------------------------------------------------------


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


def _trim_signoff(lines: Sequence[str], kinds: list[SegmentKind | None]) -> None:
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
    while body and _JUNK_LINE.fullmatch(stripped[body[-1]]):
        body.pop()
    cut = body[-1] + 1 if body else (idx[0] if idx else 0)
    if not body:
        return cut
    # Legal disclaimer: a paragraph near the end that says "confidential".
    paragraphs = _paragraph_starts(lines, body)
    for p in paragraphs[-3:]:
        text = " ".join(stripped[i] for i in body if i >= p)[:600]
        if p != body[0] and _DISCLAIMER.match(text):
            body = [i for i in body if i < p]
            cut = p
            break
    if not body:
        return cut
    # Valediction ("Mvh", "Best regards,") followed by at most a short name block.
    window = body[-7:]
    for pos, i in enumerate(window):
        line = stripped[i].rstrip(",.!:;- ").lower()
        if len(line) <= 40 and _VALEDICTION.fullmatch(line):
            after = window[pos + 1 :]
            if all(len(stripped[t]) <= 70 and not stripped[t].endswith("?") for t in after):
                return i
            break
    # "-Anna", "/John", "//Jef", "—Ryan".
    last = body[-1]
    if len(stripped[last]) <= 40 and _DASH_NAME.fullmatch(stripped[last]) and len(body) > 1:
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
    if not _NAME_LINE.fullmatch(block[0]) or any(ch.isdigit() for ch in block[0]):
        return None
    has_phone = any(
        _PHONE.search(line) and sum(ch.isalpha() for ch in line) <= 15 for line in block[1:]
    )
    return start if has_phone else None


# ---------------------------------------------------------------------------------------
# Segments and the public functions
# ---------------------------------------------------------------------------------------


def _normalise(text: str) -> list[str]:
    # "\r\r\n" comes from gateways that convert line endings twice.
    text = text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\x00", "")
    if text.startswith("\ufeff"):
        text = text[1:]
    return [line.rstrip() for line in text.split("\n")]


def _segments(lines: Sequence[str], kinds: Sequence[SegmentKind | None]) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    current: SegmentKind | None = None
    buf: list[str] = []
    pending_blank = 0
    for line, kind in zip(lines, kinds):
        if kind is None:
            pending_blank += 1
            continue
        if kind != current:
            if buf and current is not None:
                segments.append(Segment(current, "\n".join(buf)))
            current, buf = kind, [line]
        else:
            buf.extend([""] * pending_blank)
            buf.append(line)
        pending_blank = 0
    if buf and current is not None:
        segments.append(Segment(current, "\n".join(buf)))
    return tuple(segments)


def split_reply(text: str, /) -> ReplyParts:
    """Split a plain-text body into new text, quotes, attributions, signatures, forwards.

    :param text: a decoded text/plain body (any newline convention).
    :returns: the new text (top-posted text and inline answers, joined by a blank line)
        and every segment in document order.
    """
    if not isinstance(text, str) or not text.strip():
        return ReplyParts("", ())
    lines = _split_glued_attributions(_normalise(text))
    kinds = _classify(lines)
    _trim_signoff(lines, kinds)
    segments = _segments(lines, kinds)
    new_text = "\n\n".join(s.text.strip("\n") for s in segments if s.kind == "new").strip()
    return ReplyParts(new_text, segments)


def split_html_reply(html: str, /) -> ReplyParts:
    """Like :func:`split_reply` for an HTML body: quotes become ``>`` lines, then the same rules."""
    return split_reply(html_to_text(html))


def extract_reply(raw: bytes, kind: str = "eml") -> str:
    """The new text of a message.

    :param raw: the bytes of a whole RFC 5322 message (``kind="eml"``), of a text body
        (``"text"``) or of an HTML body (``"html"``).
    :param kind: ``"eml"``, ``"text"`` or ``"html"``; anything else is read as text.
    :returns: what the sender newly wrote, stripped; ``""`` when there is nothing.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if kind == "eml":
        body = decode_message(raw)
        if body.text is not None and body.text.strip():
            return split_reply(body.text).new_text
        if body.html is not None:
            return split_html_reply(body.html).new_text
        return ""
    if kind == "html":
        text, _ = decode_bytes(raw, None, html=True)
        return split_html_reply(text).new_text
    text, _ = decode_bytes(raw, None)
    return split_reply(text).new_text


# ---------------------------------------------------------------------------------------
# HTML: mark quoted regions, convert with inscriptis, turn the regions into ">" lines
# ---------------------------------------------------------------------------------------

_Q_OPEN, _Q_CLOSE = "\ue000", "\ue001"  # private-use sentinels, removed from input first
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]{0,2000}>")

# Elements that *are* a quote, per client.
_QUOTE_XPATH = etree.XPath(
    "//blockquote"  # Apple Mail (type=cite), Thunderbird, Gmail, most webmails
    # Gmail: only the attribution and the blockquotes inside div.gmail_quote are quoted;
    # answers typed inline between the blockquotes sit in that same container.
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' gmail_attr ')]"
    # Thunderbird's attribution, Yahoo's quoted part
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' moz-cite-prefix ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' yahoo_quoted ')]"
    " | //*[starts-with(@id, 'yahoo_quoted')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' protonmail_quote ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' zmail_extra ')]"  # Zoho
)
# Elements from which everything to the end of the message is the quoted original.
_CUT_XPATH = etree.XPath(
    "//*[contains(@id, 'divRplyFwdMsg')]"  # Outlook web / new Outlook
    " | //*[@id='appendonsend']"  # Outlook web: empty div right before the quoted header
    " | //hr[@id='stopSpelling']"  # Hotmail / Outlook.com (old)
    " | //hr[@id='zwchr']"  # Zimbra
    " | //*[starts-with(@id, 'OLK_SRC_BODY_SECTION')]"  # Outlook for Mac
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' OutlookMessageHeader ')]"
    " | //*[contains(translate(@style, 'BORDETP', 'bordetp'), 'border-top')]"  # Outlook desktop
)


def _is_header_div(el: etree._Element) -> bool:
    """Outlook desktop and Windows Mail draw a border-top above a From:/Sent: block."""
    if el.tag != "div":
        return False
    text = "".join(el.itertext())[:300].lstrip()
    return _header_key(text.split("\n", 1)[0][:200]) is not None


def _sentinel(mark: str) -> etree._Element:
    div = etree.Element("div")
    div.text = mark
    return div


_MSO_PARAGRAPHS = etree.XPath("//p[contains(@class, 'MsoNormal')]")
# Signature blocks the clients mark up: Gmail, Thunderbird, Outlook on the web / new Outlook.
_SIGNATURE_XPATH = etree.XPath(
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' gmail_signature ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' moz-signature ')]"
    " | //*[@id='Signature' or @id='signature']"
)


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
    for el in _SIGNATURE_XPATH(root):
        if el.getparent() is not None:
            el.addprevious(_sentinel("-- "))  # the RFC 3676 separator the text rules know
    for el in _QUOTE_XPATH(root):
        if el.getparent() is None:
            continue
        el.addprevious(_sentinel(_Q_OPEN))
        el.append(_sentinel(_Q_CLOSE))
    for el in _CUT_XPATH(root):
        if el.getparent() is None:
            continue
        if "style" in el.attrib and not el.get("id") and not _is_header_div(el):
            continue
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
        piece = []
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
    from html import unescape

    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>", "\n", html)
    return unescape(_TAG.sub("", text))


def html_to_text(html: str, /) -> str:
    """Convert an HTML body to text; quoted regions come out as ``>``-prefixed lines.

    Uses lxml for the DOM (to find each client's quote markup) and inscriptis for a
    layout-aware conversion (lists, tables and line breaks as a reader sees them).
    """
    from inscriptis import Inscriptis
    from inscriptis.css_profiles import CSS_PROFILES
    from inscriptis.model.config import ParserConfig

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
