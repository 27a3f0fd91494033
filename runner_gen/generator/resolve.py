"""Resolve: what is registered. Explicit registrations in Runner's order, the built-ins and tags
something refers to (registered implicitly), overrides applied, dependency maps evaluated once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from runner_gen.definitions.errors import DefinitionError
from runner_gen.definitions.kinds import (
    EMPTY,
    Hook,
    OptionalDependency,
    Override,
    dependencies_of,
)
from runner_gen.generator.builtin_ids import CACHE_ID, READY_EVENT_ID
from runner_gen.generator.load import LoadedApp, Registration
from runner_gen.generator.problems import Problems, kind_label


class Registry:
    """The registered definitions by id, in registration order, with their overrides."""

    def __init__(self, loaded: LoadedApp, problems: Problems) -> None:
        self.loaded = loaded
        self.problems = problems
        self.entries: dict[str, Registration] = {}
        self.overrides: dict[str, Override] = {}
        self._dependencies: dict[int, Mapping[str, Any]] = {}
        for registration in loaded.registrations:
            self._add(registration)
        self._register_referenced_builtins()
        self._register_ready_for_wildcard_hooks()
        self._register_carried_tags()
        self._apply_overrides()

    # -- queries -------------------------------------------------------------------------------

    def definition(self, node_id: str) -> Any:
        return self.entries[node_id].definition

    def dependencies(self, definition: Any) -> Mapping[str, Any]:
        """The dependency map of ``definition``, calling the function form once."""
        key = id(definition)
        resolved = self._dependencies.get(key)
        if resolved is None:
            resolved = self._evaluate_dependencies(definition)
            self._dependencies[key] = resolved
        return resolved

    def effective(self, definition: Any, role: str) -> Callable[..., Any] | None:
        """The function that runs for ``role`` ("init", "run", "dispose"...) after overrides."""
        override = self.overrides.get(definition.id)
        if override is not None:
            if role in {"init", "run"} and override.replacement is not None:
                return override.replacement
            if role == "dispose" and override.dispose is not None:
                return override.dispose
        function: Callable[..., Any] | None = getattr(definition, role, None)
        return function

    # -- building ------------------------------------------------------------------------------

    def _add(self, registration: Registration) -> Registration | None:
        definition = registration.definition
        existing = self.entries.get(definition.id)
        if existing is not None:
            same = existing.definition is definition
            self.problems.add(
                "duplicate_registration",
                f'{kind_label(definition)} "{definition.id}" already registered '
                f"(first at {existing.definition.source})"
                + (" : the same definition was registered twice" if same else ""),
                definition.source,
                "Give each definition a unique id, and register each one once.",
            )
            return None
        self.entries[definition.id] = registration
        return registration

    def _register_referenced_builtins(self) -> None:
        """Built-ins (``globals.*``) are registered implicitly when something refers to them."""
        pending = list(self.entries.values())
        while pending:
            registration = pending.pop()
            for target in self._referenced(registration.definition):
                if target.id in self.entries or not target.id.startswith("globals."):
                    continue
                locator = self.loaded.index.find(target)
                if locator is None:  # pragma: no cover - every global is module-level
                    continue
                added = self._add(Registration(target, None, None, locator))
                if added is not None:
                    pending.append(added)

    def _register_ready_for_wildcard_hooks(self) -> None:
        """Runner emits ``globals.events.ready`` once started; ``"*"`` hooks hear it too."""
        if READY_EVENT_ID in self.entries:
            return
        if any(
            isinstance(r.definition, Hook) and r.definition.on == "*" for r in self.entries.values()
        ):
            from runner_gen.definitions.builtins import ready

            locator = self.loaded.index.find(ready)
            if locator is not None:
                self._add(Registration(ready, None, None, locator))

    def _referenced(self, definition: Any) -> list[Any]:
        found: list[Any] = []
        for dependency in self.dependencies(definition).values():
            if not isinstance(dependency, OptionalDependency):
                found.append(dependency)
        found.extend(attachment.middleware for attachment in getattr(definition, "middleware", ()))
        if isinstance(definition, Hook) and definition.on != "*":
            found.extend(definition.on)
        if definition.id == CACHE_ID:
            from runner_gen.definitions.builtins import cache

            found.append(cache)  # the cache resource is the cache middleware's instance
        return found

    def _register_carried_tags(self) -> None:
        """Built-in tags (``globals.tags.*``) are registered implicitly when carried, as Runner
        registers every global tag; any other carried tag must be registered (Runner's
        ``tagNotFound``)."""
        for registration in list(self.entries.values()):
            definition = registration.definition
            for attachment in getattr(definition, "tags", ()):
                tag = attachment.tag
                if tag.id in self.entries:
                    continue
                if tag.id.startswith("globals."):
                    locator = self.loaded.index.find(tag)
                    if locator is not None:
                        self._add(Registration(tag, None, None, locator))
                    continue
                self.problems.add(
                    "tag_not_registered",
                    f'Tag "{tag.id}" not registered. Did you forget to register it inside a '
                    f'resource? (carried by {kind_label(definition)} "{definition.id}")',
                    attachment.source,
                    f"Register \"{tag.id}\" through a resource's .register(...) (the app's root "
                    "or any resource it registers).",
                )

    def _apply_overrides(self) -> None:
        """Overrides come in Runner's order (a resource's own after those of what it
        registers, so the root's come last): when several target one id, the last wins -- the
        one declared nearest the root, or the last listed in one resource."""
        for override in self.loaded.overrides:
            target_id = override.target.id
            if target_id not in self.entries:
                self.problems.add(
                    "override_target_not_registered",
                    f'Override target "{target_id}" is not registered, so it cannot be overridden',
                    override.source,
                    f'Register "{target_id}" in the app, or drop the override.',
                )
            else:
                self.overrides[target_id] = override

    def _evaluate_dependencies(self, definition: Any) -> Mapping[str, Any]:
        try:
            return dependencies_of(definition)
        except DefinitionError as error:
            self.problems.add("invalid_dependency", error.message, error.source)
        except Exception as error:
            self.problems.add(
                "invalid_dependency",
                f'the dependencies function of "{definition.id}" raised '
                f"{type(error).__name__}: {error}",
                definition.source,
            )
        return EMPTY
