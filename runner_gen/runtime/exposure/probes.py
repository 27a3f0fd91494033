"""Operational endpoints beside the tunnel routes: ``/health``, ``/ready`` and ``/metrics``.

They say nothing a stranger could use and cannot be used to amplify load:

- the health answer is a status word, never which resource failed or why (operators read
  ``app.health``); a result is reused for ``cache_seconds`` and concurrent probes share one
  check in flight, so a probe flood costs the dependencies one check per interval;
- ``/metrics`` served to API callers names only the tasks on the allow-list (a task id a caller
  cannot call is as secret as in the identical-403 rule); the admin bind shows every task;
- on the API port the exposure asks for credentials before answering ``/health`` and
  ``/metrics`` (``ExposureConfig.probes_require_token``); ``/ready`` is a cheap boolean and
  stays open for load balancers.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any, Protocol

from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock
from runner_gen.runtime.exposure.asgi import Receive, Scope, Send

HEALTH_PATH = "/health"
READY_PATH = "/ready"
METRICS_PATH = "/metrics"
GUARDED_PATHS = frozenset((HEALTH_PATH, METRICS_PATH))
_JSON = b"application/json; charset=utf-8"
_PROMETHEUS = b"text/plain; version=0.0.4; charset=utf-8"
_TASK_LABEL = re.compile(r'task_id="((?:[^"\\]|\\.)*)"')


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


class ProbeEndpoints:
    """Answers the probe paths of one bind; ``visible_task_ids`` None shows every task."""

    def __init__(
        self,
        probes: Probes,
        *,
        cache_seconds: float = 1.0,
        visible_task_ids: Collection[str] | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.probes = probes
        self._cache_seconds = cache_seconds
        self._visible = None if visible_task_ids is None else frozenset(visible_task_ids)
        self._clock = clock
        self._status: str | None = None
        self._checked_at = 0.0
        self._checking: asyncio.Future[str] | None = None

    def handles(self, path: str) -> bool:
        return self.probes.handles(path)

    async def answer(self, method: str, path: str, stopping: bool, send: Send) -> None:
        if method not in ("GET", "HEAD"):
            await _send(send, 405, _JSON, b'{"ok":false,"error":{"code":"METHOD_NOT_ALLOWED"}}')
            return
        if path == METRICS_PATH and self.probes.metrics_text is not None:
            await _send(send, 200, _PROMETHEUS, self.metrics_body())
            return
        health = self.probes.health
        assert health is not None
        if path == READY_PATH:
            ready = health.ready and not stopping
            body = json.dumps({"ready": ready}).encode()
            await _send(send, 200 if ready else 503, _JSON, body)
            return
        status = await self.health_status()
        body = json.dumps({"status": status}).encode()
        # 200 only when every check says healthy: a degraded dependency is worth a look.
        await _send(send, 200 if status == "healthy" else 503, _JSON, body)

    async def health_status(self) -> str:
        """The health status word, checked at most once per ``cache_seconds``."""
        now = self._clock.now()
        if self._status is not None and now - self._checked_at < self._cache_seconds:
            return self._status
        if self._checking is None:
            self._checking = asyncio.ensure_future(self._check())
        # Shielded: a caller that goes away must not cancel the check the others wait for.
        return await asyncio.shield(self._checking)

    async def _check(self) -> str:
        health = self.probes.health
        assert health is not None
        try:
            status = (await health.check()).status
        finally:
            self._checking = None
        self._status = status
        self._checked_at = self._clock.now()
        return status

    def metrics_body(self) -> bytes:
        assert self.probes.metrics_text is not None
        text = self.probes.metrics_text()
        visible = self._visible
        if visible is not None:
            text = "".join(
                line for line in text.splitlines(keepends=True) if _shows_only(line, visible)
            )
        return text.encode("utf-8")


def _shows_only(line: str, visible: frozenset[str]) -> bool:
    """Whether a metrics line names no task outside ``visible`` (``_OTHER`` is no task)."""
    for match in _TASK_LABEL.finditer(line):
        task_id = match.group(1)
        if task_id != "_OTHER" and task_id not in visible:
            return False
    return True


class ProbeApp:
    """The admin bind: only the probe paths, no credentials, every task in ``/metrics``."""

    def __init__(self, endpoints: ProbeEndpoints) -> None:
        self._endpoints = endpoints
        self.stopping = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if self._endpoints.handles(path):
            await self._endpoints.answer(scope["method"], path, self.stopping, send)
            return
        await _send(send, 404, _JSON, b'{"ok":false,"error":{"code":"NOT_FOUND"}}')


async def _send(send: Send, status: int, content_type: bytes, body: bytes) -> None:
    headers = [
        (b"content-type", content_type),
        (b"content-length", b"%d" % len(body)),
        (b"cache-control", b"no-store"),
        (b"x-content-type-options", b"nosniff"),
    ]
    message: dict[str, Any] = {"type": "http.response.start", "status": status}
    message["headers"] = headers
    await send(message)
    await send({"type": "http.response.body", "body": body})
