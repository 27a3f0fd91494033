"""What hooks receive when an event is emitted, and the emitter type tasks depend on."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeAlias, TypeVar

PayloadT = TypeVar("PayloadT")
PayloadT_co = TypeVar("PayloadT_co", covariant=True)

#: An injected event emitter: ``await user_registered(User(...))``.
Emit: TypeAlias = Callable[[PayloadT], Awaitable[None]]


class Emission(Generic[PayloadT_co]):
    """One emission of an event, passed to each of its hooks in order.

    A hook may call ``stop_propagation()`` so that later hooks do not run.
    """

    __slots__ = ("_data", "_stopped", "id", "source", "timestamp")

    def __init__(self, id: str, data: PayloadT_co, source: str = "") -> None:
        self.id = id
        self._data = data
        self.source = source
        self.timestamp = time.time()
        self._stopped = False

    @property
    def data(self) -> PayloadT_co:
        return self._data

    def stop_propagation(self) -> None:
        self._stopped = True

    def is_propagation_stopped(self) -> bool:
        return self._stopped

    def __repr__(self) -> str:
        return f"Emission({self.id!r}, {self._data!r})"
