"""What a simulated person answers: each question recognised, each phrasing chosen through
the seeded ``rng`` (energy, progress and a recurring obstacle follow the persona's weeks),
laid out in the persona's answer style: ``inline`` (under each quoted question),
``top_numbered`` ("1. ..." above the quote), ``labelled`` ("Hinder: ...") or ``free_text``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping

from mailer.demo.model import Body, Persona, SeenPrompt
from mailer.demo.phrases import EN, LABELS, QUESTION_KEYS, SV


def question_id(kind: str, wording: str) -> str | None:
    lowered = wording.lower()
    for qid, keys in QUESTION_KEYS.get(kind, ()):
        if any(key in lowered for key in keys):
            return qid
    return None


def _lower_first(text: str) -> str:
    """"Väntar på ..." -> "väntar på ..." after a colon; "CI är ..." stays."""
    return text[0].lower() + text[1:] if text[1:2].islower() else text


class Writer:
    """Chooses phrasings for one reply; every choice goes through the seeded ``rng``."""

    def __init__(self, persona: Persona, week: int, rng: random.Random) -> None:
        self.p, self.week, self.rng = persona, week, rng
        self.bank = SV if persona.language == "sv" else EN
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


def write_body(p: SeenPrompt, persona: Persona, w: Writer,
               answers: Mapping[int, tuple[str | None, str]]) -> Body:
    hello = w.pick("hello")
    bye = w.pick("bye").splitlines()
    style = persona.answers
    if not p.questions:
        style = "free_text"
    if style == "inline":
        note = w.pick("inline_note")
        top = [hello, "", note] if hello.endswith(",") and note else \
            [" ".join(x for x in (hello, note) if x)] if hello or note else []
        return Body(top, {n: text.splitlines() for n, (_, text) in answers.items()}, bye)
    lines = [hello, ""] if hello else []
    if style == "top_numbered":
        lines += [f"{n}. {text}" for n, (_, text) in answers.items()]
    elif style == "labelled":
        labels = LABELS[persona.language]
        for n, (qid, text) in answers.items():
            label = labels.get(qid or "", dict(p.questions)[n].rstrip("?").split(",")[0])
            lines.append(f"{label}: {text}")
    else:
        lines += _prose(w, answers)
    return Body([*lines, "", *bye], {}, [])


def _prose(w: Writer, answers: Mapping[int, tuple[str | None, str]]) -> list[str]:
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
