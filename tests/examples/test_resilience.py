"""The resilience example: each pattern against the fake external service's failure modes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import pytest

from examples.resilience.definitions import BESTSELLERS
from examples.resilience.generated import App, running
from examples.resilience.models import Comment, QuoteRequest, RecommendationRequest, StockCheck
from examples.resilience.services import ServiceUnavailable
from runner_gen.runtime.logging.record import LogRecord
from runner_gen.runtime.middleware import (
    CircuitOpenError,
    RateLimitExceededError,
    TaskTimeoutError,
)
from tests.support.build import REPO

ACME = QuoteRequest(symbol="ACME")
SKU = StockCheck(sku="X-1")


@pytest.fixture
async def app() -> AsyncIterator[App]:
    async with running() as started:
        started.resources.logger.set_print_threshold(None)  # tests read records, not stdout
        yield started


@pytest.fixture
def records(app: App) -> list[LogRecord]:
    collected: list[LogRecord] = []
    app.resources.logger.on_log(collected.append)
    return collected


# -- retry and timeout ---------------------------------------------------------------------------


async def test_retry_recovers_from_transient_failures(app: App) -> None:
    app.resources.external.fail_next(2)
    assert await app.tasks.fetch_quote(ACME) == "quote ACME: ok"
    assert app.resources.external.calls == 3


async def test_retry_gives_up_after_its_retries_with_the_last_error(app: App) -> None:
    app.resources.external.fail_next(10)
    with pytest.raises(ServiceUnavailable, match="transient failure"):
        await app.tasks.fetch_quote(ACME)
    assert app.resources.external.calls == 3  # the first attempt and 2 retries


async def test_a_hung_call_times_out_with_the_typed_error_and_is_cancelled(app: App) -> None:
    app.resources.external.hang_next(3, seconds=5.0)
    started = time.monotonic()
    with pytest.raises(TaskTimeoutError) as caught:
        await app.tasks.fetch_quote(ACME)
    assert time.monotonic() - started < 4.0  # long before even one 5 s hang would have ended
    assert caught.value.id == "runner.errors.middleware.timeout"
    assert caught.value.http_code == 504
    assert caught.value.ttl_ms == 300
    assert app.resources.external.cancelled == 3  # every attempt was cut, none left running


async def test_each_attempt_gets_its_own_timeout_so_a_retry_recovers_from_a_hang(app: App) -> None:
    app.resources.external.hang_next(1, seconds=5.0)
    assert await app.tasks.fetch_quote(ACME) == "quote ACME: ok"
    assert app.resources.external.cancelled == 1


async def test_cancelling_the_caller_is_not_retried(app: App) -> None:
    app.resources.external.hang_next(1, seconds=5.0)
    call = asyncio.ensure_future(app.tasks.fetch_quote(ACME))
    await asyncio.sleep(0.05)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert app.resources.external.calls == 1


# -- rate limit per user -------------------------------------------------------------------------


async def test_the_per_user_limit_is_exact_and_other_users_are_unaffected(app: App) -> None:
    for n in range(3):
        assert await app.tasks.post_comment(Comment(user_id="ann", text=f"{n}")) == n + 1
    with pytest.raises(RateLimitExceededError) as caught:
        await app.tasks.post_comment(Comment(user_id="ann", text="one too many"))
    assert caught.value.key == "ann"
    assert caught.value.http_code == 429
    assert caught.value.retry_after is not None
    assert 0 < caught.value.retry_after <= 60
    for _ in range(3):
        await app.tasks.post_comment(Comment(user_id="bob", text="hi"))
    assert [user for user, _ in app.resources.board.comments] == ["ann"] * 3 + ["bob"] * 3


async def test_concurrent_bursts_admit_exactly_the_limit(app: App) -> None:
    outcomes = await asyncio.gather(
        *(app.tasks.post_comment(Comment(user_id="ann", text="spam")) for _ in range(20)),
        return_exceptions=True,
    )
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 3
    assert all(isinstance(o, RateLimitExceededError) for o in outcomes if isinstance(o, Exception))


# -- circuit breaker -----------------------------------------------------------------------------


async def test_the_breaker_opens_after_three_failures_and_then_fails_fast(app: App) -> None:
    service = app.resources.external
    service.down = True
    for _ in range(3):
        with pytest.raises(ServiceUnavailable):
            await app.tasks.check_stock(SKU)
    assert service.calls == 3
    service.down = False  # recovered, but the breaker waits out its reset timeout first
    with pytest.raises(CircuitOpenError) as caught:
        await app.tasks.check_stock(SKU)
    assert service.calls == 3  # refused without calling the service
    assert caught.value.http_code == 503
    assert caught.value.retry_after is not None
    assert 29 < caught.value.retry_after <= 30


async def test_failures_that_are_not_consecutive_do_not_open_the_breaker(app: App) -> None:
    service = app.resources.external
    for _ in range(3):
        service.fail_next(2)
        for _ in range(2):
            with pytest.raises(ServiceUnavailable):
                await app.tasks.check_stock(SKU)
        assert await app.tasks.check_stock(SKU) == "stock X-1: ok"
    assert service.calls == 9


# -- fallback ------------------------------------------------------------------------------------


async def test_the_fallback_answers_while_the_service_fails(app: App) -> None:
    request = RecommendationRequest(user_id="ann")
    assert await app.tasks.recommendations(request) == ["recommendations for ann: ok"]
    app.resources.external.down = True
    assert await app.tasks.recommendations(request) == BESTSELLERS


# -- request logging -----------------------------------------------------------------------------


async def test_every_task_call_logs_its_id_duration_and_outcome(
    app: App, records: list[LogRecord]
) -> None:
    await app.tasks.fetch_quote(ACME)
    app.resources.external.down = True
    with pytest.raises(ServiceUnavailable):
        await app.tasks.check_stock(SKU)
    ok, failed = records
    assert (ok.level, ok.message, ok.source) == (
        "info",
        "task completed",
        "resilience.middleware.request_log",
    )
    assert ok.data["task_id"] == "resilience.tasks.fetch_quote"
    assert ok.data["outcome"] == "ok"
    assert (failed.level, failed.message) == ("warn", "task failed")
    assert failed.data["task_id"] == "resilience.tasks.check_stock"
    assert failed.data["outcome"] == "ServiceUnavailable"
    assert all(
        isinstance(r.data["duration_ms"], float) and r.data["duration_ms"] >= 0 for r in records
    )


async def test_the_log_sees_what_the_caller_sees(app: App, records: list[LogRecord]) -> None:
    app.resources.external.fail_next(2)
    await app.tasks.fetch_quote(ACME)  # 3 attempts, one call
    app.resources.external.down = True
    await app.tasks.recommendations(RecommendationRequest(user_id="ann"))  # the fallback answered
    for _ in range(4):
        with contextlib.suppress(RateLimitExceededError):
            await app.tasks.post_comment(Comment(user_id="ann", text="x"))
    assert [(r.data["task_id"].rsplit(".", 1)[1], r.data["outcome"]) for r in records] == [
        ("fetch_quote", "ok"),
        ("recommendations", "ok"),
        ("post_comment", "ok"),
        ("post_comment", "ok"),
        ("post_comment", "ok"),
        ("post_comment", "runner.errors.middleware.rateLimitExceeded"),
    ]


async def test_a_timed_out_call_is_logged_with_its_duration(
    app: App, records: list[LogRecord]
) -> None:
    app.resources.external.hang_next(3, seconds=5.0)
    with pytest.raises(TaskTimeoutError):
        await app.tasks.fetch_quote(ACME)
    [record] = records
    assert record.data["outcome"] == "runner.errors.middleware.timeout"
    assert record.data["duration_ms"] >= 900  # three 300 ms attempts


def test_the_demo_prints_structured_json_log_lines() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "examples.resilience"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout.splitlines()
    assert "# retry: quote ACME: ok" in out
    assert "# rate limit: ann refused: runner.errors.middleware.rateLimitExceeded" in out
    assert "# rate limit: bob posted" in out
    assert "# circuit breaker: CircuitOpenError, failed fast" in out
    assert any(line.startswith("# timeout: runner.errors.middleware.timeout") for line in out)
    logged = [json.loads(line) for line in out + result.stderr.splitlines() if line.startswith("{")]
    outcomes = {(entry["data"]["task_id"], entry["data"]["outcome"]) for entry in logged}
    assert (
        "resilience.tasks.check_stock",
        "runner.errors.middleware.circuitBreakerOpen",
    ) in outcomes
    assert ("resilience.tasks.recommendations", "ok") in outcomes
    assert {entry["source"] for entry in logged} == {"resilience.middleware.request_log"}
