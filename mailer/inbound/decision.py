"""The decision about one message, as data: what the poller writes, moves and sends.

:func:`mailer.inbound.decide` produces a :class:`Decision`; :mod:`mailer.service.poll` carries it
out in a fixed, crash-safe order; :mod:`mailer.inbound.receipts` turns its :class:`Receipt` into
mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from mailer.models import Pause, Record
from mailer.parse.commands import Command
from mailer.parse.replies import Reply

#: The ledger's inbound outcomes (``mailer status`` counts "record", "quarantine" and "review":
#: mail the service was not sure a person wrote; "test" is a reply to ``mailer send --to-me``).
Outcome = Literal["record", "quarantine", "out_of_office", "bounce", "ignored", "command",
                  "review", "test"]
#: Where the original goes: filed, quarantined, left for review (not sure a person wrote it),
#: or deleted (anonymous feedback, once stored).
Folder = Literal["processed", "quarantine", "review", "delete"]
#: Why a command in a reply that also carries answers was not carried out (see _command).
Held = Literal["answered", "anonymous"]


@dataclass(frozen=True)
class Receipt:
    """A confirmation to send: only ever to a verified sender of non-automatic mail."""

    to: str
    name: str
    language: str
    team: str
    kind: str  # the prompt kind
    subject: str  # the reply's subject
    in_reply_to: str | None
    references: tuple[str, ...]
    record: Record | None = None
    command: Command | None = None
    question_labels: tuple[tuple[str, str], ...] = ()  # (id, wording) of the prompt
    country: str = "SE"  # the person's, for the dates in the receipt
    command_held: Held | None = None  # the command was not carried out, and why
    #: Anonymous feedback from someone who had answered this quarter already: not stored.
    refused: bool = False
    #: A reply to a test prompt (``mailer send --to-me``): the member it was rendered for.
    #: Nothing was recorded or carried out; the receipt shows what would have been.
    test_for: str | None = None


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    folder: Folder
    reason: str  # for the log line and the ledger's detail column
    team: str | None = None
    #: The person's address for the ledger and the log; None for leadership feedback and for
    #: senders that were not verified.
    email: str | None = None
    sender: str = ""  # the From address as written, for quarantine log lines only
    record: Record | None = None
    pauses: tuple[Pause, ...] = ()
    resume: tuple[tuple[str, str, date], ...] = ()  # (team, email, on)
    skip_slot: str | None = None  # slot key to mark skipped
    skip_reason: str | None = None
    failing: tuple[str, ...] = ()
    receipt: Receipt | None = None
    #: Anonymous feedback only: (team, quarter, email) of the person who answered. Kept out of
    #: the record and the log; the ledger notes it apart from the record, with nothing joinable.
    answered_by: tuple[str, str, str] | None = None

    def log_line(self) -> str:
        """One line, never the body: "recorded reply from anna@...", "quarantined ...";
        anonymous feedback without a name, a team or anything else: "1 feedback reply recorded"."""
        if self.answered_by is not None:
            return "1 feedback reply recorded"
        if self.outcome == "quarantine":
            return f"quarantined message from {self.sender or 'an unknown sender'}: {self.reason}"
        if self.outcome == "review":
            return (f"message from {self.sender or 'an unknown sender'} left for review: "
                    f"{self.reason}")
        who = self.email or (f"a member of {self.team}" if self.team else self.sender or "?")
        if self.outcome == "record":
            return f"recorded {self.reason} from {who}"
        return f"{self.outcome.replace('_', '-')} from {who}: {self.reason}"


def quarantine(reply: Reply, reason: str, *, team: str | None = None) -> Decision:
    return Decision("quarantine", "quarantine", reason, team=team, sender=reply.from_address)
