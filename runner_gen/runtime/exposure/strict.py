"""Strict input: what JSON sends must already be the declared type.

Lax pydantic (the default, as Runner's schemas coerce) takes ``"1"`` and ``true`` for an int
and drops unknown fields. Strict mode validates the input the way pydantic's strict JSON mode
does: JSON types must match (a string stays a string), formats carried in strings still parse
(datetimes, UUIDs, decimals, enums by value) and an unknown field is an error. The generated
route decodes with a ``TypeAdapter``'s ``validate_python``; its adapter is reused here.
"""

from __future__ import annotations

import fnmatch
import inspect
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from runner_gen.runtime import serializer


def is_strict(task_id: str, strict_input: bool | tuple[str, ...]) -> bool:
    """Whether the exposure's ``strict_input`` setting covers ``task_id`` (ids and globs)."""
    if isinstance(strict_input, bool):
        return strict_input
    return any(fnmatch.fnmatchcase(task_id, pattern) for pattern in strict_input)


def strict_decoder(task_id: str, decode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A decoder validating like ``decode``'s TypeAdapter, strictly; ValueError when ``decode``
    is not a TypeAdapter's ``validate_python`` (strictness cannot be added to a custom one)."""
    adapter = getattr(decode, "__self__", None)
    if not isinstance(adapter, TypeAdapter) or getattr(decode, "__name__", "") != (
        "validate_python"
    ):
        raise ValueError(
            f"strict_input covers task {task_id!r}, but its input decoder is not a pydantic "
            "TypeAdapter's validate_python, so strict validation cannot be applied"
        )
    validate_json = adapter.validate_json
    if "extra" not in inspect.signature(validate_json).parameters:
        raise ValueError(
            "strict_input needs pydantic >= 2.12 (validate_json(extra=...)) to reject unknown "
            f"fields; task {task_id!r} cannot be validated strictly with this pydantic"
        )

    def decode_strictly(value: Any) -> Any:
        if value is serializer.UNDEFINED:
            value = None
        text = json.dumps(value, default=_json_default, allow_nan=False)
        return validate_json(text, strict=True, extra="forbid")

    return decode_strictly


def _json_default(value: object) -> object:
    # The serializer's typed records decode to these; JSON mode reads them back from text.
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} cannot be validated strictly")
