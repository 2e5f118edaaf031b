"""The dedup key of anonymous feedback: a keyed hash of each message, and the key it needs.

A feedback reply must be recorded once even when the poller crashes between storing it and
deleting the original, yet nothing stored may lead back to the message (and so to its sender).
The ledger keeps ``HMAC-SHA256(key, message key)`` (:func:`feedback_key`): the same message
gives the same value, and without the message the value says nothing. The key is 32 random
bytes in ``data_dir/dedup.key`` (0600), made on first use and used for nothing else, so the
reply-token secret can be rotated without touching it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from mailer.errors import RecordError
from mailer.storage import durable

KEY_FILE = "dedup.key"
KEY_BYTES = 32


def dedup_key(data_dir: Path) -> bytes:
    """The key, made (durably, 0600) when the data folder has none yet.

    :raises RecordError: the key file cannot be read or written, or is not a key.
    """
    path = data_dir / KEY_FILE
    try:
        if not path.exists():
            durable.create(path, secrets.token_bytes(KEY_BYTES))  # a racing writer wins: fine
        key = path.read_bytes()
    except OSError as exc:
        raise RecordError(f"cannot read or make the dedup key {path}: {exc.strerror}") from exc
    if len(key) != KEY_BYTES:
        raise RecordError(f"{path} is not a dedup key ({len(key)} bytes, expected {KEY_BYTES})")
    return key


def feedback_key(key: bytes, message_key: str) -> str:
    """The ledger's dedup value of one message (its Message-ID hash or content hash)."""
    return hmac.new(key, message_key.encode("utf-8"), hashlib.sha256).hexdigest()
