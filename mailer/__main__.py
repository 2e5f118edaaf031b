"""``python -m mailer``: the same as the ``mailer`` command."""

from mailer.cli.main import main_entry

main_entry()
