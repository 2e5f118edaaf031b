"""The example and demo configs: package data, installed as ``mailer.examples``.

Only ``example.toml`` and ``demo.toml`` are shipped (pyproject's package-data); a
``mailer.toml`` kept here is yours and never leaves the repository.
"""
