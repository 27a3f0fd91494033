"""``.with_(...)``: attach a config to a resource, middleware or tag, validated on the spot.

Configs merge as in Runner 5.5: a tag's base config (``.config(...)``) is the start of every
attachment's config, and ``.with_()`` on a configured middleware adds to its config. Keywords
and mappings merge field by field over the base; a config *instance* replaces it whole (it
already has a value for every field).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from runner_gen.definitions.errors import DefinitionError
from runner_gen.definitions.source import caller_source
from runner_gen.definitions.validation import config_from_call, validate_config

if TYPE_CHECKING:
    from runner_gen.definitions.kinds import (
        MiddlewareAttachment,
        Resource,
        ResourceMiddleware,
        ResourceWithConfig,
        Tag,
        TagAttachment,
        TaskMiddleware,
    )

ConfigT = TypeVar("ConfigT")
ValueT = TypeVar("ValueT")

# Frames between the user's `.with_(...)` call and `caller_source`: with_ -> attach_* -> here.
_USER_FRAME = 3


def attach_config(
    resource: Resource[ConfigT, ValueT], config: object, fields: dict[str, object]
) -> ResourceWithConfig[ConfigT, ValueT]:
    from runner_gen.definitions.kinds import ResourceWithConfig

    source = caller_source(_USER_FRAME)
    value = config_from_call(config, fields)
    if resource.config_schema is None:
        raise DefinitionError(
            f'Resource "{resource.id}" has no config schema, so it cannot take a config',
            source=source,
            remediation="Declare .config_schema(YourConfig) on the resource builder.",
        )
    value = validate_config("Resource config", resource.id, resource.config_schema, value, source)
    return ResourceWithConfig(resource, cast("ConfigT", value), source)


def attach_middleware(
    middleware: TaskMiddleware[ConfigT] | ResourceMiddleware[ConfigT],
    config: object,
    fields: dict[str, object],
    base: object = None,
) -> MiddlewareAttachment[ConfigT]:
    """``middleware.with_(...)``, or ``attachment.with_(...)`` with the attachment's config as
    ``base`` (Runner's ``.with()`` on a configured middleware merges into its config)."""
    from runner_gen.definitions.kinds import MiddlewareAttachment

    source = caller_source(_USER_FRAME)
    value = merge_config(base, config_from_call(config, fields))
    if middleware.config_schema is not None:
        value = validate_config(
            "Middleware config", middleware.id, middleware.config_schema, value or {}, source
        )
    return MiddlewareAttachment(middleware, cast("ConfigT", value), source)


def attach_tag(
    tag: Tag[ConfigT], config: object, fields: dict[str, object]
) -> TagAttachment[ConfigT]:
    from runner_gen.definitions.kinds import TagAttachment

    source = caller_source(_USER_FRAME)
    value: Any = merge_config(tag.default_config, config_from_call(config, fields))
    if tag.config_schema is not None:
        value = validate_config("Tag config", tag.id, tag.config_schema, value, source)
    return TagAttachment(tag, cast("ConfigT", value), source)


def merge_config(base: object, override: object) -> object:
    """``override`` laid over ``base``: field by field when ``override`` is a mapping and
    ``base`` has fields (a mapping, dataclass or pydantic model); otherwise whichever is set."""
    if override is None:
        return base
    if not isinstance(override, Mapping):
        return override
    base_fields = _fields_of(base)
    if base_fields is None:
        return override
    return {**base_fields, **override}


def _fields_of(config: object) -> dict[str, object] | None:
    if isinstance(config, Mapping):
        return dict(config)
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    model_fields = getattr(type(config), "model_fields", None)
    if isinstance(model_fields, Mapping):
        return {name: getattr(config, name) for name in model_fields}
    return None
