"""Logging setup: one readable line per event, or JSON lines with ``--log-format json``.

A filter redacts every secret value the process has loaded (passwords, the token secret),
wherever it might appear, as a last line of defence: the code never logs them on purpose.
Reply bodies are logged only at DEBUG level (personal data).
"""

from __future__ import annotations

import json
import logging
import sys
from collections import OrderedDict
from datetime import UTC, datetime

_SECRETS: set[str] = set()
#: Short-lived secrets (OAuth access tokens, renewed about hourly), oldest first.
_ROTATING: OrderedDict[str, None] = OrderedDict()
#: How many short-lived secrets are redacted: a long-running service renews its tokens about
#: 24 times a day, and keeping every one would grow memory and the cost of each log line
#: without end. One older than the last 16 renewals expired hours ago.
ROTATING_KEPT = 16


def register_secret(value: str, *, short_lived: bool = False) -> None:
    """Make sure ``value`` never reaches a log line (values shorter than 4 are ignored).

    :param short_lived: an access token: only the last :data:`ROTATING_KEPT` are kept.
    """
    if not value or len(value) < 4:
        return
    if not short_lived:
        _SECRETS.add(value)
        return
    _ROTATING[value] = None
    _ROTATING.move_to_end(value)
    while len(_ROTATING) > ROTATING_KEPT:
        oldest, _ = _ROTATING.popitem(last=False)
        _SECRETS.discard(oldest)
    _SECRETS.add(value)


def redact(text: str) -> str:
    for secret in tuple(_SECRETS):  # a copy: the poller's thread may register a token now
        if secret in text:
            text = text.replace(secret, "[secret]")
    return text


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            record.msg = redact(record.getMessage())
            record.args = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(*, fmt: str = "text", verbose: bool = False, quiet: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RedactingFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s",
                                               "%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    for noisy in ("apscheduler", "aiosmtpd", "mail.log", "asyncio", "pymap"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
