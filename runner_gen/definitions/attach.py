"""``.with_(...)``: attach a config to a resource, middleware or tag, validated on the spot."""

from __future__ import annotations

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
) -> MiddlewareAttachment[ConfigT]:
    from runner_gen.definitions.kinds import MiddlewareAttachment

    source = caller_source(_USER_FRAME)
    value = config_from_call(config, fields)
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
    value: Any = config_from_call(config, fields)
    if value is None:
        value = tag.default_config
    if tag.config_schema is not None:
        value = validate_config("Tag config", tag.id, tag.config_schema, value, source)
    return TagAttachment(tag, cast("ConfigT", value), source)
