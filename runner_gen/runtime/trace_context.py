"""Process-wide switch for trace propagation, free of dependencies.

Off by default: the HTTP transports and the exposure check one attribute and do nothing more.
``runner_gen.runtime.tracing`` (the ``otel`` extra) turns it on when an app registers
``globals.resources.tracing``, installing the hooks below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import TypeAlias

#: Opens a CLIENT span for an outgoing call and returns the headers that carry it.
ClientSpan: TypeAlias = Callable[[str], AbstractContextManager[dict[str, str]]]
#: Opens a SERVER span continuing the trace of incoming headers (ASGI ``(name, value)`` bytes).
ServerSpan: TypeAlias = Callable[[str, Iterable[tuple[bytes, bytes]]], AbstractContextManager[None]]


def _no_client_span(name: str) -> AbstractContextManager[dict[str, str]]:
    return nullcontext({})


def _no_server_span(
    name: str, headers: Iterable[tuple[bytes, bytes]]
) -> AbstractContextManager[None]:
    return nullcontext()


class TraceHooks:
    __slots__ = ("client_span", "enabled", "server_span")

    def __init__(self) -> None:
        self.enabled = False
        self.client_span: ClientSpan = _no_client_span
        self.server_span: ServerSpan = _no_server_span

    def install(self, client_span: ClientSpan, server_span: ServerSpan) -> None:
        self.client_span = client_span
        self.server_span = server_span
        self.enabled = True

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]


HOOKS = TraceHooks()
