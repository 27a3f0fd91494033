"""Observability overhead, as ratios measured in one run: ``python -m benchmarks.observability``.

- MetricsMiddleware around a task vs calling the task directly.
- One ``logger.info`` per call (JSON printer, in-memory sink, no listener) vs writing the same
  JSON line by hand (``datetime.isoformat`` + ``json.dumps``), i.e. the cost of the logger
  (redaction included) over the least a structured log line costs.
- A log call below the threshold with no listener vs the same task without the call.

"Trivial" tasks return at once; "yielding" tasks await ``asyncio.sleep(0)`` once, the least
I/O a real task does. The trivial rows show the absolute overhead at its most visible.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from benchmarks._harness import Ratio, compare_async, report
from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.logging import Logger, LoggerConfig
from runner_gen.runtime.metrics import Metrics, MetricsMiddleware


class MemorySink:
    """Keeps only the size written: an in-memory sink that does not grow during the run."""

    __slots__ = ("written",)

    def __init__(self) -> None:
        self.written = 0

    def write(self, text: str) -> int:
        self.written += len(text)
        return len(text)


async def trivial_task(value: int) -> int:
    return value + 1


async def yielding_task(value: int) -> int:
    await asyncio.sleep(0)
    return value + 1


def metrics_ratios() -> list[Ratio]:
    metrics = Metrics(["bench.trivial", "bench.yielding"])
    middleware = MetricsMiddleware(metrics)
    wrapped_trivial = middleware.wrap(trivial_task, DefinitionInfo("bench.trivial"), None)
    wrapped_yielding = middleware.wrap(yielding_task, DefinitionInfo("bench.yielding"), None)
    return [
        compare_async(
            "MetricsMiddleware, trivial task vs direct",
            lambda: wrapped_trivial(1),
            lambda: trivial_task(1),
            "<= 1.3",
        ),
        compare_async(
            "MetricsMiddleware, yielding task vs direct",
            lambda: wrapped_yielding(1),
            lambda: yielding_task(1),
            "<= 1.3",
        ),
    ]


def logging_ratios() -> list[Ratio]:
    sink = MemorySink()
    printing = Logger(
        LoggerConfig(print_strategy="json", print_threshold="info", stdout=sink, stderr=sink)
    ).with_(source="bench.orders")
    quiet = Logger(LoggerConfig(print_threshold="warn", stdout=sink, stderr=sink))
    data = {"orderId": 7, "amount": 12.5}

    async def logged(value: int) -> int:
        await printing.info("Processing order", data=data)
        return value + 1

    async def hand_written(value: int) -> int:
        line = {
            "timestamp": datetime.now(UTC).isoformat(),
            "level": "info",
            "source": "bench.orders",
            "message": "Processing order",
            "data": data,
        }
        sink.write(json.dumps(line) + "\n")
        return value + 1

    async def trivial_below(value: int) -> int:
        await quiet.debug("Processing order", data=data)
        return value + 1

    async def yielding_below(value: int) -> int:
        await quiet.debug("Processing order", data=data)
        await asyncio.sleep(0)
        return value + 1

    async def trivial_below_sync(value: int) -> int:
        quiet.debug_sync("Processing order", data=data)
        return value + 1

    return [
        compare_async(
            "logger.info json to memory vs hand-written json line",
            lambda: logged(1),
            lambda: hand_written(1),
            "<= 2.0",
        ),
        compare_async(
            "below threshold, no listener, trivial task vs none",
            lambda: trivial_below(1),
            lambda: trivial_task(1),
            "<= 1.05",
        ),
        compare_async(
            "below threshold, no listener, sync twin, trivial vs none",
            lambda: trivial_below_sync(1),
            lambda: trivial_task(1),
            "<= 1.05",
        ),
        compare_async(
            "below threshold, no listener, yielding task vs none",
            lambda: yielding_below(1),
            lambda: yielding_task(1),
            "<= 1.05",
        ),
    ]


def main() -> None:
    report([*metrics_ratios(), *logging_ratios()])


if __name__ == "__main__":
    main()
