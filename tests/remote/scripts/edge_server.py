"""An exposure in a process of its own, for tests that watch everything the process writes.

Usage: python edge_server.py <scenario>; prints ``listening <port>`` once serving, then serves
until SIGTERM. Settings come from the environment: EDGE_TOKEN, EDGE_HEADER_TIMEOUT,
EDGE_MAX_CONNECTIONS (the rest are the defaults a user gets).

Scenarios:
- ``canary``: tasks that fail with secrets in their exception messages (the request body's
  password, Redis URLs with passwords), a principal validator that fails quoting the request's
  headers, and a task that fails inside the pipeline's own encoding.
- ``plain``: one echo task.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import Any

from runner_gen.runtime.context import AsyncContext
from runner_gen.runtime.exposure import ExposureApp, ExposureConfig, TaskRoute, serve_exposure
from runner_gen.runtime.exposure.principal import AuthRequest, PrincipalAuth
from runner_gen.runtime.main import install_error_boundary

CALLER: AsyncContext[str] = AsyncContext("edge.contexts.caller")


async def echo(value: Any) -> Any:
    return value


async def leak_input(value: Any) -> Any:
    # A realistic bug: an exception message quoting the input and a connection string.
    raise RuntimeError(
        f"could not store {value!r} via redis://:{os.environ['EDGE_REDIS_PASSWORD']}@cache:6379/0"
        f" or redis://default:{os.environ['EDGE_REDIS_PASSWORD']}@replica:6379/0"
    )


async def unencodable(value: Any) -> Any:
    return object()  # the serializer cannot write it: a 500 raised inside the pipeline


async def reject_quoting_headers(request: AuthRequest) -> str | None:
    raise PermissionError(f"refused {request.method} {request.url} with headers {request.headers}")


def routes(scenario: str) -> dict[str, TaskRoute]:
    tasks = [TaskRoute("edge.echo", echo)]
    if scenario == "canary":
        tasks += [TaskRoute("edge.leak", leak_input), TaskRoute("edge.unencodable", unencodable)]
    return {task.id: task for task in tasks}


async def main(scenario: str) -> None:
    loop = asyncio.get_running_loop()
    install_error_boundary(loop)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    config = ExposureConfig(
        tokens=(os.environ["EDGE_TOKEN"],),
        principal=PrincipalAuth(context=CALLER, validate=reject_quoting_headers)
        if scenario == "canary"
        else None,
        header_timeout=float(os.environ.get("EDGE_HEADER_TIMEOUT", "10")),
        max_connections=int(os.environ["EDGE_MAX_CONNECTIONS"])
        if "EDGE_MAX_CONNECTIONS" in os.environ
        else None,
    )
    app = ExposureApp(config, routes(scenario), {})
    running = await serve_exposure(app, config)
    print(f"listening {running.port}", flush=True)
    await stop.wait()
    await running.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
