"""Decide, at build time, which tasks and events run through client tunnels and which ones each
HTTP exposure serves. Selectors are exact ids, globs or predicates. An exact id in a tunnel
selector that names nothing registered is an error, as Runner 5.5 fails startup on it
(``tunnelTaskNotFound`` / ``tunnelEventNotFound``); a glob (an extension of ours) or an exposure
allow-list entry that matches nothing is a warning; a task claimed by two tunnels is an error."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from runner_gen.definitions.defaults import default_config
from runner_gen.definitions.errors import DefinitionError
from runner_gen.definitions.kinds import Event, Task
from runner_gen.generator.load import Registration
from runner_gen.generator.problems import Problem

EXPOSURE_TAG = "globals.tags.http_exposure"
TUNNEL_TAG = "globals.tags.tunnel"
_GLOB = frozenset("*?[")


@dataclass
class Routing:
    task_tunnels: dict[str, str] = field(default_factory=dict)  # task id -> tunnel resource id
    #: event id -> (tunnel id, delivery mode, return_payload)
    event_tunnels: dict[str, tuple[str, str, bool]] = field(default_factory=dict)
    exposures: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    consuming: set[str] = field(default_factory=set)  # tunnels that deliver events to hooks here
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def carries(definition: Any, tag_id: str) -> bool:
    return any(use.tag.id == tag_id for use in getattr(definition, "tags", ()))


def resolve_routing(registrations: Iterable[Registration]) -> Routing:
    items = list(registrations)
    tasks = [r.definition for r in items if isinstance(r.definition, Task)]
    events = [r.definition for r in items if isinstance(r.definition, Event)]
    routing = Routing()
    for registration in items:
        definition = registration.definition
        if carries(definition, TUNNEL_TAG):
            config = _config(registration, routing)
            if config is not None:
                _route_tunnel(definition, config, tasks, events, routing)
                if getattr(config, "consume", False):
                    routing.consuming.add(definition.id)
        if carries(definition, EXPOSURE_TAG):
            config = _config(registration, routing)
            if config is not None:
                served_tasks = _select(
                    definition, "allow_task_ids", config.allow_task_ids, tasks, routing
                )
                served_events = _select(
                    definition, "allow_event_ids", config.allow_event_ids, events, routing
                )
                routing.exposures[definition.id] = (served_tasks, served_events)
                credentials = (config.tokens, config.tokens_env, config.verify, config.principal)
                if not any(credentials) and not config.allow_anonymous:
                    routing.warnings.append(
                        f'{definition.source}: warning: exposure "{definition.id}" has no auth '
                        "(no tokens, tokens_env, verify or principal) and allow_anonymous is "
                        "False: it will refuse to start"
                    )
    return routing


def _config(registration: Registration, routing: Routing) -> Any:
    if registration.attachment is not None:
        return registration.attachment.config
    try:
        return default_config(registration.definition)
    except DefinitionError as error:
        routing.problems.append(
            Problem(
                "resource_config_missing",
                f'"{registration.definition.id}" needs a config: {error.message}',
                registration.definition.source,
                "Register it with .with_(...).",
            )
        )
        return None


def _route_tunnel(
    tunnel: Any, config: Any, tasks: list[Any], events: list[Any], routing: Routing
) -> None:
    for task_id in _select(tunnel, "tasks", config.tasks, tasks, routing, strict=True):
        owner = routing.task_tunnels.setdefault(task_id, tunnel.id)
        if owner != tunnel.id:
            routing.problems.append(
                Problem(
                    "tunnel_ownership_conflict",
                    f'Task "{task_id}" is selected by two tunnels: "{owner}" and "{tunnel.id}"',
                    tunnel.source,
                    "Narrow one tunnel's task selector; a task runs in one place.",
                )
            )
    for event_id in _select(tunnel, "events", config.events, events, routing, strict=True):
        # Only HTTP tunnels can ask for the remote's payload (a Redis stream has no answer).
        asks = bool(getattr(config, "return_payload", False))
        routing.event_tunnels.setdefault(event_id, (tunnel.id, config.event_delivery, asks))


def _select(
    owner: Any,
    field_name: str,
    selector: tuple[str, ...] | Callable[[Any], bool],
    candidates: list[Any],
    routing: Routing,
    *,
    strict: bool = False,
) -> list[str]:
    if callable(selector):
        chosen = []
        for candidate in candidates:
            try:
                if selector(candidate):
                    chosen.append(candidate.id)
            except Exception as error:  # user code, evaluated at build time
                routing.problems.append(
                    Problem(
                        "invalid_selector",
                        f'the {field_name} predicate of "{owner.id}" raised '
                        f"{type(error).__name__}: {error} for {candidate.id!r}",
                        owner.source,
                    )
                )
                return []
        return chosen
    chosen = []
    for pattern in selector:
        matched = [
            c.id
            for c in candidates
            if (fnmatchcase(c.id, pattern) if _GLOB & set(pattern) else c.id == pattern)
        ]
        if not matched and strict and not _GLOB & set(pattern):
            kind = "Task" if field_name == "tasks" else "Event"
            routing.problems.append(
                Problem(
                    f"tunnel_{kind.lower()}_not_found",
                    f'{kind} "{pattern}" not found while resolving the {field_name} of tunnel '
                    f'"{owner.id}"',
                    owner.source,
                    f'Register {kind.lower()} "{pattern}" in the app'
                    + (
                        " (r.task.phantom(...) for one only the remote side runs)"
                        if kind == "Task"
                        else ""
                    )
                    + ", or remove it from the selector.",
                )
            )
        elif not matched and strict:
            routing.warnings.append(
                f'{owner.source}: warning: {field_name} pattern "{pattern}" of "{owner.id}" '
                "matches nothing registered"
            )
        elif not matched:
            # An exposure pattern with a typo silently removes an endpoint (and its client
            # method): fail the build, as Runner fails startup on an unknown id.
            routing.problems.append(
                Problem(
                    "selector_matches_nothing",
                    f'{field_name} pattern "{pattern}" of "{owner.id}" matches nothing registered',
                    owner.source,
                    "Fix the id or glob, register what it names, or remove the pattern.",
                )
            )
        chosen.extend(task_id for task_id in matched if task_id not in chosen)
    return chosen
