"""The manager's weekly digest and meeting brief, as data: pure functions of records and time.

Owns: the digest's shapes (``model``), building it (``build``, ``sections``, ``people``,
``steps``), text similarity for themes and repeated obstacles (``similarity``), the meeting
brief (``brief``) and sample inputs (``samples``). Rendering lives in :mod:`mailer.service.digest`.
Pure: no I/O, no clock. May import: ``parse``, ``storage``, ``config`` and the root modules.
"""
