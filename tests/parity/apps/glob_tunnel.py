"""A client tunnel whose glob selector matches nothing: a warning, globs being our extension."""

from __future__ import annotations

from runner_gen import r
from runner_gen.remote import http_client_tunnel

remote = r.task.phantom("remote.tasks.add").input_schema(int).result_schema(int).build()
tunnel = http_client_tunnel("app.tunnels.main").with_(
    url="http://a/__runner", tasks=("remote.tasks.add", "other.*")
)
app = r.resource("app").register(remote, tunnel).build()
