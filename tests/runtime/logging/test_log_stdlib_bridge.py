"""stdlib logging in both directions, without loops and without unredacted tracebacks."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from runner_gen.runtime.logging import LoggerConfig, LogRecord, RunnerLogHandler
from runner_gen.runtime.logging.levels import from_stdlib_level, to_stdlib_level

from ._sinks import captured


@pytest.fixture
def library() -> Iterator[logging.Logger]:
    logger = logging.getLogger("tests.somelib")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.propagate = True
    logger.setLevel(logging.NOTSET)


@pytest.fixture
def runner_gen_stdlib() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s|%(name)s|%(message)s"))
    target = logging.getLogger("runner_gen")
    target.addHandler(handler)
    target.setLevel(logging.DEBUG)
    yield stream
    target.removeHandler(handler)
    target.setLevel(logging.NOTSET)


def test_stdlib_records_become_runner_records(library: logging.Logger) -> None:
    log = captured(LoggerConfig(print_threshold=None))
    library.addHandler(RunnerLogHandler(log.logger))

    library.warning("retrying %s after %d ms", "/orders", 250, extra={"attempt": 2})

    (record,) = log.records
    assert record.level == "warn"
    assert record.source == "tests.somelib"
    assert record.message == "retrying /orders after 250 ms"
    assert record.data == {"attempt": 2}
    assert record.error is None


def test_stdlib_exception_info_becomes_the_record_error(library: logging.Logger) -> None:
    log = captured(LoggerConfig(print_threshold=None))
    library.addHandler(RunnerLogHandler(log.logger))

    try:
        raise TimeoutError("pool exhausted")
    except TimeoutError:
        library.exception("query failed")

    (record,) = log.records
    assert record.level == "error"
    assert record.error is not None
    assert record.error["type"] == "TimeoutError"
    assert record.error["stack"] is not None
    assert "pool exhausted" in record.error["stack"]


def test_handler_level_filters_before_the_logger(library: logging.Logger) -> None:
    log = captured(LoggerConfig(print_threshold=None))
    library.addHandler(RunnerLogHandler(log.logger, level=logging.WARNING))

    library.info("ignored")
    library.error("kept")

    assert [record.message for record in log.records] == ["kept"]


def test_a_broken_stdlib_record_is_reported_without_its_arguments() -> None:
    log = captured(LoggerConfig(print_threshold=None))
    handler = RunnerLogHandler(log.logger)
    # Wrong argument count: getMessage fails. Handed straight to the handler, because any other
    # handler on the way (pytest's own) would fail on it first.
    broken = logging.LogRecord(
        "tests.somelib", logging.INFO, __file__, 1, "needs two %s %s", ("password-in-args",), None
    )

    handler.handle(broken)

    assert log.records == []
    report = log.err.getvalue()
    assert "could not log a record from tests.somelib: TypeError" in report
    assert "password-in-args" not in report


async def test_records_are_forwarded_to_runner_gen_stdlib_loggers(
    runner_gen_stdlib: io.StringIO,
) -> None:
    log = captured(LoggerConfig(print_threshold=None, stdlib_forward_threshold="debug"))

    await log.logger.with_(source="app.tasks.a").trace("below forwarding")
    await log.logger.with_(source="app.tasks.a").info("hello token=abc")
    await log.logger.warn("from root")

    assert runner_gen_stdlib.getvalue().splitlines() == [
        "INFO|runner_gen.app.tasks.a|hello token=[REDACTED]",
        "WARNING|runner_gen.root|from root",
    ]


async def test_forwarded_errors_carry_the_redacted_stack_not_exc_info(
    runner_gen_stdlib: io.StringIO,
) -> None:
    log = captured(LoggerConfig(print_threshold=None, stdlib_forward_threshold="info"))
    try:
        raise ValueError("bad token=zzz-secret")
    except ValueError as error:
        await log.logger.error("failed", error=error)

    text = runner_gen_stdlib.getvalue()
    assert text.startswith("ERROR|runner_gen.root|failed\nTraceback")
    assert "zzz-secret" not in text
    assert "ValueError: bad token=[REDACTED]" in text


async def test_forwarding_and_the_handler_together_do_not_loop() -> None:
    log = captured(LoggerConfig(print_threshold=None, stdlib_forward_threshold="trace"))
    root = logging.getLogger()
    handler = RunnerLogHandler(log.logger)
    root.addHandler(handler)
    previous_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        await log.logger.info("once")
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)

    assert [record.message for record in log.records] == ["once"]


async def test_a_failing_stdlib_handler_is_reported_once(library: logging.Logger) -> None:
    class Exploding(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            raise RuntimeError("handler down")

        def handleError(self, record: logging.LogRecord) -> None:
            raise RuntimeError("still down")

    target = logging.getLogger("runner_gen.flaky")
    target.addHandler(exploding := Exploding())
    target.propagate = False
    target.setLevel(logging.INFO)
    try:
        log = captured(LoggerConfig(print_threshold=None, stdlib_forward_threshold="info"))
        await log.logger.with_(source="flaky").info("one")
        await log.logger.with_(source="flaky").info("two")
    finally:
        target.removeHandler(exploding)
        target.propagate = True
        target.setLevel(logging.NOTSET)

    assert log.err.getvalue().count("could not forward a log record") == 1
    assert len(log.records) == 2


@pytest.mark.parametrize(
    ("levelno", "level"),
    [
        (1, "trace"),
        (5, "trace"),
        (10, "debug"),
        (15, "debug"),
        (20, "info"),
        (30, "warn"),
        (40, "error"),
        (50, "critical"),
        (60, "critical"),
    ],
)
def test_stdlib_levels_map_to_runner_levels(levelno: int, level: str) -> None:
    assert from_stdlib_level(levelno) == level


def test_runner_levels_map_to_stdlib_levels() -> None:
    assert [to_stdlib_level(level) for level in ("trace", "info", "warn", "critical")] == [
        5,
        logging.INFO,
        logging.WARNING,
        logging.CRITICAL,
    ]
    assert logging.getLevelName(5) in {"TRACE", "Level 5"}


def test_listener_records_are_runner_records(library: logging.Logger) -> None:
    seen: list[LogRecord] = []
    log = captured(LoggerConfig(print_threshold=None), listen=False)
    log.logger.on_log(seen.append)
    library.addHandler(RunnerLogHandler(log.logger))

    library.debug("plain")

    assert isinstance(seen[0], LogRecord)
    assert seen[0].level == "debug"
