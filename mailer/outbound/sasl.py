"""SASL initial responses for signing in with an OAuth 2.0 bearer token (IMAP and SMTP).

Pure: bytes in, bytes out; the caller base64-encodes them for the wire.

* ``XOAUTH2``: Google's and Microsoft's own mechanism,
  ``user=USER ^A auth=Bearer TOKEN ^A ^A``;
* ``OAUTHBEARER``: RFC 7628 3.1, a GS2 header naming the user, then key=value pairs
  separated by ^A (0x01), ``host`` and ``port`` included as the RFC recommends.

After a refused token the server sends an error challenge (a JSON document, RFC 7628 3.2.2;
Google does the same for XOAUTH2); :func:`abort_response` is what the client sends back so
that the server can give its final answer.
"""

from __future__ import annotations

from typing import Literal

Mechanism = Literal["XOAUTH2", "OAUTHBEARER"]


def choose(offered: set[str]) -> Mechanism | None:
    """OAUTHBEARER (the standard) when offered, else XOAUTH2; ``offered`` is upper case."""
    if "OAUTHBEARER" in offered:
        return "OAUTHBEARER"
    if "XOAUTH2" in offered:
        return "XOAUTH2"
    return None


def initial_response(mechanism: Mechanism, user: str, token: str, *, host: str,
                     port: int) -> bytes:
    if mechanism == "XOAUTH2":
        return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()
    # RFC 7628 3.1: "n" (no channel binding), the authzid "a=" with "=" and "," escaped.
    authzid = user.replace("=", "=3D").replace(",", "=2C")
    return f"n,a={authzid},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01".encode()


def abort_response(mechanism: Mechanism) -> bytes:
    """After an error challenge: RFC 7628 3.2.3 wants ^A; XOAUTH2 servers an empty line."""
    return b"\x01" if mechanism == "OAUTHBEARER" else b""
