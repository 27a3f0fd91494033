"""Schema validation for configs, inputs and payloads, through pydantic's TypeAdapter."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cache
from typing import Any

from pydantic import PydanticSchemaGenerationError, TypeAdapter, ValidationError

from runner_gen.definitions.errors import DefinitionError
from runner_gen.definitions.source import Source


@cache
def _adapter(schema: Any) -> TypeAdapter[Any]:
    return TypeAdapter(schema)


def validate_config(
    subject: str, owner_id: str, schema: object, value: object, source: Source
) -> object:
    """Validate ``value`` against ``schema``; an instance of a schema class passes unchanged."""
    if isinstance(schema, type) and isinstance(value, schema):
        return value
    if dataclasses.is_dataclass(schema) and isinstance(value, dict):
        # pydantic ignores unknown keys for dataclasses; a typo in a config must not pass.
        known = {f.name for f in dataclasses.fields(schema)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise DefinitionError(
                f"{subject} validation failed for {owner_id}: unknown field(s) "
                f"{', '.join(unknown)} (expected some of: {', '.join(sorted(known))})",
                source=source,
            )
    try:
        return _adapter(schema).validate_python(value)
    except ValidationError as error:
        raise DefinitionError(
            f"{subject} validation failed for {owner_id}: {_summary(error)}",
            source=source,
        ) from None
    except PydanticSchemaGenerationError as error:
        # Dataclasses holding callables or protocols (the built-in middleware configs) are not
        # pydantic-describable; their own constructor and __post_init__ validate them.
        if dataclasses.is_dataclass(schema) and isinstance(value, dict):
            return _construct(subject, owner_id, schema, value, source)
        raise DefinitionError(
            f"{subject} schema of {owner_id} is not usable: {error}", source=source
        ) from None


def _construct(
    subject: str, owner_id: str, schema: Any, value: dict[str, Any], source: Source
) -> object:
    try:
        return schema(**value)
    except (TypeError, ValueError) as error:
        raise DefinitionError(
            f"{subject} validation failed for {owner_id}: {error}", source=source
        ) from None


def config_from_call(config: object, fields: dict[str, object]) -> object:
    """``with_(config)`` or ``with_(**fields)``: one or the other, never both."""
    if fields:
        if config is not None:
            raise TypeError("pass either a config object or keyword fields, not both")
        return fields
    return config


def validator_for(schema: object) -> Callable[[object], object]:
    return _adapter(schema).validate_python


def _summary(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in item["loc"]) or "<root>"
        parts.append(f"{location}: {item['msg']}")
    return "; ".join(parts)
