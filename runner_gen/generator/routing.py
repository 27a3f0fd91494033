"""Decide, at build time, which tasks and events run through client tunnels and which ones each
HTTP exposure serves. Selectors are exact ids, globs or predicates. An exact id in a tunnel
selector that names nothing registered is an error, as Runner 5.5 fails startup on it
(``tunnelTaskNotFound`` / ``tunnelEventNotFound``); a glob (an extension of ours) or an exposure
allow-list entry that matches nothing is a warning; a task claimed by two tunnels is an error.

Two kinds of tunnel carry ``globals.tags.tunnel``: the built-in transport tunnels (HTTP, Redis)
take their selectors from their own config; a custom tunnel declares ``mode`` and selectors in
the tag's config (``TunnelTagConfig``) and only routes in ``client`` or ``both`` mode, as
Runner's tunnel middleware overrides nothing in ``server`` or ``none`` mode."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, get_type_hints

from runner_gen.definitions.defaults import default_config
from runner_gen.definitions.errors import DefinitionError
from runner_gen.definitions.kinds import Event, Task
from runner_gen.definitions.tunnels import TunnelTagConfig
from runner_gen.generator.load import Registration
from runner_gen.generator.problems import Problem
from runner_gen.runtime.custom_tunnel import EMIT_CONTRACT, RUN_CONTRACT

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
    #: custom tunnels (their value's run/emit carry what they route) that route something
    custom: set[str] = field(default_factory=set)
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
            declared = tunnel_tag_config(definition)
            if hasattr(config, "tasks") and hasattr(config, "events"):
                # A transport tunnel (HTTP, Redis): its own config selects.
                _route_tunnel(definition, config, tasks, events, routing)
                if getattr(config, "consume", False):
                    routing.consuming.add(definition.id)
            elif declared is not None:
                _route_custom(definition, declared, tasks, events, routing)
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


def tunnel_tag_config(definition: Any) -> TunnelTagConfig | None:
    """The config ``globals.tags.tunnel`` carries on ``definition`` (the default, mode
    ``none``, when the tag is attached bare)."""
    for use in getattr(definition, "tags", ()):
        if use.tag.id == TUNNEL_TAG and isinstance(use.config, TunnelTagConfig):
            return use.config
    return None


def _route_custom(
    tunnel: Any, config: TunnelTagConfig, tasks: list[Any], events: list[Any], routing: Routing
) -> None:
    """Route what a custom tunnel selects, when its mode routes anything. Unknown ids fail the
    build in every mode (Runner resolves the selectors before it looks at the mode)."""
    selected_tasks = _select(tunnel, "tasks", config.tasks, tasks, routing, strict=True)
    selected_events = _select(tunnel, "events", config.events, events, routing, strict=True)
    if not config.routes or not (selected_tasks or selected_events):
        return
    routing.custom.add(tunnel.id)
    _route_tunnel(
        tunnel, config, tasks, events, routing, selected=(selected_tasks, selected_events)
    )
    value_type = _value_class(tunnel)
    if value_type is None:
        return  # not knowable here: the wiring checks the value at start
    for selected, member, message in (
        (selected_tasks, "run", RUN_CONTRACT),
        (selected_events, "emit", EMIT_CONTRACT),
    ):
        if selected and not _has_member(value_type, member):
            routing.problems.append(
                Problem(
                    "tunnel_client_contract",
                    f'{message} Tunnel "{tunnel.id}" ({config.mode} mode) selects '
                    f"{', '.join(selected)}, but its value ({value_type.__name__}) has no "
                    f"{member}().",
                    tunnel.source,
                    f"Give {value_type.__name__} an async {member}() method, or select no "
                    + ("tasks." if member == "run" else "events."),
                )
            )


def _value_class(tunnel: Any) -> type | None:
    """The class a tunnel's init declares it returns, when it is a plain class (not Any, a
    union or a class answering any attribute through ``__getattr__``)."""
    init = getattr(tunnel, "init", None)
    if init is None:
        return type(None)  # no init: the value is None
    try:
        returned = get_type_hints(init).get("return")
    except Exception:  # an annotation that does not resolve: left to the start-time check
        return None
    if not isinstance(returned, type) or returned in (object, Any):
        return None
    if any("__getattr__" in vars(klass) for klass in returned.__mro__[:-1]):
        return None
    return returned


def _has_member(klass: type, name: str) -> bool:
    """A method, class attribute or annotated field (a dataclass's callable field)."""
    return any(
        name in vars(base) or name in getattr(base, "__annotations__", {}) for base in klass.__mro__
    )


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
    tunnel: Any,
    config: Any,
    tasks: list[Any],
    events: list[Any],
    routing: Routing,
    *,
    selected: tuple[list[str], list[str]] | None = None,
) -> None:
    if selected is None:
        selected = (
            _select(tunnel, "tasks", config.tasks, tasks, routing, strict=True),
            _select(tunnel, "events", config.events, events, routing, strict=True),
        )
    task_ids, event_ids = selected
    for task_id in task_ids:
        owner = routing.task_tunnels.setdefault(task_id, tunnel.id)
        if owner != tunnel.id:
            # Runner's tunnelOwnershipConflict message, word for word.
            routing.problems.append(
                Problem(
                    "tunnel_ownership_conflict",
                    f'Task "{task_id}" is already tunneled by resource "{owner}". Resource '
                    f'"{tunnel.id}" cannot tunnel it again. Ensure each task is owned by a '
                    "single tunnel client.",
                    tunnel.source,
                    "Narrow one tunnel's task selector; a task runs in one place.",
                )
            )
    for event_id in event_ids:
        # Only HTTP tunnels can ask for the remote's payload (a Redis stream has no answer).
        asks = bool(getattr(config, "return_payload", False))
        owner = routing.event_tunnels.setdefault(
            event_id, (tunnel.id, config.event_delivery, asks)
        )[0]
        if owner != tunnel.id:
            # Runner chains one interceptor per tunnel; here an event has one forwarder.
            routing.warnings.append(
                f'{tunnel.source}: warning: event "{event_id}" is also selected by tunnel '
                f'"{owner}"; only "{owner}" forwards it, "{tunnel.id}" does not'
            )


def _select(
    owner: Any,
    field_name: str,
    selector: Sequence[object] | Callable[[Any], bool],
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
    for item in selector:
        if not isinstance(item, str):
            # A definition (custom tunnels, as Runner's object selectors): its exact id.
            item_id = getattr(item, "id", None)
            if not isinstance(item_id, str):
                routing.problems.append(
                    Problem(
                        "invalid_selector",
                        f'the {field_name} of "{owner.id}" hold {item!r}, which is neither an '
                        "id nor a definition",
                        owner.source,
                    )
                )
                continue
            exact = [c.id for c in candidates if c.id == item_id]
            if not exact:
                _not_found(owner, field_name, item_id, routing)
            chosen.extend(found for found in exact if found not in chosen)
            continue
        pattern = item
        matched = [
            c.id
            for c in candidates
            if (fnmatchcase(c.id, pattern) if _GLOB & set(pattern) else c.id == pattern)
        ]
        if not matched and strict and not _GLOB & set(pattern):
            _not_found(owner, field_name, pattern, routing)
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


def _not_found(owner: Any, field_name: str, item_id: str, routing: Routing) -> None:
    kind = "Task" if field_name == "tasks" else "Event"
    routing.problems.append(
        Problem(
            f"tunnel_{kind.lower()}_not_found",
            f'{kind} "{item_id}" not found while resolving the {field_name} of tunnel "{owner.id}"',
            owner.source,
            f'Register {kind.lower()} "{item_id}" in the app'
            + (" (r.task.phantom(...) for one only the remote side runs)" if kind == "Task" else "")
            + ", or remove it from the selector.",
        )
    )
