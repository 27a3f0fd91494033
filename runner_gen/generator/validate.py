"""Validate references: every dependency, middleware, tag and hooked event is registered and
of a kind that fits, and every phantom task is routed somewhere."""

from __future__ import annotations

from typing import Any

from runner_gen.definitions.kinds import (
    Hook,
    MiddlewareAttachment,
    OptionalDependency,
    ResourceMiddleware,
    Tag,
    TagAttachment,
    Task,
    TaskMiddleware,
)
from runner_gen.generator.builtin_ids import STORE_ID
from runner_gen.generator.problems import Problems, kind_label
from runner_gen.generator.resolve import Registry

_TAG_TARGET_OF_KIND = {
    "task": "tasks",
    "resource": "resources",
    "event": "events",
    "hook": "hooks",
    "task_middleware": "task_middleware",
    "resource_middleware": "resource_middleware",
}


def check_references(registry: Registry, routed_tasks: set[str], problems: Problems) -> None:
    for registration in list(registry.entries.values()):
        definition = registration.definition
        _check_dependencies(registry, definition, problems)
        for attachment in getattr(definition, "middleware", ()):
            _check_middleware(registry, definition, attachment, problems)
        for tag in getattr(definition, "tags", ()):
            _check_tag_target(definition, tag, problems)
        if isinstance(definition, Hook) and definition.on != "*":
            for event in definition.on:
                if event.id not in registry.entries:
                    problems.add(
                        "event_not_found",
                        f'Hook "{definition.id}" listens to event "{event.id}", which is '
                        "not registered",
                        definition.source,
                        f'Register "{event.id}" in the app, or remove it from .on(...).',
                    )
        if (
            isinstance(definition, Task)
            and definition.phantom
            and definition.id not in routed_tasks
        ):
            problems.add(
                "phantom_task_not_routed",
                f'Phantom task "{definition.id}" has no implementation and no client '
                "tunnel routes it",
                definition.source,
                "Route it through a client tunnel, or give it a .run(...) function.",
            )


def carries_tag(definition: Any, tag_id: str) -> bool:
    return any(use.tag.id == tag_id for use in getattr(definition, "tags", ()))


def _check_dependencies(registry: Registry, definition: Any, problems: Problems) -> None:
    for key, dependency in registry.dependencies(definition).items():
        optional = isinstance(dependency, OptionalDependency)
        target = dependency.target if optional else dependency
        registered = registry.entries.get(target.id)
        if registered is None and not optional and target.id != STORE_ID:
            problems.add(
                "dependency_not_found",
                f'Dependency "{key}" of {kind_label(definition)} "{definition.id}" '
                f'refers to "{target.id}", which is not registered',
                definition.source,
                f'Register "{target.id}" through a resource\'s .register(...), or make '
                f"the dependency optional with .optional().",
            )
        elif registered is not None and registered.definition is not target:
            problems.add(
                "dependency_not_found",
                f'Dependency "{key}" of "{definition.id}" refers to a different '
                f'definition than the registered "{target.id}"',
                definition.source,
                "Depend on the very definition object you register.",
            )
        if isinstance(target, Tag) and carries_tag(definition, target.id):
            problems.add(
                "tag_self_dependency",
                f'"{definition.id}" carries the tag "{target.id}" and also depends on it',
                definition.source,
            )


def _check_middleware(
    registry: Registry, owner: Any, attachment: MiddlewareAttachment[Any], problems: Problems
) -> None:
    middleware = attachment.middleware
    expected = TaskMiddleware if isinstance(owner, Task) else ResourceMiddleware
    if not isinstance(middleware, expected):
        problems.add(
            "middleware_kind_mismatch",
            f'"{owner.id}" uses {kind_label(middleware)} "{middleware.id}", which cannot '
            f"wrap a {kind_label(owner).lower()}",
            attachment.source,
        )
    if middleware.id not in registry.entries:
        problems.add(
            "middleware_not_registered",
            f'Middleware inside {kind_label(owner)} "{owner.id}" depends on '
            f'"{middleware.id}" but it\'s not registered',
            attachment.source,
            f'Register "{middleware.id}" through a resource\'s .register(...).',
        )


def _check_tag_target(owner: Any, attachment: TagAttachment[Any], problems: Problems) -> None:
    tag = attachment.tag
    target = _TAG_TARGET_OF_KIND.get(getattr(owner, "kind", ""), "")
    if tag.targets is not None and target not in tag.targets:
        allowed = ", ".join(sorted(tag.targets))
        problems.add(
            "tag_target_not_allowed",
            f'Tag "{tag.id}" cannot be used on {kind_label(owner).lower()} "{owner.id}" '
            f"(it is for: {allowed})",
            attachment.source,
            f'Remove the tag, or add "{target}" to the tag\'s .for_(...).',
        )
