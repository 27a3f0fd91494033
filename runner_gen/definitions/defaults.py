"""Default configs for definitions registered without ``.with_(...)``.

Generated code calls ``default_config`` once at start for such registrations; the generator
calls it at build time first, so a schema that needs explicit values fails the build instead.
"""

from __future__ import annotations

from typing import Any

from runner_gen.definitions.validation import validate_config


def default_config(definition: Any) -> Any:
    """The config a bare registration gets: the schema validated against no fields."""
    schema = getattr(definition, "config_schema", None)
    if schema is None:
        return None
    return validate_config("Default config", definition.id, schema, {}, definition.source)


def untyped(value: object) -> Any:
    """Mark navigation through definition objects as untyped (used by generated ``start()``)."""
    return value
