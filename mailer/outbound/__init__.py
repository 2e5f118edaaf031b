"""Mail going out: when each prompt is due, what it says, and the SMTP side.

Owns: the schedule (``schedule``; pure: who is due for what and when, across time zones, DST
and holidays; ``schedule_retry``: how long an unsent prompt is retried and when it expires),
composition with Jinja2 into multipart mail (``compose``; pure given an environment), sample
contexts for checks and previews (``samples``), sending over SMTP with aiosmtplib (``smtp``),
pacing a batch to the provider's limits (``pacing``), ending sessions with their sockets really
closed (``sockets``) and the SASL responses that sign in with a token (``sasl``; pure, also used
by ``inbound.imap``).
May import: ``parse``, ``storage``, ``config`` and the root modules.
"""
