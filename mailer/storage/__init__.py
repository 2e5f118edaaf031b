"""What the service keeps: the ledger, the record store, and the rules for keeping and erasing.

Owns: the SQLite ledger of prompts, pauses, bounces and inbound outcomes (``ledger``), the YAML
record format (``records``) and the private record store (``store``), fsynced private file
writes (``durable``), retention (``retention``) and access/erasure requests (``privacy``).
May import: the root modules only.
"""
