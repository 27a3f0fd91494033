"""Resilience patterns on calls to a flaky external service.

- `fetch_quote`: retry (outer) around timeout (inner), so each attempt gets its own deadline.
- `post_comment`: at most 3 comments per user per minute; `key_fn` reads the user id.
- `check_stock`: a circuit breaker that fails fast after 3 consecutive failures.
- `recommendations`: a fallback answer when the service fails.
- `request_log`: task middleware applied `.everywhere()`: one structured log line per call with
  the task id, duration and outcome. Everywhere middleware wraps outside each task's own list,
  so it sees what the caller sees (after retries, after the fallback).
"""

from __future__ import annotations

import time

from examples.resilience.models import Comment, QuoteRequest, RecommendationRequest, StockCheck
from examples.resilience.services import CommentBoard, ExternalService
from runner_gen import TaskCall, globals, r
from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.logging.logger import Logger, LoggerConfig

task_mw = globals.middleware.task

# -- resources ---------------------------------------------------------------------------------


async def connect_external() -> ExternalService:
    return ExternalService()


external = r.resource("resilience.external").init(connect_external).build()


async def open_board() -> CommentBoard:
    return CommentBoard()


board = r.resource("resilience.board").init(open_board).build()

# -- the request-logging middleware -------------------------------------------------------------


def outcome_of(error: Exception) -> str:
    """A stable name for a failure: the typed error's id, else the exception's class."""
    return error.id if isinstance(error, RunnerError) else type(error).__name__


async def log_request(call: TaskCall, *, logger: Logger) -> object:
    started = time.perf_counter()
    try:
        result = await call.next(call.input)
    except Exception as error:
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        await logger.warn(
            "task failed",
            data={
                "task_id": call.task.id,
                "duration_ms": duration_ms,
                "outcome": outcome_of(error),
            },
        )
        raise
    duration_ms = round((time.perf_counter() - started) * 1000, 3)
    await logger.info(
        "task completed",
        data={"task_id": call.task.id, "duration_ms": duration_ms, "outcome": "ok"},
    )
    return result


request_log = (
    r.middleware.task("resilience.middleware.request_log")
    .dependencies(logger=globals.resources.logger)
    .everywhere()
    .run(log_request)
    .build()
)

# -- tasks -------------------------------------------------------------------------------------


def quick_backoff(attempt: int, error: Exception) -> float:
    """10, 20, 40 ms: exponential like Runner's default, scaled down for a demo."""
    return 10.0 * 2.0**attempt


async def fetch_quote(input: QuoteRequest, *, external: ExternalService) -> str:
    return await external.call(f"quote {input.symbol}")


fetch_quote_task = (
    r.task("resilience.tasks.fetch_quote")
    .dependencies(external=external)
    .middleware(
        task_mw.retry.with_(retries=2, delay_strategy=quick_backoff),
        task_mw.timeout.with_(ttl=300),
    )
    .run(fetch_quote)
    .build()
)


def comment_author(input: Comment) -> str:
    return input.user_id


async def post_comment(input: Comment, *, board: CommentBoard) -> int:
    board.comments.append((input.user_id, input.text))
    return len(board.comments)


post_comment_task = (
    r.task("resilience.tasks.post_comment")
    .dependencies(board=board)
    .middleware(task_mw.rate_limit.with_(window_ms=60_000, max=3, key_fn=comment_author))
    .run(post_comment)
    .build()
)


async def check_stock(input: StockCheck, *, external: ExternalService) -> str:
    return await external.call(f"stock {input.sku}")


check_stock_task = (
    r.task("resilience.tasks.check_stock")
    .dependencies(external=external)
    .middleware(task_mw.circuit_breaker.with_(failure_threshold=3, reset_timeout=30_000))
    .run(check_stock)
    .build()
)

#: What users see while the recommendation service is failing.
BESTSELLERS = ["bestseller: The Pragmatic Programmer", "bestseller: SICP"]


async def recommendations(input: RecommendationRequest, *, external: ExternalService) -> list[str]:
    return [await external.call(f"recommendations for {input.user_id}")]


recommendations_task = (
    r.task("resilience.tasks.recommendations")
    .dependencies(external=external)
    .middleware(task_mw.fallback.with_(fallback=BESTSELLERS))
    .run(recommendations)
    .build()
)

app = (
    r.resource("resilience")
    .register(
        globals.resources.logger.with_(LoggerConfig(print_strategy="json")),
        external,
        board,
        request_log,
        fetch_quote_task,
        post_comment_task,
        check_stock_task,
        recommendations_task,
    )
    .build()
)
