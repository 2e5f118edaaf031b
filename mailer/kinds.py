"""The prompt kinds: the one registry every other module reads.

A kind is a mail the service sends on a calendar: who gets it, whether its replies are
recorded, the period a slot of it covers (at most one per person and period), and the words
used for it in logs and summaries. Adding a kind is one entry here plus its templates
(``templates/<lang>/<name>.txt.j2`` and ``.html.j2``) and, for answered kinds, its questions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

PromptKind = Literal["checkin", "review", "feedback", "reflection", "digest", "brief"]
Audience = Literal["member", "manager"]
#: The span one slot covers: a day (the meeting day for briefs), an ISO week, a month, a quarter.
Cadence = Literal["day", "week", "month", "quarter"]


@dataclass(frozen=True)
class Kind:
    """One prompt kind (see the module docstring)."""

    name: PromptKind
    audience: Audience
    answered: bool  # replies are recorded (digest and brief are read, not answered)
    cadence: Cadence
    quotes_previous: bool  # the prompt quotes the person's answers of the period before
    singular: str  # English, for logs and command output
    plural: str


KINDS: Mapping[str, Kind] = {kind.name: kind for kind in (
    Kind("checkin", "member", True, "day", False, "check-in", "check-ins"),
    Kind("review", "member", True, "month", True, "review", "reviews"),
    Kind("feedback", "member", True, "quarter", False, "feedback request", "feedback requests"),
    Kind("reflection", "manager", True, "month", True, "reflection", "reflections"),
    Kind("digest", "manager", False, "week", False, "digest", "digests"),
    Kind("brief", "manager", False, "day", False, "brief", "briefs"),
)}

KIND_NAMES: tuple[PromptKind, ...] = tuple(kind.name for kind in KINDS.values())
MEMBER_KINDS: tuple[PromptKind, ...] = tuple(k.name for k in KINDS.values()
                                             if k.audience == "member")
MANAGER_KINDS: tuple[PromptKind, ...] = tuple(k.name for k in KINDS.values()
                                              if k.audience == "manager")
ANSWERED_KINDS: tuple[PromptKind, ...] = tuple(k.name for k in KINDS.values() if k.answered)


def prompt_kind(value: str) -> PromptKind:
    """``value`` as a prompt kind; ValueError for anything else (a checked narrowing)."""
    for kind in KIND_NAMES:
        if value == kind:
            return kind
    raise ValueError(f"unknown prompt kind {value!r}")


def noun(kind: str, count: int) -> str:
    """The English noun for ``count`` mails of ``kind`` ("1 check-in", "3 check-ins")."""
    entry = KINDS.get(kind)
    if entry is None:
        return kind
    return entry.singular if count == 1 else entry.plural
