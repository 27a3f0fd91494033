"""What the server itself enforces before a request reaches the app: the connection-level limits.

uvicorn has no header-read deadline, buffers an unfinished header without bound and takes every
connection it can accept; these limits close those gaps (see ``guard.py``). The defaults follow
Node's HTTP server where Runner users would expect its behaviour (16 KiB of header, 431 above)
and Go's ``ReadHeaderTimeout`` practice for the header deadline.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass

#: Node's default ``maxHeaderSize``: a larger head gets 431.
DEFAULT_MAX_HEADER_BYTES = 16 * 1024
DEFAULT_MAX_HEADERS = 100
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_KEEP_ALIVE_TIMEOUT = 5.0
DEFAULT_BODY_TIMEOUT = 30.0
#: Upper bound of the derived connection cap when the fd limit is huge (or unlimited).
_CONNECTION_CAP_CEILING = 10_000


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """Connection-level limits of a served exposure.

    ``header_timeout``: seconds a connection may take to deliver a complete request head,
    counted from its opening (first request) or from the first byte of a later request; past
    it the server answers 408 and closes. ``keep_alive_timeout``: seconds an idle kept-alive
    connection stays open between requests. ``body_timeout``: seconds the body may take once
    the head is in; past it the request's task is cancelled (the exposure answers 408), or the
    connection closed when nobody reads the body any more. ``max_header_bytes`` /
    ``max_headers``: a larger request head gets 431 and the connection is closed.
    ``max_connections``: connections over the cap are answered 503 and closed as soon as they
    are accepted; None derives the cap from the process's file-descriptor limit, so the server
    sheds connections before ``accept`` runs out of fds.
    """

    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    keep_alive_timeout: float = DEFAULT_KEEP_ALIVE_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_headers: int = DEFAULT_MAX_HEADERS
    max_connections: int | None = None

    def __post_init__(self) -> None:
        for name in ("header_timeout", "keep_alive_timeout", "body_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        for name in ("max_header_bytes", "max_headers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.max_connections is not None and self.max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, got {self.max_connections}")

    @property
    def connection_cap(self) -> int:
        """``max_connections``, or the cap derived from the fd limit."""
        if self.max_connections is not None:
            return self.max_connections
        return derived_connection_cap()


def derived_connection_cap() -> int:
    """Connections the fd limit can carry while leaving room for the app's own files, sockets
    and pools: an eighth of the soft limit (at least 32) is kept in reserve."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft > _CONNECTION_CAP_CEILING * 2:
        return _CONNECTION_CAP_CEILING
    reserve = max(32, soft // 8)
    return max(1, min(_CONNECTION_CAP_CEILING, soft - reserve))
