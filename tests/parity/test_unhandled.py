"""Unhandled errors and the asyncio safety nets (Runner's ``onUnhandledError``), ported from
Runner 5.5's tests.

Runner files (tag 5.5.0): src/__tests__/models/UnhandledError.test.ts,
src/__tests__/run/run.rollback-and-unhook.test.ts ("installs process safety nets and calls
onUnhandledError ...", "unhooks process safety nets on dispose() when errorBoundary is true").
"""

from __future__ import annotations

import asyncio
import gc

import pytest

from runner_gen.runtime.logging.logger import Logger, LoggerConfig
from runner_gen.runtime.logging.record import LogRecord
from runner_gen.runtime.unhandled import UnhandledError, install, log_unhandled, safe_report


def quiet_logger() -> tuple[Logger, list[LogRecord]]:
    logger = Logger(LoggerConfig(print_threshold=None))
    records: list[LogRecord] = []
    logger.on_log(records.append)
    return logger, records


async def test_the_default_handler_logs_non_errors_as_errors_with_their_kind() -> None:
    """UnhandledError: "normalizes non-Error values and includes kind in data"."""
    logger, records = quiet_logger()
    await log_unhandled(logger)(UnhandledError("boom", "task", "x"))
    [record] = records
    assert (record.level, record.message, record.source) == ("error", "Exception: boom", "x")
    assert record.data == {"kind": "task"}
    assert record.error is not None


async def test_the_default_handler_leaves_kind_out_when_unknown() -> None:
    """UnhandledError: "omits kind in data when kind is undefined"."""
    logger, records = quiet_logger()
    await log_unhandled(logger)(UnhandledError(ValueError("e")))
    [record] = records
    assert record.message == "ValueError: e"
    assert "kind" not in record.data


async def test_a_failing_handler_is_reported_to_stderr_not_raised(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """UnhandledError: "safeReportUnhandledError swallows handler errors", "... reports
    reporter failures to console.error", "normalizes non-Error reporter/original values"."""

    async def noisy(info: UnhandledError) -> None:
        raise RuntimeError("handler failed")

    await safe_report(noisy, UnhandledError("task failed", "task", "t"))
    printed = capsys.readouterr().err
    assert printed.startswith("[runner] Failed to report unhandled error.")
    assert "handler failed" in printed
    assert "task failed" in printed


async def test_a_sync_handler_is_called_too() -> None:
    seen: list[UnhandledError] = []
    await safe_report(seen.append, UnhandledError("x"))
    assert seen == [UnhandledError("x")]


async def test_an_exception_nobody_retrieved_reaches_the_handler_until_uninstalled() -> None:
    """run.rollback-and-unhook: "installs process safety nets and calls onUnhandledError on
    unhandledRejection", "unhooks process safety nets on dispose()"; UnhandledError:
    "bindProcessErrorHandler forwards kind=process with source"."""
    seen: list[UnhandledError] = []
    reported = asyncio.Event()

    async def handler(info: UnhandledError) -> None:
        seen.append(info)
        reported.set()

    uninstall = install(handler)

    async def fail() -> None:
        raise ValueError("boom")

    forgotten = asyncio.get_running_loop().create_task(fail())
    await asyncio.wait([forgotten])
    del forgotten
    gc.collect()  # the "exception was never retrieved" report comes when the task is freed
    await asyncio.wait_for(reported.wait(), timeout=5)
    [info] = seen
    assert (info.kind, info.source) == ("process", "unhandledRejection")
    assert isinstance(info.error, ValueError)

    uninstall()
    assert asyncio.get_running_loop().get_exception_handler() is None


async def test_an_exception_in_a_callback_is_an_uncaught_exception() -> None:
    """UnhandledError: "bindProcessErrorHandler forwards kind=process with source" (the
    uncaughtException net)."""
    seen: list[UnhandledError] = []
    reported = asyncio.Event()

    def handler(info: UnhandledError) -> None:
        seen.append(info)
        reported.set()

    uninstall = install(handler)
    try:

        def explode() -> None:
            raise KeyError("cb")

        asyncio.get_running_loop().call_soon(explode)
        await asyncio.wait_for(reported.wait(), timeout=5)
    finally:
        uninstall()
    [info] = seen
    assert (info.kind, info.source) == ("process", "uncaughtException")
    assert isinstance(info.error, KeyError)


async def test_contexts_without_an_exception_go_to_the_previous_handler() -> None:
    loop = asyncio.get_running_loop()
    previous: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _, context: previous.append(context))
    try:
        uninstall = install(lambda info: None)
        loop.call_exception_handler({"message": "just a warning"})
        assert previous == [{"message": "just a warning"}]
        uninstall()
        assert loop.get_exception_handler() is not None  # the previous one, restored
    finally:
        loop.set_exception_handler(None)
