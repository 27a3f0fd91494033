"""One pass over a request's headers, keeping only what the pipeline decides on."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


class RequestHeaders:
    """The headers the exposure reads; names arrive lowercased, as ASGI guarantees."""

    __slots__ = (
        "ambiguous_credentials",
        "authorization",
        "chunked",
        "content_length",
        "context",
        "request_id",
        "token",
    )

    def __init__(self) -> None:
        self.content_length: bytes | None = None
        self.chunked = False
        self.token: bytes | None = None
        self.authorization: bytes | None = None
        self.request_id: bytes | None = None
        self.context: bytes | None = None  # x-runner-context: async contexts the caller sends
        # Two credentials headers could be read differently by a proxy and by us: refuse both.
        self.ambiguous_credentials = False


def scan_headers(raw: Iterable[tuple[bytes, bytes]], token_header: bytes) -> RequestHeaders:
    found = RequestHeaders()
    for name, value in raw:
        if name == token_header:
            found.ambiguous_credentials |= found.token is not None
            found.token = value
        elif name == b"content-length":
            found.content_length = value
        elif name == b"transfer-encoding":
            found.chunked |= b"chunked" in value.lower()
        elif name == b"authorization":
            found.ambiguous_credentials |= found.authorization is not None
            found.authorization = value
        elif name == b"x-runner-request-id":
            found.request_id = value
        elif name == b"x-runner-context":
            found.context = value
    return found


def request_id_of(presented: bytes | None) -> bytes:
    """The client's ``x-runner-request-id`` when it is safe to echo and log, else a new UUID."""
    if presented is not None and _REQUEST_ID.fullmatch(presented):
        return presented
    return _new_uuid4()


def _new_uuid4() -> bytes:
    """A random (version 4) UUID as text; twice as fast as ``str(uuid.uuid4())``."""
    hex_ = os.urandom(16).hex()
    variant = "89ab"[int(hex_[16], 16) & 3]
    return f"{hex_[:8]}-{hex_[8:12]}-4{hex_[13:16]}-{variant}{hex_[17:20]}-{hex_[20:]}".encode()
