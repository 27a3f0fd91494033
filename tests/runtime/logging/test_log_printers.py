"""What gets printed, where, and in which form: json lines, pretty blocks, plain ASCII."""

from __future__ import annotations

import io
import json
import sys

import pytest

from runner_gen.runtime.logging import LEVELS, Logger, LoggerConfig
from runner_gen.runtime.logging.printers import supports_color

from ._sinks import captured


async def test_json_printer_writes_one_parseable_line_per_record() -> None:
    log = captured(LoggerConfig(print_strategy="json", print_threshold="trace"), listen=False)
    child = log.logger.with_(source="orders.process", context={"request_id": "r-1"})

    await child.info("Processing order", data={"orderId": 7, "note": "multi\nline"})
    await child.debug("no extras")

    first, second = (json.loads(line) for line in log.out.getvalue().splitlines())
    assert first == {
        "timestamp": "2026-11-21T23:49:14.123Z",
        "level": "info",
        "source": "orders.process",
        "message": "Processing order",
        "data": {"orderId": 7, "note": "multi\nline"},
        "context": {"request_id": "r-1"},
    }
    assert second["message"] == "no extras"
    assert "data" not in second


async def test_warn_and_above_go_to_stderr_the_rest_to_stdout() -> None:
    log = captured(LoggerConfig(print_strategy="json", print_threshold="trace"), listen=False)

    for level in LEVELS:
        await log.logger.log(level, level)

    stdout_levels = [json.loads(line)["level"] for line in log.out.getvalue().splitlines()]
    stderr_levels = [json.loads(line)["level"] for line in log.err.getvalue().splitlines()]
    assert stdout_levels == ["trace", "debug", "info"]
    assert stderr_levels == ["warn", "error", "critical"]


async def test_records_below_the_threshold_are_not_printed() -> None:
    log = captured(LoggerConfig(print_strategy="json", print_threshold="warn"), listen=False)

    await log.logger.info("quiet")
    await log.logger.warn("loud")

    assert log.out.getvalue() == ""
    assert [json.loads(line)["message"] for line in log.err.getvalue().splitlines()] == ["loud"]


async def test_json_printer_encodes_values_json_cannot_represent() -> None:
    log = captured(LoggerConfig(print_strategy="json", redact=False), listen=False)
    await log.logger.info("raw", data={"when": {1, 2}.__class__, "bytes": b"x"})

    line = json.loads(log.out.getvalue())
    assert line["data"] == {"when": "<class 'set'>", "bytes": "b'x'"}


async def test_pretty_printer_layout_without_colour() -> None:
    log = captured(LoggerConfig(print_strategy="pretty", color=False), listen=False)
    child = log.logger.with_(source="orders.process", context={"request_id": "r-1"})

    await child.warn("line one\nline two", data={"orderId": 7}, error="boom")

    assert log.err.getvalue() == (
        "23:49:14.123 ● WARN     orders.process\n"
        "  line one\n"
        "  line two\n"
        "  ╰─ Error: UnknownError: boom\n"
        '  ╰─ Data: {"orderId":7}\n'
        '  ╰─ Context: {"request_id":"r-1"}\n'
    )


async def test_pretty_printer_indents_the_stack_under_the_error() -> None:
    log = captured(LoggerConfig(print_strategy="pretty", color=False), listen=False)
    try:
        raise ValueError("bad input")
    except ValueError as error:
        await log.logger.error("failed", error=error)

    lines = log.err.getvalue().splitlines()
    assert lines[0] == "23:49:14.123 ● ERROR"
    assert lines[2] == "  ╰─ Error: ValueError: bad input"
    assert lines[3] == "       Traceback (most recent call last):"
    assert lines[-1] == "       ValueError: bad input"


async def test_pretty_printer_colours_only_when_enabled() -> None:
    coloured = captured(LoggerConfig(print_strategy="pretty", color=True), listen=False)
    plain = captured(LoggerConfig(print_strategy="pretty", color=False), listen=False)

    await coloured.logger.info("hi")
    await plain.logger.info("hi")

    assert "\x1b[32m" in coloured.out.getvalue()
    assert "\x1b[" not in plain.out.getvalue()


async def test_plain_printer_is_ascii_and_never_coloured() -> None:
    log = captured(LoggerConfig(print_strategy="plain", color=True), listen=False)

    await log.logger.error("failed", data={"a": 1}, error=ValueError("x"))
    await log.logger.info("")

    text = log.printed()
    assert text.isascii()
    assert "\x1b[" not in text
    assert "23:49:14.123 * ERROR" in text
    assert '  \\- Data: {"a":1}' in text
    assert "23:49:14.123 * INFO\n  \n" in text


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class ClosedTerminal(io.StringIO):
    def isatty(self) -> bool:
        raise ValueError("I/O operation on closed file")


def test_colour_is_auto_detected_from_tty_and_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert supports_color(FakeTerminal())
    assert not supports_color(io.StringIO())
    assert not supports_color(ClosedTerminal())
    assert not supports_color(object())

    monkeypatch.setenv("NO_COLOR", "1")
    assert not supports_color(FakeTerminal())


async def test_auto_colour_follows_each_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal, pipe = FakeTerminal(), io.StringIO()
    logger = Logger(LoggerConfig(stdout=terminal, stderr=pipe))

    await logger.info("to terminal")
    await logger.error("to pipe")

    assert "\x1b[" in terminal.getvalue()
    assert "\x1b[" not in pipe.getvalue()


async def test_default_writers_are_the_process_streams_at_write_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logger = Logger(LoggerConfig(print_strategy="json"))

    await logger.info("to stdout")
    await logger.error("to stderr")

    captured_out = capsys.readouterr()
    assert json.loads(captured_out.out)["message"] == "to stdout"
    assert json.loads(captured_out.err)["message"] == "to stderr"
    assert sys.stdout is not None
