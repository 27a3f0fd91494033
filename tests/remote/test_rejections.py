"""Every built-in rejection over real HTTP: a generated service in its own process, called with
httpx and with the generated async and sync clients.

For each: the status (Runner's ``httpCode``; 504 for a timeout), the typed envelope with Runner's
error id, ``Retry-After`` when the refusal knows it, the client's exception class and
``retry_after``, and what the server process logged: one WARNING line per refusal, no traceback.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from runner_gen.generator.build import write
from runner_gen.runtime.client import AsyncTransport, RemoteError
from runner_gen.runtime.errors import ContextError, Rejection
from runner_gen.runtime.middleware import (
    CircuitOpenError,
    ConcurrencyLimitError,
    KeyCapacityExceededError,
    RateLimitExceededError,
    TaskTimeoutError,
)
from runner_gen.runtime.redis.errors import RedisUnavailableError
from runner_gen.runtime.tunnel import remote_task
from tests.support.build import REPO, build_app, generate_files

SPEC = "tests.fixtures.remote.rejections:app"
SCRIPT = Path(__file__).parent / "scripts" / "serve_logged.py"
TOKEN = "t0ken"
client_module: Any = importlib.import_module(build_app(SPEC).__name__.replace(".wiring", ".client"))


class Server:
    """The service in a subprocess: stdout lines arrive on a queue, stderr (the log) in a file."""

    def __init__(self, root: Path, package: str, log: Path) -> None:
        self.log = log
        self._log_file = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPT), package],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{REPO}"},
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.url = self.wait_for("listening ").split(" ", 1)[1]
        self._log_offset = 0

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))

    def wait_for(self, prefix: str, seconds: float = 30.0) -> str:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                break
            if line.startswith(prefix):
                return line
        raise AssertionError(f"the server never printed {prefix!r}; log: {self.log.read_text()}")

    def new_log(self) -> list[str]:
        """Log lines written since the last call (each record is written before the answer)."""
        text = self.log.read_text()
        fresh, self._log_offset = text[self._log_offset :], len(text)
        return [line for line in fresh.splitlines() if line.strip()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=10)  # the pipe is at EOF once the process is gone
        assert self.process.stdout is not None
        self.process.stdout.close()
        self._log_file.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("rejections")
    output = generate_files(SPEC)
    output.package_dir = root / output.spec.package
    write([output])
    running = Server(root, output.spec.package, root / "server.log")
    try:
        yield running
    finally:
        running.stop()


@dataclass(frozen=True)
class Expected:
    error_id: str
    status: int
    cls: type[Rejection]
    retry_after: bool  # whether Retry-After is sent


def call_raw(server: Server, task_id: str, body: object = None) -> httpx.Response:
    with httpx.Client(base_url=server.url, headers={"x-runner-token": TOKEN}, timeout=30) as http:
        return http.post(f"/task/{task_id}", json={"input": body})


def assert_refused_over_http(server: Server, response: httpx.Response, expected: Expected) -> None:
    assert response.status_code == expected.status, response.text
    error = response.json()["error"]
    assert error["id"] == expected.error_id
    assert error["code"] == "INTERNAL_ERROR"  # Runner 5.5's code for every typed error
    assert error["httpCode"] == expected.status
    assert error["data"]["message"] == error["message"]
    if expected.retry_after:
        seconds = int(response.headers["retry-after"])
        assert 1 <= seconds <= 60
        assert 0 < error["data"]["retryAfter"] <= seconds
    else:
        assert "retry-after" not in response.headers
    assert_logged_once(server, expected)


def assert_logged_once(server: Server, expected: Expected) -> None:
    lines = server.new_log()
    assert len(lines) == 1, lines
    [line] = lines
    assert line.startswith("WARNING runner_gen.exposure exposure.task.rejected: rj.tasks."), line
    assert f"refused with {expected.error_id} (HTTP {expected.status})" in line


async def assert_clients_raise(
    server: Server, method: str, expected: Expected, *args: object
) -> list[Rejection]:
    """The generated async and sync clients raise the runtime's own class; returns both."""
    raised: list[Rejection] = []
    async with client_module.AsyncClient(server.url, token=TOKEN) as client:
        with pytest.raises(expected.cls) as caught:
            await getattr(client, method)(*args)
    raised.append(caught.value)
    assert_logged_once(server, expected)

    def call_sync() -> None:
        with client_module.SyncClient(server.url, token=TOKEN) as client:
            getattr(client, method)(*args)

    with pytest.raises(expected.cls) as caught_sync:
        await asyncio.to_thread(call_sync)
    raised.append(caught_sync.value)
    assert_logged_once(server, expected)
    for error in raised:
        assert error.id == expected.error_id
        assert isinstance(error.__cause__, RemoteError)
        assert error.__cause__.status == expected.status
        assert (error.retry_after is not None) == expected.retry_after
    return raised


async def test_a_rate_limit_is_429_with_retry_after(server: Server) -> None:
    expected = Expected(
        "runner.errors.middleware.rateLimitExceeded", 429, RateLimitExceededError, True
    )
    assert call_raw(server, "rj.tasks.limited").status_code == 200
    assert server.new_log() == []

    assert_refused_over_http(server, call_raw(server, "rj.tasks.limited"), expected)
    errors = await assert_clients_raise(server, "limited", expected)

    for error in errors:
        assert isinstance(error, RateLimitExceededError)
        assert error.retry_after is not None
        assert 0 < error.retry_after <= 60
        assert error.limit == 1
        assert error.key is None  # a quota's key may name a user: it stays on the server

    # A client tunnel (a phantom task routed to this service) re-raises it the same way.
    async with AsyncTransport(server.url, token=TOKEN) as transport:
        with pytest.raises(RateLimitExceededError) as through_tunnel:
            await remote_task(transport, "rj.tasks.limited", None, None)(None)
    assert through_tunnel.value.retry_after is not None
    assert_logged_once(server, expected)


async def test_a_full_concurrency_queue_is_503_without_retry_after(server: Server) -> None:
    expected = Expected(
        "runner.errors.middleware.concurrencyQueueFull", 503, ConcurrencyLimitError, False
    )
    holder = asyncio.ensure_future(asyncio.to_thread(call_raw, server, "rj.tasks.hold"))
    try:
        await asyncio.to_thread(server.wait_for, "holding the permit")
        assert_refused_over_http(server, call_raw(server, "rj.tasks.hold"), expected)
        errors = await assert_clients_raise(server, "hold", expected)
    finally:
        assert call_raw(server, "rj.tasks.release").status_code == 200
    assert (await holder).json() == {"ok": True, "result": "released"}
    assert all(isinstance(e, ConcurrencyLimitError) and e.limit == 1 for e in errors)


async def test_an_open_circuit_is_503_with_retry_after(server: Server) -> None:
    expected = Expected("runner.errors.middleware.circuitBreakerOpen", 503, CircuitOpenError, True)
    tripping = call_raw(server, "rj.tasks.fragile")
    assert tripping.status_code == 500  # the failure itself is a fault: logged with traceback
    assert any("Traceback" in line for line in server.new_log())

    assert_refused_over_http(server, call_raw(server, "rj.tasks.fragile"), expected)
    errors = await assert_clients_raise(server, "fragile", expected)
    assert all(isinstance(e, CircuitOpenError) and e.task_id == "rj.tasks.fragile" for e in errors)


async def test_a_timeout_after_the_last_retry_is_504(server: Server) -> None:
    expected = Expected("runner.errors.middleware.timeout", 504, TaskTimeoutError, False)

    assert_refused_over_http(server, call_raw(server, "rj.tasks.slow"), expected)
    errors = await assert_clients_raise(server, "slow", expected)

    for error in errors:
        assert isinstance(error, TaskTimeoutError)
        assert (error.ttl_ms, error.task_id) == (50, "rj.tasks.slow")


async def test_too_many_rate_limit_keys_is_503(server: Server) -> None:
    expected = Expected(
        "runner.errors.middleware.keyCapacityExceeded", 503, KeyCapacityExceededError, False
    )
    assert call_raw(server, "rj.tasks.keyed", "ada").status_code == 200

    assert_refused_over_http(server, call_raw(server, "rj.tasks.keyed", "alan"), expected)
    errors = await assert_clients_raise(server, "keyed", expected, "grace")
    assert all(isinstance(e, KeyCapacityExceededError) and e.max_keys == 1 for e in errors)


async def test_a_missing_required_context_is_400(server: Server) -> None:
    expected = Expected("runner.errors.context", 400, ContextError, False)

    assert_refused_over_http(server, call_raw(server, "rj.tasks.contextual"), expected)
    await assert_clients_raise(server, "contextual", expected)


async def test_redis_unavailable_is_503_and_names_no_server(server: Server) -> None:
    expected = Expected("runner.errors.redis.unavailable", 503, RedisUnavailableError, False)

    response = call_raw(server, "rj.tasks.shared")
    assert_refused_over_http(server, response, expected)
    assert "127.0.0.1:1" not in response.text
    errors = await assert_clients_raise(server, "shared", expected)
    assert all(isinstance(e, RedisUnavailableError) and e.url is None for e in errors)


def test_the_server_counts_rejections_under_their_ids(server: Server) -> None:
    """Refused calls are outcome="rejected" and counted by id; a timeout stays an error (a slow
    dependency should page someone; a throttled caller should not)."""
    for _ in range(2):  # the second is refused whatever ran before
        call_raw(server, "rj.tasks.limited")
    call_raw(server, "rj.tasks.slow")
    server.new_log()
    origin = server.url.removesuffix("/__runner")
    metrics = httpx.get(f"{origin}/metrics", headers={"x-runner-token": TOKEN}, timeout=30).text

    def sample(name: str, **labels: str) -> float:
        wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
        for line in metrics.splitlines():
            if line.startswith(f"{name}{{{wanted}}} "):
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError(f"no {name}{{{wanted}}} in:\n{metrics}")

    limited = {"task_id": "rj.tasks.limited"}
    assert sample("runner_task_calls_total", **limited, outcome="rejected") >= 1
    assert sample("runner_task_calls_total", **limited, outcome="error") == 0
    rate_limit_id = "runner.errors.middleware.rateLimitExceeded"
    rate_limited = sample("runner_task_errors_total", **limited, error_type=rate_limit_id)
    assert rate_limited == sample("runner_task_calls_total", **limited, outcome="rejected")
    slow = {"task_id": "rj.tasks.slow"}
    assert sample("runner_task_calls_total", **slow, outcome="error") >= 1
    assert sample(
        "runner_task_errors_total", **slow, error_type="runner.errors.middleware.timeout"
    ) == sample("runner_task_calls_total", **slow, outcome="error")
