"""Custom middleware: what a user's middleware function receives, and how it joins a chain."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from runner_gen.runtime.info import DefinitionInfo, Next


class TaskCall:
    """One call going through a task middleware: the task, its input, and the rest of the chain.

    ``await call.next(call.input)`` continues; return a value instead to short-circuit.
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


def custom_task_layer(
    run: Callable[[TaskCall], Awaitable[Any]], info: DefinitionInfo, next: Next
) -> Next:
    """Wrap ``next`` with a user's task middleware (``run`` already has config and deps bound)."""

    def layer(input: Any) -> Awaitable[Any]:
        return run(TaskCall(info, input, next))

    return layer


def custom_resource_layer(
    run: Callable[[ResourceCall], Awaitable[Any]], info: DefinitionInfo, next: Next
) -> Next:
    def layer(config: Any) -> Awaitable[Any]:
        return run(ResourceCall(info, config, next))

    return layer
