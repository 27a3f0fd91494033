"""Custom middleware: what a user's middleware function receives, and how it joins a chain.

A custom task layer hands the user's function a ``TaskCall`` per call. Allocating (and freeing)
that object is most of what a layer costs beyond the user's own coroutine, so each layer keeps
its last ``TaskCall`` and reuses it when nothing else can still see it: when the only
references left are the layer's own (checked with ``sys.getrefcount``, calibrated once at
import for this interpreter). A call object the user's code still holds (a coroutine still
running, a list it was stored in, a traceback) has more references and is never reused; the
layer allocates a fresh one instead. Without ``sys.getrefcount`` (not CPython) every call
allocates, as before.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any

from runner_gen.runtime.info import DefinitionInfo, Next


class TaskCall:
    """One call going through a task middleware: the task, its input, and the rest of the chain.

    ``await call.next(call.input)`` continues; return a value instead to short-circuit. Keep
    the object as long as you like: a call object is reused only once nothing refers to it.
    """

    __slots__ = ("input", "next", "task")

    def __init__(self, task: DefinitionInfo, input: Any, next: Next) -> None:
        self.task = task
        self.input = input
        self.next = next


class ResourceCall:
    """A resource init going through a resource middleware: ``await call.next(call.config)``."""

    __slots__ = ("config", "next", "resource")

    def __init__(self, resource: DefinitionInfo, config: Any, next: Next) -> None:
        self.resource = resource
        self.config = config
        self.next = next


def _unshared_count() -> int:
    """What ``getrefcount`` reports inside ``custom_task_layer``'s layer for a call object that
    only the layer refers to (its closure cell and its local), measured with the same shape;
    0 (never equal to a count) where the interpreter has no ``getrefcount``."""
    count = getattr(sys, "getrefcount", None)
    if count is None or not getattr(sys, "_is_gil_enabled", lambda: True)():
        return 0
    spare = TaskCall(DefinitionInfo("probe"), None, _probe_next)

    def layer() -> int:
        nonlocal spare
        call = spare
        return int(count(call))

    return layer()


async def _probe_next(input: Any) -> Any:
    return input  # pragma: no cover - the probe never calls it


_UNSHARED = _unshared_count()


def custom_task_layer(
    run: Callable[[TaskCall], Awaitable[Any]], info: DefinitionInfo, next: Next
) -> Next:
    """Wrap ``next`` with a user's task middleware (``run`` already has config and deps bound)."""
    spare = TaskCall(info, None, next)
    unshared = _UNSHARED
    refcount = getattr(sys, "getrefcount", None) or (lambda _: 0)

    def layer(input: Any) -> Awaitable[Any]:
        nonlocal spare
        call = spare
        if refcount(call) == unshared:
            call.input = input  # nobody else can see it: the previous call is over
        else:
            call = spare = TaskCall(info, input, next)
        return run(call)

    return layer


def custom_resource_layer(
    run: Callable[[ResourceCall], Awaitable[Any]], info: DefinitionInfo, next: Next
) -> Next:
    """Wrap ``next`` with a user's resource middleware (once per start: nothing to reuse)."""

    def layer(config: Any) -> Awaitable[Any]:
        return run(ResourceCall(info, config, next))

    return layer
