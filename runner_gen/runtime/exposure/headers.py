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


class _RandomHex:
    """Random hex digits drawn from the OS a page at a time: ``os.urandom`` is a system call,
    and where system calls are expensive (sandboxed kernels) one per request was measured at
    ~15 us, as much as the rest of the exposure's work together."""

    __slots__ = ("_digits", "_offset")

    _PAGE = 4096  # bytes per draw: 256 request ids

    def __init__(self) -> None:
        self._digits = ""
        self._offset = self._PAGE * 2

    def take32(self) -> str:
        offset = self._offset
        if offset >= self._PAGE * 2:
            self._digits = os.urandom(self._PAGE).hex()
            offset = 0
        self._offset = offset + 32
        return self._digits[offset : offset + 32]


_RANDOM = _RandomHex()
# The variant nibble of an RFC 4122 UUID is 10xx: map any random hex digit onto 8, 9, a or b.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def _new_uuid4() -> bytes:
    """A random (version 4) UUID as text, several times faster than ``str(uuid.uuid4())``."""
    h = _RANDOM.take32()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}".encode()
