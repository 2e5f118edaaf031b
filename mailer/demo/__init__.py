"""``mailer demo``: the real service on an embedded mail server, with simulated people.

Owns: the in-process SMTP + IMAP server (``server``: aiosmtpd + pymap), the simulated people
and their replies (``model``, ``simulate``, ``answers``, ``phrases``, ``quoting``, ``mime``) and
the run itself (``run``). Needs the optional ``demo`` extra.
May import: ``service`` and everything below it; never ``cli``.
"""
