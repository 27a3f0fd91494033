"""Caller-side middleware of tunneled tasks, one task per case of Runner's
tunnel/tunnel.policy.test.ts. Every task carries the same two middleware and is routed by one
custom tunnel whose ``run`` answers "remote"; the tags decide which middleware still run here.
"""

from __future__ import annotations

from typing import Any

from runner_gen import TaskCall, globals, r

CALLS: list[tuple[str, str]] = []  # (middleware id, task id)


def reset() -> None:
    CALLS.clear()


async def mw_a_run(call: TaskCall) -> Any:
    CALLS.append(("tp.mw.a", call.task.id))
    return await call.next(call.input)


async def mw_b_run(call: TaskCall) -> Any:
    CALLS.append(("tp.mw.b", call.task.id))
    return await call.next(call.input)


mw_a = r.middleware.task("tp.mw.a").run(mw_a_run).build()
mw_b = r.middleware.task("tp.mw.b").run(mw_b_run).build()


async def local(input: int) -> str:
    return "local-should-not-run"


policy = globals.tags.tunnel_task_policy


def task(id: str, *tags: Any) -> Any:
    return r.task(id).tags(*tags).middleware(mw_a, mw_b).run(local).build()


TASKS = {
    # "runs only whitelisted client middlewares when tunneled (by id)"
    "by_id": task("tp.tasks.by_id", policy.with_(client={"middleware_allow_list": [mw_a.id]})),
    # "runs only whitelisted client middlewares when tunneled (by def object)"
    "by_object": task("tp.tasks.by_object", policy.with_(client={"middleware_allow_list": [mw_b]})),
    # "runs no local middlewares by default (no tag) when tunneled"
    "no_tag": task("tp.tasks.no_tag"),
    # "runs no local middlewares when only server policy is specified"
    "server_only": task(
        "tp.tasks.server_only", policy.with_(server={"middleware_allow_list": [mw_a.id]})
    ),
    # "runs no local middlewares when client whitelist is empty array"
    "empty": task("tp.tasks.empty", policy.with_(client={"middleware_allow_list": []})),
    # "supports legacy shorthand { client: [...] }"
    "shorthand": task("tp.tasks.shorthand", policy.with_(client=[mw_a.id])),
    # "runs no local middlewares when tag exists but has no config (unconfigured tag)"
    "unconfigured": task("tp.tasks.unconfigured", policy),
    # "supports deprecated globals.tags.tunnelPolicy alias with grouped config"
    "alias": task(
        "tp.tasks.alias",
        globals.tags.tunnel_policy.with_(middleware_allow_list={"client": [mw_b.id]}),
    ),
}


class Remote:
    async def run(self, task: Any, input: int) -> str:
        return "remote"


async def remote() -> Remote:
    return Remote()


tunnel = (
    r.resource("tp.tunnel")
    .tags(globals.tags.tunnel.with_(mode="client", tasks=lambda t: t.id.startswith("tp.tasks.")))
    .init(remote)
    .build()
)
app = r.resource("tp.app").register(mw_a, mw_b, *TASKS.values(), tunnel).build()

# The control: the same task, registered without the tunnel.
local_app = r.resource("tp.local_app").register(mw_a, mw_b, TASKS["no_tag"]).build()
