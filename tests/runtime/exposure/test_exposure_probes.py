"""Probes that neither leak nor amplify: behind the token (or on an admin bind), health checked
at most once per interval, metrics naming only what the caller may call."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from runner_gen.runtime.exposure import ExposureApp, ExposureConfig, TaskRoute, serve_exposure
from runner_gen.runtime.exposure.probes import Probes

from .helpers import TOKEN, serving
from .test_exposure_asgi import echo

METRICS = (
    "# TYPE runner_task_calls_total counter\n"
    'runner_task_calls_total{task_id="t",outcome="ok"} 3\n'
    'runner_task_calls_total{task_id="internal.secret_job",outcome="ok"} 9\n'
    'runner_task_calls_total{task_id="_OTHER",outcome="ok"} 0\n'
)


@dataclass
class Report:
    status: str


class CountingHealth:
    """A health source that counts checks; ``gate`` holds each check until set."""

    def __init__(self) -> None:
        self.checks = 0
        self.status = "healthy"
        self.gate = asyncio.Event()
        self.gate.set()
        self.started = asyncio.Event()

    async def check(self) -> Report:
        self.checks += 1
        self.started.set()
        await self.gate.wait()
        return Report(self.status)

    @property
    def ready(self) -> bool:
        return True


class FakeClock:
    def __init__(self) -> None:
        self.time = 100.0

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.time += seconds


def probes(health: CountingHealth) -> Probes:
    return Probes(health, lambda: METRICS)


async def test_health_and_metrics_need_the_token_by_default_and_ready_does_not() -> None:
    health = CountingHealth()
    config = ExposureConfig(tokens=(TOKEN,))
    app = ExposureApp(config, {"t": TaskRoute("t", echo)}, {}, probes(health))
    running = await serve_exposure(app, config)
    root = f"http://127.0.0.1:{running.port}"
    try:
        async with httpx.AsyncClient(base_url=root) as stranger:
            refused = [await stranger.get(path) for path in ("/health", "/metrics")]
            ready = await stranger.get("/ready")
        async with httpx.AsyncClient(base_url=root, headers={"x-runner-token": TOKEN}) as ops:
            healthy = await ops.get("/health")
            metrics = await ops.get("/metrics")
    finally:
        await running.stop()
    assert [r.status_code for r in refused] == [401, 401]
    assert all("runner_task" not in r.text for r in refused)
    assert health.checks == 1  # the refused probe ran no check
    assert ready.json() == {"ready": True}
    assert (healthy.status_code, healthy.json()) == (200, {"status": "healthy"})
    # Only tasks on the allow-list are named; _OTHER is no task.
    assert 'task_id="t"' in metrics.text
    assert "internal.secret_job" not in metrics.text
    assert 'task_id="_OTHER"' in metrics.text


async def test_probes_can_be_opened_on_the_api_port_by_setting() -> None:
    health = CountingHealth()
    config = ExposureConfig(tokens=(TOKEN,), probes_require_token=False)
    app = ExposureApp(config, {"t": TaskRoute("t", echo)}, {}, probes(health))
    running = await serve_exposure(app, config)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{running.port}") as stranger:
            health_answer = await stranger.get("/health")
            metrics = await stranger.get("/metrics")
    finally:
        await running.stop()
    assert health_answer.status_code == 200
    assert "internal.secret_job" not in metrics.text  # still only the allow-list


async def test_a_probe_flood_runs_one_check_per_interval() -> None:
    health = CountingHealth()
    clock = FakeClock()
    config = ExposureConfig(tokens=(TOKEN,), health_cache_seconds=1.0)
    app = ExposureApp(config, {"t": TaskRoute("t", echo)}, {}, probes(health), clock=clock)
    running = await serve_exposure(app, config)
    try:
        headers = {"x-runner-token": TOKEN}
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{running.port}", headers=headers
        ) as ops:
            health.gate.clear()  # the first check hangs: concurrent probes must share it
            flood = [asyncio.ensure_future(ops.get("/health")) for _ in range(50)]
            await asyncio.wait_for(health.started.wait(), 10)
            health.gate.set()
            answers = await asyncio.gather(*flood)
            assert health.checks == 1
            assert {r.status_code for r in answers} == {200}
            health.status = "unhealthy"
            cached = await ops.get("/health")  # within the interval: the cached answer
            clock.time += 1.0
            fresh = await ops.get("/health")
    finally:
        await running.stop()
    assert (cached.status_code, health.checks, fresh.status_code) == (200, 2, 503)
    assert fresh.json() == {"status": "unhealthy"}


async def test_an_admin_bind_serves_probes_openly_and_the_api_port_not_at_all() -> None:
    health = CountingHealth()
    config = ExposureConfig(tokens=(TOKEN,), admin_port=0)
    app = ExposureApp(config, {"t": TaskRoute("t", echo)}, {}, probes(health))
    running = await serve_exposure(app, config)
    try:
        assert running.admin is not None
        admin_root = f"http://127.0.0.1:{running.admin.port}"
        api_root = f"http://127.0.0.1:{running.port}"
        async with httpx.AsyncClient() as http:
            admin_health = await http.get(f"{admin_root}/health")
            admin_metrics = await http.get(f"{admin_root}/metrics")
            admin_other = await http.get(f"{admin_root}/__runner/task/t")
            api_health = await http.get(f"{api_root}/health", headers={"x-runner-token": TOKEN})
            served = await http.post(
                f"{api_root}/__runner/task/t", json={"input": 1}, headers={"x-runner-token": TOKEN}
            )
    finally:
        await running.stop()
    assert admin_health.json() == {"status": "healthy"}
    assert "internal.secret_job" in admin_metrics.text  # operators see every task
    assert admin_other.status_code == 404
    assert api_health.status_code == 404
    assert served.json() == {"ok": True, "result": 1}
    assert running.admin is not None
    assert not running.admin.ready  # stopped with the exposure


async def test_probes_answer_405_to_other_methods() -> None:
    health = CountingHealth()
    config = ExposureConfig(tokens=(TOKEN,))
    async with serving([TaskRoute(id="t", call=echo)], config=config) as s:
        s.app.probe_endpoints.probes = probes(health)
        s.app._probes = s.app.probe_endpoints
        root = s.running.url.removesuffix("/__runner")
        response = await s.client.post(f"{root}/health")
    assert response.status_code == 405
