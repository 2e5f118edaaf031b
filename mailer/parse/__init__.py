"""Reading a reply: pure functions from bytes to what a person wrote and meant.

Owns: parsing received bytes into a message (``message``), MIME decoding (``mime``), automatic
mail and bounces (``classify``), stripping quotes, signatures and sign-offs (``extract``,
``extract_html``, ``quote_lines``, ``quote_patterns``, ``signoff``, ``sender_name``), answers,
scales and commands (``answers``), and the whole parse of one message (``replies``).
Pure: no I/O, no clock (times come in as arguments). May import: the root modules only.
"""
