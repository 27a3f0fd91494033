"""Ids holding glob characters (Runner accepts any string): a tunnel selects the phantom task
``nodes.tasks.fan*out`` exactly by escaping the ``*`` as ``[*]`` (fnmatch's escape); the
unescaped pattern would also take ``nodes.tasks.fan-and-out``. An exposure does the same."""

from __future__ import annotations

from runner_gen import r
from runner_gen.remote import http_client_tunnel, http_exposure

fan_out = r.task.phantom("nodes.tasks.fan*out").input_schema(int).result_schema(int).build()


async def fan_and_out(input: int) -> int:
    return input


local = r.task("nodes.tasks.fan-and-out").run(fan_and_out).build()
tunnel = http_client_tunnel("gc.tunnels.nodes").with_(
    url="http://127.0.0.1:9/__runner", tasks=("nodes.tasks.fan[*]out",)
)
exposure = http_exposure("gc.exposure").with_(
    tokens=("t",), allow_task_ids=("nodes.tasks.fan[*]out", "nodes.tasks.fan-and-out")
)
app = r.resource("gc").register(fan_out, local, tunnel, exposure).build()
