"""Misconfigured custom tunnels: each app fails the build (Runner fails startup on each)."""

from __future__ import annotations

from runner_gen import Emission, globals, r
from runner_gen.remote import http_client_tunnel


async def run_task() -> int:
    return 1


task = r.task("bad.tasks.need_run").run(run_task).build()
event = r.event("bad.events.need_emit").build()
unregistered = r.task("bad.tasks.unregistered").run(run_task).build()


class EmitsOnly:
    async def emit(self, emission: Emission[None]) -> None:
        return None


class RunsOnly:
    async def run(self, task: object, input: object) -> int:
        return 2


async def emits_only() -> EmitsOnly:
    return EmitsOnly()


async def runs_only() -> RunsOnly:
    return RunsOnly()


tunnel = globals.tags.tunnel
# "enforces emit when events[] configured and run when tasks[] configured"
missing_run = (
    r.resource("bad.missing_run")
    .register(
        task,
        r.resource("bad.tunnel.missing_run")
        .tags(tunnel.with_(mode="client", tasks=[task]))
        .init(emits_only)
        .build(),
    )
    .build()
)
missing_emit = (
    r.resource("bad.missing_emit")
    .register(
        event,
        r.resource("bad.tunnel.missing_emit")
        .tags(tunnel.with_(mode="both", events=[event.id]))
        .init(runs_only)
        .build(),
    )
    .build()
)

# "throws when tasks includes a missing string id" (in any mode: Runner resolves first)
missing_task_id = (
    r.resource("bad.missing_task_id")
    .register(
        r.resource("bad.tunnel.missing_id")
        .tags(tunnel.with_(mode="server", tasks=["bad.tasks.unknown"]))
        .init(runs_only)
        .build()
    )
    .build()
)

# "throws when tasks includes an unregistered task object"
unregistered_task = (
    r.resource("bad.unregistered_task")
    .register(
        r.resource("bad.tunnel.unreg")
        .tags(tunnel.with_(mode="client", tasks=[unregistered]))
        .init(runs_only)
        .build()
    )
    .build()
)

# "throws when events includes a missing id"
missing_event_id = (
    r.resource("bad.missing_event_id")
    .register(
        r.resource("bad.tunnel.missing_event")
        .tags(tunnel.with_(mode="client", events=["bad.events.unknown"]))
        .init(emits_only)
        .build()
    )
    .build()
)

# tunnels.exclusive-owner, with a custom tunnel and an HTTP one
conflict = (
    r.resource("bad.conflict")
    .register(
        task,
        r.resource("bad.tunnel.custom")
        .tags(tunnel.with_(mode="client", tasks=[task]))
        .init(runs_only)
        .build(),
        http_client_tunnel("bad.tunnel.http").with_(
            url="http://a/__runner", tasks=("bad.tasks.*",)
        ),
    )
    .build()
)

# A server-mode tunnel owns nothing: no conflict with a client one selecting the same task.
server_and_client = (
    r.resource("bad.server_and_client")
    .register(
        task,
        r.resource("bad.tunnel.server")
        .tags(tunnel.with_(mode="server", tasks=[task]))
        .init(runs_only)
        .build(),
        r.resource("bad.tunnel.client")
        .tags(tunnel.with_(mode="client", tasks=[task]))
        .init(runs_only)
        .build(),
    )
    .build()
)

# Two tunnels selecting one event: the first forwards it, the second is warned about.
two_event_tunnels = (
    r.resource("bad.two_event_tunnels")
    .register(
        event,
        r.resource("bad.tunnel.events_first")
        .tags(tunnel.with_(mode="client", events=[event]))
        .init(emits_only)
        .build(),
        r.resource("bad.tunnel.events_second")
        .tags(tunnel.with_(mode="client", events=[event]))
        .init(emits_only)
        .build(),
    )
    .build()
)

# A client tunnel with no init: its value is None, with neither run nor emit.
no_init = (
    r.resource("bad.no_init")
    .register(
        task,
        r.resource("bad.tunnel.no_init").tags(tunnel.with_(mode="client", tasks=[task])).build(),
    )
    .build()
)
