"""/health, /ready and /metrics answered by the exposure's ASGI app (with the exposure's token:
/health and /metrics need it by default; tests/runtime/exposure/test_exposure_probes.py covers
the refusals, the admin bind and the caching)."""

from __future__ import annotations

from typing import Any

from runner_gen.runtime.exposure import ExposureApp, ExposureConfig
from runner_gen.runtime.exposure.probes import Probes
from runner_gen.runtime.health import Health, HealthChecks


async def _get(app: ExposureApp, path: str, method: str = "GET") -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    headers = [(b"x-runner-token", b"t")]
    scope = {"type": "http", "method": method, "path": path, "headers": headers}
    await app(scope, receive, send)
    return sent[0]["status"], sent[1]["body"]


def _app(running: list[bool], metrics: str | None = None) -> ExposureApp:
    checks = HealthChecks(lambda: running[0])

    async def ok() -> Health:
        return Health()

    checks.add("db", ok)
    probes = Probes(checks, (lambda: metrics) if metrics is not None else None)
    return ExposureApp(ExposureConfig(tokens=("t",)), tasks={}, events={}, probes=probes)


async def test_readiness_turns_false_when_shutdown_begins() -> None:
    running = [True]
    app = _app(running)
    assert await _get(app, "/ready") == (200, b'{"ready": true}')
    app.stopping = True
    assert await _get(app, "/ready") == (503, b'{"ready": false}')
    app.stopping = False
    running[0] = False
    assert (await _get(app, "/ready"))[0] == 503
    assert await _get(app, "/health") == (200, b'{"status": "healthy"}')


async def test_health_is_200_only_when_every_check_is_healthy() -> None:
    checks = HealthChecks(lambda: True)

    async def degraded() -> Health:
        return Health("degraded", "replica lag")

    checks.add("db", degraded)
    app = ExposureApp(
        ExposureConfig(tokens=("t",)), tasks={}, events={}, probes=Probes(checks, None)
    )
    assert await _get(app, "/health") == (503, b'{"status": "degraded"}')


async def test_metrics_are_served_only_when_registered() -> None:
    assert (await _get(_app([True]), "/metrics"))[0] == 404
    status, body = await _get(_app([True], "runner_task_calls_total 1\n"), "/metrics")
    assert (status, body) == (200, b"runner_task_calls_total 1\n")


async def test_without_probes_the_paths_are_plain_not_found() -> None:
    app = ExposureApp(ExposureConfig(tokens=("t",)), tasks={}, events={})
    assert (await _get(app, "/health"))[0] == 404
