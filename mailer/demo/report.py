"""What ``mailer demo`` tells the terminal: a short summary (under 25 lines for the demo's two
teams) that ends with what to open and what to try next. Pure: the report is data.

The full digest is not printed: it is one click away in ``index.html``, and its 180 lines
would scroll the summary away.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mailer.demo.mailboxes import Kept, Owner
from mailer.kinds import KIND_NAMES, noun

_WHY = {"holiday": "on a holiday"}  # the other skip reasons read well as they are


@dataclass
class TeamReport:
    """One team's part of the run."""

    name: str
    display_name: str
    manager: str
    language: str  # the manager's
    members: int
    sent: Counter[str] = field(default_factory=Counter)
    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, why)
    inbound: dict[str, int] = field(default_factory=dict)  # outcome -> count
    #: Record files written: answers plus anonymous feedback (which has no inbound row).
    recorded: int = 0
    paused: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Five lines at most: who, sent, came in, paused, skipped."""
        sent = ", ".join(f"{self.sent[k]} {noun(k, self.sent[k])}" for k in KIND_NAMES
                         if self.sent[k]) or "nothing"
        came = [f"recorded {self.recorded} replies"]
        if self.inbound.get("quarantine"):
            came.append(f"quarantined {self.inbound['quarantine']} (sent by someone else)")
        out = [f"{self.display_name} (manager {self.manager}, {self.language}; "
               f"{self.members} members)", f"  sent {sent}", "  " + "; ".join(came)]
        if self.paused:
            out.append(f"  paused {'; '.join(self.paused)}")
        by_kind: dict[str, list[str]] = {}
        for (kind, why), n in sorted(self.skipped.items()):
            by_kind.setdefault(kind, []).append(f"{n} {_WHY.get(why, why)}")
        if by_kind:
            out.append("  skipped " + "; ".join(f"{noun(kind, 2)}: {', '.join(reasons)}"
                                                for kind, reasons in by_kind.items()))
        return out


@dataclass
class DemoReport:
    """What a demo run did and where it put it."""

    output: Path
    weeks: int
    started: datetime
    ended: datetime
    teams: list[TeamReport] = field(default_factory=list)
    skipped_at_start: int = 0
    replies_sent: int = 0
    owners: list[Owner] = field(default_factory=list)  # config order: manager, then members
    kept: list[Kept] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def sent(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for team in self.teams:
            total.update(team.sent)
        return total

    @property
    def inbound(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for team in self.teams:
            total.update(team.inbound)
        return dict(total)

    @property
    def records(self) -> int:
        return sum(team.recorded for team in self.teams)

    @property
    def index(self) -> Path:
        return self.output / "index.html"

    @property
    def config_copy(self) -> Path:
        return self.output / "mailer.toml"

    def page(self, item: Kept) -> Path:
        return self.output / "mailboxes" / f"{item.stem}.html"

    def lines(self, *, cwd: Path | None = None, command: str = "mailer") -> list[str]:
        """The terminal summary; paths relative to ``cwd`` when they are under it, and the
        commands to try spelt ``command`` (``.venv/bin/mailer`` when that is not on PATH)."""
        def show(path: Path) -> str:
            return os.path.relpath(path, cwd) if cwd and path.is_relative_to(cwd) else str(path)

        weeks = "1 simulated week" if self.weeks == 1 else f"{self.weeks} simulated weeks"
        out = [f"mailer demo: {weeks}, {self.started:%a} "
               f"{self.started.day} {self.started:%b} to {self.ended:%a} {self.ended.day} "
               f"{self.ended:%b %Y}, {len(self.teams)} teams, in {self.seconds:.1f} s"]
        for team in self.teams:
            out += team.lines()
        if self.skipped_at_start:
            out.append(f"skipped at the start: {self.skipped_at_start} slots from before day "
                       "one (never sent late, like `mailer run`)")
        people = len({k.owner for k in self.kept})
        out += [f"kept: {len(self.kept)} messages, each as .eml and .html, in {people} "
                f"mailboxes under {show(self.output / 'mailboxes')}/",
                "", "Open in a browser:",
                f"  {show(self.index)}   every mailbox, per person and per week"]
        digests = [k for k in self.kept if k.kind == "digest"]
        if digests:
            out.append(f"  {show(self.page(digests[-1]))}   {digests[-1].owner.name}'s last "
                       "digest")
        checkins = [k for k in self.kept if k.kind == "checkin"]
        if checkins:
            out.append(f"  {show(self.page(checkins[0]))}   a check-in as "
                       f"{checkins[0].owner.name} got it")
        config = show(self.config_copy)
        member = checkins[-1].owner.email if checkins else "EMAIL"
        return [*out,
                "Try next, on the demo's config and data (nothing is sent):",
                f"  export MAILER_CONFIG={config}",
                f"  {command} preview checkin --member {member} --language sv",
                f"  {command} send checkin --dry-run",
                f"Then `{command} init` writes a config of your own (README: Running it for "
                "real)."]
