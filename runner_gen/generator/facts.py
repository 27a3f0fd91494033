"""Facts derived from the whole registry, each computed once in a single pass: the middleware
chain of every task and resource (``everywhere`` middleware included), the hooks of every event
in call order, and what each tag marks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runner_gen.definitions.kinds import (
    Hook,
    MiddlewareAttachment,
    Resource,
    ResourceMiddleware,
    Task,
    TaskMiddleware,
)
from runner_gen.generator.builtin_ids import EXCLUDE_FROM_GLOBAL_HOOKS, EXPOSURE_TAG, FALLBACK_ID
from runner_gen.generator.problems import Problems
from runner_gen.generator.resolve import Registry
from runner_gen.generator.validate import carries_tag


@dataclass(frozen=True, slots=True)
class ChainEntry:
    """One middleware of a chain: ``position`` is its index in the owner's own list, or None
    for an ``everywhere`` middleware (which wraps outside the owner's list, as Runner's global
    middleware do)."""

    attachment: MiddlewareAttachment[Any]
    position: int | None


class Facts:
    def __init__(self, registry: Registry, problems: Problems) -> None:
        self._registry = registry
        self.chains: dict[str, tuple[ChainEntry, ...]] = {}
        self.hooks: dict[str, tuple[str, ...]] = {}
        self.tagged: dict[str, tuple[str, ...]] = {}
        self._collect_chains(problems)
        self._collect_hooks()
        self._collect_tagged()

    def _collect_chains(self, problems: Problems) -> None:
        everywhere: dict[type, list[tuple[Any, MiddlewareAttachment[Any]]]] = {
            TaskMiddleware: [],
            ResourceMiddleware: [],
        }
        for registration in self._registry.entries.values():
            middleware = registration.definition
            if (
                isinstance(middleware, TaskMiddleware | ResourceMiddleware)
                and middleware.everywhere
            ):
                # Registered as ``middleware.with_(config)``: applied everywhere with that
                # config (Runner's configured global middleware); bare: its default config.
                attachment = registration.attachment
                if not isinstance(attachment, MiddlewareAttachment):
                    attachment = MiddlewareAttachment(middleware, None, middleware.source)
                everywhere[type(middleware)].append((middleware, attachment))
        for node_id, registration in self._registry.entries.items():
            definition = registration.definition
            if not isinstance(definition, Task | Resource):
                continue
            own = list(getattr(definition, "middleware", ()))
            listed = {attachment.middleware.id for attachment in own}
            kind = TaskMiddleware if isinstance(definition, Task) else ResourceMiddleware
            entries: list[ChainEntry] = []
            # Built-ins and exposures are the generator's own code, not the app's: everywhere
            # middleware wrap what the app defines.
            own_code = node_id.startswith("globals.") or carries_tag(definition, EXPOSURE_TAG)
            for middleware, attachment in () if own_code else everywhere[kind]:
                if middleware.id in listed:
                    continue
                if _applies(middleware, definition, problems):
                    entries.append(ChainEntry(attachment, None))
            entries.extend(
                ChainEntry(attachment, position) for position, attachment in enumerate(own)
            )
            self.chains[node_id] = tuple(entries)

    def _collect_hooks(self) -> None:
        exact: dict[str, list[tuple[int, int, int, str]]] = {}
        wildcard: list[tuple[int, int, int, str]] = []
        for index, registration in enumerate(self._registry.entries.values()):
            hook = registration.definition
            if not isinstance(hook, Hook):
                continue
            if hook.on == "*":
                wildcard.append((hook.order, 1, index, hook.id))
            else:
                for event in hook.on:
                    exact.setdefault(event.id, []).append((hook.order, 0, index, hook.id))
        for node_id, registration in self._registry.entries.items():
            event = registration.definition
            if getattr(event, "kind", None) != "event":
                continue
            matches = list(exact.get(node_id, ()))
            if not carries_tag(event, EXCLUDE_FROM_GLOBAL_HOOKS):
                matches.extend(wildcard)
            # By order, then exact listeners before "*" ones, then registration order.
            self.hooks[node_id] = tuple(hook_id for *_, hook_id in sorted(matches))

    def _collect_tagged(self) -> None:
        tagged: dict[str, list[str]] = {}
        for node_id, registration in self._registry.entries.items():
            definition = registration.definition
            if isinstance(definition, Task | Resource):
                for use in definition.tags:
                    marked = tagged.setdefault(use.tag.id, [])
                    if node_id not in marked:
                        marked.append(node_id)
        self.tagged = {tag_id: tuple(ids) for tag_id, ids in tagged.items()}


def fallback_task(attachment: MiddlewareAttachment[Any]) -> Task[Any, Any] | None:
    """The task a fallback middleware falls back to, when its config names one."""
    fallback = getattr(attachment.config, "fallback", None)
    if attachment.middleware.id == FALLBACK_ID and isinstance(fallback, Task):
        return fallback
    return None


def _applies(middleware: Any, definition: Any, problems: Problems) -> bool:
    predicate = middleware.everywhere
    if not callable(predicate):
        return bool(predicate)
    try:
        return bool(predicate(definition))
    except Exception as error:  # user code, evaluated at build time
        problems.add(
            "invalid_selector",
            f'the everywhere predicate of "{middleware.id}" raised '
            f"{type(error).__name__}: {error} for {definition.id!r}",
            middleware.source,
            "Make the predicate total: return False for definitions it does not recognise.",
        )
        return False
