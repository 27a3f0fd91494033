"""The static route table the generated ``exposure.py`` hands to the app: one entry per exposed id.

The mappings given to ``ExposureApp`` are the allow-list: an id that is not in them is refused
exactly like an id that does not exist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


def identity(value: Any) -> Any:
    """The default codec: the value is already what the next step expects."""
    return value


@dataclass(frozen=True, slots=True)
class TaskRoute:
    """An exposed task.

    ``call`` is the wired task, middleware included. ``decode_input`` turns the deserialized body
    into the task's input type and raises ``pydantic.ValidationError`` for bad input (a 400);
    ``encode_result`` turns the result into values the serializer can write.
    """

    id: str
    call: Callable[[Any], Awaitable[Any]]
    decode_input: Callable[[Any], Any] = field(default=identity)
    encode_result: Callable[[Any], Any] = field(default=identity)


@dataclass(frozen=True, slots=True)
class EventRoute:
    """An exposed event: ``emit`` runs its hooks; ``decode_payload`` validates the payload.

    ``emit_with_result`` serves ``{"returnPayload": true}`` (Runner's ``emitWithResult``): it
    emits and returns the payload as the hooks left it, written with ``encode_payload``. Leave it
    None for parallel events, whose payload cannot be returned; such requests get 400
    PARALLEL_EVENT_RETURN_UNSUPPORTED, as from Runner.
    """

    id: str
    emit: Callable[[Any], Awaitable[None]]
    decode_payload: Callable[[Any], Any] = field(default=identity)
    emit_with_result: Callable[[Any], Awaitable[Any]] | None = None
    encode_payload: Callable[[Any], Any] = field(default=identity)
