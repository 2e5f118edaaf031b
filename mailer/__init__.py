"""mailer: email-driven check-ins, reviews and digests for managers of remote teams.

Nothing executes on import; the command line lives in :mod:`mailer.cli.main`.
"""

__version__ = "0.1.0"
