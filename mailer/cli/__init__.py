"""The ``mailer`` command line: the only package that parses arguments or sets exit codes.

Owns: the parser and exit codes (``main``), shared options (``options``), and one module per
command group (``init``, ``check``, ``send``, ``poll``, ``digest``, ``service``, ``privacy``,
``demo``).
Each command is a thin function that builds objects and calls the service.
May import: everything. ``demo`` is imported inside its command: it needs the optional extra.
"""
