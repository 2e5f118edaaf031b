"""The log redactor: secrets never reach a log line, and short-lived ones do not pile up."""

from __future__ import annotations

import logging
from collections import OrderedDict

import pytest

from mailer import logs


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "_SECRETS", set())
    monkeypatch.setattr(logs, "_ROTATING", OrderedDict())


def test_a_year_of_token_renewals_keeps_only_the_last_ones() -> None:
    logs.register_secret("the-smtp-password")
    tokens = [f"access-token-{n:05d}" for n in range(24 * 365)]  # hourly, for a year
    for token in tokens:
        logs.register_secret(token, short_lived=True)
    logs.register_secret(tokens[-1], short_lived=True)  # the same token again: no second entry

    assert len(logs._SECRETS) == logs.ROTATING_KEPT + 1
    assert logs.redact(f"login with {tokens[-1]} failed") == "login with [secret] failed"
    assert logs.redact(tokens[-logs.ROTATING_KEPT]) == "[secret]"
    assert logs.redact(tokens[-logs.ROTATING_KEPT - 1]) == tokens[-logs.ROTATING_KEPT - 1]
    assert logs.redact("pw the-smtp-password") == "pw [secret]"  # never dropped


def test_a_log_record_is_redacted_whatever_its_arguments(
        caplog: pytest.LogCaptureFixture) -> None:
    logs.register_secret("s3cr3t-token", short_lived=True)
    logs.register_secret("abc")  # too short to redact without mangling text
    record = logging.LogRecord("mailer", logging.WARNING, __file__, 1,
                               "refused %s (%d)", ("s3cr3t-token abc", 535), None)
    assert logs._RedactingFilter().filter(record)
    assert record.getMessage() == "refused [secret] abc (535)"
