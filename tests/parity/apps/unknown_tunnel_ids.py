"""A client tunnel whose selectors name a task and an event that are not registered."""

from __future__ import annotations

from runner_gen import r
from runner_gen.remote import http_client_tunnel

remote = r.task.phantom("remote.tasks.add").input_schema(int).result_schema(int).build()
tunnel = http_client_tunnel("app.tunnels.main").with_(
    url="http://a/__runner",
    tasks=("remote.tasks.add", "remote.tasks.missing"),
    events=("remote.events.missing",),
)
app = r.resource("app").register(remote, tunnel).build()
