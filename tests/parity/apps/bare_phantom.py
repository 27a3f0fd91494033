"""A phantom task declared without schemas, routed through a client tunnel (Runner's
``phantomTask()`` default ``<undefined, any>``)."""

from __future__ import annotations

from runner_gen import r
from runner_gen.remote import http_client_tunnel

bare = r.task.phantom("remote.tasks.bare").build()
tunnel = http_client_tunnel("bp.tunnels.remote").with_(
    url="http://127.0.0.1:9/__runner", tasks=("remote.tasks.bare",)
)
app = r.resource("bp").register(bare, tunnel).build()
