"""``mailer send KIND --to-me`` / ``--test-to EMAIL``: one real prompt, sent as a test.

The prompt is rendered for a chosen member exactly as the schedule would render it, then sent
to the tester (by default the member's manager) with ``[TEST]`` before its subject. Crash-safe
order, as for real prompts: the test send is written to the ledger (its own table, never the
member's prompts) before the SMTP attempt, so a reply always finds it; an attempt that failed
leaves a row that nobody answers. The reply gets a receipt that says it was a test
(:mod:`mailer.inbound.trial`).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

from mailer.addressing import domain_of, message_id, mint_token, normalize_address, plus_address
from mailer.config.questions import questions_for
from mailer.config.secrets import smtp_password
from mailer.errors import DeliveryError, SecretError
from mailer.kinds import KINDS, prompt_kind
from mailer.models import Prompt, Slot, TestSend
from mailer.outbound import compose
from mailer.outbound import smtp as outbox
from mailer.service.context import Context
from mailer.service.preview import preview_target, preview_time, render_preview

log = logging.getLogger("mailer.send")

#: Before the subject of every test prompt; replies keep it ("Re: [TEST] ...").
TEST_MARK = "[TEST] "
#: Also in the headers, for filters: the member the prompt was rendered for.
TEST_HEADER = "X-Mailer-Test"


async def send_test(ctx: Context, kind: str, *, member: str | None, to: str | None,
                    now: datetime) -> TestSend:
    """Send one prompt of ``kind`` rendered for ``member`` (default: the first recipient of
    that kind) to ``to`` (default: the manager of the member's team).

    :raises SecretError: no signing secret (a reply to the test could not be matched).
    :raises DeliveryError: the server did not take the message.
    """
    if ctx.secret is None:
        raise SecretError(f"{ctx.config.service.secret_env} is not set; a test prompt is "
                          "signed like a real one, so that a reply to it can be matched")
    # Rendered as `mailer preview` shows it: for the member's next scheduled prompt.
    target = preview_target(ctx.config, kind, member=member)
    team, person = target.team, target.person
    when = preview_time(ctx.config, kind, target, now=now, pauses=ctx.ledger.pauses())
    recipient = normalize_address(to) if to else team.manager.email
    smtp = ctx.config.smtp
    # A slot no schedule ever plans (the period is the time of sending), so its token and
    # Message-ID are the test's own.
    slot = Slot(team.id, person.id, prompt_kind(kind),
                f"test-{now.astimezone(UTC):%Y%m%dT%H%M%S.%f}")
    token = mint_token(slot, ctx.secret)
    questions = questions_for(team, slot.kind, ctx.questions)
    mid = message_id(token, slot.kind, domain_of(smtp.from_address))
    prompt = Prompt(slot=slot, message_id=mid, token=token, state="sent",
                    due_at=now.astimezone(UTC), language=person.language,
                    question_ids=tuple(q.id for q in questions))
    test = TestSend(prompt=prompt, sent_to=recipient, sent_at=now)
    mail = render_preview(ctx, kind, target, when)
    mail = replace(mail, subject=TEST_MARK + mail.subject)
    answered = KINDS[slot.kind].answered
    reply_to = plus_address(smtp.from_address, token) if smtp.plus_tokens else smtp.from_address
    raw = compose.build_raw(
        mail, to=recipient, to_name="", from_name=smtp.from_name, from_address=smtp.from_address,
        message_id=prompt.message_id, reply_to=reply_to, token=token if answered else None,
        headers={TEST_HEADER: person.email}, date=now)
    ctx.ledger.add_test_send(test)  # first: a reply must always find it
    outcomes = await outbox.send_messages(
        smtp, [outbox.Outgoing(slot.key, raw, recipient, smtp.from_address)],
        password=smtp_password(smtp),
        tls_context=outbox.batch_tls_context(smtp) if smtp.security != "none" else None)
    if not outcomes or not outcomes[0].sent:
        error = outcomes[0].error if outcomes else "nothing was sent"
        raise DeliveryError(f"the test {KINDS[slot.kind].singular} to {recipient} was not "
                            f"sent: {error}")
    log.info("sent a test %s for %s to %s", KINDS[slot.kind].singular, person.email, recipient)
    return test
