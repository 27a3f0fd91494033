"""Server logs routed through redaction: scrubbed in place before any configured handler sees
them, and handed to a redacting Logger when no handler would print them."""

from __future__ import annotations

import io
import logging
import logging.config
from collections.abc import Iterator

import pytest
import uvicorn.config

from runner_gen.runtime.logging import Logger, LoggerConfig
from runner_gen.runtime.logging.routing import route_server_logs, routed_logger

SECRET = "hunter2-canary-91f"


@pytest.fixture
def root_output() -> Iterator[io.StringIO]:
    """A root handler that formats records the stdlib way (tracebacks included)."""
    route_server_logs()
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield output
    finally:
        root.removeHandler(handler)


def test_a_configured_root_handler_sees_scrubbed_messages_and_tracebacks(
    root_output: io.StringIO,
) -> None:
    url = "redis://:" + SECRET + "@cache:6379"
    try:
        raise ConnectionError(f"{url} refused password={SECRET}")
    except ConnectionError:
        logging.getLogger("runner_gen.routing_test").exception(
            "ASGI application failed: api_key=%s", SECRET
        )
    text = root_output.getvalue()
    assert "ConnectionError: redis://:[REDACTED]@cache:6379 refused password=[REDACTED]" in text
    assert "Traceback (most recent call last)" in text
    assert "ASGI application failed: api_key=[REDACTED]" in text  # the message's argument too
    assert SECRET not in text


def test_registered_secrets_are_scrubbed_wherever_they_appear(root_output: io.StringIO) -> None:
    logger = route_server_logs()
    logger.register_secret("plain-words-token-1f")
    logging.getLogger("runner_gen.exposure").warning("saw plain-words-token-1f in a body")
    assert "plain-words-token-1f" not in root_output.getvalue()


def test_records_a_logger_forwarded_on_purpose_pass_untouched(root_output: io.StringIO) -> None:
    forwarding = Logger(LoggerConfig(print_threshold=None, stdlib_forward_threshold="info"))
    forwarding.error_sync("forwarded once")
    assert root_output.getvalue().count("forwarded once") == 1


def test_without_logging_configuration_the_routed_logger_prints_redacted_records() -> None:
    root = logging.getLogger()
    saved = root.handlers[:]
    printed = io.StringIO()
    previous = route_server_logs()
    route_server_logs(Logger(LoggerConfig(stdout=printed, stderr=printed, print_strategy="json")))
    root.handlers.clear()
    try:
        logging.getLogger("asyncio").error("loop error with token=%s", SECRET)
    finally:
        root.handlers[:] = saved
        route_server_logs(previous)
    text = printed.getvalue()
    assert '"source":"asyncio"' in text
    assert "token=[REDACTED]" in text
    assert SECRET not in text
    assert routed_logger() is previous


def test_uvicorns_own_logging_configuration_prints_only_scrubbed_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # What a process that also runs uvicorn with its defaults has: a stderr handler on "uvicorn",
    # propagation off, installed after (or before) the routing.
    names = ("uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {
        name: (logging.getLogger(name).level, logging.getLogger(name).propagate) for name in names
    }
    logging.config.dictConfig(uvicorn.config.LOGGING_CONFIG)
    try:
        route_server_logs()  # every serve does this: the route goes back in front
        try:
            raise ValueError(f"bad body password={SECRET}")
        except ValueError:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
        printed = capsys.readouterr().err
    finally:
        for name in names:
            target = logging.getLogger(name)
            for handler in [h for h in target.handlers if type(h).__module__ != routing_module]:
                target.removeHandler(handler)
            target.setLevel(saved[name][0])
            target.propagate = saved[name][1]
    assert "Exception in ASGI application" in printed
    assert "ValueError: bad body password=[REDACTED]" in printed
    assert SECRET not in printed


routing_module = route_server_logs.__module__
