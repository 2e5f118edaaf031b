"""Fixtures for every test: a clean MAILER_* environment, real mail servers on loopback, and
a small disk (tmpfs) that a test can fill up and free.

``mailstack`` (session) starts a private Dovecot and an SMTP relay once; ``stack``
(per test) is the same object with SMTP faults and recorded messages cleared, and it
prints the Dovecot log of a test that fails. The machinery is in tests/mailstack.py.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check behaviour, not speed: the tests that bound time measure it themselves
# (tests/reliability/test_fuzz_mail.py). Hypothesis's default 200 ms deadline per example
# only made them flaky on a loaded 2-core machine. Under CI, examples are derandomized so a
# red run can be replayed exactly.
settings.register_profile("mailer", deadline=None)
settings.register_profile("mailer-ci", deadline=None, derandomize=True, database=None)
settings.load_profile("mailer-ci" if os.environ.get("CI") else "mailer")

from tests.mailstack import MailStack, MailStackError  # noqa: E402 (after the profiles)
from tests.oauth_fixtures import oauth, oauth_server  # noqa: E402, F401 (OAuth tests' fixtures)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide the shell's MAILER_* variables from each test; monkeypatch restores them."""
    for name in [name for name in os.environ if name.startswith("MAILER_")]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def mailstack() -> Iterator[MailStack]:
    """Dovecot + SMTP relay for the whole session; stopped even if the run is interrupted."""
    try:
        started = MailStack.start()
    except MailStackError as exc:
        # Fail, never skip: a missing server must not pass as a green run.
        pytest.fail(f"the test mail servers did not start: {exc}", pytrace=False)
    try:  # Dovecot.start() also registers an atexit stop, for a session that dies here
        yield started
    finally:
        started.close()


@pytest.fixture
def stack(mailstack: MailStack, request: pytest.FixtureRequest) -> Iterator[MailStack]:
    """The session's mail stack, with no SMTP faults and no recorded messages."""
    mailstack.reset()
    log_start = len(mailstack.dovecot_log())
    failures = request.session.testsfailed
    yield mailstack
    mailstack.reset()
    if request.session.testsfailed > failures:  # pytest shows this under the failure
        print("Dovecot log during this test:\n" + mailstack.dovecot_log()[log_start:])


SMALL_DISK_BYTES = 3 * 1024 * 1024


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MiB tmpfs. ``make test`` runs as root (Dovecot's test users need it); a failed
    mount fails the test, it never skips it."""
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SMALL_DISK_BYTES},mode=0700",
                    "tmpfs", str(mount)], check=True, capture_output=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False, capture_output=True)
