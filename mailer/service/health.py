"""What the running service knows about its surroundings, logged once per change and kept in a
small state file that ``mailer status`` reads.

Components: ``smtp``, ``imap``, ``ledger`` (the data folder: full disk, unwritable ledger) and
``config``. :meth:`Health.ok` and :meth:`Health.problem` log only when a component's state
changes: the first failure (WARNING, or ERROR for a refused sign-in), never the repeats (they
are counted), and the recovery with that count and how long it lasted. An hour of a
down server is two log lines, not one per attempt.

The state file (``data_dir/service-state.json``) has a fixed size and is rewritten in place
with ``os.pwrite``: on a full disk a new file or a grown one cannot be written, an existing
block can (measured on a full tmpfs). A reader may catch a write half done; it reads again.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

log = logging.getLogger("mailer.service.health")

STATE_FILE = "service-state.json"
STATE_SIZE = 8192
Component = Literal["smtp", "imap", "ledger", "config"]


@dataclass(frozen=True)
class ComponentState:
    """One component as last seen: ``ok`` or a problem (``auth`` when a sign-in is refused)."""

    state: Literal["ok", "failing", "auth"] = "ok"
    detail: str = ""
    since: str | None = None  # ISO time of the change to this state
    failures: int = 0  # attempts that failed since then
    last_ok: str | None = None


@dataclass
class ServiceState:
    """The content of the state file."""

    pid: int
    started_at: str
    heartbeat: str
    config: dict[str, Any] = field(default_factory=dict)
    components: dict[str, ComponentState] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


def read_state(data_dir: Path) -> dict[str, Any] | None:
    """The state file as written by the service, or None when there is none (or unreadable)."""
    path = data_dir / STATE_FILE
    for _ in range(3):  # a write in place may be half done: read again
        try:
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return None
        try:
            found = json.loads(text) if text else None
        except json.JSONDecodeError:
            continue
        return found if isinstance(found, dict) else None
    return None


class Health:
    """The component states of the running service (thread safe: the poller runs in a thread)."""

    def __init__(self, data_dir: Path | None, *, started_at: datetime) -> None:
        """:param data_dir: where the state file goes; None keeps the state in memory only."""
        self.path = data_dir / STATE_FILE if data_dir is not None else None
        self._lock = threading.Lock()
        self.state = ServiceState(os.getpid(), started_at.isoformat(), started_at.isoformat())
        self._fd: int | None = None
        self._write_failed = False

    # ------------------------------------------------------------------ the file

    def open(self) -> None:
        """Create the state file at its full size now, while the disk may still have room."""
        if self.path is None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            log.warning("cannot write the state file %s: %s (mailer status will not see the "
                        "service's state)", self.path, exc.strerror or exc)
            return
        try:
            if os.fstat(fd).st_size < STATE_SIZE:
                os.pwrite(fd, b" " * STATE_SIZE, 0)
        except OSError as exc:
            log.warning("cannot size the state file %s: %s", self.path, exc.strerror or exc)
        self._fd = fd
        self.flush()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def flush(self) -> None:
        """Write the state in place; a failure is logged once until a write works again."""
        with self._lock:
            data = self.state.to_json().encode("utf-8")
        if self._fd is None:
            return
        if len(data) > STATE_SIZE:  # never grow the file: drop the details, keep the states
            trimmed = replace(self.state, components={
                k: replace(v, detail=v.detail[:80]) for k, v in self.state.components.items()})
            data = trimmed.to_json().encode("utf-8")[:STATE_SIZE]
        try:
            os.pwrite(self._fd, data.ljust(STATE_SIZE, b" "), 0)
        except OSError as exc:
            if not self._write_failed:
                log.warning("cannot update the state file: %s", exc.strerror or exc)
            self._write_failed = True
        else:
            self._write_failed = False

    # ------------------------------------------------------------------ states

    def beat(self, now: datetime) -> None:
        with self._lock:
            self.state.heartbeat = now.isoformat()
        self.flush()

    def set_config(self, *, path: str, sha256: str, loaded_at: datetime, teams: int) -> None:
        with self._lock:
            self.state.config = {"path": path, "sha256": sha256,
                                 "loaded_at": loaded_at.isoformat(), "teams": teams}
        self.flush()

    def get(self, component: Component) -> ComponentState:
        with self._lock:
            return self.state.components.get(component, ComponentState())

    def ok(self, component: Component, now: datetime, what: str = "") -> None:
        """``component`` works (again); logs the recovery once, with the count of failures."""
        with self._lock:
            old = self.state.components.get(component, ComponentState())
            self.state.components[component] = ComponentState(
                "ok", what, old.since if old.state == "ok" else now.isoformat(), 0,
                now.isoformat())
        if old.state != "ok":
            since = datetime.fromisoformat(old.since) if old.since else now
            log.info("%s recovered after %d failed attempt%s in %s%s", component,
                     old.failures, "" if old.failures == 1 else "s",
                     _duration(now - since), f": {what}" if what else "")
            self.flush()

    def problem(self, component: Component, now: datetime, detail: str, *,
                auth: bool = False, next_try: datetime | None = None) -> bool:
        """Count a failure of ``component``; log it only when its state changes.

        :returns: whether this was a change (and so was logged).
        """
        state: Literal["failing", "auth"] = "auth" if auth else "failing"
        with self._lock:
            old = self.state.components.get(component, ComponentState())
            changed = old.state != state
            self.state.components[component] = ComponentState(
                state, detail, now.isoformat() if changed else old.since,
                1 if changed else old.failures + 1, old.last_ok)
        if changed:
            retry = f"; next try at {next_try:%H:%M:%S %Z}" if next_try else ""
            (log.error if auth else log.warning)(
                "%s failing: %s%s (further failures are counted, not logged, until it works)",
                component, detail, retry)
            self.flush()
        return changed


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h {minutes % 60}m" if minutes >= 60 else f"{minutes}m"
