"""Mentions of a person in other people's free text: found for an export, blanked on request. Pure.

A person is named by their full name, their first name and any of their addresses. Names match
as whole words, with Unicode word characters (å, ä, ö, é ... are letters, so "Åsa" is found in
"med Åsa." but "Erik" not in "Eriksson"), a hyphen counts as part of a name ("Anna" is not found
in "Anna-Lena"), and a Swedish genitive s is part of the mention ("Annas idé"). Names match
with their capitals as written ("Per" the name, not "per vecka"); addresses in any case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from mailer.models import AnswerValue, Person, Record

#: What a blanked name becomes, in the record's language.
REMOVED = {"sv": "[namn borttaget]", "en": "[name removed]"}


@dataclass(frozen=True)
class Needles:
    """How one person is named: the compiled pattern and the words it looks for."""

    pattern: re.Pattern[str] | None
    words: tuple[str, ...]

    def find(self, text: str) -> list[str]:
        """The mentions in ``text``, as written."""
        return [m.group(0) for m in self.pattern.finditer(text)] if self.pattern else []

    def blank(self, text: str, replacement: str) -> str:
        return self.pattern.sub(replacement, text) if self.pattern else text


def needles(person: Person | None, addresses: Iterable[str]) -> Needles:
    """The ways to name ``person`` (None when the config no longer knows them: addresses only)."""
    names = []
    if person is not None:
        full = " ".join(person.name.split())
        names = [n for n in dict.fromkeys((full, person.first_name)) if len(n) >= 2]
    emails = sorted({a.strip().lower() for a in addresses if a.strip()}, key=len, reverse=True)
    parts = [rf"(?i:(?<![\w@.+-]){re.escape(e)}(?![\w-]|\.\w))" for e in emails]
    # Longest first: "Anna Berg" is one mention, not "Anna" and a stray "Berg".
    for name in sorted(names, key=len, reverse=True):
        spaced = r"\s+".join(re.escape(w) for w in name.split())
        parts.append(rf"(?<![\w-]){spaced}(?:s)?(?![\w-])")
    return Needles(re.compile("|".join(parts)) if parts else None, (*emails, *names))


def record_mentions(record: Record, who: Needles) -> dict[str, list[str]]:
    """Per field ("text" or an answer id), the lines of the record that name the person."""
    found: dict[str, list[str]] = {}
    for field, value in (*record.answers.items(), ("text", record.text)):
        if not isinstance(value, str):
            continue
        lines = [" ".join(line.split())[:300] for line in value.splitlines() if who.find(line)]
        if lines:
            found[field] = lines
    return found


def blank_record(record: Record, who: Needles) -> Record:
    """The record with every mention replaced by ``[namn borttaget]`` / ``[name removed]``."""
    removed = REMOVED.get(record.language, REMOVED["en"])
    answers: Mapping[str, AnswerValue] = {
        key: who.blank(value, removed) if isinstance(value, str) else value
        for key, value in record.answers.items()}
    return replace(record, answers=dict(answers), text=who.blank(record.text, removed))
