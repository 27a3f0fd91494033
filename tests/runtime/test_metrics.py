"""In-process task metrics as an operator relies on them: counts, quantiles, rates, scrapes."""

from __future__ import annotations

import asyncio
import math
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.metrics import (
    CONTENT_TYPE,
    DEFAULT_BUCKETS,
    OTHER,
    InvalidMetricsConfigError,
    Metrics,
    MetricsMiddleware,
    quantile_from_buckets,
    render_prometheus,
)
from runner_gen.runtime.metrics.asgi import metrics_endpoint
from runner_gen.runtime.metrics_prometheus import RunnerMetricsCollector, register


class FakeClock:
    def __init__(self) -> None:
        self.seconds = 100.0

    def now(self) -> float:
        return self.seconds

    async def sleep(self, seconds: float) -> None:
        self.seconds += seconds


class StepTimer:
    """perf_counter stand-in: each call advances by the next planned duration's half."""

    def __init__(self, *durations: float) -> None:
        self._readings: list[float] = []
        now = 0.0
        for duration in durations:
            self._readings += [now, now + duration]
            now += duration + 1.0

    def __call__(self) -> float:
        return self._readings.pop(0)


def test_observations_land_in_le_buckets_with_inf_last() -> None:
    metrics = Metrics(["app.task"])
    handle = metrics.task("app.task")

    for seconds in (0.005, 0.0051, 0.2, 10.0, 11.0):
        handle.observe(seconds, None)

    task = metrics.snapshot().tasks["app.task"]
    cumulative = dict(task.buckets)
    assert cumulative[0.005] == 1  # equal to a bound counts in that bucket (le)
    assert cumulative[0.01] == 2
    assert cumulative[0.25] == 3
    assert cumulative[10.0] == 4
    assert cumulative[math.inf] == 5
    assert [bound for bound, _ in task.buckets] == [*DEFAULT_BUCKETS, math.inf]
    assert task.count == 5
    assert task.sum_seconds == pytest.approx(21.2101)


def test_outcomes_are_counted_by_error_type_from_a_closed_set() -> None:
    metrics = Metrics(["app.task"], error_types=["PaymentDeclined"])
    handle = metrics.task("app.task")

    handle.observe(0.01, None)
    handle.observe(0.01, "ValueError")
    handle.observe(0.01, "PaymentDeclined")
    handle.observe(0.01, "SomethingNobodyListed")
    handle.observe_cancelled(0.01)

    task = metrics.snapshot().tasks["app.task"]
    assert (task.ok, task.cancelled, task.count) == (1, 1, 5)
    assert task.errors == {"ValueError": 1, "PaymentDeclined": 1, OTHER: 1}
    assert task.error_count == 3


def test_unknown_task_ids_share_one_other_handle_shown_only_once_used() -> None:
    metrics = Metrics(["app.a", "app.a", "app.b"])
    assert metrics.task_ids == ("app.a", "app.b")
    assert OTHER not in metrics.snapshot().tasks

    assert metrics.task("injected.by.input") is metrics.task("another.unknown")
    metrics.task("injected.by.input").observe(0.1, None)

    assert set(metrics.snapshot().tasks) == {"app.a", "app.b", OTHER}


def test_cardinality_cannot_grow_with_input() -> None:
    metrics = Metrics(["app.task"])
    handle = metrics.task("app.task")
    before = render_prometheus(metrics).count("\n")

    for index in range(5000):
        handle.observe(0.01, f"Error{index}")
        metrics.task(f"task-{index}").observe(0.01, f"Error{index}")

    after = render_prometheus(metrics)
    assert len(handle.errors) == len(metrics.error_types) + 1
    # Only the _OTHER task and one _OTHER error series per task were added.
    assert after.count("\n") - before == 12 + 2 + 4 + 2  # buckets, sum+count, outcomes, errors
    assert metrics.snapshot().tasks["app.task"].errors == {OTHER: 5000}


def test_quantiles_are_estimated_from_buckets() -> None:
    metrics = Metrics(["app.task"], buckets=[0.1, 0.2, 0.4])
    handle = metrics.task("app.task")
    for _ in range(50):
        handle.observe(0.05, None)  # (0, 0.1]
    for _ in range(45):
        handle.observe(0.15, None)  # (0.1, 0.2]
    for _ in range(5):
        handle.observe(0.3, None)  # (0.2, 0.4]

    task = metrics.snapshot().tasks["app.task"]
    assert task.p50 == pytest.approx(0.1)
    assert task.p95 == pytest.approx(0.2)
    assert task.p99 == pytest.approx(0.2 + 0.2 * 4 / 5)
    assert task.quantile(0.25) == pytest.approx(0.05)


def test_quantiles_of_nothing_are_none_and_of_the_inf_bucket_the_top_bound() -> None:
    metrics = Metrics(["idle", "slow"], buckets=[1.0, 2.0])
    metrics.task("slow").observe(30.0, None)

    snapshot = metrics.snapshot()
    assert (snapshot.tasks["idle"].p50, snapshot.tasks["idle"].p99) == (None, None)
    assert snapshot.tasks["slow"].p50 == 2.0


@pytest.mark.parametrize("q", [0.0, -0.5, 1.5, math.nan])
def test_quantile_outside_zero_one_is_refused(q: float) -> None:
    with pytest.raises(InvalidMetricsConfigError):
        quantile_from_buckets(((1.0, 1), (math.inf, 1)), q)


def test_rates_between_snapshots_use_the_clock() -> None:
    clock = FakeClock()
    metrics = Metrics(["app.a", "app.b"], clock=clock)
    handle = metrics.task("app.a")
    handle.observe(0.01, None)
    earlier = metrics.snapshot()

    for _ in range(6):
        handle.observe(0.01, None)
    for _ in range(4):
        handle.observe(0.01, "TimeoutError")
    metrics.task("stray").observe(0.01, None)
    clock.seconds += 5.0
    rates = metrics.snapshot().rates_since(earlier)

    assert rates["app.a"].calls_per_second == pytest.approx(2.0)
    assert rates["app.a"].errors_per_second == pytest.approx(0.8)
    assert rates["app.a"].error_ratio == pytest.approx(0.4)
    assert rates["app.b"].error_ratio == 0.0
    assert rates[OTHER].calls_per_second == pytest.approx(0.2)  # absent from the earlier one


def test_rates_need_time_to_have_passed() -> None:
    metrics = Metrics(["app.a"], clock=FakeClock())
    snapshot = metrics.snapshot()

    with pytest.raises(InvalidMetricsConfigError, match="earlier snapshot"):
        snapshot.rates_since(snapshot)


@pytest.mark.parametrize(
    ("buckets", "match"),
    [
        ([], "at least one"),
        ([0.1, 0.1], "increase strictly"),
        ([0.5, 0.1], "increase strictly"),
        ([0.1, math.inf], "finite and positive"),
        ([0.0, 1.0], "finite and positive"),
        ([-1.0], "finite and positive"),
    ],
)
def test_bad_buckets_are_refused_with_a_typed_error(buckets: list[float], match: str) -> None:
    with pytest.raises(InvalidMetricsConfigError, match=match) as raised:
        Metrics(["app.a"], buckets=buckets)

    assert isinstance(raised.value, RunnerError)
    assert raised.value.id == "runner.errors.invalid_metrics_config"


def test_other_is_reserved() -> None:
    with pytest.raises(InvalidMetricsConfigError, match="reserved"):
        Metrics(["app.a", OTHER])


# MetricsMiddleware


def _wrapped(metrics: Metrics, task_id: str, run: Any, *durations: float) -> Any:
    middleware = MetricsMiddleware(metrics, timer=StepTimer(*durations))
    return middleware.wrap(run, DefinitionInfo(task_id), None)


async def test_middleware_passes_input_and_result_through_and_times_success() -> None:
    metrics = Metrics(["app.double"])

    async def double(value: int) -> int:
        return value * 2

    call = _wrapped(metrics, "app.double", double, 0.03)

    assert await call(21) == 42
    task = metrics.snapshot().tasks["app.double"]
    assert (task.ok, task.count) == (1, 1)
    assert task.sum_seconds == pytest.approx(0.03)
    assert dict(task.buckets)[0.025] == 0
    assert dict(task.buckets)[0.05] == 1


async def test_middleware_reraises_the_same_error_and_counts_its_type() -> None:
    metrics = Metrics(["app.charge"])
    failure = ValueError("card declined")

    async def charge(value: object) -> None:
        raise failure

    call = _wrapped(metrics, "app.charge", charge, 0.2)

    with pytest.raises(ValueError) as raised:
        await call(None)

    assert raised.value is failure
    task = metrics.snapshot().tasks["app.charge"]
    assert (task.ok, task.errors) == (0, {"ValueError": 1})
    assert task.sum_seconds == pytest.approx(0.2)


async def test_middleware_counts_a_timeout_inside_the_chain_as_timeout_error() -> None:
    metrics = Metrics(["app.slow"])

    async def slow(value: object) -> None:
        async with asyncio.timeout(0):
            await asyncio.sleep(10)

    call = MetricsMiddleware(metrics).wrap(slow, DefinitionInfo("app.slow"), None)

    with pytest.raises(TimeoutError):
        await call(None)

    assert metrics.snapshot().tasks["app.slow"].errors == {"TimeoutError": 1}


async def test_middleware_counts_cancellation_separately_and_propagates_it() -> None:
    metrics = Metrics(["app.wait"])
    started = asyncio.Event()

    async def wait_forever(value: object) -> None:
        started.set()
        await asyncio.Event().wait()

    call = MetricsMiddleware(metrics).wrap(wait_forever, DefinitionInfo("app.wait"), None)
    running = asyncio.ensure_future(call(None))
    await started.wait()
    running.cancel()

    with pytest.raises(asyncio.CancelledError):
        await running

    task = metrics.snapshot().tasks["app.wait"]
    assert (task.cancelled, task.ok, task.error_count, task.count) == (1, 0, 0, 1)


async def test_middleware_counts_base_exceptions_and_unknown_tasks_under_other() -> None:
    metrics = Metrics(["app.known"])

    async def exits(value: object) -> None:
        raise SystemExit(3)

    call = _wrapped(metrics, "app.unlisted", exits, 0.001)

    with pytest.raises(SystemExit):
        await call(None)

    assert metrics.snapshot().tasks[OTHER].errors == {OTHER: 1}


# Prometheus exposition


def _families(text: str) -> dict[str, Any]:
    return {family.name: family for family in text_string_to_metric_families(text)}


def test_prometheus_text_parses_and_follows_the_naming_rules() -> None:
    metrics = Metrics(["app.a", "app.b"])
    metrics.task("app.a").observe(0.02, None)
    metrics.task("app.a").observe(0.7, "KeyError")
    metrics.task("app.a").observe_cancelled(3.0)

    families = _families(render_prometheus(metrics))

    assert set(families) == {
        "runner_task_duration_seconds",
        "runner_task_calls",
        "runner_task_errors",
    }
    assert families["runner_task_duration_seconds"].type == "histogram"
    assert families["runner_task_calls"].type == "counter"
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in families.values()
        for sample in family.samples
    }
    a = ("task_id", "app.a")
    assert samples[("runner_task_duration_seconds_count", (a,))] == 3
    assert samples[("runner_task_duration_seconds_sum", (a,))] == pytest.approx(3.72)
    assert samples[("runner_task_duration_seconds_bucket", (("le", "0.025"), a))] == 1
    assert samples[("runner_task_duration_seconds_bucket", (("le", "+Inf"), a))] == 3
    assert samples[("runner_task_calls_total", (("outcome", "ok"), a))] == 1
    assert samples[("runner_task_calls_total", (("outcome", "error"), a))] == 1
    assert samples[("runner_task_calls_total", (("outcome", "cancelled"), a))] == 1
    assert samples[("runner_task_errors_total", (("error_type", "KeyError"), a))] == 1
    b = ("task_id", "app.b")
    assert samples[("runner_task_duration_seconds_count", (b,))] == 0


def test_label_values_are_escaped() -> None:
    awkward = 'odd"id\\with\nnewline'
    metrics = Metrics([awkward])
    metrics.task(awkward).observe(0.01, None)

    families = _families(render_prometheus(metrics))

    labels = {sample.labels["task_id"] for sample in families["runner_task_calls"].samples}
    assert labels == {awkward}


def test_prometheus_client_adapter_exposes_the_same_series() -> None:
    metrics = Metrics(["app.a"])
    metrics.task("app.a").observe(0.02, None)
    metrics.task("app.a").observe(0.3, "ValueError")
    registry = CollectorRegistry()

    collector = register(metrics, registry)
    scraped = generate_latest(registry).decode()

    assert isinstance(collector, RunnerMetricsCollector)

    def samples(text: str) -> set[tuple[str, tuple[tuple[str, str], ...], float]]:
        return {
            (sample.name, tuple(sorted(sample.labels.items())), float(sample.value))
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if not sample.name.endswith("_created")
        }

    assert samples(scraped) == samples(render_prometheus(metrics))
    assert 'runner_task_errors_total{error_type="ValueError",task_id="app.a"} 1.0' in scraped


# Serving the exposition over HTTP (real uvicorn, real httpx)


@asynccontextmanager
async def _serving(app: Any) -> AsyncIterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()  # connections wait in the backlog until uvicorn accepts: no start race
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_config=None))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def test_metrics_endpoint_serves_a_fresh_scrape_over_http() -> None:
    metrics = Metrics(["app.a"])
    async with _serving(metrics_endpoint(metrics)) as base, httpx.AsyncClient() as client:
        first = await client.get(f"{base}/metrics")
        metrics.task("app.a").observe(0.01, None)
        second = await client.get(f"{base}/metrics")
        head = await client.head(f"{base}/metrics")
        post = await client.post(f"{base}/metrics")

    assert first.status_code == 200
    assert first.headers["content-type"] == CONTENT_TYPE
    assert 'runner_task_calls_total{task_id="app.a",outcome="ok"} 0' in first.text
    assert 'runner_task_calls_total{task_id="app.a",outcome="ok"} 1' in second.text
    assert _families(second.text)["runner_task_duration_seconds"].type == "histogram"
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0
    assert (post.status_code, post.headers["allow"]) == (405, "GET, HEAD")


async def test_metrics_endpoint_ignores_non_http_scopes() -> None:
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("not called")

    async def send(message: Any) -> None:
        sent.append(message)

    await metrics_endpoint(Metrics([]))({"type": "lifespan"}, receive, send)

    assert sent == []
