"""The one way the service builds a TLS context: verifying, with the system's roots."""

from __future__ import annotations

import ssl
from pathlib import Path


def verifying_context(ca_file: Path | None) -> ssl.SSLContext:
    """A context that verifies certificates and host names, trusting ``ca_file`` too when set.

    :raises OSError, ssl.SSLError: ``ca_file`` cannot be read or is not a certificate; the
        SMTP and IMAP adapters translate this into their own errors.
    """
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context
