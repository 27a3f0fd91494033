"""Custom tunnels, one app per case of Runner's tunnel/tunnel.tag.test.ts.

Each tunnel is a resource tagged ``globals.tags.tunnel.with_(mode=..., tasks=..., events=...)``
whose value has ``run(task, input)`` and/or ``emit(emission)``, as Runner's ``TunnelRunner``;
the tasks and events are shared between the apps (each app registers its own selection).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from runner_gen import Emission, Emit, Task, emit_with_result, globals, r


class V(BaseModel):
    v: str


HANDLED: list[str] = []  # ids of the local hooks that ran


def reset() -> None:
    HANDLED.clear()


async def orig1(input: V) -> str:
    return f"ORIG1:{input.v}"


async def orig2(input: V) -> str:
    return f"ORIG2:{input.v}"


async def orig3(input: V) -> str:
    return f"O3:{input.v}"


t1 = r.task("ct.tasks.t1").run(orig1).build()
t2 = r.task("ct.tasks.t2").run(orig2).build()
t3 = r.task("ct.other.t3").run(orig3).build()
phantom = r.task.phantom("ct.tasks.phantom").input_schema(V).result_schema(str).build()

e1 = r.event("ct.events.e1").payload_schema(V).build()
e2 = r.event("ct.events.e2").payload_schema(V).build()


async def handle_e1(emission: Emission[V]) -> None:
    HANDLED.append(f"e1:{emission.data.v}")


async def handle_e2(emission: Emission[V]) -> None:
    HANDLED.append(f"e2:{emission.data.v}")


h1 = r.hook("ct.hooks.h1").on(e1).run(handle_e1).build()
h2 = r.hook("ct.hooks.h2").on(e2).run(handle_e2).build()


class Tunnel:
    """A tunnel value as Runner's tests write them: ``run`` answers ``PREFIX:<task id>:<v>``;
    ``emit`` records what it carried and may return a replacement payload."""

    def __init__(self, prefix: str, replace: V | None = None) -> None:
        self.prefix = prefix
        self.replace = replace
        self.tasks: list[str] = []
        self.definitions: list[Task[Any, Any]] = []
        self.emitted: list[tuple[str, str, str]] = []  # (event id, v, source)

    async def run(self, task: Task[Any, Any], input: V) -> str:
        self.tasks.append(task.id)
        self.definitions.append(task)
        return f"{self.prefix}:{task.id}:{input.v}"

    async def emit(self, emission: Emission[V]) -> V | None:
        self.emitted.append((emission.id, emission.data.v, emission.source))
        return self.replace


async def tun() -> Tunnel:
    return Tunnel("TUN")


async def ft() -> Tunnel:
    return Tunnel("FT")


async def both_() -> Tunnel:
    return Tunnel("BOTH")


async def obj() -> Tunnel:
    return Tunnel("OBJ")


async def nope() -> Tunnel:
    return Tunnel("NOPE")


INITS = {"TUN": tun, "FT": ft, "BOTH": both_, "OBJ": obj, "NOPE": nope, "EV": tun}


def _tunnel(id: str, prefix: str, **tag: Any) -> Any:
    return r.resource(id).tags(globals.tags.tunnel.with_(**tag)).init(INITS[prefix]).build()


# "overrides selected tasks via ids array"
by_ids = (
    r.resource("ct.ids")
    .register(t1, t2, _tunnel("ct.tunnel.ids", "TUN", mode="client", tasks=[t1.id]))
    .build()
)

# "overrides tasks via filter function"
by_filter = (
    r.resource("ct.filter")
    .register(
        t1,
        t2,
        t3,
        _tunnel(
            "ct.tunnel.filter", "FT", mode="client", tasks=lambda t: t.id.startswith("ct.tasks.")
        ),
    )
    .build()
)

# "overrides selected tasks in 'both' mode"
both = (
    r.resource("ct.both")
    .register(t1, t2, _tunnel("ct.tunnel.both", "BOTH", mode="both", tasks=[t1.id]))
    .build()
)

# "overrides tasks via task object definitions"
by_objects = (
    r.resource("ct.objects")
    .register(t1, t2, _tunnel("ct.tunnel.objects", "OBJ", mode="client", tasks=[t1]))
    .build()
)

# "should default to none mode"
default_none = (
    r.resource("ct.none").register(t1, _tunnel("ct.tunnel.none", "NOPE", tasks=[t1.id])).build()
)

# "does not override in server mode (tasks/events)"
server = (
    r.resource("ct.server")
    .register(
        t1,
        t2,
        e1,
        h1,
        _tunnel("ct.tunnel.server", "NOPE", mode="server", tasks=[t1.id], events=[e1.id]),
    )
    .build()
)

# "routes selected events via ids and also runs local listeners"
events_by_ids = (
    r.resource("ct.events.ids")
    .register(e1, e2, h1, h2, _tunnel("ct.tunnel.events", "EV", mode="client", events=[e1.id]))
    .build()
)

# "routes events via function selector"
events_by_filter = (
    r.resource("ct.events.fn")
    .register(e1, e2, _tunnel("ct.tunnel.fn", "EV", mode="client", events=lambda e: e.id == e1.id))
    .build()
)

# "routes events when provided as object definitions"
events_by_objects = (
    r.resource("ct.events.obj")
    .register(e1, _tunnel("ct.tunnel.obj", "EV", mode="client", events=[e1]))
    .build()
)

# phantom.task: "is routed by tunnel middleware when selected"
routed_phantom = (
    r.resource("ct.phantom")
    .register(phantom, _tunnel("ct.tunnel.phantom", "TUN", mode="client", tasks=[phantom.id]))
    .build()
)


# Delivery modes through a custom tunnel: remote-only skips the local hooks, and what emit
# returns becomes the final payload.
async def replacing_tunnel() -> Tunnel:
    return Tunnel("RO", replace=V(v="from-remote"))


remote_only_tunnel = (
    r.resource("ct.tunnel.remote_only")
    .tags(globals.tags.tunnel.with_(mode="client", events=[e1], event_delivery="remote-only"))
    .init(replacing_tunnel)
    .build()
)


async def emit_e1(input: V, *, e1: Emit[V]) -> str:
    """Runner's ``emitWithResult`` inside a task: the final payload is the one emit returned."""
    final = await emit_with_result(e1, input)
    return final.v


emitting = r.task("ct.tasks.emit_e1").dependencies(e1=e1).run(emit_e1).build()
remote_only = r.resource("ct.remote_only").register(e1, h1, remote_only_tunnel, emitting).build()


# A value the build cannot see (typed Any) without run: the start fails, as Runner's does.
async def untyped_value() -> Any:
    return object()


no_run = (
    r.resource("ct.no_run")
    .register(
        t1,
        r.resource("ct.tunnel.no_run")
        .tags(globals.tags.tunnel.with_(mode="client", tasks=[t1]))
        .init(untyped_value)
        .build(),
    )
    .build()
)
no_emit = (
    r.resource("ct.no_emit")
    .register(
        e1,
        r.resource("ct.tunnel.no_emit")
        .tags(globals.tags.tunnel.with_(mode="client", events=[e1]))
        .init(untyped_value)
        .build(),
    )
    .build()
)


# A task without input and an event without payload, through one tunnel; a second tunnel whose
# emit fails, delivering remote-first (Runner logs and falls back to the local hooks).
async def ping() -> str:
    return "local-pong"


ping_task = r.task("ct.tasks.ping").run(ping).build()
bare = r.event("ct.events.bare").build()


async def bare_seen(emission: Emission[None]) -> None:
    HANDLED.append(f"bare:{emission.data}")


bare_hook = r.hook("ct.hooks.bare").on(bare).run(bare_seen).build()


class Bare:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    async def run(self, task: Task[Any, Any], input: None) -> str:
        self.calls.append((task.id, input))
        return "tunnel-pong"

    async def emit(self, emission: Emission[None]) -> None:
        self.calls.append((emission.id, emission.data))


async def bare_tunnel() -> Bare:
    return Bare()


class Down:
    async def emit(self, emission: Emission[V]) -> None:
        raise ConnectionError("the other side is down")


async def down_tunnel() -> Down:
    return Down()


no_payload = (
    r.resource("ct.no_payload")
    .register(
        ping_task,
        bare,
        bare_hook,
        e1,
        h1,
        r.resource("ct.tunnel.bare")
        .tags(globals.tags.tunnel.with_(mode="client", tasks=[ping_task], events=[bare]))
        .init(bare_tunnel)
        .build(),
        r.resource("ct.tunnel.down")
        .tags(globals.tags.tunnel.with_(mode="client", events=[e1], event_delivery="remote-first"))
        .init(down_tunnel)
        .build(),
    )
    .build()
)
