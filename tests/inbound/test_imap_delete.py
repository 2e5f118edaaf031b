"""Deleting one message on the real Dovecot: that UID only (UIDPLUS, RFC 4315)."""

from __future__ import annotations

import pytest

from mailer.inbound.imap import ImapInbox
from mailer.models import ImapSettings
from tests.mailstack import MailStack


def test_delete_expunges_exactly_the_given_uid(stack: MailStack,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    user = stack.new_user("svc")
    for n in range(1, 4):
        stack.deliver(f"From: a@x.test\nTo: {user.email}\nMessage-ID: <m{n}@x.test>\n"
                      f"Subject: m{n}\n\nbody {n}\n".encode(), user)
    with stack.mailbox(user) as other:  # someone marked 1 deleted in their mail client
        other.client.uid("STORE", "1", "+FLAGS.SILENT", r"(\Deleted)")
    settings = ImapSettings(host=stack.host, port=stack.imaps_port, security="tls",
                            username=user.email, password_env=None, ca_file=stack.ca_file)
    inbox = ImapInbox.open(settings, user.password)
    try:
        assert "UIDPLUS" in inbox._mb.client.capabilities  # Dovecot lists it after login
        inbox.delete([2])
        assert [e.uid for e in inbox.envelopes(after_uid=0)] == [1, 3]
    finally:
        inbox.close()
    left = stack.fetch(user)
    assert [b"<m1@x.test>" in raw for raw in left] == [True, False]  # 1 kept, though flagged


def test_without_uidplus_a_plain_expunge_and_a_warning(stack: MailStack,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    user = stack.new_user("svc")
    for n in range(1, 4):
        stack.deliver(f"From: a@x.test\nMessage-ID: <m{n}@x.test>\n\nbody\n".encode(), user)
    with stack.mailbox(user) as other:
        other.client.uid("STORE", "1", "+FLAGS.SILENT", r"(\Deleted)")
    settings = ImapSettings(host=stack.host, port=stack.imaps_port, security="tls",
                            username=user.email, password_env=None, ca_file=stack.ca_file)
    inbox = ImapInbox.open(settings, user.password)
    try:  # a server without RFC 4315
        caps = inbox._mb.client.capabilities
        inbox._mb.client.capabilities = tuple(c for c in caps if c != "UIDPLUS")
        inbox.delete([2])
        inbox.delete([3])
        assert inbox.envelopes(after_uid=0) == []  # 1 went too: what RFC 3501 EXPUNGE does
    finally:
        inbox.close()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "lacks UIDPLUS" in warnings[0]
