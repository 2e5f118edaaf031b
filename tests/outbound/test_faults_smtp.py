"""SMTP faults, injected by the loopback relay, through ``jobs.send_due`` end to end.

aiosmtplib (STARTTLS + AUTH) -> the relay of tests/mailstack.py -> LMTP -> Dovecot. Each
fault is a real server answer (``stack.smtp_faults``); each outcome is read back from the
recipients' Dovecot mailboxes, the relay's list of accepted messages and the ledger.

Temporary faults end in delivery after retries: the ledger row is ``sent``, the recipient's
mailbox holds exactly one copy, with the Message-ID the ledger fixed before the first try.
Permanent ones are recorded once (row ``failed``, address marked failing), shown in the
digest's "needs attention" and never stop the rest of the batch. Batch-stopping faults
(TLS, login) raise one clear error and leave every row due.

The whole matrix: fault (stage) -> outcome, then the test; "[id]" is a case of the table
test above it, "tests/..." a test elsewhere.

421 greeting (connect) -> retried, delivered once
    test_temporary_fault_is_retried_and_delivered_once[421-connect]
451 greeting (connect) -> retried, delivered once                          [451-connect]
greeting stalls past smtp.timeout -> retried, delivered once               [stall-connect]
421 to RCPT, connection closed -> retried, delivered once                  [421-RCPT]
451 to RCPT -> retried, delivered once                                     [451-RCPT]
452 to RCPT -> retried, delivered once                                     [452-RCPT]
450 to RCPT on every try -> row stays due, the next run sends it
    tests/service/test_send.py::test_exhausted_temporary_failure_stays_due_and_goes_out_next_run
421 after DATA, connection closed -> retried, delivered once               [421-DATA]
451 after DATA, twice -> retried, delivered once
    tests/service/test_send.py::test_temporary_failures_retried_permanent_ones_recorded
452 after DATA -> retried, delivered once                                  [452-DATA]
452 after DATA on every try -> given up after smtp.max_attempts, row due
    tests/outbound/test_outbox.py::test_temporary_failures_give_up_after_max_attempts
connection dropped in DATA, unanswered -> retried, delivered once          [drop-DATA]
    (also tests/service/test_send.py::test_temporary_failures_retried_permanent_ones_recorded)
DATA stalls past smtp.timeout -> retried, delivered once                   [stall-DATA]
    (outbox level: tests/outbound/test_outbox.py::test_a_timeout_is_temporary)
550 to RCPT -> failed once, marked failing, in the digest, batch goes on
    test_permanent_fault_is_recorded_once_and_reported[550-RCPT]
554 to RCPT -> the same                                                    [554-RCPT]
550 after DATA -> the same                                                 [550-DATA]
554 after DATA -> the same                                                 [554-DATA]
550 5.1.1 from Dovecot (no such mailbox) -> failed once, marked failing
    tests/service/test_send.py::test_temporary_failures_retried_permanent_ones_recorded
certificate not trusted (no ca_file) -> one DeliveryError, nothing sent, all rows due
    test_an_untrusted_certificate_stops_the_batch_and_leaves_every_row_due
    (outbox level: tests/outbound/test_outbox.py::test_an_untrusted_certificate_stops_the_batch)
535 wrong password -> one AuthenticationError, ONE login seen, all rows due
    test_a_wrong_password_is_tried_once_and_leaves_every_row_due
    (also tests/service/test_send.py::test_a_bad_password_stops_the_batch_once_and_leaves_it_due)
server unreachable -> one DeliveryError after smtp.max_attempts, all rows due
    test_an_unreachable_server_stops_the_batch_and_leaves_every_row_due
    (outbox level: tests/outbound/test_outbox.py::test_unreachable_server_stops_the_batch)
STARTTLS not offered -> refused, no AUTH and no mail in clear
    tests/test_security.py::test_starttls_is_never_downgraded_when_the_server_does_not_offer_it
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from mailer.digest.build import build_digest
from mailer.errors import AuthenticationError, DeliveryError
from tests.helpers_faults import DUE, Team
from tests.mailstack import MailStack

Inject = Callable[[MailStack, str], None]

TEMPORARY: dict[str, Inject] = {
    "421-connect": lambda s, _: s.smtp_faults.reply("connect", 421),
    "451-connect": lambda s, _: s.smtp_faults.reply("connect", 451),
    "stall-connect": lambda s, _: s.smtp_faults.stall("connect", 3.0),
    "421-RCPT": lambda s, who: s.smtp_faults.reply("RCPT", 421, address=who),
    "451-RCPT": lambda s, who: s.smtp_faults.reply("RCPT", 451, address=who),
    "452-RCPT": lambda s, who: s.smtp_faults.reply("RCPT", 452, address=who),
    "421-DATA": lambda s, _: s.smtp_faults.reply("DATA", 421),
    "452-DATA": lambda s, _: s.smtp_faults.reply("DATA", 452),
    "drop-DATA": lambda s, _: s.smtp_faults.drop("DATA"),
    "stall-DATA": lambda s, _: s.smtp_faults.stall("DATA", 3.0),
}

PERMANENT: dict[str, Inject] = {
    "550-RCPT": lambda s, who: s.smtp_faults.reply("RCPT", 550, address=who),
    "554-RCPT": lambda s, who: s.smtp_faults.reply("RCPT", 554, address=who),
    "550-DATA": lambda s, _: s.smtp_faults.reply("DATA", 550),
    "554-DATA": lambda s, _: s.smtp_faults.reply("DATA", 554),
}


@pytest.fixture
def team(stack: MailStack, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Team:
    # A small timeout so that a stalled server costs little, yet ~100x what a loopback exchange
    # takes, so a busy machine never times out a healthy server (the stalls above are 3x it);
    # max_connections=1 makes the first DATA (the one a stage-wide fault hits) the first row's.
    return Team(stack, tmp_path / "data", monkeypatch, smtp={"timeout": 1.0,
                                                               "max_connections": 1})


def assert_each_got_exactly_one(team: Team, people: list[Any]) -> None:
    rows = team.rows()
    for person in people:
        mails = team.inbox(person)
        assert len(mails) == 1, (person.email, len(mails))
        assert mails[0]["Message-ID"] == rows[person.email].message_id


@pytest.mark.parametrize("fault", TEMPORARY.values(), ids=TEMPORARY.keys())
async def test_temporary_fault_is_retried_and_delivered_once(team: Team, fault: Inject) -> None:
    victim = team.people[1]
    fault(team.stack, victim.email)
    report = await team.send()
    assert (report.sent, report.failed) == (3, 0), report.lines
    rows = team.rows()
    assert {r.state for r in rows.values()} == {"sent"}
    assert sum(r.attempts for r in rows.values()) == 3 + 1  # one retry, nothing else
    assert team.stack.smtp_faults.pending == []  # the fault did happen
    assert_each_got_exactly_one(team, team.people)
    assert len(team.stack.smtp_received) == 3
    assert team.ctx.ledger.failures() == []
    # Nothing is sent again by a second run.
    again = await team.send()
    assert (again.sent, again.already_sent) == (0, 3) and len(team.stack.smtp_received) == 3


@pytest.mark.parametrize("fault", PERMANENT.values(), ids=PERMANENT.keys())
async def test_permanent_fault_is_recorded_once_and_reported(team: Team, fault: Inject,
                                                             request: pytest.FixtureRequest
                                                             ) -> None:
    code = request.node.callspec.id.split("-")[0]
    fault(team.stack, team.people[1].email)
    report = await team.send()
    assert (report.sent, report.failed_permanent, report.failed_temporary) == (2, 1, 0)
    rows = team.rows()
    [failed] = [r for r in rows.values() if r.state == "failed"]
    if "RCPT" in request.node.callspec.id:
        assert failed.slot.email == team.people[1].email
    victim = next(p for p in team.people if p.email == failed.slot.email)
    assert failed.attempts == 1 and code in (failed.last_error or "")
    assert [f.email for f in team.ctx.ledger.failures()] == [victim.email]
    [failure] = team.ctx.ledger.failures()
    assert failure.count == 1 and code in failure.reason
    # The rest of the batch went out; the refused message is nowhere.
    others = [p for p in team.people if p is not victim]
    assert_each_got_exactly_one(team, others)
    assert team.inbox(victim) == []
    # A second run does not try the failed row again, and marks nothing twice.
    again = await team.send()
    assert (again.sent, again.already_sent, again.failed) == (0, 2, 0)
    assert team.ctx.ledger.get(failed.slot.key).attempts == 1  # type: ignore[union-attr]
    assert team.ctx.ledger.failures()[0].count == 1
    # The manager's digest names the bouncing address, and only that one.
    digest = build_digest(team.team, [], team.ctx.ledger.prompts(team=team.team.name),
                          team.ctx.ledger.pauses(), team.ctx.ledger.failures(),
                          week="2026-W49", now=DUE.replace(day=4, hour=14))
    bounces = [a for a in digest.attention if a.kind == "bounce"]
    assert [(a.email, a.count) for a in bounces] == [(victim.email, 1)]
    assert code in bounces[0].reason


async def test_an_untrusted_certificate_stops_the_batch_and_leaves_every_row_due(
        team: Team) -> None:
    team.reconfigure(smtp={"ca_file": None, "max_connections": 4})  # the system roots only
    with pytest.raises(DeliveryError, match="TLS with .* failed: .*CERTIFICATE_VERIFY_FAILED"
                       ) as raised:
        await team.send()
    assert raised.value.permanent and not isinstance(raised.value, AuthenticationError)
    assert len(team.stack.smtp_received) == 0
    assert {r.state for r in team.rows().values()} == {"due"}
    # Trusting the server's CA is all it takes: every row goes out, once.
    team.reconfigure(smtp={"ca_file": team.stack.ca_file})
    assert (await team.send()).sent == 3
    assert_each_got_exactly_one(team, team.people)


async def test_a_wrong_password_is_tried_once_and_leaves_every_row_due(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    logins: list[str] = []
    check = team.stack.relay._check_password  # the relay's AUTH check, counted

    def counted(login: str, password: str) -> bool:
        logins.append(login)
        return check(login, password)

    monkeypatch.setattr(team.stack.relay, "_check_password", counted)
    monkeypatch.setenv("MAILER_TEST_SMTP_PASSWORD", "not-the-password")
    team.reconfigure(smtp={"max_connections": 4})
    with pytest.raises(AuthenticationError, match="refused the login") as raised:
        await team.send()
    assert raised.value.code == 535
    assert logins == [team.stack.smtp_user]  # one attempt, not one per connection or mechanism
    assert len(team.stack.smtp_received) == 0
    assert {r.state for r in team.rows().values()} == {"due"}


async def test_an_unreachable_server_stops_the_batch_and_leaves_every_row_due(team: Team) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind((team.stack.host, 0))
        closed = sock.getsockname()[1]
    team.reconfigure(smtp={"port": closed, "max_attempts": 2})
    with pytest.raises(DeliveryError, match="cannot reach the SMTP server"):
        await team.send()
    assert {(r.state, r.attempts) for r in team.rows().values()} == {("due", 2), ("due", 0)}
