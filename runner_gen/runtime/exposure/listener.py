"""The listening socket, and what happens when the process runs out of file descriptors.

When ``accept()`` fails with EMFILE, CPython's accept loop reports the error and retries once
per pending connection in the backlog, each time with a traceback and a new retry timer: under a
connection flood that is millions of tracebacks and a loop that never catches up. This socket
handles EMFILE itself instead: it closes a reserved descriptor, accepts the pending connection
and closes it at once (the client sees a clean close instead of hanging in the backlog), then
takes the reserve back. The condition is logged as one throttled line.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
from typing import Any

from runner_gen.runtime.exposure.errors import ExposureStartError
from runner_gen.runtime.exposure.throttle import ThrottledWarning

_logger = logging.getLogger("runner_gen.exposure")
_OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE)


class SheddingSocket(socket.socket):
    """A listening socket whose ``accept`` sheds connections instead of failing on EMFILE."""

    def __init__(self, family: int, kind: int, proto: int) -> None:
        super().__init__(family, kind, proto)
        self._reserve: int | None = _open_reserve()
        self._end_tick = False
        self.exhausted = ThrottledWarning(
            _logger,
            "exposure.server.fd_exhausted",
            "the process is out of file descriptors; new connections are closed on arrival",
        )

    def accept(self) -> tuple[socket.socket, Any]:
        if self._end_tick:
            # asyncio keeps calling accept() after an error it reports; end its loop here.
            self._end_tick = False
            raise BlockingIOError(errno.EAGAIN, "accept loop ended after EMFILE")
        try:
            return super().accept()
        except OSError as error:
            if error.errno not in _OUT_OF_DESCRIPTORS:
                raise
            self.exhausted()
            self._end_tick = True
            if self._shed_one():
                raise BlockingIOError(errno.EAGAIN, "connection shed") from None
            # No reserve to shed with: let asyncio pause accepting for a second (its own
            # backoff); its report of the error is filtered by the server into our line.
            raise

    def _shed_one(self) -> bool:
        """Accept one pending connection with the reserved descriptor and close it."""
        if self._reserve is None:
            self._reserve = _open_reserve()
            return False
        os.close(self._reserve)
        self._reserve = None
        try:
            connection, _ = super().accept()
            connection.close()
        except OSError:
            pass  # the client gave up meanwhile, or the fd went elsewhere: nothing to shed
        self._reserve = _open_reserve()
        return True

    def close(self) -> None:
        if self._reserve is not None:
            os.close(self._reserve)
            self._reserve = None
        super().close()


def _open_reserve() -> int | None:
    try:
        return os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


def listen(host: str, port: int, backlog: int) -> SheddingSocket:
    """A bound, listening socket; ExposureStartError when the address cannot be used."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP (socket.create_server leaves 0): asyncio only sets TCP_NODELAY
    # on accepted sockets whose proto says TCP, and without it every keep-alive response waits
    # ~40 ms for a delayed ACK (Nagle), capping a connection at ~25 requests/s.
    sock = SheddingSocket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as error:
        sock.close()
        raise ExposureStartError(
            f"Cannot listen on {host}:{port}: {error.strerror or error}",
            remediation="Choose a free port (0 picks one) and an address of this machine.",
        ) from error
    return sock


def is_accept_exhaustion(context: dict[str, Any]) -> bool:
    """Whether an asyncio error report is its "out of system resource" accept failure."""
    error = context.get("exception")
    return (
        isinstance(error, OSError)
        and error.errno in _OUT_OF_DESCRIPTORS
        and "accept" in str(context.get("message", ""))
    )
