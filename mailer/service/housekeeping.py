"""The daily housekeeping job of ``mailer run``: retention, and temp files a killed writer left."""

from __future__ import annotations

import logging
from datetime import datetime

from mailer.service.context import Context
from mailer.storage.retention import RetentionReport, RetentionSettings, apply_retention

log = logging.getLogger(__name__)


def housekeeping(ctx: Context, now: datetime) -> RetentionReport:
    """The daily job: apply retention and log one line of what it did."""
    settings = RetentionSettings.of(ctx.config.service)
    report = apply_retention(ctx.store, ctx.ledger, now=now, settings=settings)
    try:
        swept = ctx.store.sweep_temp_files(older_than=now.timestamp() - 3600)
    except OSError as exc:
        log.warning("housekeeping: could not sweep temporary files: %s", exc.strerror)
    else:
        if swept:
            log.info("housekeeping: removed %d temporary file(s) left by an interrupted write",
                     len(swept))
    for problem in report.problems:
        log.warning("housekeeping: %s", problem)
    log.info("housekeeping: %s", report.summary())
    return report
