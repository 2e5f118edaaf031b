"""Simulated people for ``mailer demo``: the replies their mail clients would send. Pure.

Given a prompt as the service sent it (bytes or an ``EmailMessage``), a :class:`Persona`, the
simulated week and a seeded ``random.Random``, :func:`reply` returns the raw bytes a real
client would put on the wire, plus the answers the person meant to give (for tests and the
demo's summary). Nothing here reads the clock, the network or the global random state: the
same seed gives the same bytes (MIME boundaries and Message-IDs included).

What differs per client is what the reply parser has to cope with in real life:

* Gmail: ``Re:``, "On <date> <name> <addr> wrote:" (Swedish "Den <date> skrev ...:"),
  wrapped at 78 columns in text/plain, ``>`` quotes, HTML in ``div.gmail_quote``;
* Outlook: ``SV:``/``RE:``, no ``>`` at all: a ``Från:/Skickat:/Till:/Ämne:`` header block
  above the unquoted original, ISO-8859-1 text, ``Thread-Index``, and no ``References``;
* iPhone / Apple Mail: ``Sv:``/``Re:``, "Skickat från min iPhone", the attribution inside the
  quote ("> On 30 Nov 2026, at 09:00, X wrote:") and a BOM at the start of the quoted text;
* Thunderbird: text/plain only, ``format=flowed``, "On 11/30/26 9:00 AM, X wrote:".

and per answer style: ``inline`` (answers under each quoted question), ``top_numbered``
("1. ..." above the quote), ``labelled`` ("Hinder: ...") and ``free_text`` (prose).
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import html
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.utils import format_datetime, getaddresses, parsedate_to_datetime
from typing import Literal
from zoneinfo import ZoneInfo

from mailer.models import Language, Person

__all__ = [
    "AnswerStyle", "ClientStyle", "Persona", "Prompt", "Simulated",
    "fake_token", "forged_reply", "out_of_office", "parse_prompt", "reply", "responds",
]

ClientStyle = Literal["gmail", "outlook", "iphone", "apple_mail", "thunderbird"]
AnswerStyle = Literal["inline", "top_numbered", "labelled", "free_text"]
_POLICY = email.policy.SMTP  # CRLF on the wire, RFC 2047 for non-ASCII headers


@dataclass(frozen=True)
class Persona:
    """A simulated person: who they are, how their client writes and how their weeks go.

    ``energy`` is the 1-5 energy per week index (the last value repeats). The person mentions
    ``recurring_obstacle`` in every check-in of the weeks in ``obstacle_weeks`` (from the second
    of those weeks on, as "still ..."). From ``quiet_from_week`` on the person stops answering.
    """

    name: str
    email: str
    language: Language
    client: ClientStyle = "gmail"
    answers: AnswerStyle = "top_numbered"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Stockholm"))
    goals: tuple[str, ...] = ()
    teammates: tuple[str, ...] = ()
    energy: tuple[int, ...] = (4,)
    recurring_obstacle: str | None = None
    obstacle_weeks: tuple[int, ...] = ()
    reply_rate: float = 1.0
    quiet_from_week: int | None = None

    @classmethod
    def for_person(cls, person: Person, **options: object) -> Persona:
        """A persona for a configured person; ``options`` set the simulation fields."""
        return cls(name=person.name, email=person.email, language=person.language,
                   timezone=person.timezone, goals=person.goals, **options)  # type: ignore[arg-type]

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name

    def energy_in(self, week: int) -> int:
        return self.energy[min(max(week, 0), len(self.energy) - 1)] if self.energy else 3


@dataclass(frozen=True)
class Prompt:
    """What a person's client sees of a prompt (see :func:`parse_prompt`)."""

    subject: str
    message_id: str | None
    references: tuple[str, ...]
    sender_name: str
    sender_address: str
    reply_address: str  # Reply-To, else From
    reply_name: str
    to_address: str
    date: datetime
    text: str
    html: str | None
    kind: str
    questions: tuple[tuple[int, str], ...]  # (number, wording) in order
    token: str | None


@dataclass(frozen=True)
class Simulated:
    """A generated message and what its author meant to say (question id -> text)."""

    raw: bytes
    answers: Mapping[str, str]
    kind: str
    note: str = ""


# --------------------------------------------------------------------------- the prompt

_QUESTION_RE = re.compile(r"^\s*(\d{1,2})[.)]\s+(\S.*)$")
_TOKEN_RE = re.compile(r"\[#([a-z2-7]{16})\]", re.IGNORECASE)
_MSGID_KIND_RE = re.compile(r"<[a-z2-7]{16}\.([a-z]+)@", re.IGNORECASE)
_MSGID_RE = re.compile(r"<[^<>\s]+>")


def parse_prompt(prompt: bytes | Message) -> Prompt:
    """Read a prompt the way a mail client shows it: headers, text and HTML parts, questions."""
    msg = email.message_from_bytes(prompt, policy=email.policy.default) \
        if isinstance(prompt, bytes) else prompt
    if not isinstance(msg, EmailMessage):
        msg = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    text = text_part.get_content() if text_part is not None else ""
    html_body = html_part.get_content() if html_part is not None else None
    if not text and html_body:
        text = re.sub(r"<[^>]+>", "", html_body)
    sender = getaddresses([str(msg.get("From", ""))])
    reply_to = getaddresses([str(msg.get("Reply-To", ""))]) or sender
    to = getaddresses([str(msg.get("To", ""))])
    message_id = str(msg.get("Message-ID", "")).strip() or None
    subject = str(msg.get("Subject", ""))
    kind_match = _MSGID_KIND_RE.search(message_id or "")
    token_match = _TOKEN_RE.search(subject)
    try:
        sent = parsedate_to_datetime(str(msg.get("Date")))
    except (TypeError, ValueError):
        sent = datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC"))
    return Prompt(
        subject=subject,
        message_id=message_id,
        references=tuple(_MSGID_RE.findall(str(msg.get("References", "")))),
        sender_name=sender[0][0] if sender else "",
        sender_address=sender[0][1] if sender else "",
        reply_address=(reply_to[0][1] if reply_to and reply_to[0][1] else
                       sender[0][1] if sender else ""),
        reply_name=reply_to[0][0] if reply_to else "",
        to_address=to[0][1] if to else "",
        date=sent,
        text=text.replace("\r\n", "\n"),
        html=html_body,
        kind=kind_match.group(1).lower() if kind_match else "checkin",
        questions=tuple((int(m[1]), m[2].strip()) for line in text.splitlines()
                        if (m := _QUESTION_RE.match(line))),
        token=token_match.group(1).lower() if token_match else None,
    )


# --------------------------------------------------------------------------- who answers what

# Question ids of the default questions (templates/questions.toml), recognised from the
# wording as a person would; a team's own questions get a short generic answer.
_QUESTION_KEYS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "checkin": (("mood", ("1-5", "1–5", "energy", "energi")),
                ("obstacles", ("obstacle", "hinder", "block")),
                ("progress", ("progress", "framsteg", "goal", "mål")),
                ("working_well", ("working well", "fungerar bra", "going well"))),
    "review": (("planned", ("say we would", "sa vi att", "plan")),
               ("happened", ("actually happened", "hände")),
               ("improve", ("less well", "mindre bra")),
               ("worked", ("worked", "fungerade")),
               ("next_month", ("next month", "nästa månad"))),
    "feedback": (("support", ("1-5", "1–5", "support", "stöttad")),
                 ("better", ("better", "bättre")),
                 ("works", ("works", "fungerar"))),
    "reflection": (("strengthen", ("strengthen", "stärka")),
                   ("involve", ("involve", "involverar"))),
}


def question_id(kind: str, wording: str) -> str | None:
    lowered = wording.lower()
    for qid, keys in _QUESTION_KEYS.get(kind, ()):
        if any(key in lowered for key in keys):
            return qid
    return None


def responds(persona: Persona, week: int, rng: random.Random) -> bool:
    """Whether the person answers a prompt this week (the quiet one stops for good)."""
    if persona.quiet_from_week is not None and week >= persona.quiet_from_week:
        return False
    return rng.random() < persona.reply_rate


def reply_delay(rng: random.Random) -> timedelta:
    """How long after the prompt a person answers: mostly within hours, sometimes a day."""
    minutes = rng.choice((rng.randint(4, 40), rng.randint(40, 240), rng.randint(240, 1500)))
    return timedelta(minutes=minutes, seconds=rng.randint(0, 59))


# --------------------------------------------------------------------------- what they say

_T = Mapping[str, Sequence[str]]
_EN: dict[str, _T] = {
    "ww_high": {"": ("Pairing with {mate} on the tricky bits has been really smooth.",
                     "Async updates in the channel work well, fewer meetings needed.",
                     "Code reviews are fast this week, usually within a couple of hours.",
                     "Good energy in the team, people jump in when someone is stuck.")},
    "ww_mid": {"": ("Standups are short and to the point.",
                    "Mostly fine. {mate} has been helpful with reviews.",
                    "The new on-call rotation is working ok so far.")},
    "ww_low": {"": ("Honestly not much right now. Standups are short at least.",
                    "{mate} has been a help, otherwise it's been a grind.",
                    "Hard to say this week.")},
    "obstacles": {"": ("Flaky tests in CI keep eating my afternoons.",
                       "Too many meetings on Wednesdays, hard to get focus time.",
                       "Still waiting on access to the staging database.",
                       "The overlap with Stockholm hours is thin this week.",
                       "Specs for the next sprint are still fuzzy.")},
    "no_obstacles": {"": ("Nothing blocking right now.", "No real blockers.",
                          "Nothing major, all good.")},
    "still": {"": ("Still the same blocker: {obstacle_lc}", "Same as before: {obstacle_lc}",
                   "{obstacle} Still not solved.")},
    "progress": {"": ("{goal}: about {pct}% done.", "{goal} – got the next piece merged, "
                      "maybe {pct}% there.", "{goal}: small step, wrote up the plan and "
                      "started on it.", "{goal}: some progress, roughly {pct}%.")},
    "progress_low": {"": ("{goal}: not much this week, sorry.",
                          "{goal}: stalled, maybe {pct}% and not moving.")},
    "mood": {"5": ("5", "5, feeling great"), "4": ("4", "4 – good week", "4/5"),
             "3": ("3", "3, ok", "3 – so-so"), "2": ("2", "2 – pretty drained", "2, tired"),
             "1": ("1", "1, honestly running on empty")},
    "mood_prose": {"": ("Energy is about a {n} this week.", "I'd put my energy at {n}.",
                        "Energy-wise a {n}.")},
    "planned": {"": ("{goal}: finish the first part.", "{goal}: get past the halfway mark.")},
    "happened": {"": ("Got to about {pct}%. A support week got in the way.",
                      "Most of it, roughly {pct}%. Reviews took longer than planned.")},
    "worked": {"": ("Short PRs and pairing.", "Writing the plan down first.",
                    "Blocking focus time in the calendar.")},
    "improve": {"": ("Estimates were too optimistic, I'll cut scope earlier.",
                     "Too much context switching – fewer parallel tasks next month.")},
    "next_month": {"": ("{goal}: close it out.", "{goal}: finish it and write it up.")},
    "works": {"": ("Clear priorities, and you protect our focus time.",
                   "You listen and follow up on what we bring up.")},
    "better": {"": ("More 1:1 time would help, a few got cancelled.",
                    "Decisions could be shared a bit earlier.")},
    "support": {"": ("4", "3", "4 of 5", "5")},
    "strengthen": {"": ("Shorter, more frequent 1:1s with the people furthest away in time.",
                        "Start each week by naming the one priority.")},
    "involve": {"": ("Bring the recurring blockers to Tuesday's meeting and let the team "
                     "pick one to fix.", "Ask the team to run the next retro themselves.")},
    "generic": {"": ("Nothing special to add here.", "Fine, nothing to report.")},
    "hello": {"": ("", "", "Hi!", "Hi,", "Hey,")},
    "bye": {"": ("Thanks,\n{me}", "Cheers,\n{me}", "– {me}", "{me}", "Best,\n{me}")},
    "inline_note": {"": ("", "Answers inline below.", "See below!")},
    "free_open": {"": ("Quick update from me.", "Short one this time.", "")},
}
_SV: dict[str, _T] = {
    "ww_high": {"": ("Parprogrammeringen med {mate} har funkat riktigt bra.",
                     "Asynka uppdateringar i kanalen funkar fint, färre möten.",
                     "Kodgranskningarna går snabbt, oftast inom ett par timmar.",
                     "Bra stämning i teamet, folk hoppar in när någon kör fast.")},
    "ww_mid": {"": ("Stand-upen är kort och bra.", "Mest okej. {mate} har hjälpt till med "
                    "granskningar.", "Nya jourschemat funkar hittills.")},
    "ww_low": {"": ("Ärligt talat inte så mycket just nu. Stand-upen är kort i alla fall.",
                    "{mate} har varit ett stöd, annars har det varit segt.",
                    "Svårt att säga den här veckan.")},
    "obstacles": {"": ("Flakiga tester i CI äter upp eftermiddagarna.",
                       "För många möten på onsdagar, svårt att få fokustid.",
                       "Väntar fortfarande på behörighet till staging-databasen.",
                       "Svårt att hitta tid med kollegorna i Tokyo.",
                       "Oklart vad som ska prioriteras nästa sprint.")},
    "no_obstacles": {"": ("Inga direkta hinder.", "Inget som stoppar mig just nu.",
                          "Inget särskilt, det rullar på.")},
    "still": {"": ("Fortfarande samma hinder: {obstacle_lc}", "Samma som förut: {obstacle_lc}",
                   "{obstacle} Fortfarande inte löst.")},
    "progress": {"": ("{goal}: ungefär {pct} % klart.", "{goal} – nästa del är mergad, "
                      "kanske {pct} %.", "{goal}: litet steg, skrev ner en plan och började.",
                      "{goal}: lite framsteg, runt {pct} %.")},
    "progress_low": {"": ("{goal}: inte mycket hänt den här veckan tyvärr.",
                          "{goal}: står still, kanske {pct} %.")},
    "mood": {"5": ("5", "5, toppen"), "4": ("4", "4 – bra vecka", "4/5"),
             "3": ("3", "3, helt ok", "3 – sådär"), "2": ("2", "2 – ganska slut", "2, trött"),
             "1": ("1", "1, orkar inte mycket just nu")},
    "mood_prose": {"": ("Energin ligger på en {n}:a typ.", "Jag skulle säga {n} i energi.",
                        "Energimässigt en {n}:a.")},
    "planned": {"": ("{goal}: bli klar med första delen.", "{goal}: komma över halvvägs.")},
    "happened": {"": ("Kom till ungefär {pct} %. En supportvecka kom emellan.",
                      "Det mesta, runt {pct} %. Granskningar tog längre tid än tänkt.")},
    "worked": {"": ("Små PR:er och parprogrammering.", "Att skriva ner planen först.",
                    "Att boka fokustid i kalendern.")},
    "improve": {"": ("Estimaten var för optimistiska, jag skär ner tidigare.",
                     "För mycket kontextbyten – färre parallella saker nästa månad.")},
    "next_month": {"": ("{goal}: bli klar.", "{goal}: avsluta och skriva ihop det.")},
    "works": {"": ("Tydliga prioriteringar, och du skyddar vår fokustid.",
                   "Du lyssnar och följer upp det vi tar upp.")},
    "better": {"": ("Mer tid för 1:1 skulle hjälpa, några har ställts in.",
                    "Beslut kunde delas lite tidigare.")},
    "support": {"": ("4", "3", "4 av 5", "5")},
    "strengthen": {"": ("Kortare och tätare 1:1 med dem som sitter längst bort tidsmässigt.",
                        "Börja varje vecka med att säga vilken prioritet som gäller.")},
    "involve": {"": ("Ta upp de återkommande hindren på tisdagsmötet och låta teamet välja "
                     "ett att lösa.", "Be teamet hålla i nästa retro själva.")},
    "generic": {"": ("Inget särskilt att tillägga här.", "Bra, inget att rapportera.")},
    "hello": {"": ("", "", "Hej!", "Hej,", "Tjena,")},
    "bye": {"": ("Mvh\n{me}", "/{me}", "Hälsningar\n{me}", "//{me}", "{me}")},
    "inline_note": {"": ("", "Svar nedan.", "Se svar nedan!")},
    "free_open": {"": ("Kort uppdatering från mig.", "Snabbt svar den här gången.", "")},
}
_LABELS = {
    "en": {"working_well": "Working well", "obstacles": "Blockers", "mood": "Energy",
           "progress": "Progress", "planned": "Planned", "happened": "Happened",
           "worked": "Worked", "improve": "Less well", "next_month": "Next month",
           "works": "Works", "better": "Better", "support": "Support",
           "strengthen": "Strengthen", "involve": "Involve"},
    "sv": {"working_well": "Funkar bra", "obstacles": "Hinder", "mood": "Energi",
           "progress": "Framsteg", "planned": "Planerat", "happened": "Hände",
           "worked": "Fungerade", "improve": "Mindre bra", "next_month": "Nästa månad",
           "works": "Fungerar", "better": "Bättre", "support": "Stöd",
           "strengthen": "Stärka", "involve": "Involvera"},
}


def _lower_first(text: str) -> str:
    """"Väntar på ..." -> "väntar på ..." after a colon; "CI är ..." stays."""
    return text[0].lower() + text[1:] if text[1:2].islower() else text


class _Writer:
    """Chooses phrasings for one reply; every choice goes through the seeded ``rng``."""

    def __init__(self, persona: Persona, week: int, rng: random.Random) -> None:
        self.p, self.week, self.rng = persona, week, rng
        self.bank = _SV if persona.language == "sv" else _EN
        self.energy = persona.energy_in(week)
        self.pct = min(95, 15 + 15 * week + rng.randint(0, 10))

    def pick(self, key: str, sub: str = "", **values: object) -> str:
        text = self.rng.choice(self.bank[key][sub])
        goal = self.rng.choice(self.p.goals) if self.p.goals else (
            "målen" if self.p.language == "sv" else "my goals")
        mate = self.rng.choice(self.p.teammates) if self.p.teammates else (
            "teamet" if self.p.language == "sv" else "the team")
        fields: dict[str, object] = {"goal": goal, "mate": mate, "pct": self.pct,
                                     "me": self.p.first_name}
        fields.update(values)
        if isinstance(values.get("obstacle"), str):
            fields["obstacle_lc"] = _lower_first(str(values["obstacle"]))
        return text.format(**fields)

    def answer(self, qid: str | None, wording: str) -> str:
        if qid == "mood":
            return self.pick("mood", str(self.energy))
        if qid == "working_well":
            level = "ww_high" if self.energy >= 4 else "ww_mid" if self.energy == 3 else "ww_low"
            return self.pick(level)
        if qid == "obstacles":
            return self.obstacle()
        if qid == "progress":
            return self.pick("progress_low" if self.energy <= 2 else "progress")
        if qid is not None and qid in self.bank:
            return self.pick(qid)
        if "1-5" in wording or "1–5" in wording:
            return str(self.energy)
        return self.pick("generic")

    def obstacle(self) -> str:
        recurring = self.p.recurring_obstacle
        if recurring and self.week in self.p.obstacle_weeks:
            if self.p.obstacle_weeks.index(self.week) == 0:
                return recurring
            return self.pick("still", obstacle=recurring)
        if self.rng.random() < (0.3 if self.energy >= 4 else 0.6):
            return self.pick("obstacles")
        return self.pick("no_obstacles")


# --------------------------------------------------------------------------- composing

@dataclass
class _Body:
    """The new text of a reply around the quoted original."""

    top: list[str]  # above the quote (empty for a bottom/inline post without a note)
    inline: dict[int, list[str]]  # answers to put under quoted question N
    bottom: list[str]  # under the quote (the sign-off of an inline answer)


def reply(
    prompt: bytes | Message, persona: Persona, *, week: int, rng: random.Random,
    sent_at: datetime,
) -> Simulated:
    """The reply ``persona`` sends to ``prompt`` at ``sent_at`` (aware), in their client's style.

    :param week: the simulated week index (0 = the first); it sets energy and obstacles.
    """
    p = parse_prompt(prompt)
    writer = _Writer(persona, week, rng)
    answers: dict[int, tuple[str | None, str]] = {}
    for number, wording in p.questions:
        qid = question_id(p.kind, wording)
        answers[number] = (qid, writer.answer(qid, wording))
    body = _body(p, persona, writer, answers)
    meant = {qid or f"q{n}": text for n, (qid, text) in answers.items()}
    raw = _render(p, persona, body, sent_at=sent_at, rng=rng)
    return Simulated(raw=raw, answers=meant, kind=p.kind)


def _body(p: Prompt, persona: Persona, w: _Writer,
          answers: Mapping[int, tuple[str | None, str]]) -> _Body:
    hello = w.pick("hello")
    bye = w.pick("bye").splitlines()
    style = persona.answers
    if not p.questions:
        style = "free_text"
    if style == "inline":
        note = w.pick("inline_note")
        top = [hello, "", note] if hello.endswith(",") and note else \
            [" ".join(x for x in (hello, note) if x)] if hello or note else []
        return _Body(top, {n: text.splitlines() for n, (_, text) in answers.items()}, bye)
    lines = [hello, ""] if hello else []
    if style == "top_numbered":
        lines += [f"{n}. {text}" for n, (_, text) in answers.items()]
    elif style == "labelled":
        labels = _LABELS[persona.language]
        for n, (qid, text) in answers.items():
            label = labels.get(qid or "", dict(p.questions)[n].rstrip("?").split(",")[0])
            lines.append(f"{label}: {text}")
    else:
        lines += _prose(w, answers)
    return _Body([*lines, "", *bye], {}, [])


def _prose(w: _Writer, answers: Mapping[int, tuple[str | None, str]]) -> list[str]:
    """Free text: the same content as sentences in one or two paragraphs."""
    sentences: list[str] = []
    opener = w.pick("free_open")
    if opener:
        sentences.append(opener)
    for qid, text in answers.values():
        if qid in ("mood", "support"):
            number = re.match(r"\d", text)
            sentences.append(w.pick("mood_prose", n=number.group(0) if number else text))
        else:
            sentences.append(text)
    split = max(1, len(sentences) // 2)
    return [" ".join(sentences[:split]), "", " ".join(sentences[split:])]


def _render(p: Prompt, persona: Persona, body: _Body, *, sent_at: datetime,
            rng: random.Random, subject: str | None = None,
            references: bool = True) -> bytes:
    client = persona.client
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = _address(persona.name, persona.email)
    msg["To"] = _address(p.reply_name, p.reply_address)
    msg["Subject"] = subject if subject is not None else _reply_subject(p.subject, persona)
    msg["Date"] = format_datetime(sent_at.astimezone(persona.timezone))
    msg["Message-ID"] = _message_id(client, persona, rng)
    if p.message_id:
        msg["In-Reply-To"] = p.message_id
        # Outlook (Exchange) threads by Thread-Index and often sends no References.
        if references and client != "outlook":
            msg["References"] = " ".join((*p.references, p.message_id))
    text, html_body = _RENDERERS[client](p, persona, body)
    _set_body(msg, client, text, html_body, rng)
    for name, value in _client_headers(client, persona, p, rng):  # after set_content,
        msg[name] = value  # which drops every Content-* header (Content-Language too)
    return msg.as_bytes(policy=_POLICY)


def _set_body(msg: EmailMessage, client: str, text: str, html_body: str,
              rng: random.Random) -> None:
    if client == "thunderbird":
        msg.set_content(_flowed(text), subtype="plain", charset="utf-8", cte="8bit",
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


def _address(name: str, address: str) -> str:
    local, _, domain = address.partition("@")
    return str(Address(display_name=name, username=local, domain=domain))


def _reply_subject(subject: str, persona: Persona) -> str:
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


def _message_id(client: str, persona: Persona, rng: random.Random) -> str:
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


def _client_headers(client: str, persona: Persona, p: Prompt,
                    rng: random.Random) -> list[tuple[str, str]]:
    if client == "outlook":
        import base64

        index = base64.b64encode(bytes(rng.randrange(256) for _ in range(22))).decode()
        language = "sv-SE" if persona.language == "sv" else "en-US"
        topic = _TOKEN_RE.sub("", p.subject).strip()
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


# --------------------------------------------------------------------------- attributions

_SV_DAYS = ("mån", "tis", "ons", "tors", "fre", "lör", "sön")
_SV_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
              "september", "oktober", "november", "december")
_SV_MON = ("jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.",
           "nov.", "dec.")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def _clock12(d: datetime) -> str:
    return f"{d.hour % 12 or 12}:{d.minute:02d} {'AM' if d.hour < 12 else 'PM'}"


def _attribution(client: str, p: Prompt, persona: Persona) -> str:
    d = p.date.astimezone(persona.timezone)
    who = f"{p.sender_name} <{p.sender_address}>" if p.sender_name else p.sender_address
    sv = persona.language == "sv"
    if client == "gmail":
        if sv:
            return (f"Den {_SV_DAYS[d.weekday()]} {d.day} {_SV_MON[d.month - 1]} {d.year} "
                    f"kl {d:%H:%M} skrev {who}:")
        return f"On {d:%a, %b} {d.day}, {d.year} at {_clock12(d)} {who} wrote:"
    if client in ("iphone", "apple_mail"):
        if sv:
            return f"{d.day} {_SV_MON[d.month - 1]} {d.year} kl. {d:%H:%M} skrev {who}:"
        return f"On {d:%b} {d.day}, {d.year}, at {_clock12(d)}, {who} wrote:"
    name = p.sender_name or p.sender_address  # Thunderbird
    if sv:
        return f"Den {d:%Y-%m-%d} kl. {d:%H:%M}, skrev {name}:"
    return f"On {d.month}/{d.day}/{d:%y} {_clock12(d)}, {name} wrote:"


def _outlook_header(p: Prompt, persona: Persona) -> list[str]:
    d = p.date.astimezone(persona.timezone)
    sender = f"{p.sender_name} <{p.sender_address}>" if p.sender_name else p.sender_address
    to = f"{persona.name} <{persona.email}>"
    if persona.language == "sv":
        return [f"Från: {sender}", f"Skickat: den {d.day} {_SV_MONTHS[d.month - 1]} {d.year} "
                f"{d:%H:%M}", f"Till: {to}", f"Ämne: {p.subject}"]
    return [f"From: {sender}", f"Sent: {d:%A}, {_EN_MONTHS[d.month - 1]} {d.day}, {d.year} "
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

def _original_lines(p: Prompt) -> list[str]:
    lines = p.text.rstrip("\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _question_ends(p: Prompt, lines: list[str]) -> dict[int, int]:
    """Line index after which the answer to question N goes (the end of its paragraph)."""
    ends: dict[int, int] = {}
    for i, line in enumerate(lines):
        match = _QUESTION_RE.match(line)
        if not match:
            continue
        j = i
        while j + 1 < len(lines) and lines[j + 1].strip() and not _QUESTION_RE.match(lines[j + 1]):
            j += 1
        ends[int(match[1])] = j
    return ends


def _interleave(p: Prompt, body: _Body, quote: str, empty: str,
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


def _original_html(p: Prompt) -> str:
    if p.html:
        match = re.search(r"<body[^>]*>(.*)</body>", p.html, re.DOTALL | re.IGNORECASE)
        return match.group(1) if match else p.html
    return _html_lines(_original_lines(p))


def _gmail(p: Prompt, persona: Persona, body: _Body) -> tuple[str, str]:
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


def _apple(p: Prompt, persona: Persona, body: _Body, *, phone: bool) -> tuple[str, str]:
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


def _iphone(p: Prompt, persona: Persona, body: _Body) -> tuple[str, str]:
    return _apple(p, persona, body, phone=True)


def _apple_mail(p: Prompt, persona: Persona, body: _Body) -> tuple[str, str]:
    return _apple(p, persona, body, phone=False)


def _outlook(p: Prompt, persona: Persona, body: _Body) -> tuple[str, str]:
    header = _outlook_header(p, persona)
    initials = "".join(part[0] for part in persona.name.split()[:2]).upper()
    if body.inline:
        # Outlook cannot quote: people type into the original, marked with their initials.
        marked = _Body(body.top, {n: [f"[{initials}] {x}" if x else x for x in lines]
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


def _thunderbird(p: Prompt, persona: Persona, body: _Body) -> tuple[str, str]:
    attribution = _attribution("thunderbird", p, persona)
    if body.inline:
        quoted = _interleave(p, body, "> ", ">")
        text = [*body.top, *([""] if body.top else []), attribution, "", *quoted, "",
                *body.bottom]
    else:
        quoted = ["> " + x if x.strip() else ">" for x in _original_lines(p)]
        text = [*body.top, "", attribution, "", *quoted]
    return "\n".join(text) + "\n", ""


_RENDERERS = {"gmail": _gmail, "outlook": _outlook, "iphone": _iphone,
              "apple_mail": _apple_mail, "thunderbird": _thunderbird}


def _flowed(text: str, width: int = 72) -> str:
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


# --------------------------------------------------------------------------- auto and forged

_OOO = {
    "sv": ("Hej! Jag är ledig och tillbaka {sv_date}. Vid brådskande ärenden, kontakta {boss}.",
           "Tack för ditt mejl. Jag är på semester till och med {sv_last} och läser inte mejl. "
           "Jag är åter {iso}.",
           "Jag är tjänstledig och nås igen {weekday_sv} {sv_date}."),
    "en": ("Thanks for your email. I'm out of the office and will be back on {en_date}. "
           "For anything urgent, please contact {boss}.",
           "I am on vacation with no access to email until {en_date}.",
           "Hi, I'm away and will return on {iso}. I'll reply when I'm back."),
}


def out_of_office(
    prompt: bytes | Message, persona: Persona, *, back_on: date, sent_at: datetime,
    rng: random.Random, contact: str = "",
) -> Simulated:
    """The automatic reply of ``persona``'s client while away, returning on ``back_on``.

    Marked as RFC 3834 says (``Auto-Submitted: auto-replied``); the subject is what Exchange
    and Gmail write ("Automatiskt svar: ..." / "Automatic reply: ...").
    """
    p = parse_prompt(prompt)
    sv = persona.language == "sv"
    last = back_on - timedelta(days=1)
    text = rng.choice(_OOO[persona.language]).format(
        sv_date=f"den {back_on.day} {_SV_MONTHS[back_on.month - 1]}",
        sv_last=f"{last.day} {_SV_MONTHS[last.month - 1]}",
        en_date=f"{back_on:%A}, {_EN_MONTHS[back_on.month - 1]} {back_on.day}",
        iso=back_on.isoformat(), weekday_sv=_SV_WEEKDAYS[back_on.weekday()],
        boss=contact or ("min chef" if sv else "my manager"),
    )
    prefix = "Automatiskt svar:" if sv else "Automatic reply:"
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = _address(persona.name, persona.email)
    msg["To"] = _address(p.reply_name, p.reply_address)
    msg["Subject"] = f"{prefix} {p.subject}"
    msg["Date"] = format_datetime(sent_at.astimezone(persona.timezone))
    msg["Message-ID"] = _message_id(persona.client, persona, rng)
    if p.message_id:
        msg["In-Reply-To"] = p.message_id
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(text + "\n", subtype="plain", charset="utf-8", cte="quoted-printable")
    return Simulated(raw=msg.as_bytes(policy=_POLICY), answers={}, kind=p.kind,
                     note=f"out of office until {back_on.isoformat()}")


_SV_WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")


def fake_token(rng: random.Random) -> str:
    """A token with the right shape (16 base32 characters) that no secret signed."""
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(16))


def forged_reply(
    prompt: bytes | Message, forger: Persona, *, week: int, rng: random.Random,
    sent_at: datetime, token: str | None = None,
) -> Simulated:
    """A reply to a prompt that was not ``forger``'s to answer.

    With ``token`` None it is a reply to someone else's prompt (forwarded to an outsider, or
    a colleague answering in another's name): the prompt's own token and threading headers,
    but the wrong ``From``. With ``token`` the thread headers are dropped and the subject
    carries that token instead (a made-up one, see :func:`fake_token`, or another slot's).
    """
    p = parse_prompt(prompt)
    writer = _Writer(forger, week, rng)
    answers = {n: (qid := question_id(p.kind, wording), writer.answer(qid, wording))
               for n, wording in p.questions}
    body = _body(p, forger, writer, answers)
    subject = None
    if token is not None:
        original = _TOKEN_RE.sub(f"[#{token}]", p.subject)
        if original == p.subject:
            original = f"{p.subject} [#{token}]"
        subject = _reply_subject(original, forger)
        p = dataclasses.replace(p, message_id=None, references=())
    raw = _render(p, forger, body, sent_at=sent_at, rng=rng, subject=subject)
    meant = {qid or f"q{n}": text for n, (qid, text) in answers.items()}
    return Simulated(raw=raw, answers=meant, kind=p.kind,
                     note="forged: " + ("token " + token if token else "sender " + forger.email))
