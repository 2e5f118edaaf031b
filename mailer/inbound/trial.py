"""Replies to test prompts (``mailer send KIND --to-me``): found, checked and answered. Pure.

A test prompt is rendered for a member but sent to someone else (the manager, or
``--test-to``); the ledger keeps it apart from the member's prompts (``test_sends``), so a reply
to it can never become the member's record, count as their answer or carry out a command.
Instead the reply is mapped like a real one and its sender gets a receipt that shows what would
have been recorded and says plainly that it was a test.
"""

from __future__ import annotations

from typing import Protocol

from mailer.addressing import token_from_message_id, token_from_subject, verify_token
from mailer.models import TestSend
from mailer.parse.replies import Reply


class TestLookups(Protocol):
    """The look-ups of test prompts (:class:`mailer.storage.ledger.Ledger` has them)."""

    def test_send_by_message_id(self, message_id: str) -> TestSend | None: ...

    def test_send_by_token(self, token: str) -> TestSend | None: ...


def match_test_send(reply: Reply, *, lookups: TestLookups, secret: bytes | None
                    ) -> TestSend | None:
    """The test prompt a reply answers: In-Reply-To, References, then a signed token."""
    for message_id in (*reply.in_reply_to, *reversed(reply.references)):
        found = lookups.test_send_by_message_id(message_id)
        if found is not None:
            return found
    tokens = [token_from_subject(reply.subject),
              *(token_from_message_id(m) for m in (*reply.in_reply_to, *reply.references))]
    for token in dict.fromkeys(t for t in tokens if t):
        if secret is not None and verify_token(token, secret):
            found = lookups.test_send_by_token(token)
            if found is not None:
                return found
    return None
