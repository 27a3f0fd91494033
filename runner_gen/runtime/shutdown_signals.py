"""Counting shutdown signals, with a third one that exits even when the event loop is stuck.

The handlers are plain ``signal.signal`` handlers, not ``loop.add_signal_handler``: asyncio's
run only when the loop gets control back, so a sync disposer blocking the loop would make every
signal wait behind it. Ours run in the main thread between bytecodes (a blocking syscall is
interrupted for them): the first two hand over to the loop with ``call_soon_threadsafe``; the
third calls ``os._exit`` right there.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from types import FrameType
from typing import Final

#: The exit status of a shutdown the operator forced: what a shell reports for the signal.
SIGNAL_EXIT_BASE: Final = 128


def say(message: str) -> None:
    print(f"runner-gen: {message}", file=sys.stderr, flush=True)


class ShutdownRequests:
    """First signal: ``requested`` (graceful shutdown). Second: ``skip`` (skip the drain).
    Third: exit at once with ``128 + signal``, without waiting for anything."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, signals: tuple[signal.Signals, ...]
    ) -> None:
        self._loop = loop
        self._signals = signals
        self.count = 0
        self.last: signal.Signals | None = None
        self.requested: asyncio.Future[None] = loop.create_future()
        self.skip: asyncio.Future[None] = loop.create_future()
        for sig in signals:
            signal.signal(sig, self._received)

    @property
    def forced_exit_code(self) -> int:
        """``128 + signal`` of the last signal (SIGTERM: 143, SIGINT: 130)."""
        return SIGNAL_EXIT_BASE + int(self.last or signal.SIGINT)

    def _received(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        self.last = signal.Signals(signum)
        name = self.last.name
        # os.write, not print(): the signal may land in the middle of a print, and a buffered
        # stream is not reentrant. Written here, not on the loop, so it shows even when the
        # loop is blocked.
        if self.count >= 3:
            _write(f"received {name} a third time; exiting now")
            os._exit(SIGNAL_EXIT_BASE + signum)
        if self.count == 1:
            _write(
                f"received {name}; shutting down gracefully "
                "(send it again to skip the drain, a third time to stop at once)"
            )
        else:
            _write(
                f"received {name} again; skipping the drain: calls in flight are abandoned, "
                "disposers still run (a third signal exits at once)"
            )
        self._loop.call_soon_threadsafe(self._on_loop, self.count)

    def _on_loop(self, count: int) -> None:
        step = self.requested if count == 1 else self.skip
        if not step.done():
            step.set_result(None)


def _write(message: str) -> None:
    os.write(2, f"runner-gen: {message}\n".encode())
