"""Operational endpoints beside the tunnel routes: ``/health``, ``/ready`` and ``/metrics``.

They live outside the base path, need no token and say nothing a stranger could use: the health
answer is a status word, never which resource failed or why (operators read ``app.health``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from runner_gen.runtime.exposure.asgi import Send

HEALTH_PATH = "/health"
READY_PATH = "/ready"
METRICS_PATH = "/metrics"
_JSON = b"application/json; charset=utf-8"
_PROMETHEUS = b"text/plain; version=0.0.4; charset=utf-8"


class _Report(Protocol):
    @property
    def status(self) -> str: ...


class HealthSource(Protocol):
    """What ``app.health`` offers: a report, and readiness."""

    def check(self) -> Awaitable[_Report]: ...

    @property
    def ready(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Probes:
    """The app's health checks and, when metrics are registered, their Prometheus text."""

    health: HealthSource | None = None
    metrics_text: Callable[[], str] | None = None

    def handles(self, path: str) -> bool:
        if path in (HEALTH_PATH, READY_PATH):
            return self.health is not None
        return path == METRICS_PATH and self.metrics_text is not None

    async def answer(self, method: str, path: str, stopping: bool, send: Send) -> None:
        if method not in ("GET", "HEAD"):
            await _send(send, 405, _JSON, b'{"ok":false,"error":{"code":"METHOD_NOT_ALLOWED"}}')
            return
        if path == METRICS_PATH and self.metrics_text is not None:
            await _send(send, 200, _PROMETHEUS, self.metrics_text().encode("utf-8"))
            return
        assert self.health is not None
        if path == READY_PATH:
            ready = self.health.ready and not stopping
            body = json.dumps({"ready": ready}).encode()
            await _send(send, 200 if ready else 503, _JSON, body)
            return
        report = await self.health.check()
        body = json.dumps({"status": report.status}).encode()
        # 200 only when every check says healthy: a degraded dependency is worth a look.
        await _send(send, 200 if report.status == "healthy" else 503, _JSON, body)


async def _send(send: Send, status: int, content_type: bytes, body: bytes) -> None:
    headers = [
        (b"content-type", content_type),
        (b"content-length", b"%d" % len(body)),
        (b"cache-control", b"no-store"),
        (b"x-content-type-options", b"nosniff"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
