"""Observability overhead through generated wiring (issue 5).

Each line compares the generated app with one part switched on against a baseline in the same
run: the app with it off, and the same work written by hand (a timer and a counter; a manual
span; a stdlib ``logging`` JSON line), since no logger or tracer costs nothing.

Run: .venv/bin/python -m benchmarks.observability_generated
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from benchmarks._generated import build
from benchmarks._harness import Ratio, compare_async, report


def _hand_metrics(echo: Callable[[int], Awaitable[int]]) -> Callable[[], Awaitable[int]]:
    buckets = [0] * 12
    counts = {"ok": 0, "error": 0}

    async def timed() -> int:
        start = time.perf_counter()
        try:
            result = await echo(1)
        except Exception:
            counts["error"] += 1
            raise
        counts["ok"] += 1
        buckets[min(int((time.perf_counter() - start) * 1000), 11)] += 1
        return result

    return timed


def _hand_span(echo: Callable[[int], Awaitable[int]]) -> Callable[[], Awaitable[int]]:
    tracer = trace.get_tracer("hand")

    async def spanned() -> int:
        with tracer.start_as_current_span("obs.tasks.echo"):
            return await echo(1)

    return spanned


def _stdlib_logged(echo: Callable[[int], Awaitable[int]]) -> Callable[[], Awaitable[int]]:
    logger = logging.getLogger("bench.stdlib")
    logger.propagate = False
    handler = logging.StreamHandler(io.StringIO())

    class Json(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return json.dumps(
                {"time": record.created, "level": record.levelname, "message": record.msg}
            )

    handler.setFormatter(Json())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    async def logged() -> int:
        logger.info("echo", extra={"input": 1})
        return await echo(1)

    return logged


def main() -> None:
    trace.set_tracer_provider(TracerProvider())  # recording spans, no exporter
    plain = build("benchmarks.apps.observed:plain", "bench_obs_plain")
    metered = build("benchmarks.apps.observed:metered", "bench_obs_metered")
    traced = build("benchmarks.apps.observed:traced", "bench_obs_traced")
    logged = build("benchmarks.apps.observed:logged", "bench_obs_logged")
    from benchmarks.apps.observed import echo

    async def start_all() -> tuple[Any, ...]:
        return (
            await plain.start(),
            await metered.start(),
            await traced.start(),
            await logged.start(),
        )

    off, with_metrics, with_tracing, with_logger = asyncio.run(start_all())
    ratios: list[Ratio] = [
        compare_async(
            "observability off: generated call vs direct await",
            lambda: off.tasks.echo(1),
            lambda: echo(1),
            "<= 1.5",
        ),
        compare_async(
            "metrics on vs off (trivial task)",
            lambda: with_metrics.tasks.echo(1),
            lambda: off.tasks.echo(1),
            "<= 1.3",
        ),
        compare_async(
            "metrics on vs the same timing written by hand",
            lambda: with_metrics.tasks.echo(1),
            _hand_metrics(echo),
            "<= 1.3",
        ),
        compare_async(
            "tracing on vs a span written by hand (SDK, no exporter)",
            lambda: with_tracing.tasks.echo(1),
            _hand_span(echo),
            "<= 1.3",
            ops=5_000,
        ),
        compare_async(
            "one info log per call (JSON) vs no log (trivial task)",
            lambda: with_logger.tasks.echo_logged(1),
            lambda: with_logger.tasks.echo(1),
            "<= 2",
            ops=5_000,
        ),
        compare_async(
            "one info log per call (JSON, redacted) vs stdlib logging JSON",
            lambda: with_logger.tasks.echo_logged(1),
            _stdlib_logged(echo),
            "<= 2",
            ops=5_000,
        ),
    ]
    report(ratios)


if __name__ == "__main__":
    main()
