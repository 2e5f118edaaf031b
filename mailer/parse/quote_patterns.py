"""The per-language pattern tables of reply extraction: quote prefixes, attributions,
Outlook-style header blocks, separators, client footers, valedictions and sign-off shapes.

Data only (compiled regexes and phrase sets); the rules that use them live in
:mod:`mailer.parse.quote_lines` (quotes, cuts), :mod:`mailer.parse.attribution` (attributions)
and :mod:`mailer.parse.signoff` (sign-offs). Every pattern is applied to one stripped line,
or to a few joined lines of an attribution, and only to lines of bounded length (``MAX_LINE``,
``MAX_ATTR``), so no input can make one backtrack for long.
"""

from __future__ import annotations

import re

MAX_LINE = 1000  # longer lines are prose or junk: only the cheap quote test runs on them
MAX_ATTR = 500  # an attribution, joined over its wrapped lines, is never longer

# A quote line: ">" (any depth, RFC 3676 style) or a Supercite prefix ("C>", "Richard>")
# that old Emacs/Gnus clients put in front of quoted lines.
QUOTE = re.compile(r"[ \t]*(?:>|[A-Z][A-Za-z]{0,9}>(?=\s|$))")

# "wrote" in the languages whose clients we have seen (Gmail, Apple Mail, Outlook, Yahoo,
# Thunderbird localisations).  Kept as the *end* of an attribution line.
VERBS = (
    r"wrote|writes|sent|skrev|skriver|schrieb|a\s+[ée]crit|escribi[óo]|ha\s+escrit|"
    r"ha\s+scritto|schreef|(?:het\s+volgende\s+)?geschreven|kirjoitti|"
    r"napisa[łl](?:\s*\(a\))?|napisala\s+je|napisao\s+je|napsal(?:\s*\(a\))?|pisze|"
    r"написал(?:\s*\(а\)|а)?|написав|пише|писал|[íi]rta|escreveu|đã\s+viết|yazdı|"
    r"写道|寫道|のメッセージ|작성"
)
VERB_END = re.compile(rf"(?:^|[\s>\"'),])(?P<verb>{VERBS})\s*[:：]?$", re.IGNORECASE)
VERB_ONLY = re.compile(rf"(?:{VERBS})\s*[:：]?", re.IGNORECASE)
# Polymail and some Gmail wraps put the ">" that closes "<addr" at the start of a line:
# "<test@example.com\n>:" or "mailto:x <x@y>\n> wrote:".  That is not a quote.
ATTR_TAIL = re.compile(rf">\s*(?:(?:{VERBS})\s*)?[:：]", re.IGNORECASE)
# Words that open an attribution ("On", "Le", "Am", "Den", "El", "Op", ...).
ATTR_START = re.compile(
    r"(?:-\s*)?(?:On|Le|Am|Den|El|Op|Il|Em|På|Dana|Dne|Dnia|W\s+dniu|In\s+data|Vào|At|"
    r"Quoting|Citando|Zitat\s+von|Citerar|Lainaus)\b"
)
EMAIL = re.compile(r"[^\s@<>()\[\]\"',;:]+@[^\s@<>()\[\]\"',;:]+\.[^\s@<>()\[\]\"',;:]+")
TIME_OR_NUMDATE = re.compile(
    r"\d{1,2}[:.]\d{2}\b|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{4}年"
)
YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# Gmail's old numeric attribution, no verb: "2014-03-20 8:48 GMT+01:00 Name <addr>:"
GMAIL_GMT = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s+\d{1,2}:\d{2}(?::\d{2})?\s+GMT[+-]\d"
)
# Gmail (zh/ja locales, 2011-2013): "2011/4/7 Name <addr>" and nothing else.
DATE_NAME_ADDR = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b[^<>]{0,120}<[^<>\s]+@[^<>\s]+>\s*[:：]?"
)
# An attribution glued to the reply on one line ("reply On Wed, ... wrote:"), as some
# webmails flatten HTML.
INNER_ON = re.compile(r"(?<=\S)(?:\s+|\s*-{2,}\s*)(On\s.{10,400})$")
# Android and Zoho frame the attribution in dashes: "---- John Smith wrote ----".
DASH_FRAMED = re.compile(
    rf"-{{2,}}[^-].{{0,200}}\b(?:{VERBS})\s*[:：]?\s*-{{2,}}", re.IGNORECASE
)
VERB_ANYWHERE = re.compile(rf"\b(?:{VERBS})\b", re.IGNORECASE)

# Outlook-style header blocks (From/Sent/To/Subject) in the languages of the brief and the
# corpus.  Outlook puts these instead of ">" quoting; Yahoo indents them and French
# clients put a space before the colon.
HEADER_KEYS = (
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
HEADER = re.compile(
    rf"\*{{0,2}}({HEADER_KEYS})\s*(?:\*{{0,2}}\s*[:：]|[:：]\s*\*{{0,2}})", re.IGNORECASE
)

# Separators that open the quoted original ("-----Original Message-----") or a forward.
# Compared after stripping decoration, so only the phrase itself is listed.
ORIGINAL_PHRASES = frozenset(
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
FORWARD_PHRASES = frozenset(
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
DECORATION = " \t-_=*~#>[]()"
RULE = re.compile(r"[-_=*~#+.·•]{3,}")  # a line that is only a rule
UNDERSCORE_RULE = re.compile(r"_{5,}")  # Outlook and mailing-list footers (Mailman)
SIG_DELIM = re.compile(r"--\s?")  # RFC 3676 4.3 "-- " (clients often lose the space)

# Mobile and desktop client footers, matched on a lower-cased line whose links were removed.
FOOTER_CHARS = r"[\w .'’&+®™-]"
_MAIL_APPS = (r"(?:proton|tuta|tutanota|spark|bluemail|blue mail|edison|mailbird|outlook|gmail|"
              r"yahoo|aol|thunderbird|fairemail|k-9|samsung|gmx|zoho|fastmail|hey|superhuman|"
              r"airmail|newton|canary|mail för|mail for)")
_EXCUSE = (r"(?:[,;.]? ?(?:please )?(?:excuse|pardon|sorry for|ursäkta|förlåt) (?:the |my |any |"
           r"eventuella )?(?:typos?|brevity|spelling|stavfel|korta svar|kortfattheten)\.?)?")
FOOTER = re.compile(
    "|".join(
        (
            # ", excuse typos" / ", ursäkta stavfel" after it: the footer's usual apology
            rf"sent (?:from|via|with|using) (?:my |an? |the )?{FOOTER_CHARS}{{1,40}}{_EXCUSE}",
            # Outlook mobile: "Get Outlook for iOS", "Skaffa Outlook för Android", "... iOS/Android"
            r"(?:get|download|hämta|skaffa|ladda ner|hent|få|obtenir|obtener|descargar|scarica|"
            r"baixe|pobierz|lataa) outlook(?: (?:for|för|til|pour|para|per|für|voor|dla))?"
            r" (?:ios|android)(?: ?/ ?(?:ios|android))?",
            r"holen sie sich outlook für (?:ios|android)",
            rf"skickat?(?:des)? från (?:min |mitt |e-post |)?{FOOTER_CHARS}{{1,40}}{_EXCUSE}",
            rf"sendt fra (?:min |mitt |)?{FOOTER_CHARS}{{1,40}}",
            # Proton's "Skickat med Proton Mail säker e-post": "med" only before a mail app
            # ("Skickat med posten igår" is an answer)
            rf"(?:skickat|sendt) med {_MAIL_APPS}{FOOTER_CHARS}{{0,40}}",
            rf"(?:gesendet|versendet) (?:von|vom|mit|über) {FOOTER_CHARS}{{1,40}}",
            rf"von meine(?:m|r) {FOOTER_CHARS}{{1,40}} gesendet",
            rf"diese nachricht wurde von meinem {FOOTER_CHARS}{{1,60}} gesendet",
            rf"envoy[ée] (?:de|depuis|à partir de|a partir de|avec|du) {FOOTER_CHARS}{{1,40}}",
            rf"enviad[oa] (?:desde|do|de|com|con|pelo|por) {FOOTER_CHARS}{{1,40}}",
            rf"inviato (?:da|dal|con) {FOOTER_CHARS}{{1,40}}",
            rf"(?:verzonden|verstuurd) (?:vanaf|met|van|via) {FOOTER_CHARS}{{1,40}}",
            rf"lähetetty {FOOTER_CHARS}{{1,40}}",
            rf"wysłane z {FOOTER_CHARS}{{1,40}}",
            rf"отправлено (?:с|из) {FOOTER_CHARS}{{1,40}}",
            r"從我的\s?iphone\s?傳送|发自我的\s?iphone|iphoneから送信",
            r"(?:\(|<<)\s*sent (?:from|by|via) [\w .-]{1,30}(?:\)|>>)",
        )
    )
)
# A writer's mark where they cut quoted text: "[...]", "[…]", "[snip]", "<snip>", "(...)",
# "[klipp]", "[ ... ]", "[snipped]", "[---]", "[... snip ...]", "-- snip --", "--- 8< ---"
# (matched on a stripped line).
_CUT_WORD = r"(?:snip(?:p?ed)?|klipp(?:t)?|cut|8<|>8)"
SNIP = re.compile(
    r"[\[<(]\s?(?:\.{2,5}|…|-{2,5}|(?:(?:\.{3}|…)\s?)?" + _CUT_WORD
    + r"(?:\s?(?:\.{3}|…))?)\s?[\]>)]|-{2,5}\s?" + _CUT_WORD + r"\s?-{2,5}", re.IGNORECASE)
LINK_IN_ANGLES = re.compile(r"<[^<>]*(?:://|@|mailto:)[^<>]*>")
MD_LINK = re.compile(r"\[([^\]]{0,80})\]\([^)]{0,300}\)")
PAREN_URL = re.compile(r"\([^()]*://[^()]*\)")
BARE_URL = re.compile(r"\S*://\S*")

# Valedictions that carry no content (unlike "Thanks"/"Tack", which we keep).
VALEDICTION = re.compile(
    "|".join(
        (
            r"(?:best|kind|warm(?:est)?|kindest|many|with (?:kind|best|warm) )?\s*regards?",
            r"best|all the best|best wishes|cheers|take care|sincerely(?: yours)?|"
            r"yours(?: sincerely| truly| faithfully)?|br|b\.r|brgds|rgds",
            r"mvh|m\.v\.h\.?|med vänlig(?:a)? hälsning(?:ar)?|vänlig(?:a|en)? hälsning(?:ar)?|"
            r"(?:bästa |varma |många )?hälsningar|hälsning|vh|kram(?:ar)?|allt gott|"
            r"ha det (?:så )?(?:bra|gott|fint)|sköt om dig",
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
DASH_NAME = re.compile(
    r"(?:-(?=[^\W\d_])|/{1,2}\s?|[—–~]\s?)[^\W\d_][\w.'’-]*(?:\s[^\W\d_][\w.'’-]*){0,2}"
)
# "Thanks,"/"Tack!" alone on a line.  Content on its own (policy), but part of the sign-off
# when a name sign-off follows it: "Thanks,\nKenji", "Tack!\n/Erik".
THANKS_LINE = re.compile(
    r"(?:many |big |a big |stort )?(?:thanks|thank you|thx|tack|tackar|danke|merci|gracias|"
    r"grazie|kiitos|takk|tak|dank je|bedankt)(?: (?:again|so much|a lot|igen|så mycket))?"
    r"[\s,.!]*",
    re.IGNORECASE,
)
NAME_LINE = re.compile(r"[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){0,3}(?:\s*[,|].{0,40})?")
PHONE = re.compile(r"(?:\+|(?<!\d)0)\d[\d\s().-]{6,}\d")
DISCLAIMER = re.compile(
    r"(?:(?:confidentiality(?: notice)?|disclaimer|sekretess|konfidentiellt)\s*:\s*)?"
    r"(?:this (?:e-?mail|message|communication)|the information (?:contained|in this)|"
    r"confidentiality notice|disclaimer|detta (?:e-?post|e-?mail|meddelande)|denna e-?post|"
    r"informationen i (?:detta|denna)|diese (?:e-?mail|nachricht)|ce (?:message|courriel)|"
    r"le informazioni contenute|este (?:mensaje|correo)|dit (?:e-?mail|bericht)|"
    r"tämä (?:sähköposti|viesti)|denne (?:e-?mail|meddelelse|meldingen))\w*\b.{0,300}"
    r"(?:confidential|konfidentiell|vertraulich|confidentiel|riservat|confidencial|"
    r"vertrouwelijk|luottamuksellinen|fortrolig|intended|avsedd|privileged|sekretess)"
    # Swedish agencies' notice that mail to them is a public record (offentlighetsprincipen):
    # "Observera att e-post som skickas till myndigheten blir allmän handling ...", "Please note
    # that e-mail sent to a Swedish government agency becomes a public record ..."
    r"|(?:observera|obs|vänligen observera|please note|note)(?: att| that)?[\s:]+.{0,200}?"
    r"(?:allmän handling|allmänna handlingar|offentlighetsprincipen|public record|"
    r"public access to official records)",
    re.IGNORECASE | re.DOTALL,
)
# Streak/Mailtrack (Gmail extensions) leave U+1427 as an invisible tracking mark.
JUNK_LINE = re.compile(r"[-_=*~#+.|/\\<>\u1427\u200b\s]+")

# Cheap prefilter: every footer pattern contains one of these (substring tests run in C).
FOOTER_WORDS = (
    "sent", "skickat", "outlook", "sendt", "gesendet", "envoy", "enviad", "inviato",
    "verzonden", "verstuurd", "lähetetty", "wysłane", "отправлено", "iphone", "傳送", "送信",
)

# Last words of VERBS, lower-cased: a suffix test before the regex.
VERB_SUFFIXES = (
    "wrote", "writes", "sent", "skrev", "skriver", "schrieb", "crit", "escribió", "escribio",
    "escrit", "scritto", "schreef", "geschreven", "kirjoitti", "napisał", "napisal", "(a)",
    "je", "napsal", "pisze", "написал", "написала", "(а)", "написав", "пише", "писал", "írta",
    "irta", "escreveu", "viết", "yazdı", "写道", "寫道", "のメッセージ", "작성",
)
