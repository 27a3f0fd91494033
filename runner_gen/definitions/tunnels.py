"""Custom tunnels: what a resource tagged ``globals.tags.tunnel`` routes, declared on the tag.

Runner 5.5 reads ``mode``, ``tasks`` and ``events`` from the tunnel resource's *value* when it
starts. Here they are the tag's config, so the generator resolves them at build time and the
generated wiring calls the value's ``run(task, input)`` / ``emit(emission)`` directly:

    tunnel = (
        r.resource("app.resources.tunnel")
        .tags(globals.tags.tunnel.with_(mode="client", tasks=(t1,), events=("app.events.e1",)))
        .init(make_tunnel)  # returns an object with run(task, input) and/or emit(emission)
        .build()
    )

Built-in transport tunnels (``http_client_tunnel``, ``redis_event_tunnel``) carry the bare tag
and take their selectors from their own config instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, get_args

from runner_gen.runtime.forwarding import EventDelivery

if TYPE_CHECKING:
    from runner_gen.definitions.kinds import Event, Task, TaskMiddleware

#: Runner's ``TunnelMode``: ``client``/``both`` route the selected tasks and events through the
#: tunnel; ``server`` and ``none`` (the default) route nothing.
TunnelMode: TypeAlias = Literal["client", "server", "both", "none"]

#: Ids (exact, or globs as for the HTTP tunnel), definitions, or a predicate over definitions.
TaskSelector: TypeAlias = "Sequence[str | Task[Any, Any]] | Callable[[Task[Any, Any]], bool]"
EventSelector: TypeAlias = "Sequence[str | Event[Any]] | Callable[[Event[Any]], bool]"


@dataclass(frozen=True)
class TunnelTagConfig:
    """The config of ``globals.tags.tunnel`` on a custom tunnel (Runner's ``TunnelRunner``
    fields other than ``run``/``emit``, which the resource's value provides)."""

    mode: TunnelMode = "none"
    tasks: TaskSelector = ()
    events: EventSelector = ()
    #: Runner's ``eventDeliveryMode``: where a routed event's local hooks run.
    event_delivery: EventDelivery = "mirror"

    def __post_init__(self) -> None:
        if self.mode not in get_args(TunnelMode):
            raise ValueError(
                f"mode must be one of {', '.join(get_args(TunnelMode))}, not {self.mode!r}"
            )
        if self.event_delivery not in get_args(EventDelivery):
            raise ValueError(
                f"event_delivery must be one of {', '.join(get_args(EventDelivery))}, "
                f"not {self.event_delivery!r}"
            )
        for name in ("tasks", "events"):
            selector = getattr(self, name)
            if callable(selector):
                continue
            if isinstance(selector, str) or not isinstance(selector, Sequence):
                raise ValueError(f"{name} must be a sequence of ids or definitions, or a predicate")
            # Lists are accepted as Runner's arrays; kept as a tuple so the config is frozen.
            object.__setattr__(self, name, tuple(selector))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: object, handler: object) -> Any:
        """Validated by its own constructor: pydantic would rebuild the definitions a selector
        holds (they must stay the very objects registered) and cannot describe a predicate."""
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(cls._from_value)

    @classmethod
    def _from_value(cls, value: object) -> TunnelTagConfig:
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            raise ValueError(f"expected the tag's fields, got {type(value).__name__}")
        return cls(**value)

    @property
    def routes(self) -> bool:
        """Whether this tunnel overrides anything here (client or both mode)."""
        return self.mode in ("client", "both")


MiddlewareRef: TypeAlias = "str | TaskMiddleware[Any]"


@dataclass(frozen=True)
class TunnelTaskPolicyConfig:
    """Runner's ``globals.tags.tunnelTaskPolicy``: which of a task's middleware still run on
    the caller's side when a tunnel routes the task. Without the tag, none do (the task runs
    elsewhere, behind that side's middleware).

    ``client`` is the caller-side allow-list: middleware ids or definitions, or Runner's
    ``{"middleware_allow_list": [...]}``; Runner's grouped form
    ``middleware_allow_list={"client": [...]}`` is read too. ``server`` is accepted and, as in
    Runner 5.5, not applied."""

    client: Sequence[MiddlewareRef] | Mapping[str, Sequence[MiddlewareRef]] | None = None
    server: Sequence[MiddlewareRef] | Mapping[str, Sequence[MiddlewareRef]] | None = None
    middleware_allow_list: Mapping[str, Sequence[MiddlewareRef]] | None = None

    @classmethod
    def __get_pydantic_core_schema__(cls, source: object, handler: object) -> Any:
        """Validated by its own constructor, as ``TunnelTagConfig``."""
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(cls._from_value)

    @classmethod
    def _from_value(cls, value: object) -> TunnelTaskPolicyConfig:
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            raise ValueError(f"expected the tag's fields, got {type(value).__name__}")
        return cls(**value)

    def client_allow_list(self) -> frozenset[str] | None:
        """The ids allowed on the caller's side (Runner's ``getClientMiddlewareAllowList``):
        None when no client list is given (then none run)."""
        chosen: object = self.client
        if isinstance(chosen, Mapping):
            chosen = chosen.get("middleware_allow_list")
        if chosen is None and self.middleware_allow_list is not None:
            chosen = self.middleware_allow_list.get("client")
        if chosen is None or isinstance(chosen, str) or not isinstance(chosen, Sequence):
            return None
        return frozenset(item if isinstance(item, str) else item.id for item in chosen)
