"""A plain ASGI endpoint serving the Prometheus text exposition of a ``Metrics`` registry.

Mount it wherever the app's HTTP surface lives (e.g. ``/metrics`` beside the exposure); it
answers GET and HEAD, and 405 to anything else, and renders a fresh snapshot per scrape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from runner_gen.runtime.metrics.prometheus_text import CONTENT_TYPE, render_prometheus
from runner_gen.runtime.metrics.registry import Metrics

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def metrics_endpoint(metrics: Metrics) -> ASGIApp:
    """An ASGI app answering every HTTP request with the current metrics."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # lifespan and websockets are the host server's business
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await _respond(send, 405, b"method not allowed\n", [(b"allow", b"GET, HEAD")])
            return
        body = render_prometheus(metrics).encode()
        await _respond(
            send,
            200,
            b"" if method == "HEAD" else body,
            [(b"content-type", CONTENT_TYPE.encode()), (b"content-length", b"%d" % len(body))],
        )

    return app


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
