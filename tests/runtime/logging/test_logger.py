"""The Logger as a task author uses it: levels, record shape, children, listeners, thresholds."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Generator
from typing import Any

import pytest

from runner_gen.runtime.logging import LEVELS, Logger, LoggerConfig, LogLevel, LogRecord

from ._sinks import captured


async def test_every_record_has_timestamp_level_source_message_data_context() -> None:
    log = captured(LoggerConfig(print_threshold=None))
    task_log = log.logger.with_(source="orders.process", context={"request_id": "r-1"})

    await task_log.info("Processing order", data={"orderId": 7, "amount": 12.5})

    assert log.records == [
        LogRecord(
            timestamp="2026-11-21T23:49:14.123Z",
            level="info",
            source="orders.process",
            message="Processing order",
            data={"orderId": 7, "amount": 12.5},
            context={"request_id": "r-1"},
            error=None,
        )
    ]


@pytest.mark.parametrize("level", LEVELS)
async def test_each_level_method_and_log_produce_that_level(level: LogLevel) -> None:
    log = captured(LoggerConfig(print_threshold=None))
    method = getattr(log.logger, level)

    await method("via method")
    await log.logger.log(level, "via log")

    assert [(record.level, record.message) for record in log.records] == [
        (level, "via method"),
        (level, "via log"),
    ]


@pytest.mark.parametrize("level", LEVELS)
async def test_sync_twins_produce_the_same_records(level: LogLevel) -> None:
    log = captured(LoggerConfig(print_threshold=None))

    getattr(log.logger, f"{level}_sync")("twin", data={"n": 1})

    assert [(record.level, record.message, record.data) for record in log.records] == [
        (level, "twin", {"n": 1})
    ]


async def test_exception_becomes_type_message_and_full_chained_stack() -> None:
    log = captured(LoggerConfig(print_threshold=None))
    try:
        try:
            raise KeyError("missing-row")
        except KeyError as cause:
            raise RuntimeError("order failed") from cause
    except RuntimeError as error:
        await log.logger.error("Order processing failed", error=error)

    (record,) = log.records
    assert record.error is not None
    assert record.error["type"] == "RuntimeError"
    assert record.error["message"] == "order failed"
    stack = record.error["stack"]
    assert stack is not None
    assert "KeyError: 'missing-row'" in stack
    assert "direct cause" in stack
    assert "RuntimeError: order failed" in stack


async def test_non_exception_error_becomes_unknown_error() -> None:
    log = captured(LoggerConfig(print_threshold=None))

    await log.logger.warn("odd failure", error={"code": 3})

    assert log.records[0].error == {"type": "UnknownError", "message": "{'code': 3}", "stack": None}


async def test_non_string_messages_are_rendered_as_json_text() -> None:
    log = captured(LoggerConfig(print_threshold=None))

    await log.logger.info({"event": "started", "count": 2})
    await log.logger.info(["a", 1])

    assert [record.message for record in log.records] == [
        '{"event": "started", "count": 2}',
        '["a", 1]',
    ]


async def test_child_shares_listeners_and_merges_context_and_keeps_parent_unchanged() -> None:
    log = captured(LoggerConfig(print_threshold=None))
    request = log.logger.with_(source="http", context={"request_id": "r-9", "user": "ann"})
    step = request.with_(context={"step": 2, "user": "bob"})

    await step.debug("deep", context={"attempt": 1})
    await log.logger.debug("root")

    child_record, root_record = log.records
    assert child_record.source == "http"  # inherited from the parent child
    assert child_record.context == {"request_id": "r-9", "user": "bob", "step": 2, "attempt": 1}
    assert root_record.source is None
    assert root_record.context == {}
    assert step.source == "http"


async def test_source_argument_overrides_the_bound_source_for_one_call() -> None:
    log = captured(LoggerConfig(print_threshold=None))
    child = log.logger.with_(source="tasks.a")

    await child.info("x", source="tasks.b")
    await child.info("y")

    assert [record.source for record in log.records] == ["tasks.b", "tasks.a"]


async def test_listeners_get_records_below_the_print_threshold() -> None:
    log = captured(LoggerConfig(print_threshold="error"))

    await log.logger.trace("quiet")

    assert [record.message for record in log.records] == ["quiet"]
    assert log.printed() == ""


async def test_async_listener_is_awaited_before_the_call_returns() -> None:
    log = captured(LoggerConfig(print_threshold=None), listen=False)
    seen: list[str] = []

    async def slow_listener(record: LogRecord) -> None:
        await asyncio.sleep(0)
        seen.append(record.message)

    log.logger.on_log(slow_listener)
    await log.logger.info("awaited")

    assert seen == ["awaited"]


async def test_unsubscribed_listener_stops_receiving() -> None:
    log = captured(LoggerConfig(print_threshold=None), listen=False)
    seen: list[str] = []
    unsubscribe = log.logger.on_log(lambda record: seen.append(record.message))

    await log.logger.info("one")
    unsubscribe()
    await log.logger.info("two")

    assert seen == ["one"]


async def test_failing_listener_is_reported_once_and_others_still_run() -> None:
    log = captured(LoggerConfig(print_threshold=None), listen=False)

    def broken(record: LogRecord) -> None:
        raise ValueError(f"listener blew up on {record.message}")

    async def broken_async(record: LogRecord) -> None:
        raise OSError("async listener down")

    seen: list[str] = []
    log.logger.on_log(broken)
    log.logger.on_log(broken_async)
    log.logger.on_log(lambda record: seen.append(record.message))

    await log.logger.info("first")
    await log.logger.info("second")

    assert seen == ["first", "second"]
    report = log.err.getvalue()
    assert report.count("Error in log listener") == 2
    assert "ValueError: listener blew up on first" in report
    assert "OSError: async listener down" in report
    assert "second" not in report


async def test_listener_failure_report_is_redacted() -> None:
    log = captured(LoggerConfig(print_threshold=None), listen=False)

    def leaky(record: LogRecord) -> None:
        raise RuntimeError("could not post with token=sk-live-123456")

    log.logger.on_log(leaky)
    await log.logger.info("x")

    assert "sk-live-123456" not in log.err.getvalue()
    assert "token=[REDACTED]" in log.err.getvalue()


async def test_below_threshold_without_listeners_builds_no_record() -> None:
    built: list[float] = []

    def clock() -> float:
        built.append(1.0)  # the timestamp is the first thing a record needs
        return 0.0

    out = io.StringIO()
    logger = Logger(LoggerConfig(print_threshold="warn", stdout=out, stderr=out, wall_clock=clock))

    await logger.info("dropped", data={"big": list(range(1000))})
    logger.debug_sync("dropped too")
    assert built == []

    await logger.warn("kept")
    assert len(built) == 1
    assert "kept" in out.getvalue()


async def test_printing_disabled_and_no_listener_does_nothing() -> None:
    log = captured(LoggerConfig(print_threshold=None), listen=False)

    await log.logger.critical("nobody hears this")

    assert log.printed() == ""


async def test_threshold_can_be_changed_for_the_whole_family() -> None:
    log = captured(LoggerConfig(print_threshold="error", print_strategy="json"), listen=False)
    child = log.logger.with_(source="c")

    await child.info("hidden")
    log.logger.set_print_threshold("debug")
    await child.info("shown")
    log.logger.set_print_threshold(None)
    await child.critical("hidden again")

    assert [json.loads(line)["message"] for line in log.printed().splitlines()] == ["shown"]
    assert log.logger.print_threshold is None
    log.logger.set_print_threshold("warn")
    assert child.print_threshold == "warn"


async def test_sync_call_schedules_async_listeners_on_the_running_loop() -> None:
    log = captured(LoggerConfig(print_threshold=None), listen=False)
    seen: list[str] = []

    async def listener(record: LogRecord) -> None:
        await asyncio.sleep(0)
        seen.append(record.message)

    log.logger.on_log(listener)
    log.logger.info_sync("from sync code")
    assert seen == []  # scheduled, not run inline

    await log.logger.drain()
    assert seen == ["from sync code"]


def test_sync_call_without_a_loop_skips_async_listeners_with_one_report() -> None:
    log = captured(LoggerConfig(print_threshold=None), listen=False)
    calls: list[str] = []

    async def listener(record: LogRecord) -> None:
        calls.append(record.message)

    log.logger.on_log(listener)
    log.logger.info_sync("no loop here")
    log.logger.info_sync("still none")

    assert calls == []
    assert log.err.getvalue().count("async log listeners skipped") == 1


async def test_broken_sink_never_raises_into_the_task_and_is_reported_once() -> None:
    class BrokenSink:
        def write(self, text: str) -> int:
            raise BrokenPipeError("stdout closed")

    report = io.StringIO()
    logger = Logger(LoggerConfig(stdout=BrokenSink(), stderr=report))

    await logger.info("one")
    await logger.info("two")

    assert report.getvalue().count("could not print a log record") == 1


async def test_broken_error_writer_is_tolerated() -> None:
    class BrokenSink:
        def write(self, text: str) -> int:
            raise OSError("gone")

    logger = Logger(LoggerConfig(stdout=BrokenSink(), stderr=BrokenSink()))

    await logger.error("nowhere to go")  # must not raise


async def test_unprintable_message_object_does_not_raise() -> None:
    class Hostile:
        def __str__(self) -> str:
            raise RuntimeError("no str for you")

    for config in (
        LoggerConfig(print_threshold=None),
        LoggerConfig(print_threshold=None, redact=False),
    ):
        log = captured(config)
        await log.logger.info(Hostile())
        assert log.records[0].message.startswith("[unprintable Hostile]")


async def test_redact_false_keeps_values_but_still_removes_registered_secrets() -> None:
    log = captured(LoggerConfig(print_threshold=None, redact=False))
    log.logger.register_secret("registered-secret-value")

    await log.logger.info("password=plain registered-secret-value", data={"password": "plain"})

    (record,) = log.records
    assert record.message == "password=plain [REDACTED]"
    assert record.data == {"password": "plain"}


async def test_redact_false_without_secrets_passes_values_through() -> None:
    log = captured(LoggerConfig(print_threshold=None, redact=False))
    child = log.logger.with_(context={"token": "t-1"})

    await child.info(42, data={"token": "t-2"}, context={"extra": 1}, error=ValueError("v"))

    (record,) = log.records
    assert record.message == "42"
    assert record.data == {"token": "t-2"}
    assert record.context == {"token": "t-1", "extra": 1}
    assert record.error is not None
    assert record.error["message"] == "v"


async def test_data_that_is_not_a_dict_is_kept_under_value() -> None:
    log = captured(LoggerConfig(print_threshold=None))
    odd: Any = ["a", {"password": "p"}]

    await log.logger.info("odd data", data=odd)

    assert log.records[0].data == {"value": ["a", {"password": "[REDACTED]"}]}


async def test_secret_registered_after_a_child_was_bound_is_removed_from_its_context() -> None:
    log = captured(LoggerConfig(print_threshold=None))
    child = log.logger.with_(context={"upstream": "key-abcdef-123"})
    await child.info("before")

    log.logger.register_secret("key-abcdef-123")
    await child.info("after")

    assert [record.context for record in log.records] == [
        {"upstream": "key-abcdef-123"},
        {"upstream": "[REDACTED]"},
    ]


@pytest.mark.parametrize("level", LEVELS)
async def test_no_consumer_means_no_output_at_any_level(level: LogLevel) -> None:
    log = captured(LoggerConfig(print_threshold=None), listen=False)

    await getattr(log.logger, level)("unseen")
    await log.logger.log(level, "unseen")
    getattr(log.logger, f"{level}_sync")("unseen")
    log.logger.log_sync(level, "unseen")

    assert log.printed() == ""


async def test_a_failing_wall_clock_is_reported_and_never_raises() -> None:
    def broken_clock() -> float:
        raise OSError("clock unavailable")

    report = io.StringIO()
    logger = Logger(LoggerConfig(stdout=report, stderr=report, wall_clock=broken_clock))

    await logger.info("one")
    await logger.info("two")

    assert report.getvalue().count("could not build a log record: OSError") == 1


async def test_several_async_listeners_are_awaited_in_order() -> None:
    log = captured(LoggerConfig(print_threshold=None), listen=False)
    order: list[str] = []

    async def first(record: LogRecord) -> None:
        order.append("first")

    async def second(record: LogRecord) -> None:
        order.append("second")

    log.logger.on_log(first)
    log.logger.on_log(second)
    await log.logger.info("x")

    assert order == ["first", "second"]


def test_awaitables_that_are_not_coroutines_are_skipped_too_without_a_loop() -> None:
    class Pending:
        def __await__(self) -> Generator[None, None, None]:
            yield None

    log = captured(LoggerConfig(print_threshold=None), listen=False)
    log.logger.on_log(lambda record: Pending())

    log.logger.warn_sync("no loop")

    assert "async log listeners skipped" in log.err.getvalue()


async def test_a_listener_enriching_a_record_does_not_change_the_next_one() -> None:
    log = captured(LoggerConfig(print_threshold=None))
    child = log.logger.with_(context={"request_id": "r-1"})
    log.logger.on_log(lambda record: record.context.setdefault("seen", []).append(record.message))

    await child.info("first")
    await child.info("second")

    assert log.records[1].context == {"request_id": "r-1", "seen": ["second"]}
    assert child.with_().source is None
