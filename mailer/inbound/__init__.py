"""Replies coming in: which prompt a reply answers, what to do with it, the mailbox, receipts.

Owns: matching a reply to its prompt and verifying its sender (``matching``), the decision for
one message (``decide``, ``decision``, ``automatic``; pure), the IMAP adapter over imap-tools
(``imap``), and the receipts that confirm what was understood (``receipts``).
May import: ``outbound`` (receipts are composed like prompts), ``digest``, ``parse``,
``storage``, ``config`` and the root modules.
"""
