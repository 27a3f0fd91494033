"""Serving the API with uvicorn inside the app's event loop, and stopping it gracefully.

runner-gen's own server (the one the HTTP exposure uses) does the work: no signal handlers (the
app's `main()` owns them), a typed error for a busy port, and a stop that closes the listening
socket, answers 503 to new requests on kept-alive connections, lets in-flight requests finish
within the drain timeout and cancels what is left.
"""

from __future__ import annotations

from examples.http_api.router import ApiApp
from runner_gen.runtime.exposure import RunningServer, serve_asgi

#: The running API server: `.url`, `.port`, `.in_flight`, `await .stop(drain_timeout_s)`,
#: `.cancelled_on_stop`.
HttpServer = RunningServer


async def serve(app: ApiApp, host: str, port: int, drain_timeout_s: float = 10.0) -> HttpServer:
    """Listen on `host:port` (0: a free port) and return once connections are accepted."""
    return await serve_asgi(
        app, host=host, port=port, drain_budget=drain_timeout_s, name="examples.http_api.server"
    )
