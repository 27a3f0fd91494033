"""Event tunnels in each delivery mode, mirroring Runner's tunnel/delivery.modes.test.ts.

``server`` exposes the four events over HTTP; its hooks change the payload the way Runner's
test tunnels' ``emit`` return a new one (+10, 100, 200). ``client`` forwards each event through
its own tunnel, in one mode each, asking for the remote's payload (``return_payload``). The
remote-first tunnel reads its own address (``DM_FIRST_URL``), so a test can point it at a
service that is down.
"""

from __future__ import annotations

from pydantic import BaseModel

from runner_gen import Emission, Emit, emit_with_result, r
from runner_gen.remote import http_client_tunnel, http_exposure

TOKEN = "dm-token"
CAPTURED: dict[str, list[int]] = {"mirror": [], "remote-only": [], "local-only": []}
CAPTURED["remote-first"] = []
SERVER_SEEN: list[tuple[str, int]] = []


def reset() -> None:
    for values in CAPTURED.values():
        values.clear()
    SERVER_SEEN.clear()


class V(BaseModel):
    v: int


mirror = r.event("dm.events.mirror").payload_schema(V).build()
remote_only = r.event("dm.events.remote_only").payload_schema(V).build()
local_only = r.event("dm.events.local_only").payload_schema(V).build()
remote_first = r.event("dm.events.remote_first").payload_schema(V).build()
EVENTS = (mirror, remote_only, local_only, remote_first)

# -- client ------------------------------------------------------------------------------------


async def mutate(event: Emission[V]) -> None:
    event.data.v += 1  # Runner's "unit.tunnel.h.mutate": e.data.v = e.data.v + 1


async def capture_mirror(event: Emission[V]) -> None:
    CAPTURED["mirror"].append(event.data.v)


async def capture_remote_only(event: Emission[V]) -> None:
    CAPTURED["remote-only"].append(event.data.v)


async def capture_local_only(event: Emission[V]) -> None:
    CAPTURED["local-only"].append(event.data.v)


async def capture_remote_first(event: Emission[V]) -> None:
    CAPTURED["remote-first"].append(event.data.v)


client_hooks = (
    r.hook("dm.hooks.mutate").on(mirror).order(0).run(mutate).build(),
    r.hook("dm.hooks.capture_mirror").on(mirror).order(1).run(capture_mirror).build(),
    r.hook("dm.hooks.capture_remote_only").on(remote_only).run(capture_remote_only).build(),
    r.hook("dm.hooks.capture_local_only").on(local_only).run(capture_local_only).build(),
    r.hook("dm.hooks.capture_remote_first").on(remote_first).run(capture_remote_first).build(),
)

_TUNNEL = {"url": "http://127.0.0.1:1/__runner", "token": TOKEN, "return_payload": True}
tunnels = (
    http_client_tunnel("dm.tunnels.mirror").with_(
        **_TUNNEL, url_env="DM_URL", events=("dm.events.mirror",), event_delivery="mirror"
    ),
    http_client_tunnel("dm.tunnels.remote_only").with_(
        **_TUNNEL,
        url_env="DM_URL",
        events=("dm.events.remote_only",),
        event_delivery="remote-only",
    ),
    http_client_tunnel("dm.tunnels.local_only").with_(
        **_TUNNEL,
        url_env="DM_URL",
        events=("dm.events.local_only",),
        event_delivery="local-only",
    ),
    http_client_tunnel("dm.tunnels.remote_first").with_(
        **_TUNNEL,
        url_env="DM_FIRST_URL",
        events=("dm.events.remote_first",),
        event_delivery="remote-first",
    ),
)


async def emit_mirror(input: V, *, mirror: Emit[V]) -> V:
    """Runner's ``eventManager.emitWithResult`` inside a task."""
    return await emit_with_result(mirror, input)


emit_mirror_task = (
    r.task("dm.tasks.emit_mirror").dependencies(mirror=mirror).run(emit_mirror).build()
)

client = (
    r.resource("dm_client").register(*EVENTS, *client_hooks, *tunnels, emit_mirror_task).build()
)

# -- server ------------------------------------------------------------------------------------


async def add_ten(event: Emission[V]) -> None:
    SERVER_SEEN.append((event.id, event.data.v))
    event.data.v += 10


async def set_hundred(event: Emission[V]) -> None:
    SERVER_SEEN.append((event.id, event.data.v))
    event.data.v = 100


async def set_two_hundred(event: Emission[V]) -> None:
    SERVER_SEEN.append((event.id, event.data.v))
    event.data.v = 200


async def seen(event: Emission[V]) -> None:
    SERVER_SEEN.append((event.id, event.data.v))


server_hooks = (
    r.hook("dms.hooks.add_ten").on(mirror).run(add_ten).build(),
    r.hook("dms.hooks.set_hundred").on(remote_only).run(set_hundred).build(),
    r.hook("dms.hooks.seen").on(local_only).run(seen).build(),
    r.hook("dms.hooks.set_two_hundred").on(remote_first).run(set_two_hundred).build(),
)
exposure = http_exposure("dms.exposure").with_(tokens=(TOKEN,), allow_event_ids=("dm.events.*",))
server = r.resource("dm_server").register(*EVENTS, *server_hooks, exposure).build()
