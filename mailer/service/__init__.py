"""The running service: jobs that take a :class:`~mailer.service.context.Context` and do the work.

Owns: the objects a job works with (``context``), the send job and previews (``send``), the
poll job (``poll``), the digest and brief as mail (``digest``), daily housekeeping
(``housekeeping``), ``mailer run`` (``run``: the tick, retries, reload), what the running
service knows of SMTP, IMAP, the ledger and its config (``health``: log once per change, the
state file), the service's clock and its test-only simulated speed (``timing``),
``mailer status`` (``status``) and the checks of ``mailer check`` (``check``; ``online`` signs
in to IMAP and SMTP for ``--online``).
May import: every package below it (``inbound``, ``outbound``, ``digest``, ``parse``,
``storage``, ``config``) and the root modules; never ``cli`` or ``demo``.
"""
