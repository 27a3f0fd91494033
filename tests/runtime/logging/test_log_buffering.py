"""Startup buffering (Runner's ``bufferLogs``): records are held until ``lock()``."""

from __future__ import annotations

import json

from runner_gen.runtime.logging import LoggerConfig, LogRecord

from ._sinks import captured


async def test_buffered_records_reach_nobody_until_lock_then_arrive_in_order() -> None:
    log = captured(LoggerConfig(print_strategy="json", buffer_logs=True))
    buffering = [log.logger.buffering]

    await log.logger.info("starting")
    log.logger.warn_sync("slow resource")
    assert log.records == []
    assert log.printed() == ""

    await log.logger.lock()
    buffering.append(log.logger.buffering)

    assert buffering == [True, False]
    assert [record.message for record in log.records] == ["starting", "slow resource"]
    assert json.loads(log.out.getvalue())["message"] == "starting"
    assert json.loads(log.err.getvalue())["message"] == "slow resource"


async def test_listeners_registered_during_startup_see_the_earliest_records() -> None:
    log = captured(LoggerConfig(print_threshold="trace", buffer_logs=True), listen=False)
    await log.logger.debug("before anyone listened")

    seen: list[str] = []

    async def late_listener(record: LogRecord) -> None:
        seen.append(record.message)

    log.logger.on_log(late_listener)
    await log.logger.lock()

    assert seen == ["before anyone listened"]


async def test_after_lock_records_are_delivered_at_once_and_lock_again_is_a_no_op() -> None:
    log = captured(LoggerConfig(print_threshold=None, buffer_logs=True))
    await log.logger.lock()

    await log.logger.info("live")
    await log.logger.lock()

    assert [record.message for record in log.records] == ["live"]


async def test_a_full_buffer_drops_the_oldest_and_says_how_many() -> None:
    log = captured(LoggerConfig(print_threshold=None, buffer_logs=True, buffer_limit=3))

    for index in range(5):
        await log.logger.info(f"record {index}")
    await log.logger.lock()

    assert [record.message for record in log.records] == ["record 2", "record 3", "record 4"]
    assert log.err.getvalue().count("2 log record(s) dropped") == 1


async def test_without_buffering_lock_changes_nothing() -> None:
    log = captured(LoggerConfig(print_threshold=None))
    assert not log.logger.buffering

    await log.logger.lock()
    await log.logger.info("direct")

    assert [record.message for record in log.records] == ["direct"]


async def test_failing_listener_during_flush_is_reported_and_flush_continues() -> None:
    log = captured(LoggerConfig(print_threshold=None, buffer_logs=True))

    async def broken(record: LogRecord) -> None:
        raise RuntimeError("listener down")

    log.logger.on_log(broken)
    await log.logger.info("one")
    await log.logger.info("two")
    await log.logger.lock()

    assert [record.message for record in log.records] == ["one", "two"]
    assert log.err.getvalue().count("Error in log listener") == 1
